"""Split a job into contiguous chunks and run them in several processes.

``purenn.engines`` uses this for ``predictions(net, data, jobs=N)``: the
examples ``0 .. n-1`` are cut into N contiguous chunks (``chunks``), each
chunk runs in a worker process, and the answers are put back together in
order, so the result is the list one process would return.  Nothing about
the arithmetic changes: each example is predicted by the same code, only in
another process.

Data passing: workers are started with the ``fork`` start method, so they
see the parent's memory as it was at the fork.  The work (a function of
``(start, stop)`` that closes over the network's parameters and the data
set) is put in a module-level variable just before the fork and read from
there by the workers; only the two ints of a chunk go to a worker and only
its list of answers comes back.  Where ``fork`` does not exist (Windows;
``multiprocessing`` offers only ``spawn`` there) the work runs in this
process instead, with the same result.

>>> chunks(10, 3)
[(0, 4), (4, 7), (7, 10)]
>>> map_chunks(lambda start, stop: list(range(start, stop)), 5, 2)
[0, 1, 2, 3, 4]
"""
import multiprocessing
import signal
import sys

__all__ = ["can_fork", "chunks", "map_chunks"]

# The function the workers run, set just before they are forked (see the
# module docstring) and cleared when they are gone.
_work = None


def can_fork():
    """Return True if worker processes can be started with ``fork``."""
    return "fork" in multiprocessing.get_all_start_methods()


def chunks(n, jobs):
    """Return ``[(start, stop), ...]``: ``0 .. n-1`` in contiguous chunks.

    At most ``jobs`` chunks, none empty, their sizes differing by at most
    one (the first ones are the longer ones).

    >>> chunks(5, 2)
    [(0, 3), (3, 5)]
    >>> chunks(2, 4)
    [(0, 1), (1, 2)]
    >>> chunks(0, 3)
    []
    """
    count = min(jobs, n)
    out = []
    start = 0
    for part in range(count):
        stop = start + n // count + (1 if part < n % count else 0)
        out.append((start, stop))
        start = stop
    return out


def _ignore_sigint():
    # Ctrl-C reaches the whole process group; the parent handles it (and
    # terminates the workers), the workers should not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(bounds):
    start, stop = bounds
    return _work(start, stop)


def map_chunks(work, n, jobs):
    """Return ``work(0, n)``, computed as ``work(start, stop)`` per chunk.

    ``work(start, stop)`` must return a list for the items ``start ..
    stop-1`` that depends on nothing but them (then the concatenation of
    the chunks' lists is ``work(0, n)``).  With ``jobs`` > 1, more than one
    item and ``fork`` available, the chunks run in ``jobs`` worker
    processes; otherwise ``work(0, n)`` runs here.  An exception from
    ``work`` in a worker is raised here; on any exception, KeyboardInterrupt
    included, the workers are terminated and joined before it leaves.
    """
    global _work
    bounds = chunks(n, jobs)
    if len(bounds) <= 1 or not can_fork():
        return work(0, n)
    # A forked worker flushes its copy of sys.stdout and sys.stderr when it
    # ends: anything still buffered here would come out twice.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    _work = work
    try:
        context = multiprocessing.get_context("fork")
        pool = context.Pool(len(bounds), initializer=_ignore_sigint)
        try:
            parts = pool.map(_run, bounds, chunksize=1)
            pool.close()
        finally:
            pool.terminate()
            pool.join()
    finally:
        _work = None
    out = []
    for part in parts:
        out.extend(part)
    return out
