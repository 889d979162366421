"""Read and write IDX files, the format of the MNIST data set.

An IDX file, as described on the MNIST page, is::

    magic    2 zero bytes, 1 byte type code, 1 byte number of dimensions
    dims     one big-endian uint32 per dimension (struct ">I")
    data     the items, big-endian, row-major (last index varies fastest)

with the type codes

    ====  ==============  ======  =========================
    code  type            bytes   ``IdxArray.data``
    ====  ==============  ======  =========================
    0x08  unsigned byte   1       ``bytes``
    0x09  signed byte     1       ``array.array('b')``
    0x0B  int16           2       ``array.array`` of ints
    0x0C  int32           4       ``array.array`` of ints
    0x0D  float32         4       ``array.array('f')``
    0x0E  float64         8       ``array.array('d')``
    ====  ==============  ======  =========================

Arrays are held in native byte order; floats keep their exact bits from file
to ``array`` to file.  A file whose first two bytes are the gzip magic
``1f 8b`` is decompressed on the fly, whatever its name.

Every problem with the file's contents raises ``IdxError`` (a ``ValueError``)
whose message names the file and what was expected and found; a missing or
unreadable file raises the ``OSError`` that ``open`` raised.  Sizes are
checked before any data is read: against the file's length for a plain file,
and against ``max_bytes`` (default ``MAX_DATA_BYTES``, 2 GiB) always, so a
damaged or hostile header never makes the reader allocate more than the file
holds or than the caller allows.  A gzip file may not declare more data
than deflate can expand its size to (``DEFLATE_MAX_RATIO``, 1032:1); its
stream is read in chunks of at most 1 MiB and reading stops as soon as it
yields more than the header declares.  ``read_idx_rows`` keeps only the
rows asked for (``purenn show --index 0`` holds one image) while still
checking the whole file.  Only regular files are read: a FIFO or a device
is refused before it is opened for good (``fileio.open_input``).

The format's shared definitions (``IdxArray``, ``IdxError``, the type
codes) are in ``purenn.io.idxformat`` and the writer in
``purenn.io.idxwrite``; both are importable from here.

>>> import os, shutil, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "tiny.idx")
>>> write_idx(path, [[0, 128, 255], [1, 2, 3]])
>>> image = read_idx(path)
>>> image.type_code, image.shape, image.data
(8, (2, 3), b'\\x00\\x80\\xff\\x01\\x02\\x03')
>>> image.tolist()
[[0, 128, 255], [1, 2, 3]]
>>> shutil.rmtree(folder)
"""
import array
import collections
import contextlib
import gzip
import io
import os
import struct
import zlib

from purenn import resources
from purenn.io.fileio import open_input
from purenn.io.idxformat import (ITEM_TYPES, SWAP, TYPE_NAMES, IdxArray,
                                 IdxError, known_codes, product)
from purenn.io.idxwrite import write_idx

__all__ = ["IdxError", "IdxArray", "IdxHeader", "IdxRows", "read_idx",
           "read_idx_rows", "read_idx_row_ranges", "IdxRanges",
           "read_idx_header", "write_idx", "TYPE_NAMES",
           "MAX_DATA_BYTES", "DEFLATE_MAX_RATIO"]

# The largest data section read_idx accepts by default: 2 GiB.  The biggest
# real IDX file we know (MNIST's training images) holds 47 MB; 2 GiB is far
# above any data set a pure-Python network can use, yet still a size a
# 64-bit machine can allocate, and it keeps a damaged header or a gzip bomb
# from asking for more.  Callers may pass their own max_bytes.
MAX_DATA_BYTES = 2 ** 31

# Decompressed bytes read from a gzip stream at a time.
_CHUNK = 1 << 20

_GZIP_MAGIC = b"\x1f\x8b"

def _is_corrupt_gzip(exc):
    """True if ``exc`` raised while decompressing means a damaged stream.

    gzip reports a bad header or CRC as OSError without an errno
    (BadGzipFile from 3.8), a cut stream as EOFError and bad deflate data as
    zlib.error; an OSError with an errno is a real I/O error and passes on.
    """
    if isinstance(exc, (EOFError, zlib.error)):
        return True
    return isinstance(exc, OSError) and exc.errno is None


