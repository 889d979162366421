"""Read a PNG a row at a time, in bounded memory: ``PngReader``.

The reader behind ``purenn.io.png``'s ``decode_png``/``read_png`` and the
image preparation's greyscale stream (``grey_rows``).  It takes every PNG a
drawing program saves (colour types 0, 2, 3, 4, 6, every bit depth the
specification allows, plain or Adam7) and refuses, with a PngError naming
the source, anything else or anything larger than ``MAX_SIDE``,
``MAX_PIXELS`` and ``MAX_IMAGE_BYTES``.  The chunks and the row filters
come from ``purenn.io.pngchunks``.

>>> import io
>>> from purenn.io.png import encode_png
>>> reader = PngReader(io.BytesIO(encode_png([[0, 128, 255]])))
>>> reader.mode, reader.width, reader.grey_scale()
('L', 3, 255)
"""
import array
import itertools
import operator
import struct
import sys
import zlib

from purenn.io.pngchunks import (PIECE, PNG_SIGNATURE, UNPACK, PngError,
                                 chunks, unfilter)

__all__ = ["PngReader", "MAX_SIDE", "MAX_PIXELS", "MAX_IMAGE_BYTES"]

# The largest picture accepted.  2**24 pixels (16.7 million) holds a 4096 x
# 4096 scan and an 8K UHD screenshot (7680 x 2160); a side of 8192 keeps one
# row of 16-bit RGBA at 64 KiB.  Memory does not grow with the size (rows
# stream), but time does: pure Python unfilters about a million bytes a
# second, so this is also the bound on how long a hostile header can make
# ``predict --image`` run (see docs/images.md for the measurements).
MAX_SIDE = 8192
MAX_PIXELS = 2 ** 24

# The CPU budget: the most unfiltered image bytes (rows of
# ceil(width * samples * depth / 8) bytes) a picture may need, 2**24 (16 MiB).
# Unfiltering and converting cost about 0.5 us a byte here (Paeth rows,
# CPython 3.11; docs/images.md), and 1.05 on the machine that timed a
# 134 KB 8192x2048 RGBA16 Paeth PNG (134 MB of rows) at 141 s: 16 MiB keeps
# the worst case under 18 s there, under 30 s with room.  A 4096x4096 grey
# scan (16 MiB) still passes; 8-bit RGB up to about 2364x2364 does.
MAX_IMAGE_BYTES = 2 ** 24

# Colour type -> (mode, samples per pixel, bit depths allowed), spec 11.2.2.
_COLOUR_TYPES = {0: ("L", 1, (1, 2, 4, 8, 16)), 2: ("RGB", 3, (8, 16)),
                 3: ("P", 1, (1, 2, 4, 8)), 4: ("LA", 2, (8, 16)),
                 6: ("RGBA", 4, (8, 16))}

# Adam7 (spec 8.2): (first column, first row, column step, row step) of the
# seven passes, in the order they are stored.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
          (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))

# ITU-R BT.601 luma as integers over 1000 (the weights most image libraries
# use for colour to grey): integer sums keep grey values exact rationals,
# so a 16-bit file and its 8-bit twin give the same floats in the end.
_LUMA = (299, 587, 114)
_LUMA_TOTAL = 1000


