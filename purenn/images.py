"""Deprecated: ``purenn.images`` was split into ``purenn.io.images`` (reading
PGM and PNG drawings) and ``purenn.drawing.prepare`` (preparing them like
MNIST: ``prepare_digit``, ``to_pixels``).

This old path still works for one release (it is removed in 0.3.0): importing
it warns with a DeprecationWarning naming both new paths, then offers every
public name of both, the same objects.  See CHANGELOG.md.
"""
import warnings

warnings.warn("purenn.images is deprecated: import purenn.io.images and "
              "purenn.drawing.prepare instead (the old path goes in purenn "
              "0.3.0)", DeprecationWarning, stacklevel=2)

from purenn.io.images import *          # noqa: E402,F401,F403
from purenn.drawing.prepare import *    # noqa: E402,F401,F403
from purenn.io import images as _reading          # noqa: E402
from purenn.drawing import prepare as _preparing  # noqa: E402

__all__ = list(_reading.__all__) + list(_preparing.__all__)
