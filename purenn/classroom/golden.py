"""Golden values for other implementations: a fixture set any language reads.

A fixture is one JSON file per *case*: a network, its initial parameters,
its training examples, the order of the examples in every epoch, and every
intermediate of mini-batch SGD as ``Network`` (the reference path) computes
it.  A port in numpy, C, Rust, Go or JavaScript starts from the same
parameters and the same order, so it never has to reproduce Python's
``random``, and can compare its numbers with ``purenn.classroom.compare``.

The names are those of ``purenn.classroom.trace``: ``w``, ``b``, ``z``,
``a``, ``dc_da``, ``dc_db``, ``dc_dw``, ``updated_w``, ``updated_b``;
matrices are lists of rows, ``w[j][k]`` the weight into neuron j from
neuron k of the layer before, and every per-layer vector a J x 1 column
(``[[v0], [v1]]``).  The training data and the test outputs are flat lists.
A case file holds (keys sorted)::

    format           "purenn-golden/1"
    case             the case's name, also the file name without ".json"
    description      what the case is for
    float_format     "repr" (JSON numbers) or "hex" (C99 hex strings)
    sizes            neurons per layer, input first
    eta              the step size (the primer's step_size; network.py's
                     eta, the key kept for every port that reads it)
    mini_batch_size  m; the last mini-batch of an epoch may be shorter
    epochs           how many epochs
    initial          {"layers": [{"layer": l, "w": J x K, "b": J x 1}]}
    inputs, targets  the training examples x and y, flat lists
    order            per epoch, the example indices in the order visited
    steps            one record per mini-batch step (see ``_step``)
    test             {"inputs": [...], "outputs": [...]} after training
    omitted          quantities deliberately left out (the big case)
    mnist            (MNIST case only) image indices, labels, raw pixels

Every float is written with ``repr`` (the shortest text that reads back to
the same double in any correctly rounded parser) or, for ``hex=True``, as
``float.hex`` (``"0x1.999999999999ap-4"``, C99's ``%a``, read by
``strtod``, Go's ``strconv.ParseFloat`` and others).  The text is the same
bytes on every supported Python: keys sorted, fixed separators, ASCII only,
a newline at the end, and no float formatting but ``repr``/``hex``.

>>> files = fixture_files(cases=["primer-1-1-1"])
>>> sorted(files)
['primer-1-1-1.json']
>>> record = json.loads(files["primer-1-1-1.json"].decode("ascii"))
>>> record["steps"][0]["layers"][1]["updated_b"]
[[-0.1081007630517096]]
"""
import json
import random

from purenn import matrix
from purenn.epochs import ReferenceTrainer, Run, mini_batch_rate, run_epochs
from purenn.network import Network, target_column
from purenn.primer import cost

__all__ = ["GOLDEN_FORMAT", "CASES", "MNIST_TRAIN", "MNIST_TEST",
           "build_case", "fixture_files", "render", "write_fixtures"]

GOLDEN_FORMAT = "purenn-golden/1"

# The big case: the book's 784-30-10 on the first MNIST training images.  25
# examples in mini-batches of 10 make three steps, the last one short (5).
# Per step the file holds the summed dC/dw and the updated w of the hidden
# layer (2 x 23520 floats); per example it holds everything but the hidden
# layer's dC/dw (23520 floats per example, which would make the file ten
# times larger and says nothing the summed gradient does not).
MNIST_TRAIN = 25
MNIST_TEST = 3


def _primer():
    net = Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]], w=[[[1.58]], [[2.45]]])
    return {"description": "The primer's worked example: 1 -> 1 -> 1, "
                           "a0 = 0.8, y = 1, one step of size 0.1.",
            "net": net, "inputs": [[0.8]], "targets": [[1.0]],
            "step_size": 0.1, "mini_batch_size": 1, "epochs": 1,
            "test_inputs": [[0.8]]}


def _demo():
    from purenn.classroom.trace import (demo_network, DEMO_INPUT,
                                        DEMO_TARGET, DEMO_STEP_SIZE)
    return {"description": "The primer's 2-3-2 demo network (b and w from "
                           "its listing), two steps on its one example.",
            "net": demo_network(), "inputs": [list(DEMO_INPUT)],
            "targets": [[float(y) for y in DEMO_TARGET]],
            "step_size": DEMO_STEP_SIZE, "mini_batch_size": 1, "epochs": 2,
            "test_inputs": [list(DEMO_INPUT), [0.0, 1.0]]}


def _random():
    # The data has its own generator; the network's seed draws the initial
    # parameters and then the shuffles, as Network.sgd does.
    rng = random.Random(2012)
    inputs = [[rng.random() for _ in range(4)] for _ in range(11)]
    targets = [[rng.random() for _ in range(3)] for _ in range(11)]
    tests = [[rng.random() for _ in range(4)] for _ in range(3)]
    return {"description": "A random 4-5-3 network, 11 random examples in "
                           "mini-batches of 4 (the last one of 3), two "
                           "epochs, shuffled.",
            "net": Network([4, 5, 3], seed=12), "inputs": inputs,
            "targets": targets, "step_size": 2.5, "mini_batch_size": 4,
            "epochs": 2, "test_inputs": tests}


