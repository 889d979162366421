"""compare: where another implementation's numbers part from the fixture."""
import copy
import json
import os
import shutil
import struct

import pytest

from purenn import matrix
from purenn.classroom import compare, golden
from purenn.classroom.compare import ulps
from purenn.cli import main
from support import REPO


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


# -- inputs compare must fail -------------------------------------------------

def next_down(x):
    return -next_up(-x)


def test_half_the_steps_fail(tmp_path, capsys, fixture):
    actual = copy.deepcopy(fixture)
    del actual["steps"][3:]
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert "    z[1]: missing in 11 of 22 places (first: steps[3].examples[0]" \
        ".layers[0].z)" in out
    assert "    rate: missing in 3 of 6 places (first: steps[3].rate)" in out
    status, out, _ = run(tmp_path, capsys, fixture, actual, "--partial")
    assert status == 0
    assert "(--partial) INCOMPLETE" in out


def test_one_missing_value_fails(tmp_path, capsys, fixture):
    actual = copy.deepcopy(fixture)
    del actual["steps"][5]["examples"][2]["layers"][1]["dc_dw"]
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert "INCOMPLETE: 15 of the fixture's values are not in ACTUAL" in out
    assert "dc_dw[2]: missing in 1 of 22 places (first: steps[5].examples[2]" \
        ".layers[1].dc_dw)" in out


def test_the_smallest_actual_no_longer_passes(tmp_path, capsys, fixture):
    # The example: one number, formerly "IDENTICAL: all 1 values".
    status, out, _ = run(tmp_path, capsys, fixture,
                         {"steps": [{"rate": 0.625}]})
    assert status == 1 and "INCOMPLETE" in out


def test_one_case_of_four_fails(tmp_path, capsys):
    shipped = os.path.join(REPO, "purenn", "data", "golden")
    (tmp_path / "a").mkdir()
    shutil.copy(os.path.join(shipped, "primer-1-1-1.json"),
                str(tmp_path / "a"))
    assert main(["compare", shipped, str(tmp_path / "a")]) == 1
    out = capsys.readouterr().out
    assert out.count("missing: FAILED") == 3
    assert main(["compare", shipped, str(tmp_path / "a"), "--partial"]) == 0
    assert "values were never compared" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["NaN", '"nan"', '"-nan"', "Infinity",
                                  '"-inf"', "1e400"])
def test_a_nan_or_infinity_in_actual_fails_at_any_tolerance(
        tmp_path, capsys, fixture, text):
    e = write(tmp_path / "expected.json", fixture)
    actual = json.loads(json.dumps(fixture))
    actual["steps"][2]["layers"][0]["updated_w"][1][2] = "@@"
    a = tmp_path / "actual.json"
    a.write_text(json.dumps(actual).replace('"@@"', text))
    for options in ([], ["--ulps", "1000000"], ["--rtol", "1e300"]):
        assert main(["compare", e, str(a)] + options) == 1
        out = capsys.readouterr().out
        assert "step 2 (epoch 0), layer 1, updated_w, row 1, column 2" in out
    if "nan" in text.lower():
        assert "hint: ACTUAL holds NaN, first at case random-4-5-3, step 2" \
            in out


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e400",
                                  '"nan"', '"inf"', '"-inf"'])
