"""The fast training path: the reference arithmetic, bit for bit, sooner.

``Network.sgd`` and ``Network.predictions`` use this module unless called
with ``reference=True``.  It computes exactly what ``purenn.network`` computes
-- every weight, bias and per-epoch count has the same bits -- but with the
work laid out for CPython:

* flat tuples of floats instead of n x 1 column matrices;
* code generated once per network shape (``purenn.engines.codegen``), unrolled over
  the neurons so that every z, a and delta is a local variable;
* the first layer stored column-major, and only the non-zero inputs visited,
  in its forward pass and in its weight gradient (about 80% of MNIST's pixels
  are 0);
* MNIST ``Dataset`` images read straight from their raw bytes, a mini-batch
  at a time, with C-level ``itertools.compress``.

Why skipping zero inputs changes no bit.  For a finite weight w, ``w * 0.0``
is +0.0 or -0.0, and adding a zero of either sign to a non-zero partial sum
leaves it unchanged.  So a first-layer sum that skips them differs from the
reference's only when it is zero, and then at most in the sign of that zero:
z = total + b is then b itself, or a zero whose sign no sigmoid can see
(exp(-0.0) == exp(0.0)).  The weight-gradient sums start at +0.0 as in the
reference, and in round-to-nearest a sum is -0.0 only if both addends are,
so a sum of the skipped terms alone is exactly +0.0: the column's update
``w - rate * 0.0`` leaves every w as it was, sign of zero included, when
rate is +0.0 or positive (for a negative rate every column is updated).

One more sign of zero: the reference's gradient sums begin with 0.0, as in
``0.0 + d*x``, which turns a first product of -0.0 into +0.0.  Dropping
that addition (the generated ``update_first_lean``, one operation fewer
per first-layer weight and mini-batch) changes a sum only when it is a
zero, and then only its sign; ``w - rate * (+-0.0)`` is the same for every
w except -0.0.  A weight becomes -0.0 in a subtraction only if it was -0.0
before (in round-to-nearest, a - b is -0.0 only for a = -0.0, b = +0.0),
so when no first-layer weight is -0.0 at the start of ``sgd`` none ever
is, and the lean update is used; otherwise the exact one.

The promise holds while weights and deltas are finite (``inf * 0.0`` is a
NaN that a skipped term would not produce).  A non-finite value in either
always leaves a non-finite parameter behind, and those never become finite
again; so after each epoch the fast path checks that every parameter is
finite, and if not, it restores the parameters and the random state of the
start of that epoch and trains that epoch and the rest with the reference
path.  (``on_progress`` then sees that epoch twice.)

What goes through the fast path: float parameters (ints or Fractions in
``net.w``/``net.b`` would give the reference exact rational arithmetic, so
those networks use the reference), an ``eta`` that is a finite int, float or
Fraction, inputs and targets whose values ``float()`` maps to the value float
arithmetic would use (int, float, Fraction), and shapes whose unrolled code
stays below ``_codegen.MAX_TERMS`` multiply-adds.  Anything else trains with
the reference path.

>>> from purenn.network import Network
>>> net = Network([2, 2, 1], seed=1)
>>> data = [([0.0, 1.0], [1.0]), ([1.0, 0.0], [0.0])]
>>> twin = Network([2, 2, 1], seed=1)
>>> history = sgd(net, data, 3, 1, 2.0)
>>> _ = twin.sgd(data, 3, 1, 2.0, reference=True)
>>> net.to_json() == twin.to_json()
True
"""
import collections
import contextlib
import fractions
import gc
import itertools
import math
import multiprocessing
import numbers
import signal
import sys

from purenn.engines import codegen as _codegen, parallel
from purenn.network import target_column, _label

__all__ = ["sgd", "predictions", "supports"]

_compress = itertools.compress

# value / 255 for every pixel byte, the floats purenn.io.mnist gives.
_SCALE = tuple(value / 255 for value in range(256))

_compiled = {}


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector (this code makes no cycles).

    A mini-batch allocates thousands of small tuples; each 700 of them would
    start a collection that finds nothing, about a tenth of the time.  The
    callbacks of ``sgd`` run with the collector paused too; it is restored
    when training ends or stops.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _functions(layers):
    key = tuple(layers)
    if key not in _compiled:
        _compiled[key] = _codegen.build(key)
    return _compiled[key]


