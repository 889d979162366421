"""Deprecated: ``purenn.fast`` moved to ``purenn.engines`` in 0.2.0.

This old path still works for one release (it is removed in 0.3.0): importing
it warns with a DeprecationWarning naming the new path, then stands for
``purenn.engines`` itself (the same module object, so changes made through either
name are seen through both).  See CHANGELOG.md.
"""
import importlib
import sys
import warnings

warnings.warn("purenn.fast is deprecated: import purenn.engines instead (the old "
              "path goes in purenn 0.3.0)", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = importlib.import_module("purenn.engines")
