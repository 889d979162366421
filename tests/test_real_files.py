"""PNG and PGM files written by ImageMagick and Pillow (tests/data/README.md
says how each was made): purenn decodes them as ImageMagick does, and every variant
of a drawing prepares to the same network input as its 8-bit,
non-interlaced twin."""
import os
import struct

import pytest

from purenn.drawing.prepare import prepare_digit
from purenn.io.images import read_image
from purenn.io.png import decode_png, read_png

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def _path(name):
    return os.path.join(DATA, name)


def _prepared(name):
    rows, kind = read_image(_path(name))
    return prepare_digit(rows)[0], kind


# (file, its twin, read_image's description of the file)
TWINS = [
    ("seven-grey1.png", "seven-grey8.png", "PNG 40x40 L 1-bit"),
    ("seven-grey2.png", "seven-grey8.png", "PNG 40x40 L 2-bit"),
    ("seven-grey4.png", "seven-grey8.png", "PNG 40x40 L 4-bit"),
    ("seven-grey16.png", "seven-grey8.png", "PNG 40x40 L 16-bit"),
    ("seven-grey8-adam7.png", "seven-grey8.png", "PNG 40x40 L Adam7"),
    ("seven-grey1-adam7.png", "seven-grey8.png", "PNG 40x40 L 1-bit Adam7"),
    ("seven-rgb16.png", "seven-grey8.png", "PNG 40x40 RGB 16-bit"),
    ("seven-rgb16-adam7.png", "seven-grey8.png",
     "PNG 40x40 RGB 16-bit Adam7"),
    ("seven-rgba8.png", "seven-grey8.png", "PNG 40x40 RGBA"),
    ("seven-rgba16.png", "seven-rgba8.png", "PNG 40x40 RGBA 16-bit"),
    ("seven-grey-alpha8.png", "seven-rgba8.png", "PNG 40x40 LA"),
    ("seven-palette-trns.png", "seven-rgba8.png", "PNG 40x40 P tRNS"),
    ("seven-palette.png", "seven-rgb8.png", "PNG 40x40 P"),
    ("seven-palette-2bit.png", "seven-rgb8.png", "PNG 40x40 P 2-bit"),
    ("pil-grey1.png", "pil-grey8.png", "PNG 36x36 L 1-bit"),
    ("pil-grey16.png", "pil-grey8.png", "PNG 36x36 L 16-bit"),
    ("pil-grey-alpha.png", "pil-grey8.png", "PNG 36x36 LA"),
    ("pil-rgba.png", "pil-grey8.png", "PNG 36x36 RGBA"),
    ("pil-palette-trns.png", "pil-grey8.png", "PNG 36x36 P tRNS"),
    ("pil-palette.png", "pil-rgb.png", "PNG 36x36 P 1-bit"),
]


@pytest.mark.parametrize("name, twin, kind", TWINS,
                         ids=[name for name, _, _ in TWINS])
def test_variant_prepares_like_its_8_bit_twin(name, twin, kind):
    x, found = _prepared(name)
    assert found == kind
    # Exact: black and white only, and grey values are exact ratios, so
    # depth, colour type, palette and interlacing cannot change a bit.
    assert x == _prepared(twin)[0]


def test_the_twins_hold_a_digit():
    x, _ = _prepared("seven-grey8.png")
    assert max(x) == 1.0 and 100 < sum(x) < 200
    # Black strokes on white (seven-grey8) and red/blue ones (seven-rgb8)
    # differ only in how dark the ink is, not where it is.
    y, _ = _prepared("seven-rgb8.png")
    assert [value > 0 for value in x] == [value > 0 for value in y]


def _words(name, size):
    with open(_path(name), "rb") as stream:
        data = stream.read()
    if size == 1:
        return list(data)
    return list(struct.unpack(">{}H".format(len(data) // 2), data))


def test_decoding_agrees_with_imagemagick():
    flat = [s for row in decode_png(open(_path("seven-palette.png"),
                                         "rb").read()).rows for s in row]
    assert [s for pixel in flat for s in pixel] == \
        _words("seven-palette.rgb", 1)
    image = read_png(_path("seven-rgba16.png"))
    assert (image.mode, image.depth) == ("RGBA", 16)
    assert [s for row in image.rows for pixel in row for s in pixel] == \
        _words("seven-rgba16.rgba", 2)
    image = read_png(_path("seven-antialiased16.png"))
    with open(_path("seven-antialiased16.pgm"), "rb") as stream:
        pgm = stream.read()
    assert pgm.startswith(b"P5\n40 40\n65535\n")
    assert [s for row in image.rows for s in row] == list(
        struct.unpack(">1600H", pgm[len(b"P5\n40 40\n65535\n"):]))
    image = read_png(_path("seven-grey1-adam7.png"))
    assert [255 * s for row in image.rows for s in row] == \
        _words("seven-grey1-adam7.gray", 1)


def test_palette_transparency_agrees_with_pillow():
    # Pillow's decoding, RGBA bytes; Pillow keeps the palette colour under
    # alpha 0, as purenn does, so all four samples agree.
    image = read_png(_path("pil-palette-trns.png"))
    assert image.mode == "RGBA"
    assert [s for row in image.rows for pixel in row for s in pixel] == \
        _words("pil-palette-trns.rgba", 1)


def test_palette_transparency_agrees_with_imagemagick():
    image = read_png(_path("seven-palette-trns.png"))
    assert image.mode == "RGBA"
    ours = [pixel for row in image.rows for pixel in row]
    theirs = _words("seven-palette-trns.rgba", 1)
    theirs = [tuple(theirs[i:i + 4]) for i in range(0, len(theirs), 4)]
    # The alphas agree everywhere, the colours wherever they show.
    assert [p[3] for p in ours] == [p[3] for p in theirs]
    assert [p for p in ours if p[3]] == [p for p in theirs if p[3]]
    assert {p[3] for p in ours} == {0, 255}


def test_anti_aliased_16_bit_agrees_with_its_8_bit_copy():
    # ImageMagick rounds each 16-bit sample to 8 bits (v16 / 257, at most
    # half a step off, 0.5 / 255); after the contrast step (span 1 here)
    # and area averaging, no input value may move by more than that step.
    x16, kind = _prepared("seven-antialiased16.png")
    x8, _ = _prepared("seven-antialiased8.png")
    assert kind == "PNG 40x40 L 16-bit"
    assert max(abs(a - b) for a, b in zip(x16, x8)) <= 0.5 / 255
    pgm, kind = _prepared("seven-antialiased8.pgm")
    assert kind == "PGM P5 40x40"
    assert pgm == x8
