"""The classroom commands end to end through ``main([...])``: trace,
gradcheck, plot and weights.  Their library halves are tested in
test_trace.py, test_gradcheck.py, test_svg.py and test_pictures.py."""
import json
import xml.etree.ElementTree as ElementTree

import pytest

import purenn.network
import purenn.primer
from purenn.classroom import gradcheck
from purenn.classroom import trace as trace_module
from purenn.classroom.trace import demo_network
from purenn.cli import main
from purenn.drawing.pictures import weights_picture
from purenn.io.png import read_png
from purenn.network import Network
from support import decode_rgb_png, svg_texts, walk_floats, tiny_network


# -- trace -----------------------------------------------------------------

@pytest.fixture
def demo_model(tmp_path):
    path = tmp_path / "demo.json"
    demo_network().save(str(path))
    return str(path)


def test_cli_trace_json_equals_the_library(demo_model, capsys):
    status = main(["trace", demo_model, "--input", "0.8,0.2",
                   "--target", "0,1", "--format", "json"])
    out = capsys.readouterr().out
    assert status == 0
    record = trace_module.trace(demo_network(), trace_module.DEMO_INPUT,
                             trace_module.DEMO_TARGET,
                             trace_module.DEMO_STEP_SIZE)
    for where, j, p in walk_floats(json.loads(out), record):
        if isinstance(p, float):
            assert j.hex() == float(p).hex(), where


def test_cli_trace_markdown_and_text(demo_model, capsys):
    assert main(["trace", demo_model, "--input", "0.8,0.2", "--target", "0,1",
                 "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("# purenn trace: network 2-3-2")
    assert main(["trace", demo_model, "--input", "0.8,0.2", "--target", "0,1",
                 "--step-size", "0.5"]) == 0
    assert "step size 0.5" in capsys.readouterr().out


def test_cli_trace_refuses_a_large_network(tmp_path, capsys):
    path = str(tmp_path / "big.json")
    Network([20, 3, 2], seed=0).save(path)
    status = main(["trace", path, "--input", ",".join(["0"] * 20),
                   "--target", "0,1"])
    err = capsys.readouterr().err
    assert status == 2
    assert err == ("purenn: error: network 20-3-2 is too large to trace: "
                   "layer 0 has 20 neurons, a trace prints every value and "
                   "allows at most 16 neurons per layer\n")


@pytest.mark.parametrize("argv, message", [
    (["--input", "0.8", "--target", "0,1"],
     "--input has 1 values, the input layer of"),
    (["--input", "0.8,0.2", "--target", "0,1,0"],
     "--target has 3 values, the output layer of"),
    (["--input", "0.8,x", "--target", "0,1"], "expected comma-separated"),
    (["--input", "0.8,0.2", "--target", "0,1", "--step-size", "nan"],
     "--step-size: expected a finite number"),
])
def test_cli_trace_bad_input(demo_model, capsys, argv, message):
    status = main(["trace", demo_model] + argv)
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("purenn: error: ") and message in err
    assert err.count("\n") == 1


def test_cli_trace_missing_model(tmp_path, capsys):
    status = main(["trace", str(tmp_path / "none.json"), "--input", "1",
                   "--target", "1"])
    assert status == 2
    assert "none.json" in capsys.readouterr().err


# -- gradcheck -------------------------------------------------------------

def test_cli_gradcheck_passes(capsys):
    status = main(["gradcheck", "--layers", "3,4,2", "--seed", "5"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.splitlines()[-1].startswith("PASS: 26 parameters, largest "
                                           "relative error ")
    assert "parameter" in out and "relative error" in out


def test_cli_gradcheck_on_a_model_file(tmp_path, capsys):
    path = str(tmp_path / "m.json")
    Network([2, 2, 2], seed=1).save(path)
    assert main(["gradcheck", path, "--input", "0.1,0.9",
                 "--target", "1,0"]) == 0
    assert "network 2-2-2" in capsys.readouterr().out


def test_a_broken_sigmoid_prime_fails_with_exit_1(monkeypatch, capsys):
    # Deliberately wrong: sigma'(z) = sigma(z) instead of sigma(z)(1-sigma(z)).
    monkeypatch.setattr(purenn.primer, "sigmoid_prime", purenn.primer.sigmoid)
    status = main(["gradcheck", "--layers", "2,3,2", "--seed", "0"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.splitlines()[-1].startswith("FAIL: 17 parameters")


def test_a_broken_dc_dw_fails_with_exit_1(monkeypatch, capsys):
    # Deliberately wrong: dC/dw without the factor a_prev (Network's own
    # reference to dc_dw is the one replaced).
    monkeypatch.setattr(purenn.network, "dc_dw",
                        lambda a_prev, dc_db: purenn.primer.dc_dw(
                            [[1.0] for _ in a_prev], dc_db))
    status = main(["gradcheck", "--layers", "2,3,2", "--seed", "0"])
    out = capsys.readouterr().out
    assert status == 1
    assert "above the threshold" in out
    # Only weights are wrong: every bias still agrees.
    for line in out.splitlines():
        if line.startswith("b["):
            assert float(line.split()[-1]) < gradcheck.THRESHOLD


def test_cli_gradcheck_bad_lengths(capsys):
    assert main(["gradcheck", "--layers", "2,2", "--input", "1"]) == 2
    assert "--input has 1 values" in capsys.readouterr().err


# -- plot ------------------------------------------------------------------

def write_log(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))


def test_cli_plot_reads_a_train_log(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    # The keys 'train --log' writes (purenn/cli/trainreport.py, purenn/io/trainlog.py), plus a blank line.
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
    assert "test accuracy (%)" in svg_texts(root)
    assert "Test accuracy per epoch" in svg_texts(root)


def test_cli_plot_reads_a_log_saved_by_notepad(tmp_path, capsys):
    # A byte order mark first and CRLF line ends, as Windows Notepad saves
    # a log a student opened and saved again.
    log = tmp_path / "log.jsonl"
    log.write_bytes(b'\xef\xbb\xbf{"epoch": 0, "correct": 9, "total": 10}'
                    b'\r\n{"epoch": 1, "correct": 8, "total": 10}\r\n')
    out_path = tmp_path / "curve.svg"
    assert main(["plot", str(log), "--out", str(out_path)]) == 0
    assert capsys.readouterr().out == (
        "wrote {}: 2 epochs, last 80.00%, best 90.00% (epoch 0)\n".format(
            out_path))


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


# -- weights ---------------------------------------------------------------

def test_cli_weights_png_decodes_to_the_picture(tmp_path, capsys):
    model = str(tmp_path / "tiny.json")
    tiny_network().save(model)
    out = tmp_path / "w.png"
    assert main(["weights", model, "--out", str(out), "--zoom", "1"]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    data = out.read_bytes()
    # The file holds the library's picture (test_pictures.py checks that
    # picture against one worked by hand).
    assert decode_rgb_png(data) == weights_picture(tiny_network().w[1],
                                                   zoom=1)
    image = read_png(str(out))         # purenn's own reader agrees
    assert (image.width, image.height, image.mode) == (7, 7, "RGB")
    assert image.rows == decode_rgb_png(data)


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
