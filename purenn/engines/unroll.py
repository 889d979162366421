"""Write the Python source of the ``codegen`` engine for one network shape.

Two functions are written out for the shape at hand, ``train_batch`` and
``predict``, unrolled over the neurons of every layer so that each
neuron's z, a and deltas are plain local variables.  Every
expression is the reference arithmetic of ``purenn.network`` in the same
order (``purenn.engines`` says why each shortcut keeps every bit):

* forward: ``z = ((w0*a0 + w1*a1) + ...) + b``, ``a = 1.0/(1.0+exp(-z))``;
* output delta: ``a*(1.0-a) * (a - y)``; hidden delta: ``a*(1.0-a) * dc_da``
  with ``dc_da_k = (w[0][k]*d0 + w[1][k]*d1) + ...``;
* gradient sums from 0.0, example after example; ``w - rate*sum``.

The first layer is special: its weights are stored column-major (one tuple of
the J weights leaving each input) and only the non-zero inputs ``(idx,
vals)`` are visited, a few at a time (``z = z + w0*x0 + w1*x1`` is the same
left-to-right sum with fewer loads and stores).  Its weight gradient is
added up input by input after the mini-batch's examples (each input's
examples in order), and each touched column is updated right away.

One more sign of zero: the reference's gradient sums begin with 0.0, as in
``0.0 + d*x``, which turns a first product of -0.0 into +0.0.  Dropping
that addition (the generated ``update_first_lean``, one operation fewer
per first-layer weight and mini-batch) changes a sum only when it is a
zero, and then only its sign; ``w - rate * (+-0.0)`` is the same for every
w except -0.0.  A weight becomes -0.0 in a subtraction only if it was -0.0
before (in round-to-nearest, a - b is -0.0 only for a = -0.0, b = +0.0),
so when no first-layer weight is -0.0 at the start of training none ever
is, and the lean update is used; otherwise the exact one.

``purenn.engines.codegen`` compiles the source (``build``) and runs it;
print it with ``source(layers)`` or ``purenn engines --source 784,30,10``.

>>> text = source([2, 1])
>>> "z1_0 += w0_0 * x" in text and "def predict" in text
True
"""

__all__ = ["source"]

# The first layer's weight gradient is summed this many examples at a time
# when an input is non-zero in more examples than _one_expression allows.
_GROUP_SUMS = 4


def _names(prefix, count):
    return ", ".join("{}{}".format(prefix, i) for i in range(count))


def _tuple(items):
    items = list(items)
    if len(items) == 1:
        return "({},)".format(items[0])
    return "({})".format(", ".join(items))


class _Code:
    """Lines of Python with an indentation level."""

    def __init__(self):
        self.lines = []
        self.depth = 0

    def __call__(self, text):
        self.lines.append("    " * self.depth + text)

    def text(self):
        return "\n".join(self.lines) + "\n"


def _unpack(code, prefix, count, value):
    # "w0, w1, = row" unpacks a one-element row as well.
    code("{}, = {}".format(_names(prefix, count), value))


