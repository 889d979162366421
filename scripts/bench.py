"""Benchmark purenn's engines against the same algorithm in numpy.

One command, one run, the same MNIST examples for all:

    python scripts/bench.py                    # every interpreter found
    python scripts/bench.py --python pypy3 --python python3.11 \
        --engine loops --engine codegen

Measures, for the [784, 30, 10] network with mini-batches of 10 and eta 3.0
(the defaults of ``purenn train``), on every interpreter it finds (each
pyenv CPython 3.6-3.13 and ``pypy3`` on the PATH, or those given with
``--python``) and every engine (``reference``, ``codegen``, ``loops``, or
those given with ``--engine``):

* purenn's training time per 10,000 examples (the epochs of one
  ``purenn.engines.sgd`` call over --train examples, shuffling included)
  and its evaluation time per 10,000 test images (the evaluation after each
  epoch), in a worker process under that interpreter;
* the same two with network.py's algorithm written in numpy below (one
  backprop per example, summed per mini-batch), in a second worker under a
  CPython that imports numpy (this one if it can, else the first pyenv
  CPython that can, or ``--numpy-python``; PyPy needs no numpy): one numpy
  epoch right after each purenn epoch, alternating, so that a slower spell
  of this shared machine hits both alike;
* the ratios purenn / numpy (the median of the epoch-by-epoch ratios), and
  the peak RSS of the purenn worker.

The reference engine is slow (about 100 examples a second on CPython): it
trains on --reference-train examples and is tested on as many images,
numpy on the same ones; every figure is per 10,000 all the same.

This machine may set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which slow a
current numpy down; the numpy worker runs without them (tests and CI keep
them).
"""
import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from purenn import Network, engines  # noqa: E402
from purenn.io import mnist  # noqa: E402

LAYERS = [784, 30, 10]
BATCH = 10
ETA = 3.0
SLOW_BLAS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
ENGINES = ("reference", "codegen", "loops")


def peak_rss_mb():
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_weights():
    """The initial weights and biases both workers start from (seed 0)."""
    net = Network(LAYERS, seed=0)
    return net, ([[list(row) for row in w] for w in net.weights],
                 [[list(row) for row in b] for b in net.biases])


