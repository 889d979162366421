"""What the IDX reader (``purenn.io.idx``) and writer (``purenn.io.idxwrite``)
share: the type codes, ``IdxArray`` and ``IdxError``.

The format itself is described in ``purenn.io.idx``; every name here is
importable from there too.

>>> describe_type(0x0B), ITEM_TYPES[0x08], product((2, 3))
('0x0B int16', (1, None), 6)
"""
import array
import sys

__all__ = ["IdxError", "IdxArray", "TYPE_NAMES", "ITEM_TYPES", "SWAP",
           "describe_type", "product", "known_codes"]

TYPE_NAMES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "int16",
    0x0C: "int32",
    0x0D: "float32",
    0x0E: "float64",
}


def _array_code(kind, size):
    """Return the array module type code holding ``size``-byte items."""
    for code in kind:
        if array.array(code).itemsize == size:
            return code
    raise ImportError("no array type code of {} bytes among {!r}"
                      .format(size, kind))


# Type code -> (item size in bytes, array typecode or None for raw bytes).
ITEM_TYPES = {
    0x08: (1, None),
    0x09: (1, "b"),
    0x0B: (2, _array_code("hi", 2)),
    0x0C: (4, _array_code("ilh", 4)),
    0x0D: (4, _array_code("f", 4)),
    0x0E: (8, _array_code("d", 8)),
}

# True where the machine is little-endian: IDX data is big-endian, and
# an array of items over one byte is byte-swapped on the way in and out.
SWAP = sys.byteorder == "little"


class IdxError(ValueError):
    """An IDX file (or the data given to ``write_idx``) breaks the format."""


def describe_type(type_code):
    """``0x0B int16``: a type code as messages name it."""
    return "0x{:02X} {}".format(type_code, TYPE_NAMES[type_code])


def product(shape):
    """The number of items of an array of ``shape``."""
    size = 1
    for dim in shape:
        size *= dim
    return size


class IdxArray(object):
    """The contents of an IDX file: ``type_code``, ``shape`` and flat ``data``.

    ``shape`` is a tuple of ints (dimension sizes, outermost first) and
    ``data`` holds the ``product(shape)`` items in row-major order: ``bytes``
    for type 0x08, an ``array.array`` for the other types (see the module
    docstring).

    >>> IdxArray(0x0B, (2,), array.array("h", [-1, 300])).tolist()
    [-1, 300]
    """

    __slots__ = ("type_code", "shape", "data")

    def __init__(self, type_code, shape, data):
        if type_code not in ITEM_TYPES:
            raise IdxError("unknown IDX type code 0x{:02X}, expected one of {}"
                           .format(type_code, known_codes()))
        shape = tuple(shape)
        if len(data) != product(shape):
            raise IdxError("shape {} needs {} items, data has {}".format(
                "x".join(map(str, shape)), product(shape), len(data)))
        self.type_code = type_code
        self.shape = shape
        self.data = data

    def tolist(self):
        """Return the data as nested lists following ``shape``."""
        return _nest(list(self.data), self.shape)

    def __repr__(self):
        return "IdxArray(type_code=0x{:02X}, shape={!r})".format(
            self.type_code, self.shape)


def _nest(items, shape):
    """Group the flat list ``items`` into nested lists of ``shape``."""
    if len(shape) == 1:
        return items
    inner = product(shape[1:])
    return [_nest(items[start * inner:(start + 1) * inner], shape[1:])
            for start in range(shape[0])]


def known_codes():
    """The type codes IDX defines, as messages list them."""
    return ", ".join("0x{:02X}".format(code) for code in sorted(ITEM_TYPES))