def _group(width):
    """Return how many inputs the first layer's loop takes at a time."""
    # G inputs at a time keep G*width weights in locals; CPython reads
    # locals past the 256th with an extra instruction (EXTENDED_ARG).
    return max(1, min(4, 120 // width))


def _hot_names(code, layers, train):
    """Emit a first line naming the per-example variables, hottest first,
    so that they get the lowest local-variable numbers (see _group).

    First the first layer's inner loop, then the later layers' forward
    pass, then (for training) the backward pass; the once-per-mini-batch
    biases and gradient sums come after them.
    """
    n = layers
    last = len(n) - 1
    names = ["k", "x", "idx", "vals", "W1"]
    for g in range(_group(n[1])):
        names += ["k{}".format(g), "x{}".format(g)]
        names += ["w{}_{}".format(g, j) for j in range(n[1])]
    names += ["z1_{}".format(j) for j in range(n[1])]
    names += ["a1_{}".format(j) for j in range(n[1])]
    if last > 1:
        names += ["w{}".format(k) for k in range(max(n[1:last]))]
    for l in range(2, last + 1):
        names += ["z{}_{}".format(l, j) for j in range(n[l])]
        names += ["a{}_{}".format(l, j) for j in range(n[l])]
    if train:
        names += ["t{}".format(j) for j in range(n[last])]
        names += ["c{}".format(j) for j in range(max(n[2:] or [0]))]
        for l in range(last, 0, -1):
            names += ["d{}_{}".format(l, j) for j in range(n[l])]
    code("{} = None".format(" = ".join(names)))


def _forward(code, layers):
    """Emit the forward pass of one example: z{l}_j then a{l}_j."""
    n = layers
    group = _group(n[1])
    code("z1_0 = {}0.0".format("".join("z1_{} = ".format(j)
                                       for j in range(1, n[1]))))
    # Inputs G at a time: z = z + w0*x0 + w1*x1 is ((z + w0*x0) + w1*x1), the
    # reference's order, with fewer loads and stores of z.
    if group > 1:
        code("ik = iter(idx); iv = iter(vals)")
        code("for {}, {} in zip({}, {}):".format(
            _names("k", group), _names("x", group),
            ", ".join(["ik"] * group), ", ".join(["iv"] * group)))
        code.depth += 1
        for g in range(group):
            _unpack(code, "w{}_".format(g), n[1], "W1[k{}]".format(g))
        for j in range(n[1]):
            code("z1_{0} = z1_{0} + {1}".format(j, " + ".join(
                "w{}_{} * x{}".format(g, j, g) for g in range(group))))
        code.depth -= 1
        code("rest = len(idx) % {}".format(group))
        code("for k, x in zip(idx[-rest:] if rest else (), vals[-rest:]):")
    else:
        code("for k, x in zip(idx, vals):")
    code.depth += 1
    _unpack(code, "w0_", n[1], "W1[k]")
    for j in range(n[1]):
        code("z1_{0} += w0_{0} * x".format(j))
    code.depth -= 1
    for j in range(n[1]):
        code("z1_{0} += b1_{0}".format(j))
    _sigmoid(code, 1, n[1])
    _forward_later(code, n)


def _forward_later(code, layers):
    """Emit the forward pass of layers >= 2, from a1_0, a1_1, ..."""
    n = layers
    for l in range(2, len(n)):
        for j in range(n[l]):
            _unpack(code, "w", n[l - 1], "W{}[{}]".format(l, j))
            terms = ["w{} * a{}_{}".format(k, l - 1, k)
                     for k in range(n[l - 1])]
            code("z{0}_{1} = {2} + b{0}_{1}".format(l, j, " + ".join(terms)))
        _sigmoid(code, l, n[l])


def _sigmoid(code, l, count):
    # primer.sigmoid's expression with its exp (purenn.exact.exp: correctly
    # rounded, inf instead of OverflowError, so 1/(1+inf) gives its 0.0).
    for j in range(count):
        code("a{0}_{1} = 1.0 / (1.0 + exp(-z{0}_{1}))".format(l, j))


def _head(code, layers, train):
    last = len(layers) - 1
    _hot_names(code, layers, train)
    code("{}, = params".format(", ".join(
        "W{0}, B{0}".format(l) for l in range(1, last + 1))))
    for l in range(1, last + 1):
        _unpack(code, "b{}_".format(l), layers[l], "B{}".format(l))


def _train(code, layers):
    n = layers
    last = len(n) - 1
    code("def train_batch(batch, params, rate, skip_zero_columns,"
         " lean=False, exp=exp, defaultdict=defaultdict,"
         " consume=consume, append=list.append, repeat=repeat):")
    code.depth += 1
    _head(code, n, True)
    for l in range(1, last + 1):
        code("{} = 0.0".format(" = ".join(
            "g{}_{}".format(l, j) for j in range(n[l]))))
    code("touched = defaultdict(list)")
    for l in range(2, last + 1):
        code("A{0} = []; D{0} = []".format(l))
        # w_l transposed once per mini-batch, for the backward pass.
        code("W{0}T = list(zip(*W{0}))".format(l))
    code("for idx, vals, t in batch:")
    code.depth += 1
    _forward(code, n)
    _backward(code, n)
    for l in range(1, last + 1):
        for j in range(n[l]):
            code("g{0}_{1} += d{0}_{1}".format(l, j))
    # First layer's weight gradient d1_j * x_k, only where x_k != 0: note
    # each example's deltas under the inputs it touches, to add them up
    # input by input (in example order) after the loop.
    code("delta = {}".format(_tuple("d1_{}".format(j) for j in range(n[1]))))
    # touched[k].append((delta, x)) for every non-zero input, in C.
    code("consume(map(append, map(touched.__getitem__, idx),"
         " zip(repeat(delta), vals)))")
    code.depth -= 1
    # Updates, after every example of the mini-batch: w - rate * sum.
    # update_first_lean: sums without the leading 0.0 (module docstring).
    code("W1 = (update_first_lean if lean else update_first)"
         "(W1, touched, rate, skip_zero_columns)")
    for l in range(2, last + 1):
        code("W{0} = update_w{0}(W{0}, A{0}, D{0}, rate)".format(l))
    for l in range(1, last + 1):
        code("B{} = {}".format(l, _tuple(
            "b{0}_{1} - rate * g{0}_{1}".format(l, j) for j in range(n[l]))))
    code("return {}".format(_tuple(
        "W{0}, B{0}".format(l) for l in range(1, last + 1))))
    code.depth -= 1


def _backward(code, layers):
    """Emit the deltas of one example, output layer first, and note each
    layer's ``(a of layer l-1, delta of layer l)`` in A{l}, D{l}."""
    n = layers
    last = len(n) - 1
    # Output delta: sigmoid'(z) * (a - y), sigmoid'(z) = a*(1-a).
    _unpack(code, "t", n[last], "t")
    for j in range(n[last]):
        code("d{0}_{1} = a{0}_{1} * (1.0 - a{0}_{1}) * (a{0}_{1} - t{1})"
             .format(last, j))
    for l in range(last, 1, -1):
        # dc_da of layer l-1 = w_l^T . d_l, summed over j from the j=0 term,
        # one column of w_l (a row of WlT) at a time; times sigmoid'(z).
        for k in range(n[l - 1]):
            _unpack(code, "c", n[l], "W{}T[{}]".format(l, k))
            code("d{0}_{1} = a{0}_{1} * (1.0 - a{0}_{1}) * ({2})".format(
                l - 1, k, " + ".join("c{0} * d{1}_{0}".format(j, l)
                                     for j in range(n[l]))))
        code("A{}.append({}); D{}.append({})".format(
            l, _tuple("a{}_{}".format(l - 1, k) for k in range(n[l - 1])),
            l, _tuple("d{}_{}".format(l, j) for j in range(n[l]))))


def _first_layer(code, layers):
    """Emit ``first_layer(examples, params)``: the a1 tuple of each example.

    For a process that owns some of the first layer's rows (hidden units):
    ``layers`` is ``[inputs, rows]`` and ``params`` those rows' ``(W1,
    B1)``, column-major as everywhere.  Each row's z is summed exactly as
    in ``train_batch``.
    """
    code("def first_layer(examples, params, exp=exp):")
    code.depth += 1
    _head(code, layers[:2], False)
    code("out = []")
    code("for idx, vals in examples:")
    code.depth += 1
    _forward(code, layers[:2])
    code("out.append({})".format(_tuple(
        "a1_{}".format(j) for j in range(layers[1]))))
    code.depth -= 1
    code("return out")
    code.depth -= 1


def _train_rest(code, layers):
    """Emit ``train_rest(batch, params, rate)``: train_batch after layer 1.

    ``batch`` holds ``(a1, target)`` pairs (a1 from ``first_layer`` of the
    processes owning the rows), ``params`` is ``(W2, B2, ...)``.  Returns
    the first layer's deltas of every example (a tuple each, for the rows'
    owners to update their rows) and the new ``(W2, B2, ...)``.
    """
    n = layers
    last = len(n) - 1
    code("def train_rest(batch, params, rate, exp=exp):")
    code.depth += 1
    code("{}, = params".format(", ".join(
        "W{0}, B{0}".format(l) for l in range(2, last + 1))))
    for l in range(2, last + 1):
        _unpack(code, "b{}_".format(l), n[l], "B{}".format(l))
        code("{} = 0.0".format(" = ".join(
            "g{}_{}".format(l, j) for j in range(n[l]))))
        code("A{0} = []; D{0} = []".format(l))
        code("W{0}T = list(zip(*W{0}))".format(l))
    code("deltas = []")
    code("for a1, t in batch:")
    code.depth += 1
    _unpack(code, "a1_", n[1], "a1")
    _forward_later(code, n)
    _backward(code, n)
    for l in range(2, last + 1):
        for j in range(n[l]):
            code("g{0}_{1} += d{0}_{1}".format(l, j))
    code("deltas.append({})".format(_tuple(
        "d1_{}".format(j) for j in range(n[1]))))
    code.depth -= 1
    for l in range(2, last + 1):
        code("W{0} = update_w{0}(W{0}, A{0}, D{0}, rate)".format(l))
        code("B{} = {}".format(l, _tuple(
            "b{0}_{1} - rate * g{0}_{1}".format(l, j) for j in range(n[l]))))
    code("return deltas, {}".format(_tuple(
        "W{0}, B{0}".format(l) for l in range(2, last + 1))))
    code.depth -= 1


def _update_rows(code, layers, l):
    """Emit ``update_w{l}(W, A, D, rate)``: layer l's w - rate * sum(d a).

    A and D hold each example's a of layer l-1 and delta of layer l.  A
    function of its own keeps its locals below 256 (see _group).
    """
    n = layers
    code("def update_w{0}(W{0}, A{0}, D{0}, rate):".format(l))
    code.depth += 1
    # Row j's sums over the examples, G examples per statement
    # (s = s + d0j*h0 + d1j*h1 ..., the same left-to-right order).
    group = _group(n[l - 1])
    code("rows = []")
    code("whole = len(A{0}) - len(A{0}) % {1}".format(l, group))
    code("for j, row in enumerate(W{}):".format(l))
    code.depth += 1
    code("{} = 0.0".format(" = ".join(
        "s{}".format(k) for k in range(n[l - 1]))))
    if group > 1:
        code("ia = iter(A{0}); id_ = iter(D{0})".format(l))
        code("for {}, {} in zip({}, {}):".format(
            _names("h", group), _names("e", group),
            ", ".join(["ia"] * group), ", ".join(["id_"] * group)))
        code.depth += 1
        for g in range(group):
            code("dj{0} = e{0}[j]".format(g))
            _unpack(code, "h{}_".format(g), n[l - 1], "h{}".format(g))
        for k in range(n[l - 1]):
            code("s{0} = s{0} + {1}".format(k, " + ".join(
                "dj{0} * h{0}_{1}".format(g, k) for g in range(group))))
        code.depth -= 1
        code("for a, d in zip(A{0}[whole:], D{0}[whole:]):".format(l))
    else:
        code("for a, d in zip(A{0}, D{0}):".format(l))
    code.depth += 1
    code("dj = d[j]")
    _unpack(code, "a", n[l - 1], "a")
    for k in range(n[l - 1]):
        code("s{0} += dj * a{0}".format(k))
    code.depth -= 1
    _unpack(code, "w", n[l - 1], "row")
    code("rows.append({})".format(_tuple(
        "w{0} - rate * s{0}".format(k) for k in range(n[l - 1]))))
    code.depth -= 1
    code("return rows")
    code.depth -= 1


def _weighted_sum(start, group, j):
    """``start + d0_j * x0 + d1_j * x1 + ...``, added left to right.

    With ``start`` None the sum begins with the first product.
    """
    terms = ["d{0}_{1} * x{0}".format(g, j) for g in range(group)]
    return " + ".join(terms if start is None else [start] + terms)


def _update_first(code, layers, name="update_first", start="0.0"):
    """Emit ``name``: the first layer's w - rate * sum(d * x).

    ``touched`` maps each input k that was non-zero in the mini-batch to its
    ``(delta, x)`` pairs in example order.  Up to 4..10 pairs (depending on
    the width) are summed in one expression; longer lists add the rest four
    pairs at a time.  The sums begin at ``start`` as the reference's do
    (0.0); with ``start`` None they begin with the first product, which
    differs only in the sign of a zero sum (see the module docstring for
    when that changes no weight).
    """
    width = layers[1]
    # Up to `longest` pairs are summed in one expression (keeping the
    # deltas of them all in fewer than 256 locals).
    longest = max(_GROUP_SUMS, min(10, 240 // width - 1))
    code("def {}(W1, touched, rate, skip_zero_columns, n0={}):"
         .format(name, layers[0]))
    code.depth += 1
    code("W1 = list(W1)")
    code("for k, pairs in touched.items():")
    code.depth += 1
    _unpack(code, "w", width, "W1[k]")
    code("count = len(pairs)")
    for count in range(1, longest + 1):
        code("{} count == {}:".format("if" if count == 1 else "elif", count))
        code.depth += 1
        code("{}, = pairs".format(", ".join(
            "(d{0}, x{0})".format(g) for g in range(count))))
        for g in range(count):
            _unpack(code, "d{}_".format(g), width, "d{}".format(g))
        code("W1[k] = {}".format(_tuple(
            "w{} - rate * ({})".format(j, _weighted_sum(start, count, j))
            for j in range(width))))
        code.depth -= 1
    code("else:")
    code.depth += 1
    # The first `longest` pairs in one expression, the rest four at a time
    # and then one at a time: the same left-to-right sum.
    code("{}, = pairs[:{}]".format(", ".join(
        "(d{0}, x{0})".format(g) for g in range(longest)), longest))
    for g in range(longest):
        _unpack(code, "d{}_".format(g), width, "d{}".format(g))
    for j in range(width):
        code("s{0} = {1}".format(j, _weighted_sum(start, longest, j)))
    code("it = iter(pairs[{}:])".format(longest))
    code("for {} in zip({}):".format(
        ", ".join("(d{0}, x{0})".format(g) for g in range(_GROUP_SUMS)),
        ", ".join(["it"] * _GROUP_SUMS)))
    code.depth += 1
    for g in range(_GROUP_SUMS):
        _unpack(code, "d{}_".format(g), width, "d{}".format(g))
    for j in range(width):
        code("s{0} = {1}".format(j, _weighted_sum("s{}".format(j),
                                                  _GROUP_SUMS, j)))
    code.depth -= 1
    code("for d0, x0 in pairs[count - (count - {}) % {}:]:".format(
        longest, _GROUP_SUMS))
    code.depth += 1
    _unpack(code, "d0_", width, "d0")
    for j in range(width):
        code("s{0} += d0_{0} * x0".format(j))
    code.depth -= 1
    code("W1[k] = {}".format(_tuple(
        "w{0} - rate * s{0}".format(j) for j in range(width))))
    code.depth -= 2
    # Inputs that were 0 in every example have sums of exactly +0.0, and
    # w - rate * 0.0 is w unless rate is negative (or -0.0): see
    # purenn.engines.
    code("if not skip_zero_columns:")
    code.depth += 1
    code("for k in range(n0):")
    code.depth += 1
    code("if k not in touched:")
    code.depth += 1
    _unpack(code, "w", width, "W1[k]")
    code("W1[k] = {}".format(_tuple(
        "w{} - rate * 0.0".format(j) for j in range(width))))
    code.depth -= 3
    code("return W1")
    code.depth -= 1


def _predict(code, layers):
    last = len(layers) - 1
    code("def predict(examples, params, exp=exp):")
    code.depth += 1
    _head(code, layers, False)
    code("out = []")
    code("for idx, vals in examples:")
    code.depth += 1
    _forward(code, layers)
    # The first largest output, as network.argmax.
    code("best = 0; top = a{}_0".format(last))
    for j in range(1, layers[last]):
        code("if a{0}_{1} > top: best = {1}; top = a{0}_{1}".format(last, j))
    code("out.append(best)")
    code.depth -= 1
    code("return out")
    code.depth -= 1


def source(layers):
    """Return the Python source of ``train_batch`` and ``predict``.

    ``layers`` are the sizes, input first.  ``params`` of both functions is
    ``(W1, B1, W2, B2, ...)``: W1 a list of one tuple per input (the first
    layer column-major), W2... lists of row tuples, B tuples.  ``predict``
    takes ``(idx, vals)`` pairs and returns the winning output of each;
    ``train_batch(batch, params, rate, skip_zero_columns, lean=False)``
    takes ``(idx, vals, target)`` triples and returns new params without
    changing the old ones; ``lean=True`` sums the first layer's gradient
    without the leading 0.0 (same bits only while no first-layer weight is
    -0.0, see the module docstring).  Helpers in the same source:
    ``update_first``,
    ``update_first_lean`` and ``update_w2``, ``update_w3``... for the later
    layers; for training with the first layer's rows split between
    processes, ``first_layer`` and (with a hidden layer) ``train_rest``.
    """
    code = _Code()
    _update_first(code, list(layers))
    code("")
    _update_first(code, list(layers), "update_first_lean", None)
    code("")
    for l in range(2, len(layers)):
        _update_rows(code, list(layers), l)
        code("")
    _train(code, list(layers))
    code("")
    _predict(code, list(layers))
    code("")
    _first_layer(code, list(layers))
    if len(layers) > 2:
        code("")
        _train_rest(code, list(layers))
    return code.text()
