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
    from purenn.drawing.pictures import MAX_PICTURE_PIXELS, picture_size
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


# -- issue 22: every input bounded, outputs never over inputs ---------------
#
# The hostile files are made here, small on disk: gzip bombs through
# scripts/fuzz.py's gzip_zeros (deflate blocks of zeros repeated, never
# holding the zeros), FIFOs with os.mkfifo.

import signal  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import xml.dom.minidom  # noqa: E402

from support import needs_tracemalloc, tracemalloc, write_mnist  # noqa: E402

sys.path.insert(0, os.path.join(REPO, "scripts"))
import fuzz  # noqa: E402  (scripts/fuzz.py: gzip_zeros, the pairs)

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"),
                                reason="no FIFOs here")


def _bomb_directory(tmp_path, count, present, stem="t10k"):
    """A data directory whose ``stem`` files declare ``count`` images with
    ``present`` of them there (zeros), gzip-compressed."""
    folder = tmp_path / "bomb"
    folder.mkdir()
    write_mnist(folder, 5, 5)
    for name in os.listdir(str(folder)):
        if name.startswith(stem):
            os.remove(str(folder / name))
    head = struct.pack(">2sBBIII", b"\x00\x00", 8, 3, count, 28, 28)
    (folder / (stem + "-images-idx3-ubyte.gz")).write_bytes(
        fuzz.gzip_zeros(head, present * 784))
    (folder / (stem + "-labels-idx1-ubyte.gz")).write_bytes(
        fuzz.gzip_zeros(struct.pack(">2sBBI", b"\x00\x00", 8, 1, count),
                        present))
    return str(folder)


def _peak(function):
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_2_mb_bomb_of_2_7_million_images_is_refused_from_its_header(
        tmp_path, capsys):
    # The file: 2,739,000 images of zeros, all there (2.1 GB).
    data = _bomb_directory(tmp_path, 2739000, 2739000)
    assert os.path.getsize(os.path.join(
        data, "t10k-images-idx3-ubyte.gz")) < 3 * 1024 * 1024
    start = time.time()
    assert main(["show", "--index", "0", "--data", data]) == 2
    assert time.time() - start < 5
    assert _error(capsys).endswith(
        "t10k-images-idx3-ubyte.gz: 2739000 images, more than the 131072 "
        "an MNIST file may hold here")


@needs_tracemalloc
def test_show_index_0_holds_one_image_of_a_large_file(tmp_path, capsys):
    # 131,072 images (103 MB of zeros): allowed, read through, one kept.
    data = _bomb_directory(tmp_path, 131072, 131072)
    status, peak = _peak(lambda: main(["show", "--index", "0", "--data",
                                       data]))
    assert status == 0, capsys.readouterr().err
    assert "test image 0: label 0" in capsys.readouterr().out
    assert peak < 8 * 1024 * 1024     # chunks of 1 MiB, never the file


def test_a_gzip_header_that_declares_more_than_deflate_can_hold(tmp_path,
                                                                capsys):
    data = _bomb_directory(tmp_path, 131072, 3)
    assert main(["show", "--index", "0", "--data", data]) == 2
    message = _error(capsys)
    assert "header declares 102760448 data bytes, more than a gzip file of" \
        in message, message
    assert message.endswith("(deflate expands at most 1032:1)")


def test_a_cut_gzip_bomb_is_truncated_whichever_image_is_asked(tmp_path,
                                                               capsys):
    data = _bomb_directory(tmp_path, 60000, 59990)
    assert main(["show", "--index", "0", "--data", data]) == 2
    message = _error(capsys)
    assert "truncated: the header declares" in message, message


def test_read_idx_rows_keeps_only_the_rows_asked_and_checks_the_rest(
        tmp_path):
    from purenn.io.idx import IdxError, read_idx_rows, write_idx
    for name in ("a.idx", "a.idx.gz"):
        path = str(tmp_path / name)
        write_idx(path, bytes(range(12)), shape=(4, 3))
        rows = read_idx_rows(path, 1, 3)
        assert rows.count == 4
        assert rows.array.shape == (2, 3)
        assert rows.array.data == bytes(range(3, 9))
        assert read_idx_rows(path, 3, 99).array.shape == (1, 3)
    # Bytes after the declared data are found even when row 0 is asked.
    path = str(tmp_path / "long.gz")
    import gzip
    with gzip.open(path, "wb") as stream:
        stream.write(struct.pack(">2sBBI", b"\x00\x00", 8, 1, 2) + b"\x01" * 9)
    with pytest.raises(IdxError, match="left over"):
        read_idx_rows(path, 0, 1)


