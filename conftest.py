"""pytest configuration for the whole checkout.

The old import paths of 0.1 (``purenn/mnist.py``, ``purenn/fast.py``, ...)
are shims that replace themselves with the new module in ``sys.modules``
(``purenn/images.py``, split in two, offers both new modules' names);
collecting them for doctests would import the new module under the old
file's name (and warn), so they are left out here and tested in
tests/test_old_paths.py.  Their modules' doctests run under the new names.
"""
import glob
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _is_shim(path):
    # Every shim's docstring starts "Deprecated:" (one of them, the split
    # purenn.images, offers two modules' names instead of replacing itself).
    with open(path, encoding="utf-8") as stream:
        return stream.read().startswith('"""Deprecated:')


collect_ignore = [os.path.relpath(path, _HERE)
                  for path in sorted(glob.glob(os.path.join(_HERE, "purenn",
                                                            "*.py")))
                  if _is_shim(path)]
