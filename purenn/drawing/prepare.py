"""A drawing prepared as an MNIST input: ``prepare_digit``.

MNIST's digits (LeCun et al.) are light ink on a dark background (0 = no ink),
size-normalised to fit a 20x20 box keeping their aspect ratio (anti-aliased,
so edges are grey), and placed in a 28x28 field so that their centre of mass
is at the field's centre.  A drawing made in a paint program is usually the
opposite: dark ink on white, any size, anywhere.  ``prepare_digit`` repeats
MNIST's steps on it:

1. Polarity: the picture's border is taken as background.  If the border is
   mostly light (mean brightness > 0.5) the drawing is dark on light and is
   inverted, so that ink is high as in MNIST.
2. Contrast: the background level (median of the border) becomes 0 and the
   strongest ink 1, so grey paper or a faint pencil still gives MNIST's range.
3. Threshold: Otsu's method picks, from the picture's own histogram, the
   level that best splits it into background and ink (at least
   ``INK_THRESHOLD``); fainter pixels (paper grain, a photo's noise) become
   0.  Crop to the ink: the smallest box holding every pixel at or above
   the threshold.
4. Scale so the longer side is 20 pixels, keeping the aspect ratio, by area
   averaging: each new pixel is the mean of the source area it covers
   (weighted by overlap), which gives anti-aliased grey edges like MNIST's.
5. Place in 28x28 with the centre of mass at the centre (14, 14), shifted by
   whole pixels; a very lopsided digit is shifted only as far as keeps all
   its ink inside the field (the notes say so).

A picture is a list of rows of brightness values in [0, 1] (0 black, 1
white), as ``purenn.io.images.read_image`` reads one from a PGM or PNG
file or the classroom page sends one.  This lives in ``purenn.drawing``,
not ``purenn.io``: it reads and writes no file, it reshapes a picture
already in memory.

Every sum is a left-to-right loop, so the result has the same bits on every
supported Python.

>>> picture = [[1.0] * 6 for _ in range(4)]
>>> picture[1][1] = picture[2][1] = 0.0      # a dark stroke on white
>>> x, notes = prepare_digit(picture)
>>> len(x), max(x)
(784, 1.0)
>>> notes[0]
'dark ink on a light background: inverted'
"""
from purenn.io.images import ImageError

__all__ = ["prepare_digit", "to_pixels", "INK_THRESHOLD", "LEVELS",
           "FIELD", "BOX"]

# The ink threshold is chosen per picture by Otsu's method over LEVELS
# histogram bins, but never below INK_THRESHOLD (after the contrast step,
# 0..1): on a clean drawing (ink and paper only) every split is as good as
# any other, and the floor keeps faint anti-aliasing and JPEG-like speckle
# out.  MNIST's own crop went by the ink of binary NIST images.
INK_THRESHOLD = 0.1
LEVELS = 256

FIELD = 28   # MNIST's image side
BOX = 20     # the box the digit is scaled to fit



# -- preparing like MNIST -------------------------------------------------

def _total(values):
    total = 0.0
    for value in values:
        total += value
    return total


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _border(rows):
    height, width = len(rows), len(rows[0])
    values = list(rows[0])
    if height > 1:
        values += rows[-1]
    for row in rows[1:-1]:
        values.append(row[0])
        if width > 1:
            values.append(row[-1])
    return values


def _resample(values, size):
    """Area-average the list ``values`` to ``size`` values.

    Output value i is the mean of the source over [i*n/size, (i+1)*n/size)
    (n = len(values)), each source value weighted by how much of its unit
    cell lies in that interval.  Works for shrinking and enlarging.
    """
    n = len(values)
    out = []
    for i in range(size):
        # Interval ends as exact fractions of source cells: i*n/size.
        low_num, high_num = i * n, (i + 1) * n   # both over `size`
        total = 0.0
        cell = low_num // size
        while cell * size < high_num and cell < n:
            overlap = min(high_num, (cell + 1) * size) - max(low_num,
                                                             cell * size)
            total += values[cell] * overlap
            cell += 1
        out.append(total / n)   # sum of overlaps is n (over `size`)
    return out


def _scale(rows, height, width):
    """Area-average ``rows`` to ``height`` x ``width`` (separably)."""
    across = [_resample(row, width) for row in rows]
    columns = [_resample([row[c] for row in across], height)
               for c in range(width)]
    return [[columns[c][r] for c in range(width)] for r in range(height)]


def _centre_of_mass(rows):
    """Return (row, column) of the ink's centre of mass, pixel centres at
    index + 0.5."""
    mass = weighted_row = weighted_col = 0.0
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            mass += value
            weighted_row += value * (r + 0.5)
            weighted_col += value * (c + 0.5)
    return weighted_row / mass, weighted_col / mass


