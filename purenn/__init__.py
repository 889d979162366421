"""purenn: the Neural Networks Primer's fully-connected network in pure Python."""

__version__ = "0.1.0"
