"""Matrices as lists of rows, with the few operations the primer's network uses.

A matrix is a list of rows, each a list of numbers; ``[[1, 2], [3, 4]]`` is the
2x2 matrix with first row ``1 2``.  A vector is a J x 1 *column*, a list of
one-element rows, so that ``dot(transpose(w), delta)`` reads like the primer's
w^T . delta.  Shapes are written J x K (rows x columns) everywhere.

Every function works on any numbers that support ``+`` and ``*`` (int, float,
``fractions.Fraction``), so the primer's arithmetic can be replayed exactly in
rationals.  No function mutates its arguments.

Sums are accumulated left to right in a plain loop, one IEEE-754 rounding per
addition.  That is the same on every CPython: the builtin ``sum()`` is
deliberately not used, because Python 3.12 changed it to compensated summation,
which gives different last bits than 3.11 for the same floats.

>>> w = [[1, 2], [3, 4], [5, 6]]
>>> a = column([1, 1])
>>> dot(w, a)
[[3], [7], [11]]
>>> shape(transpose(w))
(2, 3)
"""
import numbers

__all__ = ["ShapeError", "shape", "dot", "transpose", "hadamard", "add",
           "subtract", "scale", "column", "flatten", "zeros", "apply"]


class ShapeError(ValueError):
    """Two matrices do not fit together, or a value is not a matrix of the
    expected shape.  The message gives the shapes involved."""


def _format_shape(rows_cols):
    return "{}x{}".format(*rows_cols)


def shape(m):
    """Return ``(rows, columns)`` of the matrix ``m``.

    Raise ShapeError if ``m`` is empty or its rows differ in length, and
    TypeError if it is not a list (or tuple) of lists (or tuples).

    >>> shape([[1, 2, 3], [4, 5, 6]])
    (2, 3)
    """
    if not isinstance(m, (list, tuple)):
        raise TypeError("expected a matrix (a list of rows), got {}".format(
            type(m).__name__))
    if not m:
        raise ShapeError("expected a matrix with at least one row, got []")
    first = m[0]
    if not isinstance(first, (list, tuple)):
        raise TypeError("expected a matrix (a list of rows), got a list of "
                        "{}".format(type(first).__name__))
    cols = len(first)
    if cols == 0:
        raise ShapeError("expected rows with at least one column, got []")
    for i, row in enumerate(m):
        if not isinstance(row, (list, tuple)):
            raise TypeError("row {} of the matrix is a {}, expected a "
                            "list".format(i, type(row).__name__))
        if len(row) != cols:
            raise ShapeError("row {} has {} columns, row 0 has {}: a matrix "
                             "must be rectangular".format(i, len(row), cols))
    return len(m), cols


def dot(p, q):
    """Return the matrix product p . q of an I x J and a J x K matrix (I x K).

    Each entry is accumulated left to right: ``p[i][0]*q[0][k] + p[i][1]*q[1][k]
    + ...`` with one rounding per step, the same bits on every Python version.

    >>> dot([[1, 2]], [[3], [4]])
    [[11]]
    >>> dot([[1, 2]], [[3, 4]])
    Traceback (most recent call last):
    ...
    purenn.matrix.ShapeError: dot: cannot multiply 1x2 by 1x2 (2 != 1)
    """
    p_shape, q_shape = shape(p), shape(q)
    if p_shape[1] != q_shape[0]:
        raise ShapeError("dot: cannot multiply {} by {} ({} != {})".format(
            _format_shape(p_shape), _format_shape(q_shape),
            p_shape[1], q_shape[0]))
    q_columns = transpose(q)
    product = []
    for p_row in p:
        out_row = []
        for q_column in q_columns:
            total = p_row[0] * q_column[0]
            for j in range(1, len(p_row)):
                total = total + p_row[j] * q_column[j]
            out_row.append(total)
        product.append(out_row)
    return product


def transpose(m):
    """Return the K x J transpose of a J x K matrix.

    >>> transpose([[1, 2, 3]])
    [[1], [2], [3]]
    """
    shape(m)
    return [list(col) for col in zip(*m)]


def _check_same_shape(name, p, q):
    p_shape, q_shape = shape(p), shape(q)
    if p_shape != q_shape:
        raise ShapeError("{}: shapes differ: {} and {}".format(
            name, _format_shape(p_shape), _format_shape(q_shape)))


def hadamard(p, q):
    """Return the element-wise (Hadamard) product of two matrices of one shape.

    >>> hadamard([[1], [2]], [[3], [4]])
    [[3], [8]]
    """
    _check_same_shape("hadamard", p, q)
    return [[x * y for x, y in zip(p_row, q_row)]
            for p_row, q_row in zip(p, q)]


def add(p, q):
    """Return p + q, element by element, for two matrices of one shape.

    >>> add([[1, 2]], [[10, 20]])
    [[11, 22]]
    """
    _check_same_shape("add", p, q)
    return [[x + y for x, y in zip(p_row, q_row)]
            for p_row, q_row in zip(p, q)]


def subtract(p, q):
    """Return p - q, element by element, for two matrices of one shape.

    >>> subtract([[1, 2]], [[10, 20]])
    [[-9, -18]]
    """
    _check_same_shape("subtract", p, q)
    return [[x - y for x, y in zip(p_row, q_row)]
            for p_row, q_row in zip(p, q)]


def scale(c, m):
    """Return the matrix ``m`` with every entry multiplied by the number ``c``.

    The product is ``c * x`` in that order (as numpy's ``c * m``).

    >>> scale(0.5, [[2, 4]])
    [[1.0, 2.0]]
    """
    if not isinstance(c, numbers.Number):
        raise TypeError("scale: expected a number, got {}".format(
            type(c).__name__))
    shape(m)
    return [[c * x for x in row] for row in m]


def apply(f, m):
    """Return the matrix of ``f(x)`` for every entry ``x`` of ``m``.

    >>> apply(abs, [[-1, 2]])
    [[1, 2]]
    """
    shape(m)
    return [[f(x) for x in row] for row in m]


def column(values):
    """Return the J x 1 column matrix holding the J numbers ``values``.

    >>> column([1, 2])
    [[1], [2]]
    """
    values = list(values)
    if not values:
        raise ShapeError("column: expected at least one value, got none")
    return [[value] for value in values]


def flatten(m):
    """Return the entries of ``m`` row by row as one flat list.

    >>> flatten([[1], [2], [3]])
    [1, 2, 3]
    """
    shape(m)
    return [x for row in m for x in row]


def zeros(rows, cols):
    """Return a rows x cols matrix of ``0.0``.

    >>> zeros(2, 1)
    [[0.0], [0.0]]
    """
    return [[0.0] * cols for _ in range(rows)]
