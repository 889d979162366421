"""The two ports of scripts/ports/ (C99 and JavaScript, written from
docs/spec.md) get IDENTICAL from compare on every fixture case, hex or
decimal; a C build that fuses multiply-adds gets the -ffp-contract=off hint;
each port's own exp is correctly rounded; the README's golden flow runs as
written.  Without gcc or node these tests skip, except under CI=true, where
a missing compiler or runtime fails (.ci/run installs them)."""
import math
import os
import random
import re
import shutil
import stat
import subprocess
import sys
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest

from support import REPO

from purenn import exact
from purenn.classroom import golden
from purenn.cli import main
from test_exp import HARD_CASES   # CORE-MATH's worst cases, sourced there

PORTS = os.path.join(REPO, "scripts", "ports")
SHIPPED = os.path.join(REPO, "purenn", "data", "golden")
CASES = sorted(name for name in os.listdir(SHIPPED) if name.endswith(".json"))


def need(program):
    """The path of ``program``; skip without it, fail under CI=true."""
    path = shutil.which(program)
    if path is None:
        message = "{} is not installed (.ci/run installs it)".format(program)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def build_c(directory, *flags):
    gcc = need("gcc")
    binary = os.path.join(str(directory), "port")
    subprocess.check_call([gcc] + list(flags) + [
        "-o", binary, os.path.join(PORTS, "port.c")])
    return [binary]


def node_port():
    return [need("node"), os.path.join(PORTS, "port.js")]


def run_port(command, fixture, actual):
    process = subprocess.run(command + [fixture, actual],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=300)
    assert process.returncode == 0, process.stderr


def compare(capsys, expected, actual):
    status = main(["compare", expected, actual])
    return status, capsys.readouterr().out


@pytest.fixture(scope="module")
def hex_fixtures(tmp_path_factory):
    """The three small cases written with --hex (the big one is shipped in
    decimal; the ports read both)."""
    directory = tmp_path_factory.mktemp("hex")
    golden.write_fixtures(str(directory), hex=True, cases=[
        "primer-1-1-1", "demo-2-3-2", "random-4-5-3"])
    return str(directory)


@pytest.mark.parametrize("port", ["c", "js"])
def test_the_ports_get_identical_on_every_case(port, tmp_path, capsys,
                                               hex_fixtures):
    command = build_c(tmp_path, "-std=c99", "-O2", "-ffp-contract=off") \
        if port == "c" else node_port()
    fixtures = [os.path.join(SHIPPED, name) for name in CASES] + \
        [os.path.join(hex_fixtures, name) for name in
         sorted(os.listdir(hex_fixtures))]
    for index, fixture in enumerate(fixtures):
        actual = str(tmp_path / "actual-{}.json".format(index))
        run_port(command, fixture, actual)
        status, out = compare(capsys, fixture, actual)
        assert status == 0 and "verdict: IDENTICAL: all" in out, out
    # and as directories: every case file, nothing missing
    os.mkdir(str(tmp_path / "all"))
    for name in CASES:
        run_port(command, os.path.join(SHIPPED, name),
                 str(tmp_path / "all" / name))
    status, out = compare(capsys, SHIPPED, str(tmp_path / "all"))
    assert status == 0 and out.count("verdict: IDENTICAL") == len(CASES)


def _has_fma():
    try:
        with open("/proc/cpuinfo") as stream:
            return re.search(r"^flags\s*:.*\bfma\b", stream.read(),
                             re.MULTILINE) is not None
    except OSError:
        return False


@pytest.mark.skipif(not _has_fma(), reason="this CPU has no FMA")
def test_a_c_build_that_fuses_gets_the_fp_contract_hint(tmp_path, capsys):
    # gcc's default for GNU C is -ffp-contract=fast: with FMA instructions
    # available, a*b + c becomes one rounding.
    command = build_c(tmp_path, "-O3", "-march=native")
    hinted = 0
    for name in CASES:
        fixture = os.path.join(SHIPPED, name)
        actual = str(tmp_path / name)
        run_port(command, fixture, actual)
        status, out = compare(capsys, fixture, actual)
        if status == 0:
            continue   # nothing fused changed a bit (the 1-1-1 case)
        assert "ROUNDING ONLY" in out and "beyond rounding" not in out
        assert "here equals purenn's arithmetic with fused multiply-adds" \
            in out and "compile with -ffp-contract=off" in out, out
        assert "order of additions" not in out
        hinted += 1
    assert hinted >= 2


