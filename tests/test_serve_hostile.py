"""The server against clients that are slow, malformed, many or elsewhere.

Every malformed request gets a whole answer: a 4xx (501 for an unknown
method, 505 for an unknown HTTP version) whose body is one line of JSON, and
one line in the server's log; never a 500, a traceback or a dropped
connection.  Slow and idle connections are cut off by their deadlines
(shortened here to a second) and hold no thread.
"""
import http.client
import io
import json
import re
import socket
import sys
import threading
import time

import pytest

from purenn import network
from purenn.cli import main
from purenn.classroom import api, eventloop, serve, uploads
from support import load_script, serving

classroom_load = load_script("classroom_load")


class Log:
    def __init__(self):
        self.lines = []
        self.lock = threading.Lock()

    def __call__(self, line):
        assert "\n" not in line
        with self.lock:
            self.lines.append(line)

    def count(self):
        with self.lock:
            return len(self.lines)


@pytest.fixture(scope="module")
def server():
    # The deadlines are the loop's (eventloop), where they are read.
    saved = (eventloop.REQUEST_SECONDS, eventloop.KEEP_ALIVE_SECONDS)
    eventloop.REQUEST_SECONDS, eventloop.KEEP_ALIVE_SECONDS = 1, 1
    log = Log()
    room = api.Classroom(network.Network([784, 6, 10], seed=3))
    httpd = serve.make_server(room, "127.0.0.1", 0, log=log)
    httpd.test_log = log
    with serving(httpd):
        yield httpd
    eventloop.REQUEST_SECONDS, eventloop.KEEP_ALIVE_SECONDS = saved


def _host(httpd):
    return "127.0.0.1:{}".format(httpd.server_address[1])


def _raw(httpd, data, timeout=10):
    """Send raw bytes; return (status, body) of the answer."""
    sock = socket.create_connection(httpd.server_address[:2], timeout=timeout)
    try:
        sock.sendall(data)
        return classroom_load._read_answer(sock, timeout)
    finally:
        sock.close()


def _one_line_error(body):
    text = body.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, text
    answer = json.loads(text)
    assert list(answer) == ["error"] and answer["error"]
    assert "Traceback" not in text
    return answer["error"]


def _post_head(httpd, path="/api/predict", length=None, extra=""):
    head = "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json" \
           "\r\n".format(path, _host(httpd))
    if length is not None:
        head += "Content-Length: {}\r\n".format(length)
    return (head + extra + "\r\n").encode("utf-8", "surrogateescape")


