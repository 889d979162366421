"""purenn.io.png: the writer's files are valid PNG, the reader decodes every
colour type, bit depth, filter type and Adam7, refuses damage clearly, and
holds its memory to a few pieces whatever the file says."""
import io
import random
import struct
import zlib

import pytest

from purenn.io import png, pngchunks
from support import needs_tracemalloc, tracemalloc
from purenn.io.png import (PNG_SIGNATURE, PngError, PngReader, decode_png,
                           encode_png, read_png, write_png)


def _split_chunks(data):
    """Independent chunk walker: [(type, body, crc_ok)] after the signature."""
    chunks = []
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:
                                          position + 12 + length])
        chunks.append((kind, body, crc == zlib.crc32(kind + body)
                       & 0xFFFFFFFF))
        position += 12 + length
    return chunks


def _chunk(kind, body):
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def _png(width, height, colour_type, scanlines, depth=8, interlace=0):
    """A PNG built by hand from already-filtered scanlines (filter byte
    first), so the test controls every filter type."""
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0,
                         interlace)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"".join(scanlines)))
            + _chunk(b"IEND", b""))


# -- writer ---------------------------------------------------------------

def test_greyscale_file_is_valid_and_round_trips(tmp_path):
    rows = [[0, 64, 128], [255, 1, 2]]
    path = tmp_path / "grey.png"
    write_png(str(path), rows)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks = _split_chunks(data)
    assert [kind for kind, _, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert all(ok for _, _, ok in chunks)
    # width 3, height 2, depth 8, colour type 0, deflate, filter 0, no interlace
    assert struct.unpack(">IIBBBBB", chunks[0][1]) == (3, 2, 8, 0, 0, 0, 0)
    # Filter type 0 on every row: the raw bytes are the pixels themselves.
    assert zlib.decompress(chunks[1][1]) == bytes([0, 0, 64, 128,
                                                   0, 255, 1, 2])
    image = read_png(str(path))
    assert (image.width, image.height, image.mode) == (3, 2, "L")
    assert image.rows == rows


def test_rgb_file_is_valid_and_round_trips():
    rows = [[(255, 0, 0), (0, 255, 0)], [(0, 0, 255), (7, 8, 9)]]
    data = encode_png(rows, mode="RGB")
    chunks = _split_chunks(data)
    assert all(ok for _, _, ok in chunks)
    assert struct.unpack(">IIBBBBB", chunks[0][1]) == (2, 2, 8, 2, 0, 0, 0)
    image = decode_png(data)
    assert image.mode == "RGB" and image.rows == rows


def test_same_picture_same_bytes():
    rows = [[value % 256 for value in range(start, start + 40)]
            for start in range(0, 400, 40)]
    assert encode_png(rows) == encode_png([list(row) for row in rows])


@pytest.mark.parametrize("rows, mode, error, message", [
    ([], "L", ValueError, "no rows"),
    ([[]], "L", ValueError, "rows are empty"),
    ([[1, 2], [3]], "L", ValueError, "row 1 has 1 pixels, expected 2"),
    ([[256]], "L", ValueError, r"pixel \(0, 0\): expected an int 0..255, "
                               "got 256"),
    ([[-1]], "L", ValueError, "got -1"),
    ([[1.0]], "L", TypeError, "got 1.0"),
    ([[True]], "L", TypeError, "got True"),
    ([[(1, 2)]], "RGB", ValueError, r"expected \(r, g, b\)"),
    ([[1]], "CMYK", ValueError, "mode 'CMYK' is not supported"),
])
def test_writer_rejects_bad_pictures(rows, mode, error, message):
    with pytest.raises(error, match=message):
        encode_png(rows, mode=mode)


def test_write_png_leaves_no_file_on_error(tmp_path):
    path = tmp_path / "bad.png"
    with pytest.raises(ValueError, match=r"pixel \(0, 0\): expected an int "
                                         r"0\.\.255, got 300"):
        write_png(str(path), [[300]])
    assert list(tmp_path.iterdir()) == []


# -- reader: filters ------------------------------------------------------

# A 3x2 greyscale picture and its rows under each filter, worked by hand
# from the PNG spec's definitions (9.2), bytes mod 256:
#   row 0 = 10 20 30, row 1 = 40 60 90; "above" row 0 is all zero.
#   Sub   row 0: 10, 20-10, 30-20          = 10 10 10
#   Up    row 1: 40-10, 60-20, 90-30       = 30 40 60
#   Avg   row 1: 40-(0+10)//2, 60-(40+20)//2, 90-(60+30)//2 = 35 30 45
#   Paeth row 1: x=0: left 0, up 10, ul 0: p=10, |p-up|=0 -> up 10: 30
#                x=1: left 40, up 20, ul 10: p=50, |p-left|=10 smallest: 20
#                x=2: left 60, up 30, ul 20: p=70, |p-left|=10 smallest: 30
#   Sub wraps: row 200 100 -> 200, (100-200) % 256 = 156
HAND_FILTERED = [
    ("none", [b"\x00" + bytes([10, 20, 30]), b"\x00" + bytes([40, 60, 90])]),
    ("sub", [b"\x01" + bytes([10, 10, 10]), b"\x00" + bytes([40, 60, 90])]),
    ("up", [b"\x00" + bytes([10, 20, 30]), b"\x02" + bytes([30, 40, 60])]),
    ("average", [b"\x00" + bytes([10, 20, 30]),
                 b"\x03" + bytes([35, 30, 45])]),
    ("paeth", [b"\x00" + bytes([10, 20, 30]),
               b"\x04" + bytes([30, 20, 30])]),
]


@pytest.mark.parametrize("name, scanlines", HAND_FILTERED,
                         ids=[name for name, _ in HAND_FILTERED])
def test_each_filter_type_by_hand(name, scanlines):
    image = decode_png(_png(3, 2, 0, scanlines))
    assert image.rows == [[10, 20, 30], [40, 60, 90]]


def test_sub_filter_wraps_mod_256():
    image = decode_png(_png(2, 1, 0, [b"\x01" + bytes([200, 156])]))
    assert image.rows == [[200, 100]]


def _paeth(left, up, up_left):
    p = left + up - up_left
    pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
    if pa <= pb and pa <= pc:
        return left
    return up if pb <= pc else up_left


def _filter_row(kind, row, above, bpp):
    """Apply PNG filter ``kind`` to ``row`` (spec 9.2), the encoder side."""
    out = bytearray()
    for i, value in enumerate(row):
        left = row[i - bpp] if i >= bpp else 0
        up = above[i]
        up_left = above[i - bpp] if i >= bpp else 0
        predictor = [0, left, up, (left + up) // 2,
                     _paeth(left, up, up_left)][kind]
        out.append((value - predictor) % 256)
    return bytes([kind]) + bytes(out)


COLOUR_TYPES = [(0, "L", 1), (4, "LA", 2), (2, "RGB", 3), (6, "RGBA", 4)]


@pytest.mark.parametrize("colour_type, mode, bpp", COLOUR_TYPES,
                         ids=[mode for _, mode, _ in COLOUR_TYPES])
def test_every_colour_type_with_every_filter(colour_type, mode, bpp):
    width, height = 5, 6
    # Varied bytes, with big jumps so that the mod-256 arithmetic matters.
    raw = [bytes((row * 97 + column * 61 + (column * column) % 7 * 40) % 256
                 for column in range(width * bpp)) for row in range(height)]
    scanlines = []
    above = bytes(width * bpp)
    for row_index, row in enumerate(raw):
        # Rows cycle through filters 0..4, then 4 again: each filter type
        # sees a non-zero row above at least once.
        scanlines.append(_filter_row(min(row_index, 4), row, above, bpp))
        above = row
    image = decode_png(_png(width, height, colour_type, scanlines))
    assert (image.width, image.height, image.mode, image.depth) == \
        (width, height, mode, 8)
    if bpp == 1:
        expected = [list(row) for row in raw]
    else:
        expected = [[tuple(row[i:i + bpp]) for i in range(0, len(row), bpp)]
                    for row in raw]
    assert image.rows == expected


def test_idat_may_be_split_and_ancillary_chunks_are_skipped():
    stream = zlib.compress(b"\x00\x05\x06\x00\x07\x08")
    data = (PNG_SIGNATURE
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
            + _chunk(b"tEXt", b"Comment\x00hello")
            + _chunk(b"IDAT", stream[:3]) + _chunk(b"IDAT", stream[3:])
            + _chunk(b"IEND", b""))
    assert decode_png(data).rows == [[5, 6], [7, 8]]


# -- reader: every colour type, bit depth and Adam7 -------------------------

# An encoder written for the tests from the spec (7.2 bit packing, 8.2
# Adam7 passes, 9.2 filters), independent of the reader.
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
VALID = [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16),
         (3, 1), (3, 2), (3, 4), (3, 8), (4, 8), (4, 16), (6, 8), (6, 16)]


