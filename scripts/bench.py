"""Benchmark purenn's fast path against the same algorithm in numpy.

One command, one run, the same MNIST examples for both:

    python scripts/bench.py               # this Python
    python scripts/bench.py --python      # every pyenv CPython 3.6-3.13, a table

Measures, for the [784, 30, 10] network with mini-batches of 10 and eta 3.0
(the defaults of ``purenn train``), several repetitions each, reporting
medians:

* purenn's training time per 10,000 examples (the epochs of one
  ``Network.sgd`` call over --train examples, shuffling included) and its
  evaluation time per 10,000 test images (the evaluation after each epoch);
* the same two with network.py's algorithm written in numpy below (one
  backprop per example, summed per mini-batch), when numpy is importable:
  one numpy epoch right after each purenn epoch, so that a slower spell of
  this shared machine hits both alike;
* the ratios purenn / numpy (the median of the epoch-by-epoch ratios, and
  each of them), peak RSS of the purenn part (after its first epoch, before
  numpy is imported) and the Python version;
* with ``--jobs N`` (N > 1), separately: a training epoch after the first
  (``sgd(..., jobs=N)``, what ``purenn train --jobs N`` runs) and
  ``Network.predictions(test, jobs=N)`` (``purenn evaluate --jobs N``)
  against ``jobs=1``, alternating, seconds per 10,000 examples.

This machine may set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which slow a
current numpy down; the script re-runs itself without them (for itself
only: tests and CI keep them).
"""
import argparse
import gc
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from purenn import Network  # noqa: E402
from purenn.io import mnist  # noqa: E402

LAYERS = [784, 30, 10]
BATCH = 10
ETA = 3.0
SLOW_BLAS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def peak_rss_mb():
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_purenn(training, test, repeat, between=None):
    """Time `repeat` epochs of one ``Network.sgd`` call, as `purenn train`.

    Training lasts from the end of the previous epoch (from the call, for
    the first: it also finds the non-zero pixels and generates the code) to
    the epoch's last on_progress; evaluation from there to on_epoch.
    ``between(epoch, start)``, if given, runs after each epoch's timing
    (``start`` is the network's initial weights and biases), with the
    cyclic GC on as in a plain Python program; its time counts for neither.
    """
    net = Network(LAYERS, seed=0)
    start_w = [[list(row) for row in w] for w in net.weights]
    start_b = [[list(row) for row in b] for b in net.biases]
    train, evaluate = [], []
    marks = {"epoch_end": time.perf_counter()}

    def on_progress(done, total):
        if done == total:
            marks["trained"] = time.perf_counter()

    def on_epoch(result):
        now = time.perf_counter()
        train.append(marks["trained"] - marks["epoch_end"])
        evaluate.append(now - marks["trained"])
        if between is not None:
            # sgd pauses the cyclic GC, callbacks included; numpy's code
            # runs with it on, as network.py does.
            gc.enable()
            try:
                between(result["epoch"], (start_w, start_b))
            finally:
                gc.disable()
        marks["epoch_end"] = time.perf_counter()

    net.sgd(training, repeat, BATCH, ETA, test_data=test,
            on_progress=on_progress, on_epoch=on_epoch)
    return train, evaluate


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


def bench_jobs(training, test, repeat, jobs):
    """Seconds of training and of predictions, with 1 and with N processes.

    Training: the second epoch of a two-epoch ``sgd`` call over
    ``training`` (no test data), as the epochs of a long run go; the first
    also finds the non-zero pixels and, for N processes, starts the
    workers.  Predictions: ``Network.predictions(test)``.  Alternating, so
    that other work on the machine hits both alike.
    """
    times = {(kind, n): [] for kind in ("train", "predict")
             for n in (1, jobs)}
    for _ in range(repeat):
        for n in (1, jobs):
            net = Network(LAYERS, seed=0)
            ends = []
            net.sgd(training, 2, BATCH, ETA, jobs=n,
                    on_epoch=lambda result: ends.append(time.perf_counter()))
            times["train", n].append(ends[1] - ends[0])
            started = time.perf_counter()
            net.predictions(test, jobs=n)
            times["predict", n].append(time.perf_counter() - started)
    return times


