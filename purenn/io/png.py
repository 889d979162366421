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

The reader takes every PNG a drawing program saves: colour types 0
(greyscale), 2 (RGB), 3 (palette, with ``tRNS`` alpha), 4 (greyscale with
alpha) and 6 (RGBA), at every bit depth the specification allows for the type
(1, 2, 4, 8, 16 for greyscale; 1, 2, 4, 8 for palette; 8, 16 for the rest),
plain or Adam7-interlaced, with any of the five filter types per row.

Memory is bounded by design: ``PngReader`` reads the file chunk by chunk in
pieces of at most 64 KiB, inflates with ``max_length`` (never an unbounded
``flush()``), and unfilters one row at a time, keeping only the row above.
It refuses a stream that inflates to more bytes than the header's size needs
as soon as it does, so a zlib bomb costs no more than one piece.  The largest
picture accepted is ``MAX_SIDE`` pixels a side and ``MAX_PIXELS`` in all.

``decode_png``/``read_png`` build the whole picture as lists, for small
pictures and tests: a picture is a list of rows, top row first; a row is a
list of pixels, left first; a pixel is an int (``L``) or a tuple of ints
(``(v, alpha)`` for ``LA``, ``(r, g, b)`` for ``RGB``, ``(r, g, b, alpha)``
for ``RGBA``), at the file's bit depth (0..2**depth - 1).  Palette images
come out as ``RGB`` (``RGBA`` with ``tRNS``), and a ``tRNS`` colour key on
greyscale or RGB adds an alpha channel (0 for the key colour).
``PngReader.grey_rows`` streams greyscale instead, for ``purenn.io.images``.

This module writes PNG files and builds whole pictures; the streaming reader
is ``purenn.io.pngread`` and the chunk and filter layer under it
``purenn.io.pngchunks`` (PngReader, PngError, PNG_SIGNATURE and the size
limits are importable from here too).

>>> data = encode_png([[0, 255], [255, 0]])
>>> data[:8] == PNG_SIGNATURE
True
>>> decode_png(data)
PngImage(width=2, height=2, mode='L', depth=8, rows=[[0, 255], [255, 0]])
"""
import collections
import io
import os
import struct
import zlib

from purenn.io.fileio import atomic_write, open_input
from purenn.io.pngchunks import PNG_SIGNATURE, PngError
from purenn.io.pngread import (MAX_IMAGE_BYTES, MAX_PIXELS, MAX_SIDE,
                               PngReader)

__all__ = ["PNG_SIGNATURE", "MAX_SIDE", "MAX_PIXELS", "MAX_IMAGE_BYTES", "PngError", "PngImage",
           "PngReader", "encode_png", "write_png", "decode_png", "read_png"]

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


# -- reading --------------------------------------------------------------

PngImage = collections.namedtuple("PngImage", "width height mode depth rows")
PngImage.__doc__ = """A decoded PNG: ``rows`` as encode_png takes them
(ints for ``L``, tuples for ``LA``, ``RGB``, ``RGBA``), samples
0..2**depth - 1."""

def _decode(stream, source):
    reader = PngReader(stream, source)
    rows = [[None] * reader.width for _ in range(reader.height)]
    for y, x0, dx, channels in reader.rows():
        rows[y][x0::dx] = reader.pixels(channels)
    mode, depth = reader.mode, reader.depth
    if mode == "P":
        mode, depth = "RGB", 8
    if reader.transparency is not None:
        mode = {"L": "LA", "RGB": "RGBA"}[mode]
    return PngImage(reader.width, reader.height, mode, depth, rows)


def decode_png(data, source="<bytes>"):
    """Decode the bytes of a PNG file; return a PngImage.

    Every colour type, bit depth and filter type, plain or Adam7; palette
    images become RGB (RGBA with tRNS), a tRNS colour key an alpha channel;
    ancillary chunks are skipped.  ``source`` names the data in error
    messages.  Raises PngError (a ValueError) for damaged data (bad
    signature, CRC, zlib stream or size) and sizes above MAX_SIDE or
    MAX_PIXELS.  The picture is built as lists (about 100 bytes a pixel):
    for big pictures, stream with PngReader.grey_rows instead.

    >>> decode_png(encode_png([[(1, 2, 3)]], "RGB"))
    PngImage(width=1, height=1, mode='RGB', depth=8, rows=[[(1, 2, 3)]])
    """
    return _decode(io.BytesIO(bytes(data)), source)


def read_png(path):
    """Read the PNG file at ``path``; return a PngImage (see decode_png).

    OSError passes through; errors name the file.
    """
    path = os.fspath(path)
    with open_input(path, "a PNG file") as stream:
        return _decode(stream, path)
