"""Image files as pictures: PGM (P2, P5) decoded here, PNG through
``purenn.io.png``, both read into a bounded working picture.

Pictures are lists of rows of brightness values in [0, 1] (0 black, 1
white): ``read_image`` returns that for PGM and every PNG, box-averaged as
the rows arrive to at most ``WORK_SIDE`` pixels a side
(``purenn.io.shrink``), so memory stays bounded whatever the file.  Colour
becomes grey with ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B, as most
image libraries do); transparent pixels are drawn over white paper.

Preparing such a picture like MNIST (Otsu's threshold, the crop, the
centring) is not a file format: it is ``purenn.drawing.prepare``.

>>> rows, kind = read_image_stream(io.BytesIO(b"P2 2 1 255 0 255"), "tiny")
>>> rows, kind
([[0.0, 1.0]], 'PGM P2 2x1')
"""
import array
import io
import itertools
import os
import sys

from purenn.io.fileio import open_input
from purenn.io import png
from purenn.io.shrink import Shrinker

__all__ = ["ImageError", "read_image_stream", "WORK_SIDE", "decode_pgm",
           "read_pgm", "read_image"]


class ImageError(ValueError):
    """An image file that cannot be read or holds no digit."""


# -- the working picture --------------------------------------------------

# Pictures are box-averaged, as their rows arrive, to at most WORK_SIDE
# pixels on the longer side: a whole-picture list of Python floats costs
# about 32 bytes a pixel, and prepare_digit holds two, so 1024 x 1024 keeps
# predict --image near 100 MB whatever the file's size.  The digit ends up
# in a 20x20 box, so even a digit a tenth of the picture wide keeps 100
# working pixels across, five times what the box needs.
WORK_SIDE = 1024


# -- reading --------------------------------------------------------------

_HEADER_LIMIT = 4096    # a PGM header (with comments) must fit in this
_PIECE = 1 << 16        # bytes read at a time


def _pgm_tokens(data, count, source):
    """Return the first ``count`` header tokens and the offset after them.

    Netpbm headers are whitespace-separated ASCII tokens; ``#`` starts a
    comment that runs to the end of the line.
    """
    tokens = []
    position = 0
    while len(tokens) < count:
        while position < len(data) and data[position:position + 1] in \
                b" \t\r\n\x0b\x0c#":
            if data[position:position + 1] == b"#":
                while position < len(data) and \
                        data[position:position + 1] not in b"\r\n":
                    position += 1
            else:
                position += 1
        start = position
        while position < len(data) and data[position:position + 1] not in \
                b" \t\r\n\x0b\x0c#":
            position += 1
        if start == position and len(data) == _HEADER_LIMIT:
            raise ImageError("{}: the PGM header is longer than {} bytes"
                             .format(source, _HEADER_LIMIT))
        if start == position:
            raise ImageError("{}: the PGM header ends after {} of its 4 "
                             "fields (magic, width, height, maxval)".format(
                                 source, len(tokens)))
        tokens.append(data[start:position])
    if position >= len(data) == _HEADER_LIMIT:
        raise ImageError("{}: the PGM header is longer than {} bytes".format(
            source, _HEADER_LIMIT))
    return tokens, position


