"""purenn.classroom.lesson and its API: the network drawn and one step walked
through, checked against trace (that is, against Network) and the primer."""
import pytest

from purenn.classroom import api, lesson, trace
from purenn.network import Network
from support import PRIMER_PRINTED


def primer_record():
    return trace.trace(trace.primer_network(), [0.8], [1], 0.1)


def demo_record():
    return trace.trace(trace.demo_network(), trace.DEMO_INPUT,
                       trace.DEMO_TARGET, trace.DEMO_STEP_SIZE)


@pytest.mark.parametrize("lang", lesson.LANGUAGES)
def test_primer_walkthrough_has_the_printed_values_in_order(lang):
    stages = lesson.walkthrough(primer_record(), lang)
    named = [(s["name"], s["value"]) for s in stages
             if s["name"] in dict(PRIMER_PRINTED)]
    assert named == PRIMER_PRINTED
    # The same numbers in both languages; only the words differ.
    english = lesson.walkthrough(primer_record(), "en")
    assert [s["value"] for s in stages] == [s["value"] for s in english]
    assert [s["plugged"] for s in stages] == [s["plugged"] for s in english]


def test_every_stage_of_the_demo_is_one_value_of_the_trace():
    record = demo_record()
    stages = lesson.walkthrough(record)
    layer2 = record["layers"][1]
    by_name = dict((s["name"], s) for s in stages)
    assert by_name["dc_dw[2][1][2]"]["value"] == repr(layer2["dc_dw"][1][2])
    w, g = layer2["w"][1][2], layer2["dc_dw"][1][2]

    def operand(v):     # a negative operand is written in parentheses
        return "({!r})".format(v) if v < 0 else repr(v)

    assert by_name["updated_w[2][1][2]"]["plugged"] == "{} − {} × 0.1".format(
        operand(w), operand(g))
    assert by_name["dc_da[1][0]"]["value"] == repr(
        record["layers"][0]["dc_da"][0][0])
    # Forward: z and a of 5 neurons (10); the cost (1); layer 2: dC/da,
    # sigma', dC/db of 2 neurons (6), dC/dw of 6 edges, dC/da of 3 neurons,
    # 2 b and 6 w updates (23); layer 1: sigma', dC/db of 3 (6), 6 dC/dw,
    # 3 b and 6 w updates (21); forward again (10); the two costs (2).
    assert len(stages) == 10 + 1 + 23 + 21 + 10 + 2


def test_diagram_hover_text_has_every_operand():
    record = demo_record()
    d = lesson.diagram(record)
    neuron = d["layers"][1][2]
    assert neuron["z"] == repr(record["layers"][0]["z"][2][0])
    assert neuron["text"].splitlines()[0].endswith("= " + neuron["z"])
    assert "0.8" in neuron["text"] and "-0.87499479" in neuron["text"]
    edge = [e for e in d["edges"] if (e["layer"], e["j"], e["k"]) ==
            (2, 0, 1)][0]
    a1 = record["layers"][0]["a"][1][0]
    assert edge["text"] == "w[2][0][1]·a[1][1] = (-0.49139708) × {!r} = {!r}" \
        .format(a1, -0.49139708 * a1)
    assert edge["sign"] == "negative" and 0 < edge["size"] <= 1


def test_compact_diagram_of_a_large_network():
    net = Network([40, 5, 3], seed=2)
    d = lesson.compact_diagram(net, [0.5] * 40, "zh")
    assert d["layers"][0] == {"box": "40 个输入"}
    assert [len(layer) for layer in d["layers"][1:]] == [5, 3]
    assert len(d["edges"]) == 15     # only the weights between drawn layers
    text = d["layers"][1][0]["text"]
    assert text.startswith("z[1][0] = Σₖ w[1][0][k]·a[0][k] + b[1][0] = ")


def test_lesson_api_and_its_errors():
    room = api.Classroom(trace.demo_network())
    answer = room.lesson({"name": "model", "input": "0.8,0.2",
                          "target": "0,1", "step_size": "0.1",
                          "lang": "zh"})
    assert [s["value"] for s in answer["stages"]] == \
        [s["value"] for s in lesson.walkthrough(demo_record())]
    with pytest.raises(api.ApiError, match="lang: expected one of en, zh"):
        room.lesson({"name": "primer", "lang": "fr"})
    with pytest.raises(api.ApiError, match="input: expected 2 numbers"):
        room.lesson({"name": "model", "input": "1,2,3"})
    big = api.Classroom(Network([20, 2], seed=0))
    with pytest.raises(api.ApiError, match="too large to trace"):
        big.lesson({"name": "model"})


