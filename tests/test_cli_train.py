"""The train / evaluate / predict commands, called through
``purenn.cli.main`` (the SGD itself is tested in test_sgd.py)."""
import argparse
import io
import json
import os
import re
import random
import struct

import pytest

from purenn import Network
from purenn.io import mnist
from purenn.cli import train as _cli_train
from purenn.cli.trainreport import TrainReport
from purenn.cli import main
from purenn.io.png import write_png

from support import write_mnist

TINY_TRAIN = 200
TINY_TEST = 100
# Regression value, pinned on 2026-12-03 with the portable initial weights
# and correctly rounded exp of issue 17 (198 before; CPython 3.6, 3.11 and
# PyPy alike): test images right after one epoch on 2,000, seed 0.
PINNED_CORRECT = 201


# -- a tiny MNIST in tmp_path ---------------------------------------------

@pytest.fixture(scope="module")
def tiny_mnist(tmp_path_factory):
    """The first 200 training and 100 test images of the shipped MNIST, as
    plain IDX files in a temporary directory."""
    return write_mnist(tmp_path_factory.mktemp("mnist"), TINY_TRAIN,
                       TINY_TEST)


def _train(tmp_path, data, *extra):
    return main(["train", "--data", data, "--layers", "784,10",
                 "--epochs", "1"] + list(extra))


def _one_error_line(capsys):
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("purenn: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_train_save_log_then_evaluate_and_predict(tmp_path, tiny_mnist,
                                                  capsys):
    model = str(tmp_path / "model.json")
    log = str(tmp_path / "train.jsonl")
    status = main(["train", "--data", tiny_mnist, "--layers", "784,8,10",
                   "--epochs", "2", "--batch-size", "5", "--eta", "2.0",
                   "--seed", "3", "--save", model, "--log", log])
    out, err = capsys.readouterr()
    assert status == 0
    assert err == ""      # not a terminal: no progress noise
    lines = out.splitlines()
    assert lines[0] == ("Training 784,8,10 on 200 images, testing on 100; 2 "
                        "epochs, mini-batch 5, step size 2.0, seed 3")
    assert lines[1].startswith("Epoch 0: ") and lines[2].startswith("Epoch 1: ")
    assert len(lines) == 4
    records = [json.loads(line) for line in open(log)]
    # The last line: best (the first epoch with the most correct) and last.
    best = max(records, key=lambda r: (r["correct"], -r["epoch"]))
    last = records[-1]
    assert re.match(r"Done: 2 epochs in \d+ s; ", lines[3]), lines[3]
    assert lines[3].endswith(
        "; best {} / 100 ({:.2f}%) in epoch {}, last {} / 100 ({:.2f}%); "
        "model in {}".format(best["correct"], best["correct"], best["epoch"],
                             last["correct"], last["correct"], model))
    assert [r["epoch"] for r in records] == [0, 1]
    for record, line in zip(records, lines[1:]):
        assert record["total"] == TINY_TEST
        assert record["examples"] == TINY_TRAIN
        assert record["accuracy"] == record["correct"] / TINY_TEST
        assert line.startswith("Epoch {}: {} / 100 ({:.2f}%), ".format(
            record["epoch"], record["correct"], 100 * record["accuracy"]))
        assert set(record) >= {"seconds", "examples_per_second"}

    assert main(["evaluate", model, "--data", tiny_mnist]) == 0
    out = capsys.readouterr().out
    assert "class  correct / total  accuracy" in out
    assert "{} / 100 correct".format(records[-1]["correct"]) in out
    matrix_rows = out.splitlines()[-10:]
    counts = [[int(v) for v in row.split()[1:]] for row in matrix_rows]
    assert [row.split()[0] for row in matrix_rows] == [str(d)
                                                       for d in range(10)]
    test = mnist.load_set(tiny_mnist, "test")
    # Row sums are the test set's label counts; the diagonal is the score.
    assert [sum(row) for row in counts] == [list(test.labels).count(d)
                                            for d in range(10)]
    assert sum(counts[d][d] for d in range(10)) == records[-1]["correct"]

    assert main(["predict", model, "--index", "3", "--data", tiny_mnist,
                 "--show-input"]) == 0
    out = capsys.readouterr().out
    x, label = test[3]
    assert out.startswith("test image 3 (label {}):".format(label))
    assert mnist.render_text(test.pixels(3)) in out
    assert "true label {}".format(label) in out
    assert out.count("<- predicted") == 1
    grid = out.split("input x (28x28, shown as round(255 x)):\n")[1]
    first_rows = grid.splitlines()[:28]
    assert [int(v) for row in first_rows for v in row.split()] == \
        list(test.pixels(3))


