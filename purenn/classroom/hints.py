"""Recognise common backprop mistakes from the first value that differs.

``compare`` calls ``hints`` with the first group of values (one matrix of
one quantity, step and example) that is outside tolerance.  Up to there
ACTUAL agreed with the fixture, so the fixture's own numbers are the inputs
ACTUAL used for this group, and a wrong formula can be recognised by
recomputing the group with the usual wrong formulas:

- a weight matrix stored K x J instead of J x K (rows must be neurons);
- the update ``w - eta * sum`` without the 1/m (a step m times too long),
  or divided by m twice, or with the wrong sign, or without eta;
- a gradient sum that holds the mean, or the wrong sign;
- sigmoid' applied to a instead of z, a instead of a(1 - a), none at all;
- the cost without its 1/2, or parameters recorded one step off;
- the examples of a mini-batch in another order than the fixture's.

``rounding_hints`` explains a difference at rounding level (one ULP, a few)
only from evidence: it looks at whether the group's inputs are identical in
ACTUAL and recomputes the group from the fixture's numbers the ways ports
commonly differ.  z identical but a different points at exp; ACTUAL equal
to the same sums with fused multiply-adds (one rounding for a*b + c) points
at the compiler (``-ffp-contract=off``); another order of additions is
named only when that order reproduces ACTUAL's values.

>>> _ratio([[2.0], [-4.0]], [[1.0], [-2.0]])
2.0
>>> _ratio([[2.0], [4.0]], [[1.0], [-2.0]]) is None
True
"""
from fractions import Fraction

from purenn import matrix
from purenn.classroom.compare_rule import ROUNDING_LEVEL
from purenn.epochs import mini_batch_rate
from purenn.primer import sigmoid

__all__ = ["hints", "rounding_hints", "shape_of"]

# Two matrices that agree to rounding level (compare_rule.ROUNDING_LEVEL,
# a fraction of the larger one's size) are taken as the same numbers
# computed in another order.
_SAME = ROUNDING_LEVEL
# A ratio is constant if every value's ratio is within this of the median:
# loose enough for values that carry rounding from a long chain.
_CONSTANT = 1e-6


def _close(a, e):
    size = max(abs(v) for row in e for v in row)
    error = max(abs(x - y) for a_row, e_row in zip(a, e)
                for x, y in zip(a_row, e_row))
    return error <= _SAME * size if size else error == 0


