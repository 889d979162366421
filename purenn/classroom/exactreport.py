"""Exact arithmetic beside a trace: each step without exp redone in Fractions.

Every float is an exact binary fraction m * 2**e, so every step of a
training step that needs no exp -- z = w.a + b, a - y, dC/dw, dC/da and the
updates -- can be redone exactly in ``fractions.Fraction`` from the very
floats the network used.  ``exact_report(record)`` does so for a
``steprecord.trace`` record and shows each float beside the exact value and
the rounding error; ``worked_example_decimals()`` adds the worked example's
one step that is exact in decimal, z_l1 = 1.58 * 0.8 - 0.14 = 281/250.

>>> from purenn.classroom.examples import primer_network
>>> from purenn.classroom.steprecord import trace
>>> report = exact_report(trace(primer_network(), [0.8], [1], 0.1))
>>> report.splitlines()[0]
'Exact arithmetic with fractions.Fraction'
"""
from fractions import Fraction

from purenn import matrix
from purenn.primer import dc_da_prev, dc_dw, raw_activation
from purenn.classroom.tracetext import shape_text

__all__ = ["exact_report", "worked_example_decimals"]

def _exact_decimal(value):
    """Return the exact decimal expansion of a float or of a Fraction whose
    denominator has no prime factor but 2 and 5.

    Every float is m * 2**e, so its decimal expansion ends; so does that of
    any sum or product of floats.

    >>> _exact_decimal(0.1)
    '0.1000000000000000055511151231257827021181583404541015625'
    >>> _exact_decimal(Fraction(-281, 250))
    '-1.124'
    """
    value = Fraction(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    rest, places = value.denominator, 0
    for prime in (2, 5):
        count = 0
        while rest % prime == 0:
            rest //= prime
            count += 1
        places = max(places, count)
    if rest != 1:
        raise ValueError("{} has no finite decimal expansion".format(value))
    scaled = value.numerator * 10 ** places // value.denominator
    digits = str(scaled).rjust(places + 1, "0")
    whole = digits[:len(digits) - places]
    fraction_part = digits[len(digits) - places:].rstrip("0")
    return sign + whole + ("." + fraction_part if fraction_part else "")


def _exact_steps(record):
    """Yield (label, formula, float matrix, exact matrix) for the no-exp steps.

    Each exact matrix is purenn's own function (``raw_activation``,
    ``dc_dw``, ``dc_da_prev``, ``matrix.subtract``) applied to the exact
    rational values of the float operands the network used.
    """
    def exact(m):
        return [[Fraction(v) for v in row] for row in m]

    step = Fraction(record["step_size"])
    layers = record["layers"]
    previous_a = record["input"]
    for layer in layers:
        l = layer["layer"]
        yield ("z[{}]".format(l), "w[{0}] . a[{1}] + b[{0}]".format(l, l - 1),
               layer["z"], raw_activation(exact(layer["w"]),
                                          exact(previous_a),
                                          exact(layer["b"])))
        previous_a = layer["a"]
    output = layers[-1]
    yield ("dC/da[{}]".format(output["layer"]), "a[L] - y", output["dc_da"],
           matrix.subtract(exact(output["a"]), exact(record["target"])))
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        l = layer["layer"]
        a_prev = layers[index - 1]["a"] if index > 0 else record["input"]
        yield ("dC/dw[{}]".format(l), "dC/db[{0}] . a[{1}]^T".format(l, l - 1),
               layer["dc_dw"], dc_dw(exact(a_prev), exact(layer["dc_db"])))
        if index > 0:
            yield ("dC/da[{}]".format(l - 1),
                   "w[{0}]^T . dC/db[{0}]".format(l),
                   layers[index - 1]["dc_da"],
                   dc_da_prev(exact(layer["w"]), exact(layer["dc_db"])))
        yield ("updated b[{}]".format(l), "b - dC/db * step_size",
               layer["updated_b"],
               matrix.subtract(exact(layer["b"]),
                               matrix.scale(step, exact(layer["dc_db"]))))
        yield ("updated w[{}]".format(l), "w - dC/dw * step_size",
               layer["updated_w"],
               matrix.subtract(exact(layer["w"]),
                               matrix.scale(step, exact(layer["dc_dw"]))))


_WHY_NOT_EXACT = """\
Why sigmoid cannot be exact: sigmoid(z) = 1/(1 + e^-z).  For a rational
z != 0, e^z is irrational (Lindemann, 1882: e^x is even transcendental for
every algebraic x != 0), so 1/(1 + e^-z) is irrational too: no fraction, and
no float, holds it (z = 0 is the one exception: sigmoid(0) = 1/2).  Every a,
sigmoid_prime(z) = a(1 - a) and dC/db is therefore rounded, and so is the
cost.  What can be exact is everything between the exps: z = w.a + b, a - y,
dC/dw, dC/da and the updates, taking the float operands as the exact
rationals they are."""


def _fraction_text(value):
    if value.denominator == 1:
        return str(value.numerator)
    return "{}/{}".format(value.numerator, value.denominator)


def exact_report(record, decimals=None):
    """Return text comparing each no-exp step's float with exact arithmetic.

    ``record`` is a ``trace``.  ``decimals``, when given, is a list of
    ``(name, formula, Fraction)`` lines computed from the decimal numbers as
    the text prints them (the worked example's ``z_l1 = 281/250``), shown
    first.
    """
    lines = ["Exact arithmetic with fractions.Fraction", ""]
    if decimals:
        lines.append("With the numbers as the text writes them, in decimal:")
        for name, formula, value, computed in decimals:
            lines.append("  {} = {} = {} = {} exactly".format(
                name, formula, _fraction_text(value), _exact_decimal(value)))
            lines.append("  the float {} computed by purenn is {!r}, which "
                         "is exactly".format(name, computed))
            lines.append("    {}".format(_exact_decimal(computed)))
            lines.append("  (floats are binary: 0.8 is really {},".format(
                _exact_decimal(0.8)))
            lines.append("  so even a sum that is exact in decimal is "
                         "rounded in floats; error {!r})".format(
                             float(Fraction(computed) - value)))
        lines.append("")
    lines += _WHY_NOT_EXACT.splitlines()
    lines += ["",
              "Each float is an exact binary fraction.  Below, each step "
              "without exp is",
              "recomputed in Fractions from the very floats the network "
              "used; 'error' is",
              "float result - exact result, the rounding of the float "
              "arithmetic.", ""]
    worst = Fraction(0)
    for label, formula, floats, exacts in _exact_steps(record):
        lines.append("{} = {}   ({})".format(label, formula,
                                             shape_text(floats)))
        for j, (float_row, exact_row) in enumerate(zip(floats, exacts)):
            for k, (f, e) in enumerate(zip(float_row, exact_row)):
                error = Fraction(f) - e
                if abs(error) > worst:
                    worst = abs(error)
                lines.append("  [{}][{}] float {!r}".format(j, k, f))
                lines.append("         exact {}".format(_exact_decimal(e)))
                lines.append("         error {!r}{}".format(
                    float(error), "" if error else " (the float is exact)"))
    lines += ["", "largest rounding error: {!r}".format(float(worst))]
    return "\n".join(lines) + "\n"


def worked_example_decimals():
    """Return [(name, formula, exact Fraction, float)] for the worked example
    steps that are exact in decimal: z_l1 = 1.58 * 0.8 - 0.14 = 281/250."""
    w_l1, a_l0, b_l1 = Fraction("1.58"), Fraction("0.8"), Fraction("-0.14")
    return [("z_l1", "1.58 * 0.8 + (-0.14)", raw_activation(w_l1, a_l0, b_l1),
             raw_activation(1.58, 0.8, -0.14))]