def _cases(httpd):
    """(name, request bytes, expected status): the issue's and more."""
    host = _host(httpd)
    deep = b"[" * 1000 + b"]" * 1000
    digits = b'{"layer": 1, "neuron": ' + b"7" * 4000 + b"}"
    return [
        ("non-ASCII Content-Length", _post_head(httpd, length="\xb2") + b"{}",
         411),
        ("5,000-digit Content-Length", _post_head(httpd, length="9" * 5000),
         413),
        ("Content-Length over the cap",
         _post_head(httpd, length=serve.MAX_JSON_BYTES + 1), 413),
        ("superscript two in a query",
         "GET /api/mnist?index=%C2%B2 HTTP/1.1\r\nHost: {}\r\n\r\n".format(
             host).encode(), (400, 404)),
        ("a 5,000-digit query number",
         "GET /api/mnist?index={} HTTP/1.1\r\nHost: {}\r\n\r\n".format(
             "9" * 5000, host).encode(), (400, 404)),
        ("JSON nested 1,000 deep", _post_head(httpd, length=len(deep)) + deep,
         400),
        ("a 4,000-digit integer", _post_head(httpd, "/api/zero",
                                             len(digits)) + digits, 400),
        ("no Content-Length", _post_head(httpd) + b"{}", 411),
        ("chunked", _post_head(httpd, extra="Transfer-Encoding: chunked\r\n")
         + b"2\r\n{}\r\n0\r\n\r\n", 411),
        ("request line not ASCII", b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n", 400),
        ("request line of two words", b"GET /\r\n\r\n", 400),
        ("HTTP/2.0", b"GET / HTTP/2.0\r\n\r\n", 505),
        ("a header without a colon",
         "GET / HTTP/1.1\r\nHost: {}\r\nno colon\r\n\r\n".format(
             host).encode(), 400),
        ("too many headers", "GET / HTTP/1.1\r\nHost: {}\r\n{}\r\n".format(
            host, "X-A: 1\r\n" * 100).encode(), 431),
        ("a head over 16 KB", "GET / HTTP/1.1\r\nX-A: {}\r\n\r\n".format(
            "a" * 20000).encode(), 431),
        ("no Host in HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n", 400),
        ("another Host (DNS rebinding)",
         "GET /api/model HTTP/1.1\r\nHost: evil.example:{}\r\n\r\n".format(
             httpd.server_address[1]).encode(), 403),
        ("another port", b"GET / HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n", 403),
        ("two Hosts", "GET / HTTP/1.1\r\nHost: {}\r\nHost: evil.example"
         "\r\n\r\n".format(host).encode(), 400),
        ("a cross-site fetch", "GET /api/model HTTP/1.1\r\nHost: {}\r\n"
         "Sec-Fetch-Site: cross-site\r\n\r\n".format(host).encode(), 403),
        ("a POST from another origin",
         _post_head(httpd, "/api/step", 2, "Origin: http://evil.example\r\n")
         + b"{}", 403),
        ("a text/plain POST (a form elsewhere)",
         "POST /api/step HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\n"
         "Content-Length: 2\r\n\r\n{{}}".format(host).encode(), 415),
        ("OPTIONS (no CORS preflight)",
         "OPTIONS /api/step HTTP/1.1\r\nHost: {}\r\n\r\n".format(
             host).encode(), 501),
    ]


def test_malformed_requests_get_a_4xx_and_one_log_line(server):
    for name, data, expected in _cases(server):
        logged = server.test_log.count()
        status, body = _raw(server, data)
        expected = expected if isinstance(expected, tuple) else (expected,)
        assert status in expected, (name, status, body)
        _one_line_error(body)
        time.sleep(0.01)
        assert server.test_log.count() == logged + 1, name
        assert "\n" not in server.test_log.lines[-1]


def test_a_body_shorter_than_its_length_ends_at_the_deadline(server):
    # The deadline is for the whole request, not for each read: a client
    # sending a byte every 0.2 s is cut off all the same (here after 1 s).
    import select
    sock = socket.create_connection(server.server_address[:2], timeout=10)
    try:
        sock.sendall(_post_head(server, length=100))
        start = time.monotonic()
        for _ in range(50):
            readable, _, _ = select.select([sock], [], [], 0.2)
            if readable:
                break
            sock.sendall(b" ")
        assert 0.8 < time.monotonic() - start < 3
        status, body = classroom_load._read_answer(sock, 5)
        assert status == 408
        assert "did not arrive within 1 s" in _one_line_error(body)
    finally:
        sock.close()


def test_idle_keep_alive_connections_are_closed(server):
    connection = http.client.HTTPConnection(*server.server_address[:2],
                                            timeout=10)
    connection.request("GET", "/api/example?name=primer")
    response = connection.getresponse()
    response.read()
    assert response.getheader("Keep-Alive") == "timeout=1"
    # The same connection carries a second request...
    connection.request("GET", "/style.css")
    response = connection.getresponse()
    assert response.status == 200 and response.read()
    # ...and is closed by the server once idle for KEEP_ALIVE_SECONDS.
    sock = connection.sock
    sock.settimeout(5)
    start = time.monotonic()
    assert sock.recv(1) == b""
    assert 0.5 < time.monotonic() - start < 3
    connection.close()


def test_many_idle_connections_hold_no_thread(server):
    threads = threading.active_count()
    idle = []
    try:
        for _ in range(300):
            idle.append(socket.create_connection(server.server_address[:2]))
        start = time.monotonic()
        status, body = _raw(server, (
            "POST /api/predict HTTP/1.1\r\nHost: {}\r\nContent-Type: "
            "application/json\r\nContent-Length: {}\r\n\r\n".format(
                _host(server), len(json.dumps({"x": [0.0] * 784})))
            .encode() + json.dumps({"x": [0.0] * 784}).encode()))
        assert status == 200 and time.monotonic() - start < 5
        assert threading.active_count() <= threads + serve.WORKERS + \
            serve.QUICK_WORKERS
    finally:
        for sock in idle:
            sock.close()


def test_a_fuzzed_sample_of_the_api(server):
    # scripts/classroom_load.py --fuzz N sends more of the same.
    before = server.test_log.count()
    outcomes, bad = classroom_load.run_fuzz(server.server_address[1], 300,
                                            seed=21)
    assert not bad, bad
    errors = sum(n for status, n in outcomes.items() if int(status) >= 400)
    assert errors > 200 and "200" in outcomes
    time.sleep(0.1)
    assert server.test_log.count() - before == errors


def test_pipelined_requests_are_answered_in_order(server):
    host = _host(server)
    two = ("GET /api/example?name=demo HTTP/1.1\r\nHost: {0}\r\n\r\n"
           "GET /api/example?name=primer HTTP/1.1\r\nHost: {0}\r\n"
           "Connection: close\r\n\r\n".format(host)).encode()
    sock = socket.create_connection(server.server_address[:2], timeout=10)
    try:
        sock.sendall(two)
        data = b""
        while True:
            piece = sock.recv(65536)
            if not piece:
                break
            data += piece
    finally:
        sock.close()
    names = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        names.append(json.loads(rest[:length].decode())["name"])
        data = rest[length:]
    assert names == ["demo", "primer"]


# -- uploads -----------------------------------------------------------------

def test_a_dear_png_is_refused_before_decoding(server):
    # The issue's: 9.6 KB on the wire, 8 MB of rows to unfilter.
    data = classroom_load.hostile_png(1000, 1000, 16, 6, 3)
    assert len(data) < 20000
    start = time.monotonic()
    status, body = _raw(server, (
        "POST /api/upload HTTP/1.1\r\nHost: {}\r\nContent-Type: "
        "application/octet-stream\r\nContent-Length: {}\r\n\r\n".format(
            _host(server), len(data))).encode() + data)
    assert status == 413
    assert "bytes to decode, over the limit" in _one_line_error(body)
    assert time.monotonic() - start < 5     # not decoded: no 3.6 s of CPU


def test_uploads_at_once_are_decoded_a_few_at_a_time(monkeypatch):
    room = api.Classroom(network.Network([784, 6, 10], seed=3))
    running, highest = [0], [0]
    lock = threading.Lock()
    real = uploads.images.read_image_stream

    def counting(stream, source):
        with lock:
            running[0] += 1
            highest[0] = max(highest[0], running[0])
        try:
            time.sleep(0.05)
            return real(stream, source)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(uploads.images, "read_image_stream", counting)
    data = classroom_load.hostile_png(64, 64, 8, 0, 4, seed=1)
    results = []

    def upload():
        try:
            results.append(sorted(room.upload(data))[0])
        except api.ApiError as exc:
            results.append(exc.status)

    threads = [threading.Thread(target=upload) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 16
    assert highest[0] <= api.DECODE_SLOTS


def test_a_png_under_the_budget_is_decoded():
    data = classroom_load.hostile_png(255, 255, 16, 6, 4, seed=3)
    room = api.Classroom(network.Network([784, 6, 10], seed=3))
    answer = room.upload(data)
    assert len(answer["x"]) == 784


# -- the command line ----------------------------------------------------------

@pytest.mark.parametrize("argv, expected", [
    (["--port", "70000"], "argument --port: expected a port from 0 to 65535"),
    (["--port", "-1"], "argument --port: expected a port from 0 to 65535"),
    (["--port", "\xb2"], "argument --port: expected a port"),
    (["--host", "no such host.invalid", "--port", "0"], "cannot listen on"),
])
def test_bad_host_or_port_is_one_line(argv, expected, tmp_path, capsys):
    model = tmp_path / "model.json"
    network.Network([784, 3, 10], seed=0).save(str(model))
    assert main(["serve", str(model)] + argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("purenn: error: ")
    assert expected in err
    assert "Traceback" not in err


def _serve(argv, tmp_path):
    from purenn.cli import build_parser
    from purenn.cli import serve as serve_cli
    model = tmp_path / "model.json"
    network.Network([784, 3, 10], seed=0).save(str(model))
    args = build_parser().parse_args(["serve", str(model)] + argv)
    out, err = io.StringIO(), io.StringIO()
    ready = threading.Event()
    holder = {}

    def on_ready(httpd):
        holder["server"] = httpd
        ready.set()

    def run():
        try:
            holder["status"] = serve_cli.serve_command(args, out=out,
                                                       ready=on_ready, err=err)
        except Exception as exc:
            holder["error"] = exc
        ready.set()

    thread = threading.Thread(target=run)
    thread.daemon = True
    thread.start()
    assert ready.wait(60)
    httpd = holder.get("server")
    if httpd is not None:
        httpd.shutdown()
    thread.join(30)
    return holder, out.getvalue(), err.getvalue()


def _has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")
def test_ipv6_loopback_works(tmp_path):
    holder, out, err = _serve(["--host", "::1", "--port", "0"], tmp_path)
    assert holder.get("status") == 0, holder
    assert "at http://[::1]:" in out and err == ""


def test_sharing_the_page_says_who_can_reach_it(tmp_path):
    holder, out, err = _serve(["--host", "0.0.0.0", "--port", "0"], tmp_path)
    assert holder.get("status") == 0, holder
    assert err.count("\n") == 1
    assert err.startswith("purenn: warning: listening on 0.0.0.0 port ")
    assert "anyone who can reach this machine" in err
    holder, out, err = _serve(["--port", "0"], tmp_path)
    assert err == ""


def test_a_shared_server_takes_ip_hosts_and_its_own_name():
    room = api.Classroom(network.Network([784, 3, 10], seed=0))
    httpd = serve.make_server(room, "0.0.0.0", 0)
    try:
        port = httpd.server_address[1]
        for host in ("192.168.1.20", "127.0.0.1", "[::1]", "localhost",
                     socket.gethostname()):
            assert httpd.host_allowed("{}:{}".format(host, port)), host
        for host in ("evil.example", "192.168.1.20.nip.io", "127.0.0.1.evil"):
            assert not httpd.host_allowed("{}:{}".format(host, port)), host
        assert not httpd.host_allowed("192.168.1.20:{}".format(port + 1))
    finally:
        httpd.server_close()


# -- the class -----------------------------------------------------------------

def test_a_small_class(tmp_path):
    # scripts/classroom_load.py with its defaults is the real measure
    # (docs/serve.md); this is the same on a small scale.
    model = tmp_path / "model.json"
    network.Network([784, 6, 10], seed=3).save(str(model))
    out = io.StringIO()
    status = classroom_load.main(
        ["--students", "4", "--slow", "40", "--seconds", "4",
         "--interval", "0.5", "--sessions", "10", "--uploads", "4",
         "--model", str(model), "--python", sys.executable], out=out)
    text = out.getvalue()
    assert status == 0, text
    assert "| connection resets | 0 |" in text
    assert "| lost updates (sessions checked) | 0 (" in text
    for endpoint in ("predict", "step"):
        assert "| {} |".format(endpoint) in text


def test_expect_100_continue_is_answered(server):
    # curl sends a body over 1 KB only after "100 Continue" (or a second).
    body = json.dumps({"x": [0.0] * 784}).encode()
    sock = socket.create_connection(server.server_address[:2], timeout=10)
    try:
        sock.sendall(_post_head(server, length=len(body),
                                extra="Expect: 100-continue\r\n"))
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        status, answer = classroom_load._read_answer(sock, 10)
        assert status == 200 and len(json.loads(answer)["outputs"]) == 10
    finally:
        sock.close()
