"""The classroom page in a real headless Chromium (Debian's ``chromium``).

Chromium loads the page from a server on an ephemeral port and is driven
over the DevTools protocol by ``tests/devtools.py`` (standard library
only): each test waits, in real time, until the page says it is ready
(``<body data-state="ready">``) and then compares what the page shows with
what purenn computes for the same input.  A drawing and a learning step are
driven twice: by the page's URL test hook (``?strokes=...&label=L&step=S``,
see app.js) and, as a person would, by mouse strokes and clicks.  The input
the page sent is read back from ``<pre id="input-x">``.

Without a browser the tests skip, saying why; with CI=true they fail
instead, so CI never passes by skipping them.  PURENN_CHROMIUM names another
Chromium binary.  Screenshots at 1280 and 390 px wide are saved in pytest's
temporary directory for a person to look at (the path is printed with -s).
"""
import base64
import collections
import contextlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from purenn import network
from purenn.classroom import api, serve, trace
from purenn.io import mnist
import devtools
from support import REPO, serving

MODEL = os.path.join(REPO, "purenn", "data", "models", "mnist-784-30-10.json")
HAVE_MNIST = os.path.exists(os.path.join(mnist.DEFAULT_DIRECTORY,
                                         "t10k-labels-idx1-ubyte.gz"))
# Generous: the page makes a handful of requests, each well under a second
# on a quiet machine.
TIMEOUT_S = 120


def _browser():
    candidates = [os.environ.get("PURENN_CHROMIUM"), "chromium",
                  "chromium-browser", "google-chrome"]
    for name in candidates:
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def browser():
    found = _browser()
    if found is None:
        reason = ("no headless Chromium found (install Debian's 'chromium' "
                  "or set PURENN_CHROMIUM)")
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but " + reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def site():
    if not os.path.exists(MODEL) or not HAVE_MNIST:
        pytest.skip("needs the checkout's data/models and data/mnist")
    net = network.load(MODEL)
    httpd = serve.make_server(api.Classroom(net, source="model"),
                              "127.0.0.1", 0)
    with serving(httpd):
        yield httpd, net


@contextlib.contextmanager
def _page(browser, url, width=1280, height=1400):
    """Yield a devtools.Browser showing ``url`` once the page is ready.

    Ready means <body data-state="ready">, waited for in real time, so a
    loaded machine only makes the test slower.
    """
    profile = tempfile.mkdtemp(prefix="purenn-chromium-")
    page = None
    try:
        page = devtools.Browser(browser, profile, width, height, TIMEOUT_S)
        # Chromium's window is at least 500 px wide: a phone is emulated.
        page.call("Emulation.setDeviceMetricsOverride", width=width,
                  height=height, deviceScaleFactor=1, mobile=width < 500)
        page.call("Page.navigate", url=url)
        page.wait_for("document.body !== null && "
                      "document.body.dataset.state === 'ready'")
        yield page
    finally:
        if page is not None:
            page.close()
        shutil.rmtree(profile, ignore_errors=True)


def _dom(browser, url):
    with _page(browser, url) as page:
        dom = page.evaluate("document.documentElement.outerHTML")
    error = re.search(r'<p id="error"[^>]*>([^<]*)</p>', dom)
    assert error is None or not error.group(1), error.group(1)
    return dom


def _text(dom, element_id):
    found = re.search(r'id="{}"[^>]*>([^<]*)<'.format(re.escape(element_id)),
                      dom)
    assert found is not None, "no element with id={}".format(element_id)
    return html.unescape(found.group(1))


