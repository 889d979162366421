"""Pictures of a network's weights, as rows of (r, g, b) pixels.

``weights_picture(w)`` draws each neuron's incoming weights as a tile in a
grid (the picture ``purenn weights`` writes as a PNG): blue positive, white
zero, orange negative, the colour-blind-safe diverging pair the classroom
page and the docs use too (it stays apart for red-green colour blindness).
Tiles of 784 weights are 28x28, laid out as MNIST's
pixels, so a hidden neuron shows the stroke it looks for.

It lives in ``purenn.drawing``, not ``purenn.io``: it computes pixels and
writes no file (``purenn weights`` saves them with ``purenn.io.png``).

>>> picture = weights_picture([[1.0, -1.0, 0.0, 0.5]], zoom=1)
>>> len(picture), len(picture[0])          # one 2x2 tile and its border
(4, 4)
>>> picture[1][1:3], picture[2][1:3]
([(33, 102, 172), (230, 97, 1)], [(255, 255, 255), (144, 178, 214)])
"""
import math

__all__ = ["POSITIVE", "NEGATIVE", "weights_picture", "picture_size", "tile_shape", "largest_zoom",
           "MAX_PICTURE_PIXELS"]

# purenn's one limit on a picture's pixels: the weights picture drawn here
# and a picture uploaded to the classroom page (classroom/uploads.py).  The
# weights picture is a list of rows of pixel references (8 bytes each, the
# colours are shared tuples) before it is compressed: 4 million pixels (2000
# x 2000) is about 32 MB, and lets 784-30-10 be drawn up to --zoom 12 (its
# default --zoom 4 is 700 x 584).  An upload is box-averaged to 1024 a side
# as its rows arrive, so its memory does not grow with its pixels, and its
# CPU is bounded by the rows it unfilters (uploads.MAX_DECODE_BYTES): the
# dearest 4-million-pixel upload found took 1.4 s and 104 MB.
MAX_PICTURE_PIXELS = 4000000

_PAD = (160, 160, 160)     # grid lines and unused cells: mid grey


def tile_shape(inputs):
    """Return (rows, cols) of the tile for ``inputs`` weights.

    A perfect square (784 = 28 x 28) gives a square tile, row-major as MNIST
    images are; otherwise cols = ceil(sqrt(n)) and the cells past n stay grey.
    """
    side = int(math.sqrt(inputs))     # corrected below (no isqrt in 3.6)
    while side * side > inputs:
        side -= 1
    while (side + 1) * (side + 1) <= inputs:
        side += 1
    if side * side == inputs:
        return side, side
    cols = side + 1
    return (inputs + cols - 1) // cols, cols


# The weight colours (also in the classroom page's style.css and the docs):
# ColorBrewer's diverging blue #2166ac for the largest positive weight and
# orange #e66101 for the largest negative, white for 0.
POSITIVE = (33, 102, 172)
NEGATIVE = (230, 97, 1)


def _colour(value, largest):
    """Return the RGB of ``value`` on an orange-white-blue scale to
    +-largest: white at 0, NEGATIVE at -largest, POSITIVE at +largest."""
    if largest == 0:
        return (255, 255, 255)
    t = max(-1.0, min(1.0, value / largest))
    end = POSITIVE if t > 0 else NEGATIVE
    return tuple(int(round(255 + (c - 255) * abs(t))) for c in end)


def _grid_shape(neurons):
    """Return (rows, cols) of the grid of ``neurons`` tiles: ceil(sqrt(J))
    columns."""
    grid_cols = 1
    while grid_cols * grid_cols < neurons:
        grid_cols += 1
    return (neurons + grid_cols - 1) // grid_cols, grid_cols


def picture_size(neurons, inputs, zoom):
    """Return (height, width) in pixels of ``weights_picture`` of a
    ``neurons`` x ``inputs`` weight matrix at ``zoom``.

    >>> picture_size(30, 784, 4)
    (584, 700)
    """
    tile_rows, tile_cols = tile_shape(inputs)
    grid_rows, grid_cols = _grid_shape(neurons)
    return ((grid_rows * (tile_rows + 1) + 1) * zoom,
            (grid_cols * (tile_cols + 1) + 1) * zoom)


def weights_picture(w, zoom=4, scale="global"):
    """Return the picture (rows of (r, g, b)) of the weight matrix ``w``.

    ``w`` is J x K: neuron j's K incoming weights become tile j (see
    ``tile_shape``), tiles are laid out left to right, top to bottom in a
    grid of ceil(sqrt(J)) columns, one grey pixel (times zoom) between and
    around tiles.  Colours: orange negative, white zero, blue positive, full
    colour at the largest |weight| of all tiles (``scale="global"``) or of
    each tile (``"tile"``).  Raise ValueError if the picture would have
    more than MAX_PICTURE_PIXELS pixels.
    """
    if scale not in ("global", "tile"):
        raise ValueError("scale must be 'global' or 'tile', got {!r}".format(
            scale))
    neurons, inputs = len(w), len(w[0])
    tile_rows, tile_cols = tile_shape(inputs)
    grid_cols = _grid_shape(neurons)[1]
    height, width = picture_size(neurons, inputs, zoom)
    if height * width > MAX_PICTURE_PIXELS:
        raise ValueError("a weights picture of {}x{} pixels is larger than "
                         "{:,} pixels".format(width, height,
                                              MAX_PICTURE_PIXELS))
    overall = 0.0
    for row in w:
        for value in row:
            overall = max(overall, abs(value))
    picture = [[_PAD] * width for _ in range(height)]
    for j, weights in enumerate(w):
        largest = overall
        if scale == "tile":
            largest = 0.0
            for value in weights:
                largest = max(largest, abs(value))
        top = (j // grid_cols) * (tile_rows + 1) + 1
        left = (j % grid_cols) * (tile_cols + 1) + 1
        for k, value in enumerate(weights):
            colour = _colour(value, largest)
            y0 = (top + k // tile_cols) * zoom
            x0 = (left + k % tile_cols) * zoom
            for y in range(y0, y0 + zoom):
                row = picture[y]
                for x in range(x0, x0 + zoom):
                    row[x] = colour
    return picture


def largest_zoom(neurons, inputs):
    """Return the largest zoom whose picture stays within MAX_PICTURE_PIXELS
    (0 if not even zoom 1 does).

    >>> picture_size(30, 784, 12), picture_size(30, 784, 13)
    ((1752, 2100), (1898, 2275))
    >>> largest_zoom(30, 784)
    12
    """
    height, width = picture_size(neurons, inputs, 1)
    zoom = 0
    while height * width * (zoom + 1) ** 2 <= MAX_PICTURE_PIXELS:
        zoom += 1
    return zoom
