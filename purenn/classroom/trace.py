"""Step-by-step records of one training step, for checking by hand.

``trace(net, inputs, y, step_size)`` runs ``Network.feed_forward`` and
``Network.propagate_backward`` on a copy of ``net`` (the caller's network is
never changed) and keeps every intermediate the network computed: each
layer's weights and biases, z, a, dC/da, dC/db, dC/dw, the updated weights
and biases, the z and a of a second feed forward with the updated
parameters, and the cost before and after.  Nothing here recomputes the
maths: the values are the very floats ``Network`` produced.

The record is a plain dict (see ``trace``) that three renderers turn into
text (``render_text``), a Markdown worksheet (``render_markdown``) or JSON
with every float written by ``repr`` so it reads back bit for bit
(``render_json``).

``worked_example()`` lays the primer's 1 -> 1 -> 1 worked example out in the
primer's order and names, ``demo_network()`` builds the primer's 2-3-2 demo,
and ``exact_report()`` replays the steps that need no exp in
``fractions.Fraction``.

>>> net = Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]], w=[[[1.58]], [[2.45]]])
>>> record = trace(net, [0.8], [1], 0.1)
>>> record["layers"][0]["a"]
[[0.7547299213576082]]
>>> record["layers"][1]["updated_b"]
[[-0.1081007630517096]]
>>> net.b[2]                     # the caller's network is unchanged
[[-0.11]]
"""
import copy
import json
from fractions import Fraction

from purenn import matrix
from purenn.network import Network, target_column
from purenn.primer import cost, dc_da_prev, dc_dw, raw_activation

__all__ = ["LANGUAGES", "MAX_NEURONS", "TRACE_FORMAT", "PRIMER_VALUES", "trace",
           "check_size", "render_text", "render_markdown", "render_json",
           "worked_example", "render_worked_example", "demo_network",
           "primer_network",
           "DEMO_INPUT", "DEMO_TARGET", "DEMO_STEP_SIZE", "exact_report",
           "worked_example_decimals"]

# A trace prints every weight of every layer: a 16 x 16 weight matrix is
# already 16 lines of 16 full-precision floats (about 350 characters each),
# and a 784-input layer would be tens of thousands of lines nobody reads.
MAX_NEURONS = 16

TRACE_FORMAT = "purenn-trace/1"

_LAYER_KEYS = ("layer", "w", "b", "z", "a", "dc_da", "dc_db", "dc_dw",
               "updated_w", "updated_b", "updated_z", "updated_a")

# The values the primer prints in its worked example, in the order it
# prints them (copied from the primer's "example calculation" section).
PRIMER_VALUES = (
    ("z_l1", 1.124),
    ("a_l1", 0.7547299213576082),
    ("z_l2", 1.73908830732614),
    ("a_l2", 0.850571226530534),
    ("dc_db_l2", -0.018992369482903983),
    ("dc_dw_l2", -0.014334109526226761),
    ("dc_da_l1", -0.04653130523311476),
    ("updated_b_l2", -0.1081007630517096),
    ("updated_w_l2", 2.451433410952623),
    ("dc_db_l1", -0.008613534018377424),
    ("dc_dw_l1", -0.006890827214701939),
    ("updated_b_l1", -0.13913864659816227),
    ("updated_w_l1", 1.5806890827214704),
    ("updated_z_l1", 1.125412619579014),
    ("updated_a_l1", 0.7549913210309638),
    ("updated_z_l2", 1.7427101863028525),
    ("updated_a_l2", 0.8510309824120517),
    ("original_cost", 0.011164479170294499),
    ("updated_cost", 0.011095884100559231),
)

# The primer's 2-3-2 demo: b and w from its listing, inputs, y, step size.
_DEMO_B = [[[0.54001045], [0.75958375], [0.01870296]],
           [[-0.32783478], [0.06061246]]]
_DEMO_W = [[[-0.11499179, 0.454649],
            [-0.65801895, 0.56618695],
            [-0.15686814, -0.87499479]],
           [[0.01071228, -0.49139708, -0.81775586],
            [-0.87455946, -0.08351883, -0.77534763]]]
DEMO_INPUT = [0.8, 0.2]
# Floats, as `trace --target 0,1` reads them, so `example --network demo`
# prints y as the trace of the saved demo does ([ 0.0 ], not [ 0 ]).
DEMO_TARGET = [0.0, 1.0]
DEMO_STEP_SIZE = 0.1