def _unrolled_terms(layers):
    # Whole numbers: builtin sum() is exact for ints on every version (only
    # its float arithmetic changed in 3.12).
    return sum(layers[l - 1] * layers[l] for l in range(2, len(layers)))


def _all_floats(net):
    for group in (net.w, net.b):
        for m in group[1:]:
            for row in m:
                for value in row:
                    if type(value) is not float:
                        return False
    return True


def _has_negative_zero(columns):
    """Return True if a weight of the column-major first layer is -0.0."""
    copysign = math.copysign
    for column in columns:
        for w in column:
            if w == 0.0 and copysign(1.0, w) < 0:
                return True
    return False


def _all_finite_params(params):
    isfinite = math.isfinite
    for part in params:
        for entry in part:
            if type(entry) is float:
                if not isfinite(entry):
                    return False
            elif not all(map(isfinite, entry)):
                return False
    return True


def supports(net):
    """Return True if ``net`` trains and predicts through the fast path.

    False for parameters that are not all floats, non-finite parameters and
    shapes too large to unroll; those use the reference path.
    """
    if _unrolled_terms(net.layers) > _codegen.MAX_TERMS:
        return False
    if not _all_floats(net):
        return False
    return _all_finite_params(_params_of(net))


def _params_of(net):
    """Return ``(W1, B1, W2, B2, ...)`` in the layout of ``_codegen``."""
    params = [[tuple(column) for column in zip(*net.w[1])],
              tuple(row[0] for row in net.b[1])]
    for l in range(2, net.num_layers):
        params.append([tuple(row) for row in net.w[l]])
        params.append(tuple(row[0] for row in net.b[l]))
    return tuple(params)


def _store(net, params):
    """Write ``params`` back into ``net.w`` and ``net.b`` (primer layout)."""
    net.w[1] = [list(row) for row in zip(*params[0])]
    net.b[1] = [[value] for value in params[1]]
    for l in range(2, net.num_layers):
        net.w[l] = [list(row) for row in params[2 * l - 2]]
        net.b[l] = [[value] for value in params[2 * l - 1]]


def _is_dataset(data, size):
    try:
        from purenn.io.mnist import Dataset
    except ImportError:  # pragma: no cover - mnist ships with purenn
        return False
    return isinstance(data, Dataset) and data.rows * data.cols == size


def _sparse(x, size, columns):
    """Return ``(idx, vals)``: where x is non-zero and those values."""
    if len(x) != size:
        from purenn.matrix import ShapeError
        raise ShapeError("feed_forward: got {} inputs, the input layer has "
                         "{} neurons".format(len(x), size))
    return list(_compress(columns, x)), list(map(float, _compress(x, x)))


class _Reader:
    """Turn examples of a data set into the ``(idx, vals[, target])`` the
    generated code takes.

    With ``keep=True`` an MNIST Dataset's non-zero pixels are found once:
    per image a tuple of their positions (shared int objects, about 1.2 kB)
    and the bytes of their values; a mini-batch then only looks up floats.
    """

    def __init__(self, data, layers, keep=False):
        self.data = data
        self.size = layers[0]
        self.outputs = layers[-1]
        # Prebuilt ints: compress() over a list hands out the same objects.
        self.columns = list(range(self.size))
        self.one_hot = []
        for label in range(self.outputs):
            target = [0.0] * self.outputs
            target[label] = 1.0
            self.one_hot.append(tuple(target))
        self.dataset = _is_dataset(data, self.size)
        self.kept = None
        if self.dataset and keep:
            self.kept = list(self._find_non_zero(range(len(data))))

    def _find_non_zero(self, indexes):
        """Yield ``(idx, values)`` of image ``i``'s non-zero pixels."""
        size, columns, images = self.size, self.columns, self.data.images
        for i in indexes:
            pixels = images[i * size:(i + 1) * size]
            # compress() keeps the columns whose pixel byte is not 0;
            # translate() deletes the zero bytes, leaving their values.
            yield (tuple(_compress(columns, pixels)),
                   pixels.translate(None, b"\0"))

    def target(self, y):
        if type(y) is int and 0 <= y < self.outputs:
            return self.one_hot[y]
        column = target_column(y, self.outputs)
        return tuple(float(row[0]) for row in column)

    def inputs(self, indexes):
        """Yield ``(idx, vals)`` for the examples at ``indexes``."""
        size, columns = self.size, self.columns
        if self.dataset:
            scale = _SCALE
            if self.kept is not None:
                found = map(self.kept.__getitem__, indexes)
            else:
                found = self._find_non_zero(indexes)
            for idx, values in found:
                yield idx, [scale[v] for v in values]
        else:
            data = self.data
            for i in indexes:
                yield _sparse(data[i][0], size, columns)

    def batch(self, indexes):
        """Return ``[(idx, vals, target), ...]`` for ``indexes``."""
        if self.dataset:
            labels, target = self.data.labels, self.target
            return [(idx, vals, target(labels[i])) for (idx, vals), i
                    in zip(self.inputs(indexes), indexes)]
        data, size, columns = self.data, self.size, self.columns
        out = []
        for i in indexes:
            x, y = data[i]
            idx, vals = _sparse(x, size, columns)
            out.append((idx, vals, self.target(y)))
        return out

    def labels(self):
        if self.dataset:
            return list(self.data.labels)
        return [_label(y) for _, y in self.data]


