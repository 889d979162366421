"""Output paths checked before work, stale temporary files, the cost of a
model, the --zoom bound and the length of error lines (through main())."""
import json
import os
import time

import pytest

from purenn import Network
from purenn.cli import main
from purenn.io import fileio
from purenn.io.fileio import atomic_write, check_outputs
from support import REPO

MNIST = os.path.join(REPO, "purenn", "data", "mnist")
needs_mnist = pytest.mark.skipif(
    not os.path.exists(os.path.join(MNIST, "SHA256SUMS")),
    reason="the shipped MNIST files are not here")


def _error(capsys):
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("purenn: error: ")
    return err[len("purenn: error: "):].rstrip("\n")


@pytest.fixture
def model(tmp_path):
    path = str(tmp_path / "m.json")
    Network([784, 3, 10], seed=1).save(path)
    return path


def _cross_entropy_model(tmp_path, sizes=(784, 3, 10)):
    data = json.loads(Network(list(sizes), seed=1).to_json())
    data["cost"] = "CrossEntropyCost"
    path = str(tmp_path / "ce.json")
    with open(path, "w") as stream:
        json.dump(data, stream)
    return path


# -- output paths, before any work -----------------------------------------

def test_train_save_into_a_missing_directory_is_refused_first(tmp_path,
                                                              capsys,
                                                              monkeypatch):
    from purenn.io import mnist

    def no_data(*args, **kwargs):
        raise AssertionError("data loaded before the output was checked")
    monkeypatch.setattr(mnist, "load", no_data)
    status = main(["train", "--save", "nodir/m.json", "--epochs", "1"])
    assert status == 2
    assert _error(capsys) == \
        "--save nodir/m.json: directory nodir does not exist"


def test_save_and_log_must_differ(tmp_path, capsys):
    path = str(tmp_path / "x.json")
    assert main(["train", "--save", path, "--log",
                 str(tmp_path / "." / "x.json")]) == 2
    assert _error(capsys) == (
        "--save {} and --log {} are the same file: one would overwrite the "
        "other".format(path, str(tmp_path / "." / "x.json")))


def test_log_may_not_overwrite_the_init_model(model, capsys):
    assert main(["train", "--init", model, "--log", model]) == 2
    assert "--log {} and --init {} are the same file".format(
        model, model) in _error(capsys)


