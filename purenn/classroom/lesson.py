"""The classroom page's lesson views: the network drawn, a step walked through.

Both are built on ``trace.trace``, the record of one training step that
``Network`` itself computed; nothing here redoes the arithmetic except to
*show* it.  Every number is written with ``repr`` (the page never formats
or computes a number), and every sentence comes in English (``"en"``) and in
the Chinese of the translated primer (``"zh"``, see docs/glossary.md).

- ``diagram(record, lang)``: the network as neurons and edges, each with the
  hover text that shows its arithmetic with the numbers plugged in:
  an edge ``w[l][j][k] * a[l-1][k] = w * a = product``, a neuron
  ``z[l][j] = sum_k w * a + b = ... = z`` and ``a = sigmoid(z) = ...``.
  ``compact_diagram(net, x, ...)`` draws only the hidden and output layers
  of a large network (784-30-10), its input layer as one box.
- ``walkthrough(record, lang)``: one learning step, one operation at a time,
  in the primer's order (forward, the cost, backward layer by layer with the
  updates, forward again, the costs).  For the primer's 1-1-1 example the
  stages carry the primer's names (``z_l1``, ... ``updated_cost``) and its
  19 printed values appear in the primer's order.

>>> from purenn.classroom import trace
>>> record = trace.trace(trace.primer_network(), [0.8], [1], 0.1)
>>> stages = walkthrough(record)
>>> stages[0]["name"], stages[0]["plugged"], stages[0]["value"]
('z_l1', '1.58 × 0.8 + (-0.14)', '1.124')
>>> stages[-1]["name"], stages[-1]["value"]
('updated_cost', '0.011095884100559231')
"""
from purenn import matrix
from purenn.primer import sigmoid_prime
from purenn.classroom.steprecord import network_view

__all__ = ["LANGUAGES", "MAX_DRAWN", "text", "diagram", "compact_diagram",
           "walkthrough"]

LANGUAGES = ("en", "zh")

# A layer of more neurons than this is not drawn neuron by neuron (a 784
# pixel input layer becomes one box); 784-30-10's hidden layer is drawn.
MAX_DRAWN = 32

# A neuron's hover text lists its terms w*a one by one up to this many
# inputs (trace.MAX_NEURONS, the size a trace prints in full); above it, the
# sum, b and z (the terms are in the neuron panel).
_MAX_LISTED = 16

# Sentences of the lesson views.  The Chinese words are the translated
# primer's own (docs/glossary.md lists them with the English beside them);
# numbers are inserted as repr strings and never translated.
_TEXT = {
    "en": {
        "input": "the input",
        "target": "the desired output",
        "z": "Layer {l}, neuron {j}: the raw activation z",
        "a": "Layer {l}, neuron {j}: the activation a = σ(z)",
        "cost": "The cost of this input",
        "dc_da": "Layer {l}, neuron {j}: dC/da, how the cost changes with a",
        "sigma_prime": "Layer {l}, neuron {j}: σ′(z), the slope of σ",
        "dc_db": "Layer {l}, neuron {j}: dC/db, the slope for the bias",
        "dc_dw": "Layer {l}, edge {k} → {j}: dC/dw, the slope for the weight",
        "dc_da_prev": "Layer {p}, neuron {k}: dC/da, passed back from layer {l}",
        "updated_b": "Layer {l}, neuron {j}: the bias after the step",
        "updated_w": "Layer {l}, edge {k} → {j}: the weight after the step",
        "updated_z": "Again with the new weights: layer {l}, neuron {j}, z",
        "updated_a": "Again with the new weights: layer {l}, neuron {j}, a",
        "original_cost": "The cost before the step",
        "updated_cost": "The cost after the step",
        "forward": "Feed forward",
        "backward": "Backpropagation, layer {l}",
        "again": "Feed forward with the updated weights and biases",
        "costs": "The cost",
        "inputs": "{n} inputs",
    },
    "zh": {
        "input": "输入",
        "target": "期望输出",
        "z": "层 {l}，神经元 {j}：原始激活 z",
        "a": "层 {l}，神经元 {j}：激活 a = σ(z)",
        "cost": "这个输入的成本",
        "dc_da": "层 {l}，神经元 {j}：成本函数相对于激活的偏导数 ∂C/∂a",
        "sigma_prime": "层 {l}，神经元 {j}：sigmoid 函数的导数 σ′(z)",
        "dc_db": "层 {l}，神经元 {j}：成本函数相对于偏差的偏导数 ∂C/∂b",
        "dc_dw": "层 {l}，边 {k} → {j}：成本函数相对于权重的偏导数 ∂C/∂w",
        "dc_da_prev": "层 {p}，神经元 {k}：从层 {l} 反向传播的 ∂C/∂a",
        "updated_b": "层 {l}，神经元 {j}：更新后的偏差",
        "updated_w": "层 {l}，边 {k} → {j}：更新后的权重",
        "updated_z": "用更新的权重再算一次：层 {l}，神经元 {j}，z",
        "updated_a": "用更新的权重再算一次：层 {l}，神经元 {j}，a",
        "original_cost": "原始成本",
        "updated_cost": "更新成本",
        "forward": "前馈",
        "backward": "反向传播，层 {l}",
        "again": "用更新的权重和偏差前馈",
        "costs": "成本",
        "inputs": "{n} 个输入",
    },
}

