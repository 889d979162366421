"""The ``loops`` engine: plain nested loops over flat lists of floats.

Best on PyPy, whose tracing JIT turns a short loop over a list of floats
into machine code over an unboxed array (the generated straight-line code
of ``purenn.engines.codegen`` is the worst case for such a JIT: huge
functions, each traced once).  On CPython the same loops take about three
times longer than codegen's.

Layout (``params``, a list ``[W1, B1, W2, B2, ...]``, changed in place by a
training step):

* ``Wl`` are row-major: ``Wl[j * K + k]`` is the primer's ``w[j][k]``;
* ``Bl`` are lists of the J biases.

Every sum adds the same terms in the same order as ``purenn.network``; the
comments at each loop say why a reordered loop nest leaves every sum's
order alone, and ``purenn.engines`` why the zero inputs skipped here (in
the forward pass and in the first layer's gradient) change no bit.

The innermost loops of the first layer (forward pass, gradient, update)
count with ``while`` instead of ``for ... in range(...)``: PyPy's JIT
stores a range iterator's position into the iterator object at every step
(it lives on between the outer loop's rounds), and these loops run millions
of times an epoch; about a tenth of training time.  A ``while`` loop visits
the same indexes in the same order, so every sum adds the same terms in the
same order.  (In the short loops of the later layers it gained nothing.)

>>> k = kernel([2, 2, 1])
>>> from purenn.network import Network
>>> net = Network([2, 2, 1], w=[[[0.5, -0.25], [1.0, 0.0]], [[2.0, -1.0]]],
...               b=[[[0.0], [0.5]], [[0.25]]])
>>> params = k.params_of(net)
>>> params[0]      # row-major: w[0][0], w[0][1], w[1][0], w[1][1]
[0.5, -0.25, 1.0, 0.0]
>>> k.predict([([0], [1.0])], params)
[0]
"""
import math

from purenn.engines.driver import cached
from purenn.exact import exp as exact_exp
from purenn.arguments import argmax

__all__ = ["kernel", "Kernel"]


def _sigmoid(z, exp=exact_exp):
    # 1.0/(1.0+exp(-z)) as purenn.primer computes it, with its correctly
    # rounded exp (inf past the largest double: 1/(1+inf) is the primer's 0.0).
    return 1.0 / (1.0 + exp(-z))


def _first_layer(W1, B1, n0, n1, idx, vals, a):
    """Set ``a`` to the first layer's activations for the non-zero inputs
    ``vals`` at ``idx``; ``W1`` is row-major (``W1[j * n0 + k]``)."""
    m = len(idx)
    j = 0
    # Five rows at a time, each with its own sum: every row still adds its
    # terms w[j][k] * x_k in the order of k, so each sum is the reference's
    # (its 0.0 start and the skipped zero inputs: purenn.engines).  The
    # five share the loads of k and x_k (five: about an eighth faster than
    # three on PyPy, for the book's 30 hidden units).
    while j + 5 <= n1:
        base0 = j * n0
        base1 = base0 + n0
        base2 = base1 + n0
        base3 = base2 + n0
        base4 = base3 + n0
        s0 = s1 = s2 = s3 = s4 = 0.0
        i = 0
        while i < m:   # i = 0, 1, ..., m - 1, as range(m) (module docstring)
            k = idx[i]
            x = vals[i]
            s0 = s0 + W1[base0 + k] * x
            s1 = s1 + W1[base1 + k] * x
            s2 = s2 + W1[base2 + k] * x
            s3 = s3 + W1[base3 + k] * x
            s4 = s4 + W1[base4 + k] * x
            i += 1
        a[j] = _sigmoid(s0 + B1[j])
        a[j + 1] = _sigmoid(s1 + B1[j + 1])
        a[j + 2] = _sigmoid(s2 + B1[j + 2])
        a[j + 3] = _sigmoid(s3 + B1[j + 3])
        a[j + 4] = _sigmoid(s4 + B1[j + 4])
        j += 5
    while j < n1:
        base0 = j * n0
        s0 = 0.0
        i = 0
        while i < m:
            s0 = s0 + W1[base0 + idx[i]] * vals[i]
            i += 1
        a[j] = _sigmoid(s0 + B1[j])
        j += 1


