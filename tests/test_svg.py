"""svg: the hand-written line chart parses as XML and says what it shows."""
import json
import xml.etree.ElementTree as ElementTree

import pytest

from purenn.cli import main
from purenn.io.svg import line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def texts(root):
    return ["".join(node.itertext()) for node in root.iter(SVG + "text")]


def test_chart_parses_and_has_title_axes_and_points():
    root = ElementTree.fromstring(line_chart(
        [0, 1, 2, 3], [90.32, 92.1, 93.0, 94.58], "Accuracy", "epoch",
        "accuracy (%)").encode("utf-8"))
    assert root.tag == SVG + "svg"
    labels = texts(root)
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
    assert title in texts(root) and "x<" in texts(root) and "&y" in texts(root)
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


def write_log(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))


def test_cli_plot_reads_a_train_log(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    # The keys 'train --log' writes (purenn/_cli_train.py), plus a blank line.
    write_log(log, [{"epoch": 0, "correct": 900, "total": 1000,
                     "accuracy": 0.9, "seconds": 1.5},
                    {"epoch": 1, "correct": 925, "total": 1000}])
    with open(str(log), "a") as stream:
        stream.write("\n")
    out_path = tmp_path / "curve.svg"
    assert main(["plot", str(log), "--out", str(out_path)]) == 0
    assert capsys.readouterr().out == (
        "wrote {}: 2 epochs, last 92.50%, best 92.50% (epoch 1)\n".format(
            out_path))
    root = ElementTree.parse(str(out_path)).getroot()
    assert "test accuracy (%)" in texts(root)
    assert "Test accuracy per epoch" in texts(root)


@pytest.mark.parametrize("content, message", [
    ('{"epoch": 0, "correct": 1}\n', "line 1 has no total"),
    ('not json\n', "line 1 is not JSON"),
    ('{"epoch": 0, "correct": null, "total": null}\n', "no epoch with test"),
    ('{"epoch": 0, "correct": 5, "total": 4}\n', "correct 5 > total 4"),
    ('[1]\n', "not a JSON object"),
])
def test_cli_plot_bad_logs(tmp_path, capsys, content, message):
    log = tmp_path / "log.jsonl"
    log.write_text(content)
    assert main(["plot", str(log), "--out", str(tmp_path / "c.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("purenn: error: ") and message in err
    assert not (tmp_path / "c.svg").exists()
