"""Turn training or test examples into what the engines' kernels take.

Every engine (``purenn.engines.codegen``, ``purenn.engines.loops``) reads an
example as ``(idx, vals)``: the positions of its non-zero inputs, in order,
and their values as floats; a training example also carries its target as a
tuple of floats.  About 80% of MNIST's pixels are 0, and a zero input adds
nothing an engine must compute (see ``purenn.engines`` for why skipping it
changes no bit).

MNIST ``Dataset`` images are read straight from their raw bytes, with
C-level ``itertools.compress``; other data sets are lists of ``(x, y)``.

>>> reader = Reader([([0.0, 0.5, 0], 1)], [3, 2])
>>> reader.batch([0])
[([1], [0.5], (0.0, 1.0))]
"""
import itertools
import platform

from purenn.io.mnist import Dataset
from purenn.matrix import ShapeError
from purenn.arguments import target_column
from purenn.epochs import labels_of

__all__ = ["Reader"]

_compress = itertools.compress
_PYPY = platform.python_implementation() == "PyPy"

# value / 255 for every pixel byte, the floats purenn.io.mnist gives.
_SCALE = tuple(value / 255 for value in range(256))


def _is_dataset(data, size):
    return isinstance(data, Dataset) and data.rows * data.cols == size


def _sparse(x, size, columns):
    """Return ``(idx, vals)``: where x is non-zero and those values."""
    if len(x) != size:
        raise ShapeError("feed_forward: got {} inputs, the input layer has "
                         "{} neurons".format(len(x), size))
    return list(_compress(columns, x)), list(map(float, _compress(x, x)))


class Reader:
    """Turn examples of a data set into the ``(idx, vals[, target])`` the
    kernels take.

    With ``keep=True`` an MNIST Dataset's non-zero pixels are found once:
    per image a tuple of their positions (shared int objects, about 1.2 kB)
    and the bytes of their values; a mini-batch then only looks up floats.
    Inputs and targets are checked as the reference checks them, with the
    same errors.
    """

    def __init__(self, data, layers, keep=False):
        self.data = data
        self.size = layers[0]
        self.outputs = layers[-1]
        # Prebuilt ints: compress() over a list hands out the same objects.
        self.columns = list(range(self.size))
        self.one_hot = []
        for label in range(self.outputs):
            target = [0.0] * self.outputs
            target[label] = 1.0
            self.one_hot.append(tuple(target))
        self.dataset = _is_dataset(data, self.size)
        self.kept = None
        if self.dataset and keep:
            self.kept = list(self._find_non_zero(range(len(data))))

    def _find_non_zero(self, indexes):
        """Yield ``(idx, values)`` of image ``i``'s non-zero pixels."""
        size, columns, images = self.size, self.columns, self.data.images
        if _PYPY:
            # A plain loop: PyPy's JIT runs it about ten times faster than
            # compress() and translate() below (and CPython ten times
            # slower).
            for i in indexes:
                base = i * size
                idx = [k for k in columns if images[base + k]]
                yield idx, bytes([images[base + k] for k in idx])
            return
        for i in indexes:
            pixels = images[i * size:(i + 1) * size]
            # compress() keeps the columns whose pixel byte is not 0;
            # translate() deletes the zero bytes, leaving their values.
            yield (tuple(_compress(columns, pixels)),
                   pixels.translate(None, b"\0"))

    def target(self, y):
        if type(y) is int and 0 <= y < self.outputs:
            return self.one_hot[y]
        column = target_column(y, self.outputs)
        return tuple(float(row[0]) for row in column)

    def inputs(self, indexes):
        """Yield ``(idx, vals)`` for the examples at ``indexes``."""
        size, columns = self.size, self.columns
        if self.dataset:
            scale = _SCALE
            if self.kept is not None:
                found = map(self.kept.__getitem__, indexes)
            else:
                found = self._find_non_zero(indexes)
            for idx, values in found:
                yield idx, [scale[v] for v in values]
        else:
            data = self.data
            for i in indexes:
                yield _sparse(data[i][0], size, columns)

    def batch(self, indexes):
        """Return ``[(idx, vals, target), ...]`` for ``indexes``."""
        if self.dataset:
            labels, target = self.data.labels, self.target
            return [(idx, vals, target(labels[i])) for (idx, vals), i
                    in zip(self.inputs(indexes), indexes)]
        data, size, columns = self.data, self.size, self.columns
        out = []
        for i in indexes:
            x, y = data[i]
            idx, vals = _sparse(x, size, columns)
            out.append((idx, vals, self.target(y)))
        return out

    def labels(self):
        if self.dataset:
            return list(self.data.labels)
        return labels_of(self.data)
