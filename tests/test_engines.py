"""Every engine (purenn.engines) gives the reference's bits.

Every test trains or evaluates twice, once with ``Network.sgd`` (the
primer-shaped code of purenn.network, the specification) and once through
an engine, ``codegen`` or ``loops`` (the ``engine`` fixture), and compares
every weight and bias by repr (so 0.0 and -0.0, or two NaNs with other
signs, count as different) and every epoch's counts.
"""
import fractions
import hashlib
import os
import random
import signal
import traceback

import pytest

from purenn import Network, ShapeError, engines, epochs
from purenn.engines import codegen as _codegen, driver, unroll
from support import assert_same_network, random_examples

FAST = ["codegen", "loops"]


@pytest.fixture(params=FAST)
def engine(request):
    return request.param


def twins(layers, seed, **kwargs):
    return Network(layers, seed=seed, **kwargs), Network(layers, seed=seed,
                                                         **kwargs)


def train_both(engine, layers, data, epochs, batch, eta, test_data=None,
               seed=7, ran=None, **kwargs):
    """Train twins by ``engine`` and by the reference; assert the same bits
    and that ``ran`` (by default ``engine`` itself) is the engine that ran."""
    fast_net, reference = twins(layers, seed, **kwargs)
    got = engines.sgd(fast_net, data, epochs, batch, eta,
                      test_data=test_data, engine=engine)
    assert fast_net.last_engine == (ran or engine)
    expected = reference.sgd(data, epochs, batch, eta, test_data=test_data)
    assert got == expected
    assert_same_network(fast_net, reference)
    assert fast_net.to_json() == reference.to_json()
    return fast_net, got


# -- random small networks -------------------------------------------------

SHAPES = [
    [3, 4, 2],          # one hidden layer
    [6, 5, 3, 4],       # two hidden layers
    [5, 3],             # no hidden layer: the first layer is the output
    [2, 1, 1],          # one neuron per layer
    [9, 40, 10],        # wider than _group's 30: one input at a time
    [7, 2, 3, 2, 2],    # three hidden layers
    [5, 8, 3],          # loops: 5 first-layer rows at a time, then 3
]


@pytest.mark.parametrize("layers", SHAPES, ids=str)
@pytest.mark.parametrize("labels", [True, False], ids=["labels", "lists"])
def test_random_networks_train_to_the_same_bits(engine, layers, labels):
    rng = random.Random(sum_of(layers))
    data = random_examples(rng, 23, layers[0], layers[-1], labels)
    test = random_examples(rng, 9, layers[0], layers[-1], labels)
    # 23 examples in mini-batches of 4: the last one has 3.
    _, history = train_both(engine, layers, data, 3, 4, 3.0, test_data=test)
    assert [h["total"] for h in history] == [9, 9, 9]


def sum_of(values):
    total = 0
    for value in values:
        total += value
    return total


@pytest.mark.parametrize("batch", [1, 5, 23, 50])
def test_any_mini_batch_size(engine, batch):
    rng = random.Random(batch)
    data = random_examples(rng, 23, 8, 3)
    train_both(engine, [8, 6, 3], data, 2, batch, 1.5)


def test_dense_inputs_and_inputs_of_every_count_modulo_the_group(engine):
    # The first layer takes 4 inputs at a time, then the rest one by one:
    # inputs with 0..9 non-zero values cover every remainder.
    rng = random.Random(3)
    data = []
    for count in range(10):
        x = [0.0] * 9
        for k in rng.sample(range(9), count):
            x[k] = rng.uniform(-2.0, 2.0)
        data.append((x, count % 3))
    train_both(engine, [9, 5, 3], data, 4, 3, 2.0)
    train_both(engine, [9, 5, 3], [([1.5] * 9, 1)] * 6, 2, 4, 2.0)


def test_wide_layers_take_one_input_and_one_example_at_a_time(engine):
    # 121 hidden units: the first layer's forward pass takes one input per
    # statement and the second layer's update one example per statement
    # (_group(121) == 1); 130 hidden units before a second hidden layer.
    rng = random.Random(8)
    data = random_examples(rng, 7, 4, 2)
    train_both(engine, [4, 121, 2], data, 1, 3, 1.0)
    train_both(engine, [3, 2, 130, 2], random_examples(rng, 7, 3, 2), 1, 3,
               1.0)