def measure(args):
    training, test = mnist.load(train_limit=args.train, test_limit=args.test)
    per_train = 10000 / len(training)
    per_test = 10000 / len(test)
    result = {
        "python": platform.python_version(),
        "examples": [len(training), len(test)],
        "repeat": args.repeat,
        "numpy": None,
        "jobs": args.jobs,
    }
    numpy_times = []
    state = {}

    def numpy_epoch(epoch, start):
        # purenn's epoch, then numpy's: both see the machine alike.
        if epoch == 0:
            result["purenn_peak_rss_mb"] = round(peak_rss_mb(), 1)
            try:
                import numpy
            except ImportError:
                result["numpy_note"] = "numpy is not importable here: skipped"
                return
            result["numpy"] = numpy.__version__
            state["run"] = NumpyRun(training, test, start)
        if "run" in state:
            numpy_times.append(state["run"].epoch())

    train, evaluate = bench_purenn(training, test, args.repeat, numpy_epoch)
    result["purenn_train"] = statistics.median(train) * per_train
    result["purenn_eval"] = statistics.median(evaluate) * per_test
    if numpy_times:
        np_train = [t for t, _ in numpy_times]
        np_eval = [e for _, e in numpy_times]
        result["numpy_train"] = statistics.median(np_train) * per_train
        result["numpy_eval"] = statistics.median(np_eval) * per_test
        # The ratio of each purenn epoch to the numpy epoch right after it,
        # median of those: a slower spell of the machine hits both.
        result["train_ratios"] = [p / n for p, n in zip(train, np_train)]
        result["eval_ratios"] = [p / n for p, n in zip(evaluate, np_eval)]
        result["train_ratio"] = statistics.median(result["train_ratios"])
        result["eval_ratio"] = statistics.median(result["eval_ratios"])
    if args.jobs > 1:
        times = bench_jobs(training, test, args.repeat, args.jobs)
        for kind, per in (("train", per_train), ("predict", per_test)):
            result[kind + "_jobs1"] = statistics.median(
                times[kind, 1]) * per
            result[kind + "_jobsN"] = statistics.median(
                times[kind, args.jobs]) * per
    return result


def report(result):
    print("Python {}, [784, 30, 10], mini-batch {}, eta {}: {} training and "
          "{} test examples, median of {}".format(
              result["python"], BATCH, ETA, result["examples"][0],
              result["examples"][1], result["repeat"]))
    print("  purenn  train {:7.3f} s / 10k examples   evaluate {:6.3f} s / "
          "10k images".format(result["purenn_train"], result["purenn_eval"]))
    if result["numpy"] is None:
        print("  numpy   " + result["numpy_note"])
    else:
        print("  numpy   train {:7.3f} s / 10k examples   evaluate {:6.3f} s"
              " / 10k images   (numpy {})".format(
                  result["numpy_train"], result["numpy_eval"],
                  result["numpy"]))
        print("  ratio   train {:7.2f}x                  evaluate {:6.2f}x"
              "   (median of the epoch-by-epoch ratios)"
              .format(result["train_ratio"], result["eval_ratio"]))
        print("          train {}   evaluate {}".format(
            " ".join("{:.2f}".format(r) for r in result["train_ratios"]),
            " ".join("{:.2f}".format(r) for r in result["eval_ratios"])))
    print("  one 60k epoch + 10k evaluation: about {:.1f} s".format(
        6 * result["purenn_train"] + result["purenn_eval"]))
    print("  peak RSS of the purenn part: {:.1f} MB".format(
        result["purenn_peak_rss_mb"]))
    if result.get("jobs", 1) > 1:
        print("  jobs={0} against jobs=1 (alternating, medians of {1}):"
              .format(result["jobs"], result["repeat"]))
        for kind, unit in (("train", "examples"), ("predict", "images")):
            print("    {:7} jobs=1 {:6.3f} s / 10k {}   jobs={} {:6.3f} s"
                  "   ({:.2f}x as fast)".format(
                      kind, result[kind + "_jobs1"], unit, result["jobs"],
                      result[kind + "_jobsN"],
                      result[kind + "_jobs1"] / result[kind + "_jobsN"]))