# The equations, in the notation of the primer (its ∂C/∂b and step_size;
# the same in both languages: mathematics is not translated).
_EQUATION = {
    "z": "z = Σₖ wⱼₖ·aₖ + b",
    "z1": "z = w·a + b",
    "a": "a = σ(z) = 1/(1 + e^(−z))",
    "cost": "C = ½ Σⱼ (aⱼ − yⱼ)²",
    "dc_da": "∂C/∂a = a − y",
    "sigma_prime": "σ′(z) = σ(z)·(1 − σ(z))",
    "dc_db": "∂C/∂b = σ′(z)·∂C/∂a",
    "dc_dw": "∂C/∂w = a_prev·∂C/∂b",
    "dc_da_prev": "∂C/∂a_prev = Σⱼ wⱼₖ·∂C/∂bⱼ",
    "dc_da_prev1": "∂C/∂a_prev = w·∂C/∂b",
    "updated_b": "updated_b = b − ∂C/∂b·step_size",
    "updated_w": "updated_w = w − ∂C/∂w·step_size",
}


def text(lang, key, **values):
    """Return the sentence ``key`` in ``lang`` ("en" or "zh").

    >>> text("zh", "z", l=1, j=0)
    '层 1，神经元 0：原始激活 z'
    """
    if lang not in _TEXT:
        raise ValueError("lang: expected one of {}, got {!r}".format(
            ", ".join(LANGUAGES), lang))
    return _TEXT[lang][key].format(**values)


def _n(value):
    """A number as an operand: its repr, in parentheses if negative."""
    shown = repr(value)
    return "(" + shown + ")" if shown.startswith("-") else shown


def _column(m):
    return [row[0] for row in m]


def _sum_text(pairs):
    """Return 'x0 × y0 + x1 × y1 + ...' of the operand pairs, in order."""
    return " + ".join("{} × {}".format(_n(x), _n(y)) for x, y in pairs)


def _neuron_hover(l, j, w_row, a_prev, b, z, a):
    """The hover text of neuron j of layer l: z and σ(z) plugged in."""
    names = " + ".join("w[{0}][{1}][{2}]·a[{3}][{2}]".format(l, j, k, l - 1)
                       for k in range(len(w_row)))
    plugged = _sum_text(zip(w_row, a_prev))
    return ("z[{0}][{1}] = {2} + b[{0}][{1}] = {3} + {4} = {5}\n"
            "a[{0}][{1}] = σ(z[{0}][{1}]) = σ({6}) = {7}".format(
                l, j, names, plugged, _n(b), repr(z), repr(z), repr(a)))


def _edge_hover(l, j, k, w, a_prev):
    return "w[{0}][{1}][{2}]·a[{3}][{2}] = {4} × {5} = {6}".format(
        l, j, k, l - 1, _n(w), _n(a_prev), repr(w * a_prev))


def _edge(l, j, k, w, a_prev, largest):
    return {"layer": l, "j": j, "k": k, "w": repr(w), "a": repr(a_prev),
            "product": repr(w * a_prev),
            "sign": "positive" if w > 0 else "negative" if w < 0 else "zero",
            "size": abs(w) / largest if largest else 0.0,
            "text": _edge_hover(l, j, k, w, a_prev)}


def diagram(record, lang="en"):
    """Return the network of a trace ``record`` as neurons and edges.

    ``layers[l]`` lists layer l's neurons (layer 0 the input): ``a`` and, from
    layer 1, ``z``, ``b`` and ``text`` (the hover text, every operand and
    result by repr).  ``edges`` lists every weight: ``layer``, ``j``, ``k``,
    ``w``, ``a`` (the a it multiplies), ``product``, ``sign`` and ``size``
    (|w| over the layer's largest |w|, for the line's width), and ``text``.
    """
    text(lang, "input")    # checks lang
    layers = [[{"a": repr(value), "text": "a[0][{}] = {} = {}".format(
        k, text(lang, "input"), repr(value))}
        for k, value in enumerate(_column(record["input"]))]]
    edges = []
    a_prev = _column(record["input"])
    for layer in record["layers"]:
        l = layer["layer"]
        largest = max(abs(w) for row in layer["w"] for w in row)
        neurons = []
        for j, w_row in enumerate(layer["w"]):
            b, z, a = layer["b"][j][0], layer["z"][j][0], layer["a"][j][0]
            neurons.append({"a": repr(a), "z": repr(z), "b": repr(b),
                            "text": _neuron_hover(l, j, w_row, a_prev, b, z,
                                                  a)})
            for k, w in enumerate(w_row):
                edges.append(_edge(l, j, k, w, a_prev[k], largest))
        layers.append(neurons)
        a_prev = _column(layer["a"])
    return {"sizes": record["sizes"], "layers": layers, "edges": edges,
            "compact": False}


