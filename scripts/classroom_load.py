"""Simulate a class against ``purenn serve``, or fuzz its API; print a table.

    python3 scripts/classroom_load.py                # the defaults below
    python3 scripts/classroom_load.py --students 3 --slow 20 --seconds 5
    python3 scripts/classroom_load.py --fuzz 5000    # fuzz the API instead

Standard library only.  The script starts its own server
(``python -m purenn serve MODEL --port 0`` on 127.0.0.1, never another
address), runs for a bounded time and stops it:

1. ``--sessions`` (200) live sessions are made, one learning step each, and
   the server's RSS is read: the memory of a class's sessions.
2. The class: ``--students`` (60) students, each with up to
   ``--connections`` (6) keep-alive connections, do what the lesson does,
   one action every ``--interval`` (2) seconds on average for ``--seconds``
   (60): open the page (its files and first requests in parallel), load an
   MNIST image and predict, open a neuron, take a step (sometimes twice at
   once, a double click), zero a neuron.  Alongside, ``--slow`` (1,000)
   hostile connections: half idle, half slow-loris (a request head, then a
   body byte a second); each one the server closes is opened again at once.
3. ``--uploads`` (16) hostile uploads arrive at once: PNGs that cost seconds
   to decode (the issue's 1000x1000 RGBA16 rows) and PNGs just under the
   server's decoding budget.
4. Lost updates: each student's session is asked for its outputs on a fixed
   input, and compared bit for bit with the reference ``Network`` taking the
   student's steps and zeroings in order; its step count with the server's.

It prints per endpoint the requests, p50, p99 and the slowest, with errors;
then connection resets, lost updates, the server's RSS and threads (highest
seen, from /proc), and what the hostile connections and uploads got.  The
exit status is 1 if any request failed, any connection was reset or any
update was lost.

``--fuzz N`` instead sends N malformed requests (request lines, headers,
query strings and JSON bodies, mutated from the page's own requests by a
seeded generator) and checks that each gets a whole answer with a 4xx (501
for an unknown method, 505 for an unknown HTTP version), one line of JSON
and one line in the server's log, never a 5xx or a dropped connection.
"""
import argparse
import collections
import concurrent.futures
import http.client
import json
import os
import random
import re
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from purenn import network  # noqa: E402

DEFAULT_MODEL = os.path.join(REPO, "purenn", "data", "models",
                             "mnist-784-30-10.json")
HOST = "127.0.0.1"          # loopback only, whatever is asked
KEEP_ALIVE_MARGIN = 0.5     # a connection idle this close to the server's
                            # keep-alive timeout is not used again
REQUEST_TIMEOUT = 60


# -- the server ---------------------------------------------------------------

class Server:
    """``python -m purenn serve MODEL --port 0`` in a child process."""

    def __init__(self, model, python=None):
        env = dict(os.environ)
        env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
        self.process = subprocess.Popen(
            [python or sys.executable, "-m", "purenn", "serve", model,
             "--port", "0", "--host", HOST],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        line = self.process.stdout.readline().decode()
        found = re.search(r"at http://127\.0\.0\.1:(\d+)/", line)
        if not found:
            self.process.kill()
            raise RuntimeError("the server did not start: {!r} {}".format(
                line, self.process.stderr.read().decode()[-2000:]))
        self.port = int(found.group(1))
        self.log_lines = 0
        self.log_tail = collections.deque(maxlen=20)
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        self.rss_max = 0
        self.threads_max = 0

    def _read_log(self):
        for line in self.process.stderr:
            self.log_lines += 1
            self.log_tail.append(line.decode("utf-8", "replace").rstrip())

    def cpu_seconds(self):
        """Return the server's CPU time so far (user + system), from /proc."""
        try:
            with open("/proc/{}/stat".format(self.process.pid)) as stream:
                fields = stream.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        # Fields 14 and 15 of proc(5), utime and stime, in clock ticks;
        # after the ")" that ends the name, field 3 is the first.
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def status(self):
        """Return (RSS in bytes, threads) from /proc, and note the highest."""
        try:
            with open("/proc/{}/status".format(self.process.pid)) as stream:
                text = stream.read()
        except OSError:
            return 0, 0
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) * 1024
        threads = int(re.search(r"Threads:\s+(\d+)", text).group(1))
        self.rss_max = max(self.rss_max, rss)
        self.threads_max = max(self.threads_max, threads)
        return rss, threads

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(5)


