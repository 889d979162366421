"""compare: where another implementation's numbers part from the fixture."""
import copy
import json
import struct

import pytest

from purenn import matrix
from purenn.classroom import compare, golden
from purenn.classroom.compare import ulps
from purenn.cli import main


@pytest.fixture(scope="module")
def fixture():
    return golden.build_case("random-4-5-3")


def write(path, record, hex=False):
    if hex:
        data = golden.render(record, hex=True)
    else:
        data = json.dumps(record).encode("ascii")
    path.write_bytes(data)
    return str(path)


def run(tmp_path, capsys, expected, actual, *options):
    e = write(tmp_path / "expected.json", expected)
    a = write(tmp_path / "actual.json", actual)
    status = main(["compare", e, a] + list(options))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def next_up(x):
    """The next double above x (math.nextafter is 3.9+)."""
    bits = struct.unpack("<q", struct.pack("<d", x))[0]
    bits = bits + 1 if x >= 0 else bits - 1
    return struct.unpack("<d", struct.pack("<q", bits))[0]


def test_ulps_counts_the_doubles_between():
    assert ulps(1.0, next_up(1.0)) == 1
    assert ulps(next_up(-1.0), -1.0) == 1
    # A different sign of zero is one step: -0.0 and 0.0 are two doubles.
    assert ulps(0.0, -0.0) == 1
    assert ulps(-5e-324, 5e-324) == 3
    assert ulps(1.0, 2.0) == 2 ** 52
    assert ulps(1.0, float("nan")) == float("inf")


def test_identical_files_exit_0(tmp_path, capsys, fixture):
    status, out, _ = run(tmp_path, capsys, fixture, fixture)
    assert status == 0
    assert "IDENTICAL: all 2076 values have the same bits" in out


def test_one_ulp_in_one_value_is_caught_with_its_path(tmp_path, capsys,
                                                       fixture):
    actual = copy.deepcopy(fixture)
    example = actual["steps"][4]["examples"][2]
    value = example["layers"][0]["dc_dw"][3][1]
    example["layers"][0]["dc_dw"][3][1] = next_up(value)
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert ("first value outside tolerance: case random-4-5-3, step 4 "
            "(epoch 1), example {} (position 2 in the mini-batch), layer 1, "
            "dc_dw, row 3, column 1  (steps[4].examples[2].layers[0]."
            "dc_dw[3][1])".format(example["example"])) in out
    assert "    expected {!r}\n    actual   {!r}\n    1 ULPs apart".format(
        value, next_up(value)) in out
    assert "OUTSIDE TOLERANCE (1 of 2076 values), ROUNDING ONLY" in out
    assert "hint" not in out
    assert run(tmp_path, capsys, fixture, actual, "--ulps", "1")[0] == 0
    assert run(tmp_path, capsys, fixture, actual, "--rtol", "1e-15")[0] == 0


def test_hex_and_decimal_compare_equal(tmp_path, capsys, fixture):
    e = write(tmp_path / "expected.json", fixture)
    a = write(tmp_path / "actual.json", fixture, hex=True)
    assert main(["compare", e, a]) == 0
    assert main(["compare", a, e]) == 0
    assert "IDENTICAL" in capsys.readouterr().out


def test_directories_compare_case_by_case(tmp_path, capsys):
    (tmp_path / "e").mkdir()
    (tmp_path / "a").mkdir()
    golden.write_fixtures(str(tmp_path / "e"), cases=["primer-1-1-1",
                                                      "demo-2-3-2"])
    golden.write_fixtures(str(tmp_path / "a"), cases=["demo-2-3-2"],
                          hex=True)
    # One case file of two is missing: that fails, unless --partial.
    assert main(["compare", str(tmp_path / "e"), str(tmp_path / "a")]) == 1
    out = capsys.readouterr().out
    assert "case demo-2-3-2: 2 steps" in out
    assert "case primer-1-1-1: not in ACTUAL" in out
    assert "missing: FAILED" in out
    assert main(["compare", str(tmp_path / "e"), str(tmp_path / "a"),
                 "--partial"]) == 0
    out = capsys.readouterr().out
    assert "never compared (--partial)" in out
    assert "--partial: 22 of the fixture's values were never compared" in out