def test_int_and_fraction_inputs_and_targets_are_float_arithmetic(engine):
    # The reference multiplies float weights by int or Fraction inputs, and
    # Python turns those into floats first: every engine does the same.
    data = [([1, 0, fractions.Fraction(1, 3)], [1, fractions.Fraction(2, 7)]),
            ([0, 2, 0], [0, 1]), ([fractions.Fraction(5, 2), 0, 1], 1)]
    train_both(engine, [3, 3, 2], data, 3, 2, 3.0)


@pytest.mark.parametrize("eta", [3, fractions.Fraction(7, 3), 0.0, -0.5,
                                 -0.0], ids=repr)
def test_eta_int_fraction_zero_and_negative(engine, eta):
    # A negative rate (and -0.0) would turn a -0.0 weight into +0.0 in the
    # reference even where the gradient is 0: every column is updated then.
    rng = random.Random(11)
    data = random_examples(rng, 12, 4, 2, zeros=0.6)
    w = [[[-0.0, 0.5, -0.25, 1.0], [0.75, -0.0, -0.0, 2.0]],
         [[0.5, -0.5], [-0.0, 1.0]]]
    b = [[[0.0], [-0.0]], [[0.25], [-0.0]]]
    train_both(engine, [4, 2, 2], data, 2, 5, eta, w=w, b=b)


def test_exp_overflow_gives_the_reference_zero(engine):
    # z far below -709.78: math.exp(-z) overflows, sigmoid is 0.0.
    w = [[[-1000.0, 2.0], [0.5, 800.0]], [[-900.0, 1.0]]]
    b = [[[0.0], [-1.0]], [[0.5]]]
    data = [([1.0, 0.0], [1.0]), ([0.0, -1.0], [0.0]), ([1.0, 1.0], [1.0])]
    train_both(engine, [2, 2, 1], data, 2, 2, 0.5, w=w, b=b)


def test_zero_pixels_skipped_and_signs_of_zero_kept(engine):
    # Weights and biases of exactly -0.0 and an all-zero input: the skipped
    # products are zeros whose sign no sum and no sigmoid can see.
    w = [[[-0.0, -0.0, 1.0], [0.0, -0.0, -0.0]], [[-0.0, -0.0]]]
    b = [[[-0.0], [0.0]], [[-0.0]]]
    data = [([0.0, 0.0, 0.0], [0.0]), ([0.0, -0.0, 0.0], [1.0]),
            ([0.0, 0.0, 1.0], [1.0])]
    train_both(engine, [3, 2, 1], data, 3, 2, 0.25, w=w, b=b)
    train_both(engine, [3, 2, 1], data, 3, 2, -0.25, w=w, b=b)


def test_lean_first_layer_sums_keep_the_bits_of_saturated_networks(engine):
    # Hidden units saturated to a = 1.0 have deltas of +-0.0, and negative
    # inputs make first products of -0.0: the lean update's sums are then
    # -0.0 where the reference's are +0.0.  No first-layer weight is -0.0
    # (some are +0.0), so every weight must still come out the same.
    w = [[[0.0, 900.0, 0.5], [700.0, 0.0, -800.0], [0.25, -0.5, 0.0]],
         [[0.5, -0.5, 1.0], [0.0, 1.0, -1.0]]]
    b = [[[0.0], [50.0], [-0.25]], [[0.25], [0.0]]]
    data = [([-1.0, 0.5, 0.0], 0), ([0.0, -2.0, -1.5], 1),
            ([0.75, 0.0, -0.5], 1), ([-0.25, -0.25, 0.0], 0)]
    net = Network([3, 3, 2], w=w, b=b)
    assert not _codegen.has_negative_zero(
        _codegen.kernel(net.layers).params_of(net)[0])
    train_both(engine, [3, 3, 2], data, 3, 2, 1.5, w=w, b=b)
    train_both(engine, [3, 3, 2], data, 2, 3, -1.5, w=w, b=b)