def _rate_of(eta, m):
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


def predictions(net, data, jobs=1):
    """Return ``net.predict(x)`` for every ``(x, y)`` of ``data``, fast.

    Falls back to the reference ``predict`` for networks ``supports``
    rejects.  ``jobs`` > 1 predicts ``jobs`` contiguous chunks of ``data``
    in as many worker processes (``purenn.engines.parallel``) and returns the same
    list, in the same order, as one process.
    """
    _check_jobs(jobs)
    if not supports(net):
        def work(start, stop):
            return [net.predict(data[i][0]) for i in range(start, stop)]
        if jobs == 1:
            return [net.predict(x) for x, _ in data]
        return parallel.map_chunks(work, len(data), jobs)
    return _predict(_Reader(data, net.layers), _params_of(net), jobs=jobs)


def _predict(reader, params, pause=True, jobs=1):
    """Predict every example of ``reader`` (in ``jobs`` processes)."""
    predict = _functions([reader.size] + [len(b) for b in params[1::2]])

    def work(start, stop):
        return predict["predict"](reader.inputs(range(start, stop)), params)

    if not pause:
        return parallel.map_chunks(work, len(reader.data), jobs)
    with _gc_paused():
        return parallel.map_chunks(work, len(reader.data), jobs)


def _check_jobs(jobs):
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError("jobs must be a whole number >= 1, got {!r}".format(
            jobs))


def sgd(net, training_data, epochs, mini_batch_size, eta, test_data=None,
        on_epoch=None, on_progress=None, jobs=1):
    """Train ``net`` as ``Network.sgd(..., reference=True)`` does, faster.

    Same arguments, history and callbacks as ``Network.sgd``; the parameters
    are written back into ``net.w`` and ``net.b`` after every epoch (before
    ``on_epoch``) and before any exception leaves, holding the last finished
    mini-batch.  ``jobs`` > 1 splits the first layer's rows (hidden units)
    between ``jobs`` processes (see "training with the first layer's rows
    split" below; networks without a hidden layer or with one hidden unit
    train in this process) and evaluates ``test_data`` after each epoch in
    ``jobs`` processes (see ``predictions``); the bits are the same.
    """
    _check_jobs(jobs)
    n = len(training_data)
    # eta / 1 is the largest rate any mini-batch can have.
    if not supports(net) or _rate_of(eta, 1) is None:
        return _reference_epochs(net, training_data, 0, epochs,
                                 mini_batch_size, eta, test_data, on_epoch,
                                 on_progress, [])
    train_batch = _functions(net.layers)["train_batch"]
    reader = _Reader(training_data, net.layers, keep=True)
    test_reader = test_labels = None
    if test_data is not None:
        test_reader = _Reader(test_data, net.layers, keep=True)
        test_labels = test_reader.labels()
    with _gc_paused():
        if _can_split(net, jobs):
            return _split_epochs(net, training_data, epochs, mini_batch_size,
                                 eta, test_data, on_epoch, on_progress,
                                 reader, test_reader, test_labels, jobs)
        return _fast_epochs(net, training_data, epochs, mini_batch_size, eta,
                            test_data, on_epoch, on_progress, reader,
                            test_reader, test_labels, train_batch, jobs)


