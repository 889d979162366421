"""Model files: network2.py's JSON format, exact round trip, atomic writes."""
import json
import os

import pytest

import purenn.network
import purenn.io.modelfile
from purenn import Network, ModelError, load
from support import assert_same_bits


def _valid_model():
    net = Network([3, 4, 2], seed=11)
    return json.loads(net.to_json())


def test_round_trip_is_bit_for_bit(tmp_path):
    net = Network([5, 4, 3, 2], seed=1)
    path = tmp_path / "model.json"
    net.save(str(path))
    loaded = load(str(path))
    assert loaded.layers == [5, 4, 3, 2]
    assert_same_bits(loaded.w[1:], net.w[1:])
    assert_same_bits(loaded.b[1:], net.b[1:])
    loaded.save(str(tmp_path / "again.json"))
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()


def test_awkward_floats_round_trip(tmp_path):
    values = [5e-324, -0.0, 1.7976931348623157e308, 0.1, 1 / 3, -2.5e-310]
    net = Network([1, 6, 1], b=[[[v] for v in values], [[0.0]]],
                  w=[[[v] for v in values], [values]])
    net.save(str(tmp_path / "m.json"))
    loaded = load(str(tmp_path / "m.json"))
    assert_same_bits(loaded.b[1:] + loaded.w[1:], net.b[1:] + net.w[1:])


def test_the_format_is_network2_py_save():
    # network2.py's save(): {"sizes": self.sizes, "weights": [w.tolist() ...],
    # "biases": [b.tolist() ...], "cost": str(self.cost.__name__)}
    data = _valid_model()
    assert sorted(data) == ["biases", "cost", "sizes", "weights"]
    assert data["sizes"] == [3, 4, 2]
    assert data["cost"] == "QuadraticCost"
    assert [len(w) for w in data["weights"]] == [4, 2]
    assert [len(w[0]) for w in data["weights"]] == [3, 4]
    assert [[len(row) for row in b] for b in data["biases"]] == [[1] * 4,
                                                                 [1] * 2]


def test_a_network2_py_file_loads(tmp_path):
    # As numpy's tolist() writes them: nested lists, ints where whole.
    path = tmp_path / "from_network2.json"
    path.write_text(json.dumps({
        "sizes": [2, 1], "weights": [[[1, -0.5]]], "biases": [[[0]]],
        "cost": "CrossEntropyCost"}))
    net = load(str(path))
    assert net.w[1] == [[1.0, -0.5]] and isinstance(net.w[1][0][0], float)
    assert net.cost_name == "CrossEntropyCost"


def _write(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("weights"), r"missing key 'weights'"),
    (lambda d: [d.pop("weights"), d.pop("sizes")],
     r"missing keys 'sizes', 'weights'"),
    (lambda d: d.update(sizes=[3, 4]), r"biases: expected 1 matrices"),
    (lambda d: d.update(sizes=[3, 5, 2]),
     r"biases\[0\] \(into layer 1\) has shape 4x1, expected 5x1"),
    (lambda d: d["weights"][1][0].pop(),
     r"weights\[1\] is not a matrix: row 1 has 4 columns, row 0 has 3"),
    (lambda d: d["weights"].reverse(), r"weights\[0\] .* has shape 2x4, "
                                       r"expected 4x3"),
    (lambda d: d.update(sizes="784,30,10"), r"sizes: expected a list"),
    (lambda d: d.update(sizes=[3, 0, 2]), r"sizes: every size must be"),
    (lambda d: d["biases"][0][0].__setitem__(0, "x"),
     r"biases\[0\]: expected numbers, found 'x'"),
    (lambda d: d.update(cost=3), r"cost 3 is not one of network2.py.s costs"),
    (lambda d: d.update(cost="FooCost"),
     r"cost .FooCost. is not one of network2.py.s costs \(QuadraticCost, "
     r"CrossEntropyCost\)"),
])
def test_inconsistent_files_are_refused(tmp_path, mutate, message):
    data = _valid_model()
    mutate(data)
    path = _write(tmp_path, json.dumps(data))
    with pytest.raises(ModelError, match=message) as caught:
        load(path)
    assert str(caught.value).startswith(path + ": ")


@pytest.mark.parametrize("text, message", [
    ("", r"not a valid model file"),
    ('{"sizes": [1, 1], "weights": [[[1.0]]', r"not a valid model file"),
    ("[1, 2, 3]", r"expected a JSON object"),
    ('{"sizes": [1, 1], "weights": [[[NaN]]], "biases": [[[0]]]}',
     r"non-finite number NaN"),
    ('{"sizes": [1, 1], "weights": [[[1e999]]], "biases": [[[0]]]}',
     r"weights\[0\] holds inf, expected finite numbers"),
    ('{"sizes": [1, 1], "weights": [[[-Infinity]]], "biases": [[[0]]]}',
     r"non-finite number -Infinity"),
])
def test_malformed_files_are_refused(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ModelError, match=message):
        load(path)


def test_binary_garbage_is_refused(tmp_path):
    path = tmp_path / "garbage.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ModelError, match="garbage.json: not a model file"):
        load(str(path))


def test_a_byte_order_mark_is_ignored_and_utf16_is_named(tmp_path):
    # Windows Notepad and PowerShell 5's Out-File -Encoding utf8 start a
    # UTF-8 file with EF BB BF; RFC 8259 section 8.1 lets a JSON reader
    # ignore it.  PowerShell 5's ">" writes UTF-16 with FF FE: named, so the
    # student knows what to change.
    text = Network([2, 1], seed=1).to_json()
    path = tmp_path / "notepad.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load(str(path)).to_json() == text
    path = tmp_path / "powershell.json"
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(ModelError, match=(
            "powershell.json: not a model file \\(UTF-16 text, as "
            "PowerShell's > writes; expected UTF-8\\)")):
        load(str(path))