def test_validation_split_reported_each_epoch_and_evaluated(
        tmp_path, tiny_mnist, capsys, monkeypatch):
    # The book splits at 50,000; the tiny copy has 200 images, so move the
    # split to 150 to get 150 training and 50 validation images.
    monkeypatch.setattr(mnist, "TRAINING_SIZE", 150)
    model = str(tmp_path / "model.json")
    log = str(tmp_path / "log.jsonl")
    assert _train(tmp_path, tiny_mnist, "--validation", "--save", model,
                  "--log", log, "--epochs", "2") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Training 784,10 on 150 images, testing on "
                               "100;")
    records = [json.loads(line) for line in open(log)]
    assert [r["validation_total"] for r in records] == [50, 50]
    for record, line in zip(records, lines[1:]):
        assert ", validation {} / 50 ({:.2f}%), ".format(
            record["validation_correct"],
            100 * record["validation_accuracy"]) in line
    # evaluate --set validation counts the same images the same way.
    assert main(["evaluate", model, "--data", tiny_mnist, "--set",
                 "validation"]) == 0
    out = capsys.readouterr().out
    assert "{} / 50 correct".format(records[-1]["validation_correct"]) in out
    assert main(["evaluate", model, "--data", tiny_mnist, "--set",
                 "validation", "--validation-limit", "7"]) == 0
    assert " / 7 correct" in capsys.readouterr().out
    assert main(["evaluate", model, "--data", tiny_mnist, "--set", "train",
                 "--train-limit", "9"]) == 0
    assert " / 9 correct" in capsys.readouterr().out


def test_no_validation_images_is_one_line(tmp_path, tiny_mnist, capsys):
    # 200 images, all before the book's split at 50,000: none validate.
    assert _train(tmp_path, tiny_mnist, "--validation") == 2
    assert _one_error_line(capsys) == (
        "purenn: error: no validation images in {}".format(tiny_mnist))