def _end_epoch(epoch, params, test_reader, test_labels, jobs, history,
               on_epoch):
    """Evaluate (with test data), record the epoch's result, call on_epoch."""
    result = {"epoch": epoch, "correct": None, "total": None}
    if test_reader is not None:
        guesses = _predict(test_reader, params, pause=False, jobs=jobs)
        result["correct"] = len([1 for guess, label
                                 in zip(guesses, test_labels)
                                 if guess == label])
        result["total"] = len(test_labels)
    history.append(result)
    if on_epoch is not None:
        on_epoch(result)


def _fast_epochs(net, training_data, epochs, mini_batch_size, eta, test_data,
                 on_epoch, on_progress, reader, test_reader, test_labels,
                 train_batch, jobs=1):
    n = len(training_data)
    history = []
    params = _params_of(net)
    # No -0.0 in the first layer now means none ever (module docstring).
    lean = not _has_negative_zero(params[0])
    for epoch in range(epochs):
        shuffle_state = net.shuffle_state()
        start_params = params
        order = net.epoch_order(n)
        try:
            for start in range(0, n, mini_batch_size):
                indexes = order[start:start + mini_batch_size]
                rate = _rate_of(eta, len(indexes))
                params = train_batch(reader.batch(indexes), params, rate,
                                     math.copysign(1.0, rate) > 0, lean)
                if on_progress is not None:
                    on_progress(min(start + mini_batch_size, n), n)
        finally:
            with _sigint_held():   # a Ctrl-C must not find half a store
                _store(net, params)
        if not _all_finite_params(params):
            # See the module docstring: redo this epoch by the reference.
            _store(net, start_params)
            net.set_shuffle_state(shuffle_state)
            return _reference_epochs(net, training_data, epoch, epochs,
                                     mini_batch_size, eta, test_data,
                                     on_epoch, on_progress, history)
        _end_epoch(epoch, params, test_reader, test_labels, jobs, history,
                   on_epoch)
    return history


# -- training with the first layer's rows split between processes -----------
#
# The weights of a mini-batch are fixed until its update, so the first
# layer's rows (hidden units) can live in different processes: each process
# computes its rows' a1 for every example of the mini-batch (``first_layer``,
# the same sums as ``train_batch``), this process puts the rows together and
# runs the layers after the first (``train_rest``), which gives the first
# layer's deltas; each process then updates its own rows with them
# (``update_first``, again the same sums).  Every row's arithmetic is
# unchanged, so every bit is.  One message goes to each worker per
# mini-batch (the deltas of the previous mini-batch with the indexes of this
# one and of the next) and one comes back (its rows' a1).  The workers read
# the examples from this process's memory, inherited at the fork, the next
# mini-batch's while this process runs the later layers (``_ReadAhead``).

_split_state = None


def _can_split(net, jobs):
    return (jobs > 1 and net.num_layers > 2 and net.layers[1] > 1
            and parallel.can_fork())


# This process's share of rows, relative to a worker's: it also reads the
# examples, runs the later layers and talks to the workers.
_OWN_SHARE = 1.0


def _row_bounds(width, jobs):
    """Return the ``(lo, hi)`` rows of each worker, this process's last.

    At most ``width`` processes, each with at least one row; this process
    gets about ``_OWN_SHARE`` of a worker's rows.
    """
    count = min(width, jobs)
    own = max(1, int(round(width * _OWN_SHARE / (count - 1 + _OWN_SHARE))))
    own = min(own, width - (count - 1))
    bounds = parallel.chunks(width - own, count - 1)
    return bounds + [(width - own, width)]


def _rows_of(params, lo, hi):
    """Return rows lo..hi-1 of the first layer as ``(W1, B1)``."""
    return [column[lo:hi] for column in params[0]], params[1][lo:hi]


def _join_rows(parts):
    """Put the ``(W1, B1)`` of consecutive rows back together."""
    columns = [()] * len(parts[0][0])
    biases = ()
    for w, b in parts:
        columns = [left + right for left, right in zip(columns, w)]
        biases += b
    return columns, biases


_consume = collections.deque(maxlen=0).extend


