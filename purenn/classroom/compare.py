"""Compare another implementation's numbers with a golden fixture.

``compare_case(expected, actual)`` walks a fixture written by
``purenn.classroom.golden`` (EXPECTED) and a file of the same layout written
by another implementation (ACTUAL) in the order the numbers are computed:
per step, each example's forward pass (z, a per layer), its cost, its
backward pass (dc_da, dc_db, dc_dw from the output layer down), then eta/m
(``rate``), the summed gradients, the updated parameters and the batch cost;
the initial parameters first and the test outputs last.  Layers, steps and
examples match by position (``layers[0]`` is layer 1, ``steps[s]`` the s-th
step, ``examples[p]`` the p-th example of the mini-batch).  ACTUAL's floats
may be JSON numbers or C99 hex strings (``"0x1.8p-1"``, ``"nan"``,
``"-inf"``), and a J x 1 column may be written flat (``[v0, v1]``).

**Complete by default.**  Every quantity EXPECTED holds, in every step and
example, must be in ACTUAL (the initial parameters excepted: they are the
givens, compared only when ACTUAL writes them back); what is missing is
listed and fails the comparison.  ``partial=True`` compares a subset on
purpose and counts the values never compared.

**Rounding or not.**  A value differs *beyond rounding* when ACTUAL's value
is not finite, when the shapes differ, or when |actual - expected| exceeds
``ROUNDING_LEVEL`` times the largest |expected| of its group (the one
matrix of one quantity, step and example it belongs to).  Rounding noise (a
different order of additions, a fused multiply-add, an exp that is not
correctly rounded) stays near 1e-16 of the group's size however the terms
cancel; every wrong formula lands far above 1e-9.  The report names the
first value beyond rounding first, with its hints, whatever the tolerance,
and only summarises the rounding-level differences before it.

For every quantity and step the result also holds the largest distance in
ULPs (units in the last place: how many doubles lie between the two values;
-0.0 and 0.0 are one apart, a different sign of zero) and the largest
relative error.

>>> ulps(1.0, 1.0 + 2.0 ** -52), ulps(-0.0, 0.0), ulps(-5e-324, 5e-324)
(1, 1, 3)
"""
import decimal
import json
import math
import os
import re
import stat
import struct

from purenn.classroom.hints import hints as _hints, rounding_hints, \
    shape_of as _shape
from purenn.io.bounded import preview, shorten

__all__ = ["CompareError", "ROUNDING_LEVEL", "MAX_FILE_BYTES",
           "MAX_PARSE_BYTES", "ulps", "read_json", "compare_case",
           "compare_paths", "render", "exit_status"]

# A difference below this fraction of its group's size is rounding (a
# different order of additions gives about 1e-16 per operation; a few
# hundred steps of training keep it far below 1e-9); anything a wrong
# formula gives is far above it.
ROUNDING_LEVEL = 1e-9

# The bounds of reading (see read_json).  A file is read whole, at most
# MAX_FILE_BYTES of it, and parsed only when the memory that takes (the
# bytes, the text and the Python objects, estimated from the bytes) stays
# within MAX_PARSE_BYTES: a whole compare then stays under 200 MB.  The
# largest fixture, MNIST in hex (4.1 MB), is estimated at 25 MB.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PARSE_BYTES = 160 * 1024 * 1024
_MAX_INT_DIGITS = 309

_HEX = re.compile(r"[+-]?0[xX]")
# float.hex writes nan, inf and -inf; C's %a also writes -nan.
_SPECIAL = re.compile(r"[+-]?(nan|inf|infinity)\Z", re.IGNORECASE)
_NON_ASCII = re.compile(b"[\x80-\xff]")
_MISSING = object()


class CompareError(ValueError):
    """A fixture or ACTUAL file is not what the golden format allows.  The
    message names the file, the place in it and what was expected."""


