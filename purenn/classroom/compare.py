"""Compare another implementation's numbers with a golden fixture.

``compare_case(expected, actual)`` walks a fixture written by
``purenn.classroom.golden`` (EXPECTED) and a file of the same layout written
by another implementation (ACTUAL) in the order the numbers are computed:
per step, each example's forward pass (z, a per layer), its cost, its
backward pass (dc_da, dc_db, dc_dw from the output layer down), then eta/m
(``rate``), the summed gradients, the updated parameters and the batch cost;
the initial parameters first and the test outputs last.  ACTUAL may hold any
subset of these; its floats may be JSON numbers or C99 hex strings, and a
J x 1 column may be written flat (``[v0, v1]``).

For every quantity and step the result holds the largest distance in ULPs
(units in the last place: how many doubles lie between the two values) and
the largest relative error, the first value outside the tolerance with its
full path, the quantities ACTUAL does not hold, and hints for mistakes that
leave a recognisable pattern (a transposed matrix, a missing 1/m, a sign
error, the wrong sigmoid', a step recorded one off).

Two measures, because they answer different questions.  ULPs say whether the
bits agree; a port that adds in another order (numpy's dot does) lands a few
ULPs away, and far more on a value that is a small difference of large ones.
The *scaled* error, |actual - expected| over the largest |expected| of that
quantity in that step, stays near 1e-16 for such rounding noise however the
terms cancel, and is many orders larger for a real bug.  The verdict uses
it: below ``ROUNDING_LEVEL`` the difference is rounding, not mathematics.

>>> ulps(1.0, 1.0 + 2.0 ** -52), ulps(-0.0, 0.0), ulps(-5e-324, 5e-324)
(1, 0, 2)
"""
import json
import math
import os
import re
import struct

from purenn.classroom.hints import hints as _hints, shape_of as _shape

__all__ = ["CompareError", "ROUNDING_LEVEL", "ulps", "read_json",
           "compare_case", "compare_paths", "render", "exit_status"]

# A scaled error below this is rounding (a different order of additions
# gives about 1e-16 per operation; a few hundred steps of training keep it
# far below 1e-9); anything a wrong formula gives is far above it.
ROUNDING_LEVEL = 1e-9

_HEX = re.compile(r"[+-]?0[xX]")
_MISSING = object()


class CompareError(ValueError):
    """A fixture or ACTUAL file is not what the golden format allows.  The
    message names the file, the place in it and what was expected."""


def _ordered(value):
    """Map a double to an int so that consecutive doubles differ by 1.

    The IEEE-754 bits read as a signed 64-bit int are ordered for positive
    doubles; negative ones are mirrored below zero (so -0.0 and 0.0 both
    map to 0).  Works on every Python, unlike math.nextafter (3.9+).
    """
    bits = struct.unpack("<q", struct.pack("<d", value))[0]
    return bits if bits >= 0 else -0x8000000000000000 - bits


def ulps(a, b):
    """Return how many doubles apart ``a`` and ``b`` are (inf for a nan)."""
    if math.isnan(a) or math.isnan(b):
        return math.inf
    return abs(_ordered(a) - _ordered(b))


def read_json(path, role):
    """Read the JSON object in ``path``; ``role`` (EXPECTED, ACTUAL) names
    it in errors.  Raise CompareError for text that is not a JSON object."""
    try:
        with open(path, "rb") as stream:
            text = stream.read().decode("utf-8")
        record = json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CompareError("{} {}: not JSON: {}".format(role, path, exc))
    if not isinstance(record, dict):
        raise CompareError("{} {}: expected a JSON object at the top, got "
                           "{}".format(role, path, type(record).__name__))
    return record


# -- reading values ---------------------------------------------------------

class _Where:
    """Where a group of values sits: labels for messages and a JSON path."""

    def __init__(self, case, step=None, epoch=None, example=None,
                 position=None, layer=None, key=None, path=""):
        self.case, self.step, self.epoch = case, step, epoch
        self.example, self.position = example, position
        self.layer, self.key, self.path = layer, key, path

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


def _float(value, role, path, row, column):
    """Return the float a JSON value stands for (number or hex string)."""
    if isinstance(value, float):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and _HEX.match(value):
        try:
            return float.fromhex(value)
        except ValueError:
            pass
    raise CompareError("{} at {}[{}][{}]: expected a number or a C99 hex "
                       "string such as \"0x1.8p-1\", got {!r}".format(
                           role, path, row, column, value))


