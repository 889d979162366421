"""purenn.pyz (scripts/build_pyz.py, purenn pack): one file that runs every
command.

The archive is built once, copied alone into an empty directory, and run
from there by this interpreter with ``-I`` (no PYTHONPATH, no user site, the
working directory not on sys.path), so nothing of the checkout can help it.
The suite runs under every CPython 3.6-3.13 and PyPy in CI, so these tests
do too.
"""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
import zipfile

import pytest

from support import REPO, load_script

build_pyz = load_script("build_pyz")

HAVE_DATA = os.path.isfile(os.path.join(REPO, "purenn", "data", "mnist",
                                        "SHA256SUMS"))
needs_data = pytest.mark.skipif(not HAVE_DATA,
                                reason="no purenn/data/mnist in this checkout")

# The floor: purenn.pyz is at most 13 MB, read as the stricter
# 13,000,000 bytes (about 12.9 MB today; docs/install.md).
MAX_BYTES = 13000000


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    """An otherwise empty directory holding only purenn.pyz."""
    built = str(tmp_path_factory.mktemp("build") / "purenn.pyz")
    build_pyz.build(built)
    folder = tmp_path_factory.mktemp("alone")
    shutil.copy(built, str(folder / "purenn.pyz"))
    return str(folder)


def run(folder, *args, **kwargs):
    """Run ``python -I purenn.pyz ARGS`` in ``folder``; return the result."""
    return subprocess.run(
        [sys.executable, "-I", "purenn.pyz"] + list(args), cwd=folder,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True, timeout=kwargs.get("timeout", 300))


def test_build_is_reproducible_and_small(tmp_path):
    first, second = str(tmp_path / "a.pyz"), str(tmp_path / "b.pyz")
    digest = build_pyz.build(first)
    os.utime(os.path.join(REPO, "purenn", "matrix.py"))  # a new mtime
    assert build_pyz.build(second) == digest
    with open(first, "rb") as a, open(second, "rb") as b:
        assert a.read() == b.read()
    with open(first, "rb") as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == digest
        stream.seek(0)
        assert stream.readline() == b"#!/usr/bin/env python3\n"
    assert os.path.getsize(first) <= MAX_BYTES
    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
        # purenn.pack writes the zip itself: every member's CRC and sizes
        # must read back as zipfile checks them.
        assert archive.testzip() is None
    names = [info.filename for info in infos]
    assert names[0] == "__main__.py" and names[1:] == sorted(names[1:])
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    kinds = {info.filename: info.compress_type for info in infos}
    if HAVE_DATA:
        assert kinds["purenn/data/mnist/train-images-idx3-ubyte.gz"] == \
            zipfile.ZIP_STORED
        assert kinds["purenn/data/golden/mnist-784-30-10.json"] == \
            zipfile.ZIP_DEFLATED
        assert "purenn/data/models/mnist-784-30-10.json" in kinds
    assert kinds["purenn/classroom/static/index.html"] == zipfile.ZIP_DEFLATED
    assert not [name for name in names if "__pycache__" in name
                or name.endswith(".pyc")]