def test_lean_update_differs_only_for_negative_zero_weights():
    # One input touched once with a product of -0.0: the reference sum is
    # 0.0 + -0.0 = +0.0, the lean one -0.0.  w - 0.5 * sum is the same for
    # w = +0.0 and w = 0.75, but not for w = -0.0: why sgd checks for -0.0.
    space = _codegen.build([1, 2, 1])
    touched = {0: [((-0.0, -0.0), 2.0)]}
    exact = space["update_first"]([(0.0, 0.75)], touched, 0.5, True)
    lean = space["update_first_lean"]([(0.0, 0.75)], touched, 0.5, True)
    assert repr(exact) == repr(lean) == "[(0.0, 0.75)]"
    exact = space["update_first"]([(-0.0, 0.75)], touched, 0.5, True)
    lean = space["update_first_lean"]([(-0.0, 0.75)], touched, 0.5, True)
    assert (repr(exact), repr(lean)) == ("[(-0.0, 0.75)]", "[(0.0, 0.75)]")
    assert _codegen.has_negative_zero([(0.5, 0.0), (1.0, -0.0)])
    assert not _codegen.has_negative_zero([(0.5, 0.0), (1.0, -2.0)])


def test_inputs_touched_more_often_than_one_expression_sums(engine):
    # 40 hidden units sum up to 5 examples' gradients in one expression;
    # dense inputs in mini-batches of 12 and 9 take the longer branch
    # (5, then 4 at a time, then the rest one by one).
    rng = random.Random(5)
    data = random_examples(rng, 21, 5, 3, zeros=0.1)
    train_both(engine, [5, 40, 3], data, 2, 12, 1.0)
    w = Network([5, 40, 3], seed=7).w
    w[1][3][2] = -0.0   # the exact (not lean) update
    train_both(engine, [5, 40, 3], data, 2, 12, 1.0, w=w[1:])


def test_non_float_parameters_train_with_the_reference(engine):
    # Fraction parameters make the reference's arithmetic exact rationals;
    # the fast engines hand such networks to the reference.
    w = [[[fractions.Fraction(1, 2), 1]], [[2]]]
    b = [[[0]], [[fractions.Fraction(-1, 4)]]]
    net = Network([2, 1, 1], w=w, b=b)
    assert engines.choose(net, engine) == "reference"
    data = [([1, 0], [1]), ([0, 1], [0])]
    train_both(engine, [2, 1, 1], data, 2, 1, 1, w=w, b=b, ran="reference")


def test_overflowing_parameters_fall_back_and_match_nan_for_nan(
        engine, monkeypatch):
    # An absurd rate drives parameters to inf and NaN: where an engine
    # would skip inf * 0.0 (a NaN) it rewinds the epoch to the reference.
    rewound = []
    real = epochs.fall_back

    def spy(net, trainer, rewind, run):
        rewound.append(rewind.epoch)
        return real(net, trainer, rewind, run)
    monkeypatch.setattr(epochs, "fall_back", spy)
    data = [([0.0, 1e300], [1e300]), ([1.0, 0.0], [-1e300]),
            ([0.0, 1.0], [0.0])]
    # (seed 0: a network whose first epoch meets inf * 0.0; a regression
    # value of the initial weights, found by trying seeds)
    fast_net, reference = twins([2, 3, 1], 0)
    progress = []
    got = engines.sgd(fast_net, data, 3, 1, 1e300, engine=engine,
                      on_progress=lambda *done: progress.append(done))
    expected = reference.sgd(data, 3, 1, 1e300)
    assert rewound == [0]
    assert got == expected
    assert_same_network(fast_net, reference)
    assert fast_net.last_engine == "reference"   # the last epochs' engine
    assert engines.choose(fast_net, engine) == "reference"
    # epoch 0 twice (fast, then reference), then epochs 1 and 2
    assert len(progress) == 4 * 3


def sgd_with(engine, net, *args, **kwargs):
    """``Network.sgd`` itself for "reference", else ``engines.sgd``."""
    if engine == "reference":
        return net.sgd(*args, **kwargs)
    return engines.sgd(net, *args, engine=engine, **kwargs)


def test_every_epoch_calls_on_epoch_with_the_reference_parameters(engine):
    rng = random.Random(5)
    data = random_examples(rng, 20, 5, 3)
    seen = {"reference": [], engine: []}
    for name in seen:
        net = Network([5, 4, 3], seed=2)

        def on_epoch(result, net=net, name=name):
            seen[name].append((dict(result), net.to_json()))
        sgd_with(name, net, data, 3, 6, 2.0, test_data=data[:7],
                 on_epoch=on_epoch)
    assert seen[engine] == seen["reference"]
    assert [r["epoch"] for r, _ in seen["reference"]] == [0, 1, 2]


