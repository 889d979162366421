"""The classroom server's loop: one thread owns every socket, workers answer.

``HttpServer`` listens, and one thread (``serve_forever``) owns every
connection through ``selectors`` (epoll on Linux): it accepts (backlog
``BACKLOG``), reads whole requests against a total deadline for the head and
body (``REQUEST_SECONDS``), closes idle keep-alive connections after
``KEEP_ALIVE_SECONDS``, and writes the answers.  Only complete requests
reach the threads, in bounded pools: ``WORKERS`` for the slow requests,
``QUICK_WORKERS`` for the short ones, so that a quick request never waits
behind slow ones, and one per core for uploads.  An idle or slow connection
costs a socket and a few hundred bytes, never a thread.  A subclass (the
classroom's is ``serve.ClassroomServer``) says what to answer.

Why not ``http.server``: its ``ThreadingMixIn`` starts one thread per
connection with no limit, and its socket timeout applies to each read, so a
client sending a byte every few seconds holds a thread for ever; a class's
browsers keep six keep-alive connections each, and 2,500 idle connections
took the old server down.

>>> BACKLOG, KEEP_ALIVE_SECONDS, REQUEST_SECONDS
(1024, 5, 10)
"""
import collections
import concurrent.futures
import errno
import http
import os
import selectors
import socket
import threading
import time

from purenn.classroom.httprequest import (HttpError, MAX_HEAD_BYTES,
                                          error_answer, parse_head)
from purenn.classroom.uploads import DECODE_SLOTS

__all__ = ["HttpServer", "BACKLOG", "WORKERS", "QUICK_WORKERS",
           "KEEP_ALIVE_SECONDS", "REQUEST_SECONDS", "WRITE_SECONDS",
           "LINGER_SECONDS", "MAX_WAITING", "MAX_CONNECTIONS"]

# Connections waiting to be accepted: a class of 60 browsers opening six
# connections each is 360 at once (the kernel caps it at somaxconn).
BACKLOG = 1024
# Threads for the arithmetic: the GIL runs one at a time, so more would only
# add waiting.  The learning steps and neuron views (about 11 ms and 5 ms of
# CPU for 784-30-10) have WORKERS threads; everything else (a predict is
# about 3 ms) has QUICK_WORKERS of its own, so it never queues behind them.
WORKERS = max(2, os.cpu_count() or 1)
QUICK_WORKERS = 2
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


class HttpServer:
    """A listening socket, a selectors loop and worker pools.

    A subclass says what to answer: ``handle(request)`` returns (status,
    content type, body bytes, log note or None) and runs in a worker;
    ``kind_of(request)`` says which pool runs it: ``"slow"`` (WORKERS
    threads), ``"quick"`` (QUICK_WORKERS) or ``"upload"``
    (``upload_workers``, at most four waiting a worker each).  ``log``,
    when given, is called with one line for each request answered with an
    error (the library itself never prints).  ``serve_forever()`` runs the
    loop until ``shutdown()``; ``server_close()`` frees the socket.
    """

    def __init__(self, address, log=None, workers=WORKERS,
                 max_connections=None, upload_workers=DECODE_SLOTS):
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
        self.log = log
        if max_connections is None:
            max_connections = _connection_limit()
        self.max_connections = max_connections
        self.upload_workers = upload_workers
        self._pool = concurrent.futures.ThreadPoolExecutor(
            workers, thread_name_prefix="purenn-worker")
        self._quick = concurrent.futures.ThreadPoolExecutor(
            QUICK_WORKERS, thread_name_prefix="purenn-quick")
        self._uploads = concurrent.futures.ThreadPoolExecutor(
            upload_workers, thread_name_prefix="purenn-upload")
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

    def handle(self, request):
        """Answer ``request``: (status, content type, body, log note)."""
        raise NotImplementedError

    def kind_of(self, request):
        """Return the pool for ``request``: "slow", "quick" or "upload"."""
        raise NotImplementedError

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
                request = parse_head(bytes(buffer[:end]))
            except HttpError as exc:
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
        kind = self.kind_of(request)
        upload = kind == "upload"
        if upload and self._waiting_uploads >= 4 * self.upload_workers:
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
                if kind == "slow" else self._quick)
        pool.submit(self._work, connection, request, upload)

    def _work(self, connection, request, upload):
        """In a worker: answer ``request``; hand the answer to the loop."""
        try:
            status, content_type, body, note = self.handle(request)
        except Exception as exc:   # never a traceback to the client
            status, content_type, body, note = error_answer(
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
        _, content_type, body, _ = error_answer(status, message)
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
