"""Network: the primer's listing, checked against the primer and by hand."""
import copy
import random

import pytest

from purenn import Network, ModelError, ShapeError
from purenn.exact import normal_draws
from purenn.network import confusion_matrix
from purenn.primer import cost
from support import (PRIMER_PRINTED, assert_close, assert_same_bits,
                     relative_error)

# The primer's worked example (1 -> 1 -> 1) in the listing's b, w form.
EXAMPLE_B = [[[-0.14]], [[-0.11]]]
EXAMPLE_W = [[[1.58]], [[2.45]]]

# The primer's 2-3-2 demo, copied from its listing.
DEMO_B = [[[0.54001045], [0.75958375], [0.01870296]],
          [[-0.32783478], [0.06061246]]]
DEMO_W = [[[-0.11499179, 0.454649], [-0.65801895, 0.56618695],
           [-0.15686814, -0.87499479]],
          [[0.01071228, -0.49139708, -0.81775586],
           [-0.87455946, -0.08351883, -0.77534763]]]


def test_worked_example_through_network_to_the_last_digit():
    net = Network([1, 1, 1], b=EXAMPLE_B, w=EXAMPLE_W)
    net.feed_forward([0.8])
    got = {"z_l1": net.z[1][0][0], "a_l1": net.a[1][0][0],
           "z_l2": net.z[2][0][0], "a_l2": net.a[2][0][0],
           "original_cost": cost(net.a[2], [[1]])}
    net.propagate_backward([1], 0.1)
    got.update(dc_db_l2=net.dc_db[2][0][0], dc_dw_l2=net.dc_dw[2][0][0],
               dc_da_l1=net.dc_da[1][0][0], dc_db_l1=net.dc_db[1][0][0],
               dc_dw_l1=net.dc_dw[1][0][0], updated_b_l2=net.b[2][0][0],
               updated_w_l2=net.w[2][0][0], updated_b_l1=net.b[1][0][0],
               updated_w_l1=net.w[1][0][0])
    net.feed_forward([0.8])
    got.update(updated_z_l1=net.z[1][0][0], updated_a_l1=net.a[1][0][0],
               updated_z_l2=net.z[2][0][0], updated_a_l2=net.a[2][0][0],
               updated_cost=net.cost([0.8], [1]))
    # The primer's printed digits, compared by repr (tests/support.py).
    assert [(name, repr(got[name])) for name, _ in PRIMER_PRINTED] == \
        PRIMER_PRINTED


# Golden values for the 2-3-2 demo: an independent computation, the primer's
# own numpy listing (ported to Python 3: xrange -> range) run with numpy 2.4.6
# on CPython 3.11.7, 2026-11-26, printing n.a after feed_forward([0.8, 0.2])
# and n.b, n.w after propagate_backward([0, 1], 0.1).  numpy's dot may add in
# another order than purenn's left-to-right loop, so the two may differ in
# the last bit or two: 1e-15 is about 4 ulps of the largest value (0.87).
DEMO_A1 = [[0.6315673867677921], [0.585745767968723], [0.43001486345184614]]
DEMO_A2 = [[0.2767680516374988], [0.294409667503439]]
DEMO_B1 = [[0.5370138388568242], [0.7599472770415682], [0.01702787718854813]]
DEMO_W1 = [[-0.11738907891454071, 0.45404967777136485],
           [-0.6577281283667454, 0.5662596554083136],
           [-0.1582082062491615, -0.8753298065622904]]
DEMO_B2 = [[-0.33337477682095795], [0.07526987250180259]]
DEMO_W2 = [[0.007213398685085713, -0.49464210969243627, -0.8201381409764879],
           [-0.865302316289459, -0.07493331265769729, -0.7690447247644799]]


