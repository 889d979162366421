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
import random

from purenn import matrix
# Shared with the engines (one home): examples, labels and argument checks.
from purenn.arguments import (check_jobs, check_sgd_arguments,
                              target_column, argmax, confusion_matrix)
# network.py's SGD loop, shared with every engine (one home).
from purenn.epochs import (ReferenceTrainer, Run, labels_of, mini_batch_rate,
                           run_epochs, score, step_size_of)
from purenn.exact import normal_draws
# The model file: its checks, limits and (as a base class of Network)
# to_json, save, from_json and load; its names are kept here for callers.
from purenn.io.modelfile import (ModelError, ModelFileMixin, COSTS,
                                 MAX_LAYERS, MAX_PARAMETERS, MAX_MODEL_BYTES,
                                 check_cost, check_layers, check_parameters)
from purenn.primer import (sigmoid, raw_activation, dc_db, dc_dw, dc_da_prev,
                           cost)

__all__ = ["Network", "ModelError", "load", "target_column", "argmax",
           "confusion_matrix", "check_cost", "COSTS", "MAX_LAYERS",
           "MAX_PARAMETERS", "MAX_MODEL_BYTES", "from_json"]


class Network(ModelFileMixin):
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
        self.layers = check_layers(layers)
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
            self.b += check_parameters("b", b, self.layers, lambda l: 1)
        if w is not None:
            self.w += check_parameters("w", w, self.layers,
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

    def update_mini_batch(self, mini_batch, step_size):
        """Take one step for ``mini_batch``, a list of ``(x, y)`` examples.

        As network.py's ``update_mini_batch``: every example's gradient is
        computed with the weights as they are at the start of the mini-batch,
        the gradients are added up (from zero, example by example), and then
        ``w <- w - (step_size/m) * sum dC/dw`` and ``b`` likewise, m the batch
        size (network.py calls the step size eta).
        """
        sum_b = [None] + [matrix.zeros(*matrix.shape(b)) for b in self.b[1:]]
        sum_w = [None] + [matrix.zeros(*matrix.shape(w)) for w in self.w[1:]]
        for x, y in mini_batch:
            grad_b, grad_w = self.gradients(x, y)
            for l in range(1, self.num_layers):
                sum_b[l] = matrix.add(sum_b[l], grad_b[l])
                sum_w[l] = matrix.add(sum_w[l], grad_w[l])
        rate = mini_batch_rate(step_size, len(mini_batch))
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
        return score(self.predictions(test_data, jobs=jobs),
                     labels_of(test_data))

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

    def sgd(self, training_data, epochs, mini_batch_size, step_size=None,
            test_data=None, on_epoch=None, on_progress=None, jobs=1,
            eta=None):
        """Train with mini-batch stochastic gradient descent, as network.py.

        ``training_data`` is a sequence of ``(x, y)`` pairs: ``x`` a flat list
        of ``layers[0]`` numbers, ``y`` a label or a list of ``layers[-1]``
        numbers.  Every epoch is network.py's::

            order = self.epoch_order(n)       # random.shuffle(training_data)
            for start in range(0, n, mini_batch_size):
                mini_batch = [training_data[i]
                              for i in order[start:start + mini_batch_size]]
                self.update_mini_batch(mini_batch, step_size)
            if test_data: self.evaluate(test_data)

        That loop is ``purenn.epochs.run_epochs``, written once for this
        reference and every faster engine (``purenn.engines.sgd``, the same
        training with the same bits), whose trainers differ only in how they
        take one mini-batch's step; here it is ``update_mini_batch``.
        ``step_size`` is network.py's eta (``eta=`` is kept as its old name).

        ``on_epoch(result)`` is called after every epoch with the dict that
        is also appended to the returned history: ``epoch`` (from 0),
        ``correct`` and ``total`` (None without test data).
        ``on_progress(done, total)`` is called after every mini-batch.  An
        exception from either (KeyboardInterrupt, say) stops training with
        the parameters of the last finished mini-batch.  ``jobs`` is checked
        and kept for calls shared with ``purenn.engines.sgd``: the reference
        runs in this process.
        """
        step_size = step_size_of(step_size, eta)
        check_sgd_arguments(epochs, mini_batch_size, jobs)
        run = Run(training_data, epochs, mini_batch_size, step_size,
                  test_data, on_epoch, on_progress)
        return run_epochs(self, ReferenceTrainer(self, run), run)


# network2.py's load(filename), and its text twin, as functions.
load = Network.load
from_json = Network.from_json