class PngReader(object):
    """Read a PNG from a binary stream, row by row.

    The constructor reads the chunks up to the first ``IDAT`` and checks the
    header; ``rows()`` (or ``grey_rows()``) then streams the pixels.  Only
    one row and one 64 KiB piece of the file and of the inflated data are
    held at a time, whatever the file says.  Every error is a PngError
    naming ``source``.

    Attributes: ``width``, ``height``, ``depth`` (bits per sample),
    ``colour_type``, ``mode`` (``"L"``, ``"LA"``, ``"RGB"``, ``"RGBA"`` or
    ``"P"`` for palette), ``interlaced`` (Adam7), ``palette`` (list of
    ``(r, g, b)`` or None), ``transparency`` (the ``tRNS`` data: a tuple of
    alphas for palette images, the key colour's samples otherwise, or None).

    >>> import io
    >>> from purenn.io.png import encode_png
    >>> reader = PngReader(io.BytesIO(encode_png([[0, 255]])))
    >>> reader.width, reader.height, reader.mode, reader.depth
    (2, 1, 'L', 8)
    >>> [(y, x0, dx, list(channels[0])) for y, x0, dx, channels
    ...  in reader.rows()]
    [(0, 0, 1, [0, 255])]
    """

    def __init__(self, stream, source="<stream>"):
        self.source = source
        signature = stream.read(len(PNG_SIGNATURE))
        if signature != PNG_SIGNATURE:
            raise PngError("{}: not a PNG file (the first 8 bytes are {!r}, "
                           "expected {!r})".format(source, signature,
                                                   PNG_SIGNATURE))
        self._chunks = chunks(stream, source)
        self.palette = self.transparency = None
        header = None
        for kind, length, position, piece, last in self._chunks:
            if header is None and kind != b"IHDR":
                raise PngError("{}: the first chunk is {!r}, expected IHDR"
                               .format(source, kind.decode("latin-1")))
            if kind == b"IDAT":
                self._first_piece = (piece, last)
                break
            if kind in (b"IHDR", b"PLTE", b"tRNS") and length > 3 * 256:
                raise PngError("{}: {} chunk of {} bytes, expected at most "
                               "768".format(source, kind.decode("latin-1"),
                                            length))
            if not last:
                continue    # an ancillary chunk too big for one piece
            if kind == b"IHDR":
                if header is not None:
                    raise PngError("{}: a second IHDR chunk".format(source))
                header = self._read_header(piece)
            elif kind == b"PLTE":
                self._read_palette(piece)
            elif kind == b"tRNS":
                self._read_transparency(piece)
            elif kind == b"IEND":
                raise PngError("{}: no IDAT chunk (no pixel data)".format(
                    source))
            elif kind[:1].isupper():
                # An unknown critical chunk (upper-case first letter)
                # changes how the image must be read: refuse, don't guess.
                raise PngError("{}: unknown critical chunk {!r}".format(
                    source, kind.decode("latin-1")))
        else:
            if header is None:
                raise PngError("{}: no IHDR chunk".format(source))
            raise PngError("{}: no IDAT chunk (no pixel data)".format(source))
        if self.colour_type == 3 and self.palette is None:
            raise PngError("{}: a palette image (colour type 3) without a "
                           "PLTE chunk".format(source))
        self._plan_rows()

    def _read_header(self, body):
        source = self.source
        if len(body) != 13:
            raise PngError("{}: IHDR has {} bytes, expected 13".format(
                source, len(body)))
        (width, height, depth, colour_type, compression, filtering,
         interlace) = struct.unpack(">IIBBBBB", body)
        if colour_type not in _COLOUR_TYPES or \
                depth not in _COLOUR_TYPES[colour_type][2]:
            raise PngError(
                "{}: colour type {} at bit depth {} is not valid PNG; PNG "
                "allows greyscale (0) at 1/2/4/8/16 bits, RGB (2) at 8/16, "
                "palette (3) at 1/2/4/8, greyscale+alpha (4) and RGBA (6) at "
                "8/16".format(source, colour_type, depth))
        if compression != 0 or filtering != 0 or interlace not in (0, 1):
            raise PngError("{}: compression method {}, filter method {}, "
                           "interlace method {}; expected 0, 0 and 0 or 1 "
                           "(Adam7)".format(source, compression, filtering,
                                            interlace))
        if width == 0 or height == 0:
            raise PngError("{}: size {}x{}, expected at least 1x1".format(
                source, width, height))
        if width > MAX_SIDE or height > MAX_SIDE or \
                width * height > MAX_PIXELS:
            raise PngError("{}: {}x{} pixels is larger than this reader "
                           "accepts (at most {} a side and {} in all)".format(
                               source, width, height, MAX_SIDE, MAX_PIXELS))
        row_bytes = (width * _COLOUR_TYPES[colour_type][1] * depth + 7) // 8
        if row_bytes * height > MAX_IMAGE_BYTES:
            raise PngError("{}: {}x{} {}-bit {} needs {} bytes of pixel rows, "
                           "more than the {} this reader decodes in its time "
                           "budget".format(source, width, height, depth,
                                           _COLOUR_TYPES[colour_type][0],
                                           row_bytes * height,
                                           MAX_IMAGE_BYTES))
        self.width, self.height, self.depth = width, height, depth
        self.colour_type, self.interlaced = colour_type, interlace == 1
        self.mode, self._samples, _ = _COLOUR_TYPES[colour_type]
        return body

    def _read_palette(self, body):
        if len(body) % 3 or not body:
            raise PngError("{}: PLTE has {} bytes, expected 3 per entry, 1 to "
                           "256 entries".format(self.source, len(body)))
        if self.colour_type == 3:   # for RGB it is only a display hint
            self.palette = [tuple(body[i:i + 3])
                            for i in range(0, len(body), 3)]

    def _read_transparency(self, body):
        colour_type = self.colour_type
        if colour_type == 3:
            if self.palette is None or len(body) > len(self.palette):
                raise PngError("{}: tRNS has {} alphas, expected at most one "
                               "per PLTE entry, after PLTE".format(
                                   self.source, len(body)))
            self.transparency = tuple(body)
        elif colour_type in (0, 2):
            expected = 2 if colour_type == 0 else 6
            if len(body) != expected:
                raise PngError("{}: tRNS has {} bytes, expected {} for colour "
                               "type {}".format(self.source, len(body),
                                                expected, colour_type))
            self.transparency = struct.unpack(
                ">{}H".format(expected // 2), body)
        # Types 4 and 6 carry full alpha; a tRNS there is ignored.

    def _plan_rows(self):
        """List the rows in file order as (pass, y, x0, dx, width), and the
        number of bytes they inflate to (one filter byte per row)."""
        bits = self._samples * self.depth
        self._bpp = max(1, bits // 8)
        passes = _ADAM7 if self.interlaced else ((0, 0, 1, 1),)
        self._passes = []
        size = 0
        for x0, y0, dx, dy in passes:
            width = (self.width - x0 + dx - 1) // dx
            height = (self.height - y0 + dy - 1) // dy
            if width > 0 and height > 0:
                stride = (width * bits + 7) // 8
                self._passes.append((x0, y0, dx, dy, width, height, stride))
                size += height * (1 + stride)
        self._raw_size = size

    def _row_layout(self):
        """Yield (new pass?, y, x0, dx, width, stride) for each stored row."""
        for x0, y0, dx, dy, width, height, stride in self._passes:
            for r in range(height):
                yield r == 0, y0 + r * dy, x0, dx, width, stride

    def _idat_pieces(self):
        """Yield the IDAT data pieces; then read the file to IEND."""
        piece, last = self._first_piece
        yield piece
        for kind, length, position, piece, last in self._chunks:
            if kind != b"IDAT":
                break
            yield piece
        else:
            raise PngError("{}: no IEND chunk (truncated file?)".format(
                self.source))
        while True:
            if last and kind == b"IEND":
                return
            if kind == b"IDAT":
                raise PngError("{}: IDAT chunks are not consecutive (another "
                               "at byte {})".format(self.source, position))
            if last and kind[:1].isupper() and kind != b"PLTE":
                raise PngError("{}: unknown critical chunk {!r}".format(
                    self.source, kind.decode("latin-1")))
            try:
                kind, length, position, piece, last = next(self._chunks)
            except StopIteration:
                raise PngError("{}: no IEND chunk (truncated file?)".format(
                    self.source))

    def rows(self):
        """Yield ``(y, x0, dx, channels)`` for each stored row, in file order.

        The row's pixels are at columns x0, x0 + dx, ... of picture row y
        (x0 = 0, dx = 1 unless Adam7).  ``channels`` holds one sequence of
        samples per channel (a palette image has one, of indices).
        """
        source, expected, bpp = self.source, self._raw_size, self._bpp
        inflater = zlib.decompressobj()
        layout = self._row_layout()
        row = next(layout)
        pending = bytearray()
        produced = 0
        for data in self._idat_pieces():
            while data and not inflater.eof:
                try:
                    # max_length: at most one piece of output per call, the
                    # rest of the input waits in unconsumed_tail.
                    out = inflater.decompress(data, PIECE)
                except zlib.error as exc:
                    raise PngError("{}: the IDAT data is not a valid zlib "
                                   "stream ({})".format(source, exc))
                data = inflater.unconsumed_tail
                produced += len(out)
                if produced > expected:
                    raise PngError(self._size_message(
                        "{}+".format(expected + 1)))
                pending += out
                offset = 0
                while row is not None and \
                        len(pending) - offset > row[5]:
                    new_pass, y, x0, dx, width, stride = row
                    if new_pass:
                        previous = bytearray(stride)
                    kind = pending[offset]
                    line = pending[offset + 1:offset + 1 + stride]
                    offset += 1 + stride
                    if kind > 4:
                        raise PngError("{}: row {} has filter type {}, "
                                       "expected 0..4".format(source, y, kind))
                    if kind:
                        unfilter(kind, line, previous, bpp)
                    previous = line
                    yield y, x0, dx, self._channels(line, width)
                    row = next(layout, None)
                del pending[:offset]
        if produced < expected:
            raise PngError(self._size_message(produced))

    def _size_message(self, found):
        return "{}: the IDAT data holds {} bytes, expected {} for {}x{} {} " \
            "at {} bits{}".format(self.source, found, self._raw_size,
                                  self.width, self.height, self.mode,
                                  self.depth,
                                  ", interlaced" if self.interlaced else "")

    def _channels(self, line, width):
        """Split an unfiltered row into per-channel sample sequences."""
        depth = self.depth
        if depth == 8:
            samples = bytes(line)
        elif depth == 16:
            samples = array.array("H")
            samples.frombytes(bytes(line))
            if sys.byteorder == "little":
                samples.byteswap()     # PNG samples are big-endian
        else:
            samples = b"".join(map(UNPACK[depth].__getitem__,
                                   line))[:width]
        count = self._samples
        if self.colour_type == 3 and max(samples) >= len(self.palette):
            raise PngError("{}: a pixel uses palette entry {}, the palette "
                           "has {} entries".format(self.source, max(samples),
                                                   len(self.palette)))
        if count == 1:
            return [samples]
        return [samples[c::count] for c in range(count)]

    # -- the two views of a row: pixels (decode_png) and grey (images) ----

    def _maxval(self):
        return 255 if self.colour_type == 3 else (1 << self.depth) - 1

    def pixels(self, channels):
        """Return a row from rows() as a list of pixels in decode_png's
        form: palettes looked up, a tRNS colour key as an alpha channel."""
        key = self.transparency
        if self.colour_type == 3:
            table = self.palette
            if key is not None:
                alphas = key + (255,) * (len(table) - len(key))
                table = [colour + (alpha,)
                         for colour, alpha in zip(table, alphas)]
            return list(map(table.__getitem__, channels[0]))
        if key is not None:
            opaque = self._maxval()
            samples = list(zip(*channels))
            return [pixel + ((0,) if pixel == key else (opaque,))
                    for pixel in samples]
        if len(channels) == 1:
            return list(channels[0])
        return list(zip(*channels))

    def grey_scale(self):
        """Return the denominator of grey_rows' values: value / scale is
        brightness in [0, 1], 0 black."""
        scale = self._maxval()
        if self.colour_type in (2, 3, 6):
            scale *= _LUMA_TOTAL
        if self.colour_type in (4, 6) or \
                (self.colour_type == 3 and self.transparency is not None):
            scale *= self._maxval()
        return scale

    def grey_rows(self):
        """Yield ``(y, x0, dx, values)`` like rows(), one int per pixel:
        brightness times grey_scale(), exact.

        Colour becomes grey with ITU-R BT.601 luma (299 R + 587 G + 114 B,
        over 1000); a transparent pixel is drawn over white paper:
        grey * alpha + white * (max - alpha).  Everything stays an integer,
        so the same picture at another depth or layout gives the same
        ratios.
        """
        add, mul = operator.add, operator.mul
        repeat = itertools.repeat
        maxval, colour_type = self._maxval(), self.colour_type
        key = self.transparency
        table = None
        if colour_type == 3:
            alphas = (key or ()) + (255,) * (len(self.palette) - len(key or ()))
            table = []
            for colour, alpha in zip(self.palette, alphas):
                luma = sum(map(mul, colour, _LUMA))
                if key is not None:
                    luma = luma * alpha + maxval * _LUMA_TOTAL * (255 - alpha)
                table.append(luma)
        for y, x0, dx, channels in self.rows():
            if table is not None:
                yield y, x0, dx, list(map(table.__getitem__, channels[0]))
                continue
            if colour_type in (2, 6):
                grey = list(map(add, map(add,
                                         map(mul, channels[0], repeat(299)),
                                         map(mul, channels[1], repeat(587))),
                                map(mul, channels[2], repeat(114))))
                white = maxval * _LUMA_TOTAL
            else:
                grey = channels[0]
                white = maxval
            if colour_type in (4, 6):
                alpha = channels[-1]
                # grey * alpha + white * (maxval - alpha)
                grey = list(map(add, map(mul, grey, alpha),
                                map(mul, repeat(white),
                                    map(operator.sub, repeat(maxval),
                                        alpha))))
            elif key is not None:
                if colour_type == 0:
                    grey = [white if value == key[0] else value
                            for value in grey]
                else:
                    grey = [white if pixel == key else value
                            for pixel, value in zip(zip(*channels), grey)]
            yield y, x0, dx, grey
