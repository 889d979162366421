"""purenn: the Neural Networks Primer's fully-connected network in pure Python.

Standard library only, CPython 3.6 to 3.13, the same bits on every version.

>>> import purenn
>>> net = purenn.Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]],
...                      w=[[[1.58]], [[2.45]]])
>>> net.feed_forward([0.8])
[[0.850571226530534]]
"""
from purenn.matrix import (ShapeError, dot, transpose, hadamard, add,
                           subtract, scale, column)
from purenn.primer import (sigmoid, sigmoid_prime, raw_activation, dc_db,
                           dc_dw, dc_da_prev, cost)
from purenn.network import Network, ModelError, load

__version__ = "0.2.0"

__all__ = ["Network", "ModelError", "ShapeError", "load", "sigmoid",
           "sigmoid_prime", "raw_activation", "dc_db", "dc_dw", "dc_da_prev",
           "cost", "dot", "transpose", "hadamard", "add", "subtract", "scale",
           "column", "__version__"]