def _ordered(value):
    """Map a double to an int so that consecutive doubles differ by 1.

    The IEEE-754 bits read as a signed 64-bit int are ordered for positive
    doubles; negative ones are mirrored below zero, -0.0 at -1, so that a
    different sign of zero is one step.  Works on every Python, unlike
    math.nextafter (3.9+).
    """
    bits = struct.unpack("<q", struct.pack("<d", value))[0]
    return bits if bits >= 0 else -1 - (bits & 0x7FFFFFFFFFFFFFFF)


def ulps(a, b):
    """Return how many doubles apart ``a`` and ``b`` are (inf for a nan or
    an infinity against a finite value)."""
    if a == b and math.isinf(a):
        return 0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(_ordered(a) - _ordered(b))


# -- reading, bounded ---------------------------------------------------------

def _parse_int(digits):
    """JSON integers: refused beyond a float's range before int() sees a
    huge digit string (quadratic before 3.11, refused above 4300 digits
    since)."""
    if len(digits.lstrip("-")) > _MAX_INT_DIGITS:
        raise CompareError("an integer of {:,} digits, too large for a "
                           "float".format(len(digits.lstrip("-"))))
    value = int(digits)
    try:
        float(value)
    except OverflowError:
        raise CompareError("an integer too large for a float")
    return value


def _constant(name):
    """JSON's NaN, Infinity and -Infinity read as the floats they name (a
    fixture holding one is refused later, where it is found)."""
    return float(name.replace("Infinity", "inf"))


def _parse_cost(raw):
    """An upper estimate of the bytes that parsing ``raw`` holds at once:
    the bytes, the decoded text and the strings made from it (four bytes a
    character when one character is beyond ASCII), and the objects json
    builds: every comma may separate a new float (24 bytes and a pointer),
    every bracket open a list, every brace a dict, every colon start a key,
    every quote open or close a string."""
    width = 4 if _NON_ASCII.search(raw) else 1
    return len(raw) * (1 + 2 * width) + 40 * raw.count(b",") + \
        96 * raw.count(b"[") + 280 * raw.count(b"{") + \
        72 * raw.count(b":") + 25 * raw.count(b'"')