def _say(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _wait():
    """Block until the coordinator says go on; False when it says stop."""
    line = sys.stdin.readline()
    return line.strip() == "next"


class _Stop(Exception):
    pass


def purenn_worker(args):
    """Train ``args.repeat`` epochs in one ``engines.sgd`` call, one epoch
    per "next" from the coordinator, and report each epoch's seconds.

    Training lasts from the end of the previous epoch's report (from the
    call, for the first: it also reads the examples and, for codegen,
    generates the code) to the epoch's last on_progress; evaluation from
    there to on_epoch.
    """
    training, test = mnist.load(train_limit=args.train, test_limit=args.test)
    net, _ = start_weights()
    marks = {}

    def on_progress(done, total):
        if done == total:
            marks["trained"] = time.perf_counter()

    def on_epoch(result):
        now = time.perf_counter()
        _say({"train": marks["trained"] - marks["epoch_end"],
              "eval": now - marks["trained"], "correct": result["correct"],
              "rss_mb": round(peak_rss_mb(), 1)})
        if not _wait():
            raise _Stop
        marks["epoch_end"] = time.perf_counter()

    _say({"python": platform.python_implementation() + " "
          + platform.python_version(), "engine": args.engine,
          "chosen": engines.choose(net, args.engine)})
    if not _wait():
        return
    marks["epoch_end"] = time.perf_counter()
    try:
        engines.sgd(net, training, args.repeat, BATCH, ETA, test_data=test,
                    on_progress=on_progress, on_epoch=on_epoch,
                    jobs=args.jobs, engine=args.engine)
    except _Stop:
        pass


def numpy_worker(args):
    """Run one numpy epoch (training, then evaluation) per "next"."""
    import numpy
    training, test = mnist.load(train_limit=args.train, test_limit=args.test)
    run = NumpyRun(training, test, start_weights()[1])
    _say({"numpy": numpy.__version__})
    while _wait():
        trained, evaluated = run.epoch()
        _say({"train": trained, "eval": evaluated})


class NumpyRun:
    """network.py's SGD in numpy, on the same examples, an epoch at a time."""

    def __init__(self, training, test, start):
        import numpy as np
        self.np = np

        def as_arrays(data):
            pixels = np.frombuffer(data.images, dtype=np.uint8)
            images = (pixels.reshape(len(data), LAYERS[0], 1) / 255.0)
            return [(images[i], data.labels[i]) for i in range(len(data))]

        # network.py's training targets are one-hot 10x1 columns, its test
        # targets plain labels.
        targets = [np.eye(LAYERS[-1])[:, [label]]
                   for label in range(LAYERS[-1])]
        self.train_set = [(x, targets[label])
                          for x, label in as_arrays(training)]
        self.test_set = as_arrays(test)
        self.weights = [np.array(w) for w in start[0]]
        self.biases = [np.array(b) for b in start[1]]
        self.rng = random.Random(0)
        self.update(self.train_set[:BATCH])   # warm up

    def sigmoid(self, z):
        return 1.0 / (1.0 + self.np.exp(-z))

    def sigmoid_prime(self, z):
        return self.sigmoid(z) * (1 - self.sigmoid(z))

    def backprop(self, x, y):
        # As network.py: keep every z, sigmoid_prime(z) from z.
        np = self.np
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = self.sigmoid(z)
            activations.append(activation)
        delta = (activations[-1] - y) * self.sigmoid_prime(zs[-1])
        nabla_b, nabla_w = [delta], [np.dot(delta, activations[-2].T)]
        for l in range(2, len(LAYERS)):
            delta = (np.dot(self.weights[-l + 1].T, delta)
                     * self.sigmoid_prime(zs[-l]))
            nabla_b.insert(0, delta)
            nabla_w.insert(0, np.dot(delta, activations[-l - 1].T))
        return nabla_b, nabla_w

    def update(self, mini_batch):
        np = self.np
        sum_b = [np.zeros(b.shape) for b in self.biases]
        sum_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_b, delta_w = self.backprop(x, y)
            sum_b = [s + d for s, d in zip(sum_b, delta_b)]
            sum_w = [s + d for s, d in zip(sum_w, delta_w)]
        rate = ETA / len(mini_batch)
        self.weights = [w - rate * s for w, s in zip(self.weights, sum_w)]
        self.biases = [b - rate * s for b, s in zip(self.biases, sum_b)]

    def epoch(self):
        """Return the seconds of one training epoch and of one evaluation."""
        started = time.perf_counter()
        order = list(range(len(self.train_set)))
        self.rng.shuffle(order)
        shuffled = [self.train_set[i] for i in order]
        for start_at in range(0, len(shuffled), BATCH):
            self.update(shuffled[start_at:start_at + BATCH])
        trained = time.perf_counter()
        correct = 0
        for x, label in self.test_set:
            a = x
            for b, w in zip(self.biases, self.weights):
                a = self.sigmoid(self.np.dot(w, a) + b)
            correct += int(self.np.argmax(a)) == label
        return trained - started, time.perf_counter() - trained


def _worker(python, kind, args, engine=None, train=None, env=None):
    command = [python, os.path.abspath(__file__), "--worker", kind,
               "--train", str(train or args.train),
               "--test", str(train or args.test),
               "--repeat", str(args.repeat), "--jobs", str(args.jobs)]
    if engine is not None:
        command += ["--engine", engine]
    return subprocess.Popen(command, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, universal_newlines=True,
                            env=env, cwd=REPO)


def _ask(process, message="next"):
    process.stdin.write(message + "\n")
    process.stdin.flush()
    line = process.stdout.readline()
    if not line:
        raise RuntimeError("a worker stopped (exit {})".format(
            process.wait()))
    return json.loads(line)


def _finish(process):
    try:
        process.stdin.write("stop\n")
        process.stdin.close()
    except OSError:
        pass
    process.wait()


def measure(python, engine, numpy_python, args):
    """One interpreter, one engine: paired epochs with numpy; a dict."""
    train = args.reference_train if engine == "reference" else None
    per = 10000 / (train or args.train)
    per_test = 10000 / (train or args.test)
    env = {k: v for k, v in os.environ.items() if k not in SLOW_BLAS}
    ours = _worker(python, "purenn", args, engine, train)
    theirs = None
    try:
        info = json.loads(ours.stdout.readline())
        if numpy_python is not None:
            theirs = _worker(numpy_python, "numpy", args, train=train,
                             env=env)
            info.update(json.loads(theirs.stdout.readline()))
        ours_times, numpy_times = [], []
        for epoch in range(args.repeat):
            ours_times.append(_ask(ours))
            if theirs is not None:
                numpy_times.append(_ask(theirs))
    finally:
        _finish(ours)
        if theirs is not None:
            _finish(theirs)
    result = dict(info, examples=train or args.train, repeat=args.repeat)
    for key in ("train", "eval"):
        scale = per if key == "train" else per_test
        mine = [t[key] for t in ours_times]
        result[key] = statistics.median(mine) * scale
        if numpy_times:
            other = [t[key] for t in numpy_times]
            result["numpy_" + key] = statistics.median(other) * scale
            result[key + "_ratios"] = [p / n for p, n in zip(mine, other)]
            result[key + "_ratio"] = statistics.median(
                result[key + "_ratios"])
    result["rss_mb"] = ours_times[-1]["rss_mb"]
    return result


def _can_import_numpy(python):
    return subprocess.call([python, "-c", "import numpy"],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


def pyenv_pythons():
    try:
        root = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE,
                              universal_newlines=True).stdout.strip()
    except OSError:
        root = ""
    root = root or os.path.expanduser("~/.pyenv")
    found = []
    versions = os.path.join(root, "versions")
    for name in os.listdir(versions) if os.path.isdir(versions) else []:
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "3" and \
                parts[1].isdigit() and 6 <= int(parts[1]) <= 13:
            found.append(((int(parts[1]), int(parts[2])),
                          os.path.join(versions, name, "bin", "python")))
    return [path for _, path in sorted(found)]


def interpreters(args):
    if args.python:
        return [shutil.which(p) or p for p in args.python]
    found = pyenv_pythons()
    if shutil.which("pypy3"):
        found.append(shutil.which("pypy3"))
    return found


def numpy_interpreter(args):
    if args.numpy_python:
        return args.numpy_python
    for python in [sys.executable] + pyenv_pythons():
        if _can_import_numpy(python):
            return python
    return None


def _cell(row, key, fmt):
    return fmt.format(row[key]) if key in row else "-"


def table(rows, out=sys.stdout):
    out.write("| Python | engine | train s/10k | numpy | ratio | evaluate "
              "s/10k | numpy | ratio | peak RSS MB |\n")
    out.write("|---|---|---|---|---|---|---|---|---|\n")
    for row in rows:
        out.write("| {} | {}{} | {:.2f} | {} | {} | {:.3f} | {} | {} | {:.0f}"
                  " |\n".format(
                      row["python"], row["engine"],
                      "" if row["chosen"] == row["engine"]
                      else " (ran {})".format(row["chosen"]),
                      row["train"], _cell(row, "numpy_train", "{:.2f}"),
                      _cell(row, "train_ratio", "{:.2f}x"), row["eval"],
                      _cell(row, "numpy_eval", "{:.3f}"),
                      _cell(row, "eval_ratio", "{:.2f}x"), row["rss_mb"]))
    out.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=int, default=10000,
                        help="training examples per epoch (default: 10000)")
    parser.add_argument("--test", type=int, default=10000,
                        help="test images per epoch (default: 10000)")
    parser.add_argument("--reference-train", type=int, default=500,
                        help="training examples and test images per epoch "
                             "for the slow reference engine (default: 500)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="epochs; medians are reported (default: 5)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="train and evaluate with N processes "
                             "(default: 1)")
    parser.add_argument("--python", action="append", metavar="PATH",
                        help="an interpreter to run (repeatable; default: "
                             "every pyenv CPython 3.6-3.13 and pypy3)")
    parser.add_argument("--engine", action="append", choices=ENGINES,
                        help="an engine to run (repeatable; default: all)")
    parser.add_argument("--numpy-python", metavar="PATH", default=None,
                        help="the CPython that runs numpy (default: this "
                             "one if it imports numpy, else the first pyenv "
                             "CPython that does)")
    parser.add_argument("--json", action="store_true",
                        help="also print each result as one JSON line")
    parser.add_argument("--worker", choices=("purenn", "numpy"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "purenn":
        args.engine = args.engine[0]
        purenn_worker(args)
        return 0
    if args.worker == "numpy":
        numpy_worker(args)
        return 0
    numpy_python = numpy_interpreter(args)
    if numpy_python is None:
        print("numpy is not importable by any CPython found: purenn alone",
              file=sys.stderr)
    rows = []
    for python in interpreters(args):
        for engine in args.engine or ENGINES:
            try:
                row = measure(python, engine, numpy_python, args)
            except (OSError, RuntimeError, ValueError) as exc:
                print("{} {}: failed: {}".format(python, engine, exc),
                      file=sys.stderr)
                continue
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
    print("[784, 30, 10], mini-batch {}, eta {}: {} training and {} test "
          "examples ({} for the reference), medians of {} paired epochs; "
          "numpy {} under {}".format(
              BATCH, ETA, args.train, args.test, args.reference_train,
              args.repeat, rows[0].get("numpy", "-") if rows else "-",
              numpy_python))
    table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