def test_interrupt_leaves_the_last_finished_mini_batch(engine):
    rng = random.Random(8)
    data = random_examples(rng, 30, 6, 2)
    states = {}
    for name in ("reference", engine):
        net = Network([6, 3, 2], seed=4)
        calls = []

        def on_progress(done, total, calls=calls):
            calls.append((done, total))
            if len(calls) == 9:  # epoch 1, after its 4th mini-batch of 7
                raise KeyboardInterrupt
        with pytest.raises(KeyboardInterrupt, match="^$"):
            sgd_with(name, net, data, 5, 7, 3.0, on_progress=on_progress)
        states[name] = (calls, net.to_json())
    assert states[engine] == states["reference"]
    calls = states["reference"][0]
    assert calls[:5] == [(7, 30), (14, 30), (21, 30), (28, 30), (30, 30)]


def test_an_engine_trains_again_after_an_interrupt(engine):
    # A loops step keeps sums between examples; an interrupted run must
    # leave none of them to the next one.
    rng = random.Random(4)
    data = random_examples(rng, 12, 5, 2)
    net, reference = twins([5, 4, 2], 3)

    def stop(done, total):
        if done == 8:
            raise KeyboardInterrupt
    for trained in (net, reference):
        with pytest.raises(KeyboardInterrupt, match="^$"):
            sgd_with(engine if trained is net else "reference", trained,
                     data, 2, 4, 1.0, on_progress=stop)
        sgd_with(engine if trained is net else "reference", trained, data,
                 2, 4, 1.0)
    assert_same_network(net, reference)


def test_predictions_are_predict(engine):
    rng = random.Random(9)
    for layers in SHAPES:
        net = Network(layers, seed=1)
        data = random_examples(rng, 15, layers[0], layers[-1])
        assert engines.predictions(net, data, engine=engine) == [
            net.predict(x) for x, _ in data]
    assert engines.evaluate(net, data, engine=engine) == net.evaluate(data)


def test_bad_examples_raise_as_the_reference(engine):
    net = Network([3, 2, 2], seed=0)
    for name in ("reference", engine):
        with pytest.raises(ShapeError, match="got 2 inputs"):
            sgd_with(name, net, [([1.0, 0.0], 1)], 1, 1, 1.0)
        with pytest.raises(ValueError, match="label 2 is out of range"):
            sgd_with(name, net, [([1.0, 0.0, 1.0], 2)], 1, 1, 1.0)
        with pytest.raises(ShapeError, match="y has 3 values"):
            sgd_with(name, net, [([1.0, 0.0, 1.0], [1, 0, 0])], 1, 1, 1.0)


def test_jobs_epochs_and_engine_are_refused_clearly():
    net = Network([3, 2, 2], seed=0)
    data = [([1.0, 0.0, 1.0], 1)]
    for engine in engines.ENGINES:
        with pytest.raises(ValueError, match="jobs must be"):
            sgd_with(engine, net, data, 1, 1, 1.0, jobs=0)
        with pytest.raises(ValueError, match="epochs must be"):
            sgd_with(engine, net, data, -1, 1, 1.0)
        with pytest.raises(ValueError, match="mini_batch_size must be"):
            sgd_with(engine, net, data, 1, 0, 1.0)
        with pytest.raises(ValueError, match="jobs must be"):
            engines.predictions(net, data, jobs=0, engine=engine)
    with pytest.raises(ValueError, match="jobs must be"):
        net.predictions(data, jobs=0)
    with pytest.raises(ValueError, match="engine must be one of auto, "
                       "reference, codegen, loops, got 'numpy'"):
        engines.sgd(net, data, 1, 1, 1.0, engine="numpy")


def test_auto_picks_loops_on_pypy_and_codegen_elsewhere(monkeypatch):
    net = Network([3, 2, 2], seed=0)
    for implementation, expected in (("PyPy", "loops"),
                                     ("CPython", "codegen")):
        monkeypatch.setattr(engines.platform, "python_implementation",
                            lambda: implementation)
        assert engines.choose(net) == expected
    net.w[1][0][0] = fractions.Fraction(1, 2)
    assert engines.choose(net) == "reference"


# -- real MNIST --------------------------------------------------------------

# (the digits fixture, 300 training and 101 test images, is conftest.py's)