def read_json(path, role):
    """Read the JSON object in ``path`` within bounded memory.

    ``role`` (EXPECTED, ACTUAL) names the file in errors.  Only a regular
    file is read (not ``/dev/zero``, a FIFO or a device), and at most
    ``MAX_FILE_BYTES + 1`` bytes of it; the memory that parsing takes is
    estimated from the bytes first and refused beyond ``MAX_PARSE_BYTES``;
    any nesting depth, huge integers, text that is not UTF-8 or not JSON
    raise CompareError, one line naming the file.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise CompareError("{} {}: {}".format(role, path, exc.strerror))
    if not stat.S_ISREG(info.st_mode):
        raise CompareError("{} {}: not a regular file (a fixture or ACTUAL "
                           "is a .json file)".format(role, path))
    too_large = CompareError("{} {}: larger than {:,} bytes, too large for "
                             "a golden file".format(role, path,
                                                    MAX_FILE_BYTES))
    if info.st_size > MAX_FILE_BYTES:
        raise too_large
    # Into one buffer of the file's size (a read(n) of PyPy holds n bytes
    # three times); one byte more tells a file that grew since stat.
    raw = bytearray(info.st_size + 1)
    view, got = memoryview(raw), 0
    with open(path, "rb") as stream:
        while got < len(raw):
            count = stream.readinto(view[got:])
            if not count:
                break
            got += count
    view.release()
    if got > MAX_FILE_BYTES:
        raise too_large
    del raw[got:]
    cost = _parse_cost(raw)
    if cost > MAX_PARSE_BYTES:
        raise CompareError("{} {}: would take about {} MB of memory to "
                           "parse, more than the {} MB allowed (the largest "
                           "golden case takes 25)".format(
                               role, path, cost >> 20,
                               MAX_PARSE_BYTES >> 20))
    try:
        text = raw.decode("utf-8")
        del raw
        record = json.loads(text, parse_int=_parse_int,
                            parse_constant=_constant)
    except RecursionError:
        raise CompareError("{} {}: JSON nested too deeply".format(role, path))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CompareError("{} {}: not JSON: {}".format(role, path,
                                                        shorten(exc, 160)))
    if not isinstance(record, dict):
        raise CompareError("{} {}: expected a JSON object at the top, got "
                           "{}".format(role, path, type(record).__name__))
    return record


# -- reading values ---------------------------------------------------------

class _Where:
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


def _float(value, role, path, row, column):
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


def _matrix(value, role, path, like=None):
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
        rows.append([v if type(v) is float else _float(v, role, path, r, c)
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


def _layer_number(e_layer, default):
    number = e_layer.get("layer", default) if isinstance(e_layer, dict) \
        else default
    return number if isinstance(number, int) else default


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
                           _Where(case, s, epoch, e_ex["example"], pos,
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
                       _Where(case, s, epoch, e_ex["example"], pos,
                              number, key, l_path + "." + key),
                       e_layer[key], _get(a_layer, key, "ACTUAL", l_path))
        yield ("rate", _Where(case, s, epoch, key="rate",
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
                   _Where(case, s, epoch, layer=number, key=key,
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
                 "outside", "beyond", "max_scaled")

    def __init__(self):
        self.count = self.outside = self.beyond = 0
        self.max_ulps = 0
        self.max_rel = self.max_error = self.max_size = 0.0
        self.max_scaled = 0.0

    def scaled(self):
        return self.max_scaled


def _relative(a, e):
    if a == e:
        return 0.0
    return abs(a - e) / abs(e) if e != 0 else math.inf


class _Difference:
    """One value that differs: its place in the group and the measures."""
    __slots__ = ("row", "column", "expected", "actual", "ulps", "relative",
                 "beyond", "outside")

    def __init__(self, row, column, expected, actual, distance, relative,
                 beyond, outside):
        self.row, self.column = row, column
        self.expected, self.actual = expected, actual
        self.ulps, self.relative = distance, relative
        self.beyond, self.outside = beyond, outside


def _compare_matrix(e, a, stats, ulp_limit, rtol):
    """Add the differences of two same-shape float matrices to ``stats``;
    return (first difference outside the tolerance, first difference beyond
    rounding, number of values that differ), each None when there is
    none."""
    first_outside = first_beyond = None
    differing = 0
    stats.count += len(e) * len(e[0])
    size = 0.0
    for e_row in e:
        for v in e_row:
            if abs(v) > size:
                size = abs(v)
    stats.max_size = max(stats.max_size, size)
    for r, (e_row, a_row) in enumerate(zip(e, a)):
        n = len(e_row)
        e_bits = struct.unpack("<%dq" % n, struct.pack("<%dd" % n, *e_row))
        a_bits = struct.unpack("<%dq" % n, struct.pack("<%dd" % n, *a_row))
        if e_bits == a_bits:
            continue
        for c in range(n):
            if e_bits[c] == a_bits[c]:
                continue
            ev, av = e_row[c], a_row[c]
            differing += 1
            if not math.isfinite(av):
                distance = rel = error = scaled = math.inf
            else:
                distance = ulps(ev, av)
                rel, error = _relative(av, ev), abs(av - ev)
                scaled = error / size if size else \
                    (math.inf if error else 0.0)
            beyond = scaled > ROUNDING_LEVEL
            outside = distance > ulp_limit and not (rtol and rel <= rtol)
            stats.max_ulps = max(stats.max_ulps, distance)
            stats.max_rel = max(stats.max_rel, rel)
            stats.max_error = max(stats.max_error, error)
            stats.max_scaled = max(stats.max_scaled, scaled)
            if outside:
                stats.outside += 1
            if beyond:
                stats.beyond += 1
            if (outside and first_outside is None) or \
                    (beyond and first_beyond is None):
                difference = _Difference(r, c, ev, av, distance, rel,
                                         beyond, outside)
                if outside and first_outside is None:
                    first_outside = difference
                if beyond and first_beyond is None:
                    first_beyond = difference
    return first_outside, first_beyond, differing


def compare_case(expected, actual, ulps=0, rtol=0.0, name=None,
                 expected_name=None, partial=False):
    """Compare the fixture record ``expected`` with the record ``actual``.

    A value is within tolerance when it is at most ``ulps`` ULPs or at most
    ``rtol`` relative error from the fixture's (default: identical bits).
    Return a dict: ``case``, ``quantities`` (names in order), ``stats``
    ({(quantity, step): stats}), ``steps``, ``compared``, ``outside``,
    ``beyond`` (values beyond rounding), ``first`` (None, or the first value
    outside tolerance: ``where``, ``expected``, ``actual``, ``ulps``,
    ``relative``, or ``shape``), ``first_real`` (the same for the first
    value beyond rounding), ``before_real`` (rounding-level differences
    computed before it: count, largest ULPs, quantities), ``missing``
    ([(quantity, places missing, places, values missing)]),
    ``never_compared`` (values missing), ``partial``, ``notes`` and
    ``hints`` (lists of text).  Raise CompareError for a malformed record;
    ``name`` and ``expected_name`` (the file names) go into its message.
    """
    try:
        return _compare_case(expected, actual, ulps, rtol, name,
                             expected_name, partial)
    except CompareError as exc:
        text = str(exc)
        for role, file_name in (("ACTUAL", name), ("EXPECTED",
                                                   expected_name)):
            if file_name and text.startswith(role + " at "):
                text = "{} {}{}".format(role, file_name,
                                        text[len(role):])
        raise CompareError(text)


def _compare_case(expected, actual, ulps, rtol, name, expected_name,
                  partial):
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
        eta = _float(eta, "EXPECTED", "eta", 0, 0)
    except CompareError:
        eta = math.nan
    if not math.isfinite(eta):
        raise CompareError("EXPECTED {}: eta {}, expected a finite "
                           "number".format(expected_name or case,
                                           preview(eta)))
    result = {"case": case, "quantities": [], "stats": {}, "compared": 0,
              "outside": 0, "beyond": 0, "first": None, "first_real": None,
              "before_real": None, "missing": [], "never_compared": 0,
              "partial": partial, "notes": [], "hints": [], "steps": 0}
    try:
        result["steps"] = len(_need(expected, "steps", list, ""))
        _walk(expected, actual, case, result, ulps, rtol)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise CompareError("EXPECTED {}: not a golden fixture ({}: {})"
                           .format(expected_name or case, type(exc).__name__,
                                   shorten(exc, 80)))
    if result["compared"] == 0:
        raise CompareError("ACTUAL {}: holds none of the quantities of case "
                           "{} (expected the layout of the fixture: steps[]."
                           "examples[].layers[].z, ...)".format(
                               name or "", case))
    return result


def _first_record(where, quantity, difference, e, a):
    scalar = len(e) == 1 and len(e[0]) == 1
    names = ("test example", "output neuron") if \
        quantity == "test outputs" else ("row", "column")
    r, c = difference.row, difference.column
    return {"where": where.text(None if scalar else r,
                                None if scalar else c, names),
            "expected": difference.expected, "actual": difference.actual,
            "ulps": difference.ulps, "relative": difference.relative,
            "sign_of_zero": difference.expected == difference.actual}


def _walk(expected, actual, case, result, ulp_limit, rtol):
    present, absent, values_absent = {}, {}, {}
    first_absent = {}
    state = {}           # group -> True (identical bits), False, None
    outside_record = real_record = None
    before = {"count": 0, "ulps": 0, "quantities": []}
    nan_where = None
    for quantity, where, e_value, a_value in _groups(expected, actual, case):
        if quantity not in present:
            result["quantities"].append(quantity)
            present[quantity] = absent[quantity] = values_absent[quantity] = 0
        e = _matrix(e_value, "EXPECTED", where.path)
        if a_value is _MISSING:
            state[where.group()] = None
            if quantity.startswith("initial "):
                state[where.group()] = True   # the givens
                continue
            absent[quantity] += 1
            values_absent[quantity] += len(e) * len(e[0])
            first_absent.setdefault(quantity, where.path)
            continue
        present[quantity] += 1
        if isinstance(a_value, list) and \
                len(a_value) > len(e) + len(e[0]) + 16:
            a = None   # far too many rows: not converted, a shape difference
        else:
            a = _matrix(a_value, "ACTUAL", where.path, like=e)
        stats = result["stats"].setdefault((quantity, where.step), _Stats())
        if a is None or _shape(a) != _shape(e):
            stats.count += len(e) * len(e[0])
            stats.outside += 1
            stats.beyond += 1
            stats.max_ulps = stats.max_rel = stats.max_error = math.inf
            stats.max_scaled = math.inf
            state[where.group()] = False
            shape = {"where": where.text(), "shape": (
                _shape(e), _shape(a) if a is not None else (len(a_value), "?"))}
            if result["first"] is None:
                result["first"] = shape
                outside_record = (quantity, where, e, a)
            if result["first_real"] is None:
                result["first_real"] = shape
                real_record = (quantity, where, e, a)
            continue
        first_outside, first_beyond, differing = _compare_matrix(
            e, a, stats, ulp_limit, rtol)
        state[where.group()] = differing == 0
        if first_outside is not None and result["first"] is None:
            result["first"] = _first_record(where, quantity, first_outside,
                                            e, a)
            outside_record = (quantity, where, e, a)
        if nan_where is None and any(v != v for row in a for v in row):
            nan_where = where.text()
        if result["first_real"] is None:
            if first_beyond is not None:
                result["first_real"] = _first_record(where, quantity,
                                                     first_beyond, e, a)
                real_record = (quantity, where, e, a)
            elif differing:
                before["count"] += differing
                before["ulps"] = max(before["ulps"], stats.max_ulps)
                if quantity not in before["quantities"]:
                    before["quantities"].append(quantity)
    for quantity in result["quantities"]:
        if absent[quantity]:
            result["missing"].append((quantity, absent[quantity],
                                      absent[quantity] + present[quantity],
                                      values_absent[quantity],
                                      first_absent[quantity]))
            result["never_compared"] += values_absent[quantity]
    for stats in result["stats"].values():
        result["compared"] += stats.count
        result["outside"] += stats.outside
        result["beyond"] += stats.beyond
    if result["first_real"] is not None and before["count"]:
        result["before_real"] = before
    extra = _get(actual, "steps", "ACTUAL", "")
    if isinstance(extra, list) and len(extra) > result["steps"]:
        result["notes"].append("ACTUAL has {} steps, the fixture {}: the "
                               "extra steps are ignored".format(
                                   len(extra), result["steps"]))
    shuffle = _shuffle_hint(expected, actual)
    out = []
    if nan_where is not None:
        out.append("ACTUAL holds NaN, first at {}: a 0/0, inf - inf or an "
                   "uninitialised value upstream; no tolerance accepts "
                   "it".format(nan_where))
    if real_record is not None:
        if shuffle:
            out.append(shuffle)
        out.extend(_hints(expected, *real_record))
    elif outside_record is not None:
        out.extend(rounding_hints(expected, actual, state, *outside_record))
        if shuffle:
            out.append(shuffle)
    elif shuffle:
        out.append(shuffle)
    result["hints"] = out


def _shuffle_hint(expected, actual):
    """Name the first example ACTUAL says it visited where the fixture
    visits another (ports may write each example's index, ``example``)."""
    a_steps = actual.get("steps")
    if not isinstance(a_steps, list):
        return None
    for s, (e_step, a_step) in enumerate(zip(expected["steps"], a_steps)):
        a_examples = a_step.get("examples") if isinstance(a_step, dict) \
            else None
        if not isinstance(a_examples, list):
            continue
        for pos, (e_ex, a_ex) in enumerate(zip(e_step["examples"],
                                               a_examples)):
            index = a_ex.get("example") if isinstance(a_ex, dict) else None
            if isinstance(index, int) and not isinstance(index, bool) and \
                    index != e_ex["example"]:
                return ("ACTUAL's step {} visits example {} at position {} "
                        "where the fixture visits example {}: a different "
                        "shuffle; take each epoch's order from the "
                        "fixture's order[{}] instead of shuffling".format(
                            s, index, pos, e_ex["example"],
                            e_step["epoch"]))
    return None


def _case_values(expected):
    """How many values a fixture holds for ACTUAL to match (the initial
    parameters excepted)."""
    total = 0
    for quantity, where, e_value, _ in _groups(expected, {}, "?"):
        if not quantity.startswith("initial ") and isinstance(e_value, list):
            total += sum(len(row) if isinstance(row, list) else 1
                         for row in e_value)
    return total


def compare_paths(expected_path, actual_path, ulps=0, rtol=0.0,
                  partial=False):
    """Compare two fixture files, or every case file of the directory
    ``expected_path`` with the file of the same name in ``actual_path``.

    Return a list of ``compare_case`` results; a case file missing from the
    ACTUAL directory gives a result with only ``case``, ``missing_file``,
    ``never_compared`` and ``partial``.
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
    elif os.path.isdir(actual_path):
        raise CompareError("ACTUAL {} is a directory, EXPECTED {} a file: "
                           "compare a file with a file or a directory with "
                           "a directory".format(actual_path, expected_path))
    else:
        pairs = [(expected_path, actual_path)]
    results = []
    for e_path, a_path in pairs:
        expected = read_json(e_path, "EXPECTED")
        if len(pairs) > 1 and not os.path.exists(a_path):
            try:
                count = _case_values(expected)
            except (CompareError, KeyError, IndexError, TypeError,
                    AttributeError):
                raise CompareError("EXPECTED {}: not a golden fixture".format(
                    e_path))
            results.append({"case": expected.get("case", e_path),
                            "missing_file": a_path, "never_compared": count,
                            "partial": partial})
            continue
        actual = read_json(a_path, "ACTUAL")
        results.append(compare_case(expected, actual, ulps, rtol,
                                    name=a_path, expected_name=e_path,
                                    partial=partial))
        del expected, actual
    if all("missing_file" in r for r in results):
        raise CompareError("ACTUAL {}: none of the fixture's case files "
                           "({})".format(actual_path, ", ".join(
                               os.path.basename(p) for p, _ in pairs)))
    return results


def exit_status(results):
    """Return 0 if every value of every case was compared (or ``partial``)
    and is within tolerance, else 1."""
    for result in results:
        if "missing_file" in result:
            if not result["partial"]:
                return 1
            continue
        if result["outside"] or result["compared"] == 0:
            return 1
        if result["missing"] and not result["partial"]:
            return 1
    return 0


# -- the report -------------------------------------------------------------

def _ulp_text(distance):
    if distance == math.inf:
        return "inf"
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
    noise = not result["beyond"]
    kind = ("ROUNDING ONLY: largest error {:.1e} of its group's size "
            "(rounding, not mathematics)".format(worst_scaled) if noise else
            "REAL DIFFERENCE: {} value{} beyond rounding (rounding stays "
            "below {:.0e} of a group's size)".format(
                result["beyond"], "" if result["beyond"] == 1 else "s",
                ROUNDING_LEVEL))
    if not result["outside"]:
        return "WITHIN TOLERANCE, " + kind
    worst_rel = max(s.max_rel for s in stats)
    accept = ""
    if noise and 0 < worst_rel < 1:
        # ceil(log10(worst_rel)) from its exact decimal expansion (no libm):
        # a double in (0, 1) is never a power of ten, so it is the decimal
        # exponent of its leading digit, plus one.
        accept = "; --rtol 1e{} accepts it".format(
            decimal.Decimal(worst_rel).adjusted() + 1)
    return "OUTSIDE TOLERANCE ({} of {} values), {}{}".format(
        result["outside"], result["compared"], kind, accept)


def _value_lines(first):
    if "shape" in first:
        return ["    expected shape {}, actual shape {}".format(
            *["x".join(map(str, s)) if s else "not a matrix"
              for s in first["shape"]])]
    lines = ["    expected {!r}".format(first["expected"]),
             "    actual   {!r}".format(first["actual"])]
    if first.get("sign_of_zero"):
        lines.append("    a different sign of zero (1 ULP apart; --ulps 1 "
                     "accepts it)")
    else:
        lines.append("    {} ULPs apart, relative error {:.3g}".format(
            _ulp_text(first["ulps"]), first["relative"]))
    return lines


def _missing_lines(result):
    lines = []
    total_places = sum(m[1] for m in result["missing"])
    shown = result["missing"][:24]
    what = "not in ACTUAL ({} values in {} places, never compared)".format(
        result["never_compared"], total_places)
    lines.append("  " + what + ":")
    for quantity, gone, places, count, first in shown:
        lines.append("    {}: missing in {} of {} places (first: {})".format(
            quantity, gone, places, first))
    if len(result["missing"]) > len(shown):
        lines.append("    ... and {} more quantities".format(
            len(result["missing"]) - len(shown)))
    return lines


def render(results, ulp_limit=0, rtol=0.0):
    """Return the report of ``compare_paths`` results as text."""
    lines = ["purenn compare: tolerance {}; cells are 'largest ULPs "
             "largest relative error' per step, 0 = identical bits".format(
                 _tolerance_text(ulp_limit, rtol))]
    never = 0
    for result in results:
        lines.append("")
        never += result.get("never_compared", 0)
        if "missing_file" in result:
            lines.append("case {}: not in ACTUAL ({} does not exist; {} "
                         "values {})".format(
                             result["case"], result["missing_file"],
                             result["never_compared"],
                             "never compared (--partial)" if
                             result["partial"] else "missing: FAILED"))
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
        verdict = _verdict(result, ulp_limit, rtol)
        if result["missing"]:
            verdict = "{}INCOMPLETE: {} of the fixture's values are not in " \
                "ACTUAL; of the rest: {}".format(
                    "(--partial) " if result["partial"] else "",
                    result["never_compared"], verdict)
        lines.append("  verdict: " + verdict)
        real = result["first_real"]
        if real is not None:
            lines.append("  first difference beyond rounding: " +
                         real["where"])
            lines.extend(_value_lines(real))
            before = result["before_real"]
            if before:
                lines.append("    before it, {} value{} differ{} at rounding "
                             "level only (up to {} ULPs, in {})".format(
                                 before["count"],
                                 "" if before["count"] == 1 else "s",
                                 "s" if before["count"] == 1 else "",
                                 _ulp_text(before["ulps"]),
                                 ", ".join(before["quantities"][:6])))
        elif result["first"] is not None and result["outside"]:
            lines.append("  first value outside tolerance: " +
                         result["first"]["where"])
            lines.extend(_value_lines(result["first"]))
        for hint in result["hints"]:
            lines.append("  hint: " + hint)
        if result["missing"]:
            lines.extend(_missing_lines(result))
        for note in result["notes"]:
            lines.append("  note: " + note)
    if any(r.get("partial") for r in results):
        lines.append("")
        lines.append("--partial: {} of the fixture's values were never "
                     "compared".format(never))
    return "\n".join(lines) + "\n"