def _forward(layers, params, idx, vals, acts):
    """Fill ``acts[l]`` (lists) with every layer's a for one example.

    ``acts[0]`` is unused: the input is ``(idx, vals)``, its non-zero values.
    """
    _first_layer(params[0], params[1], layers[0], layers[1], idx, vals,
                 acts[1])
    for l in range(2, len(layers)):
        W = params[2 * l - 2]
        B = params[2 * l - 1]
        a_prev = acts[l - 1]
        a = acts[l]
        K = len(a_prev)
        for j in range(len(a)):
            # dot(w, a) starts with the first product, as matrix.dot does,
            # then adds the others left to right; then + b.
            base = j * K
            total = W[base] * a_prev[0]
            for k in range(1, K):
                total = total + W[base + k] * a_prev[k]
            a[j] = _sigmoid(total + B[j])


def _add_first_gradient(g1, n1, idx, vals, d):
    """Add one example's d_j * x_k to the column-major sums ``g1``
    (``g1[k * n1 + j]``), for its non-zero inputs only."""
    m = len(idx)
    i = 0
    # Two inputs at a time: two different columns (idx holds each input
    # once), each sum gets this example's one term, so every sum still
    # adds its terms in example order (the skipped terms: purenn.engines).
    while i + 2 <= m:
        x0 = vals[i]
        x1 = vals[i + 1]
        base0 = idx[i] * n1
        base1 = idx[i + 1] * n1
        j = 0
        while j < n1:
            dj = d[j]
            g1[base0 + j] = g1[base0 + j] + dj * x0
            g1[base1 + j] = g1[base1 + j] + dj * x1
            j += 1
        i += 2
    if i < m:
        x0 = vals[i]
        base0 = idx[i] * n1
        j = 0
        while j < n1:
            g1[base0 + j] = g1[base0 + j] + d[j] * x0
            j += 1


class _Scratch:
    """The lists one training run reuses, mini-batch after mini-batch."""

    def __init__(self, layers):
        last = len(layers) - 1
        self.acts = [None] + [[0.0] * size for size in layers[1:]]
        self.deltas = [None] + [[0.0] * size for size in layers[1:]]
        # The first layer's gradient sums, column-major (g1[k * n1 + j]:
        # the n1 sums of input k side by side).  Between
        # mini-batches every entry is +0.0 and no input is marked.
        self.g1 = [0.0] * (layers[0] * layers[1])
        self.marked = [False] * layers[0]
        self.later = [None, None] + [[0.0] * (layers[l - 1] * layers[l])
                                     for l in range(2, last + 1)]
        self.gb = [None] + [[0.0] * size for size in layers[1:]]


