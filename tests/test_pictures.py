"""purenn.drawing.pictures: the weights picture, pixel by pixel, against one
worked by hand (the weights command is tested in test_cli_classroom.py)."""

import pytest

from purenn.drawing.pictures import tile_shape, weights_picture
from support import tiny_network

WHITE, GREY = (255, 255, 255), (160, 160, 160)
# Blue for the largest positive weight, orange for the largest negative.
BLUE, ORANGE = (33, 102, 172), (230, 97, 1)


def test_tile_shapes():
    assert tile_shape(784) == (28, 28)
    assert tile_shape(4) == (2, 2)
    assert tile_shape(10) == (3, 4)   # 4 columns, cells 10 and 11 unused
    assert tile_shape(2) == (1, 2)
    assert tile_shape(1) == (1, 1)


def expected_global_picture():
    # Global scale: largest |w| = 2, each channel 255 + (end - 255) * |w|/2,
    # rounded half to even.  -1 -> half orange: (242.5, 176, 128) -> 242;
    # 1 -> half blue (144, 178.5 -> 178, 213.5 -> 214); 0.5 -> a quarter
    # blue (199.5 -> 200, 216.75 -> 217, 234.25 -> 234); -0.5 -> a quarter
    # orange (248.75 -> 249, 215.5 -> 216, 191.5 -> 192).
    half_orange, half_blue = (242, 176, 128), (144, 178, 214)
    quarter_blue, quarter_orange = (200, 217, 234), (249, 216, 192)
    tile0 = [[ORANGE, half_orange], [WHITE, half_blue]]
    tile1 = [[BLUE, quarter_blue], [quarter_orange, WHITE]]
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
    assert [picture[y][x] for y in (2, 3) for x in (2, 3)] == [ORANGE] * 4
    assert picture[0][0] == GREY


def test_bad_scale():
    with pytest.raises(ValueError, match="scale must be"):
        weights_picture([[1.0]], scale="local")
