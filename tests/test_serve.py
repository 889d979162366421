"""The classroom server and its JSON API, over real HTTP on an ephemeral port.

Every answer is checked against what the library computes for the same
input (the reference ``Network``, ``trace.trace``, ``prepare.prepare_digit``),
so the page can only show purenn's own numbers.
"""
import http.client
import io
import json
import os
import random
import struct
import threading
import urllib.error
import urllib.request

import pytest

from purenn import network
from purenn.cli import main
from purenn.cli import serve as serve_cli
from purenn.classroom import api, serve, trace
from purenn.drawing import prepare
from purenn.io import images, mnist
from support import REPO, assert_same_bits, serving

SEVEN_PNG = os.path.join(REPO, "purenn", "data", "examples", "seven.png")
HAVE_MNIST = os.path.exists(os.path.join(mnist.DEFAULT_DIRECTORY,
                                         "t10k-labels-idx1-ubyte.gz"))


def _net():
    # Small hidden layer so that the tests are quick; 784 inputs as the page.
    return network.Network([784, 6, 10], seed=3)


@pytest.fixture(scope="module")
def server():
    # active_seconds=0: every session not in a request may make room.
    room = api.Classroom(_net(), source="test-model", max_sessions=3,
                         active_seconds=0)
    httpd = serve.make_server(room, "127.0.0.1", 0)
    with serving(httpd):
        yield httpd


def _request(httpd, method, path, body=None, headers=None):
    """Return (status, headers, body bytes) for one raw request."""
    host, port = httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    headers = dict(headers or {})
    if method == "POST":
        headers.setdefault("Content-Type", _content_type(path))
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _content_type(path):
    # What the page sends: the server takes nothing else.
    return ("application/octet-stream" if path == "/api/upload"
            else "application/json")