def _cli_prediction(index):
    """Return the digit ``python -m purenn predict --index N`` prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "purenn", "predict", MODEL, "--index",
         str(index)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=REPO)
    out, err = process.communicate(timeout=TIMEOUT_S)
    assert process.returncode == 0, err
    return int(re.search(r"predicted class: (\d)", out.decode()).group(1))


@pytest.mark.parametrize("index", [0, 1])
def test_page_predicts_what_purenn_predicts(browser, site, index):
    httpd, net = site
    dom = _dom(browser, "{}?index={}".format(httpd.url(), index))
    x, _ = mnist.load_set(None, "test", index + 1)[index]
    outputs = net.output(x)
    assert _text(dom, "prediction") == str(_cli_prediction(index))
    assert _text(dom, "prediction") == str(network.argmax(outputs))
    for digit in (0, network.argmax(outputs)):
        assert _text(dom, "output-{}".format(digit)) == repr(outputs[digit])


def test_drawing_and_one_learning_step(browser, site):
    httpd, net = site
    # A "7": the top bar, then the diagonal stroke, in canvas coordinates.
    strokes = "30,25,80,25;80,25,45,95"
    dom = _dom(browser, "{}?strokes={}&label=7&step=3&neuron=1,4".format(
        httpd.url(), strokes))
    x = json.loads(_text(dom, "input-x"))
    assert len(x) == 784 and max(x) == 1.0
    record = trace.trace(net, x, 7, 3.0, max_neurons=None)
    before = network.matrix.flatten(record["layers"][-1]["a"])
    after = network.matrix.flatten(record["layers"][-1]["updated_a"])
    for digit in range(10):
        assert _text(dom, "before-{}".format(digit)) == repr(before[digit])
        assert _text(dom, "after-{}".format(digit)) == repr(after[digit])
        assert _text(dom, "output-{}".format(digit)) == repr(after[digit])
    assert _text(dom, "prediction") == str(network.argmax(after))
    hidden = record["layers"][0]
    assert _text(dom, "neuron-dc-db") == repr(hidden["dc_db"][4][0])
    assert _text(dom, "neuron-z-after") == repr(hidden["updated_z"][4][0])


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshot(browser, site, width, tmp_path):
    httpd, _ = site
    shot = tmp_path / "classroom-{}.png".format(width)
    url = "{}?index=0&label=7&step=3&neuron=1,5".format(httpd.url())
    with _page(browser, url, width, 2400) as page:
        data = page.call("Page.captureScreenshot", format="png")["data"]
        # Nothing sticks out sideways: wide tables scroll inside their panel.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot.write_bytes(base64.b64decode(data))
    with open(str(shot), "rb") as stream:
        assert stream.read(8) == b"\x89PNG\r\n\x1a\n"
    print("screenshot: {}".format(shot))


@pytest.mark.parametrize("view", ["primer", "demo"])
def test_example_views(browser, site, view):
    httpd, _ = site
    dom = _dom(browser, "{}?view={}".format(httpd.url(), view))
    if view == "primer":
        for name, value in trace.PRIMER_VALUES:
            row = re.search(r'data-name="{}"[^>]*>(.*?)</tr>'.format(name), dom)
            assert row is not None and '<span class="num">{!r}</span>'.format(
                value) in row.group(1), name
    else:
        record = trace.trace(trace.demo_network(), trace.DEMO_INPUT,
                             trace.DEMO_TARGET, trace.DEMO_STEP_SIZE)
        assert html.escape(trace.render_text(record), quote=False) in dom


def test_zeroing_a_neuron(browser, site):
    httpd, net = site
    dom = _dom(browser, "{}?index=0&neuron=1,5&zero=1,5".format(httpd.url()))
    b = net.b[1][5][0]
    assert _text(dom, "neuron-z") == _text(dom, "neuron-b") == repr(b)
    changed = network.Network(net.layers, b=net.biases, w=net.weights)
    changed.w[1][5] = [0.0] * 784
    x, _ = mnist.load_set(None, "test", 1)[0]
    outputs = changed.output(x)
    for digit in range(10):
        assert _text(dom, "output-{}".format(digit)) == repr(outputs[digit])


def _read_digit_view(page):
    return page.evaluate(
        "(function () { var out = [];"
        " for (var d = 0; d < 10; d++) {"
        "  out.push(document.getElementById('output-' + d).textContent); }"
        " return {x: document.getElementById('input-x').textContent,"
        "  prediction: document.getElementById('prediction').textContent,"
        "  outputs: out}; })()")


def _settled(page, net, old_x, timeout=60):
    """Wait until the page shows the prediction of its latest input."""
    import time
    deadline = time.time() + timeout
    while time.time() < deadline:
        seen = _read_digit_view(page)
        if seen["x"] and seen["x"] != old_x and seen["prediction"] != "\u2013":
            x = json.loads(seen["x"])
            outputs = net.output(x)
            if seen["outputs"] == [repr(v) for v in outputs] and \
                    seen["prediction"] == str(network.argmax(outputs)):
                return x
        time.sleep(0.2)
    raise AssertionError("the page never showed the prediction of its "
                         "input: {!r}".format(_read_digit_view(page)))


def test_mouse_drawing_and_a_step_by_clicks(browser, site, tmp_path):
    httpd, net = site
    with _page(browser, httpd.url() + "?index=0") as page:
        assert page.evaluate("document.getElementById('prediction')"
                             ".textContent") == "7"
        old_x = page.evaluate("document.getElementById('input-x')"
                              ".textContent")
        page.click("clear")
        left, top, width, height = page.evaluate(
            "(function () { var e = document.getElementById('draw');"
            " e.scrollIntoView({block: 'center'});"
            " var r = e.getBoundingClientRect();"
            " return [r.left, r.top, r.width, r.height]; })()")

        def on_screen(cx, cy):   # canvas coordinates 0..112 -> CSS pixels
            return (left + cx * width / 112, top + cy * height / 112)

        # A "4": the left stroke and the bar, then the long right stroke.
        page.stroke([on_screen(30 + t, 20 + 2 * t) for t in range(0, 31, 3)]
                    + [on_screen(30 + 2 * t, 80) for t in range(15, 36, 3)])
        page.stroke([on_screen(70, 15 + 4 * t) for t in range(0, 21, 2)])
        x = _settled(page, net, old_x)
        assert len(x) == 784 and max(x) == 1.0
        page.evaluate("document.getElementById('label').value = '4'")
        page.click("step")
        page.wait_for("document.getElementById('after-9') !== null")
        record = trace.trace(net, x, 4, 3.0, max_neurons=None)
        after = network.matrix.flatten(record["layers"][-1]["updated_a"])
        shown = page.evaluate(
            "[0,1,2,3,4,5,6,7,8,9].map(function (d) {"
            " return document.getElementById('after-' + d).textContent; })")
        assert shown == [repr(value) for value in after]
        page.click("tile-1-4")
        dc_db = page.wait_for("document.getElementById('neuron-dc-db') &&"
                              " document.getElementById('neuron-dc-db')"
                              ".textContent")
        assert dc_db == repr(record["layers"][0]["dc_db"][4][0])
        shot = page.call("Page.captureScreenshot", format="png")
        path = tmp_path / "classroom-mouse.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        print("screenshot: {}".format(path))


# -- the lesson views (issue 20) ---------------------------------------------

from support import PRIMER_PRINTED   # noqa: E402


def _stage_values(page):
    """Press Next (the right arrow key) through every stage; return the
    value shown at each, in order."""
    total = page.evaluate("document.getElementById('stage-count')"
                          ".textContent.match(/\\d+/g).pop()")
    shown = []
    for _ in range(int(total)):
        shown.append(page.evaluate(
            "document.getElementById('stage-value').textContent"))
        page.call("Input.dispatchKeyEvent", type="keyDown", key="ArrowRight",
                  code="ArrowRight", windowsVirtualKeyCode=39)
        page.call("Input.dispatchKeyEvent", type="keyUp", key="ArrowRight",
                  code="ArrowRight", windowsVirtualKeyCode=39)
    return shown


@pytest.mark.parametrize("lang, word", [("en", "raw activation"),
                                        ("zh", "原始激活")])
def test_walkthrough_shows_the_primers_values_in_order(browser, site, lang,
                                                       word):
    httpd, _ = site
    with _page(browser, "{}?view=primer&lang={}".format(httpd.url(), lang)) \
            as page:
        assert word in page.evaluate(
            "document.getElementById('stage-title').textContent")
        shown = _stage_values(page)
        assert page.evaluate("document.documentElement.lang").startswith(
            lang)
    # The primer's 19 printed values appear in its order (the cost is also
    # shown once early, after the forward pass, as the issue asks).
    position = 0
    for name, value in PRIMER_PRINTED:
        assert value in shown[position:], (name, value, shown)
        position = shown.index(value, position) + 1
    assert shown[0] == "1.124" and shown[-1] == "0.011095884100559231"


def _trace_matrices(text):
    """Return {label: rows of repr strings} from `purenn trace`'s text."""
    found, label = {}, None
    for line in text.splitlines():
        head = re.match(r"^(\S.*?) = .*\(\d+x\d+\)$", line)
        if head:
            label = head.group(1)
            found[label] = []
        elif line.startswith("    [") and label is not None:
            found[label].append(line.strip("[] ").split())
    return found


