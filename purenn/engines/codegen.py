"""The ``codegen`` engine: straight-line code generated per network shape.

Best on CPython.  ``source(layers)`` (written by ``purenn.engines.unroll``,
which says how each expression keeps the reference's bits) holds two
functions for the shape at hand, ``train_batch`` and ``predict``, unrolled
over the neurons of every layer so that each neuron's z, a and deltas are
plain local variables; ``build`` compiles it.

To read the code for a shape, print it: ``purenn engines --source
784,30,10`` (about 1,200 lines) or ``print(source([784, 30, 10]))``;
``build`` registers it in ``linecache``, so a
traceback from it shows its lines, under ``filename(layers)``.

``Kernel`` is the engine's face for ``purenn.engines.driver``; the
several-process split (``purenn.engines.split``) uses ``first_layer``,
``train_rest`` and ``update_first`` of the same source.

>>> text = source([2, 1])
>>> "z1_0 += w0_0 * x" in text and "def predict" in text
True
>>> space = build([2, 1])
>>> params = ([(0.5,), (0.25,)], (0.0,))
>>> space["predict"]([([0, 1], [1.0, 2.0])], params)
[0]
"""
import collections
import itertools
import linecache
import math

from purenn.engines.driver import cached, has_negative_zero
from purenn.engines.unroll import source
from purenn.exact import exp as exact_exp

__all__ = ["source", "filename", "build", "kernel", "Kernel", "supports",
           "MAX_TERMS", "MAX_WIDTH"]

# Beyond this many unrolled multiply-adds in the layers after the first the
# generated code gets too large to compile quickly; purenn.engines then falls
# back to the reference path.
MAX_TERMS = 40000

# Every neuron of the first layer is unrolled in every generated function,
# about 2 kB of source each: wider first layers (8 MB of source here) use
# the reference too, so the source stays bounded for any shape.
MAX_WIDTH = 4000


def filename(layers):
    """Return the name tracebacks give the generated code of ``layers``.

    >>> filename([2, 1])
    '<purenn.engines.codegen [2, 1]>'
    """
    return "<purenn.engines.codegen {}>".format(list(layers))


def build(layers):
    """Compile ``source(layers)`` and return its namespace (a dict).

    The source is registered in ``linecache`` under ``filename(layers)``,
    so tracebacks (and debuggers) show the generated lines; ``source``
    prints them whole.
    """
    text = source(layers)
    name = filename(layers)
    # mtime None: linecache.checkcache keeps the entry (there is no file).
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    namespace = {"exp": exact_exp,
                 "defaultdict": collections.defaultdict,
                 # consume(iterator) runs it to the end, in C
                 "consume": collections.deque(maxlen=0).extend,
                 "repeat": itertools.repeat}
    exec(compile(text, name, "exec"), namespace)
    return namespace


def supports(layers):
    """Return True if the unrolled code for ``layers`` stays small enough.

    >>> supports([784, 30, 10]), supports([2, MAX_WIDTH + 1])
    (True, False)
    """
    if layers[1] > MAX_WIDTH:
        return False
    # Whole numbers: builtin sum() is exact for ints on every version (only
    # its float arithmetic changed in 3.12).
    return sum(layers[l - 1] * layers[l]
               for l in range(2, len(layers))) <= MAX_TERMS


class Kernel:
    """The generated functions of one shape, as purenn.engines.driver runs
    them.

    ``params`` are ``(W1, B1, W2, B2, ...)``: W1 a list of one tuple per
    input (the first layer column-major), W2... lists of row tuples, B
    tuples.  A step builds new tuples and never changes the old ones.
    """

    def __init__(self, layers):
        self.layers = list(layers)
        self.space = build(self.layers)
        self.predict = self.space["predict"]

    def params_of(self, net):
        params = [[tuple(column) for column in zip(*net.w[1])],
                  tuple(row[0] for row in net.b[1])]
        for l in range(2, net.num_layers):
            params.append([tuple(row) for row in net.w[l]])
            params.append(tuple(row[0] for row in net.b[l]))
        return tuple(params)

    def store(self, net, params):
        net.w[1] = [list(row) for row in zip(*params[0])]
        net.b[1] = [[value] for value in params[1]]
        for l in range(2, net.num_layers):
            net.w[l] = [list(row) for row in params[2 * l - 2]]
            net.b[l] = [[value] for value in params[2 * l - 1]]

    def snapshot(self, params):
        return params

    def finite(self, params):
        isfinite = math.isfinite
        for part in params:
            for entry in part:
                if type(entry) is float:
                    if not isfinite(entry):
                        return False
                elif not all(map(isfinite, entry)):
                    return False
        return True

    def trainer(self, params, held):
        # Steps build new params: nothing to hold (``held`` unused).
        # No -0.0 in the first layer now means none ever (module docstring).
        lean = not has_negative_zero(params[0])
        train_batch = self.space["train_batch"]

        def step(batch, params, rate, skip):
            return train_batch(batch, params, rate, skip, lean)
        return step


# The Kernel of a shape, compiled once.
kernel = cached(Kernel)
