"""The lower layer of purenn.io.png: walking a PNG's chunks from a stream,
and undoing the per-row filters.

PNG specification, 2nd edition (W3C/ISO 15948): after the 8-byte signature
a file is chunks, ``length (4 bytes, big-endian) | type (4 ASCII bytes) |
data | CRC-32 of type+data``; each row of the inflated image data is one
filter-type byte and the row's filtered bytes (section 9.2).  Both are done
here a bounded piece at a time: no function holds more than one piece of
the file or one row.

Its names are public for purenn.io.pngread, the reader built on them.

>>> line = bytearray([10, 10, 10])        # Sub-filtered 10 20 30 (9.2)
>>> unfilter(1, line, bytearray(3), 1)
>>> list(line)
[10, 20, 30]
"""
import itertools
import struct
import zlib

__all__ = ["PngError", "PNG_SIGNATURE", "PIECE", "UNPACK", "unfilter",
           "chunks"]

# The 8 bytes every PNG file starts with (spec 5.2).
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PngError(ValueError):
    """Bytes that are not a PNG file this reader supports; the message names
    the source, what was found and what is supported."""


# Bytes read from the file, and inflated from the zlib stream, at a time.
PIECE = 1 << 16


def _unpack_table(depth):
    """For depth 1, 2 or 4: byte value -> the bytes of its 8 // depth
    samples, leftmost pixel in the high bits (spec 7.2)."""
    per_byte = 8 // depth
    mask = (1 << depth) - 1
    return [bytes((value >> (8 - depth * (k + 1))) & mask
                  for k in range(per_byte)) for value in range(256)]


UNPACK = {depth: _unpack_table(depth) for depth in (1, 2, 4)}
_MASKS = {}


def _masks(stride):
    """The 0x7F.. and 0x80.. masks of ``stride`` bytes, for _unfilter_up."""
    if stride not in _MASKS:
        _MASKS[stride] = (int.from_bytes(b"\x7f" * stride, "big"),
                          int.from_bytes(b"\x80" * stride, "big"))
    return _MASKS[stride]


def _unfilter_up(line, previous):
    """Filter 2 (Up): add the byte above, mod 256, for all bytes at once.

    The row is one big int; adding the low 7 bits of each byte cannot carry
    out of the byte, and bit 7 is then fixed up with an exclusive or (the
    sum's top bit is a7 ^ b7 ^ carry), so no carry crosses a byte border.
    """
    low, high = _masks(len(line))
    a = int.from_bytes(line, "big")
    b = int.from_bytes(previous, "big")
    line[:] = (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(
        len(line), "big")


def unfilter(kind, line, previous, bpp):
    """Undo filter ``kind`` (spec 9.2) on ``line`` in place, given the
    unfiltered row above (``previous``, zeros for a pass's first row) and
    ``bpp`` bytes per complete pixel (at least 1)."""
    stride = len(line)
    if kind == 1 or (kind == 4 and not any(previous)):
        # Sub: + the byte bpp to the left.  Paeth over a zero row above
        # always picks the left byte, so it is Sub too.  Each of the bpp
        # interleaved byte series is a running sum mod 256.
        for start in range(bpp):
            line[start::bpp] = bytes(map(
                (255).__and__, itertools.accumulate(line[start::bpp])))
    elif kind == 2:
        _unfilter_up(line, previous)
    elif kind == 3:  # Average: + floor((left + above) / 2)
        for i in range(min(bpp, stride)):
            line[i] = (line[i] + (previous[i] >> 1)) & 0xFF
        for i in range(bpp, stride):
            line[i] = (line[i] + ((line[i - bpp] + previous[i]) >> 1)) & 0xFF
    elif kind == 4 and not any(line):
        # Paeth of all-zero bytes repeats the row above: by induction left
        # == up_left, so p = up is always nearest.  Encoders write this for
        # every repeated row of a drawing or screenshot.
        line[:] = previous
    elif kind == 4:  # Paeth: + the neighbour nearest left + up - up_left
        for i in range(min(bpp, stride)):
            line[i] = (line[i] + previous[i]) & 0xFF  # left = up_left = 0
        for i in range(bpp, stride):
            left = line[i - bpp]
            up = previous[i]
            up_left = previous[i - bpp]
            # With p = left + up - up_left: |p - left| = |up - up_left|,
            # |p - up| = |left - up_left|, |p - up_left| is their signed
            # sum's size.  Plain statements, negations instead of abs(), one
            # add per branch: this loop is the reader's slowest, and this
            # way it runs 1.5x faster than with abs() and a tuple unpack.
            to_left = up - up_left
            to_up = left - up_left
            to_up_left = to_left + to_up
            if to_left < 0:
                to_left = -to_left
            if to_up < 0:
                to_up = -to_up
            if to_up_left < 0:
                to_up_left = -to_up_left
            if to_left <= to_up and to_left <= to_up_left:
                line[i] = (line[i] + left) & 0xFF
            elif to_up <= to_up_left:
                line[i] = (line[i] + up) & 0xFF
            else:
                line[i] = (line[i] + up_left) & 0xFF


def chunks(stream, source):
    """Yield ``(kind, length, position, piece, last)`` for each chunk after
    the signature, its data in pieces of at most PIECE bytes (one empty
    piece for an empty chunk).  The CRC is checked before the last piece is
    yielded.  Returns at the end of the file."""
    position = 8   # after the signature
    while True:
        head = stream.read(8)
        if not head:
            return
        if len(head) < 8:
            raise PngError("{}: truncated chunk header at byte {}".format(
                source, position))
        length, kind = struct.unpack(">I4s", head)
        name = kind.decode("latin-1")
        if length > 2 ** 31 - 1:
            raise PngError("{}: chunk {!r} at byte {} declares {} bytes, more "
                           "than the 2**31 - 1 PNG allows".format(
                               source, name, position, length))
        crc = zlib.crc32(kind)
        left = length
        while True:
            piece = stream.read(min(left, PIECE))
            tail = stream.read(4) if len(piece) == left else b""
            if len(piece) < min(left, PIECE) or \
                    (len(piece) == left and len(tail) < 4):
                raise PngError("{}: chunk {!r} at byte {} declares {} bytes, "
                               "the file ends first (truncated?)".format(
                                   source, name, position, length))
            crc = zlib.crc32(piece, crc) & 0xFFFFFFFF
            left -= len(piece)
            if left:
                yield kind, length, position, piece, False
                continue
            (stored,) = struct.unpack(">I", tail)
            if stored != crc:
                raise PngError("{}: chunk {!r} at byte {} has CRC 0x{:08X}, "
                               "expected 0x{:08X} (damaged file)".format(
                                   source, name, position, stored, crc))
            yield kind, length, position, piece, True
            break
        position += 12 + length
