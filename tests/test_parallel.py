"""Several processes, the same answers (``jobs`` > 1: purenn.engines.parallel
and purenn.engines.split).

Every test compares ``jobs`` > 1 with ``jobs=1`` on the same network and
data: the predictions (in order), the counts and every trained bit.
"""
import fractions
import multiprocessing
import random
import signal
import time

import pytest

from purenn import Network, ShapeError, engines
from purenn.engines import parallel, split
from support import assert_same_bits, random_examples

needs_fork = pytest.mark.skipif(not parallel.can_fork(),
                                reason="no fork start method here")


# (the digits fixture, 300 training and 101 test images, is conftest.py's)


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
    expected = engines.predictions(net, test)
    assert engines.predictions(net, test, jobs=jobs) == expected
    assert engines.predictions(net, list(test), jobs=jobs) == expected
    assert engines.evaluate(net, test, jobs=jobs) == net.evaluate(test)
    assert net.last_engine == engines.default_engine()
    assert no_workers_left()


def test_more_jobs_than_examples():
    net = Network([3, 4, 2], seed=2)
    data = [([1.0, 0.0, 0.5], 1), ([0.0, 0.25, 1.0], 0), ([2.0, 1.0, 0.0], 1)]
    assert engines.predictions(net, data, jobs=8) == [
        net.predict(x) for x, _ in data]
    assert no_workers_left()


def test_reference_only_networks_predict_the_same_with_several_jobs():
    # Fraction parameters: predictions go through the reference predict.
    net = Network([2, 2, 3], seed=1)
    net.w[1][0][0] = fractions.Fraction(1, 3)
    data = [([i / 4, 1 - i / 4], i % 3) for i in range(9)]
    expected = [net.predict(x) for x, _ in data]
    assert engines.predictions(net, data, jobs=2) == expected


def test_empty_data_and_bad_jobs():
    net = Network([3, 2, 2], seed=0)
    assert engines.predictions(net, [], jobs=2) == []
    for jobs in [0, -1, 1.5, True, "2"]:
        with pytest.raises(ValueError, match="jobs must be"):
            engines.predictions(net, [([1.0, 0.0, 1.0], 1)], jobs=jobs)


@needs_fork
def test_an_error_in_a_worker_is_raised_here_and_workers_are_gone():
    net = Network([3, 2, 2], seed=0)
    data = [([1.0, 0.0, 1.0], 1)] * 5 + [([1.0, 0.0], 1)]
    # the bad example is in the second chunk, predicted by another process
    with pytest.raises(ShapeError, match="got 2 inputs"):
        engines.predictions(net, data, jobs=2)
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
        with pytest.raises(KeyboardInterrupt, match="^$"):
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
    # 300 MNIST images; 13 hidden units: 7 rows in the worker, 6 here.  The
    # codegen engine (jobs=1) is held to the reference's bits in test_engines.
    training, test = digits
    one, two = Network([784, 13, 10], seed=4), Network([784, 13, 10], seed=4)
    expected = engines.sgd(one, training, 2, 10, 3.0, test_data=test,
                           engine="codegen")
    got = engines.sgd(two, training, 2, 10, 3.0, test_data=test, jobs=2,
                      engine="codegen")
    assert got == expected
    assert one.last_engine == two.last_engine == "codegen"
    assert [h["total"] for h in got] == [101, 101]
    assert_same_bits(two.w[1:], one.w[1:])
    assert_same_bits(two.b[1:], one.b[1:])
    assert two.to_json() == one.to_json()
    assert no_workers_left()


# -- training with the first layer's rows split between processes ----------
# (a layer over the codegen engine: loops, best on PyPy, trains in one
# process)

def train_split(layers, data, epochs, batch, eta, jobs, test_data=None,
                seed=7, **kwargs):
    """Train with ``jobs`` processes and with the reference; same bits."""
    split_net = Network(layers, seed=seed, **kwargs)
    reference = Network(layers, seed=seed, **kwargs)
    got = engines.sgd(split_net, data, epochs, batch, eta,
                      test_data=test_data, jobs=jobs, engine="codegen")
    expected = reference.sgd(data, epochs, batch, eta, test_data=test_data)
    assert got == expected
    assert split_net.last_engine == "codegen"
    assert_same_bits(split_net.w[1:], reference.w[1:])
    assert_same_bits(split_net.b[1:], reference.b[1:])
    assert no_workers_left()
    return got


@needs_fork
def test_split_rows_train_through_the_workers(monkeypatch):
    # The rows really are split: sgd starts a SplitTrainer's workers.
    calls = []
    real = split.SplitTrainer.start

    def spy(trainer):
        calls.append(trainer.net.layers)
        return real(trainer)
    monkeypatch.setattr(split.SplitTrainer, "start", spy)
    rng = random.Random(1)
    train_split([5, 3, 2], random_examples(rng, 9, 5, 2), 1, 4, 1.0, 2)
    assert calls == [[5, 3, 2]]
    assert split.can_split(Network([5, 3, 2]), 2)
    assert not split.can_split(Network([5, 3]), 2)      # no hidden layer
    assert not split.can_split(Network([5, 1, 2]), 2)   # one row
    assert not split.can_split(Network([5, 3, 2]), 1)