def _read_exact(stream, size, name, what):
    """Read ``size`` bytes of the header; IdxError if the file ends first."""
    data = stream.read(size)
    if len(data) != size:
        raise IdxError("{}: file ends inside the {}: expected {} bytes, "
                       "found {}".format(name, what, size, len(data)))
    return data


def _parse_header(stream, name, max_bytes):
    """Read the header; return (type_code, shape, header length, data size)."""
    magic = stream.read(4)
    if len(magic) < 4:
        raise IdxError("{}: not an IDX file: {} bytes, expected a header "
                       "of at least 4 bytes".format(name, len(magic)))
    # magic: ">2sBB" = two zero bytes, type code, number of dimensions
    zeros, type_code, ndim = struct.unpack(">2sBB", magic)
    if zeros != b"\x00\x00":
        raise IdxError("{}: not an IDX file: magic 0x{} does not start with "
                       "two zero bytes".format(name, magic.hex()))
    if type_code not in ITEM_TYPES:
        raise IdxError("{}: unknown IDX type code 0x{:02X}, expected one of "
                       "{}".format(name, type_code, known_codes()))
    if ndim == 0:
        raise IdxError("{}: zero dimensions in magic 0x{}, expected at "
                       "least 1".format(name, magic.hex()))
    dims = _read_exact(stream, 4 * ndim, name,
                       "header ({} dimensions declared)".format(ndim))
    # dims: one ">I" (big-endian uint32) per dimension
    shape = struct.unpack(">{}I".format(ndim), dims)
    itemsize = ITEM_TYPES[type_code][0]
    size = itemsize * product(shape)
    if size > max_bytes:
        raise IdxError(
            "{}: header declares {} {} items ({} bytes), more than the "
            "limit of {} bytes".format(
                name, "x".join(map(str, shape)), TYPE_NAMES[type_code],
                size, max_bytes))
    return type_code, shape, 4 + 4 * ndim, size


def _skip_gzip(stream, count, name, size, have):
    """Decompress and drop ``count`` bytes; return how many there were."""
    skipped = 0
    while skipped < count:
        chunk = stream.read(min(_CHUNK, count - skipped))
        if not chunk:
            raise IdxError("{}: truncated: the header declares {} data bytes, "
                           "found {} ({} bytes missing)".format(
                               name, size, have + skipped,
                               size - have - skipped))
        skipped += len(chunk)
    return skipped


def _read_gzip_data(stream, size, name, spans):
    """Read the data bytes ``first:last`` of each span from a gzip stream.

    ``spans`` are ``(first, last)`` byte offsets into the ``size`` data
    bytes, in order and not overlapping; return one ``bytes`` a span.  Only
    the bytes kept are held, in buffers that grow as they arrive (never
    allocated from the header's word alone); the others are decompressed
    in chunks of at most 1 MiB and dropped.  The stream is always read to
    its end, so a count that the data does not match (short or long: gzip's
    own length field holds the size only modulo 2**32) and a bad CRC are
    found whatever part is kept.
    """
    have = 0
    kept = []
    for first, last in spans:
        have += _skip_gzip(stream, first - have, name, size, have)
        buffer = io.BytesIO()
        while have < last:
            chunk = stream.read(min(_CHUNK, last - have))
            if not chunk:
                break
            buffer.write(chunk)
            have += len(chunk)
        if have < last:
            raise IdxError("{}: truncated: the header declares {} data "
                           "bytes, found {} ({} bytes missing)"
                           .format(name, size, have, size - have))
        # BytesIO.getvalue() hands over its buffer without a copy on CPython.
        kept.append(buffer.getvalue())
    _skip_gzip(stream, size - have, name, size, have)
    # Reading on to the end checks the gzip CRC and length trailer.
    extra = len(stream.read(_CHUNK))
    if extra:
        raise IdxError("{}: {} bytes left over after the {} data bytes the "
                       "header declares".format(
                           name, "at least {}".format(extra)
                           if extra == _CHUNK else extra, size))
    return kept