def _pack(samples, depth):
    """Pack one row's samples: big-endian bits, high bits first, padded."""
    if depth == 16:
        return struct.pack(">{}H".format(len(samples)), *samples)
    if depth == 8:
        return bytes(samples)
    bits = "".join(format(value, "0{}b".format(depth)) for value in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def _encode(pixels, colour_type, depth, interlace=0, chunks=b""):
    """A PNG of ``pixels`` (rows of tuples of samples), rows filtered with
    types 0, 1, 2, 3, 4 in turn; ``chunks`` go before IDAT."""
    height, width = len(pixels), len(pixels[0])
    bpp = max(1, SAMPLES[colour_type] * depth // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw = b""
    turn = 0
    for x0, y0, dx, dy in passes:
        sub = [row[x0::dx] for row in pixels[y0::dy]]
        if not sub or not sub[0]:
            continue
        above = bytes(len(_pack([s for p in sub[0] for s in p], depth)))
        for row in sub:
            line = _pack([s for p in row for s in p], depth)
            raw += _filter_row(turn % 5, line, above, bpp)
            turn += 1
            above = line
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0,
                         interlace)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + chunks
            + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b""))


def _random_pixels(width, height, colour_type, depth, seed, top=None):
    rng = random.Random(seed)
    top = (1 << depth) - 1 if top is None else top
    return [[tuple(rng.randint(0, top) for _ in range(SAMPLES[colour_type]))
             for _ in range(width)] for _ in range(height)]


