"""The numbers docs/lesson.md (and lesson.zh.md) quote, from the reference.

    python scripts/lesson_numbers.py            print them, with their page
    python scripts/lesson_numbers.py --write    update the lesson docs

Each number is computed here by ``Network`` with the shipped model and MNIST
test image 0, as the classroom page shows it (``repr``).  The lesson quotes
them by hand; ``docs/lesson.numbers.json`` keeps the values the docs hold
now.  When the model or the bits of sigmoid change (for example when a
correctly rounded exp is merged, or the seeds' initial weights change),
``--write`` replaces every old value by the new one in both lesson docs and
rewrites the JSON; read the diff, since the prose around a number (a neuron
that is "off", "tiny", the terms k that the page lists) may need a look too.
tests/test_browser.py checks that the page shows each number at the URL
given here, and that the docs hold them.
"""
import argparse
import collections
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from purenn import matrix, network  # noqa: E402
from purenn.classroom import trace  # noqa: E402
from purenn.io import mnist  # noqa: E402
from purenn.primer import sigmoid_prime  # noqa: E402

MODEL = os.path.join(REPO, "purenn", "data", "models",
                     "mnist-784-30-10.json")
SNAPSHOT = os.path.join(REPO, "docs", "lesson.numbers.json")
DOCS = [os.path.join(REPO, "docs", name)
        for name in ("lesson.md", "lesson.zh.md")]

# The lesson's choices: image 0 (a 7); hidden neuron 5 (off for it) and
# the first two of the terms the page lists for it (largest |w*a| first);
# output 7 after one step with label 7 and step size 3, and the first of its
# listed terms whose hidden neuron is on; hidden neuron 14 (on for image 0)
# zeroed.  The indices are printed too (ex1_k1, ...): a change of them is
# for a person to carry into the prose ("term k = ...").
URL_1 = "?index=0&neuron=1,5"
URL_2 = "?index=0&label=7&step=3&neuron=2,7"
URL_2Q = "?index=0&label=7&step=3&neuron=1,5"
URL_3 = "?index=0&neuron=1,14&zero=1,14"


def _listed(w_row, a_prev):
    """The k of the terms the page lists, as api.Classroom.neuron orders
    them: largest |w*a| first, then k."""
    products = [w * a for w, a in zip(w_row, a_prev)]
    return sorted(range(len(products)),
                  key=lambda k: (-abs(products[k]), k))[:10]


def lesson_numbers(model=MODEL):
    """Return {name: (page URL, repr)} of every number the lesson quotes."""
    net = network.load(model)
    x, _ = mnist.load_set(None, "test", 1)[0]
    numbers = collections.OrderedDict()
    work = network.Network(net.layers, b=net.biases, w=net.weights)
    work.feed_forward(x)
    a0 = matrix.flatten(work.a[0])
    w5 = net.w[1][5]
    first, second = _listed(w5, a0)[:2]
    for label, k in (("k1", first), ("k2", second)):
        numbers["ex1_" + label] = (URL_1, str(k))
        numbers["ex1_w_" + label] = (URL_1, repr(w5[k]))
        numbers["ex1_a_" + label] = (URL_1, repr(a0[k]))
        numbers["ex1_wa_" + label] = (URL_1, repr(w5[k] * a0[k]))
    numbers["ex1_nonzero"] = (URL_1, str(len([1 for w, a in zip(w5, a0)
                                              if w * a != 0])))
    numbers["ex1_sum"] = (URL_1, repr(matrix.dot([w5], work.a[0])[0][0]))
    numbers["ex1_b"] = (URL_1, repr(net.b[1][5][0]))
    numbers["ex1_z"] = (URL_1, repr(work.z[1][5][0]))
    numbers["ex1_a"] = (URL_1, repr(work.a[1][5][0]))
    record = trace.trace(net, x, 7, 3.0, max_neurons=None)
    out, hidden = record["layers"][1], record["layers"][0]
    a1 = matrix.flatten(hidden["a"])
    k = [k for k in _listed(out["w"][7], a1) if a1[k] > 0.5][0]
    numbers["ex2_a"] = (URL_2, repr(out["a"][7][0]))
    numbers["ex2_sigma_prime"] = (URL_2, repr(sigmoid_prime(out["z"][7][0])))
    numbers["ex2_dc_da"] = (URL_2, repr(out["dc_da"][7][0]))
    numbers["ex2_dc_db"] = (URL_2, repr(out["dc_db"][7][0]))
    numbers["ex2_k"] = (URL_2, str(k))
    numbers["ex2_a_k"] = (URL_2, repr(a1[k]))
    numbers["ex2_dc_dw_k"] = (URL_2, repr(out["dc_dw"][7][k]))
    numbers["ex2_w_k"] = (URL_2, repr(out["w"][7][k]))
    numbers["ex2_updated_w_k"] = (URL_2, repr(out["updated_w"][7][k]))
    numbers["ex2_hidden5_dc_dw_k1"] = (URL_2Q,
                                       repr(hidden["dc_dw"][5][first]))
    numbers["ex3_b"] = (URL_3, repr(net.b[1][14][0]))
    zeroed = network.Network(net.layers, b=net.biases, w=net.weights)
    zeroed.w[1][14] = [0.0] * len(zeroed.w[1][14])
    numbers["ex3_output7"] = (URL_3, repr(zeroed.output(x)[7]))
    return numbers


def write(numbers):
    """Replace the snapshot's old values by ``numbers`` in the lesson docs."""
    with open(SNAPSHOT, encoding="utf-8") as stream:
        old = json.load(stream)
    changes = [(old[name], value) for name, (_, value) in numbers.items()
               if name in old and old[name] != value]
    # A short value ("1.0", "116") may occur in other words: say so, and
    # let a person change it; a full repr of 15+ digits is unique.
    short = [(b, a) for b, a in changes if len(b) < 8]
    for before, after in short:
        print("change by hand: {} -> {}".format(before, after))
    for path in DOCS:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
        for before, after in changes:
            if len(before) >= 8:
                text = text.replace(before, after)
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)
    with open(SNAPSHOT, "w", encoding="utf-8") as stream:
        json.dump(collections.OrderedDict(
            (name, value) for name, (_, value) in numbers.items()), stream,
            indent=1)
        stream.write("\n")
    return changes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="update docs/lesson*.md and the snapshot")
    args = parser.parse_args(argv)
    numbers = lesson_numbers()
    if args.write:
        for before, after in write(numbers):
            print("{} -> {}".format(before, after))
        return 0
    for name, (url, value) in numbers.items():
        print("{:24} {:40} {}".format(name, url, value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
