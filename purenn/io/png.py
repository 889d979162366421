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

The reader decodes what a drawing program saves: 8-bit greyscale (``L``),
greyscale with alpha (``LA``), RGB and RGBA, non-interlaced, with any of the
five filter types per row.  Anything else (palettes, 1/2/4/16-bit samples,
Adam7 interlacing) raises PngError saying what is supported.

A picture is a list of rows, top row first; a row is a list of pixels, left
first; a pixel is an int 0..255 (``L``) or a tuple of ints (``(r, g, b)`` for
``RGB``, ``(v, alpha)`` for ``LA``, ``(r, g, b, alpha)`` for ``RGBA``).

>>> data = encode_png([[0, 255], [255, 0]])
>>> data[:8] == PNG_SIGNATURE
True
>>> decode_png(data)
PngImage(width=2, height=2, mode='L', rows=[[0, 255], [255, 0]])
"""
import collections
import os
import struct
import zlib

from purenn.io.fileio import atomic_write

__all__ = ["PNG_SIGNATURE", "PngError", "PngImage", "encode_png", "write_png",
           "decode_png", "read_png"]

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


# -- reading --------------------------------------------------------------

class PngError(ValueError):
    """Bytes that are not a PNG file this reader supports; the message names
    the source, what was found and what is supported."""


PngImage = collections.namedtuple("PngImage", "width height mode rows")
PngImage.__doc__ = """A decoded PNG: ``rows`` as encode_png takes them
(ints for ``L``, tuples for ``LA``, ``RGB``, ``RGBA``)."""

# Colour type -> (mode, samples per pixel), for 8-bit samples (spec 11.2.2).
_READ_MODES = {0: ("L", 1), 4: ("LA", 2), 2: ("RGB", 3), 6: ("RGBA", 4)}
_SUPPORTED = ("8-bit greyscale, greyscale+alpha, RGB or RGBA, "
              "non-interlaced")

# The largest picture decode_png accepts: 2**26 pixels (an 8192 x 8192
# photo), so that a damaged header never asks for gigabytes.
MAX_PIXELS = 2 ** 26


def _paeth(left, up, up_left):
    """The Paeth predictor (PNG spec 9.4): the neighbour nearest to
    left + up - up_left, ties broken in the order left, up, up-left."""
    estimate = left + up - up_left
    to_left = abs(estimate - left)
    to_up = abs(estimate - up)
    to_up_left = abs(estimate - up_left)
    if to_left <= to_up and to_left <= to_up_left:
        return left
    if to_up <= to_up_left:
        return up
    return up_left


def _unfilter(raw, height, stride, bpp, source):
    """Undo the per-row filters (spec 9.2); return the pixel bytes."""
    out = bytearray(height * stride)
    previous = bytearray(stride)  # the row above the first row is all zero
    position = 0
    for row_index in range(height):
        kind = raw[position]
        line = bytearray(raw[position + 1:position + 1 + stride])
        position += 1 + stride
        if kind == 0:  # None
            pass
        elif kind == 1:  # Sub: + the byte bpp to the left
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:  # Up: + the byte above
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 0xFF
        elif kind == 3:  # Average: + floor((left + above) / 2)
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                if i >= bpp:
                    left, up_left = line[i - bpp], previous[i - bpp]
                else:
                    left = up_left = 0
                line[i] = (line[i] + _paeth(left, previous[i], up_left)) \
                    & 0xFF
        else:
            raise PngError("{}: row {} has filter type {}, expected 0..4"
                           .format(source, row_index, kind))
        out[row_index * stride:(row_index + 1) * stride] = line
        previous = line
    return bytes(out)


def _chunks(data, source):
    """Yield (type, data) for each chunk after the signature, checking CRCs."""
    position = len(PNG_SIGNATURE)
    while position < len(data):
        if position + 8 > len(data):
            raise PngError("{}: truncated chunk header at byte {}".format(
                source, position))
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        end = position + 8 + length + 4
        if end > len(data):
            raise PngError("{}: chunk {!r} at byte {} declares {} bytes, the "
                           "file ends first (truncated?)".format(
                               source, kind.decode("latin-1"), position,
                               length))
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4:end])
        expected = zlib.crc32(kind + body) & 0xFFFFFFFF
        if crc != expected:
            raise PngError("{}: chunk {!r} at byte {} has CRC 0x{:08X}, "
                           "expected 0x{:08X} (damaged file)".format(
                               source, kind.decode("latin-1"), position, crc,
                               expected))
        yield kind, body
        position = end


def decode_png(data, source="<bytes>"):
    """Decode the bytes of a PNG file; return a PngImage.

    Supports 8-bit greyscale, greyscale+alpha, RGB and RGBA, non-interlaced,
    all five filter types; ancillary chunks are skipped.  ``source`` names
    the data in error messages.  Raises PngError (a ValueError) for anything
    else and for damaged data (bad signature, CRC, zlib stream or size).

    >>> decode_png(encode_png([[(1, 2, 3)]], "RGB"))
    PngImage(width=1, height=1, mode='RGB', rows=[[(1, 2, 3)]])
    """
    data = bytes(data)
    if data[:8] != PNG_SIGNATURE:
        raise PngError("{}: not a PNG file (the first 8 bytes are {!r}, "
                       "expected {!r})".format(source, data[:8],
                                               PNG_SIGNATURE))
    header = None
    compressed = []
    ended = False
    for kind, body in _chunks(data, source):
        if header is None and kind != b"IHDR":
            raise PngError("{}: the first chunk is {!r}, expected IHDR".format(
                source, kind.decode("latin-1")))
        if kind == b"IHDR":
            if header is not None:
                raise PngError("{}: a second IHDR chunk".format(source))
            if len(body) != 13:
                raise PngError("{}: IHDR has {} bytes, expected 13".format(
                    source, len(body)))
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            ended = True
            break
        elif kind[:1].isupper() and kind != b"PLTE":
            # An unknown critical chunk (upper-case first letter) changes how
            # the image must be read: refuse rather than guess.  PLTE is only
            # a display hint for RGB; palette images are refused below.
            raise PngError("{}: unknown critical chunk {!r}".format(
                source, kind.decode("latin-1")))
    if header is None:
        raise PngError("{}: no IHDR chunk".format(source))
    width, height, depth, colour_type, compression, filtering, interlace = \
        header
    if colour_type not in _READ_MODES or depth != 8:
        raise PngError("{}: colour type {} at bit depth {} is not supported; "
                       "supported: {}".format(source, colour_type, depth,
                                              _SUPPORTED))
    if interlace != 0:
        raise PngError("{}: interlaced (Adam7) PNG is not supported; "
                       "supported: {}".format(source, _SUPPORTED))
    if compression != 0 or filtering != 0:
        raise PngError("{}: compression method {} / filter method {}, "
                       "expected 0 / 0".format(source, compression, filtering))
    if width == 0 or height == 0:
        raise PngError("{}: size {}x{}, expected at least 1x1".format(
            source, width, height))
    if width * height > MAX_PIXELS:
        raise PngError("{}: {}x{} pixels is more than the {} this reader "
                       "accepts".format(source, width, height, MAX_PIXELS))
    if not compressed:
        raise PngError("{}: no IDAT chunk (no pixel data)".format(source))
    if not ended:
        raise PngError("{}: no IEND chunk (truncated file?)".format(source))
    mode, bpp = _READ_MODES[colour_type]
    stride = width * bpp
    size = height * (1 + stride)
    inflater = zlib.decompressobj()
    try:
        # max_length: never inflate more than the image needs (+1 to notice
        # extra data), whatever the stream claims.
        raw = inflater.decompress(b"".join(compressed), size + 1)
        raw += inflater.flush()
    except zlib.error as exc:
        raise PngError("{}: the IDAT data is not a valid zlib stream ({})"
                       .format(source, exc))
    if len(raw) != size:
        raise PngError("{}: the IDAT data holds {}{} bytes, expected {} for "
                       "{}x{} {}".format(source, len(raw),
                                         "+" if len(raw) > size else "", size,
                                         width, height, mode))
    pixels = _unfilter(raw, height, stride, bpp, source)
    rows = []
    for row_index in range(height):
        line = pixels[row_index * stride:(row_index + 1) * stride]
        if bpp == 1:
            rows.append(list(line))
        else:
            rows.append([tuple(line[i:i + bpp])
                         for i in range(0, stride, bpp)])
    return PngImage(width, height, mode, rows)


def read_png(path):
    """Read the PNG file at ``path``; return a PngImage (see decode_png).

    OSError passes through; errors name the file.
    """
    path = os.fspath(path)
    with open(path, "rb") as stream:
        data = stream.read()
    return decode_png(data, source=path)
