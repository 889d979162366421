"""The classroom page's web server: the standard library's http.server.

``make_server(room, host, port)`` returns a threading HTTP server that
answers the page's static files and the JSON API of ``purenn.classroom.api``
(routes in ``POST_ROUTES``, ``GET_ROUTES``; docs/serve.md is the manual).
What it promises, as any server should:

- only the files in ``STATIC_FILES`` are served, looked up by the exact
  request path, so ``..``, absolute paths and every other name get 404;
- request bodies are capped (``MAX_JSON_BYTES``, ``MAX_UPLOAD_BYTES``) and
  read only after the cap is checked;
- a bad request gets a 4xx answer whose body is one line of JSON,
  ``{"error": "..."}``; an unexpected failure a 500 of the same form, never a
  traceback, and the server keeps serving;
- nothing from a request is evaluated or written to disk.

``Training`` runs a small training run in a background thread for
``purenn serve --train`` and reports its progress at ``GET /api/train``.  It
trains through ``purenn.engines.sgd``, whose every engine gives the
reference's bits, so the page still shows the reference's numbers.

The server uses ``socketserver.ThreadingMixIn`` with ``HTTPServer`` rather
than ``http.server.ThreadingHTTPServer``, which only exists from Python 3.7.
"""
import http.server
import json
import os
import socketserver
import threading
import time
from urllib.parse import parse_qs, urlsplit

from purenn import resources
from purenn.network import Network
from purenn.classroom.api import ApiError

__all__ = ["STATIC_FILES", "MAX_JSON_BYTES", "MAX_UPLOAD_BYTES",
           "POST_ROUTES", "GET_ROUTES", "ClassroomServer", "make_server",
           "Training"]

_STATIC = resources.package_path("classroom", "static")  # maybe in purenn.pyz

# Request path -> (file in the package's static folder, content type).
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}

# A drawing is 112 x 112 numbers (under 60 KB of JSON) and an input 784
# floats (about 15 KB); an uploaded photo of a digit is rarely above 1 MB.
MAX_JSON_BYTES = 256 * 1024
MAX_UPLOAD_BYTES = 2 * 1024 * 1024

POST_ROUTES = {"/api/predict": "predict", "/api/neuron": "neuron",
               "/api/step": "step", "/api/zero": "zero",
               "/api/reset": "reset", "/api/prepare": "prepare",
               "/api/upload": "upload"}
GET_ROUTES = {"/api/model": "model", "/api/mnist": "mnist",
              "/api/example": "example", "/api/train": "train"}

# The page is self-contained: no script, style or font from elsewhere.
_SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy",
     "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
     "base-uri 'none'; frame-ancestors 'none'"),
    ("Cache-Control", "no-store"),
)


def _reject_constant(name):
    raise ValueError("{} is not a number JSON allows".format(name))


def _query(query):
    """Return a GET query string as a dict; whole numbers become ints."""
    body = {}
    for key, values in parse_qs(query, keep_blank_values=True).items():
        value = values[-1]
        body[key] = int(value) if value.isdigit() and len(value) < 10 \
            else value
    return body


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "purenn"
    sys_version = ""
    # HTTP/1.0: one request per connection, so a slow client holds one thread
    # for one request only.
    protocol_version = "HTTP/1.0"
    # A client that stops sending mid-request frees its thread after this
    # many seconds (the socket timeout of StreamRequestHandler).
    timeout = 60

    def log_message(self, format, *args):
        # The terminal shows the URL and stays quiet; requests are not logged.
        pass

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in _SECURITY_HEADERS:
            self.send_header(name, value)
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)

    def _json(self, status, answer):
        text = json.dumps(answer, allow_nan=False, separators=(",", ":"))
        self._send(status, text.encode("utf-8") + b"\n",
                   "application/json; charset=utf-8")

    def _error(self, status, message):
        # One line: json.dumps escapes any newline inside the message.
        self._json(status, {"error": message})

    def send_error(self, code, message=None, explain=None):
        # http.server's own errors (an unknown method, a malformed request
        # line) as one line of JSON too, instead of its HTML page.
        self.close_connection = True
        if message is None:
            message = self.responses.get(code, ("error",))[0]
        self._error(code, "{} ({})".format(message, code))

    def _answer(self, method, body):
        try:
            if method == "train":
                answer = self.server.training_status()
            else:
                answer = getattr(self.server.room, method)(body)
        except ApiError as exc:
            self._error(exc.status, str(exc))
            return
        except (ValueError, TypeError) as exc:
            self._error(400, "{}: {}".format(method, exc).splitlines()[0])
            return
        except Exception as exc:  # never a traceback to the client
            self._error(500, "internal error in {}: {}".format(
                method, type(exc).__name__))
            return
        self._json(200, answer)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path in STATIC_FILES:
            name, content_type = STATIC_FILES[parts.path]
            with resources.open_binary(os.path.join(_STATIC, name)) as stream:
                self._send(200, stream.read(), content_type)
        elif parts.path in GET_ROUTES:
            self._answer(GET_ROUTES[parts.path], _query(parts.query))
        elif parts.path in POST_ROUTES:
            self._error(405, "{} takes POST".format(parts.path))
        else:
            self._error(404, "no such page: {}".format(parts.path[:80]))

    def _read_body(self, cap):
        """Return the body, or None after answering 411/413/400."""
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            self._error(411, "a POST needs a Content-Length")
            return None
        length = int(length)
        if length > cap:
            self.close_connection = True
            self._error(413, "request body of {} bytes is over the limit of "
                        "{} bytes".format(length, cap))
            return None
        return self.rfile.read(length)

    def do_POST(self):
        path = urlsplit(self.path).path
        if path not in POST_ROUTES:
            self._error(404 if path not in GET_ROUTES else 405,
                        "no such API: POST {}".format(path[:80]))
            return
        method = POST_ROUTES[path]
        if method == "upload":
            data = self._read_body(MAX_UPLOAD_BYTES)
            if data is not None:
                self._answer(method, data)
            return
        data = self._read_body(MAX_JSON_BYTES)
        if data is None:
            return
        try:
            body = json.loads(data.decode("utf-8"),
                              parse_constant=_reject_constant)
        except ValueError as exc:
            self._error(400, "bad JSON: {}".format(exc).splitlines()[0])
            return
        self._answer(method, body)


class ClassroomServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """An HTTPServer answering each request in its own thread.

    ``room`` is the ``api.Classroom``; ``training`` a ``Training`` or None.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, room, training=None):
        http.server.HTTPServer.__init__(self, address, _Handler)
        self.room = room
        self.training = training

    def training_status(self):
        if self.training is None:
            raise ApiError("no training run: start the server with "
                           "--train", 404)
        return self.training.status()

    def url(self):
        host, port = self.server_address[:2]
        if ":" in host:
            host = "[{}]".format(host)
        return "http://{}:{}/".format(host, port)


def make_server(room, host="127.0.0.1", port=0, training=None):
    """Return a ClassroomServer for ``room`` bound to (host, port).

    Port 0 picks a free port; ``server.url()`` says which.
    """
    return ClassroomServer((host, port), room, training)


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