def pyenv_pythons():
    root = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.strip() \
        or os.path.expanduser("~/.pyenv")
    found = []
    versions = os.path.join(root, "versions")
    for name in os.listdir(versions) if os.path.isdir(versions) else []:
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "3" and \
                parts[1].isdigit() and 6 <= int(parts[1]) <= 13:
            found.append(((int(parts[1]), int(parts[2])),
                          os.path.join(versions, name, "bin", "python")))
    return [path for _, path in sorted(found)]


def table(args):
    rows = []
    for python in pyenv_pythons():
        command = [python, os.path.abspath(__file__), "--json",
                   "--train", str(args.train), "--test", str(args.test),
                   "--repeat", str(args.repeat), "--jobs", str(args.jobs)]
        done = subprocess.run(command, stdout=subprocess.PIPE,
                              universal_newlines=True)
        if done.returncode != 0:
            print("{}: failed (exit {})".format(python, done.returncode),
                  file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("| Python | train s/10k | numpy | ratio | evaluate s/10k | numpy "
          "| ratio | s/epoch (60k + 10k eval) | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        def numpy_cell(key, fmt):
            return fmt.format(row[key]) if row["numpy"] else "-"
        print("| {} | {:.2f} | {} | {} | {:.2f} | {} | {} | {:.1f} | {:.0f} |"
              .format(row["python"], row["purenn_train"],
                      numpy_cell("numpy_train", "{:.2f}"),
                      numpy_cell("train_ratio", "{:.1f}x"),
                      row["purenn_eval"], numpy_cell("numpy_eval", "{:.2f}"),
                      numpy_cell("eval_ratio", "{:.1f}x"),
                      6 * row["purenn_train"] + row["purenn_eval"],
                      row["purenn_peak_rss_mb"]))
    if args.jobs > 1:
        print()
        print("| Python | train jobs=1 s/10k | jobs={0} | speed-up "
              "| predictions jobs=1 s/10k | jobs={0} | speed-up |"
              .format(args.jobs))
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            print("| {} | {:.2f} | {:.2f} | {:.2f}x | {:.2f} | {:.2f} | "
                  "{:.2f}x |".format(
                      row["python"], row["train_jobs1"], row["train_jobsN"],
                      row["train_jobs1"] / row["train_jobsN"],
                      row["predict_jobs1"], row["predict_jobsN"],
                      row["predict_jobs1"] / row["predict_jobsN"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=int, default=10000,
                        help="training examples per repetition "
                             "(default: 10000)")
    parser.add_argument("--test", type=int, default=10000,
                        help="test images per repetition (default: 10000)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="repetitions; medians are reported (default: 5)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="also time training and predictions with N "
                             "processes against one, reported separately "
                             "(default: 1, off)")
    parser.add_argument("--python", action="store_true",
                        help="run under every pyenv CPython 3.6-3.13 and "
                             "print a table by version")
    parser.add_argument("--json", action="store_true",
                        help="print the result as one JSON line")
    args = parser.parse_args()
    if any(name in os.environ for name in SLOW_BLAS):
        env = {k: v for k, v in os.environ.items() if k not in SLOW_BLAS}
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    if args.python:
        table(args)
        return 0
    result = measure(args)
    if args.json:
        print(json.dumps(result))
    else:
        report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
