"""selftest: stdlib-only checks pass here and fail when something is wrong."""
import os
import subprocess
import sys

import purenn.primer
from purenn.classroom import selftest
from purenn.cli import main
from support import REPO


def test_all_checks_pass_here(capsys):
    status = main(["selftest"])
    out = capsys.readouterr().out
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == len(selftest.CHECK_NAMES) + 1
    for line, name in zip(lines, selftest.CHECK_NAMES):
        assert name in line
        assert line.startswith("ok") or line.startswith("skip")
    assert lines[-1].startswith("OK: 5 checks, 0 failed")


def test_mnist_check_is_skipped_only_without_shipped_data(tmp_path,
                                                          monkeypatch):
    from purenn.io import mnist
    monkeypatch.setattr(mnist, "DEFAULT_DIRECTORY", str(tmp_path / "none"))
    results = selftest.run_checks(None, checks=["MNIST checksums"])
    assert [result.status for result in results] == ["skip"]


def test_a_named_directory_without_checksums_fails(tmp_path):
    results = selftest.run_checks(str(tmp_path), checks=["MNIST checksums"])
    assert [result.status for result in results] == ["FAIL"]
    assert results[0].detail == "no {} (scripts/fetch_mnist.py writes one " \
        "beside the files)".format(os.path.join(str(tmp_path), "SHA256SUMS"))


def test_a_missing_data_directory_fails_and_exits_1(tmp_path, capsys):
    missing = str(tmp_path / "nonexistent")
    assert main(["selftest", "--data", missing]) == 1
    out = capsys.readouterr().out
    assert "FAIL  MNIST checksums  {}: no such directory".format(
        missing) in out


def test_a_wrong_sigmoid_fails_and_exits_1(monkeypatch, capsys):
    # Deliberately wrong: one ulp off for every z.
    right = purenn.primer._sigmoid_scalar
    monkeypatch.setattr(purenn.primer, "_sigmoid_scalar",
                        lambda z: right(z) * (1 + 2 ** -52))
    status = main(["selftest"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.splitlines()[0].startswith("FAIL  worked example")
    assert "a_l1 is 0.7547299213576084, the primer prints 0.7547299213576082" \
        in out
    assert out.splitlines()[-1].startswith("FAILED")


def test_a_changed_training_result_fails(monkeypatch):
    monkeypatch.setitem(selftest.TRAINING_REGRESSION, "correct", [10, 10, 11])
    result, = selftest.run_checks(checks=["training"])
    assert result.status == "FAIL"
    assert "counts [10, 10, 10], pinned [10, 10, 11]" in result.detail


def test_an_exception_is_a_failed_check(monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk on fire")
    monkeypatch.setattr("purenn.io.idx.write_idx", boom)
    result, = selftest.run_checks(checks=["IDX round trip"])
    assert result == ("IDX round trip", "FAIL", "OSError: disk on fire")


def test_selftest_runs_without_pytest():
    # A child process in which importing pytest fails, as on a bare machine.
    code = ("import sys; sys.modules['pytest'] = None\n"
            "from purenn.cli import main\n"
            "sys.exit(main(['selftest']))\n")
    env = dict(os.environ, PYTHONPATH=REPO)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    training" in result.stdout
