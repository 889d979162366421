"""Reading untrusted text with bounds: file size, JSON depth, numbers, messages.

A model file or a ``train --log`` file may come from anywhere.  Python's
``json`` module parses whatever it is given: a 10 GB file is read whole,
``[`` repeated 100,000 times ends in a RecursionError, and ``1`` followed by
400 zeros becomes an int that no float can hold (``float()`` then raises
OverflowError far from the file).  The helpers here put a bound on each of
these *before* the work is done, and turn every problem into a ValueError
whose message names the source and stays short:

- ``read_text(path, max_bytes, what)``: the file as text, refused if larger;
- ``decode_utf8(raw)``: UTF-8 bytes as text, a byte order mark ignored;
- ``loads_json(text, max_depth)``: ``json.loads`` with the nesting depth
  checked first, NaN/Infinity refused and integers limited to what a float
  holds;
- ``shorten(text)``: a message cut to about 300 characters, saying so.
- ``reject_constant``: ``json.loads``'s ``parse_constant`` that refuses NaN
  and Infinity (the classroom server's JSON uses it too).

>>> loads_json('{"sizes": [2, 1]}', max_depth=2)
{'sizes': [2, 1]}
>>> shorten("x" * 1000, limit=40)
'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx [... 960 characters cut ...] xxxxxxxx'
"""
import json
import os
import re

from purenn import resources

__all__ = ["MESSAGE_LIMIT", "read_text", "decode_utf8", "loads_json",
           "json_depth", "shorten", "preview", "parse_cost", "PARSE_FACTOR",
           "MAX_PARSE_BYTES", "MAX_STRINGS", "reject_constant"]

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
_CONTAINER = re.compile(r'[\[{]')
_LARGE_INT = re.compile(r'(?<![0-9.eE+-])[0-9]{4,}(?![0-9.eE])')
# Drops every ASCII character but brackets, and makes braces brackets:
# depth does not depend on the kind (a mismatch is invalid JSON, which
# json.loads reports), and one kind makes one str.replace a level.
_NOT_BRACKET_TABLE = dict.fromkeys(
    code for code in range(128) if chr(code) not in "[]{}")
_NOT_BRACKET_TABLE.update({ord("{"): "[", ord("}"): "]"})

# The most strings (``"`` pairs) one JSON text may hold: a model file has a
# handful of keys, a log line a dozen.  Blanking strings (below) keeps a
# piece per string; bounding their number bounds that.
MAX_STRINGS = 50000

# What json.loads builds, in bytes per value on 64-bit CPython (measured
# with tracemalloc): an empty list or dict costs 56-64 bytes plus its slot
# in its parent; a float 24 plus its slot (8); a small int (cached) or
# true/false/null only its slot; a string about 50 plus its length.  Text
# costs at least 3 bytes per container (``[],``): a file of ``[]`` becomes
# 21 times its size, one of repr'd floats under 2 times.
_CONTAINER_COST = 72
_FLOAT_COST = 32
_SLOT_COST = 8
_STRING_COST = 58

# What loads_json may build, beyond its text: PARSE_FACTOR times the text
# and a MiB.  A model written by purenn (floats of 17-20 characters) costs
# under twice its size; lists of empty lists (``"junk": [[], [], ...]``)
# cost 21 times theirs and are refused before they are parsed.
PARSE_FACTOR = 8

# And never more than 128 MiB, whatever the text's size: the largest model
# purenn accepts (network.MAX_PARAMETERS, 2,000,000 floats) builds 64 MB, and
# a 64 MiB file of short numbers (``0.5, ``) would otherwise be allowed 512.
MAX_PARSE_BYTES = 128 * 1024 * 1024


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
    from purenn.io.fileio import open_input
    path = os.fspath(path)
    # A regular file on disk, or a member of purenn.pyz (fileio.open_input).
    with open_input(path, what) as stream:
        # read(n) allocates n bytes before it knows how many there are:
        # ask for what the file holds (and one more), not for max_bytes.
        size = resources.stream_size(stream)
        raw = stream.read(min(size, max_bytes) + 1)
    if len(raw) > max_bytes:
        raise ValueError("{}: larger than {:,} bytes, too large for {}".format(
            path, max_bytes, what))
    try:
        return decode_utf8(raw)
    except UnicodeDecodeError as exc:
        raise ValueError("{}: not {} (not UTF-8 text: {})".format(
            path, what, exc))
    except ValueError as exc:
        raise ValueError("{}: not {} ({})".format(path, what, exc))