def test_demo_diagram_hover_equals_trace(browser, site):
    httpd, _ = site
    process = subprocess.run(
        [sys.executable, "-m", "purenn", "example", "--network", "demo"],
        stdout=subprocess.PIPE, cwd=REPO, check=True)
    matrices = _trace_matrices(process.stdout.decode("utf-8"))
    with _page(browser, "{}?view=demo".format(httpd.url())) as page:
        def hover(element_id):
            return page.evaluate(
                "(function () {{ var e = document.getElementById({0});"
                " e.dispatchEvent(new MouseEvent('mouseenter'));"
                " return document.getElementById('example-info')"
                ".textContent; }})()".format(json.dumps(element_id)))
        for l, j in ((1, 0), (1, 2), (2, 1)):
            text = hover("node-{}-{}".format(l, j))
            z = matrices["z[{}]".format(l)][j][0]
            a = matrices["a[{}]".format(l)][j][0]
            first, second = text.split("a[{}][{}] = ".format(l, j))
            assert first.endswith("= " + z), (first, z)
            assert second.endswith("= " + a), (second, a)
        for l, j, k in ((1, 0, 1), (2, 1, 2)):
            text = hover("edge-{}-{}-{}".format(l, j, k))
            w = matrices["w[{}]".format(l)][j][k]
            a_prev = matrices["a[{}]".format(l - 1)][k][0]
            assert " {} × {} = {}".format(
                "({})".format(w) if w.startswith("-") else w, a_prev,
                repr(float(w) * float(a_prev))) in text, text


