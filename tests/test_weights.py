"""weights: the first layer's weights as a PNG that decodes to the intended
pixels; the file's signature, chunk CRCs and IHDR checked independently."""
import struct
import zlib

import pytest

from purenn.io.pictures import tile_shape, weights_picture
from purenn.cli import main
from purenn.network import Network
from purenn.io.png import read_png

WHITE, GREY = (255, 255, 255), (160, 160, 160)
RED, BLUE = (255, 0, 0), (0, 0, 255)


def decode_rgb_png(data):
    """A tiny independent decoder: check the file and return rows of RGB.

    Only what the writer promises: 8-bit RGB, no interlace, filter 0.
    """
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, []
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        crc, = struct.unpack(">I", data[offset + 8 + length:
                                        offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        offset += 12 + length
    assert offset == len(data)
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour, compression, filter_method, interlace = \
        struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, compression, filter_method, interlace) == \
        (8, 2, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks
                                   if kind == b"IDAT"))
    stride = 1 + 3 * width
    assert len(raw) == height * stride
    rows = []
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0
        rows.append([tuple(line[1 + 3 * x:4 + 3 * x]) for x in range(width)])
    return rows


def tiny_network():
    # 4 inputs -> 2x2 tiles; 3 hidden neurons -> a 2x2 grid, one cell empty.
    w = [[-2.0, -1.0, 0.0, 1.0],
         [2.0, 0.5, -0.5, 0.0],
         [0.0, 0.0, 0.0, 0.0]]
    return Network([4, 3, 1], b=[[[0.0]] * 3, [[0.0]]],
                   w=[w, [[0.0, 0.0, 0.0]]])


def testtile_shapes():
    assert tile_shape(784) == (28, 28)
    assert tile_shape(4) == (2, 2)
    assert tile_shape(10) == (3, 4)   # 4 columns, cells 10 and 11 unused
    assert tile_shape(2) == (1, 2)
    assert tile_shape(1) == (1, 1)


def expected_global_picture():
    # Global scale: largest |w| = 2.  -1 -> half blue: 255 * (1 - 0.5)
    # = 127.5, rounded half to even -> 128; 0.5 -> 255 * 0.75 = 191.25 -> 191.
    half_blue, quarter_red = (128, 128, 255), (255, 191, 191)
    quarter_blue = (191, 191, 255)
    tile0 = [[BLUE, half_blue], [WHITE, (255, 128, 128)]]
    tile1 = [[RED, quarter_red], [quarter_blue, WHITE]]
    tile2 = [[WHITE, WHITE], [WHITE, WHITE]]
    picture = [[GREY] * 7 for _ in range(7)]
    for tile, top, left in ((tile0, 1, 1), (tile1, 1, 4), (tile2, 4, 1)):
        for y in range(2):
            for x in range(2):
                picture[top + y][left + x] = tile[y][x]
    return picture


def test_picture_global_scale():
    assert weights_picture(tiny_network().w[1], zoom=1) == \
        expected_global_picture()


def test_picture_tile_scale_and_zoom():
    picture = weights_picture(tiny_network().w[1], zoom=2, scale="tile")
    assert len(picture) == 14 and len(picture[0]) == 14
    # Tile 0 scaled to its own max 2 (same as global); tile 1's max is 2.
    # Zoom 2: weight w[0][0] = -2 covers pixels (2..3, 2..3).
    assert [picture[y][x] for y in (2, 3) for x in (2, 3)] == [BLUE] * 4
    assert picture[0][0] == GREY


def test_cli_weights_png_decodes_to_the_picture(tmp_path, capsys):
    model = str(tmp_path / "tiny.json")
    tiny_network().save(model)
    out = tmp_path / "w.png"
    assert main(["weights", model, "--out", str(out), "--zoom", "1"]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    data = out.read_bytes()
    assert decode_rgb_png(data) == expected_global_picture()
    image = read_png(str(out))         # purenn's own reader agrees
    assert (image.width, image.height, image.mode) == (7, 7, "RGB")
    assert image.rows == expected_global_picture()


def test_cli_weights_mnist_sized(tmp_path, capsys):
    model = str(tmp_path / "m.json")
    Network([784, 5, 10], seed=0).save(model)
    out = tmp_path / "w.png"
    assert main(["weights", model, "--out", str(out), "--zoom", "2"]) == 0
    rows = decode_rgb_png(out.read_bytes())
    # 5 neurons -> 3 columns x 2 rows of 28x28 tiles, 1-pixel borders, x2.
    assert (len(rows[0]), len(rows)) == ((3 * 29 + 1) * 2, (2 * 29 + 1) * 2)


def test_cli_weights_missing_directory(tmp_path, capsys):
    model = str(tmp_path / "tiny.json")
    tiny_network().save(model)
    status = main(["weights", model, "--out",
                   str(tmp_path / "no" / "w.png")])
    assert status == 2
    assert capsys.readouterr().err.startswith("purenn: error: ")


def test_bad_scale():
    with pytest.raises(ValueError, match="scale must be"):
        weights_picture([[1.0]], scale="local")


def test_show_out_writes_the_digit_bytes(tmp_path, capsys):
    from purenn.io import mnist
    out = tmp_path / "digit.png"
    assert main(["show", "--index", "0", "--out", str(out)]) == 0
    capsys.readouterr()
    image = read_png(str(out))
    assert (image.width, image.height, image.mode) == (28, 28, "L")
    test = mnist.load_set(None, "test", limit=1)
    flat = bytes(value for row in image.rows for value in row)
    assert flat == test.pixels(0)
    # Independent check of the file's chunks: signature, CRCs, IHDR (grey).
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">IIBBBBB", data[16:29]) == (28, 28, 8, 0, 0, 0, 0)
