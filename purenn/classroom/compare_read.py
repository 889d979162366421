"""Read a golden fixture or another implementation's file within bounds.

``purenn compare`` reads two JSON files it did not write: EXPECTED (a
fixture of ``purenn golden``) and ACTUAL (another implementation's numbers,
any size, any bytes).  ``read_json`` reads either in bounded memory and
turns every way a file can be wrong -- not a regular file, too large, too
costly to parse, nested too deep, a huge integer, not UTF-8, not JSON, not
an object -- into one ``CompareError`` line naming the file.  What the
numbers inside mean is ``compare_layout``'s job.

>>> _parse_int("42"), _constant("-Infinity")
(42, -inf)
"""
import json
import os
import re
import stat

from purenn import resources
from purenn.io.bounded import decode_utf8, shorten

__all__ = ["CompareError", "MAX_FILE_BYTES", "MAX_PARSE_BYTES", "read_json"]

# The bounds of reading (see read_json).  A file is read whole, at most
# MAX_FILE_BYTES of it, and parsed only when the memory that takes (the
# bytes, the text and the Python objects, estimated from the bytes) stays
# within MAX_PARSE_BYTES: a whole compare then stays under 200 MB.  The
# largest fixture, MNIST in hex (4.1 MB), is estimated at 25 MB.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PARSE_BYTES = 160 * 1024 * 1024
_MAX_INT_DIGITS = 309

_NON_ASCII = re.compile(b"[\x80-\xff]")


class CompareError(ValueError):
    """A fixture or ACTUAL file is not what the golden format allows.  The
    message names the file, the place in it and what was expected."""


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
    if resources.split_archive(path)[0] is not None:
        # A shipped fixture inside purenn.pyz
        # (purenn.pyz/purenn/data/golden/...), read as every input is.
        if not resources.isfile(path):
            raise CompareError("{} {}: not a regular file (a fixture or "
                               "ACTUAL is a .json file)".format(role, path))
        opened = resources.open_binary(path)
        size = resources.stream_size(opened)
    else:
        try:
            info = os.stat(path)
        except OSError as exc:
            raise CompareError("{} {}: {}".format(role, path, exc.strerror))
        if not stat.S_ISREG(info.st_mode):
            raise CompareError("{} {}: not a regular file (a fixture or "
                               "ACTUAL is a .json file)".format(role, path))
        opened, size = None, info.st_size
    too_large = CompareError("{} {}: larger than {:,} bytes, too large for "
                             "a golden file".format(role, path,
                                                    MAX_FILE_BYTES))
    if size > MAX_FILE_BYTES:
        if opened is not None:
            opened.close()
        raise too_large
    # Into one buffer of the file's size (a read(n) of PyPy holds n bytes
    # three times); one byte more tells a file that grew since stat.
    raw = bytearray(size + 1)
    view, got = memoryview(raw), 0
    with opened or open(path, "rb") as stream:
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
        text = decode_utf8(raw)  # a byte order mark is ignored
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
