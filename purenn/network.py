"""The primer's network: feed forward, propagate backward, mini-batch SGD.

This module is purenn's *reference path*: each step is written with the
primer's functions (``purenn.primer``) on list-of-lists matrices, so that every
line can be checked against the text.  It imports no engine: the faster
engines in ``purenn.engines`` are tested to give the same bits as this one.

Layers are numbered as in the primer: layer 0 is the input, layer L the
output.  ``self.w[l]`` is the J x K matrix of weights into layer l (J neurons
in layer l, K in layer l-1), ``self.b[l]`` its J x 1 biases; index 0 holds
``None``, the primer's placeholder, so the numbers match the text.

The primer's worked example, 1 -> 1 -> 1:

>>> net = Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]],
...               w=[[[1.58]], [[2.45]]])
>>> net.feed_forward([0.8])
[[0.850571226530534]]
>>> net.propagate_backward([1], 0.1)
>>> net.b[2], net.w[2]
([[-0.1081007630517096]], [[2.451433410952623]])
"""
import json
import math
import numbers
import os
import random

from purenn import matrix
from purenn.exact import normal_draws
from purenn.io.bounded import loads_json, preview, read_text
from purenn.io.fileio import atomic_write
from purenn.primer import (sigmoid, raw_activation, dc_db, dc_dw, dc_da_prev,
                           cost)

__all__ = ["Network", "ModelError", "load", "target_column", "argmax",
           "confusion_matrix", "check_cost", "COSTS", "MAX_LAYERS",
           "MAX_PARAMETERS", "MAX_MODEL_BYTES"]


class ModelError(ValueError):
    """A model file, or the layers/weights/biases given to Network, are not a
    valid network.  The message names the file or argument and the problem."""


# network2.py's two cost classes, by the name its save() writes.  purenn
# trains with the quadratic cost only (network.py's, the primer's
# 1/2 ||a - y||^2); a CrossEntropyCost model can still predict, since the
# cost plays no part in the forward pass.
COSTS = ("QuadraticCost", "CrossEntropyCost")

# Bounds on what a model may ask for, checked before any list is built.
# Every parameter is a Python float in a list: about 32 bytes, so the
# largest network takes about 64 MB (the book's 784-30-10 has 23,860).
# A model file holds one number per parameter in at most ~25 characters.
MAX_LAYERS = 1000
MAX_PARAMETERS = 2000000
MAX_MODEL_BYTES = 64 * 1024 * 1024
# A model file nests four deep ({"weights": [matrix [row [value]]]}).
_MAX_JSON_DEPTH = 16


def _check_layers(layers, name="layers"):
    """Check ``layers`` are 2 to MAX_LAYERS sizes >= 1 whose network has at
    most MAX_PARAMETERS weights and biases; return them as a list."""
    if not isinstance(layers, (list, tuple)):
        raise TypeError("{}: expected a list of layer sizes, got {}".format(
            name, type(layers).__name__))
    layers = list(layers)
    if len(layers) < 2:
        raise ModelError("{}: expected at least 2 layer sizes (input and "
                         "output), got {!r}".format(name, layers))
    if len(layers) > MAX_LAYERS:
        raise ModelError("{}: {:,} layer sizes, more than the {:,} purenn "
                         "accepts".format(name, len(layers), MAX_LAYERS))
    for size in layers:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ModelError("{}: every size must be a whole number >= 1, got "
                             "{}".format(name, preview(layers)))
    # Weights and biases into each layer: J x (K + 1).
    parameters = sum(layers[l] * (layers[l - 1] + 1)
                     for l in range(1, len(layers)))
    if parameters > MAX_PARAMETERS:
        raise ModelError("{}: {} would have {:,} weights and biases, more "
                         "than the {:,} purenn accepts".format(
                             name, preview(layers), parameters,
                             MAX_PARAMETERS))
    return layers


