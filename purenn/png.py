"""PNG files with the standard library alone: ``struct`` for the chunks, ``zlib``
for the pixels.

A PNG file (PNG specification, 2nd edition, W3C/ISO 15948) is the 8-byte
signature followed by chunks, each ``length (4 bytes, big-endian) | type (4
ASCII bytes) | data | CRC-32 of type+data``.  ``IHDR`` comes first (width,
height, bit depth, colour type, compression, filter and interlace methods),
then one or more ``IDAT`` chunks whose concatenated data is one zlib stream,
then ``IEND``.  The zlib stream holds, for each row, one filter-type byte
followed by the row's bytes.

The writer makes 8-bit greyscale (``mode="L"``, colour type 0) or 8-bit RGB
(``mode="RGB"``, colour type 2) images, non-interlaced, every row with filter
type 0 (None): the simplest valid file, and the same bytes on every Python.

A picture is a list of rows, top row first; a row is a list of pixels, left
first; a pixel is an int 0..255 (``L``) or an ``(r, g, b)`` tuple (``RGB``).

>>> data = encode_png([[0, 255], [255, 0]])
>>> data[:8] == PNG_SIGNATURE
True
"""
import struct
import zlib

from purenn.fileio import atomic_write

__all__ = ["PNG_SIGNATURE", "encode_png", "write_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Colour types (PNG spec 11.2.2) and how many 8-bit samples a pixel has.
_WRITE_MODES = {"L": (0, 1), "RGB": (2, 3)}


def _chunk(kind, data):
    """Return one chunk: length, type, data, CRC-32 over type and data."""
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _check_sample(value, where):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("{}: expected an int 0..255, got {!r}".format(
            where, value))
    if not 0 <= value <= 255:
        raise ValueError("{}: expected an int 0..255, got {}".format(
            where, value))


def _raw_rows(rows, mode):
    """Check the picture and return the zlib payload (filter byte + row)."""
    if mode not in _WRITE_MODES:
        raise ValueError("encode_png: mode {!r} is not supported, expected "
                         "'L' or 'RGB'".format(mode))
    samples = _WRITE_MODES[mode][1]
    if len(rows) == 0:
        raise ValueError("encode_png: the picture has no rows")
    width = len(rows[0])
    if width == 0:
        raise ValueError("encode_png: the picture's rows are empty")
    payload = bytearray()
    for row_index, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(
                "encode_png: row {} has {} pixels, expected {} like row 0"
                .format(row_index, len(row), width))
        payload.append(0)  # filter type 0: the row's bytes as they are
        for column, pixel in enumerate(row):
            where = "encode_png: pixel ({}, {})".format(row_index, column)
            if samples == 1:
                _check_sample(pixel, where)
                payload.append(pixel)
            else:
                if len(pixel) != 3:
                    raise ValueError("{}: expected (r, g, b), got {!r}".format(
                        where, pixel))
                for value in pixel:
                    _check_sample(value, where)
                payload.extend(pixel)
    return width, bytes(payload)


def encode_png(rows, mode="L"):
    """Return the bytes of a PNG file showing ``rows``.

    rows: list of H rows of W pixels each, top row first.  A pixel is an int
    0..255 for ``mode="L"`` (greyscale, 0 black) or an ``(r, g, b)`` tuple of
    such ints for ``mode="RGB"``.  Raises ValueError for an empty or ragged
    picture, a value outside 0..255 or an unknown mode; TypeError for a pixel
    that is not an int.

    >>> encode_png([[(255, 0, 0)]], mode="RGB")[12:16]
    b'IHDR'
    """
    width, payload = _raw_rows(rows, mode)
    colour_type = _WRITE_MODES[mode][0]
    # IHDR: width, height (>I each), bit depth 8, colour type, compression
    # method 0 (deflate), filter method 0, interlace method 0 (none).
    header = struct.pack(">IIBBBBB", width, len(rows), 8, colour_type, 0, 0, 0)
    return (PNG_SIGNATURE
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(payload, 9))
            + _chunk(b"IEND", b""))


def write_png(path, rows, mode="L"):
    """Write ``rows`` as a PNG file at ``path`` atomically (see encode_png).

    OSError (for example a missing directory) passes through.
    """
    atomic_write(path, encode_png(rows, mode))
