"""Write IDX files (the format is described in ``purenn.io.idx``).

``write_idx`` takes an IdxArray, nested lists or a flat sequence with a
shape, checks that every value fits the type, and writes the file
atomically, gzip-compressed when its name ends ``.gz`` (reproducibly:
mtime 0), so the same data gives the same bytes.

>>> import os, shutil, tempfile
>>> from purenn.io.idx import read_idx
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "t.idx")
>>> write_idx(path, [1, -2], type_code=0x0B)
>>> read_idx(path).tolist()
[1, -2]
>>> shutil.rmtree(folder)
"""
import array
import gzip
import io
import os
import struct

from purenn.io.fileio import atomic_write
from purenn.io.idxformat import (ITEM_TYPES, SWAP, IdxArray, IdxError,
                                 describe_type, known_codes, product)

__all__ = ["write_idx"]


def _infer_shape(data):
    """Return the shape of nested lists/tuples, checking they are regular."""
    shape = []
    level = data
    while isinstance(level, (list, tuple)):
        shape.append(len(level))
        if not level:
            break
        level = level[0]
    return tuple(shape)


def _flatten(data, shape, depth=0):
    if depth == len(shape) - 1:
        if len(data) != shape[depth]:
            raise IdxError("write_idx: ragged nested lists: a row of {} "
                           "items, expected {}".format(len(data),
                                                       shape[depth]))
        if any(isinstance(item, (list, tuple)) for item in data):
            raise IdxError("write_idx: ragged nested lists: lists nested "
                           "deeper than the first item's {} levels"
                           .format(len(shape)))
        return list(data)
    if not isinstance(data, (list, tuple)) or len(data) != shape[depth]:
        raise IdxError("write_idx: ragged nested lists: expected {} items "
                       "at depth {}".format(shape[depth], depth))
    flat = []
    for item in data:
        if not isinstance(item, (list, tuple)):
            raise IdxError("write_idx: ragged nested lists: a number where "
                           "a list of {} items was expected at depth {}"
                           .format(shape[depth + 1], depth + 1))
        flat.extend(_flatten(item, shape, depth + 1))
    return flat


def _encode(type_code, items):
    """Return the big-endian data bytes of ``items`` for ``type_code``."""
    typecode = ITEM_TYPES[type_code][1]
    if type_code == 0x08:
        if isinstance(items, (bytes, bytearray)):
            return bytes(items)
        if isinstance(items, array.array) and items.typecode == "B":
            return items.tobytes()
        # bytes(x) of any other buffer (an array('h'), a memoryview) would
        # copy its memory, not its values: go through a list.
        items = list(items)
        try:
            return bytes(items)
        except ValueError:
            raise IdxError("write_idx: a value does not fit {} (0..255)"
                           .format(describe_type(type_code)))
    if isinstance(items, (bytes, bytearray)):
        # array(code, bytes) would take the bytes as machine memory.
        items = list(items)
    if isinstance(items, array.array) and items.typecode == typecode:
        data = array.array(typecode, items)     # a copy: never swap theirs
    else:
        try:
            data = array.array(typecode, items)
        except OverflowError:
            raise IdxError("write_idx: a value does not fit {}".format(
                describe_type(type_code)))
        if type_code == 0x0D:
            # array('f') rounds a finite double too large for float32 to
            # inf without complaint; refuse it as struct.pack(">f") would.
            for value, stored in zip(items, data):
                if stored in (float("inf"), float("-inf")) and \
                        value == value and abs(value) != float("inf"):
                    raise IdxError("write_idx: {!r} does not fit {}".format(
                        value, describe_type(type_code)))
    if SWAP and data.itemsize > 1:
        data.byteswap()
    return data.tobytes()


def _gzip_bytes(data, inner_name):
    """Return ``data`` gzip-compressed, reproducibly (mtime 0, fixed name)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=inner_name, mode="wb", fileobj=buffer,
                       mtime=0) as stream:
        stream.write(data)
    return buffer.getvalue()


def write_idx(path, data, shape=None, type_code=None):
    """Write ``data`` to ``path`` as an IDX file, atomically.

    ``data`` is an IdxArray (its shape and type are the defaults), nested
    lists (the shape is read from them), or a flat sequence (``bytes``, an
    ``array.array``, a list) with ``shape`` giving the dimensions; a flat
    sequence without ``shape`` is one-dimensional.  ``type_code`` defaults to
    the IdxArray's, else 0x08 (unsigned byte, as MNIST).  The file is written
    to a temporary file in the same directory and renamed over ``path``, so
    readers never see half a file; a name ending ``.gz`` is gzip-compressed.

    Raises IdxError if the shape and data disagree, nested lists are ragged,
    the type code is unknown, there are 0 or more than 255 dimensions, a
    dimension exceeds 2**32 - 1, or a value does not fit the type (TypeError
    for a float given to an integer type).
    """
    if isinstance(data, IdxArray):
        if shape is None:
            shape = data.shape
        if type_code is None:
            type_code = data.type_code
        data = data.data
    if type_code is None:
        type_code = 0x08
    if type_code not in ITEM_TYPES:
        raise IdxError("write_idx: unknown IDX type code {!r}, expected one "
                       "of {}".format(type_code, known_codes()))
    nested = isinstance(data, (list, tuple)) and any(
        isinstance(item, (list, tuple)) for item in data[:1])
    if nested:
        inferred = _infer_shape(data)
        items = _flatten(data, inferred)
        if shape is not None and tuple(shape) != inferred:
            raise IdxError("write_idx: shape {} given, nested lists have "
                           "shape {}".format(tuple(shape), inferred))
        shape = inferred
    else:
        items = data
        if shape is None:
            shape = (len(items),)
    shape = tuple(shape)
    if not 1 <= len(shape) <= 255:
        raise IdxError("write_idx: {} dimensions, expected 1 to 255"
                       .format(len(shape)))
    for dim in shape:
        if not isinstance(dim, int):
            raise TypeError("write_idx: dimension {!r} is not an int"
                            .format(dim))
        if not 0 <= dim <= 0xFFFFFFFF:
            raise IdxError("write_idx: dimension {} does not fit a uint32"
                           .format(dim))
    if len(items) != product(shape):
        raise IdxError("write_idx: shape {} needs {} items, data has {}"
                       .format("x".join(map(str, shape)), product(shape),
                               len(items)))
    header = struct.pack(">2sBB{}I".format(len(shape)), b"\x00\x00",
                         type_code, len(shape), *shape)
    body = _encode(type_code, items)
    path = os.fspath(path)
    content = header + body
    if path.endswith(".gz"):
        content = _gzip_bytes(content, os.path.basename(path)[:-3])
    atomic_write(path, content)
