"""``--engine`` on ``train`` and ``evaluate``: every engine, the same bytes."""
import pytest

from purenn import Network, engines
from purenn.cli import main
from purenn.cli import train as _cli_train
from support import write_mnist


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """The first 120 training and 60 test images as IDX files."""
    return write_mnist(tmp_path_factory.mktemp("mnist"), 120, 60)


def test_the_cli_offers_every_engine():
    assert _cli_train.ENGINE_CHOICES == engines.ENGINES


def test_every_engine_trains_and_evaluates_to_the_same_bytes(
        tmp_path, small_data, capsys):
    models, outputs = {}, {}
    for engine in engines.ENGINES:
        path = str(tmp_path / (engine + ".json"))
        assert main(["train", "--data", small_data, "--layers", "784,7,10",
                     "--epochs", "2", "--engine", engine,
                     "--save", path]) == 0
        epochs = [line.split(",")[0] for line in
                  capsys.readouterr().out.splitlines()
                  if line.startswith("Epoch")]
        with open(path, "rb") as stream:
            models[engine] = (stream.read(), tuple(epochs))
        assert main(["evaluate", path, "--data", small_data,
                     "--engine", engine]) == 0
        outputs[engine] = capsys.readouterr().out.replace(path, "MODEL")
    assert len(set(models.values())) == 1
    assert len(set(outputs.values())) == 1
    assert len(models["auto"][1]) == 2


def test_an_unknown_engine_is_one_line_and_exit_2(tmp_path, capsys):
    model = str(tmp_path / "m.json")
    Network([784, 10], seed=1).save(model)
    for argv in (["train", "--engine", "numpy"],
                 ["evaluate", model, "--engine", "numpy"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("purenn: error: ")
        assert "invalid choice: 'numpy'" in err


def test_help_names_the_engines(capsys):
    for command in ("train", "evaluate"):
        assert main([command, "--help"]) == 0
        out = capsys.readouterr().out
        assert "--engine {auto,reference,codegen,loops}" in out
        assert "(default: auto)" in out