def test_missing_quantities_fail_unless_partial(tmp_path, capsys, fixture):
    actual = {"steps": [{"layers": [
        {"updated_w": layer["updated_w"],
         # a flat list for a J x 1 column is accepted
         "updated_b": matrix.flatten(layer["updated_b"])}
        for layer in step["layers"]]} for step in fixture["steps"]]}
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert "INCOMPLETE: 1775 of the fixture's values are not in ACTUAL" in out
    assert "    z[1]: missing in 22 of 22 places (first: steps[0]." \
        "examples[0].layers[0].z)" in out
    assert "    test outputs: missing in 1 of 1 places" in out
    assert "initial" not in out
    status, out, _ = run(tmp_path, capsys, fixture, actual, "--partial")
    assert status == 0
    assert "--partial: 1775 of the fixture's values were never compared" \
        in out
    actual["steps"].pop()
    status, out, _ = run(tmp_path, capsys, fixture, actual, "--partial")
    assert status == 0
    assert "    updated_w[1]: missing in 1 of 6 places" in out


def with_update(fixture, step, layer, key, values):
    actual = copy.deepcopy(fixture)
    del actual["steps"][step + 1:]
    actual["steps"][step]["layers"][layer][key] = values
    return actual


def before(fixture, step, layer, key):
    if step == 0:
        return fixture["initial"]["layers"][layer][key[len("updated_"):]]
    return fixture["steps"][step - 1]["layers"][layer][key]


def test_a_transposed_weight_matrix_is_named(tmp_path, capsys, fixture):
    w = fixture["steps"][0]["layers"][0]["updated_w"]
    actual = with_update(fixture, 0, 0, "updated_w", matrix.transpose(w))
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert "expected shape 5x4, actual shape 4x5" in out
    assert ("hint: ACTUAL's updated_w is 4x5 where purenn's is 5x4: "
            "transposed (purenn's w[j][k] is the weight into neuron j") in out
    assert "transposed back it matches" in out
    assert "REAL DIFFERENCE" in out


def test_a_missing_one_over_m_is_named(tmp_path, capsys, fixture):
    # The classic bug: w - eta * sum instead of w - (eta/m) * sum, computed
    # here from the fixture's own sum and parameters before the step.
    step, m = 1, 4
    sums = fixture["steps"][step]["layers"][1]["sum_dc_dw"]
    wrong = matrix.subtract(before(fixture, step, 1, "updated_w"),
                            matrix.scale(fixture["eta"], sums))
    actual = with_update(fixture, step, 1, "updated_w", wrong)
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert "step 1 (epoch 0), layer 2, updated_w, row 0, column 0" in out
    assert ("hint: the change of updated_w is m = {} times purenn's: the "
            "1/m is missing (purenn: w - (eta/m) * sum, with eta/m = 2.5/4 "
            "= 0.625)".format(m)) in out


@pytest.mark.parametrize("factor, hint", [
    (-1.0, "the change of updated_b has the wrong sign"),
    (0.25, "divided by m twice"),
    (0.0, "equals the parameters before the step: recorded before the "
          "update, or one step behind"),
])
def test_wrong_updates_are_named(tmp_path, capsys, fixture, factor, hint):
    step = 3
    old = before(fixture, step, 0, "updated_b")
    new = fixture["steps"][step]["layers"][0]["updated_b"]
    wrong = [[o + factor * (n - o) for o, n in zip(o_row, n_row)]
             for o_row, n_row in zip(old, new)]
    actual = with_update(fixture, step, 0, "updated_b", wrong)
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1 and "\n  hint: " in out and hint in out


def test_one_step_ahead_is_named(tmp_path, capsys, fixture):
    actual = with_update(fixture, 2, 1, "updated_w",
                         fixture["steps"][3]["layers"][1]["updated_w"])
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1 and "equals purenn's at step 3: one step ahead" in out


