"""The report of ``purenn compare``: a table per case and the verdict.

``render(results)`` turns ``compare_paths`` results into text: per case, a
table of the largest distance per quantity and step (``0`` for identical
bits, else "largest ULPs largest relative error"), a verdict (IDENTICAL,
ROUNDING ONLY, REAL DIFFERENCE, within or outside tolerance, INCOMPLETE),
the first difference beyond rounding with its values and hints, what ACTUAL
does not hold, and notes.  It computes nothing: every number comes from the
results (``compare``) and the rule (``compare_rule``).

>>> _ulp_text(3), _ulp_text(123456), _tolerance_text(0, 0.0)
('3', '1.2e+05', 'exact (identical bits)')
"""
import decimal
import math

from purenn.classroom.compare_rule import ROUNDING_LEVEL

__all__ = ["render"]


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