# The numbers each exercise of docs/lesson.md asks for, computed from the
# reference by scripts/lesson_numbers.py, with the page (the URL the lesson
# gives) that shows them.
sys.path.insert(0, os.path.join(REPO, "scripts"))
import lesson_numbers  # noqa: E402


def _lesson_pages():
    if not os.path.exists(MODEL) or not HAVE_MNIST:
        return []
    pages = collections.OrderedDict()
    for name, (url, value) in lesson_numbers.lesson_numbers().items():
        pages.setdefault(url, []).append((name, value))
    return list(pages.items())


REFRESH_LESSON = ("if the model or sigmoid's bits changed on purpose, run "
                  "python scripts/lesson_numbers.py --write and read the "
                  "diff of docs/lesson.md and docs/lesson.zh.md")


@pytest.mark.parametrize("query, numbers", _lesson_pages())
def test_lesson_numbers_are_on_the_page(browser, site, query, numbers):
    httpd, _ = site
    with _page(browser, httpd.url() + query) as page:
        shown = page.evaluate(
            "Array.prototype.map.call(document.querySelectorAll('.num, "
            "#neuron .formula, #neuron td'), function (e) {"
            " return e.textContent; })")
    text = " ".join(shown)
    for path in ("lesson.md", "lesson.zh.md"):
        with open(os.path.join(REPO, "docs", path), encoding="utf-8") as f:
            lesson_text = f.read()
        for name, value in numbers:   # as repr prints it
            assert value in lesson_text, "{}: {} {} is not in {}; {}".format(
                path, name, value, path, REFRESH_LESSON)
    for name, value in numbers:
        assert value in shown or " {} ".format(value) in text or \
            "({} ".format(value) in text, (name, value)


