"""The ``reference`` engine: ``purenn.network``'s primer-shaped code itself.

Every other engine is held to its bits.  It is slow (every step builds the
primer's n x 1 columns), but it is the specification, and the one engine
that takes any numbers: Fractions and ints in the parameters give exact
rational arithmetic here.  ``jobs`` > 1 spreads predictions over processes
(``purenn.engines.parallel``); training and its evaluation run in
this process.

>>> from purenn.network import Network
>>> net = Network([2, 1], w=[[[1.0, -1.0]]], b=[[[0.0]]])
>>> predictions(net, [([1.0, 0.0], 0), ([0.0, 1.0], 0)])
[0, 0]
"""
from purenn.engines.parallel import map_chunks

__all__ = ["sgd", "predictions"]


def sgd(net, training_data, epochs, mini_batch_size, step_size,
        test_data=None, on_epoch=None, on_progress=None, jobs=1):
    """Train ``net`` with ``Network.sgd``, in this process, any ``jobs``."""
    return net.sgd(training_data, epochs, mini_batch_size, step_size,
                   test_data=test_data, on_epoch=on_epoch,
                   on_progress=on_progress)


def predictions(net, data, jobs=1):
    """Return ``net.predict(x)`` of every ``(x, y)``, in ``jobs`` processes."""
    def work(start, stop):
        return [net.predict(data[i][0]) for i in range(start, stop)]
    return map_chunks(work, len(data), jobs)
