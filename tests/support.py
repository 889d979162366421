"""Helpers shared by the tests (imported as ``from support import ...``)."""
import math
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _walk(actual, expected, path):
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)), (
            "at {}: expected a list, got {!r}".format(path or "top", actual))
        assert len(actual) == len(expected), (
            "at {}: length {} != expected {}".format(
                path or "top", len(actual), len(expected)))
        for index, (a, e) in enumerate(zip(actual, expected)):
            yield from _walk(a, e, "{}[{}]".format(path, index))
    else:
        yield path or "top", actual, expected


def assert_close(actual, expected, tolerance):
    """Assert nested lists agree within an absolute ``tolerance``.

    Reports the first index that differs, both values and the difference
    (pytest.approx does not take nested lists).
    """
    for where, a, e in _walk(actual, expected, ""):
        error = abs(a - e)
        assert error <= tolerance, (
            "at {}: {!r} != {!r} (error {:.3g} > {:.3g})".format(
                where, a, e, error, tolerance))


def assert_same_bits(actual, expected):
    """Assert nested lists hold the very same floats (repr, so -0.0 != 0.0)."""
    for where, a, e in _walk(actual, expected, ""):
        assert repr(a) == repr(e), "at {}: {!r} != {!r}".format(where, a, e)


def assert_same_network(actual, expected):
    """Assert two Networks hold the very same weights and biases."""
    assert_same_bits(actual.w[1:], expected.w[1:])
    assert_same_bits(actual.b[1:], expected.b[1:])


def random_examples(rng, count, inputs, outputs, labels=True, zeros=0.4):
    """(x, y) pairs: x with about ``zeros`` of its entries exactly 0."""
    examples = []
    for _ in range(count):
        x = [0.0 if rng.random() < zeros else rng.uniform(-1.0, 1.0)
             for _ in range(inputs)]
        if labels:
            y = rng.randrange(outputs)
        else:
            y = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(outputs)]
        examples.append((x, y))
    return examples


def write_mnist(directory, train_limit, test_limit):
    """Write the first images of the shipped MNIST as plain IDX files in
    ``directory`` (a pathlib.Path); return it as a str."""
    from purenn.io import mnist
    from purenn.io.idx import write_idx
    training, test = mnist.load(train_limit=train_limit,
                                test_limit=test_limit)
    for name, data in (("train", training), ("t10k", test)):
        write_idx(str(directory / (name + "-images-idx3-ubyte")),
                  data.images, shape=(len(data), 28, 28))
        write_idx(str(directory / (name + "-labels-idx1-ubyte")),
                  data.labels)
    return str(directory)


def relative_error(a, b):
    """|a - b| / max(|a|, |b|), 0 when both are 0."""
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


def replay_worked_example():
    """Return {name: value} of the primer's worked example, computed with
    purenn.primer's scalar functions in the primer's own order and names
    (1 input -> 1 -> 1, a0 = 0.8, w1 = 1.58, b1 = -0.14, w2 = 2.45,
    b2 = -0.11, y = 1, step 0.1)."""
    from purenn.primer import (sigmoid, raw_activation, dc_db, dc_dw,
                               dc_da_prev, cost)
    a_l0, w_l1, b_l1, w_l2, b_l2, y, step_size = (
        0.8, 1.58, -0.14, 2.45, -0.11, 1, 0.1)
    z_l1 = raw_activation(w_l1, a_l0, b_l1)
    a_l1 = sigmoid(z_l1)
    z_l2 = raw_activation(w_l2, a_l1, b_l2)
    a_l2 = sigmoid(z_l2)
    dc_da_l2 = a_l2 - y
    dc_db_l2 = dc_db(z_l2, dc_da_l2)
    dc_dw_l2 = dc_dw(a_l1, dc_db_l2)
    dc_da_l1 = dc_da_prev(w_l2, dc_db_l2)
    updated_b_l2 = b_l2 - dc_db_l2 * step_size
    updated_w_l2 = w_l2 - dc_dw_l2 * step_size
    dc_db_l1 = dc_db(z_l1, dc_da_l1)
    dc_dw_l1 = dc_dw(a_l0, dc_db_l1)
    updated_b_l1 = b_l1 - dc_db_l1 * step_size
    updated_w_l1 = w_l1 - dc_dw_l1 * step_size
    updated_z_l1 = raw_activation(updated_w_l1, a_l0, updated_b_l1)
    updated_a_l1 = sigmoid(updated_z_l1)
    updated_z_l2 = raw_activation(updated_w_l2, updated_a_l1, updated_b_l2)
    updated_a_l2 = sigmoid(updated_z_l2)
    original_cost = cost(a_l2, y)
    updated_cost = cost(updated_a_l2, y)
    return dict(locals())


__all__ = ["REPO", "assert_close", "assert_same_bits", "assert_same_network",
           "random_examples", "relative_error", "replay_worked_example",
           "write_mnist"]
