"""The primer's functions, checked against the primer's printed numbers.

Golden values in this file are the digits the primer prints in its worked
example (section "示例计算": 1 input -> 1 -> 1, a0 = 0.8, w1 = 1.58,
b1 = -0.14, w2 = 2.45, b2 = -0.11, y = 1, step 0.1).  They are compared with
``repr``, i.e. to the last bit, not approximately.
"""
import math
import random
from fractions import Fraction

import pytest

from purenn import matrix
from purenn.exact import exp as exact_exp
from purenn.primer import (sigmoid, sigmoid_prime, raw_activation, dc_db,
                           dc_dw, dc_da_prev, cost)
from support import PRIMER_PRINTED, replay_worked_example


def test_worked_example_with_the_scalar_functions():
    values = replay_worked_example()
    assert [(name, repr(values[name])) for name, _ in PRIMER_PRINTED] == \
        PRIMER_PRINTED


def test_worked_example_in_exact_rationals():
    # The parts that need no exp are exact in Fractions: z = w*a + b is
    # 158/100 * 8/10 - 14/100 = 1264/1000 - 140/1000 = 1124/1000 exactly,
    # and the float result 1.124 is that rational rounded once more.
    w_l1, a_l0, b_l1 = Fraction("1.58"), Fraction("0.8"), Fraction("-0.14")
    z_l1 = raw_activation(w_l1, a_l0, b_l1)
    assert z_l1 == Fraction(1124, 1000)
    assert matrix.dot([[w_l1]], [[a_l0]]) == [[Fraction(1264, 1000)]]
    assert raw_activation([[w_l1]], [[a_l0]], [[b_l1]]) == [[z_l1]]
    # The gradients given a rational dC/db are exact too (no exp involved).
    assert dc_dw(a_l0, Fraction(1, 2)) == Fraction(2, 5)
    assert dc_da_prev(Fraction("2.45"), Fraction(1, 2)) == Fraction(49, 40)
    assert cost(Fraction(3, 4), 1) == Fraction(1, 32)


def test_sigmoid_is_the_primer_formula_to_the_bit():
    # with purenn's correctly rounded exp (not math.exp: glibc's differs in
    # the last bit for some of these arguments)
    rng = random.Random(5)
    for _ in range(2000):
        z = rng.uniform(-700.0, 700.0)
        assert sigmoid(z) == 1.0 / (1.0 + exact_exp(-z))


def test_sigmoid_on_both_sides_of_the_overflow_edge():
    # exp(-z) overflows when -z > log(DBL_MAX) = 709.782712893384.
    just_inside = -709.78
    assert sigmoid(just_inside) == 1.0 / (1.0 + exact_exp(709.78))
    assert 0.0 < sigmoid(just_inside) < 1e-307
    just_outside = -709.79
    assert exact_exp(-just_outside) == float("inf")
    assert sigmoid(just_outside) == 0.0


@pytest.mark.parametrize("z, expected", [(1000, 1.0), (-1000, 0.0),
                                         (1e308, 1.0), (-1e308, 0.0),
                                         (float("inf"), 1.0),
                                         (float("-inf"), 0.0)])
def test_sigmoid_never_raises(z, expected):
    assert sigmoid(z) == expected
    assert sigmoid_prime(z) == 0.0


def test_sigmoid_symmetry():
    # sigma(-z) = 1 - sigma(z) holds exactly in real numbers; in doubles the
    # two sides are each rounded a few times, so allow a few ulps of 1.0.
    rng = random.Random(7)
    for _ in range(2000):
        z = rng.uniform(-40.0, 40.0)
        assert abs(sigmoid(-z) - (1 - sigmoid(z))) <= 4 * 2.0**-52


def test_sigmoid_prime_is_sigmoid_times_one_minus_sigmoid():
    assert sigmoid_prime(0) == 0.25
    for z in (-3.0, -0.5, 0.1, 2.0, 7.5):
        assert sigmoid_prime(z) == sigmoid(z) * (1 - sigmoid(z))


def test_matrix_forms_match_the_scalar_forms_elementwise():
    z = [[0.5], [-1.25]]
    assert sigmoid(z) == [[sigmoid(0.5)], [sigmoid(-1.25)]]
    assert sigmoid_prime(z) == [[sigmoid_prime(0.5)], [sigmoid_prime(-1.25)]]
    assert dc_db(z, [[2.0], [3.0]]) == [[sigmoid_prime(0.5) * 2.0],
                                        [sigmoid_prime(-1.25) * 3.0]]
    # dC/dw = dC/db . a_prev^T: a J x 1 by a 1 x K gives J x K.
    assert dc_dw([[1.0], [2.0], [3.0]], [[0.5], [0.25]]) == [
        [0.5, 1.0, 1.5], [0.25, 0.5, 0.75]]
    # dC/da_prev = w^T . dC/db: (2x3)^T . 2x1 gives 3x1.
    assert dc_da_prev([[1, 2, 3], [4, 5, 6]], [[1], [10]]) == [
        [41], [52], [63]]
    assert cost([[1.0], [0.5]], [[0.0], [1.0]]) == 0.5 * (1.0 + 0.25)


def test_shape_mismatch_in_raw_activation_names_the_shapes():
    with pytest.raises(matrix.ShapeError, match="cannot multiply 2x3 by 2x1"):
        raw_activation([[1, 2, 3], [4, 5, 6]], [[1], [2]], [[0], [0]])


def test_cost_squares_by_multiplying_not_by_pow():
    # d * d is one correctly rounded product on every interpreter; CPython's
    # d**2 goes through the C library's pow, which on glibc 2.36 differs in
    # the last bit for about one double in a thousand (PyPy multiplies), so
    # a cost built on ** would not be the same bits everywhere.
    rng = random.Random(1)
    for _ in range(20000):
        a = rng.uniform(-1.0, 1.0)
        assert cost(a, 0.0) == 0.5 * (a * a)
        assert cost([[a], [0.5]], [[0.0], [0.0]]) == 0.5 * (a * a + 0.25)
