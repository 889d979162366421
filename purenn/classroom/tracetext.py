"""The trace of one step as text, a Markdown worksheet or JSON, in English or Chinese.

``render_text(record, lang)`` writes a ``steprecord.trace`` record as plain
text, one block per value with its shape; ``render_markdown(record)`` as a
worksheet with a table per matrix (a row per neuron j); ``render_json``
as one JSON object with every float written by ``repr``, so that it reads
back bit for bit.  ``render_worked_example(steps, lang)`` writes the
primer's worked example (``examples.worked_example``) one ``name = formula
= value`` line each.  ``lang`` "zh" writes the words in the Chinese of the
translated primer (docs/glossary.md); labels and numbers stay as they are.

>>> from purenn.classroom.examples import primer_network
>>> from purenn.classroom.steprecord import trace
>>> text = render_text(trace(primer_network(), [0.8], [1], 0.1))
>>> text.splitlines()[0]
'purenn trace: network 1-1-1, one step with step size 0.1'
"""
import json
import re
import unicodedata

from purenn import matrix
from purenn.classroom.examples import worked_example
from purenn.classroom.steprecord import LAYER_KEYS, sizes_text

__all__ = ["LANGUAGES", "render_text", "render_markdown", "render_json",
           "render_worked_example", "shape_text"]

LANGUAGES = ("en", "zh")


def shape_text(m):
    """Return the shape of matrix ``m`` as the texts write it.

    >>> shape_text([[0.5, 0.25]])
    '1x2'
    """
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
        sizes_text(record["sizes"]), record["step_size"])


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
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def _translate(text, lang):
    """Return ``text`` (lines of a renderer) in ``lang``; numbers unchanged.

    >>> _translate("== Cost ==", "zh")
    '== 成本 =='
    """
    if lang == "en":
        return text
    if lang != "zh":
        raise ValueError("lang: expected en or zh, got {!r}".format(lang))
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
        lines.append("{} = {}   ({})".format(label, formula, shape_text(m)))
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
            _markdown_escape(label), formula, shape_text(m)), ""]
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
                    for name in LAYER_KEYS) + "\n  }")
            lines.append(' "layers": [\n' + ",\n".join(layers) + "\n ]")
        else:
            lines.append(" {}: {}".format(dump(key), dump(value)))
    return "{\n" + ",\n".join(lines) + "\n}\n"


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