def test_predict_noise_and_own_drawing(tmp_path, tiny_mnist, capsys):
    model = str(tmp_path / "model.json")
    assert _train(tmp_path, tiny_mnist, "--save", model) == 0
    capsys.readouterr()

    assert main(["predict", model, "--noise", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    rng = random.Random(7)
    pixels = [int(rng.random() * 256) for _ in range(784)]
    assert out.startswith("random noise (uniform pixels 0..255, seed 7):\n"
                          + mnist.render_text(pixels))
    assert "predicted class: " in out

    rows = [[255] * 40 for _ in range(30)]          # dark bar on white
    for r in range(5, 25):
        rows[r][30] = rows[r][31] = rows[r][32] = 0
    drawing = str(tmp_path / "one.png")
    write_png(drawing, rows)
    assert main(["predict", model, "--image", drawing]) == 0
    out = capsys.readouterr().out
    assert out.startswith(drawing + ": PNG 40x30 L, prepared like MNIST:\n"
                          "  - dark ink on a light background: inverted\n")
    assert "what the network sees (28x28):" in out

    pgm = str(tmp_path / "one.pgm")
    with open(pgm, "wb") as stream:
        stream.write(b"P5 4 4 255\n" + bytes([255, 0, 0, 255] * 4))
    assert main(["predict", model, "--image", pgm]) == 0
    assert ": PGM P5 4x4, prepared" in capsys.readouterr().out


def test_training_without_test_data(tmp_path, tiny_mnist, capsys):
    assert _train(tmp_path, tiny_mnist, "--test-limit", "0") == 0
    out = capsys.readouterr().out.splitlines()
    assert "testing on none (--test-limit 0)" in out[0]
    assert out[1].startswith("Epoch 0 complete, ")   # network.py's words
    assert re.match(r"Done: 1 epoch in \d+ s$", out[2]), out[2]


def test_summary_names_the_first_best_epoch():
    clock = iter([100.0 + 10 * i for i in range(40)])
    args = argparse.Namespace(save="m.json", log=None)
    report = TrainReport(None, args, 10, io.StringIO(), io.StringIO(),
                         show_progress=False, clock=lambda: next(clock))
    report.net = type("Net", (), {"save": lambda self, path: None})()
    for epoch, correct in enumerate([50, 70, 70, 60]):
        report.epoch_done({"epoch": epoch, "correct": correct, "total": 100})
    # One clock reading per call, 10 s apart: the run's start, each epoch's
    # start and end, then the summary's 11th reading, 100 s after the first.
    assert report.summary() == (
        "Done: 4 epochs in 1 min 40 s; best 70 / 100 (70.00%) in epoch 1, "
        "last 60 / 100 (60.00%); model in m.json")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, tiny_mnist,
                                                     capsys):
    paths = [str(tmp_path / name) for name in ("a.json", "b.json", "c.json")]
    for path, seed in zip(paths, ("5", "5", "6")):
        assert _train(tmp_path, tiny_mnist, "--epochs", "2", "--seed", seed,
                      "--save", path) == 0
    epochs = [line.split(",")[0] for line in
              capsys.readouterr().out.splitlines() if line.startswith("Epoch")]
    assert epochs[:2] == epochs[2:4]
    with open(paths[0], "rb") as a, open(paths[1], "rb") as b, \
            open(paths[2], "rb") as c:
        first, second, third = a.read(), b.read(), c.read()
    assert first == second
    assert first != third


def test_init_continues_from_a_saved_model(tmp_path, tiny_mnist, capsys):
    # From the same saved weights with the same --seed (which then drives
    # only the shuffle), two runs give the same bytes, and they did train.
    start = str(tmp_path / "start.json")
    assert _train(tmp_path, tiny_mnist, "--save", start) == 0
    outs = []
    for name in ("x.json", "y.json"):
        path = str(tmp_path / name)
        assert main(["train", "--data", tiny_mnist, "--init", start,
                     "--epochs", "1", "--seed", "9", "--save", path]) == 0
        with open(path, "rb") as stream:
            outs.append(stream.read())
    assert outs[0] == outs[1]
    with open(start, "rb") as stream:
        assert stream.read() != outs[0]
    assert "from " + start in capsys.readouterr().out


def test_ctrl_c_keeps_the_last_full_epoch(tmp_path, tiny_mnist, capsys,
                                          monkeypatch):
    reference = str(tmp_path / "two-epochs.json")
    assert _train(tmp_path, tiny_mnist, "--epochs", "2", "--save",
                  reference) == 0
    capsys.readouterr()

    original = TrainReport.progress

    def interrupt_in_epoch_2(self, done, total):
        if self.epoch == 2 and done > total // 2:
            raise KeyboardInterrupt
        return original(self, done, total)

    monkeypatch.setattr(TrainReport, "progress",
                        interrupt_in_epoch_2)
    model = str(tmp_path / "model.json")
    log = str(tmp_path / "log.jsonl")
    status = _train(tmp_path, tiny_mnist, "--epochs", "5", "--save", model,
                    "--log", log)
    out, err = capsys.readouterr()
    assert status == 130
    assert err == ("purenn: interrupted in epoch 2; kept {} from epoch 1; "
                   "{} has epochs 0-1\n".format(model, log))
    assert "Traceback" not in err
    assert [line.split(":")[0] for line in out.splitlines()[1:]] == \
        ["Epoch 0", "Epoch 1"]
    # The file on disk is the model after epoch 1: byte for byte the same as
    # a run of exactly two epochs with the same seed.
    with open(model, "rb") as a, open(reference, "rb") as b:
        assert a.read() == b.read()
    assert len(open(log).read().splitlines()) == 2


def test_ctrl_c_before_any_epoch(tmp_path, tiny_mnist, capsys, monkeypatch):
    def interrupt(self, done, total):
        raise KeyboardInterrupt
    monkeypatch.setattr(TrainReport, "progress", interrupt)
    model = str(tmp_path / "model.json")
    assert _train(tmp_path, tiny_mnist, "--save", model) == 130
    assert capsys.readouterr().err == (
        "purenn: interrupted in epoch 0; no epoch finished, {} not "
        "written\n".format(model))
    assert not os.path.exists(model)


def test_progress_line_only_on_a_terminal(tmp_path, tiny_mnist, capsys,
                                          monkeypatch):
    monkeypatch.setattr(_cli_train, "_isatty", lambda stream: True)
    assert _train(tmp_path, tiny_mnist) == 0
    out, err = capsys.readouterr()
    assert err.startswith("\repoch 0: ")
    assert "examples" in err and err.endswith("\r")
    assert out.splitlines()[1].startswith("Epoch 0: ")


# -- bad input: one line, exit 2 ------------------------------------------

def _write(path, data):
    with open(path, "wb") as stream:
        stream.write(data)
    return path


@pytest.fixture
def small_models(tmp_path):
    good = str(tmp_path / "good.json")
    Network([784, 10], seed=1).save(good)
    wrong_input = str(tmp_path / "wrong-input.json")
    Network([100, 10], seed=1).save(wrong_input)
    wrong_output = str(tmp_path / "wrong-output.json")
    Network([784, 4], seed=1).save(wrong_output)
    damaged = _write(str(tmp_path / "damaged.json"), b'{"sizes": [784, 1')
    return {"good": good, "wrong_input": wrong_input,
            "wrong_output": wrong_output, "damaged": damaged,
            "missing": str(tmp_path / "missing.json"),
            "not_image": _write(str(tmp_path / "note.txt"), b"hello\n"),
            "palette": _write(str(tmp_path / "palette.png"),
                              _palette_png()),
            "blank": _write(str(tmp_path / "blank.pgm"),
                            b"P2 2 2 255 255 255 255 255\n")}


def _palette_png():
    import zlib
    from purenn.io.png import PNG_SIGNATURE

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    return (PNG_SIGNATURE
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 16, 3, 0, 0, 0))
            + chunk(b"PLTE", b"\x00\x00\x00")
            + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
            + chunk(b"IEND", b""))


