"""The one epoch loop (purenn.epochs): every engine runs it, the rate's
two names, and score()."""
import random

import pytest

from purenn import Network, engines, epochs
from purenn.engines import split
from support import random_examples

ENGINES = ["reference", "codegen", "loops"]


def _train(engine, net, *args, **kwargs):
    if engine == "reference":
        return net.sgd(*args, **kwargs)
    return engines.sgd(net, *args, engine=engine, **kwargs)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_engine_runs_the_one_loop(engine, monkeypatch):
    trainers = []
    real = epochs.run_epochs

    def spy(net, trainer, run):
        trainers.append(type(trainer).__name__)
        return real(net, trainer, run)
    # Each module calls the loop by the name it imported.
    for module in (epochs, engines.driver, split):
        monkeypatch.setattr(module, "run_epochs", spy, raising=False)
    monkeypatch.setattr("purenn.network.run_epochs", spy)
    data = random_examples(random.Random(3), 10, 4, 2)
    net = Network([4, 3, 2], seed=1)
    history = _train(engine, net, data, 2, 3, 1.5, test_data=data[:4])
    assert [h["total"] for h in history] == [4, 4]
    expected = {"reference": "ReferenceTrainer"}.get(engine, "KernelTrainer")
    assert trainers == [expected]


@pytest.mark.parametrize("engine", ENGINES)
def test_eta_is_a_keyword_alias_of_step_size(engine):
    data = random_examples(random.Random(4), 9, 3, 2)
    nets = [Network([3, 2, 2], seed=5) for _ in range(3)]
    got = [_train(engine, nets[0], data, 2, 4, 2.0),
           _train(engine, nets[1], data, 2, 4, step_size=2.0),
           _train(engine, nets[2], data, 2, 4, eta=2.0)]
    assert got[0] == got[1] == got[2]
    assert nets[0].to_json() == nets[1].to_json() == nets[2].to_json()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_rate_by_both_names_or_neither_is_a_type_error(engine):
    data = random_examples(random.Random(4), 4, 3, 2)
    net = Network([3, 2, 2], seed=5)
    with pytest.raises(TypeError, match="both step_size and eta"):
        _train(engine, net, data, 1, 2, step_size=1.0, eta=1.0)
    with pytest.raises(TypeError, match="missing the rate: step_size"):
        _train(engine, net, data, 1, 2)


def test_score_counts_equal_labels_and_refuses_unequal_lengths():
    assert epochs.score([1, 2, 3], [1, 0, 3]) == 2
    assert epochs.score([], []) == 0
    with pytest.raises(ValueError, match="3 predictions but 2 labels"):
        epochs.score([1, 2, 3], [1, 2])


def test_the_rate_of_a_mini_batch_is_formed_once():
    # The reference, the engines' float rate and golden's record share it.
    assert epochs.mini_batch_rate(3.0, 4) == 0.75
    assert engines.driver.rate_of(3.0, 4) == 0.75
    assert engines.driver.rate_of(float("inf"), 4) is None
