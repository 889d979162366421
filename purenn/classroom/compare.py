"""Compare another implementation's numbers with a golden fixture.

``compare_case(expected, actual)`` walks a fixture written by
``purenn.classroom.golden`` (EXPECTED) and a file of the same layout written
by another implementation (ACTUAL) in the order the numbers are computed
(``compare_layout``), compares each group of values by the rule of
``compare_rule`` and finds the first value beyond rounding, with hints
(``hints``); ``compare_paths`` does it for two files or two directories of
case files, read by ``compare_read``; ``render`` (``compare_report``) writes
the report, and ``exit_status`` its exit status.

**Complete by default.**  Every quantity EXPECTED holds, in every step and
example, must be in ACTUAL (the initial parameters excepted: they are the
givens, compared only when ACTUAL writes them back); what is missing is
listed and fails the comparison.  ``partial=True`` compares a subset on
purpose and counts the values never compared.

**Rounding or not.**  The report names the first value beyond rounding
first, with its hints, whatever the tolerance, and only summarises the
rounding-level differences before it.  For every quantity and step the
result also holds the largest distance in ULPs and the largest relative
error.  The names used by tests, scripts and docs are all importable from
here.

A case file missing from ACTUAL's directory fails, unless ``partial``:

>>> gone = {"case": "1-1-1", "missing_file": "a/1-1-1.json",
...         "never_compared": 12, "partial": False}
>>> exit_status([gone]), exit_status([dict(gone, partial=True)])
(1, 0)
"""
import os

from purenn import resources
from purenn.classroom.compare_layout import MISSING, as_matrix, \
    check_fixture, count_values, groups
from purenn.classroom.compare_read import CompareError, MAX_FILE_BYTES, \
    MAX_PARSE_BYTES, read_json
from purenn.classroom.compare_report import render
from purenn.classroom.compare_rule import ROUNDING_LEVEL, Stats, \
    compare_matrix, ulps
from purenn.classroom.hints import hints as _hints, rounding_hints, \
    shape_of as _shape
from purenn.io.bounded import shorten

__all__ = ["CompareError", "ROUNDING_LEVEL", "MAX_FILE_BYTES",
           "MAX_PARSE_BYTES", "ulps", "read_json", "compare_case",
           "compare_paths", "render", "exit_status"]


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
    case = check_fixture(expected, actual, name, expected_name)
    result = {"case": case, "quantities": [], "stats": {}, "compared": 0,
              "outside": 0, "beyond": 0, "first": None, "first_real": None,
              "before_real": None, "missing": [], "never_compared": 0,
              "partial": partial, "notes": [], "hints": [], "steps": 0}
    try:
        result["steps"] = len(expected["steps"])
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
    for quantity, where, e_value, a_value in groups(expected, actual, case):
        if quantity not in present:
            result["quantities"].append(quantity)
            present[quantity] = absent[quantity] = values_absent[quantity] = 0
        e = as_matrix(e_value, "EXPECTED", where.path)
        if a_value is MISSING:
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
            a = as_matrix(a_value, "ACTUAL", where.path, like=e)
        stats = result["stats"].setdefault((quantity, where.step), Stats())
        if a is None or _shape(a) != _shape(e):
            stats.add_shape_difference(len(e) * len(e[0]))
            state[where.group()] = False
            a_shape = _shape(a) if a is not None else (len(a_value), "?")
            shape = {"where": where.text(), "shape": (_shape(e), a_shape)}
            if result["first"] is None:
                result["first"] = shape
                outside_record = (quantity, where, e, a)
            if result["first_real"] is None:
                result["first_real"] = shape
                real_record = (quantity, where, e, a)
            continue
        first_outside, first_beyond, differing = compare_matrix(
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
    extra = actual.get("steps")
    if isinstance(extra, list) and len(extra) > result["steps"]:
        result["notes"].append("ACTUAL has {} steps, the fixture {}: the "
                               "extra steps are ignored".format(
                                   len(extra), result["steps"]))
    # A mislabelled step whose numbers all agree is no difference to explain.
    differs = real_record is not None or outside_record is not None
    shuffle = (differs and _step_hint(expected, actual)) or \
        _shuffle_hint(expected, actual)
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


def _step_hint(expected, actual):
    """Name the first step ACTUAL numbers otherwise than the fixture (its
    ``step`` field): a step left out or written twice shifts every later
    one, which is no shuffle and no formula."""
    a_steps = actual.get("steps")
    if not isinstance(a_steps, list):
        return None
    for s, (e_step, a_step) in enumerate(zip(expected["steps"], a_steps)):
        number = a_step.get("step") if isinstance(a_step, dict) else None
        if isinstance(number, int) and not isinstance(number, bool) and \
                number != e_step["step"]:
            return ("ACTUAL's steps[{}] says it is step {}, the fixture's is "
                    "step {}: a step is missing or repeated before it; "
                    "write every step, in order".format(
                        s, number, e_step["step"]))
    return None


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


def compare_paths(expected_path, actual_path, ulps=0, rtol=0.0,
                  partial=False):
    """Compare two fixture files, or every case file of the directory
    ``expected_path`` with the file of the same name in ``actual_path``.

    Return a list of ``compare_case`` results; a case file missing from the
    ACTUAL directory gives a result with only ``case``, ``missing_file``,
    ``never_compared`` and ``partial``.  Either may be a path inside
    purenn.pyz (``purenn.pyz/purenn/data/golden``, the shipped fixtures).
    """
    if resources.isdir(expected_path):
        if not resources.isdir(actual_path):
            raise CompareError("EXPECTED {} is a directory, so ACTUAL must be "
                               "one too; {} is not".format(expected_path,
                                                           actual_path))
        names = sorted(n for n in resources.listdir(expected_path)
                       if n.endswith(".json"))
        if not names:
            raise CompareError("EXPECTED {}: no .json fixture files".format(
                expected_path))
        pairs = [(os.path.join(expected_path, n),
                  os.path.join(actual_path, n)) for n in names]
    elif resources.isdir(actual_path):
        raise CompareError("ACTUAL {} is a directory, EXPECTED {} a file: "
                           "compare a file with a file or a directory with "
                           "a directory".format(actual_path, expected_path))
    else:
        pairs = [(expected_path, actual_path)]
    results = []
    for e_path, a_path in pairs:
        expected = read_json(e_path, "EXPECTED")
        if len(pairs) > 1 and not (os.path.exists(a_path)
                                   or resources.exists(a_path)):
            try:
                count = count_values(expected)
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
