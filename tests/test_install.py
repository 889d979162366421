"""A copied purenn/ folder and an installed wheel find their data.

Both run ``train --epochs 1 --train-limit 2000`` and ``selftest`` (with the
MNIST checksums) from another directory, as the issue's floor asks; the
wheel is built offline from a copy of the source (``pip wheel
--no-build-isolation --no-index``, the way old Pythons install) and skipped
where this interpreter has no setuptools and wheel to build it with.
.ci/run also installs on CPython 3.6 in a fresh venv with its own old pip.
"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from support import REPO

pytestmark = pytest.mark.skipif(
    not os.path.isfile(os.path.join(REPO, "purenn", "data", "mnist",
                                    "SHA256SUMS")),
    reason="no purenn/data/mnist in this checkout")

SOURCE_FILES = ["setup.py", "setup.cfg", "pyproject.toml", "README.md",
                "LICENSE"]


def _copy_package(destination):
    shutil.copytree(os.path.join(REPO, "purenn"),
                    os.path.join(destination, "purenn"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _run(cwd, args, pythonpath=None):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTHON")}
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run([sys.executable] + args, cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=600)


def _check_runs(cwd, where, pythonpath=None):
    """train and selftest run, and read the data under ``where``."""
    result = _run(cwd, ["-c", "import purenn.resources as r; "
                        "print(r.PACKAGE_DIRECTORY); print(r.how_run())"],
                  pythonpath)
    assert result.returncode == 0, result.stderr
    package, how = result.stdout.split()
    assert os.path.realpath(package) == os.path.realpath(
        os.path.join(where, "purenn"))
    result = _run(cwd, ["-m", "purenn", "train", "--epochs", "1",
                        "--train-limit", "2000"], pythonpath)
    assert result.returncode == 0, result.stderr
    assert re.search(r"Epoch 0: \d+ / 10000", result.stdout)
    result = _run(cwd, ["-m", "purenn", "selftest"], pythonpath)
    assert result.returncode == 0, result.stdout + result.stderr
    line = [line for line in result.stdout.splitlines()
            if "MNIST checksums" in line][0]
    assert line.startswith("ok") and "purenn" in line
    return how


def test_copied_folder_runs_from_its_parent(tmp_path):
    copy = str(tmp_path / "copy")
    os.mkdir(copy)
    _copy_package(copy)
    assert _check_runs(copy, copy) == "folder"


def test_copied_folder_without_data_says_what_to_copy(tmp_path):
    copy = str(tmp_path / "copy")
    os.mkdir(copy)
    _copy_package(copy)
    shutil.rmtree(os.path.join(copy, "purenn", "data", "mnist"))
    result = _run(copy, ["-m", "purenn", "train", "--epochs", "1"])
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "this copy of the purenn folder has no" in result.stderr
    assert "copy the whole purenn/ folder, data/ included" in result.stderr
    result = _run(copy, ["-m", "purenn", "serve", "--port", "0", "--host",
                         "nowhere.invalid"])
    # The default model is still there: serve gets as far as listening.
    assert "no default model" not in result.stderr


def _can_build_wheels():
    if importlib.util.find_spec("setuptools") is None:
        return False
    return (importlib.util.find_spec("wheel") is not None or
            importlib.util.find_spec("setuptools.command.bdist_wheel")
            is not None)


def _source_copy(tmp_path):
    source = str(tmp_path / "source")
    os.mkdir(source)
    for name in SOURCE_FILES:
        shutil.copy(os.path.join(REPO, name), source)
    _copy_package(source)
    return source


@pytest.mark.skipif(not _can_build_wheels(),
                    reason="no setuptools and wheel to build a wheel offline")
def test_installed_wheel_runs_from_another_directory(tmp_path):
    source = _source_copy(tmp_path)
    wheels = str(tmp_path / "wheels")
    result = _run(source, ["-m", "pip", "wheel", "--no-build-isolation",
                           "--no-index", "--no-deps", "-q", "-w", wheels,
                           "."])
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = os.listdir(wheels)
    assert wheel.startswith("purenn-0.2.0-")
    with zipfile.ZipFile(os.path.join(wheels, wheel)) as archive:
        names = set(archive.namelist())
    for name in ["purenn/data/mnist/SHA256SUMS",
                 "purenn/data/mnist/train-images-idx3-ubyte.gz",
                 "purenn/data/models/mnist-784-30-10.json",
                 "purenn/data/golden/mnist-784-30-10.json",
                 "purenn/data/examples/seven.png",
                 "purenn/classroom/static/index.html"]:
        assert name in names
    assert os.path.getsize(os.path.join(wheels, wheel)) > 10 * 10 ** 6
    site = str(tmp_path / "site")
    result = _run(source, ["-m", "pip", "install", "--no-index", "--no-deps",
                           "-q", "--target", site,
                           os.path.join(wheels, wheel)])
    assert result.returncode == 0, result.stdout + result.stderr
    elsewhere = str(tmp_path / "elsewhere")
    os.mkdir(elsewhere)
    assert _check_runs(elsewhere, site, pythonpath=site) == "wheel"


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None,
                    reason="no setuptools")
def test_setuptools_install_runs_from_another_directory(tmp_path):
    """What old pips do without wheel (``setup.py install``): setup.cfg's
    package_data carries the data there too."""
    source = _source_copy(tmp_path)
    site = str(tmp_path / "site")
    result = _run(source, ["setup.py", "-q", "install",
                           "--single-version-externally-managed",
                           "--record", str(tmp_path / "record.txt"),
                           "--install-lib", site, "--install-scripts",
                           str(tmp_path / "bin")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert os.path.isfile(os.path.join(site, "purenn", "data", "mnist",
                                       "train-images-idx3-ubyte.gz"))
    elsewhere = str(tmp_path / "elsewhere")
    os.mkdir(elsewhere)
    assert _check_runs(elsewhere, site, pythonpath=site) == "wheel"


def test_serve_without_a_test_set_says_so_in_one_line_at_start(tmp_path):
    """serve MODEL with no MNIST test set: one line before it serves."""
    import io
    import threading
    from purenn.cli import build_parser
    from purenn.cli import serve as serve_cli
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    model = os.path.join(REPO, "purenn", "data", "models",
                         "mnist-784-30-10.json")
    args = build_parser().parse_args(["serve", model, "--port", "0",
                                      "--data", str(empty)])
    out = io.StringIO()
    ready = threading.Event()
    servers = []

    def on_ready(server):
        servers.append(server)
        ready.set()

    thread = threading.Thread(target=serve_cli.serve_command,
                              args=(args, out, on_ready))
    thread.daemon = True
    thread.start()
    assert ready.wait(60)
    servers[0].shutdown()
    thread.join(30)
    lines = [line for line in out.getvalue().splitlines()
             if "MNIST" in line]
    assert lines == ["purenn: no MNIST test set in {}: the page's MNIST "
                     "images are off (drawing and uploads work); give "
                     "--data DIR".format(empty)]


def test_package_data_names_every_file_the_package_ships():
    """Every non-Python file under purenn/ is in setup.cfg's package_data,
    so the wheel carries what the checkout and purenn.pyz have."""
    import configparser
    import fnmatch
    config = configparser.ConfigParser()
    config.read(os.path.join(REPO, "setup.cfg"))
    patterns = []
    for package, value in config["options.package_data"].items():
        folder = package.replace(".", "/")
        for pattern in value.replace(",", "\n").split():
            patterns.append(folder + "/" + pattern)
    package_root = os.path.join(REPO, "purenn")
    missing = []
    for folder, dirs, files in os.walk(package_root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith((".py", ".pyc")):
                continue
            relative = os.path.relpath(os.path.join(folder, name),
                                       REPO).replace(os.sep, "/")
            # As setuptools globs: "*" stays within one folder.
            if not any(re.fullmatch(fnmatch.translate(p).replace(
                    ".*", "[^/]*"), relative) for p in patterns):
                missing.append(relative)
    assert missing == []
    assert len(patterns) >= 6
