"""The classroom page's web server: the page, its API and who may ask.

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

The connections, their deadlines and the worker pools are
``purenn.classroom.eventloop``'s (one thread owns every socket; only
complete requests reach the bounded pools: the learning steps, neuron views
and diagrams in one, the quick requests in another, so that a predict never
waits behind steps, and uploads, one per core, in a third); reading a
request's head and body with bounds is ``purenn.classroom.httprequest``'s.
This module is the application: which files and routes exist, which hosts
and sites may ask, and the API's answers as JSON.

``Training`` (``purenn.classroom.training``) runs a small training run in a
background thread for ``purenn serve --train`` and reports its progress at
``GET /api/train``.  It trains through ``purenn.engines.sgd``, whose every
engine gives the reference's bits, so the page still shows the reference's
numbers.
"""
import ipaddress
import json
import os
import socket

from purenn import resources
from purenn.classroom.api import ApiError
from purenn.classroom.eventloop import (HttpServer, BACKLOG, WORKERS,
                                        QUICK_WORKERS, KEEP_ALIVE_SECONDS,
                                        REQUEST_SECONDS)
from purenn.classroom.httprequest import (HttpError, MAX_JSON_BYTES,
                                          MAX_UPLOAD_BYTES, error_answer,
                                          is_loopback, json_body, parse_query,
                                          split_host)
from purenn.classroom.training import Training
from purenn.classroom.uploads import DECODE_SLOTS

__all__ = ["STATIC_FILES", "MAX_JSON_BYTES", "MAX_UPLOAD_BYTES",
           "POST_ROUTES", "GET_ROUTES", "SLOW_ROUTES", "BACKLOG", "WORKERS",
           "QUICK_WORKERS", "KEEP_ALIVE_SECONDS", "REQUEST_SECONDS",
           "ClassroomServer", "make_server", "is_loopback", "Training"]

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

POST_ROUTES = {"/api/predict": "predict", "/api/neuron": "neuron",
               "/api/step": "step", "/api/zero": "zero",
               "/api/reset": "reset", "/api/prepare": "prepare",
               "/api/upload": "upload", "/api/diagram": "diagram"}
GET_ROUTES = {"/api/model": "model", "/api/mnist": "mnist",
              "/api/example": "example", "/api/train": "train",
              "/api/lesson": "lesson"}
# The learning steps, neuron views and diagrams (about 11, 5 and 4 ms of CPU
# for 784-30-10) go to the WORKERS pool; the rest to the quick one.
SLOW_ROUTES = frozenset(("/api/step", "/api/neuron", "/api/diagram"))


def _read_static(name):
    """Return the bytes of the page's static file ``name``."""
    with resources.open_binary(os.path.join(_STATIC, name)) as stream:
        return stream.read()


class ClassroomServer(HttpServer):
    """The classroom's server: an ``eventloop.HttpServer`` answering the page.

    ``room`` is the ``api.Classroom``; ``training`` a ``Training`` or None;
    ``log``, when given, is called with one line for each request answered
    with an error (the library itself never prints).  ``serve_forever()``
    runs the loop until ``shutdown()``; ``server_close()`` frees the socket.
    """

    def __init__(self, address, room, training=None, log=None,
                 workers=WORKERS, max_connections=None):
        super(ClassroomServer, self).__init__(
            address, log=log, workers=workers,
            max_connections=max_connections, upload_workers=DECODE_SLOTS)
        self.room = room
        self.training = training
        self._names = self._host_names(address[0])

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

    def host_allowed(self, value):
        """Return True if a Host header names this server.

        An IP address is always allowed (a DNS rebinding attack needs a
        name); a name only if it is one of this machine's.  The port must be
        the one served.
        """
        try:
            name, port = split_host(value)
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

    def kind_of(self, request):
        """The pool for ``request`` (see ``eventloop.HttpServer``)."""
        if request.path == "/api/upload" and request.method == "POST":
            return "upload"
        return "slow" if request.path in SLOW_ROUTES else "quick"

    # -- the application --------------------------------------------------------

    def handle(self, request):
        """Answer one request: (status, content type, body, log note).

        The note is None for a success and the error's one line otherwise.
        """
        host = request.headers.get("host")
        if host is None:
            if request.version == "HTTP/1.1":
                return error_answer(400, "an HTTP/1.1 request needs a Host "
                                     "header")
        elif not self.host_allowed(host):
            return error_answer(403, "Host {!r} is not this server (a web "
                                 "page elsewhere may not use it)".format(
                                     host[:60]))
        method, path = request.method, request.path
        if method not in ("GET", "HEAD", "POST"):
            return error_answer(501, "method {} is not supported".format(
                method[:20]))
        if method in ("GET", "HEAD") and path in STATIC_FILES:
            name, content_type = STATIC_FILES[path]
            return 200, content_type, _read_static(name), None
        if path not in POST_ROUTES and path not in GET_ROUTES:
            return error_answer(404, "no such page: {}".format(path[:80]))
        refusal = self._cross_site(request)
        if refusal is not None:
            return error_answer(403, refusal)
        if method in ("GET", "HEAD"):
            if path not in GET_ROUTES:
                return error_answer(405, "{} takes POST".format(path))
            return self._answer(GET_ROUTES[path], parse_query(request.query))
        if path not in POST_ROUTES:
            return error_answer(405, "no such API: POST {}".format(path))
        route = POST_ROUTES[path]
        media = request.headers.get("content-type", "").split(";")[0] \
            .strip().lower()
        if route == "upload":
            if media != "application/octet-stream" and \
                    not media.startswith("image/"):
                return error_answer(415, "POST {} takes the file's bytes as "
                                     "Content-Type: application/octet-stream"
                                     .format(path))
            return self._answer(route, request.body)
        if media != "application/json":
            return error_answer(415, "POST {} takes Content-Type: "
                                 "application/json, got {!r}".format(
                                     path, media[:40]))
        try:
            body = json_body(request)
        except HttpError as exc:
            return error_answer(exc.status, str(exc))
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
            return error_answer(exc.status, str(exc))
        except RecursionError:
            return error_answer(400, "{}: nested too deeply".format(method))
        except (ValueError, TypeError, OverflowError) as exc:
            return error_answer(400, "{}: {}".format(method, exc)
                                 .splitlines()[0])
        text = json.dumps(answer, allow_nan=False, separators=(",", ":"))
        return (200, "application/json; charset=utf-8",
                text.encode("utf-8") + b"\n", None)



def make_server(room, host="127.0.0.1", port=0, training=None, log=None):
    """Return a ClassroomServer for ``room`` bound to (host, port).

    Port 0 picks a free port; ``server.url()`` says which.  ``log`` gets one
    line per request answered with an error.
    """
    return ClassroomServer((host, port), room, training, log=log)
