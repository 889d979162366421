"""Helpers shared by the tests (imported as ``from support import ...``)."""
import math
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _walk(actual, expected, path):
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)), (
            "at {}: expected a list, got {!r}".format(path or "top", actual))
        assert len(actual) == len(expected), (
            "at {}: length {} != expected {}".format(
                path or "top", len(actual), len(expected)))
        for index, (a, e) in enumerate(zip(actual, expected)):
            yield from _walk(a, e, "{}[{}]".format(path, index))
    else:
        yield path or "top", actual, expected


def assert_close(actual, expected, tolerance):
    """Assert nested lists agree within an absolute ``tolerance``.

    Reports the first index that differs, both values and the difference
    (pytest.approx does not take nested lists).
    """
    for where, a, e in _walk(actual, expected, ""):
        error = abs(a - e)
        assert error <= tolerance, (
            "at {}: {!r} != {!r} (error {:.3g} > {:.3g})".format(
                where, a, e, error, tolerance))


def assert_same_bits(actual, expected):
    """Assert nested lists hold the very same floats (repr, so -0.0 != 0.0)."""
    for where, a, e in _walk(actual, expected, ""):
        assert repr(a) == repr(e), "at {}: {!r} != {!r}".format(where, a, e)


def relative_error(a, b):
    """|a - b| / max(|a|, |b|), 0 when both are 0."""
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


__all__ = ["REPO", "assert_close", "assert_same_bits", "relative_error",
           "math"]
