"""purenn.io.images (reading PGM/PNG drawings) and purenn.drawing.prepare
(preparing them like MNIST)."""
import struct

import pytest

from purenn.drawing import prepare
from purenn.drawing.prepare import prepare_digit, to_pixels
from purenn.io import images
from purenn.io.images import ImageError, decode_pgm, read_image
from purenn.io.png import encode_png, write_png


def _field(x):
    """The 784 values as 28 rows."""
    return [x[row * 28:(row + 1) * 28] for row in range(28)]


def _ink_box(x):
    """(top, bottom, left, right) of the non-zero values, bottom/right
    exclusive."""
    cells = [(r, c) for r, row in enumerate(_field(x))
             for c, value in enumerate(row) if value != 0.0]
    return (min(r for r, _ in cells), max(r for r, _ in cells) + 1,
            min(c for _, c in cells), max(c for _, c in cells) + 1)


# -- PGM ------------------------------------------------------------------

def test_plain_pgm_with_comments():
    data = b"P2 # made by hand\n3 2\n# maxval next\n10\n0 5 10\n10 2 0\n"
    assert decode_pgm(data) == [[0.0, 0.5, 1.0], [1.0, 0.2, 0.0]]


@pytest.mark.parametrize("piece", [1, 3, 1 << 16])
def test_plain_pgm_comments_between_pixels(monkeypatch, piece):
    # Netpbm's reader (pm_getc) skips a comment anywhere in a plain PGM; one
    # typed by hand may label its rows.  A comment ends at CR or LF, reads
    # as a space (0#x\n10 is two values), and may span the pieces read.
    monkeypatch.setattr(images, "_PIECE", piece)
    data = (b"P2 3 2 10\n# row 0\n0 5 10 # the top\n# row 1\r"
            b"10 2#no space\n0\n# the end")
    assert decode_pgm(data) == [[0.0, 0.5, 1.0], [1.0, 0.2, 0.0]]
    with pytest.raises(ImageError, match="needs 6 values, found 5"):
        decode_pgm(b"P2 3 2 10\n0 5 10 10 2 # 0\n")


def test_binary_pgm_8_and_16_bit():
    assert decode_pgm(b"P5\n2 1\n255\n\x00\xff") == [[0.0, 1.0]]
    # maxval > 255: two bytes per sample, big-endian (netpbm's P5 spec).
    data = b"P5 2 1 1000\n" + struct.pack(">HH", 250, 1000)
    assert decode_pgm(data) == [[0.25, 1.0]]


@pytest.mark.parametrize("data, message", [
    (b"P6\n1 1\n255\n\x00\x00\x00", "not a PGM file"),
    (b"P2\n2 2\n", "header ends after 3 of its 4 fields"),
    (b"P2\n2 x\n255\n", "height is b'x', expected a whole number"),
    (b"P2\n0 1\n255\n", "width is 0, expected 1.."),
    (b"P2\n1 1\n70000\n0", "maxval is 70000, expected 1..65535"),
    (b"P2\n2 1\n255\n1", "needs 2 values, found 1"),
    (b"P2\n1 1\n100\n101", "pixel 0 is 101, above maxval 100"),
    (b"P5\n2 2\n255\n\x00\x00\x00", "needs 4 bytes of pixels, found 3"),
    (b"P5\n2 1\n255\n\x00\x00\x00", "needs 2 bytes of pixels, found more$"),
    (b"P5\r\n2 1\r\n255\r\n\x00\x00", "needs 2 bytes of pixels, found "
     "more; the header ends in CR LF, where PGM allows one whitespace byte"),
])
def test_pgm_errors(data, message):
    with pytest.raises(ImageError, match=message):
        decode_pgm(data, source="digit.pgm")


# -- read_image -----------------------------------------------------------

def test_read_image_tells_format_by_content(tmp_path):
    pgm = tmp_path / "drawing.png"          # a PGM despite its name
    pgm.write_bytes(b"P2 1 1 4 2\n")
    assert read_image(str(pgm)) == ([[0.5]], "PGM P2 1x1")


def test_read_image_png_colour_and_transparency(tmp_path):
    path = tmp_path / "rgba.png"
    # RGBA by hand: filter byte 0 and one row of two pixels.  Opaque white;
    # black at alpha 0, which must show the white paper underneath.
    import zlib
    from purenn.io.png import PNG_SIGNATURE

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    path.write_bytes(
        PNG_SIGNATURE
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bytes([0, 255, 255, 255, 255,
                                              0, 0, 0, 0])))
        + chunk(b"IEND", b""))
    rows, kind = read_image(str(path))
    assert kind == "PNG 2x1 RGBA"
    # Luma of white: (0.299 + 0.587 + 0.114) * 255 / 255 in floats; the
    # transparent pixel is 0 * 0 + (1 - 0) = 1.0 exactly.
    assert rows == [[(0.299 * 255 + 0.587 * 255 + 0.114 * 255) / 255, 1.0]]
    assert abs(rows[0][0] - 1.0) < 1e-15  # the BT.601 weights sum to 1


