"""The primer's functions, with the primer's names and meanings.

Each function takes scalars, as in the primer's worked example (1 -> 1 -> 1),
or matrices (lists of rows, see ``purenn.matrix``), as in its 2-3-2 demo:

=====================  ===============================  =====================
function               scalar form (worked example)     matrix form (demo)
=====================  ===============================  =====================
raw_activation(w,a,b)  w * a + b                        w . a + b
sigmoid(z)             1 / (1 + e^-z)                   element-wise
sigmoid_prime(z)       sigmoid(z) * (1 - sigmoid(z))    element-wise
dc_db(z, dc_da)        sigmoid_prime(z) * dc_da         Hadamard product
dc_dw(a_prev, dc_db)   a_prev * dc_db                   dc_db . a_prev^T
dc_da_prev(w, dc_db)   w * dc_db                        w^T . dc_db
cost(a, y)             0.5 * (a - y)**2                 0.5 * sum((a - y)**2)
=====================  ===============================  =====================

The primer's worked example, to the last digit:

>>> z_l1 = raw_activation(1.58, 0.8, -0.14)
>>> z_l1
1.124
>>> sigmoid(z_l1)
0.7547299213576082
"""
from purenn import matrix
from purenn.exact import exp

__all__ = ["sigmoid", "sigmoid_prime", "raw_activation", "dc_db", "dc_dw",
           "dc_da_prev", "cost"]


def _is_matrix(value):
    return isinstance(value, (list, tuple))


def _sigmoid_scalar(z):
    # 1.0/(1.0+exp(-z)) exactly as the primer (and numpy) computes it, so its
    # printed digits come out to the bit, with purenn's correctly rounded exp
    # (purenn.exact) so that they come out the same on every platform.  exp
    # returns inf where -z is above about 709.78, as numpy does, and
    # 1/(1+inf) is 0.0: the primer's value there.
    return 1.0 / (1.0 + exp(-z))


def sigmoid(z):
    """Return 1/(1+e^-z) for a number ``z``, or element-wise for a matrix.

    Computed as ``1.0/(1.0+exp(-z))`` with IEEE-754 division and addition
    and ``purenn.exact.exp``, e^-z correctly rounded: the same bits on every
    platform.  0.0 where e^-z is past the largest double (z below about
    -709.78).  Never raises for a number.

    >>> sigmoid(0)
    0.5
    >>> sigmoid([[0], [-1000]])
    [[0.5], [0.0]]
    """
    if _is_matrix(z):
        return matrix.apply(_sigmoid_scalar, z)
    return _sigmoid_scalar(z)


def _sigmoid_prime_scalar(z):
    return _sigmoid_scalar(z) * (1 - _sigmoid_scalar(z))


def sigmoid_prime(z):
    """Return the derivative sigmoid(z) * (1 - sigmoid(z)), element-wise.

    >>> sigmoid_prime(0)
    0.25
    """
    if _is_matrix(z):
        return matrix.apply(_sigmoid_prime_scalar, z)
    return _sigmoid_prime_scalar(z)


def raw_activation(w, a, b):
    """Return the raw activation z = w . a + b of a layer.

    Matrices: ``w`` is J x K (weights into the layer), ``a`` the K x 1
    activations of the previous layer, ``b`` the J x 1 biases; the result is
    J x 1.  Scalars: ``w * a + b``.

    >>> raw_activation([[1, 2]], [[3], [4]], [[0.5]])
    [[11.5]]
    """
    if _is_matrix(w):
        return matrix.add(matrix.dot(w, a), b)
    return w * a + b


def dc_db(z, dc_da):
    """Return dC/db = sigma'(z) (.) dC/da for a layer (J x 1, or a number).

    >>> dc_db(0, 2)
    0.5
    """
    if _is_matrix(z):
        return matrix.hadamard(sigmoid_prime(z), dc_da)
    return sigmoid_prime(z) * dc_da


def dc_dw(a_prev, dc_db):
    """Return dC/dw = dC/db . a_prev^T (J x 1 by 1 x K gives J x K).

    >>> dc_dw([[1], [2]], [[0.5]])
    [[0.5, 1.0]]
    """
    if _is_matrix(a_prev):
        return matrix.dot(dc_db, matrix.transpose(a_prev))
    return a_prev * dc_db


def dc_da_prev(w, dc_db):
    """Return dC/da for the previous layer: w^T . dC/db (K x 1).

    Uses the layer's weights as they are *before* this step's update, as the
    primer does.

    >>> dc_da_prev([[1, 2]], [[0.5]])
    [[0.5], [1.0]]
    """
    if _is_matrix(w):
        return matrix.dot(matrix.transpose(w), dc_db)
    return w * dc_db


def cost(a, y):
    """Return the quadratic cost C = 1/2 ||a - y||^2.

    For numbers this is the primer's ``0.5 * (a - y)**2``; for J x 1 columns
    the squares are added left to right and then halved.  A square is
    written ``d * d``, one correctly rounded IEEE-754 product: CPython's
    ``d**2`` calls the C library's ``pow``, which is not correctly rounded
    (on glibc 2.36 it differs from ``d * d`` in the last bit for about one
    double in a thousand) and so would give other bits under PyPy, which
    squares by multiplying, or with another C library.

    >>> cost(0.5, 1)
    0.125
    >>> cost([[0.5], [0.5]], [[0], [1]])
    0.25
    """
    if not _is_matrix(a):
        difference = a - y
        return 0.5 * (difference * difference)
    differences = matrix.flatten(matrix.subtract(a, y))
    total = differences[0] * differences[0]
    for difference in differences[1:]:
        total = total + difference * difference
    return 0.5 * total