def test_demo_network_against_the_primer_listing():
    net = Network([2, 3, 2], b=DEMO_B, w=DEMO_W)
    output = net.feed_forward([0.8, 0.2])
    assert output is net.a[2]
    assert_close(net.a[1], DEMO_A1, 1e-15)
    assert_close(net.a[2], DEMO_A2, 1e-15)
    net.propagate_backward([0, 1], 0.1)
    assert_close(net.b[1], DEMO_B1, 1e-15)
    assert_close(net.w[1], DEMO_W1, 1e-15)
    assert_close(net.b[2], DEMO_B2, 1e-15)
    assert_close(net.w[2], DEMO_W2, 1e-15)


def test_demo_output_layer_by_hand():
    # dC/db for the output layer is sigma'(z) (a - y); with a = sigma(z),
    # sigma'(z) = a (1 - a).  Recompute it from the activations alone.
    net = Network([2, 3, 2], b=DEMO_B, w=DEMO_W)
    net.feed_forward([0.8, 0.2])
    a1 = [row[0] for row in net.a[1]]
    a2 = [row[0] for row in net.a[2]]
    y = [0, 1]
    delta = [a * (1 - a) * (a - t) for a, t in zip(a2, y)]
    net.propagate_backward(y, 0.1)
    assert_close(net.dc_db[2], [[d] for d in delta], 1e-16)
    assert_close(net.dc_dw[2], [[d * a for a in a1] for d in delta], 1e-16)
    assert_close(net.b[2], [[DEMO_B[1][j][0] - 0.1 * delta[j]]
                            for j in range(2)], 1e-16)


def _numeric_gradient(net, x, y, group, l, j, k, h=1e-4):
    params = net.w if group == "w" else net.b
    original = params[l][j][k]
    params[l][j][k] = original + h
    plus = net.cost(x, y)
    params[l][j][k] = original - h
    minus = net.cost(x, y)
    params[l][j][k] = original
    return (plus - minus) / (2 * h)


@pytest.mark.parametrize("layers", [[1, 1, 1], [2, 3, 2], [3, 4, 2],
                                    [4, 5, 3, 2], [5, 2], [3, 3, 3, 3, 3]])
def test_backprop_matches_central_differences(layers):
    rng = random.Random(sum(layers))
    net = Network(layers, seed=len(layers))
    x = [rng.uniform(0, 1) for _ in range(layers[0])]
    y = [rng.uniform(0, 1) for _ in range(layers[-1])]
    dc_db, dc_dw = net.gradients(x, y)
    worst = 0.0
    for l in range(1, len(layers)):
        for j in range(layers[l]):
            numeric = _numeric_gradient(net, x, y, "b", l, j, 0)
            worst = max(worst, _gradient_error(dc_db[l][j][0], numeric))
            for k in range(layers[l - 1]):
                numeric = _numeric_gradient(net, x, y, "w", l, j, k)
                worst = max(worst, _gradient_error(dc_dw[l][j][k], numeric))
    assert worst < 1e-6


def _gradient_error(analytic, numeric):
    # Central differences with h = 1e-4 err by about h^2/6 * C''' (~1e-9
    # relative here) plus rounding of about 2e-16 * C / h (~1e-12 absolute).
    # So the error is taken relative to at least 1e-6: a gradient smaller
    # than that must still agree to 1e-12 in absolute terms.
    return abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-6)


def test_gradients_change_nothing():
    net = Network([2, 3, 2], b=DEMO_B, w=DEMO_W)
    before = copy.deepcopy((net.b, net.w))
    net.gradients([0.8, 0.2], [0, 1])
    assert (net.b, net.w) == before


def test_zero_step_size_leaves_parameters_alone():
    net = Network([2, 3, 2], b=DEMO_B, w=DEMO_W)
    net.feed_forward([0.8, 0.2])
    net.propagate_backward([0, 1], 0.0)
    assert_same_bits(net.b[1:], DEMO_B)
    assert_same_bits(net.w[1:], DEMO_W)


def test_callers_lists_are_never_changed():
    b, w = copy.deepcopy(DEMO_B), copy.deepcopy(DEMO_W)
    net = Network([2, 3, 2], b=b, w=w)
    net.feed_forward([0.8, 0.2])
    net.propagate_backward([0, 1], 0.5)
    assert (b, w) == (DEMO_B, DEMO_W)


