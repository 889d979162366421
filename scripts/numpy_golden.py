"""A numpy port of the primer's network, checked against a golden fixture.

This is the example docs/golden.md describes: an independent implementation
in the style of Nielsen's network.py (numpy arrays, ``np.dot``) that reads a
fixture written by ``purenn golden``, starts from its initial parameters,
visits the examples in its order, writes every quantity it computes in the
fixture's layout (ACTUAL), and runs ``purenn compare`` on the two.

numpy is not a dependency of purenn: without it the script says so and
exits 0.  Run from the repository root:

    python -m purenn golden --out /tmp/golden
    python scripts/numpy_golden.py /tmp/golden/random-4-5-3.json \\
        --out /tmp/actual.json

Expect a few ULPs: numpy's dot adds in its own order (BLAS, pairwise or
vectorised), not left to right as purenn does.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def floats(value):
    """Return a fixture value with hex strings turned into floats."""
    if isinstance(value, list):
        return [floats(item) for item in value]
    if isinstance(value, str):
        return float.fromhex(value)
    return value


def plain(array):
    """Return a numpy array as nested lists of Python floats."""
    return [[float(v) for v in row] for row in array.tolist()]


def run(fixture, np, exact_order=False):
    """Train as the fixture says; return ACTUAL as a dict.

    With ``exact_order`` every sum runs left to right as docs/spec.md says
    (still vectorised over the other index), instead of np.dot's order.
    """
    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def w_dot(weight, a):
        """weight . a, each row's products added k = 0, 1, ... in order."""
        if not exact_order:
            return np.dot(weight, a)
        total = weight[:, 0:1] * a[0, 0]
        for k in range(1, weight.shape[1]):
            total = total + weight[:, k:k + 1] * a[k, 0]
        return total

    def w_t_dot(weight, delta):
        """weight^T . delta, the products added j = 0, 1, ... in order."""
        return w_dot(weight.T, delta)

    def cost_of(difference):
        if not exact_order:
            return 0.5 * float(np.sum(difference ** 2))
        values = [float(v) for v in difference.ravel()]
        total = values[0] * values[0]  # d*d, see the spec
        for value in values[1:]:
            total = total + value * value
        return 0.5 * total

    def batch_cost(costs):
        if not exact_order:
            return float(np.sum(costs)) / len(costs)
        total = costs[0]
        for value in costs[1:]:
            total = total + value
        return total / len(costs)

    sizes = fixture["sizes"]
    eta = floats(fixture["eta"])
    size = fixture["mini_batch_size"]
    w = [np.array(floats(layer["w"])) for layer in
         fixture["initial"]["layers"]]
    b = [np.array(floats(layer["b"])) for layer in
         fixture["initial"]["layers"]]
    xs = [np.array(floats(x)).reshape(-1, 1) for x in fixture["inputs"]]
    ys = [np.array(floats(y)).reshape(-1, 1) for y in fixture["targets"]]
    steps = []
    for epoch, order in enumerate(fixture["order"]):
        for start in range(0, len(order), size):
            batch = order[start:start + size]
            sum_b = [np.zeros(bias.shape) for bias in b]
            sum_w = [np.zeros(weight.shape) for weight in w]
            examples, costs = [], []
            for index in batch:
                activation, zs, activations = xs[index], [], [xs[index]]
                for weight, bias in zip(w, b):
                    z = w_dot(weight, activation) + bias
                    activation = sigmoid(z)
                    zs.append(z)
                    activations.append(activation)
                dc_da = activations[-1] - ys[index]
                cost = cost_of(dc_da)
                layers = [None] * len(w)
                for l in range(len(w) - 1, -1, -1):
                    a = activations[l + 1]
                    dc_db = a * (1 - a) * dc_da
                    dc_dw = np.dot(dc_db, activations[l].T)
                    layers[l] = {"layer": l + 1, "z": plain(zs[l]),
                                 "a": plain(a), "dc_da": plain(dc_da),
                                 "dc_db": plain(dc_db), "dc_dw": plain(dc_dw)}
                    sum_b[l] = sum_b[l] + dc_db
                    sum_w[l] = sum_w[l] + dc_dw
                    dc_da = w_t_dot(w[l], dc_db)
                examples.append({"example": index, "cost": cost,
                                 "layers": layers})
                costs.append(cost)
            rate = eta / len(batch)
            w = [weight - rate * nabla for weight, nabla in zip(w, sum_w)]
            b = [bias - rate * nabla for bias, nabla in zip(b, sum_b)]
            steps.append({
                "step": len(steps), "epoch": epoch, "examples": examples,
                "rate": rate, "cost": batch_cost(costs),
                "layers": [{"layer": l + 1, "sum_dc_db": plain(sum_b[l]),
                            "sum_dc_dw": plain(sum_w[l]),
                            "updated_b": plain(b[l]),
                            "updated_w": plain(w[l])}
                           for l in range(len(w))]})
    outputs = []
    for x in fixture["test"]["inputs"]:
        activation = np.array(floats(x)).reshape(-1, 1)
        for weight, bias in zip(w, b):
            activation = sigmoid(w_dot(weight, activation) + bias)
        outputs.append([float(v) for v in activation.ravel()])
    return {"case": fixture["case"], "sizes": sizes, "steps": steps,
            "test": {"outputs": outputs}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixture", help="a fixture file from purenn golden")
    parser.add_argument("--out", default=None,
                        help="where to write ACTUAL (default: next to the "
                             "fixture, NAME.numpy.json)")
    parser.add_argument("--exact-order", action="store_true",
                        help="add left to right as purenn does (docs/spec.md)"
                             " instead of in np.dot's order")
    parser.add_argument("--ulps", type=int, default=0)
    parser.add_argument("--rtol", type=float, default=0.0)
    args = parser.parse_args(argv)
    try:
        import numpy as np
    except ImportError:
        print("numpy_golden: numpy is not installed; skipped")
        return 0
    from purenn.classroom import compare
    with open(args.fixture) as stream:
        fixture = json.load(stream)
    actual = run(fixture, np, exact_order=args.exact_order)
    out = args.out or os.path.splitext(args.fixture)[0] + ".numpy.json"
    with open(out, "w") as stream:
        json.dump(actual, stream)
    print("numpy {}: wrote {}".format(np.__version__, out))
    results = compare.compare_paths(args.fixture, out, args.ulps, args.rtol)
    sys.stdout.write(compare.render(results, args.ulps, args.rtol))
    return compare.exit_status(results)


if __name__ == "__main__":
    sys.exit(main())
