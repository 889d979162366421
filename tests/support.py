"""Helpers shared by the tests (imported as ``from support import ...``)."""
import contextlib
import importlib.util
import os
import struct
import threading
import zlib

import pytest

try:
    import tracemalloc
except ImportError:     # PyPy has no tracemalloc (no _tracemalloc module)
    tracemalloc = None

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_script(name):
    """Import scripts/NAME.py as a module named ``name`` and return it.

    The scripts are not a package, and tests must not depend on the working
    directory, so each is loaded from its path under ``REPO``; it is not put
    in ``sys.modules``.
    """
    path = os.path.join(REPO, "scripts", name + ".py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def serving(httpd):
    """Run ``httpd.serve_forever`` in a daemon thread; yield ``httpd``.

    On leaving, even by an exception, ``httpd.shutdown()`` waits for the loop
    to stop and ``httpd.server_close()`` closes its socket.  The thread is a
    daemon so that a server left running by a broken test cannot keep the
    interpreter alive.
    """
    thread = threading.Thread(target=httpd.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


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


# The 19 numbers the primer prints in its worked example (section "示例计算"
# of the primer, shared/reference/neural-networks-primer.zh.md in the
# project's records: 1 input -> 1 -> 1, a0 = 0.8, w1 = 1.58, b1 = -0.14,
# w2 = 2.45, b2 = -0.11, y = 1, step 0.1), copied from the text in the order
# it prints them, each with the name replay_worked_example() gives it.  The
# text shows repr digits, so the tests compare repr: to the last bit.
PRIMER_PRINTED = [
    ("z_l1", "1.124"),
    ("a_l1", "0.7547299213576082"),
    ("z_l2", "1.73908830732614"),
    ("a_l2", "0.850571226530534"),
    ("dc_db_l2", "-0.018992369482903983"),
    ("dc_dw_l2", "-0.014334109526226761"),
    ("dc_da_l1", "-0.04653130523311476"),
    ("updated_b_l2", "-0.1081007630517096"),
    ("updated_w_l2", "2.451433410952623"),
    ("dc_db_l1", "-0.008613534018377424"),
    ("dc_dw_l1", "-0.006890827214701939"),
    ("updated_b_l1", "-0.13913864659816227"),
    ("updated_w_l1", "1.5806890827214704"),
    ("updated_z_l1", "1.125412619579014"),
    ("updated_a_l1", "0.7549913210309638"),
    ("updated_z_l2", "1.7427101863028525"),
    ("updated_a_l2", "0.8510309824120517"),
    ("original_cost", "0.011164479170294499"),
    ("updated_cost", "0.011095884100559231"),
]


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


def decode_rgb_png(data):
    """A tiny independent decoder: check the file and return rows of RGB.

    Only what the writer promises: 8-bit RGB, no interlace, filter 0.
    """
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, []
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        crc, = struct.unpack(">I", data[offset + 8 + length:
                                        offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        offset += 12 + length
    assert offset == len(data)
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour, compression, filter_method, interlace = \
        struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, compression, filter_method, interlace) == \
        (8, 2, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks
                                   if kind == b"IDAT"))
    stride = 1 + 3 * width
    assert len(raw) == height * stride
    rows = []
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0
        rows.append([tuple(line[1 + 3 * x:4 + 3 * x]) for x in range(width)])
    return rows


def walk_floats(json_value, python_value, where="top"):
    if isinstance(python_value, dict):
        assert set(json_value) == set(python_value), where
        for key in python_value:
            yield from walk_floats(json_value[key], python_value[key],
                                   where + "." + key)
    elif isinstance(python_value, list):
        assert len(json_value) == len(python_value), where
        for index, (j, p) in enumerate(zip(json_value, python_value)):
            yield from walk_floats(j, p, "{}[{}]".format(where, index))
    else:
        yield where, json_value, python_value


def svg_texts(root):
    """The text of every <text> element of a parsed SVG."""
    tag = "{http://www.w3.org/2000/svg}text"
    return ["".join(node.itertext()) for node in root.iter(tag)]


def tiny_network():
    """A 4-3-1 network whose layer 1 is a weights picture worked by hand:
    4 inputs -> 2x2 tiles; 3 hidden neurons -> a 2x2 grid, one cell empty."""
    from purenn.network import Network
    w = [[-2.0, -1.0, 0.0, 1.0],
         [2.0, 0.5, -0.5, 0.0],
         [0.0, 0.0, 0.0, 0.0]]
    return Network([4, 3, 1], b=[[[0.0]] * 3, [[0.0]]],
                   w=[w, [[0.0, 0.0, 0.0]]])


# Tests that measure peak memory need tracemalloc, which PyPy lacks; what
# they measure is CPython's, and the behaviour they check is tested
# everywhere by their twins without the measurement.
needs_tracemalloc = pytest.mark.skipif(
    tracemalloc is None, reason="tracemalloc is CPython-only (not on PyPy)")


__all__ = ["REPO", "PRIMER_PRINTED", "assert_close", "assert_same_bits",
           "assert_same_network", "decode_rgb_png", "load_script",
           "needs_tracemalloc", "random_examples", "relative_error",
           "replay_worked_example", "serving", "svg_texts", "tiny_network",
           "tracemalloc", "walk_floats", "write_mnist"]