def _check_parameters(name, given, layers, cols_of):
    """Check ``given`` is one J x cols_of(l) matrix per non-input layer."""
    if not isinstance(given, (list, tuple)):
        raise TypeError("{}: expected a list of matrices, got {}".format(
            name, type(given).__name__))
    if len(given) != len(layers) - 1:
        raise ModelError("{}: expected {} matrices (one per non-input layer of"
                         " {}), got {}".format(name, len(layers) - 1, layers,
                                               len(given)))
    checked = []
    for l, m in enumerate(given, start=1):
        expected = (layers[l], cols_of(l))
        try:
            found = matrix.shape(m)
        except (TypeError, ValueError) as exc:
            raise ModelError("{}[{}] is not a matrix: {}".format(
                name, l - 1, exc))
        if found != expected:
            raise ModelError(
                "{}[{}] (into layer {}) has shape {}x{}, expected {}x{} for "
                "layers {}".format(name, l - 1, l, found[0], found[1],
                                   expected[0], expected[1], preview(layers)))
        for row in m:
            for value in row:
                if (isinstance(value, bool)
                        or not isinstance(value, numbers.Real)):
                    raise TypeError("{}[{}]: expected numbers, found "
                                    "{}".format(name, l - 1, preview(value)))
        checked.append([list(row) for row in m])
    return checked


def target_column(y, size):
    """Return the desired output ``y`` as a ``size`` x 1 column.

    ``y`` is either a digit label (an int, as MNIST gives it), turned into the
    one-hot column the primer describes (1 for that neuron, 0 elsewhere), or a
    sequence of ``size`` numbers.

    >>> target_column(1, 3)
    [[0.0], [1.0], [0.0]]
    >>> target_column([0, 1], 2)
    [[0], [1]]
    """
    if isinstance(y, numbers.Integral) and not isinstance(y, bool):
        if not 0 <= y < size:
            raise ValueError("label {} is out of range for {} output "
                             "neurons".format(y, size))
        column = [[0.0] for _ in range(size)]
        column[y][0] = 1.0
        return column
    y = list(y)
    if len(y) != size:
        raise matrix.ShapeError("y has {} values, the output layer has {} "
                                "neurons".format(len(y), size))
    return matrix.column(y)


def _label(y):
    """Return the digit a test example's ``y`` stands for (int or one-hot)."""
    if isinstance(y, numbers.Integral):
        return y
    values = list(y)
    return values.index(max(values))


def check_jobs(jobs):
    """Raise ValueError unless ``jobs`` is a whole number >= 1."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError("jobs must be a whole number >= 1, got {!r}".format(
            jobs))


def check_sgd_arguments(epochs, mini_batch_size, jobs):
    """Raise ValueError for the counts ``sgd`` cannot take, before any work."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) \
            or epochs < 0:
        raise ValueError("epochs must be a whole number >= 0, got "
                         "{!r}".format(epochs))
    if isinstance(mini_batch_size, bool) \
            or not isinstance(mini_batch_size, int) or mini_batch_size < 1:
        raise ValueError("mini_batch_size must be a whole number >= 1, "
                         "got {!r}".format(mini_batch_size))
    check_jobs(jobs)


def argmax(values):
    """Return the index of the largest value; the first one on a tie.

    >>> argmax([0.1, 0.7, 0.7])
    1
    """
    best = 0
    for index in range(1, len(values)):
        if values[index] > values[best]:
            best = index
    return best


def confusion_matrix(labels, predicted, classes=10):
    """Return the classes x classes counts ``m[true][predicted]``.

    Row sums are how often each true label occurs; the diagonal holds the
    right answers.  ``labels`` and ``predicted`` must be equally long.

    >>> confusion_matrix([0, 1, 1], [0, 1, 0], classes=2)
    [[1, 0], [1, 1]]
    """
    labels, predicted = list(labels), list(predicted)
    if len(labels) != len(predicted):
        raise ValueError("confusion_matrix: {} labels but {} predictions"
                         .format(len(labels), len(predicted)))
    counts = [[0] * classes for _ in range(classes)]
    for label, guess in zip(labels, predicted):
        counts[label][guess] += 1
    return counts


