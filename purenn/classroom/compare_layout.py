"""The golden fixture's layout: every value, in the order it is computed.

A fixture of ``purenn golden`` (EXPECTED) and another implementation's file
(ACTUAL) share one layout (docs/golden.md).  ``groups(expected, actual,
case)`` walks it in the order the numbers are computed -- the initial
parameters; per step, each example's forward pass (z, a per layer), its
cost and its backward pass (dc_da, dc_db, dc_dw from the output layer
down), then ``rate`` (eta/m), the summed gradients, the updated parameters
and the batch cost; the test outputs last -- and yields each group (one
matrix of one quantity, step and example) with its place (``Where``).
Layers, steps and examples match by position.  ``as_matrix`` turns a JSON
value into float rows: ACTUAL's floats may be JSON numbers or C99 hex
strings (``"0x1.8p-1"``, ``"nan"``, ``"-inf"``), and a J x 1 column may be
written flat (``[v0, v1]``).  A malformed value raises ``CompareError``.

>>> as_matrix([0.5, "0x1.8p-1"], "ACTUAL", "a", like=[[0.0], [0.0]])
[[0.5], [0.75]]
"""
import math
import re

from purenn.classroom.compare_read import CompareError
from purenn.io.bounded import preview

__all__ = ["MISSING", "Where", "as_float", "as_matrix", "check_fixture",
           "groups", "count_values"]

_HEX = re.compile(r"[+-]?0[xX]")
# float.hex writes nan, inf and -inf; C's %a also writes -nan.
_SPECIAL = re.compile(r"[+-]?(nan|inf|infinity)\Z", re.IGNORECASE)
# The value of a quantity ACTUAL does not hold.
MISSING = object()


class Where:
    """Where a group of values sits: labels for messages, a JSON path and a
    key naming the group (step, position, layer, quantity key)."""

    def __init__(self, case, step=None, epoch=None, example=None,
                 position=None, layer=None, key=None, path=""):
        self.case, self.step, self.epoch = case, step, epoch
        self.example, self.position = example, position
        self.layer, self.key, self.path = layer, key, path

    def group(self):
        return (self.step, self.position, self.layer, self.key)

    def text(self, row=None, column=None, index_names=("row", "column")):
        parts = ["case {}".format(self.case)]
        if self.step is not None:
            parts.append("step {} (epoch {})".format(self.step, self.epoch))
        if self.example is not None:
            parts.append("example {} (position {} in the mini-batch)".format(
                self.example, self.position))
        if self.layer is not None:
            parts.append("layer {}".format(self.layer))
        parts.append(self.key)
        if row is not None:
            parts.append("{} {}".format(index_names[0], row))
        if column is not None:
            parts.append("{} {}".format(index_names[1], column))
        path = self.path
        if row is not None:
            path += "[{}]".format(row)
        if column is not None:
            path += "[{}]".format(column)
        return "{}  ({})".format(", ".join(parts), path)


def as_float(value, role, path, row, column):
    """Return the float a JSON value stands for (number or hex string)."""
    if isinstance(value, float):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and (_HEX.match(value) or
                                   _SPECIAL.match(value)):
        try:
            return float.fromhex(value)
        except (ValueError, OverflowError):
            pass
    # A list or object is named, not shown: its repr could nest too deep.
    found = {list: "a list", dict: "an object"}.get(type(value)) or \
        preview(value)
    raise CompareError("{} at {}[{}][{}]: expected a number or a C99 hex "
                       "string such as \"0x1.8p-1\", got {}".format(
                           role, path, row, column, found))