BAD_INPUTS = [
    (["train", "--layers", "784,x,10"], "expected comma-separated whole"),
    (["train", "--layers", "784"],
     "--layers needs at least an input and an output size"),
    (["train", "--epochs", "0"], "expected a whole number >= 1, got 0"),
    (["train", "--eta", "-1"], "expected a finite number >= 0"),
    (["train", "--eta", "nan"], "expected a finite number >= 0"),
    (["train", "--batch-size", "ten"], "expected a whole number >= 1"),
    (["train", "--jobs", "0"], "expected a whole number >= 1"),
    # Each job is a fork of the whole command: a typo of 1000 for 10 must
    # not take the machine's memory (docs/performance.md).
    # A picture under another format's name opens in no viewer: refused
    # before any work, with the name to use.
    (["weights", "{good}", "--out", "{good}.svg"],
     "--out .*good.json.svg: this command writes PNG, not SVG; name the "
     "file .*good.json.png$"),
    (["show", "--index", "0", "--out", "{good}.JPG"],
     "this command writes PNG, not JPG"),
    (["plot", "{good}", "--out", "{good}.png"],
     "--out .*good.json.png: this command writes SVG, not PNG"),
    (["evaluate", "{good}", "--jobs", "65"],
     "argument --jobs: expected at most 64 processes, got 65 \\(each is a "
     "fork of this one"),
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["train", "--layers", "100,10", "{data}"],
     "--layers 100,10: the input layer has 100 neurons, the images have 784 "
     "pixels \\(28x28\\)"),
    (["train", "--layers", "784,30,5", "{data}"],
     "the output layer has 5 neurons, MNIST needs 10"),
    (["train", "--init", "{missing}"], "missing.json: No such file"),
    (["train", "--init", "{damaged}"], "damaged.json: not a valid model"),
    (["train", "--init", "{good}", "--layers", "784,30,10"],
     "--layers 784,30,10 does not match .*good.json, whose layers are "
     "784,10"),
    (["train", "--init", "{wrong_input}", "{data}"],
     "wrong-input.json: the input layer has 100 neurons"),
    (["train", "--data", "{missing}"], "missing.json: no MNIST directory"),
    (["evaluate", "{missing}"], "missing.json: No such file"),
    (["evaluate", "{damaged}"], "not a valid model file"),
    (["evaluate", "{wrong_input}", "{data}"],
     "the input layer has 100 neurons, the images have 784 pixels"),
    (["evaluate", "{wrong_output}", "{data}"],
     "the output layer has 4 neurons"),
    (["evaluate", "{good}", "--test-limit", "0"],
     "expected a whole number >= 1"),
    (["evaluate", "{good}", "--set", "train", "--test-limit", "5"],
     "--test-limit applies to --set test, not to --set train"),
    (["train", "--validation-limit", "5", "{data}"],
     "--validation-limit needs --validation"),
    (["predict", "{good}"],
     "one of the arguments --index --image --noise is required"),
    (["predict", "{good}", "--index", "1", "--noise"], "not allowed with"),
    (["predict", "{good}", "--index", "100", "{data}"],
     "--index 100 is out of range: the test set has 100 images \\(0..99\\)"),
    (["predict", "{wrong_input}", "--noise"],
     "the input layer has 100 neurons, the images have 784 pixels"),
    (["predict", "{good}", "--image", "{missing}"], "No such file"),
    (["predict", "{good}", "--image", "{not_image}"],
     "not a PNG or PGM file .*supported: PGM P2/P5 and PNG"),
    (["predict", "{good}", "--image", "{palette}"],
     "colour type 3 at bit depth 16 is not valid PNG; PNG allows"),
    # The one line names the drawing, as every other error about it does.
    (["predict", "{good}", "--image", "{blank}"],
     "error: .*blank.pgm: no digit found: the picture is blank"),
    (["train", "--data", "{good}"],
     "good.json: is a file, not a directory; give the folder that holds "
     "the four MNIST files"),
    (["train", "--save", "{good}/model.json"],
     "--save .*good.json/model.json: .*good.json is not a directory"),
]