def _matrix(value, role, path, like=None):
    """Return ``value`` as a list of float rows (which may differ in length).
    A flat list is taken as a column when ``like`` is a column."""
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
        rows.append([v if type(v) is float else _float(v, role, path, r, c)
                     for c, v in enumerate(row)])
    return rows


def _get(obj, key, role, path):
    if obj is _MISSING:
        return _MISSING
    if not isinstance(obj, dict):
        raise CompareError("{} at {}: expected an object, got {}".format(
            role, path or "top", type(obj).__name__))
    return obj.get(key, _MISSING)


def _item(seq, index, role, path):
    if seq is _MISSING:
        return _MISSING
    if not isinstance(seq, list):
        raise CompareError("{} at {}: expected a list, got {}".format(
            role, path, type(seq).__name__))
    return seq[index] if index < len(seq) else _MISSING


def _need(obj, key, kind, path):
    value = obj.get(key, _MISSING) if isinstance(obj, dict) else _MISSING
    if not isinstance(value, kind):
        raise CompareError("EXPECTED at {}{}: missing or not {}".format(
            path, "." + key if path else key,
            "an object" if kind is dict else "a list"))
    return value


# -- walking the fixture ----------------------------------------------------

_FORWARD = ("z", "a")
_BACKWARD = ("dc_da", "dc_db", "dc_dw")
_STEP_KEYS = ("sum_dc_db", "sum_dc_dw", "updated_b", "updated_w")


