"""Training with the first layer's rows split between processes.

A layer over the ``codegen`` engine (``purenn.engines.codegen``): the same
generated sums, with the first layer's rows (hidden units) spread over
worker processes, so every bit is the one process's.

The weights of a mini-batch are fixed until its update, so the first
layer's rows can live in different processes: each process computes its
rows' a1 for every example of the mini-batch (``first_layer``, the same
sums as ``train_batch``), this process puts the rows together and runs the
layers after the first (``train_rest``), which gives the first layer's
deltas; each process then updates its own rows with them
(``update_first``, again the same sums).  Every row's arithmetic is
unchanged, so every bit is.  One message goes to each worker per
mini-batch (the deltas of the previous mini-batch with the indexes of this
one and of the next) and one comes back (its rows' a1).  The workers read
the examples from this process's memory, inherited at the fork, the next
mini-batch's while this process runs the later layers (``ReadAhead``).

>>> row_bounds(13, 2)
[(0, 7), (7, 13)]
"""
import collections
import itertools
import math
import multiprocessing
import signal
import sys

from purenn.engines.codegen import kernel as codegen_kernel
from purenn.engines.parallel import can_fork, chunks
from purenn.engines.driver import (KernelTrainer, gc_paused,
                                   has_negative_zero, rate_of, sigint_held)
from purenn.epochs import run_epochs

__all__ = ["can_split", "sgd", "row_bounds", "ReadAhead", "RowMessage",
           "Pending", "SplitTrainer"]


class RowMessage(collections.namedtuple(
        "RowMessage", "deltas rate skip lean indexes send_rows next_indexes")):
    """What this process sends each worker, once per mini-batch.

    ``deltas`` (the worker's rows' deltas of each example of the previous
    mini-batch, or None), ``rate``, ``skip`` and ``lean`` update its rows as
    ``train_batch`` would; then it replies with the a1 of the examples at
    ``indexes`` or, with ``indexes`` None and ``send_rows``, with its rows,
    and reads the examples at ``next_indexes`` (or None) ahead.
    """
    __slots__ = ()


class Pending(collections.namedtuple("Pending", "inputs deltas rate skip")):
    """A mini-batch whose first-layer update is not yet applied to the rows:
    its ``(idx, vals)`` inputs, every row's deltas, its rate and skip."""
    __slots__ = ()


def can_split(net, jobs):
    """Return True if ``net`` can train with ``jobs`` processes this way."""
    return (jobs > 1 and net.num_layers > 2 and net.layers[1] > 1
            and can_fork())


# This process's share of rows, relative to a worker's: it also reads the
# examples, runs the later layers and talks to the workers.
_OWN_SHARE = 1.0


def row_bounds(width, jobs):
    """Return the ``(lo, hi)`` rows of each worker, this process's last.

    At most ``width`` processes, each with at least one row; this process
    gets about ``_OWN_SHARE`` of a worker's rows.
    """
    count = min(width, jobs)
    own = max(1, int(round(width * _OWN_SHARE / (count - 1 + _OWN_SHARE))))
    own = min(own, width - (count - 1))
    bounds = chunks(width - own, count - 1)
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