class Network:
    """A fully-connected network of sigmoid neurons (the primer's listing).

    ``layers`` gives the number of neurons per layer, input first, e.g.
    ``[784, 30, 10]``.  ``b`` and ``w``, when given, hold one J x 1 bias column
    and one J x K weight matrix per non-input layer, as in the primer's demo;
    they are copied, never changed in place.  When absent they are drawn from
    the normal distribution N(0, 1) with the network's own
    ``random.Random(seed)`` (``self.rng``), layer by layer, biases before
    weights, row by row, by ``purenn.exact.normal_draws`` (Marsaglia's polar
    method on ``rng.random()`` with a correctly rounded log, not the random
    module's gauss, whose bits come from the platform's log, cos and sin):
    the same weights for a seed on every platform.  Training shuffles with
    the same ``self.rng``.
    """

    def __init__(self, layers, b=None, w=None, seed=None):
        self.layers = _check_layers(layers)
        self.num_layers = len(self.layers)
        self.rng = random.Random(seed)
        draw = normal_draws(self.rng).__next__
        self.b = [None]
        self.w = [None]
        for l in range(1, self.num_layers):
            rows, cols = self.layers[l], self.layers[l - 1]
            if b is None:
                self.b.append([[draw()] for _ in range(rows)])
            if w is None:
                self.w.append([[draw() for _ in range(cols)]
                               for _ in range(rows)])
        if b is not None:
            self.b += _check_parameters("b", b, self.layers, lambda l: 1)
        if w is not None:
            self.w += _check_parameters("w", w, self.layers,
                                        lambda l: self.layers[l - 1])
        self.z = [None]
        self.a = []
        self.example_order = []

    # -- the primer's two passes ------------------------------------------

    def feed_forward(self, inputs):
        """Compute every layer's z and a for the flat list ``inputs``.

        Keeps ``self.z[l]`` and ``self.a[l]`` (J x 1 columns; ``a[0]`` is the
        input) for inspection and returns the output column ``self.a[-1]``.
        """
        inputs = list(inputs)
        if len(inputs) != self.layers[0]:
            raise matrix.ShapeError(
                "feed_forward: got {} inputs, the input layer has {} "
                "neurons".format(len(inputs), self.layers[0]))
        self.z = [None]
        self.a = [matrix.column(inputs)]
        for l in range(1, self.num_layers):
            z = raw_activation(self.w[l], self.a[l - 1], self.b[l])
            self.z.append(z)
            self.a.append(sigmoid(z))
        return self.a[-1]

    def _backward(self, y):
        """Compute dC/da, dC/db and dC/dw of every layer for target ``y``.

        Needs a preceding ``feed_forward``.  Keeps ``self.dc_da[l]``,
        ``self.dc_db[l]`` and ``self.dc_dw[l]`` (index 0 is None; ``dc_da[0]``
        is the gradient with respect to the inputs) and changes no weight.
        """
        if len(self.a) != self.num_layers:
            raise RuntimeError("propagate_backward needs feed_forward first")
        output = self.num_layers - 1
        self.dc_da = [None] * self.num_layers
        self.dc_db = [None] * self.num_layers
        self.dc_dw = [None] * self.num_layers
        # The output layer's dC/da is a - y: the derivative of 1/2 (a - y)^2.
        self.dc_da[output] = matrix.subtract(self.a[output], y)
        for l in range(output, 0, -1):
            self.dc_db[l] = dc_db(self.z[l], self.dc_da[l])
            self.dc_dw[l] = dc_dw(self.a[l - 1], self.dc_db[l])
            # With this layer's weights as they are before any update.
            self.dc_da[l - 1] = dc_da_prev(self.w[l], self.dc_db[l])

    def propagate_backward(self, y, step_size):
        """Take one gradient-descent step for the desired output ``y``.

        ``y`` is a flat list (or a label, see ``target_column``); call
        ``feed_forward`` first.  As in the primer, each layer's dC/da for the
        layer before it uses that layer's weights before they are updated;
        then ``b <- b - dC/db * step_size`` and ``w <- w - dC/dw * step_size``.
        The gradients stay in ``self.dc_da``, ``self.dc_db``, ``self.dc_dw``.
        """
        self._backward(target_column(y, self.layers[-1]))
        for l in range(1, self.num_layers):
            self.b[l] = matrix.subtract(
                self.b[l], [[g * step_size for g in row]
                            for row in self.dc_db[l]])
            self.w[l] = matrix.subtract(
                self.w[l], [[g * step_size for g in row]
                            for row in self.dc_dw[l]])

    # -- reading the network ----------------------------------------------

    def output(self, inputs):
        """Return the output activations for ``inputs`` as a flat list."""
        return matrix.flatten(self.feed_forward(inputs))

    def predict(self, inputs):
        """Return the index of the largest output (first one on a tie)."""
        return argmax(self.output(inputs))

    def cost(self, inputs, y):
        """Return the quadratic cost 1/2 ||a - y||^2 for one example."""
        return cost(self.feed_forward(inputs),
                    target_column(y, self.layers[-1]))

    def gradients(self, inputs, y):
        """Return ``(dc_db, dc_dw)`` for one example, changing nothing.

        Both are lists indexed by layer, index 0 None, as ``self.b``/``self.w``.
        """
        self.feed_forward(inputs)
        self._backward(target_column(y, self.layers[-1]))
        return self.dc_db, self.dc_dw

    # -- training (network.py's SGD) --------------------------------------

    def update_mini_batch(self, mini_batch, eta):
        """Take one step for ``mini_batch``, a list of ``(x, y)`` examples.

        As network.py's ``update_mini_batch``: every example's gradient is
        computed with the weights as they are at the start of the mini-batch,
        the gradients are added up (from zero, example by example), and then
        ``w <- w - (eta/m) * sum dC/dw`` and ``b`` likewise, m the batch size.
        """
        sum_b = [None] + [matrix.zeros(*matrix.shape(b)) for b in self.b[1:]]
        sum_w = [None] + [matrix.zeros(*matrix.shape(w)) for w in self.w[1:]]
        for x, y in mini_batch:
            grad_b, grad_w = self.gradients(x, y)
            for l in range(1, self.num_layers):
                sum_b[l] = matrix.add(sum_b[l], grad_b[l])
                sum_w[l] = matrix.add(sum_w[l], grad_w[l])
        rate = eta / len(mini_batch)
        for l in range(1, self.num_layers):
            self.w[l] = matrix.subtract(self.w[l], matrix.scale(rate, sum_w[l]))
            self.b[l] = matrix.subtract(self.b[l], matrix.scale(rate, sum_b[l]))

    def predictions(self, data, jobs=1):
        """Return the predicted digit (``predict``) of every ``(x, y)`` in data.

        The reference runs in this process: ``jobs`` is checked and kept
        for calls shared with ``purenn.engines.predictions``, which spreads
        the work over ``jobs`` processes (and runs faster engines).
        """
        check_jobs(jobs)
        return [self.predict(x) for x, _ in data]

    def evaluate(self, test_data, jobs=1):
        """Return how many ``(x, y)`` examples have largest output == label."""
        predicted = self.predictions(test_data, jobs=jobs)
        return len([1 for guess, (_, y) in zip(predicted, test_data)
                    if guess == _label(y)])

    def epoch_order(self, n):
        """Shuffle the order of the ``n`` training examples; return a copy.

        As network.py's ``random.shuffle(training_data)`` at the start of
        every epoch: one list, ``self.example_order``, is shuffled in place
        with ``self.rng`` epoch after epoch, so each epoch's order is the last
        one shuffled again.  It starts as ``0 .. n-1`` (and starts again if
        ``n`` changes).  After ``random.seed(S)``, network.py visits its
        examples in these orders when ``self.rng`` was seeded with S and has
        drawn nothing else (a network loaded from a file, say).
        """
        if len(self.example_order) != n:
            self.example_order = list(range(n))
        self.rng.shuffle(self.example_order)
        return list(self.example_order)

    def shuffle_state(self):
        """Return what ``set_shuffle_state`` needs to replay the shuffles."""
        return self.rng.getstate(), list(self.example_order)

    def set_shuffle_state(self, state):
        """Restore the generator and example order of ``shuffle_state()``."""
        rng_state, order = state
        self.rng.setstate(rng_state)
        self.example_order = list(order)

    def sgd(self, training_data, epochs, mini_batch_size, eta, test_data=None,
            on_epoch=None, on_progress=None, jobs=1):
        """Train with mini-batch stochastic gradient descent, as network.py.

        ``training_data`` is a sequence of ``(x, y)`` pairs: ``x`` a flat list
        of ``layers[0]`` numbers, ``y`` a label or a list of ``layers[-1]``
        numbers.  Every epoch shuffles the order of the examples with
        ``self.rng`` (see ``epoch_order``), cuts it into consecutive
        mini-batches of ``mini_batch_size`` (the last may be shorter) and takes
        one ``update_mini_batch`` step for each.  With ``test_data``, each
        epoch ends with ``evaluate``.

        ``on_epoch(result)`` is called after every epoch with the dict that
        is also appended to the returned history: ``epoch`` (from 0),
        ``correct`` and ``total`` (None without test data).
        ``on_progress(done, total)`` is called after every mini-batch.  An
        exception from either (KeyboardInterrupt, say) stops training with
        the parameters of the last finished mini-batch.

        This is the reference: the primer-shaped code of this module, in
        this process (``jobs`` is checked and kept for calls shared with
        ``purenn.engines.sgd``, the same training by faster engines, with
        the same bits).
        """
        check_sgd_arguments(epochs, mini_batch_size, jobs)
        n = len(training_data)
        history = []
        for epoch in range(epochs):
            order = self.epoch_order(n)
            for start in range(0, n, mini_batch_size):
                mini_batch = [training_data[i]
                              for i in order[start:start + mini_batch_size]]
                self.update_mini_batch(mini_batch, eta)
                if on_progress is not None:
                    on_progress(min(start + mini_batch_size, n), n)
            result = {"epoch": epoch, "correct": None, "total": None}
            if test_data is not None:
                result["correct"] = self.evaluate(test_data)
                result["total"] = len(test_data)
            history.append(result)
            if on_epoch is not None:
                on_epoch(result)
        return history

    # -- model files ------------------------------------------------------

    @property
    def weights(self):
        """The weight matrices without the layer-0 placeholder."""
        return self.w[1:]

    @property
    def biases(self):
        """The bias columns without the layer-0 placeholder."""
        return self.b[1:]

    def to_json(self):
        """Return the model as network2.py's ``save`` writes it (a str).

        ``{"sizes": [...], "weights": [...], "biases": [...], "cost":
        "QuadraticCost"}``; floats are written with ``repr`` and read back
        bit for bit.  The cost is the one the network was loaded with
        (``cost_name``, see ``from_json``), never rewritten.  Raise
        ModelError if a parameter is not finite.
        """
        weights = [[[float(v) for v in row] for row in w] for w in self.weights]
        biases = [[[float(v) for v in row] for row in b] for b in self.biases]
        for name, group in (("weights", weights), ("biases", biases)):
            for index, m in enumerate(group):
                for row in m:
                    for value in row:
                        if not math.isfinite(value):
                            raise ModelError(
                                "{}[{}] holds {!r}: a model with non-finite "
                                "parameters cannot be saved".format(
                                    name, index, value))
        return json.dumps({"sizes": self.layers, "weights": weights,
                           "biases": biases,
                           "cost": getattr(self, "cost_name", COSTS[0])})

    def save(self, path):
        """Write the model to ``path`` in network2.py's JSON format, atomically.

        A crash leaves the old file (or none), never a half-written one.
        """
        atomic_write(path, (self.to_json() + "\n").encode("ascii"))