def test_mnist_dataset_trains_to_the_same_bits(engine, digits):
    training, test = digits[0], digits[1][:100]
    net, history = train_both(engine, [784, 30, 10], training, 1, 10, 3.0,
                              test_data=test, seed=12)
    # The same run from a list of (x, y) pairs (the generic reader).
    listed = Network([784, 30, 10], seed=12)
    assert engines.sgd(listed, list(training), 1, 10, 3.0,
                       test_data=list(test), engine=engine) == history
    assert listed.last_engine == engine
    assert listed.to_json() == net.to_json()
    # Regression value pinned on 2026-12-03 with the portable initial
    # weights and correctly rounded exp of issue 17 (fast and reference paths
    # agreeing, CPython 3.11): CI checks every version gives these bits.
    digest = hashlib.sha256(net.to_json().encode("ascii")).hexdigest()
    assert (history, digest[:16]) == (
        [{"epoch": 0, "correct": 24, "total": 100}], "fd9aac32e54da1db")


def test_mnist_predictions_are_predict(engine, digits):
    test = digits[1][:100]
    net = Network([784, 16, 10], seed=3)
    assert engines.predictions(net, test, engine=engine) == [
        net.predict(x) for x, _ in test]
    assert engines.evaluate(net, test, engine=engine) == net.evaluate(
        list(test))
    assert net.last_engine == engine


# -- the generator -------------------------------------------------------------

def test_generated_code_is_cached_and_compiles_for_every_shape():
    for layers in SHAPES + [[784, 30, 10], [1, 1]]:
        space = _codegen.build(layers)
        assert callable(space["train_batch"]) and callable(space["predict"])
    assert _codegen.kernel([3, 4, 2]) is _codegen.kernel((3, 4, 2))


def test_tracebacks_show_the_generated_lines():
    space = _codegen.build([2, 1])
    params = ([(0.5,), (0.25,)], (0.0,))
    # (CPython: "can't multiply sequence ..."; PyPy: "... 'float' and 'str'")
    with pytest.raises(TypeError, match="multiply sequence|'str'") as caught:
        space["predict"]([([0, 1], [1.0, "2"])], params)
    bottom = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert bottom.filename == _codegen.filename([2, 1]) == \
        "<purenn.engines.codegen [2, 1]>"
    # the line itself, read back through linecache, as a traceback prints it
    assert bottom.line and bottom.line in _codegen.source([2, 1])


def test_generated_code_groups_inputs_and_keeps_hot_names_first():
    text = _codegen.source([784, 30, 10])
    assert "z1_0 = z1_0 + w0_0 * x0 + w1_0 * x1 + w2_0 * x2 + w3_0 * x3" \
        in text
    code = _codegen.build([784, 30, 10])["train_batch"].__code__
    # the first layer's inner loop reads locals numbered below 256
    for name in ["w3_29", "z1_29", "x3", "k3", "a1_29", "z2_9", "a2_9"]:
        assert code.co_varnames.index(name) < 256
    # and so do the whole forward pass of predict and the rows' update
    space = _codegen.build([784, 30, 10])
    assert space["predict"].__code__.co_varnames.index("a2_9") < 256
    assert space["update_w2"].__code__.co_nlocals < 256
    assert unroll._group(30) == 4 and unroll._group(100) == 1


def test_shapes_too_large_to_unroll_use_the_reference(engine, monkeypatch):
    # (only codegen unrolls: loops takes every shape)
    monkeypatch.setattr(_codegen, "MAX_TERMS", 5)
    net = Network([3, 2, 3], seed=0)
    assert engines.choose(net, engine) == (
        "reference" if engine == "codegen" else engine)
    data = [([1.0, 0.0, 1.0], 1), ([0.0, 1.0, 0.0], 2)]
    train_both(engine, [3, 2, 3], data, 2, 1, 1.0,
               ran="reference" if engine == "codegen" else engine)


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"),
                    reason="no POSIX signals here")
def test_a_ctrl_c_during_an_in_place_update_waits_for_its_end():
    # loops changes its parameters in place between held.begin() and
    # held.end(): a real SIGINT in between is raised at end(), not before.
    # Python's own Ctrl-C handler first: a process started in the
    # background of a non-interactive shell (as CI may be) ignores SIGINT.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _ctrl_c_during_an_in_place_update()
    finally:
        signal.signal(signal.SIGINT, before)


def _ctrl_c_during_an_in_place_update():
    with driver.deferred() as held:
        held.begin()
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):    # bytecodes, where Python runs handlers
            pass
        finished = True
        with pytest.raises(KeyboardInterrupt, match="^$"):
            held.end()
    assert finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
