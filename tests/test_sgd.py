"""network.py's mini-batch SGD: one step by hand, a mini-batch as the mean
of its examples' gradients, and network.py's shuffle (library tests; the
train command is tested in test_cli_train.py)."""
import random
from fractions import Fraction

import pytest

from purenn import Network, engines
from support import assert_same_bits


# -- SGD by hand ----------------------------------------------------------

def _tiny_network():
    # 1 -> 1 -> 1 with w1 = 0, b1 = 0, w2 = 1, b2 = -0.5: every z is 0 for
    # any input (z1 = 0*x + 0; z2 = 1 * sigmoid(0) - 0.5 = 0), so every a is
    # sigmoid(0) = 0.5 and sigmoid'(0) = 0.25, all exact in binary.
    return Network([1, 1, 1], b=[[[0.0]], [[-0.5]]], w=[[[0.0]], [[1.0]]])


# The same two examples and one step, derived by hand (the primer's
# equations; dC/da = a - y at the output):
#   example 1: x = 1, y = 1
#     delta2 = (0.5 - 1) * 0.25 = -0.125;  dC/dw2 = delta2 * a1 = -0.0625
#     dC/db2 = -0.125;  delta1 = w2 * delta2 * 0.25 = -0.03125
#     dC/dw1 = delta1 * x = -0.03125;  dC/db1 = -0.03125
#   example 2: x = -2, y = 0.25
#     delta2 = (0.5 - 0.25) * 0.25 = 0.0625;  dC/dw2 = 0.03125
#     dC/db2 = 0.0625;  delta1 = 0.015625
#     dC/dw1 = 0.015625 * -2 = -0.03125;  dC/db1 = 0.015625
#   sums: w2 -0.03125, b2 -0.0625, w1 -0.0625, b1 -0.015625
#   eta = 1, m = 2, so each parameter moves by -(1/2) * sum:
#     w2 = 1 + 0.015625 = 1.015625     b2 = -0.5 + 0.03125 = -0.46875
#     w1 = 0 + 0.03125 = 0.03125       b1 = 0 + 0.0078125 = 0.0078125
TWO_EXAMPLES = [([1.0], [1.0]), ([-2.0], [0.25])]
AFTER_ONE_STEP = ([[[0.03125]], [[1.015625]]],      # w1, w2
                  [[[0.0078125]], [[-0.46875]]])    # b1, b2


def test_update_mini_batch_by_hand():
    net = _tiny_network()
    net.update_mini_batch(TWO_EXAMPLES, 1.0)
    assert (net.weights, net.biases) == AFTER_ONE_STEP


@pytest.mark.parametrize("engine", ["Network.sgd", "auto", "reference",
                                    "codegen", "loops"])
def test_sgd_one_step_by_hand(engine):
    # One epoch, one mini-batch of both examples: the shuffle cannot change
    # the result (every term is exact, so the sum's order does not matter).
    net = _tiny_network()
    if engine == "Network.sgd":
        history = net.sgd(TWO_EXAMPLES, 1, 2, 1.0)
    else:
        history = engines.sgd(net, TWO_EXAMPLES, 1, 2, 1.0, engine=engine)
    assert history == [{"epoch": 0, "correct": None, "total": None}]
    assert (net.weights, net.biases) == AFTER_ONE_STEP


def _examples(rng, count, inputs, outputs):
    return [([rng.uniform(-1, 1) for _ in range(inputs)],
             rng.randrange(outputs)) for _ in range(count)]


def test_mini_batch_step_is_the_average_of_per_example_gradients():
    net = Network([3, 4, 2], seed=11)
    batch = _examples(random.Random(5), 4, 3, 2)
    eta = 0.75
    # Per-example gradients, each with the weights as they were before.
    grads = [net.gradients(x, y) for x, y in batch]
    before_w = [[list(row) for row in w] for w in net.weights]
    before_b = [[list(row) for row in b] for b in net.biases]
    net.update_mini_batch(batch, eta)

    # Exactly, in Fractions: w - (eta/m) * sum of the (float) gradients.
    # The float step rounds the running sum and the product, each to half
    # an ulp of values below 10: the 1e-14 absolute bound covers m + 2
    # roundings with room to spare, and is far below any real difference.
    m = len(batch)
    for l in range(1, 3):
        for kind, before, after in (("w", before_w, net.weights),
                                    ("b", before_b, net.biases)):
            index = 1 if kind == "w" else 0
            for j, row in enumerate(before[l - 1]):
                for k, value in enumerate(row):
                    total = Fraction(0)
                    for grad in grads:
                        total += Fraction(grad[index][l][j][k])
                    exact = Fraction(value) - Fraction(eta) / m * total
                    found = after[l - 1][j][k]
                    assert abs(Fraction(found) - exact) < Fraction(1, 10**14), \
                        (kind, l, j, k, found, float(exact))

    # Bit for bit, when the floats are added in network.py's order: from
    # zero, example by example, then w - (eta/m) * sum.
    rate = eta / m
    expected_w, expected_b = [], []
    for l in range(1, 3):
        sum_w = [[0.0] * len(row) for row in before_w[l - 1]]
        sum_b = [[0.0] for _ in before_b[l - 1]]
        for grad_b, grad_w in grads:
            sum_w = [[s + g for s, g in zip(srow, grow)]
                     for srow, grow in zip(sum_w, grad_w[l])]
            sum_b = [[s + g for s, g in zip(srow, grow)]
                     for srow, grow in zip(sum_b, grad_b[l])]
        expected_w.append([[v - rate * s for v, s in zip(vrow, srow)]
                           for vrow, srow in zip(before_w[l - 1], sum_w)])
        expected_b.append([[v - rate * s for v, s in zip(vrow, srow)]
                           for vrow, srow in zip(before_b[l - 1], sum_b)])
    assert_same_bits(net.weights, expected_w)
    assert_same_bits(net.biases, expected_b)


def test_epoch_order_is_network_py_shuffle():
    # network.py: random.seed(S) (Python's random), then
    # random.shuffle(training_data) every epoch, on the list as the previous
    # epoch left it.
    examples = list(range(37))
    random.seed(1234)
    expected = []
    for _ in range(3):
        random.shuffle(examples)
        expected.append(list(examples))
    net = Network([2, 2], b=[[[0.0], [0.0]]], w=[[[0.0, 0.0], [0.0, 0.0]]],
                  seed=1234)
    assert [net.epoch_order(37) for _ in range(3)] == expected


def test_first_epoch_order_is_network_py_shuffle():
    examples = list(range(37))
    random.seed(99)
    random.shuffle(examples)
    net = Network([2, 2], b=[[[0.0], [0.0]]], w=[[[0.0, 0.0], [0.0, 0.0]]],
                  seed=99)
    assert net.epoch_order(37) == examples