def from_json(text, source="<string>", seed=None):
    """Return the Network held by the network2.py-style JSON ``text``.

    ``source`` names the text in error messages.  Raise ModelError for bad
    JSON (nested deeper than a model, NaN/Infinity, integers too large for a
    float), missing keys, an unknown cost (see ``COSTS``), sizes beyond
    MAX_LAYERS or MAX_PARAMETERS, shapes that do not match ``sizes`` and
    non-finite numbers.  The network's ``cost_name`` is the file's cost
    (QuadraticCost when absent, as in network.py).
    """
    def fail(problem):
        return ModelError("{}: {}".format(source, problem))

    try:
        data = loads_json(text, max_depth=_MAX_JSON_DEPTH)
    except ValueError as exc:
        raise fail("not a valid model file: {}".format(exc))
    if not isinstance(data, dict):
        raise fail("expected a JSON object with sizes, weights and biases, "
                   "found a JSON {}".format(type(data).__name__))
    missing = [key for key in ("sizes", "weights", "biases")
               if key not in data]
    if missing:
        raise fail("missing key{} {} (a model file needs sizes, weights and "
                   "biases)".format("s" if len(missing) > 1 else "",
                                    ", ".join(repr(k) for k in missing)))
    cost_name = data.get("cost", COSTS[0])
    if cost_name not in COSTS:
        raise fail("cost {} is not one of network2.py's costs ({})".format(
            preview(cost_name), ", ".join(COSTS)))
    try:
        layers = _check_layers(data["sizes"], "sizes")
        biases = _check_parameters("biases", data["biases"], layers,
                                   lambda l: 1)
        weights = _check_parameters("weights", data["weights"], layers,
                                    lambda l: layers[l - 1])
    except (TypeError, ValueError) as exc:
        raise fail(exc)
    for name, group in (("weights", weights), ("biases", biases)):
        for index, m in enumerate(group):
            for row in m:
                for value in row:
                    if not math.isfinite(value):
                        raise fail("{}[{}] holds {!r}, expected finite "
                                   "numbers".format(name, index, value))

    def as_floats(group):
        return [[[float(v) for v in row] for row in m] for m in group]

    net = Network(layers, b=as_floats(biases), w=as_floats(weights),
                  seed=seed)
    net.cost_name = cost_name
    return net


def load(path, seed=None):
    """Return the Network saved at ``path`` (network2.py's JSON format).

    ``seed`` seeds the loaded network's ``rng`` (used to shuffle when it is
    trained further).  OSError passes through; a damaged or inconsistent file
    raises ModelError naming the file and the problem.
    """
    path = os.fspath(path)
    try:
        text = read_text(path, MAX_MODEL_BYTES, "a model file")
    except ValueError as exc:
        raise ModelError(exc)
    return from_json(text, source=path, seed=seed)


def check_cost(net, source, action):
    """Raise ModelError unless ``net`` uses the quadratic cost.

    purenn's backpropagation starts from dC/da = a - y, the derivative of the
    quadratic cost; training, tracing or checking the gradients of a model
    saved with another cost (network2.py's CrossEntropyCost) would quietly
    use the wrong cost.  ``source`` names the model and ``action`` what was
    asked ("train", say) in the message.
    """
    cost_name = getattr(net, "cost_name", COSTS[0])
    if cost_name != COSTS[0]:
        raise ModelError(
            "{}: the model's cost is {}; purenn can {} only models with "
            "QuadraticCost (predict and evaluate do not use the cost and "
            "accept it)".format(source, cost_name, action))
