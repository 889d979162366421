"""The `example` command: the primer's worked example, digit for digit."""
from fractions import Fraction

from purenn.cli import main
from purenn.classroom.trace import PRIMER_VALUES, worked_example
from support import PRIMER_PRINTED, replay_worked_example

# The primer's printed values, in its order (one home: tests/support.py).
PRIMER_TEXTS = [text for _, text in PRIMER_PRINTED]

NAMES_IN_ORDER = [
    "z_l1", "a_l1", "z_l2", "a_l2", "dc_da_l2", "dc_db_l2", "dc_dw_l2",
    "dc_da_l1", "updated_b_l2", "updated_w_l2", "dc_db_l1", "dc_dw_l1",
    "updated_b_l1", "updated_w_l1", "updated_z_l1", "updated_a_l1",
    "updated_z_l2", "updated_a_l2", "original_cost", "updated_cost"]


def run(capsys, argv):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_example_prints_every_primer_value_verbatim_in_order(capsys):
    status, out, err = run(capsys, ["example"])
    assert status == 0 and err == ""
    position = 0
    for text in PRIMER_TEXTS:
        found = out.find(" = " + text + "\n", position)
        assert found >= 0, "{} missing after offset {}".format(text, position)
        position = found + 1


def test_example_names_appear_in_the_primer_order(capsys):
    status, out, _ = run(capsys, ["example"])
    assert status == 0
    lines = [line.split(" = ")[0].strip() for line in out.splitlines()
             if " = " in line]
    named = [name for name in lines if name in NAMES_IN_ORDER]
    assert named == NAMES_IN_ORDER


def test_example_lines_show_the_formula(capsys):
    _, out, _ = run(capsys, ["example"])
    assert "dc_dw_l2      = a_l1 * dc_db_l2" in out
    assert "updated_b_l1  = b_l1 - dc_db_l1 * step_size" in out


def test_primer_values_table_matches_the_text():
    assert [(name, repr(value)) for name, value in PRIMER_VALUES] == \
        PRIMER_PRINTED


def test_worked_example_agrees_with_the_scalar_primer_functions():
    # An independent replay with purenn.primer's scalar functions in the
    # primer's own order (it updates layer 2 before computing layer 1's
    # gradients); Network, which trace uses, must give the same bits.
    replay = replay_worked_example()
    computed = dict((name, value) for name, _, value in worked_example())
    for name in NAMES_IN_ORDER:
        assert computed[name].hex() == float(replay[name]).hex(), name


def test_example_demo_shows_shapes_and_the_primer_listing(capsys):
    status, out, _ = run(capsys, ["example", "--network", "demo"])
    assert status == 0
    assert "network 2-3-2" in out
    assert "w[1] = weights into layer 1   (3x2)" in out
    assert "dC/dw[2] = dC/db[2] . a[1]^T   (2x3)" in out
    assert "-0.87499479" in out          # from the primer's listing


def test_example_exact_z_l1_is_281_over_250(capsys):
    status, out, _ = run(capsys, ["example", "--exact"])
    assert status == 0
    # 1.58 * 0.8 - 0.14 = 1.264 - 0.14 = 1.124 = 281/250 (by hand).
    assert Fraction("1.58") * Fraction("0.8") - Fraction("0.14") \
        == Fraction(281, 250)
    assert "= 281/250 = 1.124 exactly" in out
    # The float 1.124 written out exactly (Decimal(1.124) agrees).
    assert "1.124000000000000110134124042815528810024261474609375" in out
    assert "irrational" in out


def test_example_exact_errors_are_what_fractions_say(capsys):
    # a_l2 - 1 is exact in floats (Sterbenz: 0.5 <= a_l2 <= 2), so the
    # report must call that step exact.
    _, out, _ = run(capsys, ["example", "--exact"])
    block = out[out.index("dC/da[2] = a[L] - y"):]
    block = block[:block.index("dC/dw[2]")]
    assert "(the float is exact)" in block


def test_example_demo_exact_runs(capsys):
    status, out, _ = run(capsys, ["example", "--network", "demo", "--exact"])
    assert status == 0
    assert "largest rounding error" in out


def test_example_saves_the_network_trace_reads(tmp_path, capsys):
    # The README's trace walk-through starts from this file.
    model = str(tmp_path / "demo.json")
    assert main(["example", "--network", "demo", "--save", model]) == 0
    shown = capsys.readouterr().out
    assert shown.endswith("wrote {}: the 2-3-2 network before its step\n"
                          .format(model))
    assert main(["trace", model, "--input", "0.8,0.2", "--target", "0,1"]) == 0
    traced = capsys.readouterr().out
    # The same step, so the same update lines, as `example --network demo`.
    updates = [line for line in shown.splitlines() if "updated" in line]
    assert updates and all(line in traced for line in updates)
