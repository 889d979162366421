"""Model files: network2.py's JSON format, exact round trip, atomic writes."""
import json
import os

import pytest

import purenn.network
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
    (lambda d: d.update(cost=3), r"cost should be a name"),
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


def test_missing_file_raises_os_error(tmp_path):
    with pytest.raises(OSError):
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