def test_read_image_rgb_luma(tmp_path):
    path = tmp_path / "rgb.png"
    write_png(str(path), [[(255, 0, 0), (0, 255, 0), (0, 0, 255)]], "RGB")
    rows, _ = read_image(str(path))
    # ITU-R BT.601 weights (0.299, 0.587, 0.114), times 255, over 255.
    assert rows == [[0.299 * 255 / 255, 0.587 * 255 / 255,
                     0.114 * 255 / 255]]


def test_read_image_unknown_format(tmp_path):
    path = tmp_path / "digit.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0JFIF")
    with pytest.raises(ImageError, match="digit.jpg: not a PNG or PGM file.*"
                       "supported: PGM P2/P5 and PNG"):
        read_image(str(path))


# -- area averaging -------------------------------------------------------

def test_area_averaging_by_hand():
    # Shrinking 6 -> 4: each output covers 1.5 source pixels.
    #   out 0 = [0, 1.5): 1*1 + 0*0.5        -> 1/1.5 = 4/6
    #   out 1 = [1.5, 3): 0*0.5 + 0*1        -> 0
    #   out 2 = [3, 4.5): 1*1 + 1*0.5        -> 1.5/1.5 = 6/6
    #   out 3 = [4.5, 6): 1*0.5 + 0*1        -> 0.5/1.5 = 2/6
    assert prepare._resample([1, 0, 0, 1, 1, 0], 4) == [4 / 6, 0.0, 1.0, 2 / 6]
    # Enlarging 2 -> 3: the middle output straddles both sources equally.
    assert prepare._resample([0, 1], 3) == [0.0, 0.5, 1.0]
    assert prepare._resample([0.25, 1], 4) == [0.25, 0.25, 1.0, 1.0]


# -- prepare_digit --------------------------------------------------------

def test_dark_block_off_centre_is_inverted_scaled_and_centred():
    # A white 60x50 picture with a black 5-wide, 10-high block near the top
    # left corner (rows 3..12, columns 4..8).
    picture = [[1.0] * 60 for _ in range(50)]
    for r in range(3, 13):
        for c in range(4, 9):
            picture[r][c] = 0.0
    x, notes = prepare_digit(picture)
    assert notes[0] == "dark ink on a light background: inverted"
    # Ink and paper only: every split is as good, the floor 0.1 is used.
    assert notes[1] == "ink threshold 0.100 (Otsu's method, 256 levels): " \
        "50 of 3000 pixels are ink, the fainter ones are set to 0"
    assert notes[2] == "cropped to the ink: 5x10 at column 4, row 3 of the " \
        "60x50 picture"
    assert notes[3] == "scaled 5x10 -> 10x20 (fits 20x20, aspect kept, area " \
        "averaging)"
    # By hand: the block becomes a solid 10x20 block of ink 1.0 whose centre
    # of mass is its centre (row 10, column 5); 14 - 10 = 4, 14 - 5 = 9, so
    # it fills rows 4..23, columns 9..18 of the 28x28 field.
    expected = [[1.0 if 4 <= r < 24 and 9 <= c < 19 else 0.0
                 for c in range(28)] for r in range(28)]
    assert _field(x) == expected
    assert notes[4].startswith("placed in 28x28 at column 9, row 4: centre "
                               "of mass at (14.0, 14.0)")


def test_light_on_dark_is_kept_and_scaled_by_area():
    # Light ink on black (MNIST's own polarity), an L shape 30 high, 15
    # wide, 3 pixels thick, in a 40x45 picture, scaled by 20/30.
    picture = [[0.0] * 40 for _ in range(45)]
    for r in range(5, 35):
        for c in range(10, 13):
            picture[r][c] = 1.0
    for r in range(32, 35):
        for c in range(10, 25):
            picture[r][c] = 1.0
    x, notes = prepare_digit(picture)
    assert notes[0] == "light ink on a dark background (as MNIST): kept"
    assert notes[3] == "scaled 15x30 -> 10x20 (fits 20x20, aspect kept, area " \
        "averaging)"
    top, bottom, left, right = _ink_box(x)
    assert (bottom - top, right - left) == (20, 10)
    values = set(x)
    assert 1.0 in values and 0.0 in values
    # Each new pixel covers 1.5 x 1.5 source pixels, so the 3-pixel stroke
    # (columns 0..3 of the crop) is exactly new columns 0 and 1, all ink;
    # column 2 covers source columns 3..4.5, no ink.
    assert _field(x)[top][left:left + 3] == [1.0, 1.0, 0.0]


