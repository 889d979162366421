"""Reading untrusted text with bounds: file size, JSON depth, numbers, messages.

A model file or a ``train --log`` file may come from anywhere.  Python's
``json`` module parses whatever it is given: a 10 GB file is read whole,
``[`` repeated 100,000 times ends in a RecursionError, and ``1`` followed by
400 zeros becomes an int that no float can hold (``float()`` then raises
OverflowError far from the file).  The helpers here put a bound on each of
these *before* the work is done, and turn every problem into a ValueError
whose message names the source and stays short:

- ``read_text(path, max_bytes, what)``: the file as text, refused if larger;
- ``loads_json(text, max_depth)``: ``json.loads`` with the nesting depth
  checked first, NaN/Infinity refused and integers limited to what a float
  holds;
- ``shorten(text)``: a message cut to about 300 characters, saying so.

>>> loads_json('{"sizes": [2, 1]}', max_depth=2)
{'sizes': [2, 1]}
>>> shorten("x" * 1000, limit=40)
'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx [... 960 characters cut ...] xxxxxxxx'
"""
import json
import os
import re

from purenn import resources

__all__ = ["MESSAGE_LIMIT", "read_text", "loads_json", "json_depth",
           "shorten", "preview"]

MESSAGE_LIMIT = 300

# The largest finite float is about 1.8e308: an integer literal of more
# digits can never become one.  Checking the length first also keeps int()
# away from huge digit strings (quadratic time before Python 3.11).
_FLOAT_DIGITS = 309

# A JSON string literal (with escapes); the closing quote is optional so that
# an unterminated string ends the text instead of making the search retry
# from every later quote (quadratic time).  json.loads reports the error.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_INNERMOST = re.compile(r'\[[^\[\]{}]*\]|\{[^\[\]{}]*\}')
_BRACKET = re.compile(r'[\[\]{}]')


def shorten(text, limit=MESSAGE_LIMIT):
    """Return ``text`` cut to about ``limit`` characters, saying it was cut.

    The start and the end are kept (a message usually names the thing at the
    start and what was expected at the end); the middle is replaced by
    ``[... N characters cut ...]``.

    >>> shorten("short")
    'short'
    """
    text = str(text)
    if len(text) <= limit:
        return text
    tail = limit // 5
    head = limit - tail
    return "{} [... {} characters cut ...] {}".format(
        text[:head], len(text) - head - tail, text[len(text) - tail:])


def preview(value, limit=60):
    """Return ``repr(value)`` shortened, for messages that quote input.

    A value from a file can be a million-element list: only its start is
    worth showing (``repr`` of a long list is built in full first, so lists
    are shortened before they are repr'd).

    >>> preview(list(range(100)), limit=20)
    '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... 90 more]'
    """
    if isinstance(value, (list, tuple)) and len(value) > 10:
        shown = ", ".join(preview(item, limit) for item in value[:10])
        return shorten("[{}, ... {} more]".format(shown, len(value) - 10),
                       limit * 3)
    if isinstance(value, str) and len(value) > limit:
        value = value[:limit]
        return shorten(repr(value)[:-1] + "...'", limit + 8)
    return shorten(repr(value), limit)


def read_text(path, max_bytes, what):
    """Return the UTF-8 text of the file at ``path``.

    Raise ValueError naming ``path`` if it holds more than ``max_bytes``
    bytes (only ``max_bytes + 1`` are ever read) or is not UTF-8; ``what``
    ("a model file") says what the file should have been.  OSError passes
    through.
    """
    path = os.fspath(path)
    with resources.open_binary(path) as stream:  # a file, or in purenn.pyz
        raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ValueError("{}: larger than {:,} bytes, too large for {}".format(
            path, max_bytes, what))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("{}: not {} (not UTF-8 text: {})".format(
            path, what, exc))


def json_depth(text, limit):
    """Return the bracket nesting depth of the JSON ``text``, at most limit+1.

    Brackets inside strings do not count.  The work is a few passes of
    regular expressions over the text (one per level, up to ``limit + 1``),
    never a recursion, so any depth is measured safely.

    >>> json_depth('{"a": [[1], "]]"]}', 10)
    3
    >>> json_depth('[' * 100000, 4)
    5
    """
    text = _STRING.sub('""', text)
    depth = 0
    while depth <= limit:
        stripped = _INNERMOST.sub("", text)
        if stripped == text:
            break
        text = stripped
        depth += 1
    if _BRACKET.search(text):
        # Unbalanced brackets left over: deeper than counted, or broken
        # JSON that json.loads will name.  Count the opening run at least.
        depth = max(depth, min(limit + 1, _opening_run(text)))
    return depth


def _opening_run(text):
    """The number of opening brackets before the first closing one."""
    match = re.search(r'[\]}]', text)
    head = text if match is None else text[:match.start()]
    return len(re.findall(r'[\[{]', head))


def _parse_int(digits):
    if len(digits.lstrip("-")) > _FLOAT_DIGITS:
        raise ValueError("an integer of {:,} digits ({}), too large for a "
                         "float".format(len(digits.lstrip("-")),
                                        digits[:20] + "..."))
    value = int(digits)
    float(value)  # 309 digits may still exceed 1.8e308: OverflowError
    return value


def _reject_constant(name):
    raise ValueError("non-finite number {} (expected finite numbers)".format(
        name))


def loads_json(text, max_depth):
    """Return ``json.loads(text)`` after checking it is safe to parse.

    Raise ValueError if brackets nest deeper than ``max_depth``, for NaN,
    Infinity and -Infinity, and for integers too large for a float.  Floats
    too large (``1e400``) become ``inf`` as in ``json.loads``: the caller
    checks values are finite.
    """
    if json_depth(text, max_depth) > max_depth:
        raise ValueError("JSON nested deeper than {} levels".format(max_depth))
    try:
        return json.loads(text, parse_constant=_reject_constant,
                          parse_int=_parse_int)
    except OverflowError:
        raise ValueError("an integer too large for a float")
    except RecursionError:   # not expected after the depth check
        raise ValueError("JSON nested too deeply")