def _groups(expected, actual, case):
    """Yield (quantity, where, expected value, actual value) in the order the
    numbers are computed; the actual value is _MISSING where ACTUAL has none.
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
                   _Where(case, layer=pos + 1, key="initial " + key,
                          path=path + "." + key),
                   e_layer[key], _get(a_layer, key, "ACTUAL", path))
    a_steps = _get(actual, "steps", "ACTUAL", "")
    for s, e_step in enumerate(_need(expected, "steps", list, "")):
        path = "steps[{}]".format(s)
        a_step = _item(a_steps, s, "ACTUAL", "steps")
        epoch = e_step["epoch"]
        a_examples = _get(a_step, "examples", "ACTUAL", path)
        for pos, e_ex in enumerate(e_step["examples"]):
            ex_path = "{}.examples[{}]".format(path, pos)
            a_ex = _item(a_examples, pos, "ACTUAL", path + ".examples")
            a_ex_layers = _get(a_ex, "layers", "ACTUAL", ex_path)
            n = len(e_ex["layers"])
            order = [(i, k) for i in range(n) for k in _FORWARD] + \
                [(None, "cost")] + \
                [(i, k) for i in range(n - 1, -1, -1) for k in _BACKWARD]
            for i, key in order:
                if i is None:
                    yield ("cost (example)",
                           _Where(case, s, epoch, e_ex["example"], pos,
                                  key="cost", path=ex_path + ".cost"),
                           [[e_ex["cost"]]],
                           _scalar(_get(a_ex, "cost", "ACTUAL", ex_path)))
                    continue
                e_layer = e_ex["layers"][i]
                if key not in e_layer:
                    continue
                l_path = "{}.layers[{}]".format(ex_path, i)
                a_layer = _item(a_ex_layers, i, "ACTUAL", ex_path + ".layers")
                yield ("{}[{}]".format(key, e_layer["layer"]),
                       _Where(case, s, epoch, e_ex["example"], pos,
                              e_layer["layer"], key, l_path + "." + key),
                       e_layer[key], _get(a_layer, key, "ACTUAL", l_path))
        yield ("rate", _Where(case, s, epoch, key="rate",
                              path=path + ".rate"),
               [[e_step["rate"]]], _scalar(_get(a_step, "rate", "ACTUAL",
                                                path)))
        a_step_layers = _get(a_step, "layers", "ACTUAL", path)
        # All the sums, then all the updates: the order they are computed.
        for key, i in [(key, i) for key in _STEP_KEYS
                       for i in range(len(e_step["layers"]))]:
            e_layer = e_step["layers"][i]
            l_path = "{}.layers[{}]".format(path, i)
            a_layer = _item(a_step_layers, i, "ACTUAL", path + ".layers")
            yield ("{}[{}]".format(key, e_layer["layer"]),
                   _Where(case, s, epoch, layer=e_layer["layer"], key=key,
                          path=l_path + "." + key),
                   e_layer[key], _get(a_layer, key, "ACTUAL", l_path))
        yield ("cost", _Where(case, s, epoch, key="cost (mini-batch)",
                              path=path + ".cost"),
               [[e_step["cost"]]], _scalar(_get(a_step, "cost", "ACTUAL",
                                                path)))
    e_test = _need(expected, "test", dict, "")
    yield ("test outputs", _Where(case, key="test outputs",
                                  path="test.outputs"),
           e_test["outputs"], _get(_get(actual, "test", "ACTUAL", ""),
                                   "outputs", "ACTUAL", "test"))


def _scalar(value):
    if value is _MISSING or isinstance(value, list):
        return value
    return [[value]]


# -- comparing --------------------------------------------------------------

class _Stats:
    __slots__ = ("count", "max_ulps", "max_rel", "max_error", "max_size",
                 "outside")

    def __init__(self):
        self.count = self.outside = 0
        self.max_ulps = 0
        self.max_rel = self.max_error = self.max_size = 0.0

    def scaled(self):
        if self.max_error == 0:
            return 0.0
        return self.max_error / self.max_size if self.max_size else math.inf


def _relative(a, e):
    if a == e:
        return 0.0
    return abs(a - e) / abs(e) if e != 0 else math.inf


def _compare_matrix(e, a, stats, ulp_limit, rtol):
    """Add the differences of two same-shape float matrices to ``stats``;
    return (row, column, ulps, relative) of the first value outside the
    tolerance, or None."""
    first = None
    stats.count += len(e) * len(e[0])
    for e_row in e:
        for v in e_row:
            if abs(v) > stats.max_size:
                stats.max_size = abs(v)
    for r, (e_row, a_row) in enumerate(zip(e, a)):
        if e_row == a_row:
            continue
        n = len(e_row)
        e_bits = struct.unpack("<%dq" % n, struct.pack("<%dd" % n, *e_row))
        a_bits = struct.unpack("<%dq" % n, struct.pack("<%dd" % n, *a_row))
        for c in range(n):
            ev, av = e_row[c], a_row[c]
            if e_bits[c] == a_bits[c] or ev == av:
                continue
            if math.isnan(av):
                distance, rel, error = math.inf, math.inf, math.inf
            else:
                x, y = e_bits[c], a_bits[c]
                x = x if x >= 0 else -0x8000000000000000 - x
                y = y if y >= 0 else -0x8000000000000000 - y
                distance, rel, error = abs(x - y), _relative(av, ev), \
                    abs(av - ev)
            stats.max_ulps = max(stats.max_ulps, distance)
            stats.max_rel = max(stats.max_rel, rel)
            stats.max_error = max(stats.max_error, error)
            if distance > ulp_limit and rel > rtol:
                stats.outside += 1
                if first is None:
                    first = (r, c, distance, rel)
    return first


def compare_case(expected, actual, ulps=0, rtol=0.0, name=None,
                 expected_name=None):
    """Compare the fixture record ``expected`` with the record ``actual``.

    A value is within tolerance when it is at most ``ulps`` ULPs or at most
    ``rtol`` relative error from the fixture's (default: identical; 0.0 and
    -0.0 count as equal).  Return a dict: ``case``, ``quantities`` (names in
    order), ``stats`` ({(quantity, step): stats}), ``steps``, ``compared``,
    ``outside``, ``first`` (None, or the first value outside: ``where``,
    ``expected``, ``actual``, ``ulps``, ``relative``, ``shape``), ``missing``
    (quantity names ACTUAL lacks), ``notes`` and ``hints`` (lists of text).
    Raise CompareError for a malformed record; ``name`` and
    ``expected_name`` (the file names) are put into its message.
    """
    try:
        return _compare_case(expected, actual, ulps, rtol, name)
    except CompareError as exc:
        text = str(exc)
        for role, file_name in (("ACTUAL", name), ("EXPECTED",
                                                   expected_name)):
            if file_name and text.startswith(role + " at "):
                text = "{} {}{}".format(role, file_name,
                                        text[len(role):])
        raise CompareError(text)


def _compare_case(expected, actual, ulps, rtol, name):
    case = expected.get("case", name or "?")
    if expected.get("format") != "purenn-golden/1":
        raise CompareError("EXPECTED {}: format {!r}, expected "
                           "'purenn-golden/1' (a file 'purenn golden' "
                           "writes)".format(name or case,
                                            expected.get("format")))
    if "case" in actual and actual["case"] != case:
        raise CompareError("ACTUAL {} is case {!r}, EXPECTED is case {!r}"
                           .format(name or "", actual["case"], case))
    result = {"case": case, "quantities": [], "stats": {}, "compared": 0,
              "outside": 0, "first": None, "missing": [], "notes": [],
              "hints": [], "steps": 0}
    try:
        result["steps"] = len(_need(expected, "steps", list, ""))
        _walk(expected, actual, case, result, ulps, rtol)
    except (KeyError, IndexError, TypeError) as exc:
        raise CompareError("EXPECTED {}: not a golden fixture ({}: {})"
                           .format(name or case, type(exc).__name__, exc))
    if result["compared"] == 0:
        raise CompareError("ACTUAL {}: holds none of the quantities of case "
                           "{} (expected the layout of the fixture: steps[]."
                           "examples[].layers[].z, ...)".format(
                               name or "", case))
    return result


def _walk(expected, actual, case, result, ulps, rtol):
    present, absent = {}, {}
    records = []
    for quantity, where, e_value, a_value in _groups(expected, actual, case):
        if quantity not in present:
            result["quantities"].append(quantity)
            present[quantity] = absent[quantity] = 0
        if a_value is _MISSING:
            absent[quantity] += 1
            continue
        present[quantity] += 1
        e = _matrix(e_value, "EXPECTED", where.path)
        a = _matrix(a_value, "ACTUAL", where.path, like=e)
        stats = result["stats"].setdefault((quantity, where.step), _Stats())
        if _shape(a) != _shape(e):
            stats.count += sum(len(row) for row in e)
            stats.outside += 1
            stats.max_ulps = stats.max_rel = stats.max_error = math.inf
            if result["first"] is None:
                result["first"] = {"where": where.text(), "shape": (
                    _shape(e), _shape(a))}
                records = (quantity, where, e, a)
            continue
        first = _compare_matrix(e, a, stats, ulps, rtol)
        if first is not None and result["first"] is None:
            r, c, distance, rel = first
            names = ("test example", "output neuron") if \
                quantity == "test outputs" else ("row", "column")
            scalar = len(e) == 1 and len(e[0]) == 1
            result["first"] = {
                "where": where.text(None if scalar else r,
                                    None if scalar else c, names),
                "expected": e[r][c], "actual": a[r][c], "ulps": distance,
                "relative": rel}
            records = (quantity, where, e, a)
    for quantity in result["quantities"]:
        if present[quantity] == 0 and quantity.startswith("initial "):
            continue  # the givens: a port need not write them back
        if present[quantity] == 0:
            result["missing"].append(quantity)
        elif absent[quantity]:
            result["notes"].append("{}: missing in {} of {} places".format(
                quantity, absent[quantity],
                absent[quantity] + present[quantity]))
    for stats in result["stats"].values():
        result["compared"] += stats.count
        result["outside"] += stats.outside
    extra = _get(actual, "steps", "ACTUAL", "")
    if isinstance(extra, list) and len(extra) > result["steps"]:
        result["notes"].append("ACTUAL has {} steps, the fixture {}: the "
                               "extra steps are ignored".format(
                                   len(extra), result["steps"]))
    if records:
        result["hints"] = _hints(expected, *records)


def compare_paths(expected_path, actual_path, ulps=0, rtol=0.0):
    """Compare two fixture files, or every case file of the directory
    ``expected_path`` with the file of the same name in ``actual_path``.

    Return a list of ``compare_case`` results; a case file missing from the
    ACTUAL directory gives a result with only ``case`` and ``missing_file``.
    """
    if os.path.isdir(expected_path):
        if not os.path.isdir(actual_path):
            raise CompareError("EXPECTED {} is a directory, so ACTUAL must be "
                               "one too; {} is not".format(expected_path,
                                                           actual_path))
        names = sorted(n for n in os.listdir(expected_path)
                       if n.endswith(".json"))
        if not names:
            raise CompareError("EXPECTED {}: no .json fixture files".format(
                expected_path))
        pairs = [(os.path.join(expected_path, n),
                  os.path.join(actual_path, n)) for n in names]
    else:
        pairs = [(expected_path, actual_path)]
    results = []
    for e_path, a_path in pairs:
        expected = read_json(e_path, "EXPECTED")
        if len(pairs) > 1 and not os.path.exists(a_path):
            results.append({"case": expected.get("case", e_path),
                            "missing_file": a_path})
            continue
        actual = read_json(a_path, "ACTUAL")
        results.append(compare_case(expected, actual, ulps, rtol,
                                    name=a_path, expected_name=e_path))
    if all("missing_file" in r for r in results):
        raise CompareError("ACTUAL {}: none of the fixture's case files "
                           "({})".format(actual_path, ", ".join(
                               os.path.basename(p) for p, _ in pairs)))
    return results


def exit_status(results):
    """Return 0 if every compared value is within tolerance, else 1."""
    return 1 if any(r.get("outside") for r in results) else 0


# -- the report -------------------------------------------------------------

def _ulp_text(distance):
    if distance == math.inf:
        return "shape"
    return str(distance) if distance < 100000 else "{:.1e}".format(distance)


def _cell(stats):
    if stats is None:
        return "-"
    if stats.max_ulps == 0:
        return "0"
    if stats.max_ulps == math.inf and stats.max_error == math.inf:
        return "shape/nan"
    return "{}u {:.0e}".format(_ulp_text(stats.max_ulps), stats.max_rel)


def _tolerance_text(ulp_limit, rtol):
    if not ulp_limit and not rtol:
        return "exact (identical bits)"
    parts = []
    if ulp_limit:
        parts.append("{} ULPs".format(ulp_limit))
    if rtol:
        parts.append("relative error {!r}".format(rtol))
    return " or ".join(parts)


def _verdict(result, ulp_limit, rtol):
    stats = list(result["stats"].values())
    worst_ulps = max(s.max_ulps for s in stats)
    worst_scaled = max(s.scaled() for s in stats)
    if worst_ulps == 0:
        return "IDENTICAL: all {} values have the same bits".format(
            result["compared"])
    noise = worst_scaled <= ROUNDING_LEVEL
    kind = ("ROUNDING ONLY: largest error {:.1e} of the quantity's size "
            "(a different order of additions; not a bug)".format(
                worst_scaled) if noise else
            "REAL DIFFERENCE: largest error {:.1e} of the quantity's size "
            "(rounding stays below {:.0e})".format(worst_scaled,
                                                   ROUNDING_LEVEL))
    if not result["outside"]:
        return "WITHIN TOLERANCE, " + kind
    worst_rel = max(s.max_rel for s in stats)
    accept = ""
    if noise and 0 < worst_rel < 1:
        accept = "; --rtol 1e{} accepts it".format(
            int(math.ceil(math.log10(worst_rel))))
    return "OUTSIDE TOLERANCE ({} of {} values), {}{}".format(
        result["outside"], result["compared"], kind, accept)


def render(results, ulp_limit=0, rtol=0.0):
    """Return the report of ``compare_paths`` results as text."""
    lines = ["purenn compare: tolerance {}; cells are 'largest ULPs "
             "largest relative error' per step, 0 = identical bits".format(
                 _tolerance_text(ulp_limit, rtol))]
    for result in results:
        lines.append("")
        if "missing_file" in result:
            lines.append("case {}: not in ACTUAL ({} does not exist)".format(
                result["case"], result["missing_file"]))
            continue
        steps = result["steps"]
        lines.append("case {}: {} step{}, {} values compared".format(
            result["case"], steps, "" if steps == 1 else "s",
            result["compared"]))
        shown = [q for q in result["quantities"]
                 if any(k[0] == q for k in result["stats"])]
        width = max([len(q) for q in shown] + [8])
        cells = {}
        for quantity in shown:
            per = [result["stats"].get((quantity, s)) for s in range(steps)]
            if all(p is None for p in per):
                per = [result["stats"].get((quantity, None))]
            cells[quantity] = [_cell(p) for p in per]
        cell_width = max(len(c) for row in cells.values() for c in row)
        lines.append("  {}  {}".format("quantity".ljust(width), " ".join(
            "step {}".format(s).ljust(cell_width) for s in range(steps))))
        for quantity in shown:
            lines.append("  {}  {}".format(quantity.ljust(width), " ".join(
                c.ljust(cell_width) for c in cells[quantity])).rstrip())
        lines.append("  verdict: " + _verdict(result, ulp_limit, rtol))
        first = result["first"]
        if first is not None and result["outside"]:
            lines.append("  first value outside tolerance: " + first["where"])
            if "shape" in first:
                lines.append("    expected shape {}, actual shape {}".format(
                    *["x".join(map(str, s)) if s else "not a matrix"
                      for s in first["shape"]]))
            else:
                lines.append("    expected {!r}".format(first["expected"]))
                lines.append("    actual   {!r}".format(first["actual"]))
                lines.append("    {} ULPs apart, relative error {:.3g}".format(
                    _ulp_text(first["ulps"]), first["relative"]))
        for hint in result["hints"]:
            lines.append("  hint: " + hint)
        if result["missing"]:
            lines.append("  not in ACTUAL (not compared): " +
                         ", ".join(result["missing"]))
        for note in result["notes"]:
            lines.append("  note: " + note)
    return "\n".join(lines) + "\n"
