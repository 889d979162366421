"""The same bits with a broken libm: no libm function decides a bit.

``math.exp``, ``math.log``, ``math.cos`` and ``math.sin``, and the copies the
``random`` module took of them at import (``random._exp``, ``_log``,
``_cos``, ``_sin``, which ``random.gauss`` uses), are replaced in this
process by versions 1 ULP off on a third of their arguments.  The golden
values (``scripts/golden_values.py``: training runs of every engine, the
golden fixture files' SHA-256, the initial weights of the golden sizes) and
``Network([784, 30, 10], seed=0)``'s weights must not move.  CI runs the same
script under glibc's other exp code path (GLIBC_TUNABLES, .ci/run) and on
PyPy, and diffs it against CPython's.
"""
import hashlib
import math
import random
import struct

import pytest

from purenn import Network
from support import load_script

LIBM = ("exp", "log", "cos", "sin")


def _next_up(value):
    """The double after ``value`` (away from zero), for finite values."""
    if value != value or value in (float("inf"), float("-inf")):
        return value
    if value == 0.0:
        return 5e-324
    bits = struct.unpack("<q", struct.pack("<d", value))[0]
    return struct.unpack("<d", struct.pack("<q", bits + 1))[0]


def _one_ulp_off(function):
    """Wrap ``function``: 1 ULP off on the arguments whose bit pattern is 0
    modulo 3 (a third of them, spread over every range)."""
    def broken(x, *rest):
        result = function(x, *rest)
        try:
            pattern = struct.unpack("<Q", struct.pack("<d", float(x)))[0]
        except (TypeError, OverflowError):
            return result
        return _next_up(result) if pattern % 3 == 0 else result
    return broken


def _break_libm(monkeypatch):
    for name in LIBM:
        monkeypatch.setattr(math, name, _one_ulp_off(getattr(math, name)))
        monkeypatch.setattr(random, "_" + name,
                            _one_ulp_off(getattr(random, "_" + name)))


def _golden_values():
    return load_script("golden_values").values()


def _weights_digest(net):
    return hashlib.sha256(net.to_json().encode("ascii")).hexdigest()


def test_the_broken_libm_is_broken(monkeypatch):
    # the patch takes: math's functions, and random.gauss through random's
    # copies, now give other bits for many arguments
    rng = random.Random(5)
    xs = [rng.uniform(-30.0, 30.0) for _ in range(300)]
    exps = [math.exp(x) for x in xs]
    draws = random.Random(0)
    gauss = [draws.gauss(0.0, 1.0) for _ in range(200)]
    _break_libm(monkeypatch)
    assert sum(math.exp(x) != e for x, e in zip(xs, exps)) > 50
    draws = random.Random(0)
    assert [draws.gauss(0.0, 1.0) for _ in range(200)] != gauss


def test_initial_weights_do_not_move(monkeypatch):
    expected = _weights_digest(Network([784, 30, 10], seed=0))
    _break_libm(monkeypatch)
    assert _weights_digest(Network([784, 30, 10], seed=0)) == expected


def test_golden_values_do_not_move(monkeypatch):
    # every line of scripts/golden_values.py: the worked example, initial
    # weights, training runs of each engine (random data and 1,000 MNIST
    # images), and the SHA-256 of every golden fixture file, decimal and hex
    expected = _golden_values()
    _break_libm(monkeypatch)
    assert _golden_values() == expected
