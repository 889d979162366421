"""``purenn engines``: the engines listed, and codegen's source printed."""
import pytest

from purenn import engines
from purenn.cli import main
from purenn.engines import codegen


def test_engines_lists_every_engine_and_the_one_auto_picks(capsys):
    assert main(["engines"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(engines.ENGINES[1:])
    auto = [line.split()[0] for line in lines if "(auto here)" in line]
    assert auto == [engines.default_engine()]


def test_source_prints_the_code_codegen_compiles(capsys):
    assert main(["engines", "--source", "784,30,10"]) == 0
    out, err = capsys.readouterr()
    assert out == codegen.source([784, 30, 10])
    assert "def train_batch(" in out and "def predict(" in out
    assert err == ""
    # it is Python, and what build() registers for tracebacks
    compile(out, codegen.filename([784, 30, 10]), "exec")


@pytest.mark.parametrize("sizes, message", [
    ("784,x,10", "argument --source: expected comma-separated whole "
                 "numbers such as 784,30,10, got '784,x,10'"),
    ("784,0,10", "argument --source: every size must be >= 1"),
    ("784", "--source: expected at least 2 layer sizes"),
    ("2,{}".format(codegen.MAX_WIDTH + 1),
     "--source 2,{}: codegen does not unroll this shape".format(
         codegen.MAX_WIDTH + 1)),
    ("2,300,300", "--source 2,300,300: codegen does not unroll this shape"),
])
def test_bad_sizes_are_one_error_line(sizes, message, capsys):
    assert main(["engines", "--source", sizes]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("purenn: error: ") and message in err
    assert err.count("\n") == 1