def test_lesson_exercise_3_zeroes_an_active_neuron(browser, site):
    httpd, net = site
    with open(os.path.join(REPO, "docs", "lesson.md"), encoding="utf-8") as f:
        found = re.search(r"/\?index=0&neuron=(\d+),(\d+)&zero=\1,\2",
                          f.read())
    layer, j = int(found.group(1)), int(found.group(2))
    x, _ = mnist.load_set(None, "test", 1)[0]
    net.feed_forward(x)
    assert net.a[layer][j][0] > 0.9    # the neuron is on for image 0
    dom = _dom(browser, "{}?index=0&neuron={},{}&zero={},{}".format(
        httpd.url(), layer, j, layer, j))
    assert _text(dom, "neuron-z") == _text(dom, "neuron-b") == \
        repr(net.b[layer][j][0])
    assert 'id="neuron-all-zero"' in dom
    # The lesson's numbers for this exercise: b, and output 7 after zeroing.
    with open(os.path.join(REPO, "docs", "lesson.md"), encoding="utf-8") as f:
        lesson_text = f.read()
    changed = network.Network(net.layers, b=net.biases, w=net.weights)
    changed.w[layer][j] = [0.0] * len(changed.w[layer][j])
    output7 = repr(changed.output(x)[7])
    assert _text(dom, "output-7") == output7
    for number in (repr(net.b[layer][j][0]), output7):
        assert number in lesson_text, number


LAYOUT_PAGES = ["?index=0&label=7&step=3&neuron=1,5", "?view=primer",
                "?view=demo&stage=20", "?index=0&label=7&step=3&neuron=2,7"
                "&lang=zh"]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("query", LAYOUT_PAGES)
def test_layout_numbers_one_line_no_sideways_scroll(browser, site, width,
                                                    query, tmp_path):
    httpd, _ = site
    with _page(browser, httpd.url() + query, width, 1400) as page:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        broken = page.evaluate(
            "Array.prototype.filter.call(document.querySelectorAll('.num'),"
            " function (e) { var r = e.getBoundingClientRect();"
            "  var size = parseFloat(getComputedStyle(e).fontSize);"
            "  return r.width > 0 && (e.getClientRects().length !== 1 ||"
            "   r.height > 2 * size || r.right > "
            "   document.documentElement.clientWidth + 0.5); })"
            ".map(function (e) { return e.textContent; })")
        assert broken == []
        count = page.evaluate("document.querySelectorAll('.num').length")
        assert count > 10
        if "index" in query:
            # Tiles are numbered, the chosen neuron is highlighted.
            assert page.evaluate("document.querySelector('#tile-1-3 .number')"
                                 ".textContent") == "3"
            assert page.evaluate("document.querySelectorAll('.selected')"
                                 ".length") == 1


def test_copy_as_json_confirms(browser, site):
    httpd, _ = site
    with _page(browser, "{}?view=primer".format(httpd.url())) as page:
        origin = httpd.url().rstrip("/")
        try:
            page.call("Browser.grantPermissions", origin=origin,
                      permissions=["clipboardReadWrite",
                                   "clipboardSanitizedWrite"])
        except RuntimeError:
            pass
        page.click("copy-example")
        said = page.wait_for(
            "document.querySelector('.copied') &&"
            " document.querySelector('.copied').textContent")
        assert "Copied" in said


def test_a_small_served_model_is_walked_through(browser):
    """A small model a teacher loads (the 2-3-2 demo) opens the walkthrough,
    its numbers those of trace for the model's default input."""
    httpd = serve.make_server(api.Classroom(trace.demo_network(),
                                            source="demo.json"),
                              "127.0.0.1", 0)
    with serving(httpd):
        with _page(browser, httpd.url() + "?input=0.8,0.2&target=0,1") \
                as page:
            first = page.evaluate(
                "document.getElementById('stage-value').textContent")
            hover = page.evaluate(
                "document.getElementById('edge-2-1-0').getAttribute("
                "'data-text')")
    record = trace.trace(trace.demo_network(), [0.8, 0.2], [0.0, 1.0], 0.1)
    assert first == repr(record["layers"][0]["z"][0][0])
    w, a = record["layers"][1]["w"][1][0], record["layers"][0]["a"][0][0]
    assert hover.endswith("= {!r}".format(w * a))


