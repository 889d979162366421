"""An engine's kernel as a trainer of the one epoch loop; Ctrl-C and gc.

An engine's *kernel* runs the arithmetic of one mini-batch or of a forward
pass for one network shape, on parameters in its own layout.  Everything
else ``Network.sgd`` does -- the epoch order, the mini-batches, the
callbacks, the evaluation after each epoch, the non-finite fallback --
is ``purenn.epochs.run_epochs``, the reference's own loop; here a kernel
becomes its trainer (``KernelTrainer``: read the mini-batch, form the
rate, write the parameters back into ``net.w``/``net.b``), so the kernels
only have to get the arithmetic right.

A kernel has:

* ``params_of(net)`` and ``store(net, params)``: its layout from and to
  ``net.w``/``net.b``;
* ``snapshot(params)``: a copy that later training steps leave alone;
* ``finite(params)``: True if every parameter is finite;
* ``trainer(params, held)``: the function ``step(batch, params, rate, skip)``
  that trains one mini-batch of ``(idx, vals, target)`` examples (see
  ``purenn.engines.reader``) and returns the new params; ``skip`` is True
  when the first layer's columns of inputs that are 0 in every example may
  be left alone (see ``purenn.engines``);
* ``predict(examples, params)``: the winning output of each ``(idx,
  vals)``.

A step must leave ``params`` as they were before it, or finished: a
KeyboardInterrupt must not find half a mini-batch's update.  A kernel that
changes ``params`` in place does it between ``held.begin()`` and
``held.end()`` (``deferred``).
"""
import contextlib
import fractions
import gc
import math
import platform
import signal

from purenn.engines.parallel import map_chunks
from purenn.engines.reader import Reader
from purenn.epochs import mini_batch_rate, run_epochs

_PYPY = platform.python_implementation() == "PyPy"

