"""Drawings and uploaded pictures, budgeted, decoded and prepared like MNIST.

The page sends a drawing as numbers (``/api/prepare``) or a PNG or PGM
file's bytes (``/api/upload``).  Both become an input the way
``purenn predict --image`` reads one: ``purenn.io.images`` decodes the file
and ``purenn.drawing.prepare.prepare_digit`` crops, scales and centres the
digit as MNIST's were.
What an upload may cost is checked before it is decoded:

- at most ``MAX_PICTURE_PIXELS`` pixels (``purenn.drawing.pictures``: the
  one limit on a picture's pixels), read from the PNG header;
- at most ``MAX_DECODE_BYTES`` of unfiltered PNG rows, the CPU's real
  measure (a 9.6 KB file can hold 8 MB of them);
- at most ``DECODE_SLOTS`` decodes at once (one per core); another waits
  ``DECODE_WAIT_SECONDS`` for a turn, then gets a 429.

Memory does not grow with the picture: rows are box-averaged to
``images.WORK_SIDE`` pixels a side as they arrive.

>>> png_decode_bytes(112, 112, 8, 0, 0)      # 112 rows of 1 + 112 bytes
12656
"""
import io
import os
import threading

from purenn.drawing import prepare
from purenn.drawing.pictures import MAX_PICTURE_PIXELS
from purenn.io import images, png
from purenn.classroom.fields import ApiError, check_range, whole

__all__ = ["MAX_PICTURE_PIXELS", "MAX_DECODE_BYTES", "DECODE_SLOTS",
           "DECODE_WAIT_SECONDS", "png_header", "png_decode_bytes",
           "prepared", "drawing", "Decoder"]

# What decoding a PNG costs is set by its unfiltered data, height x (1 +
# bytes per row), and its pixels, not by its size on the wire: a 9.6 KB file
# of 1000 x 1000 RGBA16 rows is 8 MB to unfilter.  An upload over 2 MB of
# it (or over MAX_PICTURE_PIXELS) is refused before decoding.  The dearest
# that passes that we found took 1.4 s of CPU and 104 MB on CPython 3.11 on
# the 2-core machine (a noisy 2000 x 2000 4-bit grey PNG, random filters;
# 1-bit 2000 x 2000 Adam7 took 1.3 s, noisy 1000 x 1000 16-bit grey 1.0 s).
MAX_DECODE_BYTES = 2 * 1024 * 1024

# At most this many uploads are decoded at once (one per core); another
# waits up to DECODE_WAIT_SECONDS for a turn, then gets a 429.
DECODE_SLOTS = max(1, os.cpu_count() or 1)
DECODE_WAIT_SECONDS = 2.0

# Samples per pixel of each PNG colour type (PNG spec table 11.1).
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_header(data):
    """Return (width, height, bit depth, colour type, interlace) of the PNG
    bytes ``data`` from its IHDR, without decoding (zeros where cut short).

    IHDR comes first after the 8-byte signature: length, "IHDR", then the
    width and height as big-endian 32-bit numbers, bit depth, colour type,
    compression, filter and interlace bytes (PNG spec 11.2.2).
    """
    if len(data) < 24:
        return 0, 0, 8, 0, 0
    tail = data[24:29] + bytes(5 - len(data[24:29]))
    return (int.from_bytes(data[16:20], "big"),
            int.from_bytes(data[20:24], "big"), tail[0], tail[1], tail[4])


def png_decode_bytes(width, height, depth, colour, interlace):
    """Return the size of a PNG's unfiltered data: height x (1 + row bytes),
    plus the filter byte of each extra row of Adam7's seven passes."""
    bits = width * _PNG_CHANNELS.get(colour, 4) * max(depth, 1)
    total = height * (1 + (bits + 7) // 8)
    if interlace:
        total += 7 * (height + 8)
    return total


def check_png(data):
    """Raise ApiError (413) if the PNG ``data`` is over the budget."""
    width, height, depth, colour, interlace = png_header(data)
    if width * height > MAX_PICTURE_PIXELS:
        raise ApiError("upload: PNG {}x{} is too large, at most {} "
                       "pixels".format(width, height, MAX_PICTURE_PIXELS),
                       413)
    work = png_decode_bytes(width, height, depth, colour, interlace)
    if work > MAX_DECODE_BYTES:
        raise ApiError(
            "upload: PNG {}x{} at {} bits a sample is {} bytes to decode, "
            "over the limit of {}: send a smaller or 8-bit picture".format(
                width, height, depth, work, MAX_DECODE_BYTES), 413)


def prepared(rows, description):
    """Return the answer for a picture (rows of 0..1, ink high): the input
    prepared like MNIST, its 0-255 pixels, the notes and ``description``."""
    try:
        x, notes = prepare.prepare_digit(rows)
    except ValueError as exc:
        raise ApiError(str(exc))
    return {"x": x, "pixels": prepare.to_pixels(x), "notes": notes,
            "source": description}


def drawing(body):
    """Return the answer for a drawing: ``width``, ``height`` and
    ``pixels`` (width*height numbers 0-255, ink high, row by row)."""
    width = whole(body, "width", 1, 1000)
    height = whole(body, "height", 1, 1000)
    pixels = body.get("pixels")
    if not isinstance(pixels, list) or len(pixels) != width * height:
        raise ApiError("pixels: expected {} x {} = {} numbers from 0 to "
                       "255".format(width, height, width * height))
    check_range(pixels, "pixels", 255)
    rows = [[value / 255 for value in pixels[r * width:(r + 1) * width]]
            for r in range(height)]
    return prepared(rows, "drawing {}x{}".format(width, height))


class Decoder:
    """Decodes uploads, at most ``slots`` at once (safe from any thread)."""

    def __init__(self, slots=DECODE_SLOTS, wait_seconds=DECODE_WAIT_SECONDS):
        self.slots = slots
        self.wait_seconds = wait_seconds
        self._turns = threading.BoundedSemaphore(slots)

    def decode(self, data):
        """Decode a PNG or PGM file given as bytes and prepare it like MNIST.

        The bytes are read by purenn's own decoders and never stored.
        """
        if data[:8] == png.PNG_SIGNATURE:
            check_png(data)
        # At most ``slots`` decodes at once, so a burst of uploads costs a
        # bounded share of CPU and memory.
        if not self._turns.acquire(timeout=self.wait_seconds):
            raise ApiError("upload: {} other uploads are being decoded; try "
                           "again in a moment".format(self.slots), 429)
        try:
            rows, kind = images.read_image_stream(io.BytesIO(data), "upload")
            return prepared(rows, kind)
        except ValueError as exc:
            raise ApiError(str(exc))
        finally:
            self._turns.release()