class Sampler(threading.Thread):
    """Read the server's RSS and threads twice a second."""

    def __init__(self, server):
        threading.Thread.__init__(self, daemon=True)
        self.server = server
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.5):
            self.server.status()


# -- requests -----------------------------------------------------------------

class Stats:
    """Latencies and errors per endpoint, shared by every student."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = collections.defaultdict(list)
        self.errors = collections.Counter()
        self.error_kinds = collections.Counter()
        self.resets = 0
        self.new_connections = 0

    def add(self, endpoint, seconds):
        with self.lock:
            self.times[endpoint].append(seconds)

    def fail(self, endpoint, kind):
        with self.lock:
            self.errors[endpoint] += 1
            self.error_kinds[kind] += 1
            if kind == "ConnectionResetError":
                self.resets += 1


class Browser:
    """One student's browser: up to ``size`` keep-alive connections, the
    most recently used first (as a browser reuses them), none used once it
    has been idle about as long as the server keeps it."""

    def __init__(self, port, size, stats):
        self.port = port
        self.size = size
        self.stats = stats
        self.lock = threading.Lock()
        self.idle = []             # (connection, last used), most recent last
        self.keep_alive = 5.0

    def _take(self):
        now = time.monotonic()
        with self.lock:
            while self.idle:
                connection, used = self.idle.pop()
                if now - used < self.keep_alive - KEEP_ALIVE_MARGIN:
                    return connection
                connection.close()
        self.stats.new_connections += 1
        return http.client.HTTPConnection(HOST, self.port,
                                          timeout=REQUEST_TIMEOUT)

    def _give_back(self, connection):
        with self.lock:
            self.idle.append((connection, time.monotonic()))
            while len(self.idle) > self.size:
                self.idle.pop(0)[0].close()

    def request(self, endpoint, method, path, body=None):
        """Return the answer's JSON (or bytes for a page file), or None."""
        headers = {"Sec-Fetch-Site": "same-origin"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["Origin"] = "http://{}:{}".format(HOST, self.port)
            body = json.dumps(body).encode("utf-8")
        connection = self._take()
        start = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except Exception as exc:
            connection.close()
            self.stats.fail(endpoint, type(exc).__name__)
            return None
        elapsed = time.perf_counter() - start
        keep = response.getheader("Keep-Alive", "")
        found = re.search(r"timeout=(\d+)", keep)
        if found:
            self.keep_alive = float(found.group(1))
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
        else:
            self._give_back(connection)
        if response.status != 200:
            self.stats.fail(endpoint, "HTTP {}".format(response.status))
            return None
        self.stats.add(endpoint, elapsed)
        if path.startswith("/api/"):
            return json.loads(data.decode("utf-8"))
        return data

    def parallel(self, requests):
        """Send (endpoint, method, path, body) requests at once."""
        with concurrent.futures.ThreadPoolExecutor(len(requests)) as pool:
            return list(pool.map(lambda r: self.request(*r), requests))

    def close(self):
        with self.lock:
            for connection, _ in self.idle:
                connection.close()
            self.idle = []


class Student(threading.Thread):
    """One student doing the lesson; ``ops`` is what their session did."""

    def __init__(self, number, port, args, stats, stop_at, sizes):
        threading.Thread.__init__(self, daemon=True)
        self.number = number
        self.rng = random.Random(args.seed * 1000 + number)
        self.browser = Browser(port, args.connections, stats)
        self.interval = args.interval
        self.stop_at = stop_at
        self.sizes = sizes
        self.session = None
        self.x = None
        self.label = 0
        self.ops = []
        self.steps_answered = 0
        self.lock = threading.Lock()

    def run(self):
        try:
            self.open_page()
            actions = [self.load, self.neuron, self.step, self.step,
                       self.zero, self.double_step, self.neuron, self.load]
            while time.monotonic() < self.stop_at:
                time.sleep(self.rng.uniform(0.5, 1.5) * self.interval)
                if time.monotonic() >= self.stop_at:
                    break
                if self.rng.random() < 0.03:
                    self.open_page()
                else:
                    self.rng.choice(actions)()
        finally:
            self.browser.close()

    def _body(self, **extra):
        body = {"x": self.x, "session": self.session}
        body.update(extra)
        return body

    def open_page(self):
        # What the page asks for when it opens, several at once.
        b = self.browser
        query = "?session=" + self.session if self.session else ""
        b.parallel([("page", "GET", "/", None),
                    ("page", "GET", "/app.js", None),
                    ("page", "GET", "/style.css", None),
                    ("model", "GET", "/api/model" + query, None)])
        self.load()

    def load(self):
        index = self.rng.randrange(10000)
        answer = self.browser.request("mnist", "GET",
                                      "/api/mnist?index={}".format(index))
        if answer is None:
            if self.x is None:      # no MNIST: a random drawing, prepared
                rng = self.rng
                pixels = [rng.choice((0, 0, 0, 255)) for _ in range(784)]
                drawn = self.browser.request("prepare", "POST", "/api/prepare",
                                             {"width": 28, "height": 28,
                                              "pixels": pixels})
                if drawn is None:
                    return
                self.x = drawn["x"]
        else:
            self.x, self.label = answer["x"], answer["label"]
        self._predict()

    def _predict(self):
        # As the page does after every new input or change: the outputs and
        # the network drawn (/api/diagram), sent at once.
        self.browser.parallel([
            ("predict", "POST", "/api/predict", self._body()),
            ("diagram", "POST", "/api/diagram", self._body(lang="en"))])

    def neuron(self):
        if self.x is None:
            return self.load()
        layer = self.rng.randrange(1, len(self.sizes))
        j = self.rng.randrange(self.sizes[layer])
        self.browser.request("neuron", "POST", "/api/neuron", self._body(
            layer=layer, neuron=j, label=self.label, step_size=3.0))

    def _stepped(self, answer, body):
        if answer is None:
            return
        with self.lock:
            self.session = answer["session"]
            self.ops.append(("step", body["x"], body["label"],
                             body["step_size"]))
            self.steps_answered = max(self.steps_answered, answer["steps"])

    def step(self):
        if self.x is None:
            return self.load()
        body = self._body(label=self.label, step_size=3.0)
        self._stepped(self.browser.request("step", "POST", "/api/step", body),
                      body)
        self._predict()

    def double_step(self):
        # A double click: the same step twice at once.  Both start from the
        # same input and label, so the order they run in does not matter.
        if self.x is None or self.session is None:
            return self.step()
        body = self._body(label=self.label, step_size=1.0)
        for answer in self.browser.parallel(
                [("step", "POST", "/api/step", body)] * 2):
            self._stepped(answer, body)

    def zero(self):
        layer = self.rng.randrange(1, len(self.sizes))
        j = self.rng.randrange(self.sizes[layer])
        answer = self.browser.request("zero", "POST", "/api/zero", {
            "layer": layer, "neuron": j, "session": self.session})
        if answer is None:
            return
        with self.lock:
            self.session = answer["session"]
            self.ops.append(("zero", layer, j))
        self.browser.request("model", "GET", "/api/model?session=" +
                             self.session)
        if self.x is not None:
            self._predict()


def lost_updates(students, model, port, stats):
    """Return (lost, checked): students whose session differs from the
    reference taking their steps and zeroings in order."""
    probe = [((k * 37) % 256) / 255 for k in range(784)]
    browser = Browser(port, 1, stats)
    lost = checked = 0
    for student in students:
        if student.session is None:
            continue
        answer = browser.request("check", "POST", "/api/predict",
                                 {"x": probe, "session": student.session})
        steps = len([op for op in student.ops if op[0] == "step"])
        net = network.load(model)
        for op in student.ops:
            if op[0] == "step":
                net.feed_forward(op[1])
                net.propagate_backward(op[2], op[3])
            else:
                _, layer, j = op
                net.w[layer] = list(net.w[layer])
                net.w[layer][j] = [0.0] * len(net.w[layer][j])
        checked += 1
        if answer is None or answer["outputs"] != net.output(probe) or \
                student.steps_answered != steps:
            lost += 1
    browser.close()
    return lost, checked


# -- hostile connections --------------------------------------------------------

class SlowConnections(threading.Thread):
    """``count`` connections: half idle, half slow-loris; each one the
    server closes is opened again, so ``count`` stay open all along."""

    def __init__(self, port, count, stop_at):
        threading.Thread.__init__(self, daemon=True)
        self.port = port
        self.count = count
        self.stop_at = stop_at
        self.selector = selectors.DefaultSelector()
        self.opened = 0
        self.closed_by_server = collections.Counter()
        self.lifetimes = []
        self.answers = collections.Counter()
        self.failed_connects = 0
        self.open_now = 0

    def _open(self, kind):
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect((HOST, self.port))
        except BlockingIOError:
            pass
        except OSError:
            self.failed_connects += 1
            sock.close()
            return
        head = ("POST /api/predict HTTP/1.1\r\nHost: {}:{}\r\n"
                "Content-Type: application/json\r\nContent-Length: 1000\r\n"
                "\r\n".format(HOST, self.port)).encode()
        state = {"kind": kind, "born": time.monotonic(), "head": head,
                 "next": time.monotonic() + 1.0, "reply": b""}
        self.selector.register(sock, selectors.EVENT_READ, state)
        self.opened += 1
        self.open_now += 1

    def run(self):
        kinds = ["idle", "slow"]
        for index in range(self.count):
            self._open(kinds[index % 2])
            if index % 100 == 99:
                time.sleep(0.05)
        while time.monotonic() < self.stop_at:
            now = time.monotonic()
            for key, _ in self.selector.select(0.2):
                sock, state = key.fileobj, key.data
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if data:
                    state["reply"] += data
                    continue
                status = state["reply"][9:12].decode("ascii", "replace")
                self.answers[status or "closed"] += 1
                self.closed_by_server[state["kind"]] += 1
                self.lifetimes.append(now - state["born"])
                self.selector.unregister(sock)
                sock.close()
                self.open_now -= 1
                self._open(state["kind"])
            for key in list(self.selector.get_map().values()):
                state = key.data
                if state["kind"] == "slow" and now >= state["next"]:
                    # The head 40 bytes a second, then the body a byte a
                    # second: never a whole request.
                    state["next"] = now + 1.0
                    piece = state["head"][:40] or b" "
                    state["head"] = state["head"][40:]
                    try:
                        key.fileobj.send(piece)
                    except OSError:
                        pass
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()


def hostile_png(width, height, depth, colour, filter_type, seed=0):
    """A PNG whose rows all use ``filter_type``: tiny on the wire, dear to
    decode (pseudo-random bytes when ``seed`` is given, else zeros)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    row_bytes = (width * channels * depth + 7) // 8
    rng = random.Random(seed)
    if seed:
        rows = b"".join(bytes([filter_type]) + bytes(
            rng.getrandbits(8) for _ in range(row_bytes))
            for _ in range(height))
    else:
        rows = (bytes([filter_type]) + bytes(row_bytes)) * height

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth,
                                       colour, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def hostile_uploads(port, count, server):
    """Send ``count`` dear PNGs at once; return (statuses, seconds, RSS)."""
    # The issue's: 1000 x 1000 RGBA16, Average rows (9.6 KB, 8 MB to
    # unfilter); and ones just under the budget, noisy, Paeth rows.
    files = [hostile_png(1000, 1000, 16, 6, 3) if n % 2 == 0 else
             hostile_png(255, 255, 16, 6, 4, seed=n + 1)
             for n in range(count)]

    def send(data):
        connection = http.client.HTTPConnection(HOST, port, timeout=120)
        try:
            connection.request("POST", "/api/upload", body=data, headers={
                "Content-Type": "application/octet-stream"})
            response = connection.getresponse()
            response.read()
            return str(response.status)
        except Exception as exc:
            return type(exc).__name__
        finally:
            connection.close()

    before = server.rss_max
    server.rss_max = 0
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max(1, count)) as pool:
        statuses = collections.Counter(pool.map(send, files))
    seconds = time.perf_counter() - start
    server.status()
    rss = server.rss_max
    server.rss_max = max(before, rss)
    return statuses, seconds, rss


# -- fuzzing -------------------------------------------------------------------

def _page_requests(rng):
    """The page's own requests, as (method, target, headers, body)."""
    x = [rng.choice((0.0, 0.5, 1.0)) for _ in range(784)]
    json_posts = [
        ("/api/predict", {"x": x}),
        ("/api/neuron", {"x": x, "layer": 1, "neuron": 2, "label": 3,
                         "step_size": 3.0}),
        ("/api/step", {"x": x, "label": 3, "step_size": 3.0}),
        ("/api/zero", {"layer": 1, "neuron": 0}),
        ("/api/reset", {"session": None}),
        ("/api/prepare", {"width": 3, "height": 2,
                          "pixels": [0, 255, 0, 255, 0, 255]}),
    ]
    gets = ["/", "/app.js", "/api/model", "/api/mnist?index=3",
            "/api/example?name=primer", "/api/train"]
    if rng.random() < 0.6:
        path, body = rng.choice(json_posts)
        return ["POST", path, [("Content-Type", "application/json")],
                json.dumps(body).encode()]
    return ["GET", rng.choice(gets), [], b""]


_QUERY_VALUES = ["%C2%B2", "1e3", "-0", "99999999999", "0x10", "", "%00",
                 "%ff%fe", "1" * 5000, "%E2%80%AE", "1.5", "[1]", "NaN",
                 "%", "%zz", "__import__('os')", "0" * 40 + "1"]


def _mutate_body(rng, body):
    try:
        value = json.loads(body.decode()) if body else {}
    except (ValueError, RecursionError):
        value = {}
    choice = rng.randrange(14)
    if choice == 0:
        return b"[" * 1000 + b"]" * 1000
    if choice == 1:
        return b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    if choice == 2:
        return b'{"layer": 1, "neuron": ' + b"9" * 4000 + b"}"
    if choice == 3:
        return body[:rng.randrange(len(body) + 1)]
    if choice == 4:
        data = bytearray(body or b"{}")
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if choice == 5:
        return b'{"x": [1e999], "pixels": [NaN], "label": Infinity}'
    if choice == 6:
        return b'{"session": "\\ud800", "x": "\\u0000"}'
    if choice == 7:
        return b"\xff\xfe\x00{" + body
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        value[key] = rng.choice([None, True, -1, 10 ** 30, 1e308, "7", [],
                                 {}, [0.5] * rng.randrange(2000),
                                 "x" * 300, [[[]]], -0.0, 2 ** 53 + 1])
    else:
        value = rng.choice([[], "text", 3, None, {"session": 12}])
    if choice == 8:
        value = {"session": rng.choice(["0" * 32, "", "../../etc", 1.5,
                                        ["a"], {"a": 1}])} \
            if not isinstance(value, dict) else dict(
                value, session=rng.choice(["0" * 32, "", 1.5, ["a"]]))
    return json.dumps(value).encode()


def fuzz_request(rng, host):
    """Return one malformed request (bytes) built from the page's own."""
    method, target, headers, body = _page_requests(rng)
    headers = [("Host", host)] + headers
    length = None
    version = "HTTP/1.1"
    for _ in range(rng.randrange(1, 4)):
        kind = rng.randrange(12)
        if kind == 0:       # the request line
            what = rng.randrange(5)
            if what == 0:
                method = rng.choice(["DELETE", "PUT", "OPTIONS", "get", "G\xe9T",
                                     "TRACE", "CONNECT", "", "POST POST"])
            elif what == 1:
                version = rng.choice(["HTTP/0.9", "HTTP/2.0", "HTTP/1.10",
                                      "http/1.1", "", "HTTP/1.1 extra"])
            elif what == 2:
                target = rng.choice(["*", "", "//", "/%2e%2e/setup.cfg",
                                     "http://evil.example/api/model",
                                     "/api/predict\x00", "/\xc3\xa9",
                                     "/" + "a" * 20000, "C:\\x"])
            else:
                target = target.split("?")[0] + "?" + "&".join(
                    "{}={}".format(rng.choice(["index", "name", "session",
                                               "x", "%C2%B2", ""]),
                                   rng.choice(_QUERY_VALUES))
                    for _ in range(rng.randrange(1, 4)))
        elif kind == 1:     # Content-Length
            length = rng.choice(["\xb2", "5" * 5000, "-5", " ", "1e3",
                                 "0x10", "+4", "99999999999999", "",
                                 str(max(0, len(body) - 1)), "\u0661"])
        elif kind == 2:
            headers = [(n, v) for n, v in headers if n != "Host"]
        elif kind == 3:
            headers.append(("Host", rng.choice(
                ["evil.example:80", "attacker.test:{}".format(
                    host.split(":")[-1]), "127.0.0.1:1", "[::1", "",
                 "localhost:99999", "127.0.0.1:{}".format(
                     host.split(":")[-1] + "0")])))
            headers = headers[1:] if rng.random() < 0.7 else headers
        elif kind == 4:
            headers.append((rng.choice(["Origin", "Sec-Fetch-Site"]),
                            rng.choice(["https://evil.example", "null",
                                        "cross-site", "same-site",
                                        "http://" + host + ".evil"])))
        elif kind == 5:
            headers = [(n, v) for n, v in headers if n != "Content-Type"]
            headers.append(("Content-Type", rng.choice(
                ["text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=x", "application/jsonx",
                 "", "application/json\xff"])))
        elif kind == 6:
            headers.append(("Transfer-Encoding", "chunked"))
        elif kind == 7:
            headers.append(("X-" + "a" * rng.randrange(1, 30),
                            "v" * rng.choice([1, 100, 9000, 20000])))
        elif kind == 8:
            headers += [("X-Many", str(n)) for n in range(
                rng.choice([10, 70, 200]))]
        elif kind == 9:
            headers.append(("Bad Header", "x") if rng.random() < 0.5
                           else (" folded", "x"))
        else:
            body = _mutate_body(rng, body)
    # A Content-Length over the body would only wait for the deadline; the
    # mutations give none (a larger one is over the cap: 413 at once).
    if length is None or (re.match(r"[0-9]{1,6}\Z", length) and
                          int(length) > len(body)):
        length = str(len(body))
    lines = ["{} {} {}".format(method, target, version)]
    lines += ["{}: {}".format(n, v) for n, v in headers]
    if method == "POST" or body:
        lines.append("Content-Length: " + length)
    lines.append("Connection: close")
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("utf-8", "surrogateescape") + body


def _read_answer(sock, timeout):
    """Return (status or None, body) of one answer on ``sock``."""
    sock.settimeout(timeout)
    response = http.client.HTTPResponse(sock)
    try:
        response.begin()
        return response.status, response.read()
    finally:
        response.close()


def run_fuzz(port, count, seed=0, timeout=30):
    """Send ``count`` fuzzed requests; return a Counter of outcomes and a
    list of the requests that got a bad outcome (at most ten)."""
    rng = random.Random(seed)
    host = "{}:{}".format(HOST, port)
    outcomes = collections.Counter()
    bad = []
    for _ in range(count):
        data = fuzz_request(rng, host)
        sock = socket.create_connection((HOST, port), timeout=timeout)
        try:
            sock.sendall(data)
            status, body = _read_answer(sock, timeout)
            outcome = str(status)
            if status >= 500 and status not in (501, 505):
                outcome = "5xx"
            elif status >= 400:
                text = body.decode("utf-8")
                if text.count("\n") != 1 or list(json.loads(text)) != [
                        "error"] or "Traceback" in text:
                    outcome = "bad error body"
        except Exception as exc:
            outcome = type(exc).__name__
        finally:
            sock.close()
        outcomes[outcome] += 1
        if not outcome.isdigit() and len(bad) < 10:
            bad.append((outcome, data[:300]))
    return outcomes, bad


# -- the report ------------------------------------------------------------------

def _percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _ms(seconds):
    return "{:.0f}".format(seconds * 1000) if seconds == seconds else "-"


def print_table(stats, out):
    out.write("| endpoint | requests | p50 ms | p99 ms | max ms | errors |\n")
    out.write("|---|---:|---:|---:|---:|---:|\n")
    for endpoint in ("page", "model", "mnist", "prepare", "predict",
                     "diagram", "neuron", "step", "zero", "check"):
        times = stats.times.get(endpoint, [])
        if not times and not stats.errors.get(endpoint):
            continue
        out.write("| {} | {} | {} | {} | {} | {} |\n".format(
            endpoint, len(times), _ms(_percentile(times, 0.5)),
            _ms(_percentile(times, 0.99)),
            _ms(max(times) if times else float("nan")),
            stats.errors.get(endpoint, 0)))


def make_sessions(port, count, stats):
    """Make ``count`` sessions with one learning step each."""
    x = [((k * 13) % 256) / 255 for k in range(784)]
    browser = Browser(port, 4, stats)

    def one(_):
        return browser.request("session", "POST", "/api/step",
                               {"x": x, "label": 1, "step_size": 3.0})
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        made = [a for a in pool.map(one, range(count)) if a is not None]
    browser.close()
    return len(made)


def _raise_open_files():
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = 16384 if hard == resource.RLIM_INFINITY else min(16384, hard)
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ImportError, OSError, ValueError):
        pass


