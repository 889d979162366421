"""One HTTP request read with bounds: its head parsed and checked, its body capped.

The classroom server's loop (``eventloop``) hands the bytes of a request's
head to ``parse_head``, which checks the request line, the headers and the
body's announced length against the caps before any body is read, and
returns a ``Request`` or raises ``HttpError`` (a status and one line).  The
application (``serve``) reads a GET query with ``parse_query``, a JSON body
with ``json_body`` (NaN and Infinity refused, integers short), and a Host
header with ``split_host``.  Every error becomes ``error_answer``: one line
of JSON for the client, the same line for the log.

>>> split_host("[::1]:8000"), split_host("Localhost.")
(('::1', 8000), ('localhost', None))
>>> parse_query("index=3&lang=zh")
{'index': 3, 'lang': 'zh'}
"""
import http
import ipaddress
import json
import re
from urllib.parse import parse_qs, urlsplit

from purenn.io.bounded import reject_constant

__all__ = ["MAX_JSON_BYTES", "MAX_UPLOAD_BYTES", "MAX_HEAD_BYTES",
           "MAX_HEADERS", "HttpError", "Request", "parse_head",
           "parse_query", "json_body", "split_host", "is_loopback",
           "error_answer"]

# A drawing is 112 x 112 numbers (under 60 KB of JSON) and an input 784
# floats (about 15 KB); an uploaded photo of a digit is rarely above 1 MB.
MAX_JSON_BYTES = 256 * 1024
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 64

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
_DIGITS = re.compile(r"[0-9]+\Z")
_SMALL_INT = re.compile(r"[0-9]{1,9}\Z")
_PRINTABLE = re.compile(r"[\x21-\x7e]+\Z")
# JSON integers longer than this are refused while parsing (the page sends
# none over three digits; a 4,000-digit one would cost time to convert).
_MAX_INT_DIGITS = 20


def _parse_int(text):
    if len(text) > _MAX_INT_DIGITS:
        raise ValueError("an integer of {} digits is too long (at most "
                         "{})".format(len(text), _MAX_INT_DIGITS))
    return int(text)


def parse_query(query):
    """Return a GET query string as a dict; whole numbers become ints."""
    body = {}
    for key, values in parse_qs(query, keep_blank_values=True,
                                errors="replace").items():
        value = values[-1]
        body[key] = int(value) if _SMALL_INT.match(value) else value
    return body


def is_loopback(host):
    """Return True if the address ``host`` is this machine only.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host.lower() == "localhost"


class HttpError(Exception):
    """A request to answer with ``status`` and ``message``, then close."""

    def __init__(self, status, message):
        super(HttpError, self).__init__(message)
        self.status = status


class Request:
    """A request: its line, headers (names in lower case), the body's
    length and bytes, whether to keep the connection and the client's
    address."""

    __slots__ = ("method", "target", "path", "query", "version", "headers",
                 "length", "body", "keep_alive", "peer")


def parse_head(head):
    """Parse a request's line and headers (bytes, no final blank line).

    Returns a ``Request`` without its body; raises HttpError.
    """
    lines = head.split(b"\r\n")
    try:
        line = lines[0].decode("ascii")
    except UnicodeDecodeError:
        raise HttpError(400, "the request line is not ASCII")
    parts = line.split(" ")
    if len(parts) != 3 or not all(_PRINTABLE.match(p) for p in parts):
        raise HttpError(400, "malformed request line {!r}".format(line[:80]))
    method, target, version = parts
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise HttpError(505, "HTTP version {!r} is not supported".format(
            version[:20]))
    if not _TOKEN.match(method):
        raise HttpError(400, "malformed method {!r}".format(method[:20]))
    if len(lines) - 1 > MAX_HEADERS:
        raise HttpError(431, "more than {} header lines".format(MAX_HEADERS))
    headers = {}
    for raw in lines[1:]:
        text = raw.decode("latin-1")
        name, colon, value = text.partition(":")
        if not colon or not _TOKEN.match(name):
            raise HttpError(400, "malformed header line {!r}".format(
                text[:40]))
        name, value = name.lower(), value.strip(" \t")
        if name in headers and name in ("host", "content-length",
                                        "content-type", "origin"):
            if headers[name] != value:
                raise HttpError(400, "two different {} headers".format(name))
        headers[name] = value
    request = Request()
    request.method, request.target, request.version = method, target, version
    request.headers = headers
    parts = urlsplit(target)
    request.path, request.query = parts.path, parts.query
    if "transfer-encoding" in headers:
        raise HttpError(411, "a body must come with a Content-Length, not "
                         "Transfer-Encoding")
    length = headers.get("content-length")
    if length is None:
        request.length = 0
    elif not _DIGITS.match(length):
        raise HttpError(411 if method == "POST" else 400,
                         "Content-Length {!r} is not a whole number".format(
                             length[:20]))
    elif len(length) > 12:
        raise HttpError(413, "Content-Length of {} digits is over any "
                         "limit".format(len(length)))
    else:
        request.length = int(length)
    if method == "POST" and length is None:
        raise HttpError(411, "a POST needs a Content-Length")
    cap = MAX_UPLOAD_BYTES if request.path == "/api/upload" \
        else MAX_JSON_BYTES
    if request.length > cap:
        raise HttpError(413, "request body of {} bytes is over the limit of "
                         "{} bytes".format(request.length, cap))
    connection = headers.get("connection", "").lower()
    request.keep_alive = ("close" not in connection if version == "HTTP/1.1"
                          else "keep-alive" in connection)
    return request


def split_host(value):
    """Return (name, port or None) of a Host header; raise ValueError."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(value)
        port = rest[1:] or None
    else:
        name, colon, port = value.rpartition(":")
        if not colon:
            name, port = value, None
        elif ":" in name:
            raise ValueError(value)
    if port is not None:
        if not _SMALL_INT.match(port):
            raise ValueError(value)
        port = int(port)
    return name.rstrip("."), port



def error_answer(status, message):
    """Return (status, type, body, note): one line of JSON, one of log."""
    message = str(message).splitlines()[0] if message else \
        http.HTTPStatus(status).phrase
    text = json.dumps({"error": message}, separators=(",", ":"))
    return (status, "application/json; charset=utf-8",
            text.encode("utf-8") + b"\n", message)


def json_body(request):
    """Return the JSON of ``request``'s body; raise HttpError (400).

    NaN and Infinity are refused (``bounded.reject_constant``), and so are
    integers of more than a few digits, before they are converted.
    """
    try:
        return json.loads(request.body.decode("utf-8"),
                          parse_constant=reject_constant,
                          parse_int=_parse_int)
    except RecursionError:
        raise HttpError(400, "bad JSON: nested too deeply")
    except ValueError as exc:
        raise HttpError(400, "bad JSON: {}".format(exc).splitlines()[0])