def _update_own(space, own, inputs, deltas, rate, skip, lean):
    """Update rows ``own = (W1, B1)`` as ``train_batch`` does its first layer.

    ``inputs`` are the mini-batch's ``(idx, vals)``, ``deltas`` the rows'
    deltas of each example.
    """
    w, b = own
    touched = collections.defaultdict(list)
    append = list.append
    for (idx, vals), delta in zip(inputs, deltas):
        _consume(map(append, map(touched.__getitem__, idx),
                     zip(itertools.repeat(delta), vals)))
    w = space["update_first_lean" if lean else "update_first"](
        w, touched, rate, skip)
    # g1_j = 0.0; g1_j += d1_j example after example, as train_batch.
    sums = [0.0] * len(b)
    for delta in deltas:
        sums = [total + d for total, d in zip(sums, delta)]
    return w, tuple(bias - rate * total for bias, total in zip(b, sums))


def _row_worker(conn, lo, hi):
    """Own rows lo..hi-1: answer each message until None arrives.

    A message is ``(deltas, rate, skip, lean, indexes, send_rows,
    next_indexes)``: update the rows with the previous mini-batch's deltas
    (if any), then send either the a1 of the examples at ``indexes`` or the
    rows.  After replying, while the parent runs the later layers, read the
    examples at ``next_indexes`` (the next mini-batch's, if known) ahead.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    reader, params = _split_state
    own = _rows_of(params, lo, hi)
    space = _functions([reader.size, hi - lo])
    inputs = None
    ahead = _ReadAhead(reader.inputs)
    while True:
        message = conn.recv()
        if message is None:
            return
        deltas, rate, skip, lean, indexes, send_rows, next_indexes = message
        try:
            if deltas is not None:
                own = _update_own(space, own, inputs, deltas, rate, skip,
                                  lean)
            if indexes is not None:
                inputs = ahead.take(indexes)
                conn.send(space["first_layer"](inputs, own))
            elif send_rows:
                conn.send(own)
        except Exception as error:  # sent back and raised by the parent
            conn.send(error)
        ahead.read(next_indexes)


class _ReadAhead:
    """Read the next mini-batch's examples early, while waiting anyway.

    ``read(indexes)`` reads them now, into a list; ``take(indexes)``
    returns what was read for the very same indexes, or reads them now.
    A failed early read is forgotten, so that the error comes from
    ``take``, at the moment it would come without reading ahead.
    """

    def __init__(self, read):
        self._read = read
        self._indexes = self._examples = None

    def read(self, indexes):
        self._indexes = self._examples = None
        if indexes is None:
            return
        try:
            self._examples = list(self._read(indexes))
        except Exception:
            return
        self._indexes = indexes

    def take(self, indexes):
        if self._indexes == indexes:
            examples = self._examples
        else:
            examples = list(self._read(indexes))
        self._indexes = self._examples = None
        return examples


@contextlib.contextmanager
def _sigint_held():
    """Hold Ctrl-C (SIGINT) back until the block ends.

    A KeyboardInterrupt in the middle of an exchange with the workers would
    leave a message half read; held back, it arrives between mini-batches,
    when every process agrees on the parameters.
    """
    if not hasattr(signal, "pthread_sigmask"):   # Windows: no signal masks
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _split_epochs(net, training_data, epochs, mini_batch_size, eta,
                  test_data, on_epoch, on_progress, reader, test_reader,
                  test_labels, jobs):
    global _split_state
    n = len(training_data)
    history = []
    params = _params_of(net)
    lean = not _has_negative_zero(params[0])
    bounds = _row_bounds(net.layers[1], jobs)
    lo, hi = bounds[-1]
    for rows in bounds:
        _functions([reader.size, rows[1] - rows[0]])  # compiled before forking
    space = _functions([reader.size, hi - lo])
    train_rest = _functions(net.layers)["train_rest"]
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    context = multiprocessing.get_context("fork")
    workers = []
    _split_state = (reader, params)
    # own rows, later layers, the last mini-batch's (inputs, deltas, rate,
    # skip) not yet applied to the rows, workers owing an a1 reply
    state = {"own": _rows_of(params, lo, hi), "rest": params[2:],
             "pending": None, "owing": []}

    def apply_pending(send_rows, indexes=None, next_indexes=None):
        pending = state["pending"]
        message = [None, None, None, lean, indexes, send_rows, next_indexes]
        if pending is not None:
            inputs, deltas, rate, skip = pending
            message[1:3] = rate, skip
        for conn, (w_lo, w_hi) in zip(conns, bounds):
            if pending is not None:
                message[0] = [delta[w_lo:w_hi] for delta in deltas]
            conn.send(tuple(message))
        state["owing"] = list(conns)
        if pending is not None:
            state["own"] = _update_own(
                space, state["own"], inputs,
                [delta[lo:hi] for delta in deltas], rate, skip, lean)
            state["pending"] = None

    def receive_all():
        """Receive every worker's reply; raise the first error among them."""
        parts = []
        for conn in conns:
            parts.append(conn.recv())
            state["owing"].remove(conn)
        for part in parts:
            if isinstance(part, BaseException):
                raise part
        return parts

    def gather():
        """Return all parameters, every row updated."""
        for conn in list(state["owing"]):
            conn.recv()
            state["owing"].remove(conn)
        apply_pending(True)
        parts = receive_all()
        w1, b1 = _join_rows(parts + [state["own"]])
        return (w1, b1) + tuple(state["rest"])

    conns = []
    ahead = _ReadAhead(reader.batch)
    try:
        try:
            for w_lo, w_hi in bounds[:-1]:
                parent_end, child_end = context.Pipe()
                process = context.Process(target=_row_worker,
                                          args=(child_end, w_lo, w_hi))
                process.daemon = True
                process.start()
                child_end.close()
                workers.append(process)
                conns.append(parent_end)
        finally:
            _split_state = None
        for epoch in range(epochs):
            shuffle_state = net.shuffle_state()
            start_params = params
            order = net.epoch_order(n)
            try:
                for start in range(0, n, mini_batch_size):
                    indexes = order[start:start + mini_batch_size]
                    following = start + mini_batch_size
                    next_indexes = order[following:following
                                         + mini_batch_size] or None
                    rate = _rate_of(eta, len(indexes))
                    skip = math.copysign(1.0, rate) > 0
                    # read (and check) the examples before any message
                    batch = ahead.take(indexes)
                    inputs = [(idx, vals) for idx, vals, _ in batch]
                    with _sigint_held():
                        apply_pending(False, indexes, next_indexes)
                        a_own = space["first_layer"](inputs, state["own"])
                        # the worker is usually still busy: read ahead
                        ahead.read(next_indexes)
                        parts = receive_all()
                        parts.append(a_own)
                        a1 = [_joined(rows) for rows in zip(*parts)]
                        deltas, rest = train_rest(
                            [(a, t) for a, (_, _, t) in zip(a1, batch)],
                            state["rest"], rate)
                        state["rest"] = rest
                        state["pending"] = (inputs, deltas, rate, skip)
                    if on_progress is not None:
                        on_progress(min(start + mini_batch_size, n), n)
            finally:
                # Store inside the hold too: a Ctrl-C that arrives while
                # the rows are gathered is raised as the hold ends, and must
                # find net.w / net.b already holding those rows.
                with _sigint_held():
                    params = gather()
                    _store(net, params)
            if not _all_finite_params(params):
                _store(net, start_params)
                net.set_shuffle_state(shuffle_state)
                return _reference_epochs(net, training_data, epoch, epochs,
                                         mini_batch_size, eta, test_data,
                                         on_epoch, on_progress, history)
            _end_epoch(epoch, params, test_reader, test_labels, jobs,
                       history, on_epoch)
        return history
    finally:
        for conn in conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for process in workers:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join()
        for conn in conns:
            conn.close()


def _joined(parts):
    """Concatenate tuples, left to right."""
    out = ()
    for part in parts:
        out += part
    return out


def _reference_epochs(net, training_data, first, epochs, mini_batch_size,
                      eta, test_data, on_epoch, on_progress, history):
    """Train epochs ``first``..``epochs-1`` with the reference path."""
    def shifted(result):
        result["epoch"] += first
        history.append(result)
        if on_epoch is not None:
            on_epoch(result)

    net.sgd(training_data, epochs - first, mini_batch_size, eta,
            test_data=test_data, on_epoch=shifted, on_progress=on_progress,
            reference=True)
    return history