def demo_network():
    """Return the primer's 2-3-2 demo network (b and w from its listing).

    >>> demo_network().layers
    [2, 3, 2]
    """
    return Network([2, 3, 2], b=_DEMO_B, w=_DEMO_W)


def primer_network():
    """Return the primer's worked-example network, 1 -> 1 -> 1.

    >>> net = primer_network()
    >>> net.w[1], net.b[1], net.w[2], net.b[2]
    ([[1.58]], [[-0.14]], [[2.45]], [[-0.11]])
    """
    return Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]], w=[[[1.58]], [[2.45]]])


def check_size(layers, max_neurons=MAX_NEURONS):
    """Raise ValueError if a layer has more than ``max_neurons`` neurons.

    >>> check_size([784, 30, 10])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: network 784-30-10 is too large to trace: layer 0 has 784 ...
    """
    for l, size in enumerate(layers):
        if size > max_neurons:
            raise ValueError(
                "network {} is too large to trace: layer {} has {} neurons, "
                "a trace prints every value and allows at most {} neurons "
                "per layer".format(_sizes(layers), l, size, max_neurons))


def _sizes(layers):
    return "-".join(str(size) for size in layers)


def trace(net, inputs, y, step_size, max_neurons=MAX_NEURONS):
    """Return the record of one training step of ``net`` on one example.

    ``inputs`` is a flat list of ``layers[0]`` numbers, ``y`` the desired
    output (a flat list, or a label, see ``target_column``).  ``net`` is
    copied; the copy runs ``feed_forward``, ``propagate_backward(y,
    step_size)`` and ``feed_forward`` again.  Raise ValueError for a network
    with a layer above ``max_neurons`` (None: no limit), ShapeError for
    inputs or y of the wrong length.

    The record is a dict (matrices are lists of rows, columns J x 1)::

        format         "purenn-trace/1"
        sizes          neurons per layer, input first
        step_size      the step size
        input          a[0], the input column
        target         y, the desired output column
        dc_da_input    dC/da[0] = w[1]^T . dC/db[1]
        layers         one dict per layer l = 1..L, keys: layer, w, b,
                       z, a, dc_da, dc_db, dc_dw (all before the update),
                       updated_w, updated_b, updated_z, updated_a
        original_cost  1/2 ||a[L] - y||^2 before the step
        updated_cost   the same with the updated parameters
    """
    if max_neurons is not None:
        check_size(net.layers, max_neurons)
    work = Network(net.layers, b=net.biases, w=net.weights)
    target = target_column(y, work.layers[-1])
    work.feed_forward(inputs)
    before = {"w": copy.deepcopy(work.w), "b": copy.deepcopy(work.b),
              "z": copy.deepcopy(work.z), "a": copy.deepcopy(work.a)}
    original_cost = cost(work.a[-1], target)
    work.propagate_backward(y, step_size)
    gradients = {"dc_da": copy.deepcopy(work.dc_da),
                 "dc_db": copy.deepcopy(work.dc_db),
                 "dc_dw": copy.deepcopy(work.dc_dw)}
    work.feed_forward(inputs)
    updated_cost = cost(work.a[-1], target)
    layers = []
    for l in range(1, work.num_layers):
        layers.append({
            "layer": l,
            "w": before["w"][l], "b": before["b"][l],
            "z": before["z"][l], "a": before["a"][l],
            "dc_da": gradients["dc_da"][l], "dc_db": gradients["dc_db"][l],
            "dc_dw": gradients["dc_dw"][l],
            "updated_w": copy.deepcopy(work.w[l]),
            "updated_b": copy.deepcopy(work.b[l]),
            "updated_z": copy.deepcopy(work.z[l]),
            "updated_a": copy.deepcopy(work.a[l]),
        })
    return {"format": TRACE_FORMAT, "sizes": list(work.layers),
            "step_size": step_size, "input": before["a"][0],
            "target": target, "dc_da_input": gradients["dc_da"][0],
            "layers": layers, "original_cost": original_cost,
            "updated_cost": updated_cost}


# -- renderers -------------------------------------------------------------

def _shape_text(m):
    return "{}x{}".format(*matrix.shape(m))


def _matrix_lines(m, indent="    "):
    """Return the rows of ``m`` as aligned text lines of repr'd numbers."""
    cells = [[repr(value) for value in row] for row in m]
    widths = [max(len(row[k]) for row in cells) for k in range(len(cells[0]))]
    return [indent + "[ " + "  ".join(cell.rjust(width) for cell, width
                                      in zip(row, widths)) + " ]"
            for row in cells]