def test_checksums_name_only_the_data_sets_files(tmp_path):
    from purenn.io import mnist
    folder = write_mnist(tmp_path, 5, 5)
    for name in ("/dev/zero", "../m.json", "SHA256SUMS", "x/../SHA256SUMS"):
        (tmp_path / "SHA256SUMS").write_text("0" * 64 + "  " + name + "\n")
        with pytest.raises(mnist.MnistError,
                           match="expected one of the four MNIST file names"):
            mnist.verify_checksums(folder)


def test_a_huge_checksum_file_is_refused_unread(tmp_path):
    from purenn.io import mnist
    write_mnist(tmp_path, 5, 5)
    (tmp_path / "SHA256SUMS").write_text(
        ("0" * 64 + "  t10k-labels-idx1-ubyte\n") * 10000)
    with pytest.raises(mnist.MnistError, match="larger than 65536 bytes"):
        mnist.verify_checksums(str(tmp_path))


@needs_tracemalloc
def test_a_model_padded_with_empty_lists_is_refused_before_parsing(
        tmp_path, capsys):
    text = open(os.path.join(REPO, "purenn", "data", "models",
                             "mnist-784-30-10.json")).read()
    path = str(tmp_path / "junk.json")
    with open(path, "w") as stream:
        stream.write('{"junk": [' + "[]," * (4 << 20) + "[]], "
                     + text.lstrip()[1:])
    status, peak = _peak(lambda: main(["predict", path, "--noise"]))
    assert status == 2
    assert "would take about" in _error(capsys)
    # The file read as bytes, then as text: refused from a count of its
    # brackets, never the 21 times its size parsing would take.
    assert peak < 3 * os.path.getsize(path)


def test_parse_cost_is_close_to_what_json_builds():
    from purenn.io.bounded import parse_cost
    # A purenn model costs under twice its text; [] 18 times.
    text = json.dumps({"w": [[0.1234567890123 * i for i in range(100)]
                             for _ in range(10)]})
    assert parse_cost(text) < 2 * len(text)
    assert parse_cost(json.dumps([[]] * 1000)) > 16 * 4000


# -- only regular files ----------------------------------------------------

class _Alarm(BaseException):
    pass


def _alarm(signum, frame):
    raise _Alarm("a reader blocked on a FIFO")


@pytest.fixture
def fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = str(tmp_path / "fifo")
    os.mkfifo(path)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(10)
    yield path
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("argv_of", [
    lambda f, m, t: ["predict", "--noise", f],
    lambda f, m, t: ["plot", f, "--out", str(t / "o.svg")],
    lambda f, m, t: ["predict", "--image", f, m],
    lambda f, m, t: ["gradcheck", f],
    lambda f, m, t: ["trace", f, "--input", "0.5", "--target", "1"],
])
def test_a_fifo_as_input_is_one_line(fifo, model, tmp_path, capsys, argv_of):
    assert main(argv_of(fifo, model, tmp_path)) == 2
    assert "{}: is a FIFO (named pipe), expected ".format(fifo) in \
        _error(capsys)


@pytest.mark.parametrize("which", ["t10k-images-idx3-ubyte", "SHA256SUMS"])
def test_a_fifo_in_the_data_directory_is_one_line(fifo, tmp_path, capsys,
                                                  which):
    folder = tmp_path / "data"
    folder.mkdir()
    write_mnist(folder, 5, 5)
    (folder / "SHA256SUMS").write_text("0" * 64 + "  " + which + "\n")
    os.remove(str(folder / which))
    os.symlink(fifo, str(folder / which))
    if which == "SHA256SUMS":
        from purenn.io import mnist
        with pytest.raises(ValueError, match="is a FIFO"):
            mnist.verify_checksums(str(folder))
    else:
        assert main(["show", "--index", "0", "--data", str(folder)]) == 2
        assert "is a FIFO (named pipe), expected an IDX file" in \
            _error(capsys)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_as_a_model_is_one_line(capsys):
    assert main(["predict", "--noise", "/dev/zero"]) == 2
    assert _error(capsys) == ("/dev/zero: is a character device, expected a "
                              "model file (a regular file)")


def test_the_fifo_check_is_on_the_opened_descriptor(tmp_path, monkeypatch):
    # A name swapped for a FIFO between the stat and the open is still
    # caught: the descriptor is checked with fstat.
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    regular = tmp_path / "r"
    regular.write_bytes(b"x")
    fifo_path = str(tmp_path / "f")
    os.mkfifo(fifo_path)
    monkeypatch.setattr(fileio, "check_input", lambda path, what: None)
    with pytest.raises(fileio.InputError, match="is a FIFO"):
        fileio.open_input(fifo_path, "a file")


