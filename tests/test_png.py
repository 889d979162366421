"""purenn.io.png: the writer's files are valid PNG, the reader decodes every
supported colour type and filter type, and refuses the rest clearly."""
import struct
import zlib

import pytest

from purenn.io.png import (PNG_SIGNATURE, PngError, decode_png, encode_png,
                        read_png, write_png)


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
    with pytest.raises(ValueError):
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
    assert (image.width, image.height, image.mode) == (width, height, mode)
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


# -- reader: what it refuses ----------------------------------------------

def _valid():
    return _png(1, 1, 0, [b"\x00\x80"])


@pytest.mark.parametrize("data, message", [
    (b"GIF89a..", "not a PNG file"),
    (_png(1, 1, 3, [b"\x00\x00"]),
     "colour type 3 at bit depth 8 is not supported; supported: 8-bit "
     "greyscale, greyscale\\+alpha, RGB or RGBA, non-interlaced"),
    (_png(1, 1, 0, [b"\x00\x00\x80"], depth=16),
     "colour type 0 at bit depth 16 is not supported"),
    (_png(1, 1, 0, [b"\x00\x80"], interlace=1),
     "interlaced \\(Adam7\\) PNG is not supported"),
    (_png(1, 1, 0, [b"\x05\x80"]), "row 0 has filter type 5, expected 0..4"),
    (_png(2, 1, 0, [b"\x00\x80"]), "IDAT data holds 2 bytes, expected 3"),
    (_png(1, 1, 0, [b"\x00\x80\x80"]), "IDAT data holds 3\\+ bytes"),
    (_valid()[:-12], "no IEND chunk"),
    (_valid()[:50], "chunk 'IDAT' at byte 33 declares 10 bytes, the file "
     "ends first"),
    (_valid()[:-5], "truncated chunk header at byte 55"),
    (_valid()[:30] + b"\xff" + _valid()[31:], "CRC 0x.* expected 0x"),
    (PNG_SIGNATURE + _chunk(b"IDAT", b""), "first chunk is 'IDAT'"),
    (_valid()[:33] + _chunk(b"IEND", b""), "no IDAT chunk"),
    (_valid()[:33] + _chunk(b"IDAT", b"not zlib") + _chunk(b"IEND", b""),
     "not a valid zlib stream"),
], ids=lambda value: "" if isinstance(value, bytes) else value[:20])
def test_reader_refuses_with_a_clear_message(data, message):
    with pytest.raises(PngError, match=message):
        decode_png(data, source="drawing.png")
    assert issubclass(PngError, ValueError)


def test_error_names_the_file(tmp_path):
    path = tmp_path / "palette.png"
    path.write_bytes(_png(1, 1, 3, [b"\x00\x00"]))
    with pytest.raises(PngError, match="palette.png: colour type 3"):
        read_png(str(path))