def test_label_targets_are_one_hot():
    by_label = Network([2, 3, 2], b=DEMO_B, w=DEMO_W)
    by_list = Network([2, 3, 2], b=DEMO_B, w=DEMO_W)
    by_label.feed_forward([0.8, 0.2])
    by_label.propagate_backward(1, 0.1)
    by_list.feed_forward([0.8, 0.2])
    by_list.propagate_backward([0.0, 1.0], 0.1)
    assert_same_bits(by_label.w, by_list.w)


def test_same_seed_same_bits_other_seed_other_bits():
    first = Network([4, 3, 2], seed=42)
    second = Network([4, 3, 2], seed=42)
    other = Network([4, 3, 2], seed=43)
    assert_same_bits(first.w[1:] + first.b[1:], second.w[1:] + second.b[1:])
    assert first.w[1:] != other.w[1:]


def test_random_initialisation_draws_biases_then_weights_per_layer():
    # Regression of the documented order: per layer, J biases, then the
    # J x K weights row by row, all from purenn.exact.normal_draws(
    # random.Random(seed)).
    draw = normal_draws(random.Random(3))
    draws = [next(draw) for _ in range(3 + 6 + 2 + 6)]
    net = Network([2, 3, 2], seed=3)
    assert [row[0] for row in net.b[1]] == draws[0:3]
    assert [v for row in net.w[1] for v in row] == draws[3:9]
    assert [row[0] for row in net.b[2]] == draws[9:11]
    assert [v for row in net.w[2] for v in row] == draws[11:17]


def test_global_random_generator_is_untouched():
    random.seed(1)
    expected = random.random()
    random.seed(1)
    Network([3, 4, 2]).sgd([([0.1, 0.2, 0.3], 1)] * 4, 2, 2, 1.0)
    assert random.random() == expected


@pytest.mark.parametrize("layers, b, w, message", [
    ([2, 3, 2], DEMO_B[:1], DEMO_W, r"b: expected 2 matrices"),
    ([2, 3, 2], DEMO_B, [DEMO_W[0], DEMO_W[0]],
     r"w\[1\] \(into layer 2\) has shape 3x2, expected 2x3"),
    ([2, 4, 2], DEMO_B, DEMO_W, r"b\[0\] \(into layer 1\) has shape 3x1, "
                                r"expected 4x1"),
    ([2], None, None, r"at least 2 layer sizes"),
    ([2, 0, 1], None, None, r"whole number >= 1"),
])
def test_shapes_are_checked_against_layers(layers, b, w, message):
    with pytest.raises(ModelError, match=message):
        Network(layers, b=b, w=w)


def test_wrong_input_size_is_a_shape_error():
    net = Network([2, 3, 2], b=DEMO_B, w=DEMO_W)
    with pytest.raises(ShapeError, match="got 3 inputs, the input layer has 2"):
        net.feed_forward([1, 2, 3])
    net.feed_forward([1, 2])
    with pytest.raises(ShapeError, match="y has 3 values"):
        net.propagate_backward([0, 1, 0], 0.1)


def test_predict_and_evaluate():
    net = Network([2, 3, 2], b=DEMO_B, w=DEMO_W)
    output = net.output([0.8, 0.2])
    assert net.predict([0.8, 0.2]) == output.index(max(output)) == 1
    data = [([0.8, 0.2], 1), ([0.8, 0.2], 0), ([0.8, 0.2], [0.0, 1.0])]
    assert net.predictions(data) == [1, 1, 1]
    assert net.evaluate(data) == 2
    assert relative_error(1.0, 1.0) == 0.0


def test_confusion_matrix_counts_by_true_and_predicted_label():
    labels = [0, 0, 1, 2, 2, 2]
    guesses = [0, 2, 1, 2, 0, 2]
    assert confusion_matrix(labels, guesses, classes=3) == \
        [[1, 0, 1], [0, 1, 0], [1, 0, 2]]
    with pytest.raises(ValueError, match="3 labels but 2 predictions"):
        confusion_matrix([0, 1, 2], [0, 1])
