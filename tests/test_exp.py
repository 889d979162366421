"""purenn.exact: exp and log correctly rounded for every double, and the
portable N(0, 1) draws.

The expected values come from an independent exact computation: the decimal
module's exp and ln (correctly rounded to 80 significant digits), turned into
the nearest double by Fraction's exact int/int division.  80 digits is far
more than any case here needs: the hardest ones below have about 100 bits
(30 digits) between e^x and a rounding boundary, and every test measures
that distance (``_margin``) and asserts it is wider than decimal's error, so
a double rounding in the reference itself would fail, not pass quietly.
"""
import decimal
import math
import random
from fractions import Fraction

import pytest

from purenn import exact

CONTEXT = decimal.Context(prec=80, Emax=10 ** 6, Emin=-10 ** 6)
INF = float("inf")


def _margin(value):
    """-log2 of the distance, in ulps, from a positive Fraction to the
    nearest rounding boundary (midpoint) between doubles."""
    double = float(value)
    mantissa, exponent = math.frexp(double)
    ulp = Fraction(2) ** (max(exponent, -1021) - 53)
    offset = (value - Fraction(double)) / ulp        # in (-1/2, 1/2)
    distance = abs(abs(offset) - Fraction(1, 2))     # to the midpoint
    if distance == 0:
        return INF
    return -math.log2(distance)


def _hardness(value):
    """-log2 of the distance, in ulps, from a positive Fraction to the
    nearest double or midpoint: the identical bits after the rounding bit
    (hard for rounding to nearest near a midpoint, for directed rounding
    near a double)."""
    double = float(value)
    mantissa, exponent = math.frexp(double)
    ulp = Fraction(2) ** (max(exponent, -1021) - 53)
    offset = abs(value - Fraction(double)) / ulp     # in [0, 1/2]
    distance = min(offset, Fraction(1, 2) - offset)
    return INF if distance == 0 else -math.log2(distance)


def reference_exp(x):
    """e^x correctly rounded, from decimal at 80 digits (never purenn)."""
    return Fraction(CONTEXT.exp(decimal.Decimal(x)))


def reference_log(x):
    return Fraction(CONTEXT.ln(decimal.Decimal(x)))


def expected_exp(x):
    value = reference_exp(x)
    # 80 digits leave at least 200 bits below the double's last place: a
    # margin below 200 - 10 bits is decided by the reference exactly.
    assert _margin(value) < 190, x
    return float(value)


# -- the hardest known cases --------------------------------------------------

# Worst cases for correct rounding of double-precision exp: arguments whose
# e^x has at least 45 identical bits after the rounding bit.  Taken from the
# CORE-MATH project's list src/binary64/exp/exp.wc (P. Zimmermann et al.,
# https://core-math.gitlabpages.inria.fr/), which continues the searches of
# V. Lefevre and J.-M. Muller ("Worst cases for correct rounding of the
# elementary functions in double precision", ARITH 15, 2001; INRIA RR-4044).
# A sample across the range: around 1/2 and 1, up to 2^6, the negative
# arguments down to -719 (subnormal results), and tiny ones.  The test
# measures each case's hardness itself (below).
HARD_CASES = [
    "0x1.0122ef37212ebp-1", "0x1.00d48a707b93ep-1", "0x1.0303c5638675fp-1",
    "0x1.fedc746ddf8fap-1", "0x1.008eb56314daap+0", "0x1.12f8d9c3a7e66p+0",
    "0x1.6fbce05407de8p+0", "0x1.8a812c69a3146p+4", "0x1.fed08c1c58636p+4",
    "0x1.007304b0a189dp+5", "0x1.9e5520039c0d4p+5", "0x1.0011329374bb8p+6",
    "-0x1.120a1a8a545fbp+8", "-0x1.12386fb4bfd61p+9", "-0x1.1243385cabc99p+3",
    "-0x1.1256706528f9cp-20", "-0x1.1300000000025p-46",
    "-0x1.18f447433b89fp+9", "-0x1.1976d7126e271p+9",
    "-0x1.1c6888614f948p+9", "-0x1.27370b200f77p+9", "-0x1.286e4594a59f2p+9",
    "-0x1.2ae9542c856ap+9", "-0x1.2d9dfa8384874p+9", "-0x1.36b0d8d513dd5p+9",
    "-0x1.370495c28b7b8p+9", "-0x1.3819f51642badp+9",
    "-0x1.40477a40f9c5ep+9", "-0x1.44330f09066dcp+9",
    "-0x1.467dfed6722fap+9", "-0x1.4c22a27df1497p+9",
    "-0x1.51993a0221e9ap+9", "-0x1.5b3e4e2e3bba9p+9",
    "-0x1.5ba88d0a17c8fp+9", "-0x1.62c9fc0dcbdb5p+9",
    "-0x1.671e26a8abff2p+9", "-0x1.679ea41b51eaap+9",
    "-0x1.4000000000001p-52", "-0x1.80000018p-26", "-0x1.3000000000003p-50",
    "-0x1.62f113afaf686p+0", "-0x1.2e38fcb53ceb1p+0",
]