def _mnist(directory=None):
    from purenn.io import mnist
    training, test = mnist.load(directory, train_limit=MNIST_TRAIN,
                                test_limit=MNIST_TEST)
    if len(training) < MNIST_TRAIN or len(test) < MNIST_TEST:
        raise ValueError("MNIST in {} has too few examples for the golden "
                         "case: need {} training and {} test".format(
                             mnist.data_directory(directory),
                             MNIST_TRAIN, MNIST_TEST))
    return {"description": "The book's 784-30-10 network (seed 0) on the "
                           "first {} MNIST training images, mini-batches of "
                           "10 (the last one of 5), eta 3.0, one epoch; "
                           "x = pixel / 255.0.".format(MNIST_TRAIN),
            "net": Network([784, 30, 10], seed=0),
            "inputs": [training[i][0] for i in range(len(training))],
            "targets": [matrix.flatten(target_column(training[i][1], 10))
                        for i in range(len(training))],
            "step_size": 3.0, "mini_batch_size": 10, "epochs": 1,
            "test_inputs": [test[i][0] for i in range(len(test))],
            "omitted": ["steps.examples.layers[layer 1].dc_dw"],
            "mnist": {"set": "train", "indices": list(range(len(training))),
                      "labels": list(training.labels),
                      "pixels": [list(training.pixels(i))
                                 for i in range(len(training))],
                      "test_set": "test",
                      "test_indices": list(range(len(test))),
                      "test_labels": list(test.labels),
                      "test_pixels": [list(test.pixels(i))
                                      for i in range(len(test))]}}


# name -> function returning the case's parameters (in file order)
CASES = (("primer-1-1-1", _primer), ("demo-2-3-2", _demo),
         ("random-4-5-3", _random), ("mnist-784-30-10", _mnist))


def _copy(m):
    return [list(row) for row in m]


def _sum_left_to_right(values):
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total


def _example(net, index, x, y, skip_hidden_dc_dw):
    """Return the record of one example's forward and backward pass.

    ``net.gradients`` computes them with the parameters of the start of the
    mini-batch; ``cost`` is 1/2 ||a[L] - y||^2 from that forward pass.
    """
    dc_db, dc_dw = net.gradients(x, y)
    layers = []
    for l in range(1, net.num_layers):
        layer = {"layer": l, "z": _copy(net.z[l]), "a": _copy(net.a[l]),
                 "dc_da": _copy(net.dc_da[l]), "dc_db": _copy(dc_db[l])}
        if not (skip_hidden_dc_dw and l < net.num_layers - 1):
            layer["dc_dw"] = _copy(dc_dw[l])
        layers.append(layer)
    record = {"example": index, "layers": layers,
              "cost": cost(net.a[-1], matrix.column(y))}
    return record, dc_db, dc_dw


def _step(net, step, epoch, indices, inputs, targets, step_size,
          skip_hidden_dc_dw):
    """Take one ``update_mini_batch`` step; return its record.

    The record holds ``step`` and ``epoch`` (from 0), ``examples`` (one
    ``_example`` record per example, in batch order), ``rate`` (step_size / m, the
    float the update multiplies by), ``cost`` (the examples' costs added
    left to right, divided by m) and ``layers``: per layer ``sum_dc_db`` and
    ``sum_dc_dw`` (the examples' gradients added from 0.0 in batch order)
    and ``updated_b``, ``updated_w`` (after the step).
    """
    examples = []
    sum_b = [None] + [matrix.zeros(*matrix.shape(b)) for b in net.b[1:]]
    sum_w = [None] + [matrix.zeros(*matrix.shape(w)) for w in net.w[1:]]
    for index in indices:
        record, dc_db, dc_dw = _example(net, index, inputs[index],
                                        targets[index], skip_hidden_dc_dw)
        examples.append(record)
        for l in range(1, net.num_layers):
            sum_b[l] = matrix.add(sum_b[l], dc_db[l])
            sum_w[l] = matrix.add(sum_w[l], dc_dw[l])
    # The update itself is Network's own, not a copy of it.
    net.update_mini_batch([(inputs[i], targets[i]) for i in indices],
                          step_size)
    m = len(indices)
    layers = [{"layer": l, "sum_dc_db": sum_b[l], "sum_dc_dw": sum_w[l],
               "updated_b": _copy(net.b[l]), "updated_w": _copy(net.w[l])}
              for l in range(1, net.num_layers)]
    return {"step": step, "epoch": epoch, "examples": examples,
            "rate": mini_batch_rate(step_size, m), "layers": layers,
            "cost": _sum_left_to_right([e["cost"] for e in examples]) / m}