# -- outputs never over inputs ----------------------------------------------

def test_every_output_over_every_input_is_refused_unchanged(tmp_path):
    seeds = tmp_path / "seed"
    seeds.mkdir()
    paths = fuzz.seed_files(str(seeds))
    work = tmp_path / "work"
    work.mkdir()
    pairs = fuzz.output_over_input_pairs(paths, str(work))
    # 4 data files x 3 options, 3 more (trace writes no file: its old pair
    # only ever met argparse's 'unrecognized arguments')
    assert len(pairs) == 4 * 3 + 3
    checked = 0
    for what, argv, target in pairs:
        for how in ("name", "symlink", "hardlink"):
            out = target
            if how != "name":
                out = str(work / "alias")
                if os.path.lexists(out):
                    os.remove(out)
                try:
                    (os.symlink if how == "symlink" else os.link)(target, out)
                except (OSError, NotImplementedError, AttributeError):
                    continue
            with open(target, "rb") as stream:
                before = stream.read()
            problem = fuzz.run_argv(argv + [out],
                                    check=lambda status: None if status == 2
                                    else "exit {}".format(status))
            assert problem is None, (what, how, problem)
            with open(target, "rb") as stream:
                assert stream.read() == before, (what, how)
            checked += 1
    assert checked >= len(pairs)


def test_show_out_over_the_test_set_says_which_files(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    write_mnist(folder, 5, 5)
    target = str(folder / "t10k-images-idx3-ubyte")
    assert main(["show", "--index", "0", "--data", str(folder), "--out",
                 target]) == 2
    assert _error(capsys) == (
        "--out {0} and data file {0} are the same file: refusing to write "
        "over a file this command reads".format(target))


# -- paths proven writable before work ---------------------------------------

def _no_training(monkeypatch):
    from purenn.io import mnist

    def refuse(*args, **kwargs):
        raise AssertionError("data loaded before the outputs were checked")
    monkeypatch.setattr(mnist, "load_set", refuse)


def test_a_save_name_too_long_for_its_temporary_fails_first(tmp_path, capsys,
                                                           monkeypatch):
    _no_training(monkeypatch)
    path = str(tmp_path / ("m" * 250))
    assert main(["train", "--save", path, "--epochs", "1"]) == 2
    message = _error(capsys)
    assert message.startswith("--save {}".format(path[:100]))
    assert message.endswith("cannot be written: File name too long (making "
                            "its temporary file .{}.XXXXXXXX.tmp)".format(
                                "m" * 250)[-60:])
    assert os.listdir(str(tmp_path)) == []


def test_the_probe_leaves_nothing_behind(tmp_path):
    check_outputs([("--save", str(tmp_path / "m.json"))])
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="no user ids here")
def test_a_file_of_another_user_in_a_sticky_directory(tmp_path, monkeypatch,
                                                      capsys):
    _no_training(monkeypatch)
    folder = tmp_path / "sticky"
    folder.mkdir()
    os.chmod(str(folder), 0o1777)
    target = folder / "m.json"
    target.write_text("{}")
    os.chmod(str(target), 0o666)
    me = os.geteuid()
    # Pretend to be a user owning neither the directory nor the file.
    monkeypatch.setattr(os, "geteuid", lambda: me + 4242)
    assert main(["train", "--save", str(target), "--epochs", "1"]) == 2
    assert _error(capsys).endswith(
        "belongs to another user in the sticky directory {}, so it cannot "
        "be replaced".format(str(folder)))


def test_a_read_only_file_system_fails_at_the_probe(tmp_path, monkeypatch):
    import errno
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(ValueError, match="cannot be written: Read-only file "
                                         "system"):
        check_outputs([("--log", str(tmp_path / "l.jsonl"))])


# -- the small things -------------------------------------------------------

def test_gradcheck_on_weights_near_1e308_is_one_line(tmp_path, capsys):
    net = Network([2, 3, 2], seed=1)
    net.w[1][0][0] = 1e308
    path = str(tmp_path / "huge.json")
    net.save(path)
    assert main(["gradcheck", path]) == 2
    assert _error(capsys) == (
        "w[1][0][0]: 1e+308 is too large for a finite-difference check: "
        "1e+308 +- h (h = 1e-05) round to the same number")


