"""The fields of an API request, checked where they enter: one line for each fault.

The page's requests arrive as parsed JSON (dicts, lists, numbers) or as a
GET query (strings and small ints).  Each helper here takes one field,
checks it against what the API expects and returns it, or raises
``ApiError`` whose message names the field, what was found and what was
expected; the server sends that line with the error's ``status``.

>>> whole({"label": 7}, "label", 0, 9)
7
>>> input_vector({"pixels": [0, 51, 255]}, 3)
[0.0, 0.2, 1.0]
>>> number(float("nan"), "step_size")
Traceback (most recent call last):
...
purenn.classroom.fields.ApiError: step_size: expected a finite number, got nan
"""
import math
import numbers

from purenn.classroom.lesson import LANGUAGES

__all__ = ["ApiError", "short", "number", "whole", "json_object",
           "input_vector", "as_float", "number_list", "language"]


class ApiError(ValueError):
    """A request the API cannot answer; the message is one line for the user.

    ``status`` is the HTTP status the server sends (400 or 404, 413, 429,
    503).
    """

    def __init__(self, message, status=400):
        super(ApiError, self).__init__(message)
        self.status = status


def short(value):
    """Return ``repr(value)`` cut to 40 characters, for a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number(value, what):
    """Return ``value`` if it is a finite real number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value):
        raise ApiError("{}: expected a finite number, got {}".format(
            what, short(value)))
    return value


def whole(body, key, lowest, highest, default=None):
    """Return ``body[key]`` (or ``default``): an int from lowest to highest."""
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) \
            or not lowest <= value <= highest:
        raise ApiError("{}: expected a whole number from {} to {}, got "
                       "{}".format(key, lowest, highest, short(value)))
    return value


def json_object(body):
    """Return ``body`` if it is a JSON object (a dict)."""
    if not isinstance(body, dict):
        raise ApiError("expected a JSON object, got a JSON {}".format(
            type(body).__name__))
    return body


def input_vector(body, size):
    """Return the network input given by a request as ``size`` floats.

    ``body["x"]`` gives the input itself (numbers from 0 to 1, as
    ``Network.feed_forward`` takes them); ``body["pixels"]`` gives pixel
    values from 0 to 255, ink high, row by row, turned into value/255 as
    ``purenn.io.mnist`` does.
    """
    body = json_object(body)
    if ("x" in body) == ("pixels" in body):
        raise ApiError("give the input as \"pixels\" ({} numbers 0-255) or "
                       "as \"x\" ({} numbers 0-1), not {}".format(
                           size, size, "both" if "x" in body else "neither"))
    key, highest = ("x", 1) if "x" in body else ("pixels", 255)
    values = body[key]
    if not isinstance(values, list) or len(values) != size:
        found = ("{} numbers".format(len(values))
                 if isinstance(values, list) else
                 "a JSON {}".format(type(values).__name__))
        raise ApiError("{}: expected a list of {} numbers from 0 to {}, got "
                       "{}".format(key, size, highest, found))
    check_range(values, key, highest)
    if key == "pixels":
        return [value / 255 for value in values]
    return [float(value) for value in values]


def check_range(values, key, highest):
    """Raise ApiError naming the first of ``values`` that is not a number
    from 0 to ``highest``."""
    # One quick pass for the usual input (ints and floats in range; a bool,
    # NaN or anything else fails it); the slow pass names the first bad one.
    if not (set(map(type, values)) <= {int, float} and
            all(0 <= value <= highest for value in values)):
        for index, value in enumerate(values):
            number(value, "{}[{}]".format(key, index))
            if not 0 <= value <= highest:
                raise ApiError("{}[{}] is {!r}, expected 0 to {}".format(
                    key, index, value, highest))


def as_float(value):
    """Return a GET query's text as a float; other values as they are."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise ApiError("expected a number, got {}".format(short(value)))
    return value


def number_list(body, key, size, default):
    """Return ``body[key]`` as ``size`` finite numbers: a list, one number,
    or a comma-separated string (a GET query); absent, ``size`` times
    ``default``."""
    value = body.get(key)
    if value is None:
        return [default] * size
    if isinstance(value, (int, float)):
        value = [value]
    elif isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or len(value) != size:
        raise ApiError("{}: expected {} numbers".format(key, size))
    return [number(as_float(v), "{}[{}]".format(key, i))
            for i, v in enumerate(value)]


def language(body):
    """Return ``body["lang"]``, one of the lesson's languages (default en)."""
    lang = body.get("lang", "en")
    if lang not in LANGUAGES:
        raise ApiError("lang: expected one of {}, got {}".format(
            ", ".join(LANGUAGES), short(lang)))
    return lang