PALETTE = [(0, 0, 0), (255, 255, 255), (255, 0, 0), (10, 200, 30)]


@pytest.mark.parametrize("interlace", [0, 1], ids=["plain", "adam7"])
@pytest.mark.parametrize("colour_type, depth", VALID,
                         ids=["type{}-{}bit".format(*v) for v in VALID])
def test_every_colour_type_and_depth(colour_type, depth, interlace):
    # 13x11: odd sizes, so bits are padded at row ends and every Adam7 pass
    # has partial blocks.
    width, height = 13, 11
    chunks = b""
    top = None
    if colour_type == 3:
        top = min(len(PALETTE), 1 << depth) - 1
        chunks = _chunk(b"PLTE", b"".join(bytes(c) for c in PALETTE))
    pixels = _random_pixels(width, height, colour_type, depth, seed=depth,
                            top=top)
    image = decode_png(_encode(pixels, colour_type, depth, interlace, chunks))
    assert (image.width, image.height) == (width, height)
    if colour_type == 3:
        assert (image.mode, image.depth) == ("RGB", 8)
        assert image.rows == [[PALETTE[p[0]] for p in row] for row in pixels]
    else:
        assert image.depth == depth
        assert image.mode == {0: "L", 2: "RGB", 4: "LA", 6: "RGBA"}[
            colour_type]
        if colour_type == 0:
            assert image.rows == [[p[0] for p in row] for row in pixels]
        else:
            assert image.rows == pixels


@pytest.mark.parametrize("width, height", [(1, 1), (2, 3), (5, 1), (1, 9),
                                           (8, 8), (9, 17)])
def test_adam7_equals_plain_at_awkward_sizes(width, height):
    # Tiny pictures leave some Adam7 passes empty (no rows, no filter
    # bytes): 1x1 has only pass 1.
    pixels = _random_pixels(width, height, 0, 4, seed=width * 100 + height)
    plain = decode_png(_encode(pixels, 0, 4, interlace=0))
    adam7 = decode_png(_encode(pixels, 0, 4, interlace=1))
    assert adam7 == plain
    assert plain.rows == [[p[0] for p in row] for row in pixels]


def test_palette_with_trns_and_colour_keys():
    chunks = (_chunk(b"PLTE", b"".join(bytes(c) for c in PALETTE))
              + _chunk(b"tRNS", bytes([0, 128])))   # entries 2, 3 opaque
    image = decode_png(_encode([[(0,), (1,), (2,), (3,)]], 3, 2,
                               chunks=chunks))
    assert image.mode == "RGBA"
    assert image.rows == [[(0, 0, 0, 0), (255, 255, 255, 128),
                           (255, 0, 0, 255), (10, 200, 30, 255)]]
    # A greyscale key (spec 11.3.2.1): that grey is transparent.
    grey = decode_png(_encode([[(3,), (5,)]], 0, 4,
                              chunks=_chunk(b"tRNS", b"\x00\x05")))
    assert (grey.mode, grey.rows) == ("LA", [[(3, 15), (5, 0)]])
    rgb = decode_png(_encode([[(1, 2, 3), (1, 2, 4)]], 2, 16,
                             chunks=_chunk(b"tRNS", struct.pack(">HHH", 1, 2,
                                                                 3))))
    assert (rgb.mode, rgb.rows) == ("RGBA", [[(1, 2, 3, 0),
                                             (1, 2, 4, 65535)]])