def test_control_characters_in_a_plot_title_give_well_formed_xml(tmp_path):
    log = tmp_path / "l.jsonl"
    log.write_text('{"epoch": 0, "correct": 9, "total": 10}\n')
    out = str(tmp_path / "p.svg")
    assert main(["plot", str(log), "--out", out,
                 "--title", "a\x01b\x1b[31m\ufffe"]) == 0
    document = xml.dom.minidom.parse(out)
    title = document.getElementsByTagName("title")[0].firstChild.data
    assert title == "a\ufffdb\ufffd[31m\ufffd"


@pytest.mark.parametrize("interrupt", ["before the write", "after the write"])
def test_ctrl_c_in_the_log_write_names_what_the_file_holds(
        tmp_path, monkeypatch, capsys, interrupt):
    from purenn.io import trainlog
    folder = tmp_path / "data"
    folder.mkdir()
    write_mnist(folder, 20, 5)
    log = str(tmp_path / "y.jsonl")
    real = trainlog.write_log

    def write_log(path, lines):
        if len(lines) == 3 and interrupt == "before the write":
            raise KeyboardInterrupt
        real(path, lines)
        if len(lines) == 3:
            raise KeyboardInterrupt
    monkeypatch.setattr(trainlog, "write_log", write_log)
    status = main(["train", "--data", str(folder), "--layers", "784,2,10",
                   "--epochs", "5", "--log", log])
    assert status == 130
    held = len([line for line in open(log).read().splitlines() if line])
    err = capsys.readouterr().err
    assert held == (2 if interrupt == "before the write" else 3)
    assert "{} has epochs 0-{}".format(log, held - 1) in err, err


# -- the CPU budget of images ------------------------------------------------

def _png_header_only(width, height, colour, depth):
    import zlib
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth,
                                         colour, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x04" * 1000))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("size, message", [
    # The 134 KB file: 134 MB of Paeth rows, 141 s before.
    ((8192, 2048, 6, 16), "this reader decodes in its time budget"),
    ((2049, 1024, 6, 16), "this reader decodes in its time budget"),
    ((4097, 4096, 0, 8), "larger than this reader accepts"),
])
def test_an_image_beyond_the_cpu_budget_is_refused_at_its_header(
        tmp_path, capsys, model, size, message):
    path = tmp_path / "big.png"
    path.write_bytes(_png_header_only(*size))
    start = time.time()
    assert main(["predict", "--image", str(path), model]) == 2
    assert time.time() - start < 2
    assert message in _error(capsys)


def test_a_p5_beyond_the_cpu_budget_is_refused(tmp_path, capsys, model):
    path = tmp_path / "big.pgm"
    path.write_bytes(b"P5\n4096 4096\n65535\n")
    assert main(["predict", "--image", str(path), model]) == 2
    assert "decoded in the time budget" in _error(capsys)


@pytest.mark.parametrize("how", ["hardlink", "symlink"])
def test_golden_out_never_writes_over_a_data_file(tmp_path, capsys, how):
    folder = tmp_path / "data"
    folder.mkdir()
    write_mnist(folder, 5, 5)
    out = tmp_path / "out"
    out.mkdir()
    target = str(folder / "t10k-labels-idx1-ubyte")
    before = open(target, "rb").read()
    alias = str(out / "primer-1-1-1.json")
    try:
        (os.link if how == "hardlink" else os.symlink)(target, alias)
    except (OSError, NotImplementedError, AttributeError):
        pytest.skip("no {}s here".format(how))
    assert main(["golden", "--out", str(out), "--cases", "primer-1-1-1",
                 "--data", str(folder)]) == 2
    assert _error(capsys) == (
        "--out {} and data file {} are the same file: refusing to write "
        "over a file this command reads".format(alias, target))
    assert open(target, "rb").read() == before


def test_data_inside_a_zip_is_read_and_the_zip_never_overwritten(tmp_path,
                                                                  capsys):
    # As in purenn.pyz: the data directory is a folder inside an archive.
    import zipfile
    folder = tmp_path / "plain"
    folder.mkdir()
    write_mnist(folder, 5, 5)
    archive = str(tmp_path / "data.zip")
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in os.listdir(str(folder)):
            bundle.write(str(folder / name), "mnist/" + name)
    inside = os.path.join(archive, "mnist")
    assert main(["show", "--index", "3", "--data", inside]) == 0
    assert capsys.readouterr().out.startswith("test image 3: label ")
    before = open(archive, "rb").read()
    assert main(["show", "--index", "0", "--data", inside, "--out",
                 archive]) == 2
    assert _error(capsys) == (
        "--out {0} and data file {0} are the same file: refusing to write "
        "over a file this command reads".format(archive))
    assert open(archive, "rb").read() == before