# (layers, jobs): rows split unevenly (5 rows: 3 + 2; 7 rows: 3 + 2 + 2),
# more jobs than rows (4 rows, 6 jobs), two and three hidden layers.
SPLITS = [([6, 5, 3, 4], 2), ([9, 7, 10], 3), ([3, 4, 2], 6),
          ([7, 2, 3, 2, 2], 2), ([4, 41, 3], 2)]


@pytest.mark.parametrize("layers, jobs", SPLITS, ids=str)
@pytest.mark.parametrize("labels", [True, False], ids=["labels", "lists"])
def test_split_training_gives_the_reference_bits(layers, jobs, labels):
    rng = random.Random(len(layers) * 100 + jobs)
    data = random_examples(rng, 23, layers[0], layers[-1], labels)
    test = random_examples(rng, 9, layers[0], layers[-1], labels)
    # 23 examples in mini-batches of 4: the last one has 3.
    train_split(layers, data, 3, 4, 3.0, jobs, test_data=test)


@pytest.mark.parametrize("eta", [0.0, -0.5, -0.0], ids=repr)
def test_split_training_negative_eta_and_negative_zero_weights(eta):
    rng = random.Random(11)
    data = random_examples(rng, 12, 4, 2, zeros=0.6)
    w = [[[-0.0, 0.5, -0.25, 1.0], [0.75, -0.0, -0.0, 2.0],
          [0.0, 1.0, 0.0, -1.0]],
         [[0.5, -0.5, 0.25], [-0.0, 1.0, 0.0]]]
    b = [[[0.0], [-0.0], [1.0]], [[0.25], [-0.0]]]
    train_split([4, 3, 2], data, 2, 5, eta, 2, w=w, b=b)
    train_split([4, 3, 2], data, 2, 5, 1.5, 3, w=w, b=b)


def test_split_training_falls_back_to_the_reference_on_overflow():
    data = [([0.0, 1e300], [1e300]), ([1.0, 0.0], [-1e300]),
            ([0.0, 1.0], [0.0])]
    train_split([2, 3, 1], data, 3, 1, 1e300, 2, seed=5)


def test_split_training_interrupted_leaves_the_last_finished_mini_batch():
    rng = random.Random(8)
    data = random_examples(rng, 30, 6, 2)
    states = {}
    for jobs in (1, 2):
        net = Network([6, 5, 2], seed=4)
        calls = []
        epochs = []

        def on_progress(done, total, calls=calls):
            calls.append((done, total))
            if len(calls) == 9:  # epoch 1, after its 4th mini-batch of 7
                raise KeyboardInterrupt

        def on_epoch(result, net=net, epochs=epochs):
            epochs.append((result, net.to_json()))
        with pytest.raises(KeyboardInterrupt, match="^$"):
            engines.sgd(net, data, 5, 7, 3.0, on_progress=on_progress,
                        on_epoch=on_epoch, jobs=jobs, engine="codegen")
        states[jobs] = (calls, epochs, net.to_json())
    assert states[2] == states[1]
    assert len(states[1][1]) == 1
    assert no_workers_left()


def test_read_ahead_gives_what_it_read_for_the_same_indexes_only():
    reads = []

    def read(indexes):
        reads.append(list(indexes))
        if 99 in indexes:
            raise ShapeError("bad example {}".format(indexes))
        return ("example {}".format(i) for i in indexes)
    ahead = split.ReadAhead(read)
    ahead.read([1, 2])
    assert ahead.take([1, 2]) == ["example 1", "example 2"]
    assert reads == [[1, 2]]            # read once, ahead
    assert ahead.take([1, 2]) == ["example 1", "example 2"]
    assert reads == [[1, 2], [1, 2]]    # taken once: read again
    ahead.read([3])
    assert ahead.take([4]) == ["example 4"]   # other indexes: read now
    ahead.read(None)
    assert ahead.take([5]) == ["example 5"]
    # A failed read ahead says nothing; the error comes from take.
    ahead.read([98, 99])
    with pytest.raises(ShapeError, match="bad example"):
        ahead.take([98, 99])


@needs_fork
def test_split_training_stops_at_a_bad_example_as_one_process_does():
    # Examples are read a mini-batch ahead with several jobs; a bad one must
    # still stop training where one process stops, with the same weights.
    rng = random.Random(9)
    data = random_examples(rng, 40, 6, 2)
    # 2 inputs, not 6: the 18th example of the first epoch's order, in its
    # 5th mini-batch of 4
    bad = Network([6, 5, 2], seed=4).epoch_order(40)[17]
    data[bad] = ([0.5, 0.5], 1)
    states = {}
    for jobs in (1, 2):
        net = Network([6, 5, 2], seed=4)
        progress = []
        with pytest.raises(ShapeError, match="got 2 inputs"):
            engines.sgd(net, data, 3, 4, 3.0, jobs=jobs, engine="codegen",
                        on_progress=lambda done, total: progress.append(done))
        states[jobs] = (progress, net.to_json())
    assert states[2] == states[1]
    assert states[1][0] == [4, 8, 12, 16]   # the 4 mini-batches before it
    assert no_workers_left()