def _grey(data):
    reader = PngReader(io.BytesIO(data))
    scale = reader.grey_scale()
    rows = [[None] * reader.width for _ in range(reader.height)]
    for y, x0, dx, values in reader.grey_rows():
        rows[y][x0::dx] = [value / scale for value in values]
    return rows


def test_grey_rows_are_exact_luma_and_white_paper():
    # RGB: (299 R + 587 G + 114 B) / (1000 * 255), BT.601; pure red is
    # 299 * 255 / 255000 = 0.299 as the nearest float.
    assert _grey(_encode([[(255, 0, 0), (0, 0, 255)]], 2, 8)) == \
        [[299 / 1000, 114 / 1000]]
    # RGBA red at alpha 51 (1/5) over white: 0.299/5 + 4/5.
    assert _grey(_encode([[(255, 0, 0, 51)]], 6, 8)) == \
        [[(299 * 255 * 51 + 1000 * 255 * 204) / (1000 * 255 * 255)]]
    # 16-bit grey 0x8080 is 128/255 exactly like 8-bit 128 (0x8080 =
    # 128 * 257 and 65535 = 255 * 257), so twins agree to the bit.
    assert _grey(_encode([[(0x8080,)]], 0, 16)) == \
        _grey(_encode([[(128,)]], 0, 8)) == [[128 / 255]]
    # A transparent key colour and a transparent palette entry are white.
    assert _grey(_encode([[(3,), (5,)]], 0, 4,
                         chunks=_chunk(b"tRNS", b"\x00\x05"))) == \
        [[3 / 15, 1.0]]
    chunks = (_chunk(b"PLTE", b"".join(bytes(c) for c in PALETTE))
              + _chunk(b"tRNS", b"\x80\x00"))
    assert _grey(_encode([[(0,), (1,), (1,)]], 3, 1, chunks=chunks)) == \
        [[127 / 255, 1.0, 1.0]]


@pytest.mark.parametrize("colour_type, depth", [(0, 1), (2, 16), (3, 8),
                                                (6, 16)])
def test_grey_of_adam7_equals_grey_of_plain(colour_type, depth):
    chunks = b""
    top = None
    if colour_type == 3:
        chunks, top = _chunk(b"PLTE", bytes(range(30))), 9
    pixels = _random_pixels(19, 10, colour_type, depth, seed=5, top=top)
    assert _grey(_encode(pixels, colour_type, depth, 1, chunks)) == \
        _grey(_encode(pixels, colour_type, depth, 0, chunks))


# -- reader: what it refuses ----------------------------------------------

def _valid():
    return _png(1, 1, 0, [b"\x00\x80"])


@pytest.mark.parametrize("data, message", [
    (b"GIF89a..", "not a PNG file"),
    (_png(1, 1, 2, [b"\x00\x00"], depth=4),
     "colour type 2 at bit depth 4 is not valid PNG; PNG allows"),
    (_png(1, 1, 3, [b"\x00\x00\x00"], depth=16),
     "colour type 3 at bit depth 16 is not valid PNG"),
    (_png(1, 1, 7, [b"\x00\x00"]), "colour type 7 at bit depth 8"),
    (_png(1, 1, 0, [b"\x00\x80"], interlace=2),
     "interlace method 2; expected 0, 0 and 0 or 1"),
    (_png(1, 1, 3, [b"\x00\x00"]),
     "palette image \\(colour type 3\\) without a PLTE chunk"),
    (_png(9000, 1, 0, [b"\x00"]), "9000x1 pixels is larger than this "
     "reader accepts \\(at most 8192 a side and 16777216 in all\\)"),
    (_png(5000, 5000, 0, [b"\x00"]), "5000x5000 pixels is larger"),
    (_png(1, 1, 0, [b"\x05\x80"]), "row 0 has filter type 5, expected 0..4"),
    (_png(2, 1, 0, [b"\x00\x80"]), "IDAT data holds 2 bytes, expected 3 "
     "for 2x1 L at 8 bits"),
    (_png(1, 1, 0, [b"\x00\x80\x80"]), "IDAT data holds 3\\+ bytes"),
    (_valid()[:-12], "no IEND chunk"),
    (_valid()[:50], "chunk 'IDAT' at byte 33 declares 10 bytes, the file "
     "ends first"),
    (_valid()[:-5], "truncated chunk header at byte 55"),
    (_valid()[:30] + b"\xff" + _valid()[31:], "CRC 0x.* expected 0x"),
    (PNG_SIGNATURE + _chunk(b"IDAT", b""), "first chunk is 'IDAT'"),
    (_valid()[:33] + _chunk(b"IEND", b""), "no IDAT chunk"),
    (_valid()[:33], "no IDAT chunk"),
    (PNG_SIGNATURE, "no IHDR chunk"),
    (_valid()[:33] + _chunk(b"IDAT", b"not zlib") + _chunk(b"IEND", b""),
     "not a valid zlib stream"),
    (_valid()[:33] + _chunk(b"ABCD", b"") + _valid()[33:],
     "unknown critical chunk 'ABCD'"),
    (_valid()[:-12] + _chunk(b"tEXt", b"a\x00b") + _valid()[33:],
     "IDAT chunks are not consecutive"),
    (_encode([[(0,), (3,)]], 3, 2, chunks=_chunk(b"PLTE", bytes(6))),
     "a pixel uses palette entry 3, the palette has 2 entries"),
    (_valid()[:33] + _chunk(b"tRNS", b"\x00") + _valid()[33:],
     "tRNS has 1 bytes, expected 2 for colour type 0"),
    (_valid()[:33] + _chunk(b"PLTE", b"\x00" * 4) + _valid()[33:],
     "PLTE has 4 bytes, expected 3 per entry"),
], ids=lambda value: "" if isinstance(value, bytes) else value[:24])
def test_reader_refuses_with_a_clear_message(data, message):
    with pytest.raises(PngError, match=message):
        decode_png(data, source="drawing.png")
    assert issubclass(PngError, ValueError)


