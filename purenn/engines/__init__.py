"""Engines: faster ways to run the reference's arithmetic, bit for bit.

``sgd(net, ...)`` and ``predictions(net, data)`` are ``Network.sgd`` and
``Network.predictions`` run by the fastest engine for this interpreter;
every weight, bias and per-epoch count has the reference's bits.

=============  ===========================================================
``reference``  ``purenn.network`` itself, the primer-shaped code
``codegen``    straight-line code generated per shape; best on CPython
``loops``      plain nested loops over flat lists; best on PyPy
=============  ===========================================================

``engine="auto"`` (the default) picks ``loops`` on PyPy and ``codegen``
elsewhere.  ``jobs`` > 1 spreads predictions (and the evaluation after each
epoch) over processes, and splits the first layer's rows between processes
in training with ``codegen`` (``purenn.engines.split``); the bits are the
same.

Both fast engines fall back to the reference where their arithmetic would
not be the reference's: parameters that are not all floats (ints or
Fractions give the reference exact rational arithmetic), non-finite
parameters, a ``step_size`` that is not a finite int, float or Fraction, and
(``codegen`` only) shapes whose unrolled code would exceed
``codegen.MAX_TERMS`` multiply-adds or ``codegen.MAX_WIDTH`` first-layer
neurons.  Inputs and targets may be ints, floats or Fractions: ``float()``
gives the value float arithmetic would use.

Why skipping zero inputs changes no bit.  Both fast engines visit only the
non-zero inputs of the first layer (about 80% of MNIST's pixels are 0).
For a finite weight w, ``w * 0.0`` is +0.0 or -0.0, and adding a zero of
either sign to a non-zero partial sum leaves it unchanged.  So a
first-layer sum that skips them (and starts at 0.0 where ``matrix.dot``
starts with the first product) differs from the reference's only when it
is zero, and then at most in the sign of that zero: z = total + b is then
b itself, or a zero whose sign no sigmoid can see (exp(-0.0) ==
exp(0.0)).  The weight-gradient sums start at +0.0 as in the reference, and
in round-to-nearest a sum is -0.0 only if both addends are, so such a sum
is never -0.0, adding a zero of either sign leaves it as it is, and a sum
of skipped terms alone is exactly +0.0: the column's update ``w - rate *
0.0`` leaves every w as it was, sign of zero included, when rate is +0.0 or
positive (for a negative rate, or -0.0, every column is updated).

The promise holds while weights and deltas are finite (``inf * 0.0`` is a
NaN that a skipped term would not produce).  A non-finite value in either
always leaves a non-finite parameter behind, and those never become finite
again; so after each epoch the driver (``purenn.engines.driver``) checks
that every parameter is finite, and if not, it restores the parameters and
the random state of the start of that epoch and trains that epoch and the
rest with the reference.  (``on_progress`` then sees that epoch twice.)

>>> from purenn.network import Network
>>> net, twin = Network([2, 2, 1], seed=1), Network([2, 2, 1], seed=1)
>>> data = [([0.0, 1.0], [1.0]), ([1.0, 0.0], [0.0])]
>>> history = sgd(net, data, 3, 1, 2.0, engine="loops")
>>> _ = twin.sgd(data, 3, 1, 2.0)
>>> net.to_json() == twin.to_json()
True
"""
import platform

from purenn.engines import codegen, driver, loops, reference, split
from purenn.engines.reader import Reader
from purenn.arguments import check_jobs, check_sgd_arguments
from purenn.epochs import Run, labels_of, score, step_size_of

__all__ = ["ENGINES", "sgd", "predictions", "evaluate", "choose",
           "default_engine"]

ENGINES = ("auto", "reference", "codegen", "loops")

_KERNELS = {"codegen": codegen.kernel, "loops": loops.kernel}


def default_engine():
    """Return the fastest engine here: ``loops`` on PyPy, else ``codegen``."""
    if platform.python_implementation() == "PyPy":
        return "loops"
    return "codegen"