def compact_diagram(net, x, lang="en"):
    """Return the hidden and output layers of a large ``net`` for input ``x``.

    As ``diagram``, but the input layer is one box (``inputs`` says how many
    it holds) and layer 1's neurons show z = Σ w·a + b as the sum, b and z
    (their hundreds of terms are in the neuron panel).  Layers above
    ``MAX_DRAWN`` neurons past the input are not drawn (None).
    """
    text(lang, "input")
    # feed_forward rebinds z, a (never changes net's matrices): a shallow
    # view is enough, as in api._view.
    view = network_view(net)
    view.feed_forward(x)
    layers = [{"box": text(lang, "inputs", n=net.layers[0])}]
    edges = []
    for l in range(1, net.num_layers):
        if net.layers[l] > MAX_DRAWN:
            layers.append(None)
            continue
        a_prev = _column(view.a[l - 1])
        # Σ w·a of every neuron of the layer in one matrix.dot (row j's sum
        # is accumulated as dot([w_row], a) would: the same bits, one shape
        # check instead of one per neuron).
        totals = (matrix.dot(net.w[l], view.a[l - 1])
                  if net.layers[l - 1] > _MAX_LISTED else None)
        neurons = []
        for j, w_row in enumerate(net.w[l]):
            b, z, a = net.b[l][j][0], view.z[l][j][0], view.a[l][j][0]
            if len(w_row) > _MAX_LISTED:
                total = totals[j][0]
                hover = ("z[{0}][{1}] = Σₖ w[{0}][{1}][k]·a[{2}][k] + "
                         "b[{0}][{1}] = {3} + {4} = {5}\n"
                         "a[{0}][{1}] = σ(z[{0}][{1}]) = σ({5}) = {6}").format(
                             l, j, l - 1, repr(total), _n(b), repr(z),
                             repr(a))
            else:
                hover = _neuron_hover(l, j, w_row, a_prev, b, z, a)
            neurons.append({"a": repr(a), "z": repr(z), "b": repr(b),
                            "text": hover})
        layers.append(neurons)
        if net.layers[l - 1] <= MAX_DRAWN:
            largest = max(abs(w) for row in net.w[l] for w in row)
            for j, w_row in enumerate(net.w[l]):
                for k, w in enumerate(w_row):
                    edges.append(_edge(l, j, k, w, a_prev[k], largest))
    return {"sizes": list(net.layers), "layers": layers, "edges": edges,
            "compact": True}


# -- the walkthrough ---------------------------------------------------------

def _primer_names(sizes):
    """Whether the stages take the primer's names (z_l1, ...): 1-1-1 only."""
    return list(sizes) == [1, 1, 1]