@pytest.mark.parametrize("same_in_actual", [False, True])
def test_a_nan_or_infinity_in_expected_is_malformed(tmp_path, capsys,
                                                     fixture, text,
                                                     same_in_actual):
    # purenn never writes one: the fixture is broken, whatever ACTUAL holds
    # (a NaN fixture used to pass anything).
    record = json.loads(json.dumps(fixture))
    record["steps"][1]["examples"][0]["layers"][0]["z"][3][0] = "@@"
    e = tmp_path / "expected.json"
    e.write_text(json.dumps(record).replace('"@@"', text))
    a = tmp_path / "actual.json"
    a.write_text(e.read_text() if same_in_actual else json.dumps(fixture))
    assert main(["compare", str(e), str(a)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "EXPECTED {} at steps[1].examples[0].layers[0].z[3][0]".format(e) \
        in err and "purenn never writes a NaN or an infinity" in err


def test_float_hex_nan_and_inf_read_like_json(tmp_path, fixture):
    record = copy.deepcopy(fixture)
    record["steps"][0]["rate"] = "@@"
    e = compare.compare_case(fixture, json.loads(
        json.dumps(record).replace('"@@"', '"inf"')))
    j = compare.compare_case(fixture, json.loads(
        json.dumps(record).replace('"@@"', "Infinity")))
    assert e["first"]["actual"] == j["first"]["actual"] == float("inf")


def test_a_different_sign_of_zero_is_a_difference(tmp_path, capsys,
                                                   fixture):
    record = copy.deepcopy(fixture)
    record["steps"][0]["examples"][0]["layers"][1]["dc_dw"][0][0] = 0.0
    actual = copy.deepcopy(record)
    actual["steps"][0]["examples"][0]["layers"][1]["dc_dw"][0][0] = -0.0
    status, out, _ = run(tmp_path, capsys, record, actual)
    assert status == 1
    assert "a different sign of zero (1 ULP apart; --ulps 1 accepts it)" in out
    assert "OUTSIDE TOLERANCE (1 of 2076 values), ROUNDING ONLY" in out
    assert run(tmp_path, capsys, record, actual, "--ulps", "1")[0] == 0


@pytest.mark.parametrize("content", [
    "", "{", '{"steps": [', "[" * 100000, '{"steps": [[' + "1" * 400 + "]]}",
    '{"steps": [[' + "9" * 309 + "]]}", "\x00" * 100, "\xff\xfe{}"])
def test_truncated_deep_and_huge_files_exit_2_with_one_line(
        tmp_path, capsys, fixture, content):
    full = golden.render(fixture)
    for role in ("EXPECTED", "ACTUAL"):
        e, a = tmp_path / "expected.json", tmp_path / "actual.json"
        e.write_bytes(full)
        a.write_bytes(full)
        (e if role == "EXPECTED" else a).write_bytes(
            content.encode("latin-1"))
        assert main(["compare", str(e), str(a)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("purenn: error: {} ".format(role))
        assert err.count("\n") == 1 and len(err) < 400


def test_a_byte_order_mark_is_ignored(tmp_path, capsys, fixture):
    # A port on Windows writing through PowerShell 5 or .NET's UTF8 encoding
    # starts its file with EF BB BF; RFC 8259 section 8.1 lets a JSON reader
    # ignore it.
    full = golden.render(fixture)
    e, a = tmp_path / "expected.json", tmp_path / "actual.json"
    e.write_bytes(full)
    a.write_bytes(b"\xef\xbb\xbf" + full)
    assert main(["compare", str(e), str(a)]) == 0
    assert "IDENTICAL" in capsys.readouterr().out
    a.write_bytes(full.decode("utf-8").encode("utf-16"))
    assert main(["compare", str(e), str(a)]) == 2
    assert "UTF-16 text, as PowerShell's > writes; expected UTF-8" in \
        capsys.readouterr().err


def test_a_truncated_fixture_file_exits_2(tmp_path, capsys, fixture):
    full = golden.render(fixture)
    e = tmp_path / "expected.json"
    e.write_bytes(full[:len(full) // 2])
    a = write(tmp_path / "actual.json", fixture)
    assert main(["compare", str(e), a]) == 2
    assert "not JSON" in capsys.readouterr().err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_files_are_refused(tmp_path, capsys, fixture, device):
    if not os.path.exists(device):
        pytest.skip("no " + device)
    a = write(tmp_path / "actual.json", fixture)
    assert main(["compare", device, a]) == 2
    assert main(["compare", a, device]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "not a regular file" in err


def test_files_too_large_to_parse_are_refused_before_parsing(
        tmp_path, capsys, fixture):
    # 4.5 MB of empty lists would be 100 MB of Python lists: refused from
    # the counts alone, before json builds any.
    a = tmp_path / "actual.json"
    a.write_bytes(b'{"junk": [' + b"[]," * 1500000 + b"[]]}")
    e = write(tmp_path / "expected.json", fixture)
    assert main(["compare", e, str(a)]) == 2
    assert "of memory to parse, more than the 160 MB allowed" in \
        capsys.readouterr().err


# -- the first real difference first, and hints from evidence ------------------

def test_the_first_real_difference_is_named_before_rounding(
        tmp_path, capsys, fixture):
    # A 1-ULP difference early, then the classic bug (no 1/m) at step 1.
    step, m = 1, 4
    sums = fixture["steps"][step]["layers"][1]["sum_dc_dw"]
    wrong = matrix.subtract(before(fixture, step, 1, "updated_w"),
                            matrix.scale(fixture["eta"], sums))
    actual = copy.deepcopy(fixture)
    actual["steps"][step]["layers"][1]["updated_w"] = wrong
    layer = actual["steps"][0]["examples"][1]["layers"][0]
    layer["dc_dw"][2][3] = next_up(layer["dc_dw"][2][3])
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    lines = out.splitlines()
    named = [line for line in lines if line.startswith("  first ")]
    assert named == ["  first difference beyond rounding: case random-4-5-3, "
                     "step 1 (epoch 0), layer 2, updated_w, row 0, column 0  "
                     "(steps[1].layers[1].updated_w[0][0])"]
    assert "    before it, 1 value differs at rounding level only (up to 1 " \
        "ULPs, in dc_dw[1])" in out
    assert "hint: the change of updated_w is m = {} times purenn's".format(
        m) in out
    assert "REAL DIFFERENCE" in out


def test_z_identical_but_a_different_points_at_exp(tmp_path, capsys, fixture):
    actual = copy.deepcopy(fixture)
    layer = actual["steps"][0]["examples"][0]["layers"][1]
    layer["a"][1][0] = next_down(layer["a"][1][0])
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert "layer 2, a, row 1" in out
    assert "hint: z is identical here but a = sigmoid(z) is not: the port's " \
        "exp (or sigmoid) is not correctly rounded" in out
    assert "order of additions" not in out and "fused" not in out


def test_a_fused_multiply_add_is_recognised(tmp_path, capsys, fixture):
    # z[1] of one example computed with fused multiply-adds, as a C compiler
    # with -ffp-contract=fast does.
    from purenn.classroom.hints import _fma
    actual = copy.deepcopy(fixture)
    w = fixture["initial"]["layers"][0]["w"]
    b = fixture["initial"]["layers"][0]["b"]
    for example in actual["steps"][0]["examples"]:
        x = fixture["inputs"][example["example"]]
        fused = []
        for row, bias in zip(w, b):
            total = row[0] * x[0]
            for k in range(1, len(row)):
                total = _fma(row[k], x[k], total)
            fused.append([total + bias[0]])
        if fused != example["layers"][0]["z"]:
            example["layers"][0]["z"] = fused
            break
    else:
        raise AssertionError("no example of step 0 where fusing changes z")
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert "hint: ACTUAL's z here equals purenn's arithmetic with fused " \
        "multiply-adds" in out and "-ffp-contract=off" in out


def test_another_order_is_named_only_when_it_reproduces_actual(
        tmp_path, capsys, fixture):
    actual = copy.deepcopy(fixture)
    example = actual["steps"][0]["examples"][0]
    x = fixture["inputs"][example["example"]]
    w = fixture["initial"]["layers"][0]["w"]
    b = fixture["initial"]["layers"][0]["b"]
    backwards = []
    for row, bias in zip(w, b):
        total = row[-1] * x[-1]
        for k in range(len(row) - 2, -1, -1):
            total = total + row[k] * x[k]
        backwards.append([total + bias[0]])
    assert backwards != example["layers"][0]["z"]
    example["layers"][0]["z"] = backwards
    out = run(tmp_path, capsys, fixture, actual)[1]
    assert "equals purenn's with the products added from the last one back" \
        in out
    # A 1-ULP nudge reproduced by nothing: no order is named.
    actual = copy.deepcopy(fixture)
    z = actual["steps"][0]["examples"][0]["layers"][0]["z"]
    z[0][0] = next_up(next_up(z[0][0]))
    out = run(tmp_path, capsys, fixture, actual)[1]
    assert "none of these reproduce ACTUAL's values" in out
    assert "equals purenn's with" not in out


def test_a_ports_own_example_indices_explain_a_different_shuffle(
        tmp_path, capsys, fixture):
    actual = copy.deepcopy(fixture)
    examples = actual["steps"][1]["examples"]
    examples[0], examples[1] = examples[1], examples[0]
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert ("hint: ACTUAL's step 1 visits example {} at position 0 where the "
            "fixture visits example {}: a different shuffle".format(
                fixture["order"][0][5], fixture["order"][0][4])) in out


def test_a_missing_step_is_named_not_taken_for_a_shuffle(
        tmp_path, capsys, fixture):
    # A port that skips a step shifts every later one: the step numbers it
    # writes say so, where the examples would suggest another shuffle.
    actual = copy.deepcopy(fixture)
    del actual["steps"][2]
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert ("hint: ACTUAL's steps[2] says it is step 3, the fixture's is "
            "step 2: a step is missing or repeated before it") in out
    assert "a different shuffle" not in out
    # Numbers that all agree: a wrong label alone is no difference.
    actual = copy.deepcopy(fixture)
    actual["steps"][1]["step"] = 7
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 0 and "missing or repeated" not in out


def test_initial_is_checked_when_actual_holds_it(tmp_path, capsys, fixture):
    actual = copy.deepcopy(fixture)
    w = actual["initial"]["layers"][1]["w"]
    w[0][0] = next_up(w[0][0])
    status, out, _ = run(tmp_path, capsys, fixture, actual)
    assert status == 1
    assert "layer 2, initial w, row 0, column 0" in out
    del actual["initial"]
    assert run(tmp_path, capsys, fixture, actual)[0] == 0


def test_extra_keys_in_actual_are_ignored(tmp_path, capsys, fixture):
    actual = copy.deepcopy(fixture)
    actual["my_port"] = {"version": 3, "notes": [1, 2]}
    actual["steps"][0]["seconds"] = 0.25
    assert run(tmp_path, capsys, fixture, actual)[0] == 0


def test_golden_creates_its_output_directory(tmp_path, capsys):
    # The README's first line on a fresh clone: DIR does not exist yet.
    out = tmp_path / "fixtures"
    assert main(["golden", "--out", str(out), "--cases", "primer-1-1-1"]) == 0
    assert (out / "primer-1-1-1.json").exists()
    assert main(["golden", "--out", str(tmp_path / "no" / "such"),
                 "--cases", "primer-1-1-1"]) == 2
    assert "its parent {} is not an existing directory".format(
        tmp_path / "no") in capsys.readouterr().err