def _otsu(ink):
    """Return the ink threshold Otsu's method picks for ``ink`` (rows of
    values in [0, 1]).

    Otsu (1979): sort the pixels into LEVELS bins and choose the split
    into background (bins 0..k) and ink (bins k+1..) that maximises the
    between-class variance w0 * w1 * (mean0 - mean1)**2, i.e. that makes the
    two classes most distinct.  The first best k wins; the threshold is the
    border between bins k and k+1, (k + 1) / LEVELS.
    """
    histogram = [0] * LEVELS
    top = LEVELS - 1
    for row in ink:
        for value in row:
            histogram[min(top, int(value * LEVELS))] += 1
    count = 0
    total = 0
    for level, n in enumerate(histogram):
        count += n
        total += level * n
    best, best_k = -1.0, 0
    below = below_sum = 0
    for k in range(top):
        below += histogram[k]
        below_sum += k * histogram[k]
        above = count - below
        if below == 0 or above == 0:
            continue
        # count**2 * between-class variance, exactly in ints:
        # (below_sum * above - (total - below_sum) * below)**2 / (below *
        # above); ints keep it the same on every Python.
        spread = below_sum * above - (total - below_sum) * below
        variance = spread * spread / (below * above)
        if variance > best:
            best, best_k = variance, k
    return (best_k + 1) / LEVELS


def prepare_digit(rows):
    """Prepare a drawing like MNIST; return ``(x, notes)``.

    ``rows``: a picture as brightness rows in [0, 1] (0 black), any size.
    ``x`` is the network's input, 784 floats in [0, 1] (28x28 row-major,
    ink high); ``notes`` is a list of sentences saying what was done, in
    order.  Raises ImageError if the picture holds no ink.
    """
    if not rows or not rows[0]:
        raise ImageError("the picture is empty")
    width = len(rows[0])
    for index, row in enumerate(rows):
        if len(row) != width:
            raise ImageError("row {} has {} pixels, expected {}".format(
                index, len(row), width))
    height = len(rows)
    notes = []

    border = _border(rows)
    invert = _total(border) / len(border) > 0.5
    if invert:
        border = [1.0 - value for value in border]
        strongest = 1.0 - min(min(row) for row in rows)
        notes.append("dark ink on a light background: inverted")
    else:
        strongest = max(max(row) for row in rows)
        notes.append("light ink on a dark background (as MNIST): kept")

    background = _median(border)
    if strongest - background < INK_THRESHOLD:
        raise ImageError("no digit found: the picture is blank (ink "
                         "{:.2f} against background {:.2f})".format(
                             strongest, background))
    span = strongest - background
    # One pass, one copy: ink high, background 0, strongest ink 1.
    if invert:
        ink = [[max(0.0, (1.0 - value) - background) / span
                for value in row] for row in rows]
    else:
        ink = [[max(0.0, value - background) / span for value in row]
               for row in rows]
    if background != 0.0 or strongest != 1.0:
        notes.append("contrast stretched: background {:.2f} -> 0, strongest "
                     "ink {:.2f} -> 1".format(background, strongest))

    # Noise (paper grain, a photo's speckle) must not count as ink: the
    # threshold comes from the picture itself, never below INK_THRESHOLD.
    threshold = max(_otsu(ink), INK_THRESHOLD)
    top = left = None
    inked = 0
    for r, row in enumerate(ink):
        columns = [c for c, value in enumerate(row) if value >= threshold]
        if len(columns) < width:
            row[:] = [value if value >= threshold else 0.0 for value in row]
        if columns:
            inked += len(columns)
            if top is None:
                top, left, right = r, columns[0], columns[-1] + 1
            left = min(left, columns[0])
            right = max(right, columns[-1] + 1)
            bottom = r + 1
    notes.append("ink threshold {:.3f} (Otsu's method, {} levels): {} of "
                 "{} pixels are ink, the fainter ones are set to 0".format(
                     threshold, LEVELS, inked, width * height))
    ink = [row[left:right] for row in ink[top:bottom]]
    box_height, box_width = bottom - top, right - left
    notes.append("cropped to the ink: {}x{} at column {}, row {} of the "
                 "{}x{} picture".format(box_width, box_height, left, top,
                                        width, height))

    longer = max(box_height, box_width)
    new_height = max(1, (box_height * BOX * 2 + longer) // (2 * longer))
    new_width = max(1, (box_width * BOX * 2 + longer) // (2 * longer))
    ink = _scale(ink, new_height, new_width)
    notes.append("scaled {}x{} -> {}x{} (fits {}x{}, aspect kept, area "
                 "averaging)".format(box_width, box_height, new_width,
                                     new_height, BOX, BOX))

    centre_row, centre_col = _centre_of_mass(ink)
    half = FIELD / 2
    top = int(round(half - centre_row))
    left = int(round(half - centre_col))
    wanted = (top, left)
    top = min(max(top, 0), FIELD - new_height)
    left = min(max(left, 0), FIELD - new_width)
    field = [[0.0] * FIELD for _ in range(FIELD)]
    for r in range(new_height):
        field[top + r][left:left + new_width] = ink[r]
    final_row, final_col = _centre_of_mass(field)
    notes.append("placed in {0}x{0} at column {1}, row {2}: centre of mass "
                 "at ({3:.1f}, {4:.1f}), the field's centre is ({5:.1f}, "
                 "{5:.1f})".format(FIELD, left, top, final_col, final_row,
                                   half))
    if (top, left) != wanted:
        notes.append("shifted only as far as the field allows: centring "
                     "exactly would cut off ink")
    return [value for row in field for value in row], notes


def to_pixels(x):
    """Return input values in [0, 1] as ints 0..255 (rounded), for display.

    >>> to_pixels([0.0, 0.5, 1.0])
    [0, 128, 255]
    """
    return [int(value * 255 + 0.5) for value in x]