def walkthrough(record, lang="en"):
    """Return one learning step of ``record`` as stages, one operation each.

    Each stage is a dict: ``name`` (the primer's name for the 1-1-1 example,
    else the trace's, e.g. ``z[1][0]``), ``section``, ``title``,
    ``equation`` (the primer's), ``plugged`` (the equation's right side with
    the numbers in, by repr), ``value`` (repr) and ``focus`` (the neurons
    ``[l, j]`` and edges ``[l, j, k]`` to highlight in the diagram).
    """
    text(lang, "input")
    primer = _primer_names(record["sizes"])
    step = record["step_size"]
    layers = record["layers"]
    last = layers[-1]["layer"]
    stages = []

    def name(kind, l, j=None, k=None):
        if primer:
            return "{}_l{}".format(kind, l)
        index = "[{}]".format(l) + ("" if j is None else "[{}]".format(j)) \
            + ("" if k is None else "[{}]".format(k))
        return kind + index

    def add(section, kind, title_values, equation, plugged, value, names,
            neurons=(), edges_=()):
        stages.append({"name": names, "section": section,
                       "title": text(lang, kind, **title_values),
                       "equation": _EQUATION.get(equation, equation),
                       "plugged": plugged, "value": repr(value),
                       "focus": {"neurons": [list(n) for n in neurons],
                                 "edges": [list(e) for e in edges_]}})

    def forward(section, prefix):
        """Each neuron's z, then its a, layer by layer, of the parameters
        before the step (``prefix`` "") or after it ("updated_")."""
        a_prev = _column(record["input"])
        for layer in layers:
            l = layer["layer"]
            z, a = layer[prefix + "z"], layer[prefix + "a"]
            for j, w_row in enumerate(layer[prefix + "w"]):
                pairs = list(zip(w_row, a_prev))
                add(section, prefix + "z", {"l": l, "j": j},
                    "z1" if len(pairs) == 1 else "z",
                    "{} + {}".format(_sum_text(pairs),
                                     _n(layer[prefix + "b"][j][0])),
                    z[j][0], name(prefix + "z", l, j), [(l, j)],
                    [(l, j, k) for k in range(len(w_row))])
                add(section, prefix + "a", {"l": l, "j": j}, "a",
                    "1/(1 + e^(−{}))".format(_n(z[j][0])),
                    a[j][0], name(prefix + "a", l, j), [(l, j)])
            a_prev = _column(a)

    forward(text(lang, "forward"), "")
    # The cost of this input (the primer prints it at the end; it is shown
    # again there, so its printed order is kept).
    output = _column(layers[-1]["a"])
    target = _column(record["target"])
    add(text(lang, "costs"), "cost", {}, "cost",
        "½ × (" + " + ".join("({} − {})²".format(_n(a), _n(y))
                             for a, y in zip(output, target)) + ")",
        record["original_cost"], "cost", [(last, j) for j in
                                          range(len(output))])
    # Backward, output layer first, in the primer's order: dC/da, sigma',
    # dC/db, dC/dw, dC/da of the layer before, then this layer's updates.
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        l = layer["layer"]
        section = text(lang, "backward", l=l)
        a_prev = _column(layers[index - 1]["a"]) if index > 0 else \
            _column(record["input"])
        count = len(layer["w"])
        if l == last:
            for j in range(count):
                add(section, "dc_da", {"l": l, "j": j}, "dc_da",
                    "{} − {}".format(_n(layer["a"][j][0]), _n(target[j])),
                    layer["dc_da"][j][0], name("dc_da", l, j), [(l, j)])
        for j in range(count):
            a = layer["a"][j][0]
            add(section, "sigma_prime", {"l": l, "j": j}, "sigma_prime",
                "{} × (1 − {})".format(_n(a), _n(a)),
                sigmoid_prime(layer["z"][j][0]), name("sigma_prime", l, j),
                [(l, j)])
            add(section, "dc_db", {"l": l, "j": j}, "dc_db",
                "{} × {}".format(_n(sigmoid_prime(layer["z"][j][0])),
                                 _n(layer["dc_da"][j][0])),
                layer["dc_db"][j][0], name("dc_db", l, j), [(l, j)])
        for j in range(count):
            for k in range(len(a_prev)):
                add(section, "dc_dw", {"l": l, "j": j, "k": k}, "dc_dw",
                    "{} × {}".format(_n(a_prev[k]), _n(layer["dc_db"][j][0])),
                    layer["dc_dw"][j][k], name("dc_dw", l, j, k), [(l, j)],
                    [(l, j, k)])
        if index > 0:
            below = layers[index - 1]
            for k in range(len(a_prev)):
                pairs = [(layer["w"][j][k], layer["dc_db"][j][0])
                         for j in range(count)]
                add(section, "dc_da_prev", {"p": l - 1, "k": k, "l": l},
                    "dc_da_prev1" if count == 1 else "dc_da_prev",
                    _sum_text(pairs), below["dc_da"][k][0],
                    name("dc_da", l - 1, k), [(l - 1, k)],
                    [(l, j, k) for j in range(count)])
        for j in range(count):
            add(section, "updated_b", {"l": l, "j": j}, "updated_b",
                "{} − {} × {}".format(_n(layer["b"][j][0]),
                                      _n(layer["dc_db"][j][0]), _n(step)),
                layer["updated_b"][j][0], name("updated_b", l, j), [(l, j)])
        for j in range(count):
            for k in range(len(a_prev)):
                add(section, "updated_w", {"l": l, "j": j, "k": k},
                    "updated_w",
                    "{} − {} × {}".format(_n(layer["w"][j][k]),
                                          _n(layer["dc_dw"][j][k]), _n(step)),
                    layer["updated_w"][j][k], name("updated_w", l, j, k),
                    [(l, j)], [(l, j, k)])
    # Forward again with the updated parameters.
    forward(text(lang, "again"), "updated_")
    section = text(lang, "costs")
    updated = _column(layers[-1]["updated_a"])
    add(section, "original_cost", {}, "cost",
        "½ × (" + " + ".join("({} − {})²".format(_n(a), _n(y))
                             for a, y in zip(output, target)) + ")",
        record["original_cost"], "original_cost")
    add(section, "updated_cost", {}, "cost",
        "½ × (" + " + ".join("({} − {})²".format(_n(a), _n(y))
                             for a, y in zip(updated, target)) + ")",
        record["updated_cost"], "updated_cost")
    return stages
