"""The comparison rule: how far apart two numbers are, and when it matters.

A value is *within tolerance* when it is at most ``ulps`` ULPs or at most
``rtol`` relative error from the fixture's (default: identical bits).  ULPs
(units in the last place) count how many doubles lie between the two
values; -0.0 and 0.0 are one apart, a different sign of zero.

A value differs *beyond rounding* when ACTUAL's value is not finite, when
the shapes differ, or when |actual - expected| exceeds ``ROUNDING_LEVEL``
times the largest |expected| of its group (the one matrix of one quantity,
step and example it belongs to).  Rounding noise (a different order of
additions, a fused multiply-add, an exp that is not correctly rounded)
stays near 1e-16 of the group's size however the terms cancel; every wrong
formula lands far above 1e-9.  ``compare_matrix`` applies both rules to one
group and keeps the largest distances of a quantity and step in ``Stats``.

>>> ulps(1.0, 1.0 + 2.0 ** -52), ulps(-0.0, 0.0), ulps(-5e-324, 5e-324)
(1, 1, 3)
"""
import math
import struct

__all__ = ["ROUNDING_LEVEL", "ulps", "Stats", "Difference", "compare_matrix"]

# A difference below this fraction of its group's size is rounding (a
# different order of additions gives about 1e-16 per operation; a few
# hundred steps of training keep it far below 1e-9); anything a wrong
# formula gives is far above it.
ROUNDING_LEVEL = 1e-9


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


class Stats:
    """The values of one quantity and step compared so far: how many, how
    many outside tolerance and beyond rounding, and the largest distances
    (ULPs, relative error, absolute error, error over the group's size)."""
    __slots__ = ("count", "max_ulps", "max_rel", "max_error", "max_size",
                 "outside", "beyond", "max_scaled")

    def __init__(self):
        self.count = self.outside = self.beyond = 0
        self.max_ulps = 0
        self.max_rel = self.max_error = self.max_size = 0.0
        self.max_scaled = 0.0

    def scaled(self):
        return self.max_scaled

    def add_shape_difference(self, count):
        """Count a group of ``count`` values whose shape differs: every
        measure is infinite, one value outside and beyond rounding."""
        self.count += count
        self.outside += 1
        self.beyond += 1
        self.max_ulps = self.max_rel = self.max_error = math.inf
        self.max_scaled = math.inf


def _relative(a, e):
    if a == e:
        return 0.0
    return abs(a - e) / abs(e) if e != 0 else math.inf


class Difference:
    """One value that differs: its place in the group and the measures."""
    __slots__ = ("row", "column", "expected", "actual", "ulps", "relative",
                 "beyond", "outside")

    def __init__(self, row, column, expected, actual, distance, relative,
                 beyond, outside):
        self.row, self.column = row, column
        self.expected, self.actual = expected, actual
        self.ulps, self.relative = distance, relative
        self.beyond, self.outside = beyond, outside


def compare_matrix(e, a, stats, ulp_limit, rtol):
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
                difference = Difference(r, c, ev, av, distance, rel,
                                         beyond, outside)
                if outside and first_outside is None:
                    first_outside = difference
                if beyond and first_beyond is None:
                    first_beyond = difference
    return first_outside, first_beyond, differing
