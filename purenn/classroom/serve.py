"""The classroom page's web server: a selectors loop and a pool of workers.

``make_server(room, host, port)`` returns a server that answers the page's
static files and the JSON API of ``purenn.classroom.api`` (routes in
``POST_ROUTES``, ``GET_ROUTES``; docs/serve.md is the manual) for a whole
class at once.  What it promises:

- only the files in ``STATIC_FILES`` are served, looked up by the exact
  request path, so ``..``, absolute paths and every other name get 404;
- only the page talks to it: the Host header must name this server (an IP
  address, ``localhost`` or, when shared, this machine's name), so a web page
  elsewhere cannot reach it by DNS rebinding; an API request another site
  makes (``Sec-Fetch-Site``, ``Origin``) is refused, and an API POST must be
  ``application/json`` (an upload ``application/octet-stream``), which a
  page elsewhere cannot send without a CORS preflight this server never
  grants;
- request bodies are capped (``MAX_JSON_BYTES``, ``MAX_UPLOAD_BYTES``) and
  read only after the cap is checked against Content-Length;
- a bad request gets a 4xx whose body is one line of JSON,
  ``{"error": "..."}``, and one log line; an unexpected failure a 500 of the
  same form, never a traceback, and the server keeps serving;
- nothing from a request is evaluated or written to disk.

Why not ``http.server``: its ``ThreadingMixIn`` starts one thread per
connection with no limit, and its socket timeout applies to each read, so a
client sending a byte every few seconds holds a thread for ever; a class's
browsers keep six keep-alive connections each, and 2,500 idle connections
took the old server down.  Here one thread (``serve_forever``) owns every
socket through ``selectors`` (epoll on Linux): it accepts (backlog
``BACKLOG``), reads whole requests against a total deadline for the head and
body (``REQUEST_SECONDS``), closes idle keep-alive connections after
``KEEP_ALIVE_SECONDS``, and writes the answers.  Only complete requests reach
the threads: a bounded pool (``WORKERS``) for the learning steps and neuron
views, another (``QUICK_WORKERS``) for the short requests, so that a predict
never waits behind steps, and one (``api.DECODE_SLOTS``, one per core) for
uploads.  An idle or slow connection costs a socket and a few hundred bytes,
never a thread.

``Training`` runs a small training run in a background thread for
``purenn serve --train`` and reports its progress at ``GET /api/train``.  It
trains through ``purenn.engines.sgd``, whose every engine gives the
reference's bits, so the page still shows the reference's numbers.
"""
import collections
import concurrent.futures
import errno
import http
import ipaddress
import json
import os
import re
import selectors
import socket
import threading
import time
from urllib.parse import parse_qs, urlsplit

from purenn import resources
from purenn.io.bounded import reject_constant
from purenn.network import Network
from purenn.classroom.api import ApiError
from purenn.classroom.uploads import DECODE_SLOTS

__all__ = ["STATIC_FILES", "MAX_JSON_BYTES", "MAX_UPLOAD_BYTES",
           "POST_ROUTES", "GET_ROUTES", "BACKLOG", "WORKERS", "QUICK_WORKERS",
           "KEEP_ALIVE_SECONDS", "REQUEST_SECONDS", "ClassroomServer",
           "make_server", "is_loopback", "Training"]

_STATIC = resources.package_path("classroom", "static")  # maybe in purenn.pyz

# Request path -> (file in the package's static folder, content type).
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
# The page's ES modules, one per view (see app.js).
for _name in ("common.js", "i18n.js", "digit.js", "diagram.js", "walk.js",
              "train.js"):
    STATIC_FILES["/" + _name] = (_name, "text/javascript; charset=utf-8")

# A drawing is 112 x 112 numbers (under 60 KB of JSON) and an input 784
# floats (about 15 KB); an uploaded photo of a digit is rarely above 1 MB.
MAX_JSON_BYTES = 256 * 1024
MAX_UPLOAD_BYTES = 2 * 1024 * 1024

POST_ROUTES = {"/api/predict": "predict", "/api/neuron": "neuron",
               "/api/step": "step", "/api/zero": "zero",
               "/api/reset": "reset", "/api/prepare": "prepare",
               "/api/upload": "upload", "/api/diagram": "diagram"}