def test_a_mean_instead_of_a_sum_is_named(tmp_path, capsys, fixture):
    sums = fixture["steps"][0]["layers"][0]["sum_dc_db"]
    actual = with_update(fixture, 0, 0, "sum_dc_db",
                         matrix.scale(1 / 4, sums))
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1 and "is the mean over the mini-batch" in out


def test_sigmoid_prime_of_a_is_named(tmp_path, capsys, fixture):
    # dC/db computed with sigmoid'(a) instead of sigmoid'(z) at layer 2.
    from purenn.primer import sigmoid_prime
    actual = copy.deepcopy(fixture)
    layer = actual["steps"][0]["examples"][0]["layers"][1]
    layer["dc_db"] = matrix.hadamard(sigmoid_prime(layer["a"]),
                                     layer["dc_da"])
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert "layer 2, dc_db, row 0" in out
    assert "hint: sigmoid' applied to a instead of z" in out


def test_a_sign_error_at_the_output_is_named(tmp_path, capsys, fixture):
    actual = copy.deepcopy(fixture)
    layer = actual["steps"][0]["examples"][0]["layers"][1]
    layer["dc_da"] = matrix.scale(-1.0, layer["dc_da"])
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1 and "has the wrong sign (dC/da at the output" in out


@pytest.mark.parametrize("expected_text, actual_text, message", [
    (None, "{not json", "ACTUAL {a}: not JSON"),
    (None, "[1, 2]", "expected a JSON object at the top, got list"),
    (None, '{"steps": 3}', "ACTUAL {a} at steps: expected a list, got int"),
    (None, '{"steps": [{"rate": "1.5"}]}',
     "ACTUAL {a} at steps[0].rate[0][0]: expected a number or a C99 hex "
     "string"),
    (None, '{"steps": [{"rate": true}]}', "expected a number"),
    (None, '{"case": "other", "steps": []}', "is case 'other'"),
    (None, '{"nothing": 1}', "holds none of the quantities"),
    ('{"format": "x"}', "{}", "format 'x', expected 'purenn-golden/1'"),
    ('{"format": "purenn-golden/1", "steps": [{}]}', '{"steps": []}',
     "EXPECTED {e} at initial: missing or not an object"),
])
def test_malformed_files_exit_2_with_one_line(tmp_path, capsys, fixture,
                                              expected_text, actual_text,
                                              message):
    e = tmp_path / "expected.json"
    if expected_text is None:
        write(e, fixture)
    else:
        e.write_text(expected_text)
    a = tmp_path / "actual.json"
    a.write_text(actual_text)
    assert main(["compare", str(e), str(a)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("purenn: error: ")
    assert message.format(a=a, e=e) in err
    assert err.count("\n") == 1


def test_missing_paths_and_bad_tolerances_exit_2(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "x.json"), "y.json"]) == 2
    assert "EXPECTED {}: no such file".format(tmp_path / "x.json") in \
        capsys.readouterr().err
    assert main(["compare", "a", "b", "--rtol", "-1"]) == 2
    assert main(["compare", "a", "b", "--ulps", "x"]) == 2


def test_the_big_case_within_rounding_is_told_apart(fixture):
    # A 1e-15 relative change everywhere is rounding; a 1e-3 change is not.
    def nudge(record, factor):
        out = copy.deepcopy(record)
        for step in out["steps"]:
            for layer in step["layers"]:
                layer["updated_w"] = matrix.scale(factor, layer["updated_w"])
        return out

    small = compare.compare_case(fixture, nudge(fixture, 1 + 2 ** -50))
    assert "ROUNDING ONLY" in compare.render([small])
    big = compare.compare_case(fixture, nudge(fixture, 1.001))
    assert "REAL DIFFERENCE" in compare.render([big])


def test_examples_in_another_order_are_named(tmp_path, capsys, fixture):
    actual = copy.deepcopy(fixture)
    examples = actual["steps"][1]["examples"]
    examples[0], examples[1] = examples[1], examples[0]
    for example in examples:
        del example["example"]
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert ("hint: ACTUAL's values here are purenn's for example {} instead "
            "of example {}: visit the examples in the fixture's order "
            "(order[0])".format(fixture["order"][0][5],
                                fixture["order"][0][4])) in out