def _ratio(a, e):
    """Return r if every a = r * e (to ``_CONSTANT``), else None."""
    size = max(abs(v) for row in e for v in row)
    if size == 0:
        return None
    ratios = []
    for a_row, e_row in zip(a, e):
        for x, y in zip(a_row, e_row):
            if abs(y) > 1e-6 * size:
                ratios.append(x / y)
            elif abs(x) > 1e-3 * size:
                return None
    ratios.sort()
    r = ratios[len(ratios) // 2]
    scale = abs(r) or 1.0
    if any(abs(q - r) > _CONSTANT * scale for q in ratios):
        return None
    return r


def _near(r, target):
    return r is not None and abs(r - target) <= 1e-6 * abs(target)


def shape_of(m):
    """Return (rows, columns) of a list of equal-length lists, else None."""
    if not m or any(not isinstance(row, list) or len(row) != len(m[0])
                    for row in m):
        return None
    return len(m), len(m[0])


def _as_floats(value):
    """Return a fixture value (number, hex string or matrix) as float rows;
    compare has already read every one of these without error."""
    if not isinstance(value, list):
        value = [[value]]
    return [[float.fromhex(v) if isinstance(v, str) else float(v)
             for v in row] for row in value]


def _transposed_hints(key, e, a):
    rows, cols = shape_of(e)
    shape = shape_of(a)
    is_weight = key.endswith("w")
    what = ("purenn's w[j][k] is the weight into neuron j of this layer "
            "from neuron k of the layer before: rows are neurons"
            if is_weight else "rows are this layer's neurons")
    if shape == (cols, rows) and shape != (rows, cols):
        return ["ACTUAL's {} is {}x{} where purenn's is {}x{}: transposed "
                "({}){}".format(key, cols, rows, rows, cols, what,
                                "; transposed back it matches"
                                if _close(matrix.transpose(a), e) else "")]
    if rows == cols > 1 and _close(a, matrix.transpose(e)) and \
            not _close(a, e):
        return ["ACTUAL's {} equals purenn's transposed ({})".format(key,
                                                                    what)]
    return []


def _parameters_before(expected, step, layer_index, key):
    """Return the fixture's w or b of a layer before ``step``."""
    name = key[len("updated_"):]
    if step == 0:
        return expected["initial"]["layers"][layer_index][name]
    return expected["steps"][step - 1]["layers"][layer_index][key]


def _update_hints(expected, where, e, a, m, eta):
    key, step = where.key, where.step
    index = where.layer - 1
    before = _as_floats(_parameters_before(expected, step, index, key))
    out = []
    if _close(a, before):
        return ["ACTUAL's {} at step {} equals the parameters before the "
                "step: recorded before the update, or one step behind"
                .format(key, step)]
    if step + 1 < len(expected["steps"]):
        after = _as_floats(expected["steps"][step + 1]["layers"][index][key])
        if _close(a, after):
            return ["ACTUAL's {} at step {} equals purenn's at step {}: "
                    "one step ahead (an extra step, or the steps numbered "
                    "from 1?)".format(key, step, step + 1)]
    r = _ratio(matrix.subtract(a, before), matrix.subtract(e, before))
    rate = "eta/m = {!r}/{} = {!r}".format(eta, m, mini_batch_rate(eta, m))
    if m > 1 and _near(r, m):
        out.append("the change of {} is m = {} times purenn's: the 1/m is "
                   "missing (purenn: w - (eta/m) * sum, with {})".format(
                       key, m, rate))
    elif m > 1 and _near(r, 1.0 / m):
        out.append("the change of {} is 1/m = 1/{} of purenn's: divided by "
                   "m twice (purenn divides once: {})".format(key, m, rate))
    elif _near(r, -1.0):
        out.append("the change of {} has the wrong sign: purenn steps "
                   "against the gradient, w - (eta/m) * sum".format(key))
    elif eta != 1 and _near(r, 1.0 / eta):
        out.append("the change of {} is 1/eta of purenn's: eta is missing "
                   "({})".format(key, rate))
    elif eta != 1 and m > 1 and _near(r, m / eta):
        out.append("the change of {} is m/eta times purenn's: the step is "
                   "the plain sum, without eta/m ({})".format(key, rate))
    elif r is not None:
        out.append("the change of {} is {:.6g} times purenn's ({})".format(
            key, r, rate))
    return out


def _dc_db_hints(expected, where, a):
    """Compare ACTUAL's dC/db with the usual wrong sigmoid' formulas."""
    example = expected["steps"][where.step]["examples"][where.position]
    layer = example["layers"][where.layer - 1]
    z, act, dc_da = (_as_floats(layer[k]) for k in ("z", "a", "dc_da"))
    candidates = [
        ("sigmoid' applied to a instead of z: dC/db must be "
         "a(1 - a) * dC/da with a = sigmoid(z)",
         lambda z, x: sigmoid(x) * (1 - sigmoid(x))),
        ("z(1 - z) used as sigmoid': it is sigmoid(z)(1 - sigmoid(z)) = "
         "a(1 - a)", lambda z, x: z * (1 - z)),
        ("sigmoid' taken as a alone: it is a(1 - a)", lambda z, x: x),
        ("sigmoid' taken as (1 - a) alone: it is a(1 - a)",
         lambda z, x: 1 - x),
        ("sigmoid' is missing: dC/db = sigmoid'(z) * dC/da",
         lambda z, x: 1.0),
    ]
    for text, prime in candidates:
        guess = [[prime(zr[0], ar[0]) * dr[0]]
                 for zr, ar, dr in zip(z, act, dc_da)]
        if _close(a, guess):
            return [text]
    return []


def _order_hints(expected, where, a):
    """Name the example ACTUAL computed if it is another one of the step."""
    examples = expected["steps"][where.step]["examples"]
    for other in examples:
        if other["example"] == where.example:
            continue
        layers = other["layers"]
        if where.layer is None:
            value = [[other["cost"]]]
        elif where.key in layers[where.layer - 1]:
            value = layers[where.layer - 1][where.key]
        else:
            continue
        if _close(a, _as_floats(value)):
            return ["ACTUAL's values here are purenn's for example {} "
                    "instead of example {}: visit the examples in the "
                    "fixture's order (order[{}])".format(
                        other["example"], where.example, where.epoch)]
    return []


def hints(expected, quantity, where, e, a):
    """Return a list of hints (text) for the first group outside tolerance.

    ``expected`` is the fixture record, ``where`` the group's place (see
    compare_layout.Where), ``e`` and ``a`` the fixture's and ACTUAL's values
    as float matrices (``a`` may have another shape).
    """
    key = where.key
    if a is None:
        return []
    if shape_of(a) != shape_of(e):
        out = _transposed_hints(key, e, a)
        if not out and shape_of(a) is not None and shape_of(e)[1] == 1 \
                and shape_of(a)[0] == 1:
            out = ["ACTUAL's {} is a row; purenn writes vectors as columns "
                   "[[v0], [v1], ...] (or flat [v0, v1, ...])".format(key)]
        return out
    out = _transposed_hints(key, e, a)
    if out or _close(a, e):
        return out  # transposed, or rounding: nothing to hint at
    step = where.step
    m = len(expected["steps"][step]["examples"]) if step is not None else 1
    eta = _as_floats(expected["eta"])[0][0]
    if key in ("updated_w", "updated_b"):
        return _update_hints(expected, where, e, a, m, eta)
    if key == "dc_db" and where.example is not None:
        out = _dc_db_hints(expected, where, a)
        if out:
            return out
    if where.example is not None:
        out = _order_hints(expected, where, a)
        if out:
            return out
    r = _ratio(a, e)
    if r is None:
        return out
    if key.startswith("sum_") and m > 1 and _near(r, 1.0 / m):
        out.append("ACTUAL's {} is the mean over the mini-batch; the fixture "
                   "holds the plain sum (the 1/m is in rate = eta/m)".format(
                       key))
    elif key.startswith("sum_") and m > 1 and _near(r, m):
        out.append("ACTUAL's {} is m = {} times purenn's: each gradient "
                   "counted m times?".format(key, m))
    elif key == "rate" and _near(r, m) and m > 1:
        out.append("ACTUAL's rate is eta, not eta/m (m = {}): the 1/m is "
                   "missing".format(m))
    elif key == "rate" and _near(r, 1.0 / m) and m > 1:
        out.append("ACTUAL's rate is eta/m^2: divided by m twice")
    elif key.startswith("cost") and _near(r, 2.0):
        out.append("ACTUAL's cost is twice purenn's: the 1/2 of "
                   "C = 1/2 ||a - y||^2 is missing")
    elif key == "cost (mini-batch)" and m > 1 and _near(r, m):
        out.append("ACTUAL's mini-batch cost is the sum; the fixture holds "
                   "the mean (sum / m)")
    elif _near(r, -1.0):
        out.append("ACTUAL's {} has the wrong sign (dC/da at the output is "
                   "a - y, not y - a)".format(key))
    elif not _near(r, 1.0):
        out.append("every value of ACTUAL's {} here is {:.6g} times "
                   "purenn's".format(key, r))
    return out


# -- rounding-level differences ---------------------------------------------

def _fma(x, y, z):
    """x*y + z rounded once (an int / int true division is correctly
    rounded in Python, and the denominators are powers of two)."""
    a, b = x.as_integer_ratio()
    c, d = y.as_integer_ratio()
    p, q = z.as_integer_ratio()
    return (a * c * q + p * b * d) / (b * d * q)


def _once(terms):
    """The exact sum of products and values, rounded once (a wider
    accumulator); ``terms`` are (x, y) products or (v, None) values."""
    total = Fraction(0)
    for x, y in terms:
        total += Fraction(x) * Fraction(y) if y is not None else Fraction(x)
    return float(total)


def _dot_ways(weights, inputs, bias):
    """The sum w[0]*x[0] + ... + w[K-1]*x[K-1] (+ bias) computed the ways
    ports differ: name -> value.  The spec's way is left to right from the
    first product, bias last, every operation rounded."""
    n = len(weights)
    ways = {}
    fused = weights[0] * inputs[0]
    for k in range(1, n):
        fused = _fma(weights[k], inputs[k], fused)
    ways["fused"] = fused + bias if bias is not None else fused
    # gcc's vectorised loops may fuse only the last product of a sum.
    last = weights[0] * inputs[0]
    for k in range(1, n - 1):
        last = last + weights[k] * inputs[k]
    if n > 1:
        last = _fma(weights[n - 1], inputs[n - 1], last)
    ways["fused, the last product only"] = \
        last + bias if bias is not None else last
    backwards = weights[n - 1] * inputs[n - 1]
    for k in range(n - 2, -1, -1):
        backwards = backwards + weights[k] * inputs[k]
    ways["the products added from the last one back"] = \
        backwards + bias if bias is not None else backwards
    if bias is not None:
        first = bias
        for k in range(n):
            first = first + weights[k] * inputs[k]
        ways["the bias added first"] = first
    terms = [(weights[k], inputs[k]) for k in range(n)]
    if bias is not None:
        terms.append((bias, None))
    ways["one rounding at the end (a wider accumulator)"] = _once(terms)
    return ways


def _parameters_at(expected, step, layer, name):
    """The fixture's w or b of ``layer`` at the start of ``step``, and the
    group that holds it."""
    if step == 0:
        return (_as_floats(expected["initial"]["layers"][layer - 1][name]),
                (None, None, layer, "initial " + name))
    return (_as_floats(expected["steps"][step - 1]["layers"][layer - 1][
        "updated_" + name]), (step - 1, None, layer, "updated_" + name))


def _matches(candidate, a, e):
    """True if ACTUAL's every value that is not the fixture's is the
    candidate's.  Values may agree anyway (a fused product often rounds the
    same), and a vectorising compiler may fuse some lanes and not others:
    the evidence is in the values that differ."""
    differ = False
    for c_row, a_row, e_row in zip(candidate, a, e):
        for c, x, y in zip(c_row, a_row, e_row):
            if x != y or str(x) != str(y):
                differ = True
                if c != x or str(c) != str(x):
                    return False
    return differ


def _z_ways(expected, where):
    step, pos, layer = where.step, where.position, where.layer
    w, w_group = _parameters_at(expected, step, layer, "w")
    b, b_group = _parameters_at(expected, step, layer, "b")
    example = expected["steps"][step]["examples"][pos]
    if layer == 1:
        x = [float.fromhex(v) if isinstance(v, str) else float(v)
             for v in expected["inputs"][example["example"]]]
        groups = [w_group, b_group]
    else:
        x = [row[0] for row in _as_floats(
            example["layers"][layer - 2]["a"])]
        groups = [w_group, b_group, (step, pos, layer - 1, "a")]
    rows = [_dot_ways(w_row, x, b_row[0]) for w_row, b_row in zip(w, b)]
    return groups, dict((name, [[row[name]] for row in rows])
                        for name in rows[0])


def _dc_da_ways(expected, where):
    step, pos, layer = where.step, where.position, where.layer
    w, w_group = _parameters_at(expected, step, layer + 1, "w")
    example = expected["steps"][step]["examples"][pos]
    delta = [row[0] for row in _as_floats(example["layers"][layer]["dc_db"])]
    columns = [_dot_ways([w[j][k] for j in range(len(w))], delta, None)
               for k in range(len(w[0]))]
    return ([w_group, (step, pos, layer + 1, "dc_db")],
            dict((name, [[column[name]] for column in columns])
                 for name in columns[0]))


def _update_ways(expected, where):
    step, layer, key = where.step, where.layer, where.key
    name = key[len("updated_"):]
    before, before_group = _parameters_at(expected, step, layer, name)
    rate = _as_floats(expected["steps"][step]["rate"])[0][0]
    total = _as_floats(expected["steps"][step]["layers"][layer - 1][
        "sum_dc_d" + name])
    fused = [[_fma(-rate, s, p) for s, p in zip(s_row, p_row)]
             for s_row, p_row in zip(total, before)]
    return ([before_group, (step, None, None, "rate"),
             (step, None, layer, "sum_dc_d" + name)], {"fused": fused})


def _cost_ways(expected, where):
    step, pos = where.step, where.position
    example = expected["steps"][step]["examples"][pos]
    last = len(example["layers"])
    a = [row[0] for row in _as_floats(example["layers"][-1]["a"])]
    y = [float.fromhex(v) if isinstance(v, str) else float(v)
         for v in expected["targets"][example["example"]]]
    d = [x - t for x, t in zip(a, y)]
    fused = d[0] * d[0]
    for v in d[1:]:
        fused = _fma(v, v, fused)
    return [(step, pos, last, "a")], {"fused": [[0.5 * fused]]}


def _dc_db_ways(expected, where):
    step, pos, layer = where.step, where.position, where.layer
    record = expected["steps"][step]["examples"][pos]["layers"][layer - 1]
    act, dc_da = _as_floats(record["a"]), _as_floats(record["dc_da"])
    other = [[s[0] * ((1.0 - s[0]) * d[0])] for s, d in zip(act, dc_da)]
    return ([(step, pos, layer, "a"), (step, pos, layer, "dc_da")],
            {"s * ((1 - s) * dc_da) instead of (s * (1 - s)) * dc_da":
             other})


_WAYS = {"z": _z_ways, "updated_w": _update_ways,
         "updated_b": _update_ways, "cost": _cost_ways,
         "dc_db": _dc_db_ways}

_FUSED = ("ACTUAL's {} here equals purenn's arithmetic with fused "
          "multiply-adds (a*b + c rounded once) wherever it differs: the "
          "compiler contracted "
          "them; compile with -ffp-contract=off (C, C++), or write the "
          "product and the sum as two statements where the language fuses")


def rounding_hints(expected, actual, state, quantity, where, e, a):
    """Return hints for the first group outside tolerance when no value is
    beyond rounding.

    ``state`` maps each group walked so far, (step, position, layer, key),
    to True (ACTUAL's bits are the fixture's), False (they differ) or None
    (ACTUAL lacks it).  A hint is given only from evidence: inputs that are
    identical, and a recomputation that gives ACTUAL's values exactly.
    """
    key = where.key
    if shape_of(a) != shape_of(e) or where.step is None:
        return []
    group = (where.step, where.position, where.layer, key)
    if key == "a" and where.position is not None:
        z_state = state.get(group[:3] + ("z",))
        if z_state is True:
            return ["z is identical here but a = sigmoid(z) is not: the "
                    "port's exp (or sigmoid) is not correctly rounded; "
                    "sigmoid(z) = 1/(1 + exp(-z)) with exp correctly "
                    "rounded (docs/spec.md; most libms' exp, V8's Math.exp "
                    "and numpy's np.exp are not)"]
        if z_state is None:
            return ["ACTUAL has no z here: write z too, so that compare "
                    "can tell an exp that is not correctly rounded from a "
                    "sum computed differently"]
        return []
    if key == "dc_da" and where.position is not None:
        layers = expected["steps"][where.step]["examples"][
            where.position]["layers"]
        maker = _dc_da_ways if where.layer < len(layers) else None
    else:
        maker = _WAYS.get(key)
    if maker is None:
        return []
    if key == "cost" and where.position is None:
        return []
    groups, ways = maker(expected, where)
    known = [state.get(g) for g in groups]
    if None in known:
        return ["ACTUAL lacks an input of this {} ({}): write it, so that "
                "compare can tell where the difference starts".format(
                    key, ", ".join(str(g[3]) for g, k in zip(groups, known)
                                   if k is None))]
    if not all(known):
        return []   # its inputs already differ (within the tolerance)
    for name in sorted(ways):
        if name.startswith("fused") and _matches(ways[name], a, e):
            return [_FUSED.format(key)]
    for name in sorted(ways):
        if not name.startswith("fused") and _matches(ways[name], a, e):
            return ["ACTUAL's {} here equals purenn's with {} wherever it "
                    "differs: docs/spec.md fixes the order of operations"
                    .format(key, name)]
    tried = ", ".join(sorted(ways))
    return ["the inputs of this {} are identical in ACTUAL, so the "
            "difference arises in this formula; none of these reproduce "
            "ACTUAL's values: {} (see docs/spec.md for the order of "
            "operations)".format(key, tried)]