@pytest.mark.parametrize("text", HARD_CASES)
def test_the_hardest_known_cases(text):
    x = float.fromhex(text)
    value = reference_exp(x)
    # hard indeed: e^x lies within 2^-44 ulp of a midpoint or a double (45
    # identical bits after the rounding bit; the list counts every rounding
    # mode).  The three subnormal results are hard at 53 bits, not on the
    # coarser subnormal grid.
    expected = float(value)
    if expected >= TINY_NORMAL:
        assert _hardness(value) > 44
    assert exact.exp_exact(x) == expected
    assert exact.exp(x) == expected


# -- fast path against slow path ----------------------------------------------

def test_fast_path_equals_the_slow_path_on_100000_arguments(monkeypatch):
    # Over the range sigmoid meets (z of a trained or untrained network:
    # mostly |z| < 50, but the weights are not bounded, so up to +-708 too).
    fell_back = []

    def slow(x):
        fell_back.append(x)
        return exact.exp_exact(x)
    monkeypatch.setattr(exact, "_slow", slow)
    rng = random.Random(17)
    arguments = ([rng.uniform(-50.0, 50.0) for _ in range(90000)]
                 + [rng.uniform(-708.0, 708.0) for _ in range(9000)]
                 + [rng.uniform(-1.0, 1.0) * 2.0 ** -rng.randint(1, 60)
                    for _ in range(1000)])
    for x in arguments:
        assert exact.exp(x) == exact.exp_exact(x), x.hex()
    # The fast path decided most calls and left the rest to the slow path
    # (the rounding test's margin E = 2^-61 sends about 0.4-0.8% there).
    assert 0 < len(fell_back) < 0.015 * len(arguments)


def test_slow_path_against_decimal():
    rng = random.Random(3)
    arguments = ([rng.uniform(-40.0, 40.0) for _ in range(400)]
                 + [rng.uniform(-745.2, 709.8) for _ in range(400)]
                 + [rng.uniform(-1.0, 1.0) * 2.0 ** -rng.randint(1, 80)
                    for _ in range(200)])
    for x in arguments:
        assert exact.exp_exact(x) == expected_exp(x), x.hex()
        assert exact.exp(x) == expected_exp(x), x.hex()


# -- exact edges --------------------------------------------------------------

SMALLEST = 5e-324                        # 2^-1074
LARGEST = 1.7976931348623157e308
TINY_NORMAL = 2.2250738585072014e-308    # 2^-1022
OVERFLOW = 709.782712893384              # the largest x with e^x < inf
UNDERFLOW = -745.1332191019411           # the smallest x with e^x > 0


@pytest.mark.parametrize("x, expected", [
    (0.0, 1.0), (-0.0, 1.0),
    (INF, INF), (-INF, 0.0),
    (LARGEST, INF), (-LARGEST, 0.0),
    (SMALLEST, 1.0), (-SMALLEST, 1.0), (TINY_NORMAL, 1.0),
    (1e-300, 1.0), (-1e-300, 1.0),
    # |x| <= 2^-54 gives 1.0; just past it, the neighbours of 1.0
    (2.0 ** -54, 1.0), (-2.0 ** -54, 1.0),
    (2.0 ** -53, 1.0000000000000002), (-2.0 ** -53, 0.9999999999999999),
    (1.0, 2.718281828459045),
    # the overflow threshold: e^709.782712893384 = 1.797...e308 < DBL_MAX;
    # the next double up overflows to inf (never OverflowError)
    (OVERFLOW, 1.7976931348622732e308),
    (709.7827128933841, INF),          # the next double after OVERFLOW
    (710.0, INF), (1000.0, INF),
    # the underflow threshold: e^x rounds to the smallest subnormal down to
    # -745.1332191019411, to 0.0 below it
    (UNDERFLOW, SMALLEST), (-745.1332191019412, 0.0),
    (-746.0, 0.0), (-1000.0, 0.0),
])
def test_exact_edges(x, expected):
    assert exact.exp(x) == expected
    assert exact.exp_exact(x) == expected
    if expected not in (INF, 0.0):
        assert expected == expected_exp(x)


def test_nan():
    assert math.isnan(exact.exp(float("nan")))
    assert math.isnan(exact.exp_exact(float("nan")))


@pytest.mark.parametrize("x", [
    -708.0, 708.0, -708.3964185322641, -708.39641853226, -708.4, -709.0,
    -720.5, -730.0, -740.0, -744.44, -745.0, 709.0, 709.7])
def test_subnormal_results_and_the_range_past_the_fast_path(x):
    assert exact.exp(x) == expected_exp(x)


def test_overflow_and_underflow_thresholds_are_sharp():
    # the decimal reference puts e^OVERFLOW below the largest double's
    # half-ulp boundary (so it is finite) and the next double above it
    limit = (Fraction(2) - Fraction(1, 2 ** 53)) * Fraction(2) ** 1023
    assert reference_exp(OVERFLOW) < limit < reference_exp(709.7827128933841)
    half = Fraction(1, 2 ** 1075)      # half the smallest subnormal
    assert reference_exp(-745.1332191019412) < half < reference_exp(UNDERFLOW)