def test_missing_file_raises_os_error(tmp_path):
    with pytest.raises(OSError, match="absent.json"):
        load(str(tmp_path / "absent.json"))


def test_non_finite_parameters_are_not_saved(tmp_path):
    net = Network([1, 1], b=[[[0.0]]], w=[[[float("nan")]]])
    with pytest.raises(ModelError, match="non-finite"):
        net.save(str(tmp_path / "m.json"))
    assert os.listdir(str(tmp_path)) == []


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    Network([2, 2], seed=1).save(str(path))
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk on fire")
    monkeypatch.setattr(purenn.io.fileio.os, "replace", crash)
    with pytest.raises(OSError, match="disk on fire"):
        Network([2, 2], seed=2).save(str(path))
    assert path.read_bytes() == before
    assert os.listdir(str(tmp_path)) == ["model.json"]  # no temporary left


def test_seed_of_a_loaded_network_drives_its_shuffle(tmp_path):
    path = tmp_path / "m.json"
    Network([2, 2], seed=1).save(str(path))
    assert load(str(path), seed=9).epoch_order(50) == \
        load(str(path), seed=9).epoch_order(50)
    assert load(str(path), seed=9).epoch_order(50) != \
        load(str(path), seed=10).epoch_order(50)


def test_saved_files_get_the_usual_permissions(tmp_path):
    # A temporary file from mkstemp is 0600; the saved model must not be.
    old = os.umask(0o022)
    try:
        path = tmp_path / "m.json"
        Network([2, 2], seed=1).save(str(path))
        assert os.stat(str(path)).st_mode & 0o777 == 0o644
        os.chmod(str(path), 0o640)
        Network([2, 2], seed=2).save(str(path))
        assert os.stat(str(path)).st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


# -- hostile files: one ModelError naming the file, never a traceback -------

_ONE_ONE = '{{"sizes": [1, 1], "weights": [[[{}]]], "biases": [[[0]]]}}'


@pytest.mark.parametrize("text, message", [
    # 401 digits: json.loads makes an int that float() cannot hold.
    (_ONE_ONE.format("1" + "0" * 400),
     r"an integer of 401 digits \(10000000000000000000\.\.\.\), too large "
     r"for a float"),
    # 309 digits still pass the length test, but exceed 1.8e308.
    (_ONE_ONE.format("9" * 309), r"an integer too large for a float"),
    ("[" * 100000, r"JSON nested deeper than 16 levels"),
    ('{"sizes": ' + "[" * 20 + "]" * 20 + "}",
     r"JSON nested deeper than 16 levels"),
])
def test_numbers_and_nesting_beyond_json_are_refused(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ModelError, match=message) as caught:
        load(path)
    assert str(caught.value).startswith(path + ": not a valid model file")


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    data = _valid_model()
    data["note"] = "[" * 1000 + "{" * 1000
    net = load(_write(tmp_path, json.dumps(data)))
    assert net.layers == [3, 4, 2]


def test_a_million_sizes_give_a_short_message(tmp_path):
    path = _write(tmp_path, json.dumps({"sizes": [1] * 10 ** 6,
                                        "weights": [], "biases": []}))
    with pytest.raises(ModelError,
                       match="sizes: 1,000,000 layer sizes") as caught:
        load(path)
    assert str(caught.value) == (
        "{}: sizes: 1,000,000 layer sizes, more than the 1,000 purenn "
        "accepts".format(path))


def test_sizes_of_absurd_networks_are_refused_before_any_list(tmp_path):
    # 100000 x 100001 weights and biases would be ~320 GB of floats.
    path = _write(tmp_path, json.dumps({"sizes": [100000, 100000],
                                        "weights": [[[0]]],
                                        "biases": [[[0]]]}))
    with pytest.raises(ModelError, match=r"sizes: \[100000, 100000\] would "
                       r"have 10,000,100,000 weights and biases, more than "
                       r"the 2,000,000 purenn accepts"):
        load(path)
    with pytest.raises(ModelError, match="would have 10,000,100,000"):
        Network([100000, 100000])


def test_messages_quote_input_briefly(tmp_path):
    data = _valid_model()
    data["sizes"] = [3, 4, "x" * 10 ** 6]
    with pytest.raises(ModelError, match="every size must be") as caught:
        load(_write(tmp_path, json.dumps(data)))
    assert "every size must be" in str(caught.value)
    assert len(str(caught.value)) < 300


def test_files_larger_than_a_model_can_be_are_not_read(tmp_path,
                                                        monkeypatch):
    monkeypatch.setattr(purenn.io.modelfile, "MAX_MODEL_BYTES", 100)
    path = _write(tmp_path, " " * 101)
    with pytest.raises(ModelError, match=r"bad.json: larger than 100 bytes, "
                                         r"too large for a model file"):
        load(path)


def test_the_cost_is_kept_never_rewritten(tmp_path):
    data = _valid_model()
    data["cost"] = "CrossEntropyCost"
    net = load(_write(tmp_path, json.dumps(data)))
    assert net.cost_name == "CrossEntropyCost"
    assert json.loads(net.to_json())["cost"] == "CrossEntropyCost"
    with pytest.raises(ModelError, match=r"m.json: the model's cost is "
                       r"CrossEntropyCost; purenn can train only models "
                       r"with QuadraticCost"):
        purenn.network.check_cost(net, "m.json", "train")
    purenn.network.check_cost(load(_write(tmp_path, json.dumps(
        _valid_model()))), "m.json", "train")
