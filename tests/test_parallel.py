"""Several processes, the same answers (purenn.parallel, ``jobs`` > 1).

Every test compares ``jobs`` > 1 with ``jobs=1`` on the same network and
data: the predictions (in order), the counts and every trained bit.
"""
import fractions
import multiprocessing
import signal
import time

import pytest

from purenn import Network, ShapeError, mnist, parallel
from support import assert_same_bits

needs_fork = pytest.mark.skipif(not parallel.can_fork(),
                                reason="no fork start method here")


@pytest.fixture(scope="module")
def digits():
    return mnist.load(train_limit=300, test_limit=101)


def no_workers_left():
    return multiprocessing.active_children() == []


@pytest.mark.parametrize("n", [0, 1, 2, 7, 10, 101])
@pytest.mark.parametrize("jobs", [1, 2, 3, 4])
def test_chunks_cover_everything_in_order_evenly(n, jobs):
    bounds = parallel.chunks(n, jobs)
    assert len(bounds) == min(n, jobs)
    flat = [i for start, stop in bounds for i in range(start, stop)]
    assert flat == list(range(n))
    sizes = [stop - start for start, stop in bounds]
    assert all(size >= 1 for size in sizes)
    assert max(sizes or [0]) - min(sizes or [0]) <= 1


@needs_fork
def test_work_runs_in_other_processes():
    import os
    parent = os.getpid()
    pids = parallel.map_chunks(lambda start, stop: [os.getpid()] * (
        stop - start), 4, 2)
    # (which worker takes which chunk is the pool's business: with chunks
    # this small one worker may take both)
    assert len(pids) == 4 and parent not in pids
    assert no_workers_left()


@pytest.mark.parametrize("jobs", [2, 3])
def test_mnist_predictions_are_the_same_with_several_jobs(digits, jobs):
    _, test = digits
    net = Network([784, 30, 10], seed=5)
    # 101 images: chunks of unequal length.
    expected = net.predictions(test)
    assert net.predictions(test, jobs=jobs) == expected
    assert net.predictions(list(test), jobs=jobs) == expected
    assert net.evaluate(test, jobs=jobs) == net.evaluate(test)
    assert no_workers_left()


def test_more_jobs_than_examples():
    net = Network([3, 4, 2], seed=2)
    data = [([1.0, 0.0, 0.5], 1), ([0.0, 0.25, 1.0], 0), ([2.0, 1.0, 0.0], 1)]
    assert net.predictions(data, jobs=8) == [net.predict(x) for x, _ in data]
    assert no_workers_left()


def test_reference_only_networks_predict_the_same_with_several_jobs():
    # Fraction parameters: predictions go through the reference predict.
    net = Network([2, 2, 3], seed=1)
    net.w[1][0][0] = fractions.Fraction(1, 3)
    data = [([i / 4, 1 - i / 4], i % 3) for i in range(9)]
    expected = [net.predict(x) for x, _ in data]
    assert net.predictions(data, jobs=2) == expected


def test_empty_data_and_bad_jobs():
    net = Network([3, 2, 2], seed=0)
    assert net.predictions([], jobs=2) == []
    for jobs in [0, -1, 1.5, True, "2"]:
        with pytest.raises(ValueError, match="jobs must be"):
            net.predictions([([1.0, 0.0, 1.0], 1)], jobs=jobs)


@needs_fork
def test_an_error_in_a_worker_is_raised_here_and_workers_are_gone():
    net = Network([3, 2, 2], seed=0)
    data = [([1.0, 0.0, 1.0], 1)] * 5 + [([1.0, 0.0], 1)]
    # the bad example is in the second chunk, predicted by another process
    with pytest.raises(ShapeError, match="got 2 inputs"):
        net.predictions(data, jobs=2)
    assert no_workers_left()


@needs_fork
def test_keyboard_interrupt_terminates_the_workers():
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    def slow(start, stop):
        time.sleep(60)
        return list(range(start, stop))

    # The timer is this process's only (a forked child has none); the
    # workers would sleep a minute if they were not terminated.
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            parallel.map_chunks(slow, 4, 2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert no_workers_left()
    assert parallel._work is None
    # not a timing assertion on purenn's speed: it only tells a terminated
    # worker from one that slept its minute out.
    assert time.monotonic() - started < 30


def test_training_with_several_jobs_gives_the_same_bits(digits):
    training, test = digits
    one, two = Network([784, 13, 10], seed=4), Network([784, 13, 10], seed=4)
    expected = one.sgd(training[:120], 2, 10, 3.0, test_data=test)
    got = two.sgd(training[:120], 2, 10, 3.0, test_data=test, jobs=2)
    assert got == expected
    assert [h["total"] for h in got] == [101, 101]
    assert_same_bits(two.w[1:], one.w[1:])
    assert two.to_json() == one.to_json()
    assert no_workers_left()