def _exp_reference(x):
    """e^x correctly rounded: 80 significant digits, then to the nearest
    double (no double is within 1e-80 relative of a midpoint's e^x)."""
    with localcontext() as context:
        context.prec = 80
        value = Fraction(Decimal(x).exp())
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _exp_arguments():
    rng = random.Random(17)
    xs = [rng.uniform(-40.0, 40.0) for _ in range(1500)]
    xs += [rng.uniform(-745.2, 709.8) for _ in range(500)]
    xs += [0.0, -0.0, 1e-300, -1e-300, 2.0 ** -54, -(2.0 ** -54), 2.0 ** -53,
           -(2.0 ** -53), 1.0, -1.0, 0.5, 709.782712893384,
           709.7827128933841, -708.3964185322641, -708.4, -745.1332191019411,
           -745.1332191019412, -744.44007192138, -740.0, 5e-324]
    return xs + [float.fromhex(text) for text in HARD_CASES]


@pytest.mark.parametrize("port", ["c", "js"])
def test_each_port_has_a_correctly_rounded_exp(port, tmp_path):
    # 2,000 random arguments, the edges and the hardest known cases.
    command = build_c(tmp_path, "-O2", "-ffp-contract=off") if port == "c" \
        else node_port()
    xs = _exp_arguments()
    process = subprocess.run(command + ["--exp"], input="".join(
        x.hex() + "\n" for x in xs), stdout=subprocess.PIPE,
        universal_newlines=True, timeout=300, check=True)
    lines = process.stdout.split()
    assert len(lines) == len(xs)
    for x, text in zip(xs, lines):
        got = float.fromhex(text) if port == "c" else float(text.strip('"'))
        # the reference's bits, and purenn's own exp's: any correctly
        # rounded exp gives the same
        assert got == _exp_reference(x) == exact.exp(x), (x.hex(), text)


def _readme_flow():
    """The three lines of the README's golden flow, as shown."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as stream:
        text = stream.read()
    block = re.search(r"checks itself in\s+three lines:\s*```\n(.*?)```", text,
                      re.DOTALL)
    assert block, "README.md: the golden flow's code block is gone"
    lines = [line.split("#")[0].strip() for line in
             block.group(1).strip().splitlines()]
    assert len(lines) == 3
    return lines


def test_the_readme_golden_flow_runs_as_written(tmp_path):
    lines = _readme_flow()
    assert lines[0].startswith("python -m purenn golden --out ")
    script = lines[1].split()[1]
    assert os.path.isfile(os.path.join(REPO, script)), script
    need(lines[1].split()[0])
    # A fresh directory that sees the checkout's scripts/, and a `python`
    # that is this interpreter with this checkout's purenn.
    os.symlink(os.path.join(REPO, "scripts"), str(tmp_path / "scripts"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "python"
    shim.write_text("#!/bin/sh\nexec {} \"$@\"\n".format(sys.executable))
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    environment = dict(os.environ, PYTHONPATH=REPO, PATH="{}{}{}".format(
        bin_dir, os.pathsep, os.environ.get("PATH", "")))
    outputs = []
    for line in lines:
        process = subprocess.run(line, shell=True, cwd=str(tmp_path),
                                 env=environment, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE,
                                 universal_newlines=True, timeout=600)
        assert process.returncode == 0, (line, process.stderr)
        outputs.append(process.stdout)
    assert "verdict: IDENTICAL" in outputs[2]


def test_a_missing_compiler_or_runtime_fails_under_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="gcc is not installed"):
        need("gcc")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="node is not installed"):
        need("node")