GET_ROUTES = {"/api/model": "model", "/api/mnist": "mnist",
              "/api/example": "example", "/api/train": "train",
              "/api/lesson": "lesson"}

# Connections waiting to be accepted: a class of 60 browsers opening six
# connections each is 360 at once (the kernel caps it at somaxconn).
BACKLOG = 1024
# Threads for the arithmetic: the GIL runs one at a time, so more would only
# add waiting.  The learning steps and neuron views (about 11 ms and 5 ms of
# CPU for 784-30-10) have WORKERS threads; everything else (a predict is
# about 3 ms) has QUICK_WORKERS of its own, so it never queues behind them.
WORKERS = max(2, os.cpu_count() or 1)
QUICK_WORKERS = 2
_SLOW_ROUTES = frozenset(("/api/step", "/api/neuron", "/api/diagram"))
# Between two requests on a keep-alive connection.
KEEP_ALIVE_SECONDS = 5
# From a request's first byte to its last, head and body together (and
# from accepting a connection to its first byte): not per read, so a client
# sending a byte every few seconds is cut off all the same.
REQUEST_SECONDS = 10
# For a client to take its answer.
WRITE_SECONDS = 20
# After an error that ends a connection, what the client still sends is
# read and dropped this long, so that it gets the answer rather than a reset.
LINGER_SECONDS = 2
MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 64
# Complete requests waiting for a worker; beyond this, 503 at once.
MAX_WAITING = 1024
# Connections at once, at most (and the process's open-file limit allows).
MAX_CONNECTIONS = 8192

# The page is self-contained: no script, style or font from elsewhere.
_SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy",
     "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
     "base-uri 'none'; frame-ancestors 'none'"),
    ("Cache-Control", "no-store"),
)

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


def _query(query):
    """Return a GET query string as a dict; whole numbers become ints."""
    body = {}
    for key, values in parse_qs(query, keep_blank_values=True,
                                errors="replace").items():
        value = values[-1]
        body[key] = int(value) if _SMALL_INT.match(value) else value
    return body


def _read_static(name):
    """Return the bytes of the page's static file ``name``."""
    with resources.open_binary(os.path.join(_STATIC, name)) as stream:
        return stream.read()


