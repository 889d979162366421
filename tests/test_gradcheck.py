"""gradcheck: backprop against central differences, and it catches bugs."""
import pytest

from purenn.classroom import gradcheck
from purenn.network import Network


def test_relative_error_handles_both_near_zero():
    # Hand-computed: |2 - 1| / 2 = 0.5; tiny pairs are divided by FLOOR.
    assert gradcheck.relative_error(2.0, 1.0) == 0.5
    assert gradcheck.relative_error(0.0, 0.0) == 0.0
    assert gradcheck.relative_error(1e-12, -1e-12, floor=1e-5) == 2e-12 / 1e-5


@pytest.mark.parametrize("layers, seed", [([2, 3, 2], 0), ([4, 5, 3], 1),
                                           ([3, 6, 6, 2], 2), ([5, 10], 3)])
def test_correct_backprop_passes(layers, seed):
    net = Network(layers, seed=seed)
    rows = gradcheck.check_gradients(net, [0.5] * layers[0],
                                     [0.25] * layers[-1])
    assert len(rows) == gradcheck.count_parameters(layers)
    assert gradcheck.passed(rows)


def test_rows_are_named_and_ordered_biases_then_weights():
    rows = gradcheck.check_gradients(Network([2, 3, 2], seed=0), [1, 0],
                                     [0, 1])
    names = [row.parameter for row in rows]
    assert names[:5] == ["b[1][0]", "b[1][1]", "b[1][2]", "b[2][0]",
                         "b[2][1]"]
    assert names[5:7] == ["w[1][0][0]", "w[1][0][1]"]
    assert names[-1] == "w[2][1][2]"


def test_check_does_not_change_the_network():
    net = Network([2, 3, 2], seed=0)
    before = net.to_json()
    gradcheck.check_gradients(net, [1, 0], [0, 1])
    assert net.to_json() == before


def test_too_many_parameters_is_refused():
    with pytest.raises(ValueError, match="23860 parameters.*at most 2000"):
        gradcheck.check_gradients(Network([784, 30, 10], seed=0),
                                  [0.0] * 784, 3)
