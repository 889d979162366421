"""``--data``: one argument, one default, one loader for every command.

Every command that reads MNIST declares ``--data`` through
``purenn.arguments.add_data_argument`` (one help text), resolves its
default through ``purenn.io.mnist.data_directory`` and loads through
``purenn.cli.common``: the same wrong directory gives the same line from
each, and ``train --validation`` reads the training file once.
"""
import argparse

import pytest

from purenn.arguments import DATA_HELP
from purenn.cli import build_parser, main
from purenn.io import idx, mnist

from support import write_mnist


def _subcommands():
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    raise AssertionError("no subcommands")


def test_every_data_argument_is_the_one_declaration():
    found = {}
    for name, sub in _subcommands().items():
        for action in sub._actions:
            if "--data" in action.option_strings:
                found[name] = (action.help, action.default, action.metavar)
    assert sorted(found) == ["evaluate", "golden", "predict", "selftest",
                             "serve", "show", "train"]
    assert set(found.values()) == {(DATA_HELP, None, "DIR")}


def test_the_default_is_resolved_in_one_place():
    assert mnist.data_directory(None) == mnist.DEFAULT_DIRECTORY
    assert mnist.data_directory("elsewhere") == "elsewhere"


def _error_line(capsys):
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("kind, found", [
    ("missing", "no MNIST directory here"),
    # --data naming one of the files (train-images-idx3-ubyte.gz), not
    # the folder that holds them.
    ("file", "is a file, not a directory"),
])
def test_the_same_wrong_data_gives_the_same_line_from_every_command(
        tmp_path, capsys, kind, found):
    missing = str(tmp_path / "no-such-mnist")
    if kind == "file":
        with open(missing, "wb") as handle:
            handle.write(b"\x1f\x8b")
    model = str(tmp_path / "model.json")
    from purenn import Network
    Network([784, 10], seed=0).save(model)
    commands = {
        "train": ["train", "--epochs", "1"],
        "serve": ["serve", model, "--port", "0"],
        "serve --train": ["serve", model, "--port", "0", "--train"],
        "evaluate": ["evaluate", model],
        "predict": ["predict", model, "--index", "0"],
        "show": ["show", "--index", "0"],
        "golden": ["golden", "--out", str(tmp_path / "fixtures")],
    }
    lines = {}
    for name, argv in commands.items():
        assert main(argv + ["--data", missing]) == 2, name
        lines[name] = _error_line(capsys)
    assert set(lines.values()) == {
        "purenn: error: {}: {}; give the folder that holds the four MNIST "
        "files with --data DIR (scripts/fetch_mnist.py in the purenn source "
        "downloads them)".format(missing, found)}, lines


@pytest.fixture()
def small_split(tmp_path, monkeypatch):
    """200 training images split 150 / 50, so there is a validation set."""
    folder = write_mnist(tmp_path, 200, 20)
    monkeypatch.setattr(mnist, "TRAINING_SIZE", 150)
    return folder


def _opens_of_training_files(monkeypatch, argv):
    counts = {}
    real = idx.open_input

    def counting(name, what):
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        counts[base] = counts.get(base, 0) + 1
        return real(name, what)

    monkeypatch.setattr(idx, "open_input", counting)
    assert main(argv) == 0
    monkeypatch.setattr(idx, "open_input", real)
    return {base: count for base, count in counts.items()
            if base.startswith("train-")}


def test_validation_reads_the_training_files_once(small_split, monkeypatch,
                                                  capsys):
    argv = ["train", "--data", small_split, "--layers", "784,10",
            "--epochs", "1"]
    without = _opens_of_training_files(monkeypatch, argv)
    with_validation = _opens_of_training_files(monkeypatch,
                                               argv + ["--validation"])
    out = capsys.readouterr().out
    assert ", validation " in out and " / 50 (" in out, out
    # The header is read once and the rows once, with or without the
    # validation set (before: the rows of the training files twice).
    assert without == with_validation == {"train-images-idx3-ubyte": 2,
                                          "train-labels-idx1-ubyte": 2}


def test_load_sets_gives_what_load_set_gives(small_split):
    sets = mnist.load_sets(small_split, {"train": 100, "validation": None,
                                         "test": 7})
    assert sorted(sets) == ["test", "train", "validation"]
    for which, limit in (("train", 100), ("validation", None),
                         ("test", 7)):
        alone = mnist.load_set(small_split, which, limit)
        assert sets[which].images == alone.images
        assert sets[which].labels == alone.labels
    assert len(sets["validation"]) == 50


def test_row_ranges_are_read_in_one_pass_and_must_not_overlap(tmp_path):
    path = str(tmp_path / "rows.idx.gz")
    idx.write_idx(path, bytes(range(12)), shape=(6, 2))
    arrays, count = idx.read_idx_row_ranges(path, [(0, 2), (4, None)])
    assert count == 6
    assert [a.data for a in arrays] == [bytes([0, 1, 2, 3]),
                                        bytes([8, 9, 10, 11])]
    with pytest.raises(ValueError, match="in order and not overlap"):
        idx.read_idx_row_ranges(path, [(0, 3), (2, 4)])