class _Recorder(ReferenceTrainer):
    """``Network.sgd``'s trainer, recording every step (``_step``) and
    each epoch's order of examples."""

    def __init__(self, net, spec, skip_hidden_dc_dw):
        self.inputs, self.targets = spec["inputs"], spec["targets"]
        run = Run(list(zip(self.inputs, self.targets)), spec["epochs"],
                  spec["mini_batch_size"], spec["step_size"], None, None,
                  None)
        ReferenceTrainer.__init__(self, net, run)
        self.skip = skip_hidden_dc_dw
        self.orders, self.steps, self.order = [], [], []

    def step(self, indexes, following):
        self.steps.append(_step(self.net, len(self.steps), len(self.orders),
                                indexes, self.inputs, self.targets,
                                self.run.step_size, self.skip))
        self.order += indexes
        if following is None:   # the epoch's last mini-batch
            self.orders.append(self.order)
            self.order = []


def build_case(name, mnist_directory=None):
    """Return the record (a dict of plain values) of the case ``name``.

    ``mnist_directory`` is where the MNIST case reads its images (default:
    the package's purenn/data/mnist).  Raise ValueError for an unknown name.
    """
    makers = dict(CASES)
    if name not in makers:
        raise ValueError("unknown golden case {!r}, expected one of {}"
                         .format(name, ", ".join(n for n, _ in CASES)))
    spec = makers[name]() if name != "mnist-784-30-10" else \
        _mnist(mnist_directory)
    net = spec["net"]
    skip = "omitted" in spec
    inputs, targets = spec["inputs"], spec["targets"]
    record = {"format": GOLDEN_FORMAT, "case": name,
              "description": spec["description"], "sizes": list(net.layers),
              "eta": spec["step_size"],
              "mini_batch_size": spec["mini_batch_size"],
              "epochs": spec["epochs"],
              "initial": {"layers": [{"layer": l, "w": _copy(net.w[l]),
                                      "b": _copy(net.b[l])}
                                     for l in range(1, net.num_layers)]},
              "inputs": inputs, "targets": targets}
    # Network.sgd's own epoch loop (shuffle, mini-batches), each step
    # recorded.
    recorder = _Recorder(net, spec, skip)
    run_epochs(net, recorder, recorder.run)
    orders, steps = recorder.orders, recorder.steps
    record["order"] = orders
    record["steps"] = steps
    record["test"] = {"inputs": spec["test_inputs"],
                      "outputs": [net.output(x) for x in spec["test_inputs"]]}
    for key in ("omitted", "mnist"):
        if key in spec:
            record[key] = spec[key]
    return record


def _to_hex(value):
    """Return ``value`` with every float replaced by its ``float.hex``."""
    if isinstance(value, float):
        return value.hex()
    if isinstance(value, list):
        return [_to_hex(item) for item in value]
    if isinstance(value, dict):
        return dict((key, _to_hex(item)) for key, item in value.items())
    return value


def _compact(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True, allow_nan=False)


def _dump(value, indent):
    """Return JSON text: objects and lists of objects one item per line,
    everything else (numbers, matrices) compact on one line."""
    inner = " " * (indent + 1)
    if isinstance(value, dict):
        items = ["{}{}: {}".format(inner, _compact(key),
                                   _dump(value[key], indent + 1))
                 for key in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    if isinstance(value, list) and value and \
            all(isinstance(item, dict) for item in value):
        items = [inner + _dump(item, indent + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    return _compact(value)


def render(record, hex=False):
    """Return the case ``record`` as the bytes of its fixture file.

    Floats by ``repr`` or, with ``hex=True``, as ``float.hex`` strings.
    Raise ValueError for a float that is not finite (JSON has no inf/nan).
    """
    record = dict(record, float_format="hex" if hex else "repr")
    if hex:
        record = _to_hex(record)
    return (_dump(record, 0) + "\n").encode("ascii")


def fixture_files(hex=False, cases=None, mnist_directory=None):
    """Return ``{file name: bytes}`` of the fixture set (all cases by default).

    ``cases`` is a list of case names (see ``CASES``).
    """
    names = [name for name, _ in CASES] if cases is None else list(cases)
    return dict((name + ".json",
                 render(build_case(name, mnist_directory), hex=hex))
                for name in names)


def write_fixtures(directory, hex=False, cases=None, mnist_directory=None):
    """Write the fixture set into ``directory``, each file atomically.

    Return the list of paths written.  OSError passes through.
    """
    import os
    from purenn.io.fileio import atomic_write
    files = fixture_files(hex=hex, cases=cases,
                          mnist_directory=mnist_directory)
    paths = []
    for name in sorted(files):
        path = os.path.join(directory, name)
        atomic_write(path, files[name])
        paths.append(path)
    return paths
