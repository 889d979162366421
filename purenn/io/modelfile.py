"""The model file: network2.py's JSON format, its limits, reading and writing.

A model file is what network2.py's ``save`` writes::

    {"sizes": [2, 1], "weights": [[[0.5, -0.25]]], "biases": [[[0.5]]],
     "cost": "QuadraticCost"}

``weights[i]`` is the J x K matrix into layer i+1, ``biases[i]`` its J x 1
column (the primer's ``w[l]``, ``b[l]`` without the layer-0 placeholder).
Floats are written with ``repr`` and read back bit for bit.  docs/model-format.md
is the manual.

This module knows the format, not the network's equations: ``parse``
returns the checked parts (a ``ModelParts`` record), ``dumps`` writes them,
and ``ModelFileMixin``, a base class of ``purenn.network.Network``, gives it
``to_json``, ``save`` and the class methods ``from_json`` and ``load``
(``purenn.network.load`` is ``Network.load``).  ``Network`` checks the
``layers``, ``b`` and ``w`` it is given with ``check_layers`` and
``check_parameters``, so one set of limits and messages holds for files and
arguments alike.  This module imports nothing from ``purenn.network``.

>>> parts = parse('{"sizes": [2, 1], "weights": [[[0.5, -0.25]]], '
...               '"biases": [[[0.5]]]}')
>>> parts.layers, parts.weights, parts.biases, parts.cost_name
([2, 1], [[[0.5, -0.25]]], [[[0.5]]], 'QuadraticCost')
>>> dumps(parts.layers, parts.weights, parts.biases)
'{"sizes": [2, 1], "weights": [[[0.5, -0.25]]], "biases": [[[0.5]]], "cost": "QuadraticCost"}'
"""
import collections
import json
import math
import numbers
import os

from purenn import matrix
from purenn.io.bounded import loads_json, preview, read_text
from purenn.io.fileio import atomic_write

__all__ = ["ModelError", "ModelParts", "COSTS", "MAX_LAYERS",
           "MAX_PARAMETERS", "MAX_MODEL_BYTES", "check_layers",
           "check_parameters", "check_cost", "parse", "dumps", "read",
           "ModelFileMixin"]


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


def check_layers(layers, name="layers"):
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


def check_parameters(name, given, layers, cols_of):
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


class ModelParts(collections.namedtuple(
        "ModelParts", "layers weights biases cost_name")):
    """A checked model file: ``layers`` (network2.py's ``sizes``), the
    ``weights`` and ``biases`` as lists of float matrices (no layer-0
    placeholder) and ``cost_name``, one of ``COSTS``."""
    __slots__ = ()


def _as_floats(group):
    return [[[float(v) for v in row] for row in m] for m in group]


def parse(text, source="<string>"):
    """Return the ``ModelParts`` of the network2.py-style JSON ``text``.

    ``source`` names the text in error messages.  Raise ModelError for bad
    JSON (nested deeper than a model, NaN/Infinity, integers too large for a
    float), missing keys, an unknown cost (see ``COSTS``), sizes beyond
    MAX_LAYERS or MAX_PARAMETERS, shapes that do not match ``sizes`` and
    non-finite numbers.  ``cost_name`` is the file's cost (QuadraticCost
    when absent, as in network.py).
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
        layers = check_layers(data["sizes"], "sizes")
        biases = check_parameters("biases", data["biases"], layers,
                                  lambda l: 1)
        weights = check_parameters("weights", data["weights"], layers,
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
    return ModelParts(layers, _as_floats(weights), _as_floats(biases),
                      cost_name)


def dumps(layers, weights, biases, cost_name=COSTS[0]):
    """Return the model as network2.py's ``save`` writes it (a str).

    ``weights`` and ``biases`` hold one matrix per non-input layer (no
    layer-0 placeholder); floats are written with ``repr`` and read back bit
    for bit.  Raise ModelError if a parameter is not finite.
    """
    weights = _as_floats(weights)
    biases = _as_floats(biases)
    for name, group in (("weights", weights), ("biases", biases)):
        for index, m in enumerate(group):
            for row in m:
                for value in row:
                    if not math.isfinite(value):
                        raise ModelError(
                            "{}[{}] holds {!r}: a model with non-finite "
                            "parameters cannot be saved".format(
                                name, index, value))
    return json.dumps({"sizes": list(layers), "weights": weights,
                       "biases": biases, "cost": cost_name})


def read(path):
    """Return the text of the model file at ``path``, at most MAX_MODEL_BYTES.

    OSError passes through; a file too large or not text raises ModelError.
    """
    try:
        return read_text(os.fspath(path), MAX_MODEL_BYTES, "a model file")
    except ValueError as exc:
        raise ModelError(exc)


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


class ModelFileMixin:
    """The model file as methods of ``purenn.network.Network``.

    Needs ``layers``, ``w`` and ``b`` (index 0 the placeholder) and the
    class's ``__init__(layers, b=, w=, seed=)``; kept here so that
    ``purenn.network`` holds the primer's equations alone.
    """

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

        The cost is the one the network was loaded with (``cost_name``, see
        ``from_json``), never rewritten.  Raise ModelError if a parameter is
        not finite (see ``dumps``).
        """
        return dumps(self.layers, self.weights, self.biases,
                     getattr(self, "cost_name", COSTS[0]))

    def save(self, path):
        """Write the model to ``path`` in network2.py's JSON format, atomically.

        A crash leaves the old file (or none), never a half-written one.
        """
        atomic_write(path, (self.to_json() + "\n").encode("ascii"))

    @classmethod
    def from_json(cls, text, source="<string>", seed=None):
        """Return the network held by the network2.py-style JSON ``text``.

        ``source`` names the text in error messages (ModelError as
        ``parse``).  The network's ``cost_name`` is the file's cost and
        ``seed`` seeds its ``rng``.
        """
        parts = parse(text, source)
        net = cls(parts.layers, b=parts.biases, w=parts.weights, seed=seed)
        net.cost_name = parts.cost_name
        return net

    @classmethod
    def load(cls, path, seed=None):
        """Return the network saved at ``path`` (network2.py's JSON format).

        ``seed`` seeds the loaded network's ``rng`` (used to shuffle when it
        is trained further).  OSError passes through; a damaged or
        inconsistent file raises ModelError naming the file and the problem.
        """
        path = os.fspath(path)
        return cls.from_json(read(path), source=path, seed=seed)