def test_version_and_help(alone):
    import purenn
    result = run(alone, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "purenn " + purenn.__version__


@needs_data
def test_train_from_an_empty_directory(alone):
    result = run(alone, "train", "--epochs", "1", "--train-limit", "2000")
    assert result.returncode == 0, result.stderr
    assert re.search(r"Epoch 0: \d+ / 10000", result.stdout)
    assert os.listdir(alone) == ["purenn.pyz"]  # nothing written beside it


@needs_data
def test_selftest_checks_the_archived_checksums(alone):
    result = run(alone, "selftest")
    assert result.returncode == 0, result.stdout + result.stderr
    line = [line for line in result.stdout.splitlines()
            if "MNIST checksums" in line][0]
    assert line.startswith("ok")
    assert os.path.join("purenn.pyz", "purenn", "data", "mnist") in line
    assert "0 skipped" in result.stdout


@needs_data
def test_example_golden_and_compare(alone, tmp_path):
    result = run(alone, "example")
    assert result.returncode == 0, result.stderr
    assert "updated_cost" in result.stdout
    out = str(tmp_path / "fixtures")
    os.mkdir(out)
    result = run(alone, "golden", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "mnist-784-30-10.json" in os.listdir(out)
    result = run(alone, "compare", out, out)
    assert result.returncode == 0, result.stdout + result.stderr
    # The fixtures the archive writes are the ones it carries.
    with zipfile.ZipFile(os.path.join(alone, "purenn.pyz")) as archive:
        shipped = archive.read("purenn/data/golden/primer-1-1-1.json")
    with open(os.path.join(out, "primer-1-1-1.json"), "rb") as stream:
        assert stream.read() == shipped


def test_predict_with_the_model_inside_the_archive(alone, tmp_path):
    # docs/install.md: a drawing against the shipped model, pyz alone.
    image = str(tmp_path / "seven.png")
    with zipfile.ZipFile(os.path.join(alone, "purenn.pyz")) as archive:
        with open(image, "wb") as stream:
            stream.write(archive.read("purenn/data/examples/seven.png"))
    model = os.path.join("purenn.pyz", "purenn", "data", "models",
                         "mnist-784-30-10.json")
    result = run(alone, "predict", model, "--image", image)
    assert result.returncode == 0, result.stderr
    assert "predicted class: 7" in result.stdout


def test_compare_reads_the_fixtures_inside_the_archive(alone, tmp_path):
    # README: "or use the shipped purenn/data/golden/": with only the pyz,
    # they are named through it, as a model or the MNIST files can be.
    shipped = os.path.join("purenn.pyz", "purenn", "data", "golden")
    out = str(tmp_path / "fixtures")
    os.mkdir(out)
    assert run(alone, "golden", "--out", out).returncode == 0
    for expected, actual in [
            (os.path.join(shipped, "primer-1-1-1.json"),
             os.path.join(out, "primer-1-1-1.json")),
            (shipped, out)]:
        result = run(alone, "compare", expected, actual)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "IDENTICAL" in result.stdout
    result = run(alone, "compare", os.path.join(shipped, "nope.json"),
                 os.path.join(out, "primer-1-1-1.json"))
    assert result.returncode == 2
    assert result.stderr == (
        "purenn: error: EXPECTED {}: no such file or directory\n".format(
            os.path.join(shipped, "nope.json")))


@needs_data
def test_serve_answers_static_files_from_the_archive(alone):
    server = subprocess.Popen(
        [sys.executable, "-I", "purenn.pyz", "serve", "--port", "0"],
        cwd=alone, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True)
    try:
        line = server.stdout.readline()
        match = re.search(r"at (http://\S+)", line)
        assert match, line + server.stderr.read()
        url = match.group(1).rstrip("/")
        with urllib.request.urlopen(url + "/app.js", timeout=30) as answer:
            body = answer.read()
        path = os.path.join(REPO, "purenn", "classroom", "static", "app.js")
        with open(path, "rb") as stream:
            assert body == stream.read()
        with urllib.request.urlopen(url + "/api/model", timeout=30) as answer:
            assert b"784" in answer.read()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()


def test_missing_data_says_how_to_get_it(tmp_path):
    """A pyz built without data/mnist says to rebuild from a full checkout."""
    package = str(tmp_path / "src" / "purenn")
    shutil.copytree(os.path.join(REPO, "purenn"), package,
                    ignore=shutil.ignore_patterns("__pycache__", "mnist"))
    folder = tmp_path / "alone"
    folder.mkdir()
    build_pyz.build(str(folder / "purenn.pyz"), package=package)
    result = run(str(folder), "train", "--epochs", "1")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("purenn: error: no MNIST data: ")
    assert "holds no purenn/data/mnist" in result.stderr
    assert "scripts/build_pyz.py" in result.stderr
    result = run(str(folder), "selftest")
    assert "SKIP" in result.stdout or "skip" in result.stdout


@needs_data
def test_the_other_commands_run_from_the_archive(alone, tmp_path):
    """evaluate, predict --image, show, trace, gradcheck, weights, plot."""
    out = str(tmp_path)
    model = os.path.join(out, "model.json")
    log = os.path.join(out, "log.jsonl")
    small = os.path.join(out, "small.json")
    image = os.path.join(out, "seven.png")
    with zipfile.ZipFile(os.path.join(alone, "purenn.pyz")) as archive:
        with open(image, "wb") as stream:
            stream.write(archive.read("purenn/data/examples/seven.png"))
    commands = [
        ["train", "--epochs", "1", "--train-limit", "200", "--test-limit",
         "100", "--save", model, "--log", log],
        ["evaluate", model, "--test-limit", "100"],
        ["predict", model, "--image", image],
        ["show", "--index", "0"],
        ["example", "--network", "demo", "--save", small],
        ["trace", small, "--input", "0.5,0.25", "--target", "1,0"],
        ["gradcheck", small],
        ["weights", model, "--out", os.path.join(out, "w.png")],
        ["plot", log, "--out", os.path.join(out, "plot.svg")],
    ]
    for command in commands:
        result = run(alone, *command)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout, command
    assert "predicted class" in run(alone, "predict", model, "--image",
                                    image).stdout
    assert sorted(os.listdir(alone)) == ["purenn.pyz"]


def test_resources_read_through_an_archive(tmp_path):
    """purenn.resources: a path through a zip is the member it names."""
    import gzip
    from purenn import resources
    archive = str(tmp_path / "a.pyz")
    payload = gzip.compress(bytes(range(256)) * 40)
    with open(archive, "wb") as stream:
        stream.write(b"#!/usr/bin/env python3\n")  # as zipapp writes
        with zipfile.ZipFile(stream, "w") as zipped:
            zipped.writestr("pkg/data/x.gz", payload, zipfile.ZIP_STORED)
            zipped.writestr("pkg/data/y.json", b'{"a": 1}' * 100,
                            zipfile.ZIP_DEFLATED)
    inside = os.path.join(archive, "pkg", "data")
    assert resources.split_archive(os.path.join(inside, "x.gz")) == (
        os.path.abspath(archive), "pkg/data/x.gz")
    assert resources.isdir(inside) and not resources.isfile(inside)
    assert resources.isfile(os.path.join(inside, "x.gz"))
    assert not resources.exists(os.path.join(inside, "z"))
    assert resources.listdir(inside) == ["x.gz", "y.json"]
    assert resources.listdir(os.path.join(archive, "pkg")) == ["data"]
    for name, expected in (("x.gz", payload), ("y.json", b'{"a": 1}' * 100)):
        with resources.open_binary(os.path.join(inside, name)) as stream:
            assert resources.stream_size(stream) == len(expected)
            assert stream.read(2) == expected[:2]
            stream.seek(0)  # readers sniff the gzip magic, then start over
            assert stream.read() == expected
            assert stream.read(10) == b""
    with resources.open_binary(os.path.join(inside, "x.gz")) as raw:
        with gzip.GzipFile(fileobj=raw) as unzipped:
            assert unzipped.read() == bytes(range(256)) * 40
    with pytest.raises(FileNotFoundError, match="missing.gz") as caught:
        resources.open_binary(os.path.join(inside, "missing.gz"))
    assert caught.value.filename == os.path.join(inside, "missing.gz")
    with pytest.raises(FileNotFoundError, match="nothing"):
        resources.listdir(os.path.join(inside, "nothing"))
    # A path on disk is itself, as given.
    assert resources.split_archive("no/such/file") == (None, "no/such/file")


def test_pack_writes_the_same_bytes_from_a_checkout_and_from_the_pyz(
        alone, tmp_path, capsys):
    """purenn pack: the checkout and the archive itself write one file."""
    from purenn.cli import main
    first = str(tmp_path / "first.pyz")
    assert main(["pack", "--out", first]) == 0
    printed = capsys.readouterr().out
    with open(first, "rb") as stream:
        digest = hashlib.sha256(stream.read()).hexdigest()
    assert "sha256 {}  first.pyz".format(digest) in printed
    with open(os.path.join(alone, "purenn.pyz"), "rb") as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == digest
    again = str(tmp_path / "again.pyz")
    result = run(alone, "pack", "--out", again)
    assert result.returncode == 0, result.stderr
    with open(again, "rb") as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == digest
    assert main(["pack", "--out", str(tmp_path / "no" / "x.pyz")]) == 2


def test_pack_never_writes_over_what_it_packs(alone, tmp_path, capsys,
                                             monkeypatch):
    """pack --out naming a file it reads: the running archive (through a
    link too), or a file of the package folder, is refused before work."""
    os.symlink("purenn.pyz", os.path.join(alone, "link.pyz"))
    try:
        for name in ("purenn.pyz", "link.pyz"):
            result = run(alone, "pack", "--out", name)
            assert result.returncode == 2
            assert result.stderr == (
                "purenn: error: --out {} and the running archive {} are the "
                "same file: refusing to write over a file this command "
                "reads\n".format(name, os.path.join(os.path.realpath(alone),
                                                   "purenn.pyz")))
    finally:
        os.remove(os.path.join(alone, "link.pyz"))
    # A package folder of two files stands in for the checkout's, so that
    # a failure cannot overwrite the real model.
    from purenn import resources
    from purenn.cli import main
    package = tmp_path / "purenn"
    (package / "data").mkdir(parents=True)
    (package / "network.py").write_text("# a module\n")
    model = package / "data" / "model.json"
    model.write_text("{}")
    monkeypatch.setattr(resources, "PACKAGE_DIRECTORY", str(package))
    assert main(["pack", "--out", str(model)]) == 2
    assert "and package file {} are the same file".format(model) in \
        capsys.readouterr().err
    assert model.read_text() == "{}"


@pytest.mark.parametrize("member", ["purenn/network.py",
                                    "purenn/engines/loops.py"])
def test_a_damaged_module_is_one_line(alone, tmp_path, member):
    # A copy of purenn.pyz with one byte of a module's compressed bytes
    # flipped (a bad USB stick, a truncated mail attachment) says which
    # member is damaged in one line, exit 2, whether the module is imported
    # at start (network) or later by a command (the loops engine).
    with open(os.path.join(alone, "purenn.pyz"), "rb") as stream:
        data = bytearray(stream.read())
    with zipfile.ZipFile(os.path.join(alone, "purenn.pyz")) as archive:
        info = archive.getinfo(member)
    # zipfile's header_offset counts from the file's start (the #! line
    # included): the member's data follow its 30-byte header and name.
    data[info.header_offset + 30 + len(member) + 100] ^= 0xFF
    folder = str(tmp_path)
    with open(os.path.join(folder, "purenn.pyz"), "wb") as stream:
        stream.write(data)
    result = run(folder, "train", "--epochs", "1", "--train-limit", "20",
                 "--test-limit", "20", "--engine", "loops")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("purenn: error: ")
    assert "{} is damaged".format(member) in lines[0]
    assert "Traceback" not in result.stderr