def post(httpd, path, answer=None, raw=None):
    data = raw if raw is not None else json.dumps(answer).encode("utf-8")
    request = urllib.request.Request(
        httpd.url().rstrip("/") + path, data=data, method="POST",
        headers={"Content-Type": _content_type(path)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def get(httpd, path):
    with urllib.request.urlopen(httpd.url().rstrip("/") + path,
                                timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def _pixels(seed):
    rng = random.Random(seed)
    return [int(rng.random() * 256) for _ in range(784)]


def _is_one_line_error(body):
    text = body.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, text
    answer = json.loads(text)
    assert list(answer) == ["error"] and answer["error"], answer
    assert "Traceback" not in text
    return answer["error"]


# -- predict, neuron, step ---------------------------------------------------

def test_predict_equals_the_library(server):
    pixels = _pixels(1)
    answer = post(server, "/api/predict", {"pixels": pixels})
    net = _net()
    expected = net.output([value / 255 for value in pixels])
    assert_same_bits(answer["outputs"], expected)
    assert answer["outputs_repr"] == [repr(value) for value in expected]
    assert answer["prediction"] == net.predict([v / 255 for v in pixels])
    assert_same_bits(answer["activations"][0], network.matrix.flatten(net.a[1]))
    # The same input given as x gives the same bits.
    again = post(server, "/api/predict", {"x": [v / 255 for v in pixels]})
    assert_same_bits(again["outputs"], expected)


def test_neuron_shows_the_sum_that_makes_z(server):
    x = [v / 255 for v in _pixels(2)]
    answer = post(server, "/api/neuron", {"x": x, "layer": 1, "neuron": 4,
                                          "top": 5})
    net = _net()
    net.feed_forward(x)
    assert answer["z"] == repr(net.z[1][4][0])
    assert answer["a"] == repr(net.a[1][4][0])
    assert answer["b"] == repr(net.b[1][4][0])
    total, b, z, a = answer["z_values"]
    assert total + b == z           # z = sum w*a + b, the reference's bits
    products = [float(t["product"]) for t in answer["terms"]]
    assert len(products) == 5
    assert [abs(p) for p in products] == sorted(
        (abs(p) for p in products), reverse=True)
    biggest = max(abs(w * xk) for w, xk in zip(net.w[1][4], x))
    assert abs(products[0]) == biggest
    assert answer["step"] is None


def test_neuron_of_a_step_not_taken_is_the_trace(server):
    x = [v / 255 for v in _pixels(3)]
    answer = post(server, "/api/neuron", {"x": x, "layer": 2, "neuron": 7,
                                          "label": 7, "step_size": 3.0})
    record = trace.trace(_net(), x, 7, 3.0, max_neurons=None)
    step = answer["step"]
    assert step["taken"] is False
    output = record["layers"][1]
    assert step["dc_db"] == repr(output["dc_db"][7][0])
    assert step["dc_da"] == repr(output["dc_da"][7][0])
    # dC/dw = dC/db * a, term by term (the primer's equation).
    for term in step["terms"]:
        a_k = record["layers"][0]["a"][term["k"]][0]
        assert term["dc_dw"] == repr(output["dc_dw"][7][term["k"]])
        assert float(term["dc_dw"]) == output["dc_db"][7][0] * a_k
    copied = step["trace"]
    assert copied["format"] == trace.TRACE_FORMAT
    for key in ("w", "b", "z", "a", "dc_da", "dc_db", "dc_dw", "updated_w",
                "updated_b", "updated_z", "updated_a"):
        assert_same_bits(copied["layers"][0][key], [output[key][7]])
    assert copied["updated_cost"] == record["updated_cost"]


def test_step_changes_only_the_session_and_reset_forgets_it(server):
    x = [v / 255 for v in _pixels(4)]
    answer = post(server, "/api/step", {"x": x, "label": 3,
                                        "step_size": 3.0})
    record = trace.trace(_net(), x, 3, 3.0, max_neurons=None)
    assert_same_bits(answer["before"]["outputs"],
                     network.matrix.flatten(record["layers"][-1]["a"]))
    assert_same_bits(answer["after"]["outputs"],
                     network.matrix.flatten(record["layers"][-1]["updated_a"]))
    assert answer["after"]["cost"] == repr(record["updated_cost"])
    assert_same_bits(answer["dc_db"][0],
                     network.matrix.flatten(record["layers"][0]["dc_db"]))
    session = answer["session"]
    mine = post(server, "/api/predict", {"x": x, "session": session})
    assert_same_bits(mine["outputs"], answer["after"]["outputs"])
    served = post(server, "/api/predict", {"x": x})
    assert_same_bits(served["outputs"], answer["before"]["outputs"])
    # After the step, the neuron answer is that step's, marked as taken.
    neuron = post(server, "/api/neuron", {"x": x, "layer": 1, "neuron": 0,
                                          "session": session})
    assert neuron["step"]["taken"] is True
    assert neuron["step"]["dc_db"] == repr(
        record["layers"][0]["dc_db"][0][0])
    assert post(server, "/api/reset", {"session": session}) == {
        "session": None}
    with pytest.raises(urllib.error.HTTPError,
                       match="HTTP Error 404") as caught:
        post(server, "/api/predict", {"x": x, "session": session})
    assert caught.value.code == 404


def test_zeroed_neuron_has_z_equal_to_b(server):
    answer = post(server, "/api/zero", {"layer": 1, "neuron": 2})
    session = answer["session"]
    assert answer["zeroed"] == [[1, 2]]
    for seed in (5, 6):
        neuron = post(server, "/api/neuron", {
            "pixels": _pixels(seed), "layer": 1, "neuron": 2,
            "session": session})
        assert neuron["z"] == neuron["b"] == repr(_net().b[1][2][0])
        assert neuron["nonzero_terms"] == 0
    tiles = get(server, "/api/model?session=" + session)["tiles"]
    assert set(tiles[2]) == {128}
    assert set(get(server, "/api/model")["tiles"][2]) != {128}


def test_sessions_are_capped(server):
    made = [post(server, "/api/zero", {"layer": 1, "neuron": 0})["session"]
            for _ in range(4)]
    # max_sessions is 3 in this fixture: the oldest idle one is gone.
    with pytest.raises(urllib.error.HTTPError, match="HTTP Error 404"):
        post(server, "/api/predict", {"pixels": [0] * 784,
                                      "session": made[0]})
    post(server, "/api/predict", {"pixels": [0] * 784, "session": made[-1]})


def test_examples_are_the_primer_values(server):
    primer = get(server, "/api/example?name=primer")
    values = dict((s["name"], s["value"]) for s in primer["steps"])
    for name, value in trace.PRIMER_VALUES:
        assert values[name] == repr(value), name
    demo = get(server, "/api/example?name=demo")
    record = trace.trace(trace.demo_network(), trace.DEMO_INPUT,
                         trace.DEMO_TARGET, trace.DEMO_STEP_SIZE)
    assert demo["text"] == trace.render_text(record)
    assert_same_bits(demo["trace"]["layers"][1]["updated_w"],
                     record["layers"][1]["updated_w"])


# -- inputs ----------------------------------------------------------------

@pytest.mark.skipif(not HAVE_MNIST, reason="no MNIST test set in data/mnist")
def test_mnist_image_by_index(server):
    answer = get(server, "/api/mnist?index=1")
    x, label = mnist.load_set(None, "test", 2)[1]
    assert answer["label"] == label
    assert_same_bits(answer["x"], x)


def test_upload_png_is_read_by_purenn():
    with open(SEVEN_PNG, "rb") as stream:
        data = stream.read()
    answer = api.Classroom(_net()).upload(data)
    rows, _ = images.read_image(SEVEN_PNG)
    x, notes = prepare.prepare_digit(rows)
    assert_same_bits(answer["x"], x)
    assert answer["notes"] == notes


def test_a_cross_entropy_model_is_shown_but_not_stepped():
    # network2.py's CrossEntropyCost: the page's step and trace are the
    # quadratic cost's, so they are refused as train --init and trace
    # refuse it; the forward views do not use the cost.
    net = network.Network([784, 6, 10], seed=3)
    net.cost_name = "CrossEntropyCost"
    room = api.Classroom(net, source="ce.json")
    x = [0.0] * 784
    assert len(room.predict({"x": x})["outputs"]) == 10
    assert room.neuron({"x": x, "layer": 1, "neuron": 0})["step"] is None
    for call, body in [(room.step, {"x": x, "label": 3}),
                       (room.neuron, {"x": x, "label": 3, "layer": 1,
                                      "neuron": 0})]:
        with pytest.raises(api.ApiError, match=(
                "^ce.json: the model's cost is CrossEntropyCost; purenn can "
                "train only models with QuadraticCost")):
            call(body)
    small = network.Network([2, 2], seed=1)
    small.cost_name = "CrossEntropyCost"
    with pytest.raises(api.ApiError, match="purenn can trace only models"):
        api.Classroom(small, source="ce.json").lesson(
            {"name": "model", "input": "0.5,0.5", "target": "1,0"})


def test_upload_pgm_and_drawing_over_http(server):
    picture = [[0] * 12 for _ in range(10)]
    for r in range(2, 8):
        picture[r][5] = picture[r][6] = 200
    pgm = b"P5 12 10 255\n" + bytes(v for row in picture for v in row)
    uploaded = post(server, "/api/upload", raw=pgm)
    x, _ = prepare.prepare_digit([[v / 255 for v in row] for row in picture])
    assert_same_bits(uploaded["x"], x)
    drawn = post(server, "/api/prepare", {
        "width": 12, "height": 10, "pixels": [v for row in picture
                                               for v in row]})
    assert_same_bits(drawn["x"], x)
    assert drawn["pixels"] == prepare.to_pixels(x)


def test_upload_of_a_huge_png_is_refused_before_decoding(server):
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR",
                                                 5000, 5000)
    status, _, body = _request(server, "POST", "/api/upload", header + b"x")
    assert status == 413
    assert "5000x5000" in _is_one_line_error(body)


# -- safety ----------------------------------------------------------------

def _malformed(index):
    """The index-th malformed request: (method, path, body)."""
    good = [0] * 784
    kinds = [
        ("POST", "/api/predict", b"{"),
        ("POST", "/api/predict", b"\xff\xfe not utf-8"),
        ("POST", "/api/predict", b"[1, 2, 3]"),
        ("POST", "/api/predict", b'{"pixels": [NaN]}'),
        ("POST", "/api/predict", json.dumps({"pixels": good[:-1]}).encode()),
        ("POST", "/api/predict", json.dumps({"pixels": good[:-1] + [256]})
         .encode()),
        ("POST", "/api/predict", json.dumps({"pixels": ["0"] * 784})
         .encode()),
        ("POST", "/api/predict", json.dumps({"pixels": [True] * 784})
         .encode()),
        ("POST", "/api/predict", json.dumps({"x": good, "pixels": good})
         .encode()),
        ("POST", "/api/predict", b'{"pixels": [1e999]}'),
        ("POST", "/api/predict", json.dumps({"pixels": {"a": 1}}).encode()),
        ("POST", "/api/predict", json.dumps({"pixels": good,
                                             "session": 12}).encode()),
        ("POST", "/api/neuron", json.dumps({"pixels": good, "layer": 9,
                                            "neuron": 0}).encode()),
        ("POST", "/api/neuron", json.dumps({"pixels": good, "layer": 1,
                                            "neuron": -1}).encode()),
        ("POST", "/api/step", json.dumps({"pixels": good, "label": 10})
         .encode()),
        ("POST", "/api/step", json.dumps({"pixels": good, "label": 1,
                                          "step_size": "big"}).encode()),
        ("POST", "/api/zero", json.dumps({"layer": "1", "neuron": 0})
         .encode()),
        ("POST", "/api/prepare", json.dumps({"width": 2, "height": 2,
                                             "pixels": [0, 0, 0]}).encode()),
        ("POST", "/api/prepare", json.dumps({"width": 2, "height": 2,
                                             "pixels": [0, 0, 0, 0]})
         .encode()),
        ("POST", "/api/upload", b"GIF89a not a png"),
        ("POST", "/api/upload", b"\x89PNG\r\n\x1a\n broken"),
        ("POST", "/api/upload", b"P5 2 2 255\n\x00"),
        ("POST", "/api/upload", b"\x89PNG\r\n\x1a\n" + struct.pack(
            ">I4sII", 13, b"IHDR", 65535, 65535)),
        ("GET", "/api/mnist?index=99999", None),
        ("GET", "/api/mnist?index=-1", None),
        ("GET", "/api/example?name=__import__('os')", None),
        ("GET", "/api/train", None),
        ("GET", "/api/predict", None),
        ("POST", "/../../etc/passwd", b"{}"),
        ("DELETE", "/api/predict", None),
        ("POST", "/api/predict" + "x" * (index % 7), b"{}"),
    ]
    return kinds[index % len(kinds)]


def test_survives_a_thousand_malformed_requests(server):
    statuses = set()
    for index in range(1000):
        method, path, body = _malformed(index)
        status, _, answer = _request(server, method, path, body)
        assert 400 <= status <= 501, (index, method, path, status, answer)
        _is_one_line_error(answer)
        statuses.add(status)
    assert {400, 404, 405, 413, 501} <= statuses
    pixels = _pixels(7)
    answer = post(server, "/api/predict", {"pixels": pixels})
    assert_same_bits(answer["outputs"],
                     _net().output([v / 255 for v in pixels]))


def test_errors_name_the_problem(server):
    status, _, body = _request(server, "POST", "/api/predict",
                               json.dumps({"pixels": [0] * 783}).encode())
    assert status == 400
    assert _is_one_line_error(body) == ("pixels: expected a list of 784 "
                                        "numbers from 0 to 255, got 783 "
                                        "numbers")


def test_body_cap(server):
    # The cap is checked on Content-Length, before the body is read.
    status, _, body = _request(
        server, "POST", "/api/predict", b"{}",
        {"Content-Length": str(serve.MAX_JSON_BYTES + 1)})
    assert status == 413
    assert "over the limit" in _is_one_line_error(body)
    status, _, body = _request(server, "POST", "/api/predict", None,
                               {"Content-Length": "-5"})
    assert status == 411
    status, _, body = _request(
        server, "POST", "/api/upload", b"",
        {"Content-Length": str(serve.MAX_UPLOAD_BYTES + 1)})
    assert status == 413
    # Just under the cap is read (and rejected as JSON, not for its size).
    padded = b'{"pixels": [' + b" " * (serve.MAX_JSON_BYTES - 20) + b"]}"
    status, _, body = _request(server, "POST", "/api/predict", padded)
    assert status == 400 and len(padded) <= serve.MAX_JSON_BYTES


@pytest.mark.parametrize("path", [
    "/../purenn/classroom/serve.py", "/static/../serve.py", "/serve.py",
    "/api.py", "//etc/passwd", "/%2e%2e/serve.py", "/app.js/../serve.py",
    "/static/app.js", "/etc/passwd", "/.%2e/.%2e/setup.cfg", "/index.html/",
    "C:\\Windows\\win.ini"])
def test_only_whitelisted_files_are_served(server, path):
    status, _, body = _request(server, "GET", path)
    assert status == 404
    _is_one_line_error(body)


def test_static_files(server):
    for path, (name, content_type) in serve.STATIC_FILES.items():
        status, headers, body = _request(server, "GET", path)
        assert status == 200 and headers["Content-Type"] == content_type
        with open(os.path.join(os.path.dirname(serve.__file__), "static",
                               name), "rb") as stream:
            assert body == stream.read()
    # No CDN, nothing from another origin: the page is offline.
    status, headers, body = _request(server, "GET", "/")
    assert b"http://" not in body.replace(b"http://www.w3.org", b"")
    assert b"https://" not in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]


# -- the command and the training run --------------------------------------

def _serve_in_thread(argv):
    """Run ``purenn serve`` in a thread; return (server, thread, out, result)."""
    ready = threading.Event()
    holder, result = {}, {}
    out = io.StringIO()
    args = serve_cli_parser().parse_args(argv)

    def on_ready(httpd):
        holder["server"] = httpd
        ready.set()

    def run():
        result["status"] = serve_cli.serve_command(args, out=out,
                                                   ready=on_ready)
        ready.set()

    thread = threading.Thread(target=run)
    thread.daemon = True
    thread.start()
    assert ready.wait(60)
    return holder.get("server"), thread, out, result


def serve_cli_parser():
    from purenn.cli import build_parser
    return build_parser()


def test_serve_command_prints_the_url_and_stops(tmp_path):
    model = tmp_path / "model.json"
    _net().save(str(model))
    httpd, thread, out, result = _serve_in_thread(
        ["serve", str(model), "--port", "0"])
    assert httpd.server_address[0] == "127.0.0.1"
    url = httpd.url()
    assert "at {}".format(url) in out.getvalue()
    answer = get(httpd, "/api/model")
    assert answer["sizes"] == [784, 6, 10]
    assert answer["source"] == "model.json"
    httpd.shutdown()
    thread.join(30)
    assert result["status"] == 0


def test_serve_without_a_default_model_says_how_to_give_one(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(serve_cli, "DEFAULT_MODEL",
                        str(tmp_path / "missing.json"))
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("purenn: error: no MODEL given")
    assert "purenn serve model.json" in err


def test_serve_refuses_a_network_without_784_inputs(tmp_path, capsys):
    # 20 inputs: not a 28x28 digit, and too large for the walkthrough that
    # a small network (the 2-3-2 demo) gets instead.
    model = tmp_path / "small.json"
    network.Network([20, 3, 2], seed=0).save(str(model))
    assert main(["serve", str(model), "--port", "0"]) == 2
    assert "784" in capsys.readouterr().err


def test_training_run_is_the_reference_sgd():
    data = mnist.Dataset(bytes(_pixels(8) * 3), bytes([1, 2, 3]))
    run = serve.Training(data, data, layers=(784, 4, 10), epochs=2,
                         mini_batch_size=2, seed=5)
    run.start()
    run.join(120)
    status = run.status()
    assert status["finished"] and len(status["history"]) == 2
    expected = network.Network([784, 4, 10], seed=5)
    expected.sgd(data, 2, 2, 3.0)
    assert_same_bits(run.net.weights, expected.weights)
    assert status["history"][-1]["correct"] == len(
        [1 for x, y in data if expected.predict(x) == y])
    # The rate is step_size; "eta" stays in the status and as a keyword.
    assert status["step_size"] == status["eta"] == 3.0
    assert serve.Training(data, data, eta=0.5).step_size == 0.5
    assert serve.Training(data, data, step_size=0.25).status()["eta"] == 0.25


def test_training_status_over_http():
    data = mnist.Dataset(bytes(_pixels(9)), bytes([4]))
    run = serve.Training(data, data, layers=(784, 3, 10), epochs=1)
    httpd = serve.make_server(api.Classroom(_net()), "127.0.0.1", 0, run)
    with serving(httpd):
        run.start()
        run.join(60)
        answer = get(httpd, "/api/train")
        assert answer["finished"] is True
        assert answer["history"] == [{"epoch": 0, "correct": answer[
            "history"][0]["correct"], "total": 1}]


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGINT")
                    or os.name != "posix", reason="needs POSIX signals")
def test_ctrl_c_stops_cleanly(tmp_path):
    import signal
    import subprocess
    import sys
    model = tmp_path / "model.json"
    _net().save(str(model))
    # SIGINT back to its default in the child, so that Python installs its
    # Ctrl-C handler there even when this test runs in the background of a
    # non-interactive shell (as CI may), where SIGINT is ignored.
    process = subprocess.Popen(
        [sys.executable, "-m", "purenn", "serve", str(model), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        first = process.stdout.readline().decode()
        assert first.startswith("purenn: serving model.json (784-6-10) at "
                                "http://127.0.0.1:")
        assert process.stdout.readline() == b"purenn: press Ctrl-C to stop\n"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert out.decode().endswith("purenn: stopped\n") and err == b""
    finally:
        if process.poll() is None:   # a failed test leaves no server
            process.kill()
            process.wait()
