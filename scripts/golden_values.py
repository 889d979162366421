"""Print values that must be the same bits on every supported Python.

``.ci/run`` runs this under each CPython 3.6-3.13 and PyPy and fails if any
line differs between them.  Every engine prints its own lines, so an engine
that is slow on one interpreter is still checked there.  Each line is a
name and either a float's repr or the SHA-256 of a JSON text made of many
floats (a model file, or a file of the golden fixture set that ``purenn
golden`` writes, decimal and --hex).

Run from the repository root: ``python scripts/golden_values.py``.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import purenn  # noqa: E402  (the checkout's purenn, not an installed one)
from purenn import Network, engines  # noqa: E402


def digest(text):
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def fixture_digests():
    """Return (name, SHA-256) of every file ``purenn golden`` writes, decimal
    and --hex, so that CI's diff proves the fixtures are the same bytes on
    every interpreter."""
    from purenn.classroom import golden
    lines = []
    for name, _ in golden.CASES:
        try:
            record = golden.build_case(name)
        except (OSError, ValueError) as exc:
            lines.append(("golden fixture {}".format(name),
                          "unavailable: {}".format(exc)))
            continue
        for hex in (False, True):
            data = golden.render(record, hex=hex)
            lines.append(("golden fixture {}.json{}".format(
                name, " --hex" if hex else ""),
                hashlib.sha256(data).hexdigest()))
    return lines


def values():
    """Return the (name, value) pairs that main() prints."""
    lines = []
    net = Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]], w=[[[1.58]], [[2.45]]])
    net.feed_forward([0.8])
    net.propagate_backward([1], 0.1)
    lines.append(("worked example updated_a_l2",
                  repr(net.feed_forward([0.8])[0][0])))
    # The initial weights (purenn.exact.normal_draws: no libm) of the golden
    # cases' sizes and the book's network.
    for sizes in ([1, 1, 1], [2, 3, 2], [4, 5, 3], [784, 30, 10]):
        lines.append(("random init seed 0 {}".format(
            str(sizes).replace(" ", "")),
            digest(Network(sizes, seed=0).to_json())))
    lines.append(("random init seed 12 [4,5,3] (golden case)",
                  digest(Network([4, 5, 3], seed=12).to_json())))
    rng = Network([1, 1], seed=123).rng
    data = [([rng.random() for _ in range(6)], rng.randrange(3))
            for _ in range(57)]
    for engine in engines.ENGINES:
        net = Network([6, 5, 4, 3], seed=7)
        history = engines.sgd(net, data, 3, 10, 2.5, test_data=data,
                              engine=engine)
        lines.append(("sgd random data engine={}".format(engine),
                      "{} {}".format([h["correct"] for h in history],
                                     digest(net.to_json()))))
    try:
        from purenn.io import mnist
        training, test = mnist.load(train_limit=1000, test_limit=500)
    except (ImportError, OSError, ValueError) as exc:
        lines.append(("mnist", "unavailable: {}".format(exc)))
    else:
        # (the reference engine's bits are held to these by the suite;
        # it would take a minute here)
        for engine in ("codegen", "loops"):
            net = Network([784, 30, 10], seed=1)
            history = engines.sgd(net, training, 1, 10, 3.0, test_data=test,
                                  engine=engine)
            lines.append(("mnist 1000 examples 1 epoch engine={}".format(
                engine), "{} {}".format(history[0]["correct"],
                                        digest(net.to_json()))))
    lines += fixture_digests()
    return lines


def main():
    for name, value in values():
        print("{}: {}".format(name, value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