def test_grey_paper_and_faint_ink_are_stretched():
    picture = [[0.8] * 10 for _ in range(10)]
    for r in range(2, 8):
        picture[r][4] = 0.5
    x, notes = prepare_digit(picture)
    assert notes[0] == "dark ink on a light background: inverted"
    assert notes[1].startswith("contrast stretched: background 0.20 -> 0, "
                               "strongest ink 0.50 -> 1")
    assert max(x) == 1.0 and min(x) == 0.0


def _centre_of_mass(x):
    mass = row_sum = col_sum = 0.0
    for r, row in enumerate(_field(x)):
        for c, value in enumerate(row):
            mass += value
            row_sum += value * (r + 0.5)
            col_sum += value * (c + 0.5)
    return row_sum / mass, col_sum / mass


def test_centre_of_mass_lands_within_half_a_pixel_of_the_centre():
    # An uneven shape: a 3-wide vertical stroke 30 high, a heavier 6-high
    # bar at its foot reaching right, dark grey (0.25) on white, 40x45.
    picture = [[1.0] * 40 for _ in range(45)]
    for r in range(5, 35):
        for c in range(10, 13):
            picture[r][c] = 0.25
    for r in range(29, 35):
        for c in range(10, 30):
            picture[r][c] = 0.25
    x, notes = prepare_digit(picture)
    row, col = _centre_of_mass(x)
    # Whole-pixel shifts: the centre of mass ends within half a pixel of 14.
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5, (row, col)
    assert not any(note.startswith("shifted only") for note in notes)
    assert "contrast stretched" in notes[1]