def test_sigmoid_keeps_the_primers_zero():
    from purenn.primer import sigmoid
    assert sigmoid(-710.0) == 0.0 and sigmoid(-1e308) == 0.0
    assert sigmoid(-709.78) > 0.0


# -- the fast path's table and constants --------------------------------------

def test_table_is_two_to_the_j_over_1024_in_two_parts():
    hi, lo = exact.exp.table
    assert len(hi) == len(lo) == 1024
    for j in list(range(0, 1024, 37)) + [1, 511, 512, 1023]:
        value = Fraction(CONTEXT.power(decimal.Decimal(2),
                                       decimal.Decimal(j) / 1024))
        assert hi[j] == float(value)                 # hi: the nearest double
        error = abs(Fraction(hi[j]) + Fraction(lo[j]) - value)
        assert error <= Fraction(1, 2 ** 106), j     # lo: the rest, rounded


# -- log -----------------------------------------------------------------------

def test_log_against_decimal():
    rng = random.Random(11)
    arguments = ([rng.random() for _ in range(1500)]
                 + [rng.uniform(0.5, 2.0) for _ in range(300)]
                 + [math.ldexp(rng.uniform(1.0, 2.0), rng.randint(-1074, 1023))
                    for _ in range(300)]
                 + [SMALLEST, TINY_NORMAL, LARGEST, 0.5, 2.0,
                    1.0 - 2.0 ** -53, 1.0 + 2.0 ** -52, 2.0 ** -1074])
    for x in arguments:
        value = reference_log(x)
        assert _margin(abs(value)) < 190
        assert exact.log(x) == float(value), x.hex()


def test_log_edges():
    assert exact.log(1.0) == 0.0
    assert exact.log(INF) == INF
    assert math.isnan(exact.log(float("nan")))
    for bad in (0.0, -0.0, -1.0, -INF):
        with pytest.raises(ValueError, match="not positive"):
            exact.log(bad)


# -- the N(0, 1) draws ---------------------------------------------------------

def test_first_draws_by_hand():
    # Marsaglia's polar method, step by step with the reference log (decimal):
    # seed 0's first two uniforms give u, v inside the unit circle.
    rng = random.Random(0)
    u = 2.0 * rng.random() - 1.0
    v = 2.0 * rng.random() - 1.0
    s = u * u + v * v
    assert 0.0 < s < 1.0
    f = math.sqrt(-2.0 * float(reference_log(s)) / s)
    draw = exact.normal_draws(random.Random(0))
    first, second = next(draw), next(draw)
    assert (first, second) == (u * f, v * f)
    # regression values of the same, pinned from this code (the same on
    # CPython 3.6-3.13 and PyPy)
    assert (first, second) == (0.6202001216069017, 0.4644982638709743)
    assert (next(draw), next(draw)) == (-0.5152970855979493,
                                        -1.5640434149388383)


def test_draws_skip_points_outside_the_circle():
    # rng.random() values 0.9, 0.9 make s = 1.28 >= 1: that pair is skipped
    class Fixed:
        def __init__(self, values):
            self.values = iter(values)

        def random(self):
            return next(self.values)
    draw = exact.normal_draws(Fixed([0.9, 0.9, 0.75, 0.5]))
    u, v = 0.5, 0.0                  # 2*0.75-1, 2*0.5-1
    s = 0.25
    f = math.sqrt(-2.0 * float(reference_log(s)) / s)
    assert next(draw) == u * f
    assert next(draw) == 0.0


def test_same_seed_same_weights_other_seed_other_weights():
    from purenn import Network
    first, again = Network([5, 4, 3], seed=9), Network([5, 4, 3], seed=9)
    assert first.w == again.w and first.b == again.b
    assert Network([5, 4, 3], seed=10).w != first.w


def test_draws_look_standard_normal():
    # 20,000 draws: the mean's standard error is 1/sqrt(20000) = 0.007 and
    # the variance's about 0.01, so 0.03 and 0.05 are 4-5 sigma.
    draw = exact.normal_draws(random.Random(4))
    values = [next(draw) for _ in range(20000)]
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    assert abs(mean) < 0.03 and abs(variance - 1.0) < 0.05


def test_no_libm_function_is_called(monkeypatch):
    # exp, log and the draws never touch math.exp/log/... (CI breaks those
    # on purpose in tests/test_same_bits.py; here they must not be called)
    def broken(*args):
        raise AssertionError("libm called")
    for name in ("exp", "log", "log2", "log10", "expm1", "log1p", "pow",
                 "sin", "cos"):
        monkeypatch.setattr(math, name, broken)
    draw = exact.normal_draws(random.Random(1))
    assert [next(draw) for _ in range(10)]
    assert exact.exp(1.5) == 4.4816890703380645
    assert exact.log(3.0) == 1.0986122886681098