__all__ = ["train", "predict", "rate_of", "cached", "all_floats",
           "gc_paused", "sigint_held", "deferred", "readers", "KernelTrainer",
           "has_negative_zero"]


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector (the kernels make no cycles).

    A mini-batch allocates thousands of small tuples; on CPython each 700
    of them would start a collection that finds nothing, about a tenth of
    the time.  The callbacks of ``sgd`` run with the collector paused too;
    it is restored when training ends or stops.  Not on PyPy: there
    ``gc.disable()`` stops the major collections, and every object that
    lived through a minor one (some of every mini-batch's) would stay,
    hundreds of megabytes an epoch.
    """
    if _PYPY:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def sigint_held():
    """Hold Ctrl-C (SIGINT) back until the block ends.

    A KeyboardInterrupt in the middle of an update, or of an exchange with
    worker processes, would leave half of it done; held back, it arrives
    when the parameters are whole again.
    """
    if not hasattr(signal, "pthread_sigmask"):   # Windows: no signal masks
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Held:
    """Ctrl-C held back while a kernel changes its parameters in place.

    ``begin()`` before the change, ``end()`` after it.  While training runs
    in the main thread under Python's default SIGINT handler, ``deferred``
    puts a handler in its place that only notes a Ctrl-C arriving between
    ``begin()`` and ``end()`` and raises the KeyboardInterrupt at ``end()``:
    two attribute stores per mini-batch, where blocking the signal
    (``sigint_held``) costs two system calls.  Otherwise (another handler,
    another thread) ``begin``/``end`` block the signal.
    """

    def __init__(self):
        self.changing = False
        self.caught = False
        self.hold = None

    def _handler(self, signum, frame):
        if self.changing:
            self.caught = True
            return
        raise KeyboardInterrupt

    def begin(self):
        if self.hold is not None:
            self.hold.__enter__()
        self.changing = True

    def end(self):
        self.changing = False
        if self.hold is not None:
            self.hold.__exit__(None, None, None)
            self.hold = sigint_held()
        if self.caught:
            self.caught = False
            raise KeyboardInterrupt


@contextlib.contextmanager
def deferred():
    """Yield a ``_Held`` for one training run (see there)."""
    held = _Held()
    try:
        previous = signal.getsignal(signal.SIGINT)
    except ValueError:   # pragma: no cover - no signals here at all
        previous = None
    if previous is not signal.default_int_handler:
        held.hold = sigint_held()
        yield held
        return
    try:
        signal.signal(signal.SIGINT, held._handler)
    except ValueError:   # not the main thread
        held.hold = sigint_held()
        yield held
        return
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous)
        if held.caught:   # pragma: no cover - a Ctrl-C in the last moment
            raise KeyboardInterrupt


def cached(make):
    """Return ``kernel(layers)``: ``make(tuple(layers))``, once per shape."""
    made = {}

    def kernel(layers):
        key = tuple(layers)
        if key not in made:
            made[key] = make(key)
        return made[key]
    return kernel


def all_floats(net):
    """Return True if every weight and bias of ``net`` is a float."""
    for group in (net.w, net.b):
        for m in group[1:]:
            for row in m:
                for value in row:
                    if type(value) is not float:
                        return False
    return True


def rate_of(step_size, m):
    """Return step_size / m as the float the reference multiplies by, or
    None."""
    if isinstance(step_size, bool) or not isinstance(
            step_size, (int, float, fractions.Fraction)):
        return None
    try:
        # float * Fraction is float * float(Fraction) in Python.
        rate = float(mini_batch_rate(step_size, m))
    except OverflowError:
        return None
    if not math.isfinite(rate):
        return None
    return rate


def predict(kernel, reader, params, jobs=1):
    """Predict every example of ``reader`` (in ``jobs`` processes)."""
    def work(start, stop):
        return kernel.predict(reader.inputs(range(start, stop)), params)
    return map_chunks(work, len(reader.data), jobs)


def readers(net, training_data, test_data):
    """Return the training reader and the test reader (or None)."""
    reader = Reader(training_data, net.layers, keep=True)
    if test_data is None:
        return reader, None
    return reader, Reader(test_data, net.layers, keep=True)


class KernelTrainer:
    """A kernel's trainer for ``purenn.epochs.run_epochs``.

    Keeps the kernel's ``params``; ``step`` trains a mini-batch read by the
    training ``Reader``, ``store`` writes the params into ``net`` (with
    Ctrl-C held back: it must not find half a store), and the test data
    is predicted in ``jobs`` processes.
    """

    def __init__(self, kernel, net, run, jobs, held):
        self.kernel = kernel
        self.net = net
        self.step_size = run.step_size
        self.jobs = jobs
        self.reader, self.test_reader = readers(net, run.training_data,
                                                run.test_data)
        self.params = kernel.params_of(net)
        self.train = kernel.trainer(self.params, held)

    def step(self, indexes, following):
        rate = rate_of(self.step_size, len(indexes))
        self.params = self.train(self.reader.batch(indexes), self.params,
                                 rate, math.copysign(1.0, rate) > 0)

    def store(self):
        with sigint_held():
            self.kernel.store(self.net, self.params)

    def snapshot(self):
        return self.kernel.snapshot(self.params)

    def restore(self, snapshot):
        self.kernel.store(self.net, snapshot)

    def finite(self):
        return self.kernel.finite(self.params)

    def labels(self):
        return self.test_reader.labels()

    def predictions(self):
        return predict(self.kernel, self.test_reader, self.params,
                       jobs=self.jobs)


def train(kernel, net, run, jobs=1):
    """Train ``net`` as ``Network.sgd`` does, with ``kernel``'s arithmetic.

    ``run`` (a ``purenn.epochs.Run``) holds the arguments, history and
    callbacks of ``Network.sgd``; the caller has checked that ``kernel``
    takes this network and this step size.  The parameters are written
    back into ``net.w`` and ``net.b`` after every epoch (before
    ``on_epoch``) and before any exception leaves, holding the last
    finished mini-batch.  If an epoch ends with a non-finite parameter, it
    and the rest run by the reference (``purenn.epochs.fall_back``).
    ``jobs`` > 1 evaluates the test data in that many processes.
    """
    with gc_paused(), deferred() as held:
        return run_epochs(net, KernelTrainer(kernel, net, run, jobs, held),
                          run)


def has_negative_zero(columns):
    """Return True if a weight of the column-major first layer is -0.0."""
    copysign = math.copysign
    for column in columns:
        for w in column:
            if w == 0.0 and copysign(1.0, w) < 0:
                return True
    return False