def _to_idx_array(type_code, shape, raw):
    typecode = ITEM_TYPES[type_code][1]
    if typecode is None:
        return IdxArray(type_code, shape, raw)
    data = array.array(typecode)
    data.frombytes(raw)
    if SWAP and data.itemsize > 1:
        data.byteswap()
    return IdxArray(type_code, shape, data)


# Deflate turns at most about 1032 bytes out of one compressed byte (a
# 258-byte match costs at least 2 bits); a gzip file that declares more data
# than its size allows is refused before it is decompressed.  Each
# concatenated member adds 18+ bytes of its own: the bound holds for them too.
DEFLATE_MAX_RATIO = 1032

IdxHeader = collections.namedtuple("IdxHeader", "type_code shape")
IdxHeader.__doc__ = """An IDX file's header: its type code and shape."""

IdxRows = collections.namedtuple("IdxRows", "array count")
IdxRows.__doc__ = """Rows read by ``read_idx_rows``: the IdxArray of the rows
kept and ``count``, the file's first dimension (how many rows it holds)."""

IdxRanges = collections.namedtuple("IdxRanges", "arrays count")
IdxRanges.__doc__ = """Rows read by ``read_idx_row_ranges``: one IdxArray per
range asked for, and ``count``, the file's first dimension."""


def _open(name):
    """Open ``name`` for reading, refusing anything but a regular file (a
    member of purenn.pyz is opened by purenn.resources)."""
    return open_input(name, "an IDX file")


def _check_gzip_room(name, size, compressed):
    if size > DEFLATE_MAX_RATIO * compressed:
        raise IdxError(
            "{}: the header declares {} data bytes, more than a gzip file of "
            "{} bytes can hold (deflate expands at most {}:1)".format(
                name, size, compressed, DEFLATE_MAX_RATIO))


def _gzip_errors(name, exc):
    if not _is_corrupt_gzip(exc):
        raise exc
    raise IdxError("{}: the gzip stream is corrupt ({}: {})".format(
        name, type(exc).__name__, exc))


def read_idx_header(path, max_bytes=MAX_DATA_BYTES):
    """Return the IdxHeader of the IDX file at ``path`` (plain or gzip).

    Only the header is read (for gzip: decompressed); raises IdxError as
    read_idx does for the header's defects, and for a declared size larger
    than ``max_bytes``, than a plain file's length allows, or than a gzip
    file of its size can expand to.
    """
    with _open_idx(os.fspath(path), max_bytes) as opened:
        return IdxHeader(opened.type_code, opened.shape)


# An IDX file opened by _open_idx: ``stream`` is positioned at the data
# (plain, or gzip's decompressed stream); ``header`` is the data's offset
# in a plain file (None for gzip, whose stream cannot seek cheaply).
_Opened = collections.namedtuple("_Opened",
                                 "stream type_code shape header size")


@contextlib.contextmanager
def _open_idx(name, max_bytes):
    """Open the IDX file ``name``, read and check its header; yield _Opened.

    The size the header declares is checked against ``max_bytes`` and what
    the file can hold (a plain file's length; what a gzip file of its size
    can expand to) before any data is read.  A corrupt gzip stream, met in
    the header or while the caller reads the data, is an IdxError naming
    the file.
    """
    with _open(name) as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        length = resources.stream_size(raw)
        if not compressed:
            type_code, shape, header, size = _parse_header(raw, name,
                                                           max_bytes)
            # A plain file's length is known: compare before reading data.
            _check_plain_size(name, size, length - header)
            yield _Opened(raw, type_code, shape, header, size)
            return
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                type_code, shape, _, size = _parse_header(stream, name,
                                                          max_bytes)
                _check_gzip_room(name, size, length)
                yield _Opened(stream, type_code, shape, None, size)
        except IdxError:
            raise
        except (OSError, EOFError, zlib.error) as exc:
            _gzip_errors(name, exc)