def test_an_existing_file_is_compared_by_identity(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("{}")
    link = tmp_path / "b.json"
    try:
        os.symlink(str(target), str(link))
    except (OSError, NotImplementedError):
        pytest.skip("no symlinks here")
    with pytest.raises(ValueError, match="are the same file"):
        check_outputs([("--save", str(target)), ("--log", str(link))])


@pytest.mark.parametrize("argv_of", [
    lambda m, out: ["weights", m, "--out", out],
    lambda m, out: ["plot", m, "--out", out],
    lambda m, out: ["show", "--index", "0", "--out", out],
    lambda m, out: ["train", "--log", out],
])
def test_every_output_option_is_checked(tmp_path, model, capsys, argv_of):
    out = str(tmp_path)   # a directory
    assert main(argv_of(model, out)) == 2
    assert _error(capsys).endswith(
        "{}: is a directory, expected a file name".format(out))


def test_weights_and_plot_never_overwrite_their_input(model, capsys):
    assert main(["weights", model, "--out", model]) == 2
    assert "are the same file" in _error(capsys)
    assert main(["plot", model, "--out", model]) == 2
    assert "are the same file" in _error(capsys)


def test_a_special_file_is_not_replaced(capsys):
    if not os.path.exists(os.devnull) or os.name != "posix":
        pytest.skip("no /dev/null")
    assert check_outputs([("--out", None)]) is None
    with pytest.raises(ValueError, match="exists and is not a regular file"):
        check_outputs([("--out", os.devnull)])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write in any directory")
def test_a_read_only_directory_is_refused(tmp_path):
    os.chmod(str(tmp_path), 0o500)
    try:
        with pytest.raises(ValueError, match="is not writable"):
            check_outputs([("--save", str(tmp_path / "m.json"))])
    finally:
        os.chmod(str(tmp_path), 0o700)


def test_a_failed_write_names_the_target_not_the_temporary(tmp_path):
    path = str(tmp_path / "missing" / "m.json")
    with pytest.raises(OSError) as caught:
        atomic_write(path, b"x")
    assert caught.value.filename == path


# -- stale temporary files --------------------------------------------------

def test_stale_temporaries_of_this_target_are_removed(tmp_path):
    old = time.time() - 3600
    names = {
        ".m.json.abcd_123.tmp": False,     # ours, stale: removed
        ".m.json.ABCD1234.tmp": True,      # not mkstemp's alphabet
        ".m.json.abc.tmp": True,           # wrong length
        ".other.json.abcd1234.tmp": True,  # another target's
        "m.json.abcd1234.tmp": True,       # no leading dot
        ".m.json.abcd1234.tmp.bak": True,  # the user's
    }
    for name in names:
        (tmp_path / name).write_bytes(b"partial")
        os.utime(str(tmp_path / name), (old, old))
    fresh = tmp_path / ".m.json.zzzz9999.tmp"   # newer than this process
    fresh.write_bytes(b"in progress")
    atomic_write(str(tmp_path / "m.json"), b"{}")
    left = set(os.listdir(str(tmp_path)))
    for name, kept in names.items():
        assert (name in left) == kept, name
    assert fresh.name in left and "m.json" in left


def test_the_process_start_is_the_cut_off():
    assert fileio._STARTED <= time.time()


# -- costs ------------------------------------------------------------------

@pytest.mark.parametrize("argv, action", [
    (["train", "--init", "{model}", "--epochs", "1"], "train"),
    (["trace", "{model}", "--input", "0.5,0.5", "--target", "1"], "trace"),
    (["gradcheck", "{model}"], "check the gradients of"),
])
def test_other_costs_are_refused_for_training_and_gradients(tmp_path, capsys,
                                                            argv, action):
    path = _cross_entropy_model(tmp_path, sizes=(2, 2, 1))
    assert main([part.format(model=path) for part in argv]) == 2
    assert _error(capsys) == (
        "{}: the model's cost is CrossEntropyCost; purenn can {} only models "
        "with QuadraticCost (predict and evaluate do not use the cost and "
        "accept it)".format(path, action))


def test_a_cross_entropy_model_still_predicts(tmp_path, capsys):
    path = _cross_entropy_model(tmp_path)
    assert main(["predict", "--noise", path]) == 0
    assert "predicted class:" in capsys.readouterr().out


def test_an_unknown_cost_is_one_error(tmp_path, capsys):
    path = _cross_entropy_model(tmp_path)
    with open(path) as stream:
        data = json.load(stream)
    data["cost"] = "FooCost"
    with open(path, "w") as stream:   # closed, so written on PyPy too
        json.dump(data, stream)
    assert main(["predict", "--noise", path]) == 2
    assert _error(capsys) == (
        "{}: cost 'FooCost' is not one of network2.py's costs "
        "(QuadraticCost, CrossEntropyCost)".format(path))


# -- weights --zoom ---------------------------------------------------------

def test_weights_zoom_is_bounded(tmp_path, model, capsys):
    out = str(tmp_path / "w.png")
    # 3 neurons: a 2x2 grid of 28x28 tiles, (2*29+1) = 59 pixels a side.
    assert main(["weights", model, "--out", out, "--zoom", "1000"]) == 2
    assert _error(capsys) == (
        "--zoom 1000: the picture would be 59000x59000 pixels, more than the "
        "limit of 4,000,000; use --zoom 33 or less")
    assert not os.path.exists(out)
    # The largest zoom named is the largest that fits (59 * 33 = 1947).
    from purenn.io.pictures import MAX_PICTURE_PIXELS, picture_size
    assert picture_size(3, 784, 33) == (1947, 1947)
    assert 1947 ** 2 <= MAX_PICTURE_PIXELS < (59 * 34) ** 2


# -- error lines ------------------------------------------------------------

def test_long_errors_are_cut_and_say_so(capsys):
    assert main(["gradcheck", "--input", "x" * 5000]) == 2
    message = _error(capsys)
    assert len(message) < 340
    assert "characters cut ...]" in message
    assert message.startswith("argument --input: expected comma-separated")
    assert message.endswith("(see 'purenn gradcheck --help')")


def test_a_missing_selftest_directory_fails(tmp_path, capsys):
    assert main(["selftest", "--data", str(tmp_path / "typo")]) == 1
    assert "no such directory" in capsys.readouterr().out


# -- plot reads --log files with the model files' discipline -----------------

@pytest.mark.parametrize("line, message", [
    ('{"epoch": 0, "correct": 1' + "0" * 400 + ', "total": 2}',
     r"line 1 is not JSON: an integer of 401 digits"),
    ("[" * 100000, r"line 1 is not JSON: JSON nested deeper than 16 levels"),
    ('{"epoch": 0, "correct": NaN, "total": 2}',
     r"line 1 is not JSON: non-finite number NaN"),
    ('{"epoch": 0, "correct": "' + "x" * 10000 + '", "total": 2}',
     r"line 1: correct should be a whole number >= 0, found 'xxx"),
])
def test_hostile_log_lines_give_one_short_error(tmp_path, capsys, line,
                                                message):
    import re
    log = tmp_path / "train.log"
    log.write_text(line + "\n")
    assert main(["plot", str(log), "--out", str(tmp_path / "a.svg")]) == 2
    error = _error(capsys)
    assert re.search(message, error), error
    assert len(error) <= 340


def test_a_log_larger_than_the_limit_is_not_read(tmp_path, capsys,
                                                 monkeypatch):
    from purenn.io import trainlog
    monkeypatch.setattr(trainlog, "MAX_LOG_BYTES", 10)
    log = tmp_path / "train.log"
    log.write_text('{"epoch": 0, "correct": 1, "total": 2}\n')
    assert main(["plot", str(log), "--out", str(tmp_path / "a.svg")]) == 2
    assert _error(capsys) == "{}: larger than 10 bytes, too large for a " \
        "log file".format(log)
