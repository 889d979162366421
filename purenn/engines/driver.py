"""The epochs around an engine's kernel: shuffling, callbacks, fall-backs.

An engine's *kernel* runs the arithmetic of one mini-batch or of a forward
pass for one network shape, on parameters in its own layout.  Everything
else ``Network.sgd`` does -- the epoch order, the mini-batches, the
callbacks, the evaluation after each epoch, writing the parameters back
into ``net.w``/``net.b`` -- happens here, the same for every kernel, so the
kernels only have to get the arithmetic right.

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
import collections
import contextlib
import fractions
import gc
import math
import platform
import signal

from purenn.engines.parallel import map_chunks
from purenn.engines.reader import Reader

_PYPY = platform.python_implementation() == "PyPy"

__all__ = ["train", "predict", "rate_of", "cached", "all_floats",
           "gc_paused", "sigint_held", "finish_epoch", "reference_epochs",
           "has_negative_zero", "Run"]


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


def rate_of(eta, m):
    """Return eta / m as the float the reference multiplies by, or None."""
    if isinstance(eta, bool) or not isinstance(
            eta, (int, float, fractions.Fraction)):
        return None
    try:
        # float * Fraction is float * float(Fraction) in Python.
        rate = float(eta / m)
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


class Run(collections.namedtuple(
        "Run", "training_data epochs mini_batch_size eta test_data on_epoch "
               "on_progress")):
    """The arguments of one ``sgd`` call, as they travel between the epoch
    loops of the engines (``train``, ``split.sgd``) and ``finish_epoch``."""
    __slots__ = ()


def finish_epoch(kernel, net, epoch, params, start_params, shuffle_state,
                 test_reader, jobs, history, run):
    """End epoch ``epoch`` of a fast run; return False if it was redone.

    ``params`` are already stored in ``net``.  If one is not finite, the
    parameters and the random state of the epoch's start come back and
    this epoch and the rest train by the reference (purenn.engines).
    Otherwise evaluate (with test data), record the result, call on_epoch.
    ``run`` is the call's ``Run``.
    """
    if not kernel.finite(params):
        kernel.store(net, start_params)
        net.set_shuffle_state(shuffle_state)
        reference_epochs(net, epoch, run, history)
        return False
    on_epoch = run.on_epoch
    result = {"epoch": epoch, "correct": None, "total": None}
    if test_reader is not None:
        labels = test_reader.labels()
        guesses = predict(kernel, test_reader, params, jobs=jobs)
        result["correct"] = len([1 for guess, label in zip(guesses, labels)
                                 if guess == label])
        result["total"] = len(labels)
    history.append(result)
    if on_epoch is not None:
        on_epoch(result)
    return True


def reference_epochs(net, first, run, history):
    """Train epochs ``first``.. of ``run`` (a ``Run``) by the reference,
    adding to ``history``."""
    on_epoch = run.on_epoch

    net.last_engine = "reference"   # what ran last (see purenn.engines.sgd)

    def shifted(result):
        result["epoch"] += first
        history.append(result)
        if on_epoch is not None:
            on_epoch(result)

    net.sgd(run.training_data, run.epochs - first, run.mini_batch_size,
            run.eta, test_data=run.test_data, on_epoch=shifted,
            on_progress=run.on_progress)
    return history


def readers(net, training_data, test_data):
    """Return the training reader and the test reader (or None)."""
    reader = Reader(training_data, net.layers, keep=True)
    if test_data is None:
        return reader, None
    return reader, Reader(test_data, net.layers, keep=True)


def train(kernel, net, training_data, epochs, mini_batch_size, eta,
          test_data=None, on_epoch=None, on_progress=None, jobs=1):
    """Train ``net`` as ``Network.sgd`` does, with ``kernel``'s arithmetic.

    Same arguments, history and callbacks as ``Network.sgd``; the caller
    has checked that ``kernel`` takes this network and this ``eta``.  The
    parameters are written back into ``net.w`` and ``net.b`` after every
    epoch (before ``on_epoch``) and before any exception leaves, holding
    the last finished mini-batch.  If an epoch ends with a non-finite
    parameter, its start is restored and it and the rest run by the
    reference (see ``purenn.engines``).  ``jobs`` > 1 evaluates
    ``test_data`` in that many processes.
    """
    reader, test_reader = readers(net, training_data, test_data)
    run = Run(training_data, epochs, mini_batch_size, eta, test_data,
              on_epoch, on_progress)
    n = len(training_data)
    history = []
    copysign = math.copysign
    with gc_paused(), deferred() as held:
        params = kernel.params_of(net)
        step = kernel.trainer(params, held)
        for epoch in range(epochs):
            shuffle_state = net.shuffle_state()
            start_params = kernel.snapshot(params)
            order = net.epoch_order(n)
            try:
                for start in range(0, n, mini_batch_size):
                    indexes = order[start:start + mini_batch_size]
                    rate = rate_of(eta, len(indexes))
                    params = step(reader.batch(indexes), params, rate,
                                  copysign(1.0, rate) > 0)
                    if on_progress is not None:
                        on_progress(min(start + mini_batch_size, n), n)
            finally:
                with sigint_held():   # a Ctrl-C must not find half a store
                    kernel.store(net, params)
            if not finish_epoch(kernel, net, epoch, params, start_params,
                                shuffle_state, test_reader, jobs, history,
                                run):
                break
    return history


def has_negative_zero(columns):
    """Return True if a weight of the column-major first layer is -0.0."""
    copysign = math.copysign
    for column in columns:
        for w in column:
            if w == 0.0 and copysign(1.0, w) < 0:
                return True
    return False