def _check_plain_size(name, size, have):
    if have < size:
        raise IdxError(
            "{}: truncated: the header declares {} data bytes, found "
            "{} ({} bytes missing)".format(name, size, have, size - have))
    if have > size:
        raise IdxError(
            "{}: {} bytes left over after the {} data bytes the "
            "header declares".format(name, have - size, size))


def read_idx(path, max_bytes=MAX_DATA_BYTES):
    """Read the IDX file at ``path`` (plain or gzip) and return an IdxArray.

    ``max_bytes`` caps the size of the data section the header may declare
    (default ``MAX_DATA_BYTES``).  Raises IdxError naming ``path`` for: not an
    IDX file, an unknown type code, zero dimensions, a header shorter than
    declared, sizes over ``max_bytes``, data shorter than declared (with the
    number of missing bytes), bytes left over after the data, a corrupt
    gzip stream, and a path that is not a regular file (a FIFO, a device).
    OSError (e.g. FileNotFoundError) passes through.
    """
    return read_idx_rows(path, max_bytes=max_bytes).array


def read_idx_rows(path, start=0, stop=None, max_bytes=MAX_DATA_BYTES):
    """Read rows ``start:stop`` (of the first dimension) of an IDX file.

    Return IdxRows: the IdxArray of just those rows (shape ``(stop -
    start,) + shape[1:]``) and the file's own row count.  ``stop`` (default:
    all) is clipped to the rows the file holds.  Only the rows kept are held
    in memory: a plain file is read from the first kept row on, a gzip
    stream is decompressed in 1 MiB chunks and the rest dropped.  The whole
    file is still checked: its size against the header (for gzip by reading
    the stream to its end: the header's count is never trusted), so the
    errors are those of ``read_idx`` whatever rows are asked for.
    """
    arrays, count = read_idx_row_ranges(path, [(start, stop)], max_bytes)
    return IdxRows(arrays[0], count)


def read_idx_row_ranges(path, ranges, max_bytes=MAX_DATA_BYTES):
    """Read several row ranges of an IDX file in one pass over it.

    ``ranges`` are ``(start, stop)`` pairs as read_idx_rows takes them, in
    increasing order and not overlapping once clipped (MNIST's training and
    validation sets are two ranges of one file: they cost one
    decompression, not two).  Return IdxRanges: one IdxArray per range and
    the file's row count.  Checks and raises as read_idx_rows.
    """
    name = os.fspath(path)
    ranges = list(ranges)
    for start, stop in ranges:
        if start < 0 or (stop is not None and stop < start):
            raise ValueError("read_idx_rows: rows {}:{} are not a "
                             "range".format(start, stop))
    with _open_idx(name, max_bytes) as opened:
        type_code, shape = opened.type_code, opened.shape
        spans, kept = _spans(type_code, shape, ranges)
        if opened.header is None:
            data = _read_gzip_data(opened.stream, opened.size, name, spans)
        else:
            data = []
            for first, last in spans:
                opened.stream.seek(opened.header + first)
                data.append(_read_exact(opened.stream, last - first, name,
                                        "data"))
    return IdxRanges([_to_idx_array(type_code, rows_shape, raw_rows)
                      for rows_shape, raw_rows in zip(kept, data)], shape[0])


def _spans(type_code, shape, ranges):
    """Byte offsets ``(first, last)`` of each row range and its shape."""
    count = shape[0]
    row = ITEM_TYPES[type_code][0] * product(shape[1:])
    spans, kept = [], []
    for start, stop in ranges:
        stop = count if stop is None else min(stop, count)
        start = min(start, stop)
        if spans and start * row < spans[-1][1]:
            raise ValueError("read_idx_row_ranges: the ranges must be in "
                             "order and not overlap, got {}".format(ranges))
        spans.append((start * row, stop * row))
        kept.append((stop - start,) + tuple(shape[1:]))
    return spans, kept