def test_a_lost_session_is_said_once_and_forgotten(browser):
    # The server drops a student's session (idle expiry, a full store or a
    # restart): the page's next action says so in one line, in the page's
    # language, and forgets it, so the action after that starts a new copy
    # instead of failing again.
    if not os.path.exists(MODEL) or not HAVE_MNIST:
        pytest.skip("needs the shipped model and MNIST test set")
    room = api.Classroom(network.load(MODEL), source="model")
    httpd = serve.make_server(room, "127.0.0.1", 0)
    with serving(httpd):
        for lang, said in (("en", "is gone from the server"),
                           ("zh", "已不存在")):
            url = "{}?lang={}&index=0&label=7&step=3".format(httpd.url(),
                                                             lang)
            with _page(browser, url) as page:
                assert len(room.sessions) == 1
                for name in list(room.sessions._sessions):
                    room.sessions.drop(name)
                page.click("step")
                error = page.wait_for(
                    "!document.getElementById('error').hidden &&"
                    " document.getElementById('error').textContent")
                assert said in error
                page.click("step")
                page.wait_for("document.getElementById('error').hidden")
                assert len(room.sessions) == 1
            for name in list(room.sessions._sessions):
                room.sessions.drop(name)


def test_a_drawings_notes_in_chinese(browser, site):
    # The server's notes on preparing a drawing reach a Chinese page in
    # Chinese (static/i18n.js localNote), with the same numbers as English.
    httpd, _ = site
    url = "{}?strokes=30,25,80,25;80,25,45,95".format(httpd.url())
    notes = {}
    for lang in ("en", "zh"):
        dom = _dom(browser, url + "&lang=" + lang)
        box = re.search(r'<ul id="notes"[^>]*>(.*?)</ul>', dom, re.S)
        assert box is not None
        notes[lang] = [html.unescape(n) for n in
                       re.findall(r"<li>([^<]*)</li>", box.group(1))]
        notes[lang].append(_text(dom, "source"))
    assert len(notes["zh"]) == len(notes["en"]) >= 5
    assert "墨迹" in "".join(notes["zh"])
    for english, chinese in zip(notes["en"], notes["zh"]):
        assert chinese != english
        assert sorted(re.findall(r"[0-9.]+", chinese)) == sorted(
            re.findall(r"[0-9.]+", english))


def test_the_training_view_fills_in_the_run(browser):
    # serve --train's view (?train=1): the summary line gets every number
    # from /api/train (the layers, the sizes, the step size: the page's
    # {step_size} placeholder), in English and in Chinese, with the table of
    # the finished epoch.
    data = mnist.Dataset(bytes(784 * 2), bytes([3, 5]))
    run = serve.Training(data, data, layers=(784, 3, 10), epochs=1,
                         mini_batch_size=2, step_size=0.5, seed=1)
    run.start()
    run.join(60)
    httpd = serve.make_server(api.Classroom(network.Network([784, 3, 10],
                                                            seed=1)),
                              "127.0.0.1", 0, run)
    with serving(httpd):
        for lang, finished in (("en", "finished in"), ("zh", "完成")):
            with _page(browser, "{}?train=1&lang={}".format(httpd.url(),
                                                           lang)) as page:
                summary = page.evaluate(
                    "document.getElementById('train-summary').textContent")
                rows = page.evaluate(
                    "document.querySelectorAll('#train-table tr').length")
            assert "{" not in summary and "}" not in summary, summary
            assert "784-3-10" in summary and "η = 0.5" in summary, summary
            assert finished in summary, summary
            assert rows == 2, rows   # the header and epoch 0
