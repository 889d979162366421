"""gradcheck: backprop against central differences, and it catches bugs."""
import pytest

import purenn.network
import purenn.primer
from purenn.classroom import gradcheck
from purenn.cli import main
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


def test_cli_gradcheck_passes(capsys):
    status = main(["gradcheck", "--layers", "3,4,2", "--seed", "5"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.splitlines()[-1].startswith("PASS: 26 parameters, largest "
                                           "relative error ")
    assert "parameter" in out and "relative error" in out


def test_cli_gradcheck_on_a_model_file(tmp_path, capsys):
    path = str(tmp_path / "m.json")
    Network([2, 2, 2], seed=1).save(path)
    assert main(["gradcheck", path, "--input", "0.1,0.9",
                 "--target", "1,0"]) == 0
    assert "network 2-2-2" in capsys.readouterr().out


def test_a_broken_sigmoid_prime_fails_with_exit_1(monkeypatch, capsys):
    # Deliberately wrong: sigma'(z) = sigma(z) instead of sigma(z)(1-sigma(z)).
    monkeypatch.setattr(purenn.primer, "sigmoid_prime", purenn.primer.sigmoid)
    status = main(["gradcheck", "--layers", "2,3,2", "--seed", "0"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.splitlines()[-1].startswith("FAIL: 17 parameters")


def test_a_broken_dc_dw_fails_with_exit_1(monkeypatch, capsys):
    # Deliberately wrong: dC/dw without the factor a_prev (Network's own
    # reference to dc_dw is the one replaced).
    monkeypatch.setattr(purenn.network, "dc_dw",
                        lambda a_prev, dc_db: purenn.primer.dc_dw(
                            [[1.0] for _ in a_prev], dc_db))
    status = main(["gradcheck", "--layers", "2,3,2", "--seed", "0"])
    out = capsys.readouterr().out
    assert status == 1
    assert "above the threshold" in out
    # Only weights are wrong: every bias still agrees.
    for line in out.splitlines():
        if line.startswith("b["):
            assert float(line.split()[-1]) < gradcheck.THRESHOLD


def test_cli_gradcheck_bad_lengths(capsys):
    assert main(["gradcheck", "--layers", "2,2", "--input", "1"]) == 2
    assert "--input has 1 values" in capsys.readouterr().err