@pytest.mark.parametrize("argv, message", BAD_INPUTS,
                         ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_exit_2(argv, message, small_models,
                                          tiny_mnist, capsys):
    names = dict(small_models, data=None)
    expanded = []
    for arg in argv:
        if arg == "{data}":
            expanded += ["--data", tiny_mnist]
        else:
            expanded.append(arg.format(**names) if arg.startswith("{")
                            else arg)
    assert main(expanded) == 2
    line = _one_error_line(capsys)
    import re
    assert re.search(message, line), line


@pytest.mark.parametrize("command", ["train", "evaluate", "predict"])
def test_help_shows_defaults(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--data DIR" in out
    if command == "train":
        for default in ("(default: 30)", "(default: 10)", "(default: 3.0)",
                        "(default: 0)", "784,30,10"):
            assert default in out
    else:
        assert "(default: test)" in out


# -- the real data: far above chance, pinned ------------------------------

def test_ci_sized_run_on_real_mnist_is_far_above_chance(tmp_path, capsys):
    # 2,000 training images, one epoch of the book's 784,30,10, eta 3.0,
    # tested on the first 500 test images.  Chance is 10% (50 / 500); the
    # binomial spread at chance is about 7, so >= 150 is beyond any luck.
    model = str(tmp_path / "m.json")
    log = str(tmp_path / "log.jsonl")
    assert main(["train", "--train-limit", "2000", "--test-limit", "500",
                 "--epochs", "1", "--save", model, "--log", log]) == 0
    record = json.loads(open(log).read())
    assert record["correct"] >= 150
    assert record["correct"] == PINNED_CORRECT



def test_step_size_and_its_alias_eta_are_one_flag():
    from purenn.cli import build_parser
    parser = build_parser()
    for flag in ("--step-size", "--eta"):
        args = parser.parse_args(["train", flag, "0.5"])
        assert args.step_size == 0.5