def choose(net, engine="auto"):
    """Return the engine that runs ``net``: ``engine``, or the reference.

    ``engine`` is one of ``ENGINES``; ``auto`` is ``default_engine()``.
    A fast engine gives way to the reference where its arithmetic would not
    be the reference's (see the module docstring).
    """
    if engine not in ENGINES:
        raise ValueError("engine must be one of {}, got {!r}".format(
            ", ".join(ENGINES), engine))
    if engine == "auto":
        engine = default_engine()
    if engine == "reference":
        return engine
    if engine == "codegen" and not codegen.supports(net.layers):
        return "reference"
    if not driver.all_floats(net):
        return "reference"
    kernel = _KERNELS[engine](net.layers)
    if not kernel.finite(kernel.params_of(net)):
        return "reference"
    return engine


def sgd(net, training_data, epochs, mini_batch_size, step_size=None,
        test_data=None, on_epoch=None, on_progress=None, jobs=1,
        engine="auto", eta=None):
    """Train ``net`` as ``net.sgd(...)`` does, with the fastest engine.

    Same arguments, checks, history and callbacks as ``Network.sgd`` (the
    same epoch loop, ``purenn.epochs.run_epochs``), and the same bits; the
    parameters are written back into ``net.w`` and ``net.b`` after every
    epoch (before ``on_epoch``) and before any exception leaves, holding
    the last finished mini-batch.  ``jobs`` > 1 evaluates ``test_data`` in
    that many processes and, with ``codegen``, splits the first layer's
    rows (hidden units) between them.  ``engine`` is one of ``ENGINES``
    (see ``choose``).  ``eta=`` is the old name of ``step_size``.

    ``net.last_engine`` says which engine ran: ``"codegen"``, ``"loops"``
    or ``"reference"`` (the one ``choose`` gave, or the reference after a
    non-finite fallback, which runs the last epochs).  Tests assert it, so
    a fast engine that silently gives way fails them.
    """
    step_size = step_size_of(step_size, eta)
    check_sgd_arguments(epochs, mini_batch_size, jobs)
    chosen = choose(net, engine)
    # step_size / 1 is the largest rate any mini-batch can have.
    if chosen == "reference" or driver.rate_of(step_size, 1) is None:
        net.last_engine = "reference"
        return reference.sgd(net, training_data, epochs, mini_batch_size,
                             step_size, test_data=test_data,
                             on_epoch=on_epoch, on_progress=on_progress,
                             jobs=jobs)
    net.last_engine = chosen
    run = Run(training_data, epochs, mini_batch_size, step_size, test_data,
              on_epoch, on_progress)
    if chosen == "codegen" and split.can_split(net, jobs):
        return split.sgd(net, run, jobs)
    return driver.train(_KERNELS[chosen](net.layers), net, run, jobs)


def predictions(net, data, jobs=1, engine="auto"):
    """Return ``net.predict(x)`` for every ``(x, y)`` of ``data``, fast.

    ``jobs`` > 1 predicts ``jobs`` contiguous chunks of ``data`` in as many
    worker processes (``purenn.engines.parallel``) and returns the same
    list, in the same order, as one process.  ``net.last_engine`` says
    which engine ran (see ``sgd``).
    """
    check_jobs(jobs)
    chosen = choose(net, engine)
    net.last_engine = chosen
    if chosen == "reference":
        return reference.predictions(net, data, jobs)
    kernel = _KERNELS[chosen](net.layers)
    reader = Reader(data, net.layers)
    with driver.gc_paused():
        return driver.predict(kernel, reader, kernel.params_of(net), jobs)


def evaluate(net, test_data, jobs=1, engine="auto"):
    """Return how many ``(x, y)`` have largest output == label, fast."""
    return score(predictions(net, test_data, jobs=jobs, engine=engine),
                 labels_of(test_data))
