"""Time the classroom API over HTTP: predict, neuron, a learning step.

    python scripts/serve_speed.py [MODEL] [--repeat N]

Starts the server on an ephemeral port of 127.0.0.1 with MODEL (default: the
checkout's data/models/mnist-784-30-10.json), sends MNIST test images 0..N-1
to ``POST /api/predict``, ``/api/diagram`` (the network drawn), ``/api/neuron``
(``neuron``: alone; ``neuron+``: with a label, as the page asks, so with what
one step would do) and ``/api/step`` (each step in a fresh session, so every
step starts from the served model), and ``GET /api/lesson?name=demo`` (the
2-3-2 walkthrough), and prints the
median, fastest and slowest wall time of each, request and answer included.
The issue's floors for 784-30-10 on CPython: predict under 50 ms, a learning
step under 100 ms.
"""
import argparse
import json
import os
import platform
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from purenn import network  # noqa: E402
from purenn.classroom import api, serve  # noqa: E402
from purenn.cli.serve import DEFAULT_MODEL  # noqa: E402
from purenn.io import mnist  # noqa: E402


def _post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     method="POST", headers={
                                         "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read().decode())


def _timed(url, body):
    start = time.perf_counter()
    answer = _post(url, body)
    return time.perf_counter() - start, answer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    net = network.load(args.model)
    test = mnist.load_set(None, "test", args.repeat)
    httpd = serve.make_server(api.Classroom(net), "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever)
    thread.daemon = True
    thread.start()
    base = httpd.url().rstrip("/")
    times = {"predict": [], "diagram": [], "neuron": [], "neuron+": [],
             "step": [], "lesson": []}
    try:
        for index in range(len(test)):
            x, label = test[index]
            times["predict"].append(_timed(base + "/api/predict",
                                           {"x": x})[0])
            times["neuron"].append(_timed(base + "/api/neuron", {
                "x": x, "layer": 1, "neuron": index % net.layers[1]})[0])
            times["diagram"].append(_timed(base + "/api/diagram",
                                           {"x": x})[0])
            # What the page sends on a click: the neuron and what one step
            # with the chosen label would do to it.
            times["neuron+"].append(_timed(base + "/api/neuron", {
                "x": x, "layer": 2, "neuron": label, "label": label,
                "step_size": 3.0})[0])
            start = time.perf_counter()
            with urllib.request.urlopen(base + "/api/lesson?name=demo&lang="
                                        + ("zh" if index % 2 else "en")) \
                    as response:
                response.read()
            times["lesson"].append(time.perf_counter() - start)
            seconds, answer = _timed(base + "/api/step", {
                "x": x, "label": label, "step_size": 3.0})
            times["step"].append(seconds)
            _post(base + "/api/reset", {"session": answer["session"]})
    finally:
        httpd.shutdown()
        httpd.server_close()
    print("{} {}, model {} ({}), {} requests each".format(
        platform.python_implementation(), platform.python_version(),
        os.path.basename(args.model), "-".join(map(str, net.layers)),
        len(test)))
    for name, values in times.items():
        values.sort()
        print("{:8} median {:6.1f} ms   fastest {:6.1f} ms   slowest {:6.1f} "
              "ms".format(name, 1000 * values[len(values) // 2],
                          1000 * values[0], 1000 * values[-1]))


if __name__ == "__main__":
    main()
