"""purenn.matrix: hand-written dot, transpose, Hadamard product and helpers."""
from fractions import Fraction

import pytest

from purenn.matrix import (ShapeError, shape, dot, transpose, hadamard, add,
                           subtract, scale, column, flatten, zeros, apply)


def test_dot_by_hand():
    # [[1 2 3], [4 5 6]] . [[7], [8], [9]] = [[1*7+2*8+3*9], [4*7+5*8+6*9]]
    assert dot([[1, 2, 3], [4, 5, 6]], [[7], [8], [9]]) == [[50], [122]]
    assert dot([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == [[19, 22], [43, 50]]


def test_dot_adds_left_to_right():
    # (1e16 + 1) + -1e16 is 0.0 in doubles (1 is lost to rounding), while
    # 1e16 + (1 + -1e16) would be 2.0 and an exact sum would be 1.0: the
    # result pins the order of accumulation, the same on every Python.
    assert dot([[1e16, 1.0, -1e16]], [[1.0], [1.0], [1.0]]) == [[0.0]]


def test_dot_shape_error_names_both_shapes():
    with pytest.raises(ShapeError, match=r"dot: cannot multiply 3x2 by 3x1"):
        dot([[1, 2], [3, 4], [5, 6]], [[1], [2], [3]])


def test_shape_errors_are_value_errors():
    assert issubclass(ShapeError, ValueError)


@pytest.mark.parametrize("function", [hadamard, add, subtract])
def test_elementwise_shape_error_names_both_shapes(function):
    with pytest.raises(ShapeError, match=r"2x1 and 3x1"):
        function([[1], [2]], [[1], [2], [3]])


def test_elementwise_operations():
    p, q = [[1, 2], [3, 4]], [[10, 20], [30, 40]]
    assert hadamard(p, q) == [[10, 40], [90, 160]]
    assert add(p, q) == [[11, 22], [33, 44]]
    assert subtract(q, p) == [[9, 18], [27, 36]]
    assert scale(3, p) == [[3, 6], [9, 12]]
    assert apply(lambda x: -x, p) == [[-1, -2], [-3, -4]]


def test_ragged_and_empty_matrices_are_refused():
    with pytest.raises(ShapeError, match="row 1 has 1 columns, row 0 has 2"):
        shape([[1, 2], [3]])
    with pytest.raises(ShapeError, match=r"at least one row, got \[\]"):
        shape([])
    with pytest.raises(ShapeError, match=r"at least one column, got \[\]"):
        shape([[]])
    with pytest.raises(ShapeError,
                       match="column: expected at least one value"):
        column([])


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError,
                       match=r"expected a matrix \(a list of rows\), got int"):
        shape(3)
    with pytest.raises(TypeError, match=r"got a list of int"):
        shape([1, 2])
    with pytest.raises(TypeError, match="scale: expected a number, got str"):
        scale("2", [[1]])


@pytest.mark.parametrize("m", [[[1]], [[1, 2, 3]], [[1], [2]],
                               [[1.5, 2, 3], [4, 5, 6.25]]])
def test_transpose_twice_is_identity(m):
    assert transpose(transpose(m)) == m
    rows, cols = shape(m)
    assert shape(transpose(m)) == (cols, rows)


def test_helpers():
    assert column([1, 2, 3]) == [[1], [2], [3]]
    assert flatten([[1, 2], [3, 4]]) == [1, 2, 3, 4]
    assert zeros(2, 3) == [[0.0] * 3, [0.0] * 3]


def test_fractions_stay_exact():
    w = [[Fraction(1, 3), Fraction(2, 3)]]
    a = [[Fraction(3)], [Fraction(3, 2)]]
    assert dot(w, a) == [[Fraction(2)]]
    assert isinstance(dot(w, a)[0][0], Fraction)


def test_arguments_are_not_mutated():
    p, q = [[1, 2], [3, 4]], [[5, 6], [7, 8]]
    before = ([row[:] for row in p], [row[:] for row in q])
    dot(p, q), add(p, q), transpose(p), scale(2, p), hadamard(p, q)
    assert (p, q) == before
