"""trace: every intermediate of one step, in text, Markdown and JSON."""
import doctest
import json

import pytest

from purenn.classroom import trace as trace_module
from purenn.network import Network
from purenn.classroom.trace import (DEMO_INPUT, DEMO_STEP_SIZE, DEMO_TARGET,
                          demo_network, render_json, render_markdown,
                          render_text, trace)
from support import assert_same_bits, walk_floats


def demo_record():
    return trace(demo_network(), DEMO_INPUT, DEMO_TARGET, DEMO_STEP_SIZE)


def test_trace_on_the_demo_equals_propagate_backward_exactly():
    record = demo_record()
    net = demo_network()
    net.feed_forward(DEMO_INPUT)
    z, a = net.z, net.a
    original_w = [None] + [[list(row) for row in w] for w in net.weights]
    original_b = [None] + [[list(row) for row in b] for b in net.biases]
    net.propagate_backward(DEMO_TARGET, DEMO_STEP_SIZE)
    assert_same_bits(record["input"], a[0])
    assert_same_bits(record["dc_da_input"], net.dc_da[0])
    for layer in record["layers"]:
        l = layer["layer"]
        assert_same_bits(layer["w"], original_w[l])
        assert_same_bits(layer["b"], original_b[l])
        assert_same_bits(layer["z"], z[l])
        assert_same_bits(layer["a"], a[l])
        assert_same_bits(layer["dc_da"], net.dc_da[l])
        assert_same_bits(layer["dc_db"], net.dc_db[l])
        assert_same_bits(layer["dc_dw"], net.dc_dw[l])
        assert_same_bits(layer["updated_w"], net.w[l])
        assert_same_bits(layer["updated_b"], net.b[l])
    net.feed_forward(DEMO_INPUT)
    for layer in record["layers"]:
        assert_same_bits(layer["updated_z"], net.z[layer["layer"]])
        assert_same_bits(layer["updated_a"], net.a[layer["layer"]])
    assert record["original_cost"] == Network(
        [2, 3, 2], b=original_b[1:], w=original_w[1:]).cost(DEMO_INPUT,
                                                            DEMO_TARGET)
    assert record["updated_cost"] == net.cost(DEMO_INPUT, DEMO_TARGET)


def test_trace_leaves_the_callers_network_alone():
    net = demo_network()
    before = net.to_json()
    trace(net, DEMO_INPUT, DEMO_TARGET, DEMO_STEP_SIZE)
    assert net.to_json() == before


def test_trace_refuses_a_network_above_the_limit():
    with pytest.raises(ValueError, match="layer 1 has 17 neurons.*at most 16"):
        trace(Network([2, 17, 2], seed=0), [0, 0], [0, 0], 0.1)
    trace(Network([16, 16, 16], seed=0), [0.5] * 16, [0] * 16, 0.1)


def markdown_tables(text):
    """Return the Markdown tables of ``text`` as lists of their lines."""
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def cells(line):
    # Split on | that are not escaped as \|.
    return line.replace("\\|", "").strip().strip("|").split("|")


def test_markdown_tables_are_well_formed():
    text = render_markdown(demo_record())
    tables = markdown_tables(text)
    # per layer: w, b, z, a (forward) + 6 backward + 2 after = 12, x2 layers,
    # plus input, target and the cost table.
    assert len(tables) == 2 * 12 + 3
    for table in tables:
        width = len(cells(table[0]))
        assert set(cells(table[1])) == {"---"}
        assert len(cells(table[1])) == width
        for line in table:
            assert line.startswith("|") and line.endswith("|")
            assert len(cells(line)) == width, line
    assert "## Feed forward, layer 1" in text
    assert "## Backward, layer 2" in text


def test_markdown_table_of_a_matrix_has_a_row_per_neuron():
    text = render_markdown(demo_record())
    table = text[text.index("| w[2] j \\ k |"):].splitlines()[:4]
    assert table[0] == "| w[2] j \\ k | 0 | 1 | 2 |"
    assert table[2] == "| 0 | 0.01071228 | -0.49139708 | -0.81775586 |"




def test_json_parses_and_floats_equal_the_network_bit_for_bit():
    record = demo_record()
    parsed = json.loads(render_json(record))
    count = 0
    for where, j, p in walk_floats(parsed, record):
        if isinstance(p, float):
            assert isinstance(j, float) and j.hex() == p.hex(), where
            count += 1
        else:
            assert j == p, where
    # 2-3-2: per layer 8 columns (b, z, a, dc_da, dc_db, updated b, z, a)
    # and 3 matrices (w, dc_dw, updated w): 8*3 + 3*6 for layer 1, 8*2 + 3*6
    # for layer 2; plus input, target and dc_da_input (2 each), the step
    # size and 2 costs.  The demo's target is [0.0, 1.0], floats as
    # `trace --target 0,1` reads them.
    assert count == (8 * 3 + 3 * 6) + (8 * 2 + 3 * 6) + 3 * 2 + 1 + 2
    assert parsed["format"] == "purenn-trace/1"
    assert parsed["sizes"] == [2, 3, 2]


def test_json_refuses_non_finite_values():
    record = demo_record()
    record["original_cost"] = float("inf")
    # (json.dumps(allow_nan=False)'s own message)
    with pytest.raises(ValueError, match="Out of range float values"):
        render_json(record)


def test_text_shows_shapes_and_formulas():
    text = render_text(demo_record())
    assert "dC/da[1] = w[2]^T . dC/db[2]  (w[2] before its update)   (3x1)" \
        in text
    assert "original cost = 1/2 ||a[L] - y||^2 = " in text


def test_trace_doctests_run():
    # trace is the one import; its jobs live in four modules of their own.
    from purenn.classroom import examples, exactreport, steprecord, tracetext
    attempted = 0
    for module in (trace_module, steprecord, examples, tracetext,
                   exactreport):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 8