def test_every_truncation_is_a_png_error():
    # Cut an interlaced palette file after every byte: always one PngError
    # naming the source, never another exception (struct, zlib, index).
    chunks = (_chunk(b"PLTE", b"".join(bytes(c) for c in PALETTE))
              + _chunk(b"tRNS", b"\x00"))
    data = _encode(_random_pixels(9, 9, 3, 2, seed=1, top=3), 3, 2, 1, chunks)
    for end in range(len(data)):
        with pytest.raises(PngError, match="^cut.png: "):
            decode_png(data[:end], source="cut.png")


def test_error_names_the_file(tmp_path):
    path = tmp_path / "odd.png"
    path.write_bytes(_png(1, 1, 3, [b"\x00\x00"], depth=16))
    with pytest.raises(PngError, match="odd.png: colour type 3"):
        read_png(str(path))


def _zeros_bomb(width, height, megabytes):
    """A PNG whose single IDAT inflates to ``megabytes`` MiB of zeros."""
    deflate = zlib.compressobj(9)
    block = bytes(1 << 20)
    stream = b"".join(deflate.compress(block) for _ in range(megabytes))
    stream += deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", stream) + _chunk(b"IEND", b""))


def test_zlib_bomb_is_refused():
    # 28x28 needs 28 * 29 = 812 bytes; the stream holds 64 MiB.
    with pytest.raises(PngError, match="bomb.png: the IDAT data holds "
                       "813\\+ bytes, expected 812"):
        decode_png(_zeros_bomb(28, 28, 64), source="bomb.png")


@needs_tracemalloc
def test_zlib_bomb_is_refused_without_inflating_it():
    # The reader must stop after one piece: tracemalloc's peak stays near
    # the size of the compressed file (65 KiB) plus a piece, far below the
    # 64 MiB the stream inflates to.
    data = _zeros_bomb(28, 28, 64)
    tracemalloc.start()
    try:
        with pytest.raises(PngError, match="expected 812"):
            decode_png(data, source="bomb.png")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * pngchunks.PIECE + 2 * len(data), peak


def test_paeth_over_zeros_repeats_the_row_above():
    # The reader copies the row above for an all-zero Paeth row (what
    # encoders write for a repeated row); the encoder side here filters by
    # the spec's formula, so a wrong shortcut would disagree.
    pixels = _random_pixels(7, 2, 6, 8, seed=9)
    pixels[1] = pixels[0]
    raw = [_pack([s for p in row for s in p], 8) for row in pixels]
    scanlines = [_filter_row(0, raw[0], bytes(len(raw[0])), 4),
                 _filter_row(4, raw[1], raw[0], 4)]
    assert scanlines[1] == b"\x04" + bytes(len(raw[0]))
    assert decode_png(_png(7, 2, 6, scanlines)).rows == pixels
    # ... and a non-zero Paeth row over the same row above still decodes.
    pixels[1] = pixels[1][::-1]
    raw[1] = _pack([s for p in pixels[1] for s in p], 8)
    scanlines[1] = _filter_row(4, raw[1], raw[0], 4)
    assert decode_png(_png(7, 2, 6, scanlines)).rows == pixels
