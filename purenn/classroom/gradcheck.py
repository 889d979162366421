"""Check backpropagation against central finite differences.

For every bias and weight p of a network, the backpropagated dC/dp from
``Network.gradients`` is compared with the numeric derivative

    (C(p + h) - C(p - h)) / ((p + h) - (p - h))

where C is ``Network.cost`` for one example and every other parameter is
held fixed.  A central difference is off by about h^2 * C'''/6 (truncation)
plus eps * C / h (rounding); with h = 1e-5 both are near 1e-11 for the
sigmoid networks here, while a wrong derivative is off by its own size.
The denominator is the distance between the two perturbed floats as
computed, not 2h, which removes the rounding of p + h from the quotient.

The relative error of a pair is

    |backprop - numeric| / max(|backprop|, |numeric|, FLOOR)

so two derivatives that are both tiny (below FLOOR = 1e-5) are compared by
their absolute difference / FLOOR instead of being blown up by a division by
almost zero.  A check fails when any relative error exceeds THRESHOLD =
1e-4: for large derivatives a relative difference of 1e-4, for tiny ones an
absolute difference of 1e-9.  Measured on random networks up to 16-16-16,
the absolute difference never exceeded 7.5e-11 (13 times below), while a
wrong derivative gives relative errors of order 1.

>>> from purenn.network import Network
>>> net = Network([2, 3, 2], seed=1)
>>> rows = check_gradients(net, [0.5, 0.25], [0, 1])
>>> len(rows), rows[0].parameter
(17, 'b[1][0]')
>>> worst(rows).relative_error < THRESHOLD
True
"""
import collections

from purenn.network import Network

__all__ = ["H", "FLOOR", "THRESHOLD", "MAX_PARAMETERS", "GradientRow",
           "relative_error", "check_gradients", "worst", "passed",
           "render_table", "count_parameters"]

H = 1e-5
FLOOR = 1e-5
THRESHOLD = 1e-4

# Each parameter costs two feed forwards of about one multiplication per
# parameter: checking P parameters takes ~2 P^2 multiplications, 8 million
# (a few seconds of pure Python) at 2000.  A 784-30-10 network (23,860
# parameters) would take over a billion.
MAX_PARAMETERS = 2000

GradientRow = collections.namedtuple(
    "GradientRow", ["parameter", "backprop", "numeric", "relative_error"])


def relative_error(backprop, numeric, floor=FLOOR):
    """Return |backprop - numeric| / max(|backprop|, |numeric|, floor).

    >>> relative_error(2.0, 1.0)
    0.5
    >>> relative_error(0.0, 0.0)
    0.0
    """
    scale = max(abs(backprop), abs(numeric), floor)
    return abs(backprop - numeric) / scale


def count_parameters(layers):
    """Return the number of biases and weights of a network of ``layers``.

    >>> count_parameters([2, 3, 2])
    17
    """
    total = 0
    for l in range(1, len(layers)):
        total += layers[l] * (layers[l - 1] + 1)
    return total


def check_gradients(net, inputs, y, h=H, max_parameters=MAX_PARAMETERS):
    """Return one GradientRow per parameter: biases then weights, by layer.

    ``inputs`` is a flat list, ``y`` a flat list or a label.  ``net`` is not
    changed (the perturbations are made on a copy).  Raise ValueError for a
    network with more than ``max_parameters`` parameters (None: no limit).
    Parameters are named ``b[l][j]`` and ``w[l][j][k]`` as in the primer:
    layer l, neuron j, and for a weight the neuron k of layer l-1.
    """
    if max_parameters is not None:
        count = count_parameters(net.layers)
        if count > max_parameters:
            raise ValueError(
                "network {} has {} parameters; a gradient check takes two "
                "feed forwards per parameter and allows at most {}".format(
                    "-".join(str(size) for size in net.layers), count,
                    max_parameters))
    work = Network(net.layers, b=net.biases, w=net.weights)
    dc_db, dc_dw = work.gradients(inputs, y)
    rows = []

    def numeric(m, j, k, name):
        original = m[j][k]
        plus_value = original + h
        minus_value = original - h
        if plus_value == minus_value:
            # |p| so large (1e308) that p + h and p - h round to p: the
            # difference quotient would divide by zero.  Say so instead.
            raise ValueError(
                "{}: {!r} is too large for a finite-difference check: "
                "{!r} +- h (h = {!r}) round to the same number".format(
                    name(), original, original, h))
        m[j][k] = plus_value
        cost_plus = work.cost(inputs, y)
        m[j][k] = minus_value
        cost_minus = work.cost(inputs, y)
        m[j][k] = original
        return (cost_plus - cost_minus) / (plus_value - minus_value)

    for l in range(1, work.num_layers):
        for j in range(work.layers[l]):
            slope = numeric(work.b[l], j, 0,
                            lambda: "b[{}][{}]".format(l, j))
            rows.append(GradientRow("b[{}][{}]".format(l, j), dc_db[l][j][0],
                                    slope, relative_error(dc_db[l][j][0],
                                                          slope)))
    for l in range(1, work.num_layers):
        for j in range(work.layers[l]):
            for k in range(work.layers[l - 1]):
                slope = numeric(work.w[l], j, k,
                                lambda: "w[{}][{}][{}]".format(l, j, k))
                rows.append(GradientRow(
                    "w[{}][{}][{}]".format(l, j, k), dc_dw[l][j][k], slope,
                    relative_error(dc_dw[l][j][k], slope)))
    return rows


def worst(rows):
    """Return the row with the largest relative error (the first on a tie)."""
    best = rows[0]
    for row in rows[1:]:
        if row.relative_error > best.relative_error:
            best = row
    return best


def passed(rows, threshold=THRESHOLD):
    """Return True if no relative error exceeds ``threshold``."""
    return worst(rows).relative_error <= threshold


def render_table(rows, threshold=THRESHOLD, h=H):
    """Return the rows as an aligned text table and a one-line verdict."""
    header = ("parameter", "backprop", "numeric", "relative error")
    cells = [header] + [(row.parameter, repr(row.backprop), repr(row.numeric),
                         "{:.3e}".format(row.relative_error)) for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(4)]
    lines = []
    for line in cells:
        lines.append("  ".join([line[0].ljust(widths[0])] +
                               [cell.rjust(width) for cell, width
                                in zip(line[1:], widths[1:])]).rstrip())
    bad = worst(rows)
    verdict = "PASS" if passed(rows, threshold) else "FAIL"
    failing = len([row for row in rows if row.relative_error > threshold])
    lines.append("")
    lines.append("{}: {} parameters, largest relative error {:.3e} at {} "
                 "(threshold {:.0e}, h = {!r}){}".format(
                     verdict, len(rows), bad.relative_error, bad.parameter,
                     threshold, h, "" if failing == 0 else
                     "; {} above the threshold".format(failing)))
    return "\n".join(lines) + "\n"