def _row_worker(conn, lo, hi, reader, params):
    """Own rows lo..hi-1 of ``params``: answer each message until None.

    A message is a ``RowMessage``: update the rows with the previous
    mini-batch's deltas (if any), then send either the a1 of the examples
    at ``indexes`` or the rows.  After replying, while the parent runs the
    later layers, read the examples at ``next_indexes`` (the next
    mini-batch's, if known) ahead.  ``reader`` and ``params`` come with the
    fork (the "fork" start method pickles no argument).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    own = _rows_of(params, lo, hi)
    space = _space([reader.size, hi - lo])
    inputs = None
    ahead = ReadAhead(reader.inputs)
    while True:
        message = conn.recv()
        if message is None:
            return
        try:
            if message.deltas is not None:
                own = _update_own(space, own, inputs, message.deltas,
                                  message.rate, message.skip, message.lean)
            if message.indexes is not None:
                inputs = ahead.take(message.indexes)
                conn.send(space["first_layer"](inputs, own))
            elif message.send_rows:
                conn.send(own)
        except Exception as error:  # sent back and raised by the parent
            conn.send(error)
        ahead.read(message.next_indexes)


class ReadAhead:
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


def sgd(net, run, jobs=2):
    """Train ``net`` as ``Network.sgd``, its first layer's rows split.

    ``run`` is the call's ``purenn.epochs.Run``.  The caller has checked
    ``can_split(net, jobs)`` and that the codegen engine takes ``net`` and
    the step size.  Test data is evaluated in ``jobs`` processes
    (``purenn.engines.parallel``).
    """
    with gc_paused():
        trainer = SplitTrainer(net, run, jobs)
        try:
            trainer.start()
            return run_epochs(net, trainer, run)
        finally:
            trainer.stop()


def _space(layers):
    return codegen_kernel(layers).space


class _Rows:
    """This process's side of the split: its own rows, the later layers,
    the workers' pipes and which of them still owe a reply.

    ``own`` is this process's ``(W1, B1)`` rows ``lo..hi-1`` (the last of
    ``bounds``), ``rest`` the parameters after the first layer, ``pending``
    the last mini-batch (a ``Pending``) not yet applied to the rows.
    """

    def __init__(self, space, params, bounds, lean):
        self.space = space
        self.bounds = bounds
        self.lo, self.hi = bounds[-1]
        self.lean = lean
        self.own = _rows_of(params, self.lo, self.hi)
        self.rest = params[2:]
        self.pending = None
        self.conns = []
        self.owing = []

    def apply_pending(self, send_rows, indexes=None, next_indexes=None):
        """Send every worker its message and apply ``pending`` here."""
        pending = self.pending
        message = RowMessage(None, None, None, self.lean, indexes, send_rows,
                             next_indexes)
        if pending is not None:
            message = message._replace(rate=pending.rate, skip=pending.skip)
        for conn, (w_lo, w_hi) in zip(self.conns, self.bounds):
            if pending is not None:
                message = message._replace(deltas=[
                    delta[w_lo:w_hi] for delta in pending.deltas])
            conn.send(message)
        self.owing = list(self.conns)
        if pending is not None:
            self.own = _update_own(
                self.space, self.own, pending.inputs,
                [delta[self.lo:self.hi] for delta in pending.deltas],
                pending.rate, pending.skip, self.lean)
            self.pending = None

    def receive_all(self):
        """Receive every worker's reply; raise the first error among them."""
        parts = []
        for conn in self.conns:
            parts.append(conn.recv())
            self.owing.remove(conn)
        for part in parts:
            if isinstance(part, BaseException):
                raise part
        return parts

    def gather(self):
        """Return all parameters, every row updated."""
        for conn in list(self.owing):
            conn.recv()
            self.owing.remove(conn)
        self.apply_pending(True)
        parts = self.receive_all()
        w1, b1 = _join_rows(parts + [self.own])
        return (w1, b1) + tuple(self.rest)


class SplitTrainer(KernelTrainer):
    """The codegen kernel's trainer with the first layer's rows split
    between this process and ``jobs - 1`` workers (the module docstring).

    ``start()`` forks the workers, ``stop()`` ends them; in between the
    epoch loop calls ``step`` and ``store`` as for one process.
    """

    def __init__(self, net, run, jobs):
        KernelTrainer.__init__(self, codegen_kernel(net.layers), net, run,
                               jobs, None)
        reader = self.reader
        self.bounds = row_bounds(net.layers[1], jobs)
        lo, hi = self.bounds[-1]
        for rows in self.bounds:
            _space([reader.size, rows[1] - rows[0]])  # compiled before forking
        self.space = _space([reader.size, hi - lo])
        self.train_rest = _space(net.layers)["train_rest"]
        self.rows = _Rows(self.space, self.params, self.bounds,
                          not has_negative_zero(self.params[0]))
        self.ahead = ReadAhead(reader.batch)
        self.workers = []

    def start(self):
        """Fork one worker for each share of rows but this process's."""
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        context = multiprocessing.get_context("fork")
        for w_lo, w_hi in self.bounds[:-1]:
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=_row_worker,
                args=(child_end, w_lo, w_hi, self.reader, self.params))
            process.daemon = True
            process.start()
            child_end.close()
            self.workers.append(process)
            self.rows.conns.append(parent_end)

    def step(self, indexes, next_indexes):
        rows, space = self.rows, self.space
        rate = rate_of(self.step_size, len(indexes))
        skip = math.copysign(1.0, rate) > 0
        # read (and check) the examples before any message
        batch = self.ahead.take(indexes)
        inputs = [(idx, vals) for idx, vals, _ in batch]
        with sigint_held():
            rows.apply_pending(False, indexes, next_indexes)
            a_own = space["first_layer"](inputs, rows.own)
            # the worker is usually still busy: read ahead
            self.ahead.read(next_indexes)
            parts = rows.receive_all()
            parts.append(a_own)
            a1 = [_joined(each) for each in zip(*parts)]
            deltas, rest = self.train_rest(
                [(a, t) for a, (_, _, t) in zip(a1, batch)], rows.rest, rate)
            rows.rest = rest
            rows.pending = Pending(inputs, deltas, rate, skip)

    def store(self):
        # Gather inside the hold too: a Ctrl-C that arrives while the rows
        # are gathered is raised as the hold ends, and must find net.w /
        # net.b already holding those rows.
        with sigint_held():
            self.params = self.rows.gather()
            self.kernel.store(self.net, self.params)

    def stop(self):
        """Tell every worker to end, and wait for it (or end it)."""
        conns = self.rows.conns
        for conn in conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for process in self.workers:
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