def build_parser():
    parser = argparse.ArgumentParser(
        prog="classroom_load.py",
        description="Simulate a class against purenn serve (on 127.0.0.1) "
        "and print a table; or fuzz its API.")
    parser.add_argument("--students", type=int, default=60,
                        help="students (default: 60)")
    parser.add_argument("--connections", type=int, default=6,
                        help="keep-alive connections per student (default: 6)")
    parser.add_argument("--slow", type=int, default=1000,
                        help="idle and slow-loris connections (default: 1000)")
    parser.add_argument("--seconds", type=float, default=60,
                        help="how long the class runs (default: 60)")
    parser.add_argument("--interval", type=float, default=2.0,
                        help="mean seconds between a student's actions "
                        "(default: 2)")
    parser.add_argument("--sessions", type=int, default=200,
                        help="live sessions made before the class "
                        "(default: 200)")
    parser.add_argument("--uploads", type=int, default=16,
                        help="hostile uploads sent at once (default: 16)")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="model to serve (default: the shipped "
                        "784-30-10)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for the server (default: this one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fuzz", type=int, default=0, metavar="N",
                        help="send N fuzzed requests instead of a class")
    return parser


def main(argv=None, out=None):
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    for name in ("students", "connections", "slow", "sessions", "uploads"):
        if not 0 <= getattr(args, name) <= 20000:
            raise SystemExit("classroom_load.py: --{} must be 0 to "
                             "20000".format(name))
    if not 0 < args.seconds <= 3600:
        raise SystemExit("classroom_load.py: --seconds must be 0 to 3600")
    _raise_open_files()
    server = Server(args.model, args.python)
    sampler = Sampler(server)
    sampler.start()
    try:
        if args.fuzz:
            return _fuzz_main(args, server, out)
        return _class_main(args, server, out)
    finally:
        sampler.stopping.set()
        server.stop()


