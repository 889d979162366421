"""Tests of ``purenn show``: text art of an MNIST image with its label."""
import os
import struct
import subprocess
import sys

from purenn.cli import main
from purenn.io.idx import write_idx
from purenn.io.png import read_png

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Regression value: `purenn show --index 0` (test set, image 0) as produced
# by render_text on the shipped t10k-images-idx3-ubyte.gz, trailing blanks
# stripped.  Image 0 of the MNIST test set is the well-known 7.
TEST_0 = [
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "            --##**++::..",
    "            %%@@@@@@@@@@################**::",
    "            ::==::==**%%@@%%@@@@@@@@%%@@@@++",
    "                        ::  ::::::::  @@@@==",
    "                                    --@@%%",
    "                                    @@@@--",
    "                                  ++@@@@..",
    "                                ::@@@@::",
    "                                ++@@##",
    "                                %%@@::",
    "                              ==@@##",
    "                            ::@@@@::",
    "                            %%@@**",
    "                          ##@@%%..",
    "                        ..@@@@--",
    "                      ..%%@@==",
    "                      ++@@@@::",
    "                    ::@@@@@@::",
    "                    ==@@@@%%..",
    "                    ==@@%%",
    "",
]


def test_show_default_set_is_test_and_shows_a_7(capsys):
    assert main(["show", "--index", "0"]) == 0
    out, err = capsys.readouterr()
    lines = out.split("\n")
    assert lines[0] == "test image 0: label 7"
    assert [line.rstrip() for line in lines[1:29]] == TEST_0
    assert all(len(line) == 56 for line in lines[1:29])
    assert lines[29:] == [""]
    assert err == ""


def test_show_training_image(capsys):
    assert main(["show", "--index", "0", "--set", "train"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("train image 0: label 5\n")
    assert len(out.split("\n")) == 30


def test_show_last_image_and_data_dir(tmp_path, capsys):
    pixels = bytes([0] * 784 + [255] * 784)
    write_idx(str(tmp_path / "t10k-images-idx3-ubyte.gz"), pixels,
              shape=(2, 28, 28))
    write_idx(str(tmp_path / "t10k-labels-idx1-ubyte.gz"), bytes([3, 9]))
    assert main(["show", "--index", "1", "--data", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert lines[0] == "test image 1: label 9"
    assert lines[1:29] == ["@" * 56] * 28


def test_show_index_out_of_range(capsys):
    assert main(["show", "--index", "10000"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("purenn: error: --index 10000 is out of range: the test "
                   "set has 10000 images, 0 to 9999\n")


def test_show_negative_index(capsys):
    assert main(["show", "--index", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("purenn: error: argument --index: expected a whole "
                          "number >= 0, got -1")
    assert err.count("\n") == 1


def test_show_missing_data_directory(tmp_path, capsys):
    missing = str(tmp_path / "nowhere")
    assert main(["show", "--index", "0", "--data", missing]) == 2
    err = capsys.readouterr().err
    # The one line names the folder, the flag and where to get the files.
    assert err == ("purenn: error: {}: no MNIST directory here; give the "
                   "folder that holds the four MNIST files with --data DIR "
                   "(scripts/fetch_mnist.py in the purenn source downloads "
                   "them)\n".format(missing))


def test_show_damaged_file_is_one_line_error(tmp_path, capsys):
    with open(str(tmp_path / "t10k-images-idx3-ubyte"), "wb") as f:
        f.write(b"\x00\x00\x08\x03\x00\x00")
    write_idx(str(tmp_path / "t10k-labels-idx1-ubyte"), bytes([1]))
    assert main(["show", "--index", "0", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("purenn: error: ")
    assert "file ends inside the header" in err
    assert err.count("\n") == 1


def test_show_from_another_working_directory(tmp_path):
    # The default data directory is found from the package, not the cwd.
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "purenn", "show", "--index", "0"],
        cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("test image 0: label 7\n")


def test_show_out_writes_the_digit_bytes(tmp_path, capsys):
    from purenn.io import mnist
    out = tmp_path / "digit.png"
    assert main(["show", "--index", "0", "--out", str(out)]) == 0
    capsys.readouterr()
    image = read_png(str(out))
    assert (image.width, image.height, image.mode) == (28, 28, "L")
    test = mnist.load_set(None, "test", limit=1)
    flat = bytes(value for row in image.rows for value in row)
    assert flat == test.pixels(0)
    # Independent check of the file's chunks: signature, CRCs, IHDR (grey).
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">IIBBBBB", data[16:29]) == (28, 28, 8, 0, 0, 0, 0)