def as_matrix(value, role, path, like=None):
    """Return ``value`` as a list of float rows (which may differ in length).
    A flat list is taken as a column when ``like`` is a column.  EXPECTED
    must be a finite, non-empty rectangle: purenn writes nothing else."""
    if not isinstance(value, list):
        raise CompareError("{} at {}: expected a list of rows, got {}".format(
            role, path, type(value).__name__))
    if like is not None and len(like[0]) == 1 and value and \
            not any(isinstance(v, list) for v in value):
        value = [[v] for v in value]
    rows = []
    for r, row in enumerate(value):
        if not isinstance(row, list):
            raise CompareError("{} at {}[{}]: expected a row (a list), got "
                               "{}".format(role, path, r,
                                           type(row).__name__))
        # Checking the type first is 5x faster than converting every value.
        rows.append([v if type(v) is float else as_float(v, role, path, r, c)
                     for c, v in enumerate(row)])
    if role == "EXPECTED":
        if not rows or not rows[0] or \
                any(len(row) != len(rows[0]) for row in rows):
            raise CompareError("EXPECTED at {}: expected a non-empty matrix "
                               "(rows of equal length)".format(path))
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if not math.isfinite(v):
                    raise CompareError(
                        "EXPECTED at {}[{}][{}]: {!r}, but purenn never "
                        "writes a NaN or an infinity: not a fixture of "
                        "'purenn golden'".format(path, r, c, v))
    return rows


def _get(obj, key, role, path):
    if obj is MISSING:
        return MISSING
    if not isinstance(obj, dict):
        raise CompareError("{} at {}: expected an object, got {}".format(
            role, path or "top", type(obj).__name__))
    return obj.get(key, MISSING)


def _item(seq, index, role, path):
    if seq is MISSING:
        return MISSING
    if not isinstance(seq, list):
        raise CompareError("{} at {}: expected a list, got {}".format(
            role, path, type(seq).__name__))
    return seq[index] if index < len(seq) else MISSING


def _need(obj, key, kind, path):
    value = obj.get(key, MISSING) if isinstance(obj, dict) else MISSING
    if not isinstance(value, kind):
        raise CompareError("EXPECTED at {}{}: missing or not {}".format(
            path, "." + key if path else key,
            "an object" if kind is dict else "a list"))
    return value


def _layer_number(e_layer, default):
    number = e_layer.get("layer", default) if isinstance(e_layer, dict) \
        else default
    return number if isinstance(number, int) else default


# -- walking the fixture -----------------------------------------------------

_FORWARD = ("z", "a")
_BACKWARD = ("dc_da", "dc_db", "dc_dw")
_STEP_KEYS = ("sum_dc_db", "sum_dc_dw", "updated_b", "updated_w")