def decode_utf8(raw):
    """Return the bytes ``raw`` as UTF-8 text, a leading byte order mark
    dropped.

    Windows Notepad and PowerShell 5's ``Out-File -Encoding utf8`` start a
    UTF-8 file with EF BB BF, and RFC 8259 (section 8.1) lets a JSON reader
    ignore it; ``json.loads`` would refuse it.  Raise UnicodeDecodeError
    for bytes that are not UTF-8, and ValueError for UTF-16 (what
    PowerShell 5's ``>`` writes), which is named so it can be fixed.

    >>> decode_utf8(b"\\xef\\xbb\\xbf[1]")
    '[1]'
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ValueError("UTF-16 text, as PowerShell's > writes; expected "
                         "UTF-8")
    # utf-8-sig drops one leading BOM and is utf-8 otherwise, with no copy.
    return raw.decode("utf-8-sig")


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
    return _bracket_depth(_brackets(_STRING.sub('""', text)), limit)


def _brackets(blanked):
    """The brackets of ``blanked`` (strings already blanked), in order.

    ``str.translate`` drops the rest at C speed (CPython caches an ASCII
    table) and holds no list of pieces, as ``re.sub`` would, one per run
    between brackets.  Characters beyond ASCII are kept; outside strings
    they are invalid JSON, which json.loads reports.
    """
    return blanked.translate(_NOT_BRACKET_TABLE)


def _bracket_depth(text, limit):
    """Depth of the brackets-only ``text`` (braces made brackets): the
    innermost pairs are exactly ``[]``, and one ``str.replace`` pass (C
    speed, no pieces kept) removes a level."""
    depth = 0
    while depth <= limit:
        stripped = text.replace("[]", "")
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


def reject_constant(name):
    """Refuse JSON's NaN, Infinity and -Infinity: ``json.loads``'s
    ``parse_constant`` (JSON itself has no such numbers; Python writes them).

    >>> json.loads('[NaN]', parse_constant=reject_constant)
    Traceback (most recent call last):
    ...
    ValueError: non-finite number NaN (expected finite numbers)
    """
    raise ValueError("non-finite number {} (expected finite numbers)".format(
        name))


def parse_cost(text):
    """Return an upper estimate of the bytes ``json.loads(text)`` builds.

    Counted with ``str.count`` (C speed, no lists of matches) once strings
    are blanked: each ``[`` or ``{`` a container, each ``,`` or ``:`` a slot,
    each ``.``, ``e`` or ``E`` outside strings a float (every float has one),
    each run of 4+ digits a large int, each ``"`` pair a string with its
    characters.

    >>> parse_cost('[[], [0.5, 1]]') == 3 * 64 + 3 * 8 + 24
    True
    """
    return _parse_cost(text, _STRING.sub('""', text))


def _parse_cost(text, blanked):
    strings = text.count('"') // 2
    containers = blanked.count("[") + blanked.count("{")
    slots = blanked.count(",") + blanked.count(":") + 1
    floats = blanked.count(".") + blanked.count("e") + blanked.count("E")
    large = sum(1 for _ in _LARGE_INT.finditer(blanked))
    return (containers * (_CONTAINER_COST - _SLOT_COST)
            + slots * _SLOT_COST
            + (floats + large) * (_FLOAT_COST - _SLOT_COST)
            + strings * _STRING_COST + (len(text) - len(blanked)))


def _too_costly(text, cost):
    raise ValueError(
        "JSON of {:,} characters would take about {:,} bytes to parse, "
        "more than {} times its size or {:,} bytes (lists of empty "
        "lists?)".format(len(text), cost, PARSE_FACTOR, MAX_PARSE_BYTES))


def loads_json(text, max_depth):
    """Return ``json.loads(text)`` after checking it is safe to parse.

    Raise ValueError for more than MAX_STRINGS strings, if brackets nest
    deeper than ``max_depth``, if the
    objects parsing would build are estimated (``parse_cost``) at more than
    PARSE_FACTOR times the text plus 1 MiB or MAX_PARSE_BYTES, for NaN, Infinity and -Infinity,
    and for integers too large for a float.  Floats too large (``1e400``)
    become ``inf`` as in ``json.loads``: the caller checks values are
    finite.
    """
    budget = min(PARSE_FACTOR * len(text) + (1 << 20), MAX_PARSE_BYTES)
    # First what str.count tells at C speed, before any pass that builds
    # anything: too many strings (blanking them keeps a piece per string).
    strings = text.count('"') // 2
    if strings > MAX_STRINGS:
        raise ValueError("JSON with {:,} strings, more than the {:,} "
                         "accepted".format(strings, MAX_STRINGS))
    containers = text.count("[") + text.count("{")
    if containers * _CONTAINER_COST > budget:
        # Refused from a count alone, before any copy of the text; a run of
        # opening brackets still gets the message about depth.
        if _opening_run(text[:max_depth + 2]) > max_depth:
            raise ValueError("JSON nested deeper than {} levels".format(
                max_depth))
        _too_costly(text, containers * _CONTAINER_COST)
    blanked = _STRING.sub('""', text)
    cost = _parse_cost(text, blanked)
    brackets = _brackets(blanked)
    del blanked
    if _bracket_depth(brackets, max_depth) > max_depth:
        raise ValueError("JSON nested deeper than {} levels".format(max_depth))
    del brackets
    if cost > budget:
        _too_costly(text, cost)
    try:
        return json.loads(text, parse_constant=reject_constant,
                          parse_int=_parse_int)
    except OverflowError:
        raise ValueError("an integer too large for a float")
    except RecursionError:   # not expected after the depth check
        raise ValueError("JSON nested too deeply")