def is_loopback(host):
    """Return True if the address ``host`` is this machine only.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host.lower() == "localhost"


class _HttpError(Exception):
    """A request to answer with ``status`` and ``message``, then close."""

    def __init__(self, status, message):
        super(_HttpError, self).__init__(message)
        self.status = status


class _Request:
    __slots__ = ("method", "target", "path", "query", "version", "headers",
                 "length", "body", "keep_alive", "peer")


def _parse_head(head):
    """Parse a request's line and headers (bytes, no final blank line).

    Returns a ``_Request`` without its body; raises _HttpError.
    """
    lines = head.split(b"\r\n")
    try:
        line = lines[0].decode("ascii")
    except UnicodeDecodeError:
        raise _HttpError(400, "the request line is not ASCII")
    parts = line.split(" ")
    if len(parts) != 3 or not all(_PRINTABLE.match(p) for p in parts):
        raise _HttpError(400, "malformed request line {!r}".format(line[:80]))
    method, target, version = parts
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise _HttpError(505, "HTTP version {!r} is not supported".format(
            version[:20]))
    if not _TOKEN.match(method):
        raise _HttpError(400, "malformed method {!r}".format(method[:20]))
    if len(lines) - 1 > MAX_HEADERS:
        raise _HttpError(431, "more than {} header lines".format(MAX_HEADERS))
    headers = {}
    for raw in lines[1:]:
        text = raw.decode("latin-1")
        name, colon, value = text.partition(":")
        if not colon or not _TOKEN.match(name):
            raise _HttpError(400, "malformed header line {!r}".format(
                text[:40]))
        name, value = name.lower(), value.strip(" \t")
        if name in headers and name in ("host", "content-length",
                                        "content-type", "origin"):
            if headers[name] != value:
                raise _HttpError(400, "two different {} headers".format(name))
        headers[name] = value
    request = _Request()
    request.method, request.target, request.version = method, target, version
    request.headers = headers
    parts = urlsplit(target)
    request.path, request.query = parts.path, parts.query
    if "transfer-encoding" in headers:
        raise _HttpError(411, "a body must come with a Content-Length, not "
                         "Transfer-Encoding")
    length = headers.get("content-length")
    if length is None:
        request.length = 0
    elif not _DIGITS.match(length):
        raise _HttpError(411 if method == "POST" else 400,
                         "Content-Length {!r} is not a whole number".format(
                             length[:20]))
    elif len(length) > 12:
        raise _HttpError(413, "Content-Length of {} digits is over any "
                         "limit".format(len(length)))
    else:
        request.length = int(length)
    if method == "POST" and length is None:
        raise _HttpError(411, "a POST needs a Content-Length")
    cap = MAX_UPLOAD_BYTES if request.path == "/api/upload" \
        else MAX_JSON_BYTES
    if request.length > cap:
        raise _HttpError(413, "request body of {} bytes is over the limit of "
                         "{} bytes".format(request.length, cap))
    connection = headers.get("connection", "").lower()
    request.keep_alive = ("close" not in connection if version == "HTTP/1.1"
                          else "keep-alive" in connection)
    return request


def _split_host(value):
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


_READ, _WORK, _WRITE, _DRAIN = range(4)


class _Connection:
    __slots__ = ("sock", "peer", "state", "inbuf", "outbuf", "request",
                 "deadline", "started", "close_after")

    def __init__(self, sock, peer, now):
        self.sock = sock
        self.peer = peer
        self.state = _READ
        self.inbuf = bytearray()
        self.outbuf = b""
        self.request = None
        self.started = None          # when the current request began
        self.deadline = now + REQUEST_SECONDS
        self.close_after = False


class ClassroomServer:
    """The server: a listening socket, a selectors loop and worker pools.

    ``room`` is the ``api.Classroom``; ``training`` a ``Training`` or None;
    ``log``, when given, is called with one line for each request answered
    with an error (the library itself never prints).  ``serve_forever()``
    runs the loop until ``shutdown()``; ``server_close()`` frees the socket.
    """

    def __init__(self, address, room, training=None, log=None,
                 workers=WORKERS, max_connections=None):
        host, port = address
        infos = socket.getaddrinfo(host or None, port, 0, socket.SOCK_STREAM,
                                   0, socket.AI_PASSIVE)
        family, kind, proto, _, sockaddr = infos[0]
        self.socket = socket.socket(family, kind, proto)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(sockaddr)
            self.socket.listen(BACKLOG)
            self.socket.setblocking(False)
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        self.room = room
        self.training = training
        self.log = log
        self._names = self._host_names(host)
        if max_connections is None:
            max_connections = _connection_limit()
        self.max_connections = max_connections
        self._pool = concurrent.futures.ThreadPoolExecutor(
            workers, thread_name_prefix="purenn-worker")
        self._quick = concurrent.futures.ThreadPoolExecutor(
            QUICK_WORKERS, thread_name_prefix="purenn-quick")
        self._uploads = concurrent.futures.ThreadPoolExecutor(
            DECODE_SLOTS, thread_name_prefix="purenn-upload")
        self._waiting = 0
        self._waiting_uploads = 0
        self._selector = selectors.DefaultSelector()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self._done = collections.deque()
        self._connections = {}
        self._stop = False
        self._stopped = threading.Event()

    # -- addresses ------------------------------------------------------------

    def _host_names(self, host):
        """Names (not addresses) a Host header may give for this server."""
        names = {"localhost"}
        host = (host or "").lower().rstrip(".")
        try:
            ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            if host:
                names.add(host)
        if not is_loopback(self.server_address[0]):
            name = socket.gethostname().lower()
            names.update((name, name + ".local"))
        return names

    def _host_allowed(self, value):
        """Return True if a Host header names this server.

        An IP address is always allowed (a DNS rebinding attack needs a
        name); a name only if it is one of this machine's.  The port must be
        the one served.
        """
        try:
            name, port = _split_host(value)
        except ValueError:
            return False
        if (port or 80) != self.server_address[1]:
            return False
        try:
            ipaddress.ip_address(name.split("%")[0])
            return True
        except ValueError:
            return name in self._names

    def url(self):
        host, port = self.server_address[:2]
        if ":" in host:
            host = "[{}]".format(host)
        return "http://{}:{}/".format(host, port)

    def training_status(self):
        if self.training is None:
            raise ApiError("no training run: start the server with "
                           "--train", 404)
        return self.training.status()

    # -- the loop ---------------------------------------------------------------

    def serve_forever(self, poll_interval=0.5):
        """Serve until ``shutdown()`` is called (or Ctrl-C in this thread)."""
        self._stopped.clear()
        self._selector.register(self.socket, selectors.EVENT_READ, None)
        self._selector.register(self._wake_read, selectors.EVENT_READ, None)
        next_sweep = time.monotonic()
        try:
            while not self._stop:
                events = self._selector.select(min(poll_interval, 0.25))
                now = time.monotonic()
                for key, mask in events:
                    if key.fileobj is self.socket:
                        self._accept(now)
                    elif key.fileobj is self._wake_read:
                        self._finish_work(now)
                    else:
                        connection = key.data
                        if mask & selectors.EVENT_READ:
                            self._readable(connection, now)
                        if mask & selectors.EVENT_WRITE and \
                                connection.state == _WRITE:
                            self._write(connection, now)
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + 0.25
        finally:
            for fileobj in (self.socket, self._wake_read):
                try:
                    self._selector.unregister(fileobj)
                except (KeyError, ValueError):
                    pass
            self._stop = False
            self._stopped.set()

    def shutdown(self):
        """Stop ``serve_forever`` (from another thread) and wait for it."""
        self._stop = True
        self._wake()
        self._stopped.wait()

    def server_close(self):
        """Close every connection and the listening socket."""
        for connection in list(self._connections.values()):
            self._close(connection)
        self._pool.shutdown(wait=False)
        self._quick.shutdown(wait=False)
        self._uploads.shutdown(wait=False)
        self.socket.close()
        self._selector.close()
        self._wake_read.close()
        self._wake_write.close()

    def _wake(self):
        try:
            self._wake_write.send(b"x")
        except (BlockingIOError, OSError):
            pass    # already awake, or closed

    def _accept(self, now):
        for _ in range(256):
            try:
                sock, peer = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS,
                                 errno.ENOMEM):
                    # Out of sockets: make room by dropping the connection
                    # idle longest, and take this one on the next round; if
                    # none can go, wait a moment rather than spin.
                    if not self._make_room():
                        time.sleep(0.05)
                return
            if len(self._connections) >= self.max_connections:
                self._make_room()
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            connection = _Connection(sock, peer[0], now)
            self._connections[sock.fileno()] = connection
            self._selector.register(sock, selectors.EVENT_READ, connection)

    def _make_room(self):
        """Close the connection waiting longest for a request's bytes;
        return False if there is none."""
        oldest = None
        for connection in self._connections.values():
            if connection.state == _READ and (
                    oldest is None or connection.deadline < oldest.deadline):
                oldest = connection
        if oldest is not None:
            self._close(oldest)
        return oldest is not None

    def _sweep(self, now):
        """End connections past their deadline."""
        for connection in list(self._connections.values()):
            if now < connection.deadline or connection.state == _WORK:
                continue
            if connection.state == _READ and connection.started is not None:
                self._reply_error(connection, 408, "the request did not "
                                  "arrive within {} s".format(
                                      REQUEST_SECONDS), now)
            else:
                # Idle between requests, a client not taking its answer, or
                # the end of a lingering close.
                self._close(connection)

    def _readable(self, connection, now):
        try:
            data = connection.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(connection)
            return
        if not data:
            self._close(connection)
            return
        if connection.state == _DRAIN:
            return
        if connection.started is None:
            if not connection.inbuf:
                data = data.lstrip(b"\r\n")   # blank lines between requests
                if not data:
                    return
            connection.started = now
            connection.deadline = now + REQUEST_SECONDS
        connection.inbuf += data
        self._parse(connection, now)

    def _parse(self, connection, now):
        buffer = connection.inbuf
        if connection.request is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD_BYTES:
                    self._reply_error(connection, 431, "the request head is "
                                      "over {} bytes".format(MAX_HEAD_BYTES),
                                      now)
                return
            if end > MAX_HEAD_BYTES:
                self._reply_error(connection, 431, "the request head is over "
                                  "{} bytes".format(MAX_HEAD_BYTES), now)
                return
            try:
                request = _parse_head(bytes(buffer[:end]))
            except _HttpError as exc:
                self._reply_error(connection, exc.status, str(exc), now)
                return
            request.peer = connection.peer
            del buffer[:end + 4]
            connection.request = request
            if request.headers.get("expect", "").lower() == "100-continue" \
                    and len(buffer) < request.length:
                # curl waits a second for this before sending a body over
                # 1 KB.  Best effort: a client that does not get it sends
                # the body anyway after its wait.
                try:
                    connection.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                except OSError:
                    pass
        request = connection.request
        if len(buffer) < request.length:
            return
        request.body = bytes(buffer[:request.length])
        del buffer[:request.length]
        connection.request = None
        self._dispatch(connection, request, now)

    def _dispatch(self, connection, request, now):
        upload = request.path == "/api/upload" and request.method == "POST"
        if upload and self._waiting_uploads >= 4 * DECODE_SLOTS:
            self._reply_error(connection, 429, "{} uploads are waiting to be "
                              "decoded; try again in a moment".format(
                                  self._waiting_uploads), now,
                              request=request)
            return
        if self._waiting >= MAX_WAITING:
            self._reply_error(connection, 503, "the server is busy; try "
                              "again in a moment", now, request=request)
            return
        connection.state = _WORK
        self._selector.unregister(connection.sock)
        self._waiting += 1
        self._waiting_uploads += upload
        pool = (self._uploads if upload else self._pool
                if request.path in _SLOW_ROUTES else self._quick)
        pool.submit(self._work, connection, request, upload)

    def _work(self, connection, request, upload):
        """In a worker: answer ``request``; hand the answer to the loop."""
        try:
            status, content_type, body, note = self._handle(request)
        except Exception as exc:   # never a traceback to the client
            status, content_type, body, note = _error_answer(
                500, "internal error: {}".format(type(exc).__name__))
        self._done.append((connection, request, upload, status, content_type,
                           body, note))
        self._wake()

    def _finish_work(self, now):
        try:
            while self._wake_read.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        while self._done:
            (connection, request, upload, status, content_type, body,
             note) = self._done.popleft()
            self._waiting -= 1
            self._waiting_uploads -= upload
            if connection.sock.fileno() < 0:
                continue
            if note is not None:
                self._log(status, request, connection.peer, note)
            # The whole request was read, so the connection can carry the
            # next one whatever this answer was.
            self._start_reply(connection, status, content_type, body,
                              not request.keep_alive, now,
                              head_only=request.method == "HEAD")

    # -- answers ----------------------------------------------------------------

    def _log(self, status, request, peer, message):
        if self.log is None:
            return
        what = ("{} {}".format(request.method, request.path[:80])
                if request is not None else "-")
        self.log("purenn: {} {} from {}: {}".format(status, what, peer,
                                                    message))

    def _reply_error(self, connection, status, message, now, request=None):
        """Answer an error the loop found, then close the connection."""
        self._log(status, request, connection.peer, message)
        _, content_type, body, _ = _error_answer(status, message)
        self._start_reply(connection, status, content_type, body, True, now)

    def _start_reply(self, connection, status, content_type, body, close,
                     now, head_only=False):
        reason = http.HTTPStatus(status).phrase
        lines = ["HTTP/1.1 {} {}".format(status, reason),
                 "Server: purenn",
                 "Content-Type: " + content_type,
                 "Content-Length: {}".format(len(body))]
        lines += ["{}: {}".format(name, value)
                  for name, value in _SECURITY_HEADERS]
        if close:
            lines.append("Connection: close")
        else:
            lines += ["Connection: keep-alive",
                      "Keep-Alive: timeout={}".format(KEEP_ALIVE_SECONDS)]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        connection.outbuf = head if head_only else head + body
        connection.close_after = close
        connection.request = None
        connection.started = None
        connection.deadline = now + WRITE_SECONDS
        previous = connection.state
        connection.state = _WRITE
        try:
            if previous == _WORK:
                self._selector.register(connection.sock,
                                        selectors.EVENT_WRITE, connection)
            else:
                self._selector.modify(connection.sock, selectors.EVENT_WRITE,
                                      connection)
        except (KeyError, ValueError, OSError):
            self._close(connection)
            return
        self._write(connection, now)

    def _write(self, connection, now):
        try:
            sent = connection.sock.send(connection.outbuf)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(connection)
            return
        connection.outbuf = connection.outbuf[sent:]
        if connection.outbuf:
            return
        if connection.close_after:
            self._linger(connection, now)
            return
        connection.state = _READ
        connection.deadline = now + KEEP_ALIVE_SECONDS
        self._selector.modify(connection.sock, selectors.EVENT_READ,
                              connection)
        if connection.inbuf:        # the next request came already
            connection.started = now
            connection.deadline = now + REQUEST_SECONDS
            self._parse(connection, now)

    def _linger(self, connection, now):
        """Close our side, and read what the client still sends for a
        moment, so that it reads the answer rather than a reset."""
        try:
            connection.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(connection)
            return
        connection.state = _DRAIN
        connection.inbuf = bytearray()
        connection.deadline = now + LINGER_SECONDS
        self._selector.modify(connection.sock, selectors.EVENT_READ,
                              connection)

    def _close(self, connection):
        sock = connection.sock
        fileno = sock.fileno()
        if fileno < 0:
            return
        self._connections.pop(fileno, None)
        if connection.state != _WORK:
            try:
                self._selector.unregister(sock)
            except (KeyError, ValueError):
                pass
        sock.close()

    # -- the application --------------------------------------------------------

    def _handle(self, request):
        """Answer one request: (status, content type, body, log note).

        The note is None for a success and the error's one line otherwise.
        """
        host = request.headers.get("host")
        if host is None:
            if request.version == "HTTP/1.1":
                return _error_answer(400, "an HTTP/1.1 request needs a Host "
                                     "header")
        elif not self._host_allowed(host):
            return _error_answer(403, "Host {!r} is not this server (a web "
                                 "page elsewhere may not use it)".format(
                                     host[:60]))
        method, path = request.method, request.path
        if method not in ("GET", "HEAD", "POST"):
            return _error_answer(501, "method {} is not supported".format(
                method[:20]))
        if method in ("GET", "HEAD") and path in STATIC_FILES:
            name, content_type = STATIC_FILES[path]
            return 200, content_type, _read_static(name), None
        if path not in POST_ROUTES and path not in GET_ROUTES:
            return _error_answer(404, "no such page: {}".format(path[:80]))
        refusal = self._cross_site(request)
        if refusal is not None:
            return _error_answer(403, refusal)
        if method in ("GET", "HEAD"):
            if path not in GET_ROUTES:
                return _error_answer(405, "{} takes POST".format(path))
            return self._answer(GET_ROUTES[path], _query(request.query))
        if path not in POST_ROUTES:
            return _error_answer(405, "no such API: POST {}".format(path))
        route = POST_ROUTES[path]
        media = request.headers.get("content-type", "").split(";")[0] \
            .strip().lower()
        if route == "upload":
            if media != "application/octet-stream" and \
                    not media.startswith("image/"):
                return _error_answer(415, "POST {} takes the file's bytes as "
                                     "Content-Type: application/octet-stream"
                                     .format(path))
            return self._answer(route, request.body)
        if media != "application/json":
            return _error_answer(415, "POST {} takes Content-Type: "
                                 "application/json, got {!r}".format(
                                     path, media[:40]))
        try:
            body = json.loads(request.body.decode("utf-8"),
                              parse_constant=reject_constant,
                              parse_int=_parse_int)
        except RecursionError:
            return _error_answer(400, "bad JSON: nested too deeply")
        except ValueError as exc:
            return _error_answer(400, "bad JSON: {}".format(exc)
                                 .splitlines()[0])
        return self._answer(route, body)

    def _cross_site(self, request):
        """Return why an API request from elsewhere is refused, or None."""
        site = request.headers.get("sec-fetch-site")
        if site is not None and site.lower() not in ("same-origin", "none"):
            return ("a {} request: only the page itself may use the "
                    "API".format(site[:20]))
        origin = request.headers.get("origin")
        if origin is not None and request.method == "POST":
            host = request.headers.get("host", "")
            if origin.lower() != "http://" + host.lower():
                return ("Origin {!r} is not this page: only the page itself "
                        "may use the API".format(origin[:60]))
        return None

    def _answer(self, method, body):
        try:
            if method == "train":
                answer = self.training_status()
            else:
                answer = getattr(self.room, method)(body)
        except ApiError as exc:
            return _error_answer(exc.status, str(exc))
        except RecursionError:
            return _error_answer(400, "{}: nested too deeply".format(method))
        except (ValueError, TypeError, OverflowError) as exc:
            return _error_answer(400, "{}: {}".format(method, exc)
                                 .splitlines()[0])
        text = json.dumps(answer, allow_nan=False, separators=(",", ":"))
        return (200, "application/json; charset=utf-8",
                text.encode("utf-8") + b"\n", None)


def _error_answer(status, message):
    """Return (status, type, body, note): one line of JSON, one of log."""
    message = str(message).splitlines()[0] if message else \
        http.HTTPStatus(status).phrase
    text = json.dumps({"error": message}, separators=(",", ":"))
    return (status, "application/json; charset=utf-8",
            text.encode("utf-8") + b"\n", message)


def _connection_limit():
    """Connections this process can hold: the open-file limit, less room
    for files and the selector, at most MAX_CONNECTIONS."""
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return 256
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft - 64))


def make_server(room, host="127.0.0.1", port=0, training=None, log=None):
    """Return a ClassroomServer for ``room`` bound to (host, port).

    Port 0 picks a free port; ``server.url()`` says which.  ``log`` gets one
    line per request answered with an error.
    """
    return ClassroomServer((host, port), room, training, log=log)


class _Stopped(Exception):
    """Raised from the progress callback to end a run early."""


class Training:
    """A small training run in a background thread, for the page to watch.

    Trains ``Network(layers, seed=seed)`` on ``train`` (``(x, y)`` pairs or
    an MNIST Dataset) with ``purenn.engines.sgd`` -- network.py's SGD, the
    reference's bits -- and scores it on ``test`` after each epoch.
    ``status()`` is a snapshot that is safe to read from any thread;
    ``stop()`` ends the run after the current mini-batch.
    """

    def __init__(self, train, test, layers=(784, 30, 10), epochs=5,
                 mini_batch_size=10, eta=3.0, seed=0):
        self.train = train
        self.test = test
        self.net = Network(list(layers), seed=seed)
        self.epochs = epochs
        self.mini_batch_size = mini_batch_size
        self.eta = eta
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._state = {"layers": list(layers), "epochs": epochs,
                       "mini_batch_size": mini_batch_size, "eta": eta,
                       "seed": seed, "train_size": len(train),
                       "test_size": len(test), "epoch": 0, "done": 0,
                       "history": [], "running": False, "finished": False,
                       "seconds": 0.0}
        self._thread = threading.Thread(target=self._run, name="training")
        self._thread.daemon = True

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()

    def join(self, timeout=None):
        self._thread.join(timeout)

    def status(self):
        with self._lock:
            state = dict(self._state)
            state["history"] = list(self._state["history"])
            return state

    def _update(self, **changes):
        with self._lock:
            self._state.update(changes)

    def _run(self):
        from purenn import engines
        started = time.time()
        self._update(running=True)

        def progress(done, total):
            if self._stop.is_set():
                raise _Stopped()
            self._update(done=done, seconds=time.time() - started)

        def epoch_done(result):
            with self._lock:
                self._state["history"].append(dict(result))
                self._state["epoch"] = result["epoch"] + 1
                self._state["seconds"] = time.time() - started

        try:
            engines.sgd(self.net, self.train, self.epochs,
                        self.mini_batch_size, self.eta, test_data=self.test,
                        on_epoch=epoch_done, on_progress=progress)
        except _Stopped:
            self._update(running=False)
            return
        self._update(running=False, finished=True,
                     epoch=self.epochs - 1)