def test_lopsided_digit_keeps_its_ink_inside_the_field():
    # A "7" with a heavy top bar and a thin half-strength tail, 37x23:
    # centring its mass exactly would push the bar's rows above the field's
    # top edge.  (Ink 0.5: Otsu puts it with the bar.  A tail at 0.2 next
    # to 95 pixels of full ink would count as background, like noise.)
    picture = [[1.0] * 23 for _ in range(37)]
    for c in range(2, 21):
        for r in range(3, 8):
            picture[r][c] = 0.0
    for step in range(25):
        picture[8 + step][19 - step * 16 // 25] = 0.5
    x, notes = prepare_digit(picture)
    top, bottom, left, right = _ink_box(x)
    assert bottom - top == 20
    assert bottom == 28          # pushed to the bottom edge, no ink lost
    assert notes[-1] == ("shifted only as far as the field allows: centring "
                         "exactly would cut off ink")


def test_whole_pipeline_from_a_png_file(tmp_path):
    # Dark on light, off-centre, wrong size: a 2-wide, 6-high bar in 30x20.
    rows = [[255] * 30 for _ in range(20)]
    for r in range(12, 18):
        rows[r][25] = rows[r][26] = 0
    path = tmp_path / "bar.png"
    write_png(str(path), rows)
    picture, kind = read_image(str(path))
    x, notes = prepare_digit(picture)
    assert kind == "PNG 30x20 L"
    assert notes[0] == "dark ink on a light background: inverted"
    # 2x6 -> round(2 * 20 / 6) = 7 x 20; every new pixel averages source
    # pixels of the (all-ink) crop, so the values are only 0 and 1.
    top, bottom, left, right = _ink_box(x)
    assert (bottom - top, right - left) == (20, 7)
    assert set(x) == {0.0, 1.0}
    assert notes[3] == "scaled 2x6 -> 7x20 (fits 20x20, aspect kept, area " \
        "averaging)"


def test_blank_picture_is_refused():
    with pytest.raises(ImageError, match="no digit found: the picture is "
                       "blank"):
        prepare_digit([[1.0] * 5 for _ in range(5)])


def test_ragged_picture_is_refused():
    with pytest.raises(ImageError, match="row 1 has 2 pixels, expected 3"):
        prepare_digit([[0.0, 0.0, 0.0], [0.0, 0.0]])


def test_to_pixels_rounds_half_up():
    assert to_pixels([0.0, 1 / 255, 0.5, 254.5 / 255, 1.0]) == [0, 1, 128,
                                                                255, 255]
    assert encode_png([to_pixels([0.5])])   # displayable as a PNG row


# -- noise, big pictures, streaming ---------------------------------------

def _pencil_on_paper(seed=3):
    """200x200: paper 0.7..1.0 (uniform noise), a pencil stroke 0.15..0.4
    at columns 90..99, rows 40..159; 8-bit greys."""
    import random
    rng = random.Random(seed)
    rows = []
    for r in range(200):
        row = []
        for c in range(200):
            if 90 <= c < 100 and 40 <= r < 160:
                row.append(int(255 * rng.uniform(0.15, 0.4)))
            else:
                row.append(int(255 * rng.uniform(0.7, 1.0)))
        rows.append(row)
    return rows


def test_noisy_pencil_on_paper_is_cropped_to_the_stroke(tmp_path):
    path = tmp_path / "pencil.png"
    write_png(str(path), _pencil_on_paper())
    picture, kind = read_image(str(path))
    x, notes = prepare_digit(picture)
    # With the old fixed threshold 0.1 every noisy pixel above it was ink
    # and the crop was the whole 200x200 page.  After inversion and the
    # contrast step (border median about 0.15 -> 0, strongest 0.85 -> 1)
    # paper is at most (0.3 - 0.15) / 0.7 = 0.21 and pencil at least
    # (0.6 - 0.15) / 0.7 = 0.64; Otsu's split must fall between.
    assert notes[2].startswith("ink threshold 0.")
    threshold = float(notes[2].split()[2])
    assert 0.2 < threshold < 0.64, notes[2]
    assert notes[2].endswith("1200 of 40000 pixels are ink, the fainter "
                             "ones are set to 0")
    assert notes[3] == "cropped to the ink: 10x120 at column 90, row 40 of " \
        "the 200x200 picture"
    # The 10x120 stroke fills 2x20 of the 28x28 field, nothing else.
    top, bottom, left, right = _ink_box(x)
    assert (bottom - top, right - left) == (20, 2)


def test_show_input_prints_the_threshold(tmp_path, capsys):
    from purenn.cli import main
    from purenn.network import Network
    model = str(tmp_path / "model.json")
    Network([784, 10], seed=1).save(model)
    path = tmp_path / "pencil.png"
    write_png(str(path), _pencil_on_paper())
    assert main(["predict", model, "--image", str(path), "--show-input"]) \
        == 0
    out = capsys.readouterr().out
    assert "  - ink threshold 0." in out
    assert "  - cropped to the ink: 10x120 at column 90, row 40" in out
    assert "input x (28x28, shown as round(255 x)):" in out


def test_big_pictures_are_box_averaged_as_rows_arrive(monkeypatch):
    # WORK_SIDE 4 for the test: 9x5 -> factor ceil(9 / 4) = 3 -> 3x2, the
    # last block row only 2 rows high.  Values 0..44 over maxval 44.
    monkeypatch.setattr(images, "WORK_SIDE", 4)
    values = list(range(45))
    data = b"P5 9 5 44\n" + bytes(values)
    rows = decode_pgm(data)
    # Block (0, 0): rows 0-2, columns 0-2: sum of 9r + c = 9 * 9 + 9 = 90,
    # 9 pixels, so 90 / (44 * 9).  Block (1, 2): rows 3-4, columns 6-8:
    # sum = 3 * (27 + 36) + 2 * (6 + 7 + 8) = 231, 6 pixels.
    assert rows[0][0] == 90 / (44 * 9)
    assert rows[1][2] == 231 / (44 * 6)
    assert (len(rows), len(rows[0])) == (2, 3)


def test_png_twins_give_the_same_working_picture(tmp_path, monkeypatch):
    # 16-bit against 8-bit, Adam7 against plain, 10x7 shrunk by 3:
    # the sums are exact ints, so the floats agree to the bit.
    monkeypatch.setattr(images, "WORK_SIDE", 4)
    import test_png as t
    pixels = t._random_pixels(10, 7, 2, 8, seed=4)
    wide = [[tuple(257 * s for s in p) for p in row] for row in pixels]
    files = {}
    for name, data in [("plain", t._encode(pixels, 2, 8)),
                       ("adam7", t._encode(pixels, 2, 8, interlace=1)),
                       ("16bit", t._encode(wide, 2, 16, interlace=1))]:
        path = tmp_path / (name + ".png")
        path.write_bytes(data)
        files[name] = read_image(str(path))
    assert files["plain"][1] == "PNG 10x7 RGB, box-averaged 3x3 to 4x3"
    assert files["16bit"][1] == "PNG 10x7 RGB 16-bit Adam7, box-averaged " \
        "3x3 to 4x3"
    assert files["plain"][0] == files["adam7"][0] == files["16bit"][0]


@pytest.mark.parametrize("data, message", [
    (b"P5 2 1 255\n\x00\x00\x00", "needs 2 bytes of pixels, found more"),
    (b"P2 2 1 255\n0 0 0", "needs 2 values, found more"),
    (b"P2 9000 1 255\n", "PGM width is 9000, expected 1..8192"),
    (b"P2 5000 5000 255\n", "5000x5000 pixels is more than the 16777216"),
    (b"P2 1 1 255\n" + b"1" * 100, "PGM pixel b'1111.*too long"),
    (b"P2 #" + b"x" * 5000, "header is longer than 4096 bytes"),
])
def test_pgm_sizes_and_lengths_are_bounded(data, message):
    with pytest.raises(ImageError, match=message):
        decode_pgm(data, source="digit.pgm")