def _steps(record):
    """Yield (section, label, formula, matrix) in the order of the text.

    The sections are: input, each layer's feed forward, the cost, each
    layer's backward step (output layer first) with its update, the feed
    forward with the updated parameters and the cost after.
    """
    yield ("Input", "a[0]", "the input", record["input"])
    yield ("Input", "y", "the desired output", record["target"])
    for layer in record["layers"]:
        l = layer["layer"]
        section = "Feed forward, layer {}".format(l)
        yield (section, "w[{}]".format(l), "weights into layer {}".format(l),
               layer["w"])
        yield (section, "b[{}]".format(l), "biases of layer {}".format(l),
               layer["b"])
        yield (section, "z[{}]".format(l),
               "w[{0}] . a[{1}] + b[{0}]".format(l, l - 1), layer["z"])
        yield (section, "a[{}]".format(l), "sigmoid(z[{}])".format(l),
               layer["a"])
    last = record["layers"][-1]["layer"]
    for index in range(len(record["layers"]) - 1, -1, -1):
        layer = record["layers"][index]
        l = layer["layer"]
        section = "Backward, layer {}".format(l)
        if l == last:
            formula = "a[{}] - y".format(l)
        else:
            formula = "w[{}]^T . dC/db[{}]  (from the step above)".format(
                l + 1, l + 1)
        yield (section, "dC/da[{}]".format(l), formula, layer["dc_da"])
        yield (section, "dC/db[{}]".format(l),
               "sigmoid_prime(z[{0}]) (.) dC/da[{0}]".format(l),
               layer["dc_db"])
        yield (section, "dC/dw[{}]".format(l),
               "dC/db[{0}] . a[{1}]^T".format(l, l - 1), layer["dc_dw"])
        prev = (record["layers"][index - 1]["dc_da"] if index > 0
                else record["dc_da_input"])
        yield (section, "dC/da[{}]".format(l - 1),
               "w[{0}]^T . dC/db[{0}]  (w[{0}] before its update)".format(l),
               prev)
        yield (section, "updated b[{}]".format(l),
               "b[{0}] - dC/db[{0}] * {1!r}".format(l, record["step_size"]),
               layer["updated_b"])
        yield (section, "updated w[{}]".format(l),
               "w[{0}] - dC/dw[{0}] * {1!r}".format(l, record["step_size"]),
               layer["updated_w"])
    for layer in record["layers"]:
        l = layer["layer"]
        section = "Feed forward again with the updated parameters"
        a_prev = "a[0]" if l == 1 else "updated a[{}]".format(l - 1)
        yield (section, "updated z[{}]".format(l),
               "updated w[{0}] . {1} + updated b[{0}]".format(l, a_prev),
               layer["updated_z"])
        yield (section, "updated a[{}]".format(l),
               "sigmoid(updated z[{}])".format(l), layer["updated_a"])


def _title(record):
    return "purenn trace: network {}, one step with step size {!r}".format(
        _sizes(record["sizes"]), record["step_size"])


# The text of ``render_text`` and ``render_worked_example`` in the Chinese of
# the translated primer (docs/glossary.md): (English pattern, Chinese), for
# re.sub, applied to every line but the matrices' numbers.  The labels
# (z[1], dC/db[2], updated w[1]) and every number stay as they are.
_ZH = [
    (r"^purenn trace: network (\S+), one step with step size (\S+)$",
     r"purenn trace：网络 \1，一个训练步骤，步长 step_size = \2"),
    (r"^== Input ==$", "== 输入 =="),
    (r"^== Feed forward, layer (\d+) ==$", r"== 前馈，层 \1 =="),
    (r"^== Backward, layer (\d+) ==$", r"== 反向传播，层 \1 =="),
    (r"^== Feed forward again with the updated parameters ==$",
     "== 用更新的权重和偏差再前馈 =="),
    (r"^== Cost ==$", "== 成本 =="),
    (r" = the input ", " = 输入 "), (r" = the desired output ", " = 期望输出 "),
    (r" = weights into layer (\d+) ", r" = 层 \1 的输入权重 "),
    (r" = biases of layer (\d+) ", r" = 层 \1 的偏差 "),
    (r"  \(from the step above\)", "  （来自上一步）"),
    (r"  \(w\[(\d+)\] before its update\)", r"  （w[\1] 更新前的值）"),
    (r"^original cost = ", "原始成本 = "), (r"^updated cost  = ", "更新成本 = "),
    (r"^The primer's worked example: network 1 -> 1 -> 1, one step$",
     "入门文章的示例计算：网络 1 -> 1 -> 1，一个训练步骤"),
    (r"^\(values from purenn's Network, printed with repr\)$",
     "（值由 purenn 的 Network 计算，用 repr 打印）"),
]