def _fuzz_main(args, server, out):
    start = time.perf_counter()
    outcomes, bad = run_fuzz(server.port, args.fuzz, args.seed)
    seconds = time.perf_counter() - start
    time.sleep(0.5)   # the last log lines
    errors = sum(n for status, n in outcomes.items()
                 if status.isdigit() and int(status) >= 400)
    out.write("fuzz: {} requests in {:.1f} s, seed {}\n".format(
        args.fuzz, seconds, args.seed))
    out.write("| outcome | requests |\n|---|---:|\n")
    for outcome, n in sorted(outcomes.items()):
        out.write("| {} | {} |\n".format(outcome, n))
    out.write("server log lines: {} (one per error answer: {})\n".format(
        server.log_lines, errors))
    for outcome, data in bad:
        out.write("bad: {} {!r}\n".format(outcome, data))
    good = not bad and server.log_lines == errors
    return 0 if good else 1


def _class_main(args, server, out):
    stats = Stats()
    sizes = network.load(args.model).layers
    rss_idle, threads_idle = server.status()
    made = make_sessions(server.port, args.sessions, stats)
    time.sleep(1.0)
    rss_sessions, _ = server.status()
    stop_at = time.monotonic() + args.seconds
    cpu_server, cpu_self = server.cpu_seconds(), time.process_time()
    load_before = _load_average()
    slow = SlowConnections(server.port, args.slow, stop_at)
    slow.start()
    time.sleep(min(2.0, args.seconds / 4))   # the slow ones are open first
    students = [Student(n, server.port, args, stats, stop_at, sizes)
                for n in range(args.students)]
    for student in students:
        student.start()
    for student in students:
        student.join(args.seconds + 120)
    slow.join(30)
    cpu_server = server.cpu_seconds() - cpu_server
    cpu_self = time.process_time() - cpu_self
    load_after = _load_average()
    class_rss, class_threads = server.rss_max, server.threads_max
    uploads, upload_seconds, upload_rss = hostile_uploads(
        server.port, args.uploads, server) if args.uploads else (
            collections.Counter(), 0.0, 0)
    lost, checked = lost_updates(students, args.model, server.port, stats)
    time.sleep(0.3)
    sessions_now = len([s for s in students if s.session])

    out.write("classroom_load: {} students x {} connections, one action "
              "every ~{:g} s for {:g} s; {} idle/slow-loris connections; "
              "{} sessions made first; server {} ({})\n\n".format(
                  args.students, args.connections, args.interval,
                  args.seconds, args.slow, made,
                  os.path.basename(args.python), _version(args.python)))
    print_table(stats, out)
    total_errors = sum(stats.errors.values())
    out.write("\n| measure | value |\n|---|---|\n")
    rows = [
        ("errors", "{} {}".format(total_errors, dict(stats.error_kinds)
                                  if total_errors else "")),
        ("connection resets", stats.resets),
        ("lost updates (sessions checked)", "{} ({})".format(lost, checked)),
        ("steps taken by the students", sum(
            len([op for op in s.ops if op[0] == "step"]) for s in students)),
        ("connections the students opened", stats.new_connections),
        ("server RSS idle / with {} sessions".format(made), "{} / {} MB".format(
            rss_idle >> 20, rss_sessions >> 20)),
        ("server RSS / threads, highest in the class", "{} MB / {}".format(
            class_rss >> 20, class_threads)),
        ("live sessions at the end", made + sessions_now),
        ("CPU seconds in the class: server / this script",
         "{:.1f} / {:.1f} (of {:g} s)".format(cpu_server, cpu_self,
                                              args.seconds)),
        ("load average before / after the class", "{} / {}".format(
            load_before, load_after)),
        ("slow connections opened / closed by the server",
         "{} / {} (median life {:.1f} s; answers {})".format(
             slow.opened, sum(slow.closed_by_server.values()),
             _percentile(slow.lifetimes, 0.5) if slow.lifetimes else 0.0,
             dict(slow.answers))),
        ("{} hostile uploads at once".format(args.uploads),
         "{} in {:.1f} s, server RSS highest {} MB".format(
             dict(uploads), upload_seconds, upload_rss >> 20)),
        ("server log lines (error answers)", server.log_lines),
    ]
    for name, value in rows:
        out.write("| {} | {} |\n".format(name, value))
    return 1 if total_errors or stats.resets or lost else 0


def _load_average():
    try:
        return "{:.1f}".format(os.getloadavg()[0])
    except OSError:
        return "?"


def _version(python):
    try:
        return subprocess.check_output(
            [python, "-c", "import platform; print("
             "platform.python_implementation(), platform.python_version())"],
            universal_newlines=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


if __name__ == "__main__":
    sys.exit(main())