def groups(expected, actual, case):
    """Yield (quantity, where, expected value, actual value) in the order the
    numbers are computed; the actual value is MISSING where ACTUAL has none.
    Scalars come as 1 x 1 matrices."""
    a_layers = _get(_get(actual, "initial", "ACTUAL", ""), "layers",
                    "ACTUAL", "initial")
    e_layers = _need(_need(expected, "initial", dict, ""), "layers", list,
                     "initial")
    for pos, e_layer in enumerate(e_layers):
        path = "initial.layers[{}]".format(pos)
        a_layer = _item(a_layers, pos, "ACTUAL", "initial.layers")
        for key in ("w", "b"):
            yield ("initial {}[{}]".format(key, pos + 1),
                   Where(case, layer=pos + 1, key="initial " + key,
                          path=path + "." + key),
                   _need(e_layer, key, list, path),
                   _get(a_layer, key, "ACTUAL", path))
    a_steps = _get(actual, "steps", "ACTUAL", "")
    for s, e_step in enumerate(_need(expected, "steps", list, "")):
        path = "steps[{}]".format(s)
        a_step = _item(a_steps, s, "ACTUAL", "steps")
        epoch = e_step["epoch"]
        a_examples = _get(a_step, "examples", "ACTUAL", path)
        for pos, e_ex in enumerate(_need(e_step, "examples", list, path)):
            ex_path = "{}.examples[{}]".format(path, pos)
            a_ex = _item(a_examples, pos, "ACTUAL", path + ".examples")
            a_ex_layers = _get(a_ex, "layers", "ACTUAL", ex_path)
            e_ex_layers = _need(e_ex, "layers", list, ex_path)
            n = len(e_ex_layers)
            order = [(i, k) for i in range(n) for k in _FORWARD] + \
                [(None, "cost")] + \
                [(i, k) for i in range(n - 1, -1, -1) for k in _BACKWARD]
            for i, key in order:
                if i is None:
                    yield ("cost (example)",
                           Where(case, s, epoch, e_ex["example"], pos,
                                  key="cost", path=ex_path + ".cost"),
                           [[e_ex["cost"]]],
                           _scalar(_get(a_ex, "cost", "ACTUAL", ex_path)))
                    continue
                e_layer = e_ex_layers[i]
                if key not in e_layer:
                    continue
                l_path = "{}.layers[{}]".format(ex_path, i)
                a_layer = _item(a_ex_layers, i, "ACTUAL", ex_path + ".layers")
                number = _layer_number(e_layer, i + 1)
                yield ("{}[{}]".format(key, number),
                       Where(case, s, epoch, e_ex["example"], pos,
                              number, key, l_path + "." + key),
                       e_layer[key], _get(a_layer, key, "ACTUAL", l_path))
        yield ("rate", Where(case, s, epoch, key="rate",
                              path=path + ".rate"),
               [[e_step["rate"]]], _scalar(_get(a_step, "rate", "ACTUAL",
                                                path)))
        a_step_layers = _get(a_step, "layers", "ACTUAL", path)
        e_step_layers = _need(e_step, "layers", list, path)
        # All the sums, then all the updates: the order they are computed.
        for key, i in [(key, i) for key in _STEP_KEYS
                       for i in range(len(e_step_layers))]:
            e_layer = e_step_layers[i]
            l_path = "{}.layers[{}]".format(path, i)
            a_layer = _item(a_step_layers, i, "ACTUAL", path + ".layers")
            number = _layer_number(e_layer, i + 1)
            yield ("{}[{}]".format(key, number),
                   Where(case, s, epoch, layer=number, key=key,
                          path=l_path + "." + key),
                   e_layer[key], _get(a_layer, key, "ACTUAL", l_path))
        yield ("cost", Where(case, s, epoch, key="cost (mini-batch)",
                              path=path + ".cost"),
               [[e_step["cost"]]], _scalar(_get(a_step, "cost", "ACTUAL",
                                                path)))
    e_test = _need(expected, "test", dict, "")
    yield ("test outputs", Where(case, key="test outputs",
                                  path="test.outputs"),
           e_test["outputs"], _get(_get(actual, "test", "ACTUAL", ""),
                                   "outputs", "ACTUAL", "test"))


def _scalar(value):
    if value is MISSING or isinstance(value, list):
        return value
    return [[value]]


def check_fixture(expected, actual, name=None, expected_name=None):
    """Check that ``expected`` is a fixture of ``purenn golden`` whose case
    ``actual`` may be; return the case's name.  ``name`` and
    ``expected_name`` (the file names) go into the message of the
    CompareError raised otherwise."""
    case = expected.get("case", expected_name or "?")
    if expected.get("format") != "purenn-golden/1":
        raise CompareError("EXPECTED {}: format {}, expected "
                           "'purenn-golden/1' (a file 'purenn golden' "
                           "writes)".format(expected_name or case,
                                            preview(expected.get("format"))))
    if not isinstance(case, str):
        raise CompareError("EXPECTED {}: case {}, expected a name".format(
            expected_name, preview(case)))
    if "case" in actual and actual["case"] != case:
        raise CompareError("ACTUAL {} is case {}, EXPECTED is case {!r}"
                           .format(name or "", preview(actual["case"]), case))
    _need(_need(expected, "initial", dict, ""), "layers", list, "initial")
    eta = expected.get("eta")
    try:
        eta = as_float(eta, "EXPECTED", "eta", 0, 0)
    except CompareError:
        eta = math.nan
    if not math.isfinite(eta):
        raise CompareError("EXPECTED {}: eta {}, expected a finite "
                           "number".format(expected_name or case,
                                           preview(eta)))
    _need(expected, "steps", list, "")
    return case


def count_values(expected):
    """Return how many values a fixture holds for ACTUAL to match (the
    initial parameters excepted)."""
    total = 0
    for quantity, where, e_value, _ in groups(expected, {}, "?"):
        if not quantity.startswith("initial ") and isinstance(e_value, list):
            total += sum(len(row) if isinstance(row, list) else 1
                         for row in e_value)
    return total