def _train_batch(layers, params, batch, rate, skip, scratch, held):
    last = len(layers) - 1
    n1 = layers[1]
    acts, deltas = scratch.acts, scratch.deltas
    g1, marked, later, gb = scratch.g1, scratch.marked, scratch.later, \
        scratch.gb
    # Gradient sums from +0.0, as update_mini_batch's zeros.
    for l in range(1, last + 1):
        sums = gb[l]
        for j in range(len(sums)):
            sums[j] = 0.0
        if l > 1:
            sums = later[l]
            for i in range(len(sums)):
                sums[i] = 0.0
    touched = []
    for idx, vals, t in batch:
        _forward(layers, params, idx, vals, acts)
        # Output delta: sigmoid'(z) * (a - y), sigmoid'(z) = a*(1.0-a).
        a = acts[last]
        d = deltas[last]
        for j in range(len(a)):
            aj = a[j]
            d[j] = aj * (1.0 - aj) * (aj - t[j])
        for l in range(last, 1, -1):
            W = params[2 * l - 2]
            d = deltas[l]
            a_prev = acts[l - 1]
            d_prev = deltas[l - 1]
            K = len(a_prev)
            # dc_da_k = w[0][k]*d_0 + w[1][k]*d_1 + ...: row j of w is
            # added to every k's sum in turn, rows in the order of j, so
            # each k's sum starts with its j=0 product and adds the rest
            # in the order of j, as dot(transpose(w), delta).
            d0 = d[0]
            for k in range(K):
                d_prev[k] = W[k] * d0
            for j in range(1, len(d)):
                dj = d[j]
                base = j * K
                for k in range(K):
                    d_prev[k] = d_prev[k] + W[base + k] * dj
            for k in range(K):
                ak = a_prev[k]
                d_prev[k] = ak * (1.0 - ak) * d_prev[k]
            # Layer l's sums: this example's d_j * a_k added to each,
            # example after example, as update_mini_batch's add().
            sums = later[l]
            for j in range(len(d)):
                dj = d[j]
                base = j * K
                for k in range(K):
                    sums[base + k] = sums[base + k] + dj * a_prev[k]
        for l in range(1, last + 1):
            d = deltas[l]
            sums = gb[l]
            for j in range(len(d)):
                sums[j] = sums[j] + d[j]
        # The first layer's sums, only where this example's input is not
        # 0; each touched input is noted once.
        _add_first_gradient(g1, n1, idx, vals, deltas[1])
        for k in idx:
            if not marked[k]:
                marked[k] = True
                touched.append(k)
    held.begin()
    try:
        _update(layers, params, rate, skip, scratch, touched)
    finally:
        held.end()


def _update(layers, params, rate, skip, scratch, touched):
    """w <- w - rate * sum and b likewise, every layer; clear the sums."""
    n0, n1 = layers[0], layers[1]
    W1 = params[0]
    g1, marked = scratch.g1, scratch.marked
    # Untouched columns' sums are exactly +0.0 and w - rate * 0.0 is w for
    # a rate of +0.0 or more (purenn.engines): with ``skip``, only the
    # touched ones are updated.  g1 is column-major, W1 row-major: for
    # j = 0, 1, ..., n1 - 1, g1[base] is g1[k * n1 + j] and W1[i] is
    # W1[j * n0 + k], each entry's update on its own as before.
    for k in (touched if skip else range(n0)):
        base = k * n1
        i = k
        end = base + n1
        while base < end:
            W1[i] = W1[i] - rate * g1[base]
            g1[base] = 0.0
            base += 1
            i += n0
    for k in touched:
        marked[k] = False
    for l in range(2, len(layers)):
        W = params[2 * l - 2]
        sums = scratch.later[l]
        for i in range(len(W)):
            W[i] = W[i] - rate * sums[i]
    for l in range(1, len(layers)):
        B = params[2 * l - 1]
        sums = scratch.gb[l]
        for j in range(len(B)):
            B[j] = B[j] - rate * sums[j]


class Kernel:
    """The loops engine for one shape, as purenn.engines.driver runs it."""

    def __init__(self, layers):
        self.layers = list(layers)

    def params_of(self, net):
        params = []
        for l in range(1, net.num_layers):
            params.append([float(w) for row in net.w[l] for w in row])
            params.append([float(row[0]) for row in net.b[l]])
        return params

    def store(self, net, params):
        for l in range(1, net.num_layers):
            W = params[2 * l - 2]
            K = self.layers[l - 1]
            net.w[l] = [W[j * K:(j + 1) * K] for j in range(self.layers[l])]
            net.b[l] = [[value] for value in params[2 * l - 1]]

    def snapshot(self, params):
        return [list(part) for part in params]

    def finite(self, params):
        isfinite = math.isfinite
        for part in params:
            for value in part:
                if not isfinite(value):
                    return False
        return True

    def trainer(self, params, held):
        layers = self.layers
        scratch = _Scratch(layers)

        def step(batch, params, rate, skip):
            _train_batch(layers, params, batch, rate, skip, scratch, held)
            return params
        return step

    def predict(self, examples, params):
        layers = self.layers
        acts = [None] + [[0.0] * size for size in layers[1:]]
        out = []
        for idx, vals in examples:
            _forward(layers, params, idx, vals, acts)
            out.append(argmax(acts[-1]))
        return out


# The Kernel of a shape, made once.
kernel = cached(Kernel)
