"""svg: the hand-written line chart parses as XML and says what it shows."""
import xml.etree.ElementTree as ElementTree

import pytest

from purenn.drawing.svg import line_chart, nice_ticks
from support import svg_texts

SVG = "{http://www.w3.org/2000/svg}"




def test_chart_parses_and_has_title_axes_and_points():
    root = ElementTree.fromstring(line_chart(
        [0, 1, 2, 3], [90.32, 92.1, 93.0, 94.58], "Accuracy", "epoch",
        "accuracy (%)").encode("utf-8"))
    assert root.tag == SVG + "svg"
    labels = svg_texts(root)
    assert "Accuracy" in labels and "epoch" in labels
    assert "accuracy (%)" in labels
    assert len(list(root.iter(SVG + "circle"))) == 4
    points = root.find(SVG + "polyline").get("points").split()
    assert len(points) == 4
    # y grows downwards: the best accuracy is the highest (smallest y) dot.
    ys = [float(point.split(",")[1]) for point in points]
    assert ys == sorted(ys, reverse=True)


def test_text_is_xml_escaped():
    title = 'a < b & "c" > d'
    root = ElementTree.fromstring(line_chart([0], [1.0], title, "x<", "&y"))
    assert title in svg_texts(root) and "x<" in svg_texts(root) and "&y" in svg_texts(root)
    assert root.find(SVG + "title").text == title


def test_ticks_are_round_and_cover_the_range():
    # Hand-picked: span 4 / 5 ticks -> step 1.
    assert nice_ticks(90.3, 94.58) == [90.0, 91.0, 92.0, 93.0, 94.0, 95.0]
    assert nice_ticks(0, 29, count=10) == [0.0, 5.0, 10.0, 15.0, 20.0, 25.0,
                                           30.0]


@pytest.mark.parametrize("xs, ys, message", [
    ([], [], "no points"), ([0, 1], [1], "2 x values but 1 y values"),
    ([0], [float("nan")], "finite")])
def test_bad_points(xs, ys, message):
    with pytest.raises(ValueError, match=message):
        line_chart(xs, ys, "t", "x", "y")


