"""Deprecated: ``purenn.svg`` moved to ``purenn.drawing.svg``.

This old path still works for one release (it is removed in 0.3.0): importing
it warns with a DeprecationWarning naming the new path, then stands for
``purenn.drawing.svg`` itself (the same module object, so changes made
through either name are seen through both).  See CHANGELOG.md.
"""
import importlib
import sys
import warnings

warnings.warn("purenn.svg is deprecated: import purenn.drawing.svg instead "
              "(the old path goes in purenn 0.3.0)", DeprecationWarning,
              stacklevel=2)
sys.modules[__name__] = importlib.import_module("purenn.drawing.svg")