# The worked example's words in Chinese (its formulas are code: unchanged).
_ZH_FORMULAS = {"the input": "输入", "the desired output": "期望输出",
                "given": "给定"}


def _width(text):
    """Return the columns ``text`` takes in a terminal (CJK: two each)."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)

LANGUAGES = ("en", "zh")


def _translate(text, lang):
    """Return ``text`` (lines of a renderer) in ``lang``; numbers unchanged.

    >>> _translate("== Cost ==", "zh")
    '== 成本 =='
    """
    if lang == "en":
        return text
    if lang != "zh":
        raise ValueError("lang: expected en or zh, got {!r}".format(lang))
    import re
    lines = []
    for line in text.split("\n"):
        if not line.startswith("    ["):
            for pattern, replacement in _ZH:
                line = re.sub(pattern, replacement, line)
        lines.append(line)
    return "\n".join(lines)


def render_text(record, lang="en"):
    """Return the trace as plain text: one block per value, shapes shown.

    ``lang`` "zh" writes the words in the translated primer's Chinese.
    """
    return _translate(_render_text(record), lang)


def _render_text(record):
    lines = [_title(record)]
    section = None
    for step_section, label, formula, m in _steps(record):
        if step_section != section:
            section = step_section
            lines += ["", "== {} ==".format(section)]
        lines.append("{} = {}   ({})".format(label, formula, _shape_text(m)))
        lines += _matrix_lines(m)
    lines += ["", "== Cost ==",
              "original cost = 1/2 ||a[L] - y||^2 = {!r}".format(
                  record["original_cost"]),
              "updated cost  = 1/2 ||updated a[L] - y||^2 = {!r}".format(
                  record["updated_cost"])]
    return "\n".join(lines) + "\n"


def _markdown_table(label, m):
    """Return a Markdown table of ``m``: one row per j, one column per k."""
    rows, cols = matrix.shape(m)
    if cols == 1:
        header = ["j", label]
    else:
        header = ["{} j \\ k".format(label)] + [str(k) for k in range(cols)]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    for j, row in enumerate(m):
        lines.append("| " + " | ".join([str(j)] + [repr(v) for v in row])
                     + " |")
    return lines


def _markdown_escape(text):
    return text.replace("*", "\\*").replace("_", "\\_")


def render_markdown(record):
    """Return the trace as a Markdown worksheet: one section per step kind
    and layer, every matrix a table with a row per neuron j."""
    lines = ["# " + _title(record)]
    section = None
    for step_section, label, formula, m in _steps(record):
        if step_section != section:
            section = step_section
            lines += ["", "## " + section]
        lines += ["", "**{}** = `{}` ({})".format(
            _markdown_escape(label), formula, _shape_text(m)), ""]
        lines += _markdown_table(label, m)
    lines += ["", "## Cost", "",
              "| cost | formula | value |", "|---|---|---|",
              "| original | `1/2 ||a[L] - y||^2` | {!r} |".format(
                  record["original_cost"]),
              "| updated | `1/2 ||updated a[L] - y||^2` | {!r} |".format(
                  record["updated_cost"])]
    # A | inside a code span still splits a table cell in GitHub Markdown.
    lines = [line.replace("||", "\\|\\|") if line.startswith("| ") and
             "`" in line else line for line in lines]
    return "\n".join(lines) + "\n"


def render_json(record):
    """Return the trace as one JSON object (floats by repr: bit for bit).

    One key per line, each matrix on one line as a list of rows.  Raise
    ValueError if a value is not finite (JSON has no inf or nan).
    """
    def dump(value):
        return json.dumps(value, allow_nan=False)

    lines = []
    for key, value in record.items():
        if key == "layers":
            layers = []
            for layer in value:
                layers.append("  {\n" + ",\n".join(
                    "   {}: {}".format(dump(name), dump(layer[name]))
                    for name in _LAYER_KEYS) + "\n  }")
            lines.append(' "layers": [\n' + ",\n".join(layers) + "\n ]")
        else:
            lines.append(" {}: {}".format(dump(key), dump(value)))
    return "{\n" + ",\n".join(lines) + "\n}\n"


# -- the primer's worked example ---------------------------------------------

def worked_example():
    """Return the primer's worked example as a list of (name, formula, value).

    The network 1 -> 1 -> 1 (w_l1 = 1.58, b_l1 = -0.14, w_l2 = 2.45,
    b_l2 = -0.11) takes one step of size 0.1 for a_l0 = 0.8, y = 1.  The
    values come from ``trace`` (that is, from ``Network``), named and ordered
    as in the primer; the givens come first.

    >>> dict((name, value) for name, _, value in worked_example())["a_l2"]
    0.850571226530534
    """
    record = trace(primer_network(), [0.8], [1], 0.1)
    one, two = record["layers"]

    def scalar(m):
        return m[0][0]

    return [
        ("a_l0", "the input", scalar(record["input"])),
        ("y", "the desired output", scalar(record["target"])),
        ("w_l1", "given", scalar(one["w"])),
        ("b_l1", "given", scalar(one["b"])),
        ("w_l2", "given", scalar(two["w"])),
        ("b_l2", "given", scalar(two["b"])),
        ("step_size", "given", record["step_size"]),
        ("z_l1", "w_l1 * a_l0 + b_l1", scalar(one["z"])),
        ("a_l1", "sigmoid(z_l1) = 1/(1+exp(-z_l1))", scalar(one["a"])),
        ("z_l2", "w_l2 * a_l1 + b_l2", scalar(two["z"])),
        ("a_l2", "sigmoid(z_l2)", scalar(two["a"])),
        ("dc_da_l2", "a_l2 - y", scalar(two["dc_da"])),
        ("dc_db_l2", "sigmoid_prime(z_l2) * dc_da_l2", scalar(two["dc_db"])),
        ("dc_dw_l2", "a_l1 * dc_db_l2", scalar(two["dc_dw"])),
        ("dc_da_l1", "w_l2 * dc_db_l2", scalar(one["dc_da"])),
        ("updated_b_l2", "b_l2 - dc_db_l2 * step_size",
         scalar(two["updated_b"])),
        ("updated_w_l2", "w_l2 - dc_dw_l2 * step_size",
         scalar(two["updated_w"])),
        ("dc_db_l1", "sigmoid_prime(z_l1) * dc_da_l1", scalar(one["dc_db"])),
        ("dc_dw_l1", "a_l0 * dc_db_l1", scalar(one["dc_dw"])),
        ("updated_b_l1", "b_l1 - dc_db_l1 * step_size",
         scalar(one["updated_b"])),
        ("updated_w_l1", "w_l1 - dc_dw_l1 * step_size",
         scalar(one["updated_w"])),
        ("updated_z_l1", "updated_w_l1 * a_l0 + updated_b_l1",
         scalar(one["updated_z"])),
        ("updated_a_l1", "sigmoid(updated_z_l1)", scalar(one["updated_a"])),
        ("updated_z_l2", "updated_w_l2 * updated_a_l1 + updated_b_l2",
         scalar(two["updated_z"])),
        ("updated_a_l2", "sigmoid(updated_z_l2)", scalar(two["updated_a"])),
        ("original_cost", "0.5 * (a_l2 - y)**2", record["original_cost"]),
        ("updated_cost", "0.5 * (updated_a_l2 - y)**2",
         record["updated_cost"]),
    ]


def render_worked_example(steps=None, lang="en"):
    """Return the worked example as text, one ``name = formula = value`` line.

    Values are printed with ``repr``, every digit Python needs to give back
    the same float, as the primer's interactive session shows them.
    ``lang`` "zh" writes the words in the translated primer's Chinese.
    """
    return _translate(_render_worked_example(steps, lang), lang)


def _render_worked_example(steps, lang="en"):
    if steps is None:
        steps = worked_example()
    if lang == "zh":
        steps = [(name, _ZH_FORMULAS.get(formula, formula), value)
                 for name, formula, value in steps]
    name_width = max(len(name) for name, _, _ in steps)
    formula_width = max(_width(formula) for _, formula, _ in steps)
    lines = ["The primer's worked example: network 1 -> 1 -> 1, one step",
             "(values from purenn's Network, printed with repr)", ""]
    for name, formula, value in steps:
        lines.append("{} = {} = {!r}".format(
            name.ljust(name_width),
            formula + " " * (formula_width - _width(formula)), value))
    return "\n".join(lines) + "\n"


# -- exact arithmetic ------------------------------------------------------

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
                                             _shape_text(floats)))
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