def _pgm_number(token, source, what, lowest, highest):
    if len(token) > 20:
        raise ImageError("{}: PGM {} {!r}... is too long for a number".format(
            source, what, token[:20]))
    try:
        value = int(token.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise ImageError("{}: PGM {} is {!r}, expected a whole number".format(
            source, what, token))
    if not lowest <= value <= highest:
        raise ImageError("{}: PGM {} is {}, expected {}..{}".format(
            source, what, value, lowest, highest))
    return value


def _binary_rows(first, stream, size, count):
    """Yield ``count`` rows of ``size`` bytes from ``first`` then the
    stream.  If the data ends early, yield the int number of bytes of the
    last, partial row and stop; if there is more, yield None at the end."""
    buffer = bytearray(first)
    offset = 0
    for _ in range(count):
        while len(buffer) - offset < size:
            del buffer[:offset]
            offset = 0
            more = stream.read(max(_PIECE, size))
            if not more:
                yield len(buffer)
                return
            buffer += more
        yield bytes(buffer[offset:offset + size])
        offset += size
    if len(buffer) > offset or stream.read(1):
        yield None


def _uncommented(first, stream):
    """Yield ``first``, then the stream a piece at a time, each ``#``
    comment (to the end of its line, across pieces) read as a space.

    Netpbm's own reader (``pm_getc``) skips comments anywhere in a plain
    file, not only in the header; a PGM typed by hand may label its rows.
    Every piece but ``first`` is non-empty until the stream ends.
    """
    in_comment, piece = False, first
    while True:
        kept, position = [], 0
        while position < len(piece):
            if in_comment:
                ends = [end for end in (piece.find(b"\n", position),
                                        piece.find(b"\r", position))
                        if end >= 0]
                if not ends:
                    break
                in_comment, position = False, min(ends)
            else:
                mark = piece.find(b"#", position)
                if mark < 0:
                    kept.append(piece[position:])
                    break
                kept += [piece[position:mark], b" "]
                in_comment, position = True, mark + 1
        yield b"".join(kept) or (b" " if piece else b"")
        piece = stream.read(_PIECE)
        if not piece:
            yield b""
            return


def _words(first, stream, source):
    """Yield the whitespace-separated words of ``first`` then the stream,
    reading a piece at a time; comments are skipped."""
    pieces = _uncommented(first, stream)
    pending = next(pieces)
    while True:
        more = next(pieces)
        words = (pending + more).split()
        if more and words and not (pending + more)[-1:].isspace():
            pending = words.pop()       # may continue in the next piece
            if len(pending) > 20:
                _pgm_number(pending, source, "pixel", 0, 65535)
        else:
            pending = b""
        for word in words:
            yield word
        if not more:
            return


def _read_pgm(stream, source):
    """Read a PGM (P2 or P5) from a stream; return (working rows,
    description)."""
    head = stream.read(_HEADER_LIMIT)
    if head[:2] not in (b"P2", b"P5"):
        raise ImageError("{}: not a PGM file (starts with {!r}, expected P2 "
                         "or P5)".format(source, head[:2]))
    (magic, width, height, maxval), position = _pgm_tokens(head, 4, source)
    if magic not in (b"P2", b"P5"):
        raise ImageError("{}: PGM magic {!r}, expected P2 or P5".format(
            source, magic[:20]))
    width = _pgm_number(width, source, "width", 1, png.MAX_SIDE)
    height = _pgm_number(height, source, "height", 1, png.MAX_SIDE)
    maxval = _pgm_number(maxval, source, "maxval", 1, 65535)
    if width * height > png.MAX_PIXELS:
        raise ImageError("{}: {}x{} pixels is more than the {} accepted"
                         .format(source, width, height, png.MAX_PIXELS))
    # The PNG reader's CPU budget (png.MAX_IMAGE_BYTES) holds for P5's
    # raster too: 16-bit samples halve the pixels allowed.
    size = 1 if maxval < 256 else 2
    if width * height * size > png.MAX_IMAGE_BYTES:
        raise ImageError("{}: {}x{} maxval {} needs {} bytes of pixels, more "
                         "than the {} decoded in the time budget".format(
                             source, width, height, maxval,
                             width * height * size, png.MAX_IMAGE_BYTES))
    shrinker = Shrinker(width, height, maxval, side=WORK_SIDE)
    kind = magic.decode("ascii")
    if magic == b"P5":
        # One whitespace byte separates the header from the raster; samples
        # are 1 byte, or 2 bytes big-endian when maxval > 255.
        size = 1 if maxval < 256 else 2
        needed = width * height * size
        y = 0
        for line in _binary_rows(head[position + 1:], stream, width * size,
                                 height):
            if line is None:
                # "255\r\n" (a header written in text mode on Windows) puts
                # the LF into the raster: PGM allows one whitespace byte.
                crlf = head[position:position + 2] == b"\r\n"
                raise ImageError("{}: P5 {}x{} maxval {} needs {} bytes of "
                                 "pixels, found more{}".format(
                                     source, width, height, maxval, needed,
                                     "; the header ends in CR LF, where PGM "
                                     "allows one whitespace byte" if crlf
                                     else ""))
            if isinstance(line, int):
                raise ImageError("{}: P5 {}x{} maxval {} needs {} bytes of "
                                 "pixels, found {}".format(
                                     source, width, height, maxval, needed,
                                     y * width * size + line))
            if size == 1:
                values = line
            else:
                values = array.array("H")
                values.frombytes(line)
                if sys.byteorder == "little":
                    values.byteswap()
            _check_maxval(values, y * width, maxval, source)
            shrinker.add(y, values)
            y += 1
    else:
        words = _words(head[position:], stream, source)
        for y in range(height):
            values = [_pgm_number(word, source, "pixel", 0, 65535)
                      for word in itertools.islice(words, width)]
            if len(values) < width:
                raise ImageError("{}: P2 {}x{} needs {} values, found {}"
                                 .format(source, width, height,
                                         width * height,
                                         y * width + len(values)))
            _check_maxval(values, y * width, maxval, source)
            shrinker.add(y, values)
        if next(words, None) is not None:
            raise ImageError("{}: P2 {}x{} needs {} values, found more"
                             .format(source, width, height, width * height))
    return shrinker.finish(), "PGM {} {}x{}{}".format(
        kind, width, height, shrinker.describe())


def _check_maxval(values, start, maxval, source):
    top = max(values)
    if top > maxval:
        raise ImageError("{}: pixel {} is {}, above maxval {}".format(
            source, start + list(values).index(top), top, maxval))


def decode_pgm(data, source="<bytes>"):
    """Decode a PGM image (P2 plain or P5 binary); return brightness rows.

    Returns a list of rows of floats value/maxval in [0, 1] (0 black),
    box-averaged to at most WORK_SIDE a side.  Raises ImageError for a bad
    header, a value above maxval, too little or too much pixel data, or a
    size above png.MAX_SIDE / png.MAX_PIXELS.

    >>> decode_pgm(b"P2\\n# a comment\\n2 1\\n4\\n0 4\\n")
    [[0.0, 1.0]]
    """
    return _read_pgm(io.BytesIO(bytes(data)), source)[0]


def read_pgm(path):
    """Read the PGM file at ``path``; return brightness rows (decode_pgm)."""
    path = os.fspath(path)
    with open_input(path, "an image file") as stream:
        return _read_pgm(stream, path)[0]


def _read_png(stream, source):
    reader = png.PngReader(stream, source)
    shrinker = Shrinker(reader.width, reader.height, reader.grey_scale(),
                        reader.interlaced, side=WORK_SIDE)
    for y, x0, dx, values in reader.grey_rows():
        shrinker.add(y, values, x0, dx)
    description = "PNG {}x{} {}".format(reader.width, reader.height,
                                        reader.mode)
    if reader.depth != 8:
        description += " {}-bit".format(reader.depth)
    if reader.transparency is not None:
        description += " tRNS"
    if reader.interlaced:
        description += " Adam7"
    return shrinker.finish(), description + shrinker.describe()


def read_image(path):
    """Read a PGM (P2, P5) or PNG file; return ``(rows, description)``.

    ``rows`` are brightness values in [0, 1] (0 black), box-averaged to at
    most WORK_SIDE a side as the file is read; ``description`` says what
    the file was, e.g. ``"PNG 640x480 RGBA"``.  The format is told by the
    file's first bytes, not its name.  Raises ImageError / PngError
    (ValueErrors) naming the file and the formats supported.
    """
    path = os.fspath(path)
    with open_input(path, "an image file") as stream:
        return read_image_stream(stream, path)


def read_image_stream(stream, source):
    """As ``read_image``, from a seekable binary stream (``io.BytesIO`` of
    an upload, say); ``source`` names it in messages."""
    start = stream.read(8)
    stream.seek(0)
    if start == png.PNG_SIGNATURE:
        return _read_png(stream, source)
    if start[:2] in (b"P2", b"P5"):
        return _read_pgm(stream, source)
    raise ImageError("{}: not a PNG or PGM file (starts with {!r}); "
                     "supported: PGM P2/P5 and PNG (greyscale, RGB, palette, "
                     "with or without alpha, 1 to 16 bits, plain or Adam7)"
                     .format(source, start))