def test_neuron_step_detail_has_before_values():
    room = api.Classroom(trace.demo_network())
    answer = room.neuron({"x": [0.8, 0.2], "layer": 2, "neuron": 1,
                          "label": 1, "step_size": 0.1})
    record = trace.trace(trace.demo_network(), [0.8, 0.2], 1, 0.1)
    out = record["layers"][1]
    step = answer["step"]
    assert step["z"] == repr(out["z"][1][0]) == answer["z"]
    assert step["a"] == repr(out["a"][1][0])
    assert step["y"] == "1.0"
    from purenn.primer import sigmoid_prime
    assert step["sigma_prime"] == repr(sigmoid_prime(out["z"][1][0]))


@pytest.mark.parametrize("argv", [["example"], ["example", "--network", "demo"],
                                  ["trace", "DEMO", "--input", "0.8,0.2",
                                   "--target", "0,1"]])
def test_cli_lang_zh_changes_words_not_numbers(argv, tmp_path, capsys):
    import re
    from purenn.cli import main
    if "DEMO" in argv:
        path = str(tmp_path / "demo.json")
        trace.demo_network().save(path)
        argv = [path if a == "DEMO" else a for a in argv]
    assert main(argv) == 0
    english = capsys.readouterr().out
    assert main(argv + ["--lang", "zh"]) == 0
    chinese = capsys.readouterr().out
    number = r"-?\d[\d.]*(?:e[-+]\d+)?"
    assert re.findall(number, chinese) == re.findall(number, english)
    assert "输入" in chinese and "the input" not in chinese
    if argv[0] == "trace" or "demo" in argv:
        for word in ("前馈", "反向传播", "偏差", "原始成本", "更新成本"):
            assert word in chinese, word


def _pictures():
    """Drawings that, between them, make every note prepare_digit writes."""
    def picture(size, ink):
        return [[ink(r, c) for c in range(size)] for r in range(size)]
    bar = picture(40, lambda r, c: 10 <= r < 30 and 18 <= c < 22)
    return [
        [[1.0 if v else 0.0 for v in row] for row in bar],   # as MNIST
        [[0.0 if v else 1.0 for v in row] for row in bar],   # inverted
        [[0.8 if v else 0.1 for v in row] for row in bar],   # stretched
        # A heavy corner and a long tail: centring would cut off ink.
        picture(60, lambda r, c: float((5 <= r < 20 and 5 <= c < 20) or
                                       (r == c and 5 <= r < 55))),
    ]


def test_every_preparation_note_has_the_pages_chinese():
    # The page shows the server's notes on a picture (and its "drawing WxH"
    # line) through static/i18n.js's localNote: in Chinese every one must
    # match a pattern, and keep the server's numbers exactly as written.
    import json
    import os
    import re
    import shutil
    import subprocess
    from purenn.drawing import prepare
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but node is not installed")
        pytest.skip("node is not installed")
    notes = ["drawing 112x112"]
    for rows in _pictures():
        notes += prepare.prepare_digit(rows)[1]
    kinds = set(re.sub(r"[0-9.]+", "#", n) for n in notes)
    assert len(kinds) == 9, kinds      # every sentence prepare_digit has
    with pytest.raises(ValueError, match="no digit found") as blank:
        prepare.prepare_digit([[0.5] * 28 for _ in range(28)])
    notes.append(str(blank.value))
    i18n = os.path.join(os.path.dirname(api.__file__), "static", "i18n.js")
    script = ("import(process.argv[1]).then(function (m) {"
              " const notes = JSON.parse(process.argv[2]);"
              " console.log(JSON.stringify(notes.map(function (n) {"
              " return m.localNote(n, 'zh'); }))); });")
    out = subprocess.check_output(
        [node, "-e", script, i18n, json.dumps(notes)], timeout=60)
    for english, chinese in zip(notes, json.loads(out.decode("utf-8"))):
        assert re.search("[a-wyzA-Z]", chinese.replace("MNIST", "")) is None, \
            (english, chinese)
        numbers = sorted(re.findall(r"[0-9.]+", english))
        assert sorted(re.findall(r"[0-9.]+", chinese)) == numbers, \
            (english, chinese)
