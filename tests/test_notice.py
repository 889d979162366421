"""The engine tests notice a fast engine that silently gives way.

A fallback to the reference gives the reference's bits, so comparing bits
alone cannot see it; only a 20x slower run would.  Here the engine tests run
in a subprocess with ``purenn.engines.choose`` forced to answer "reference"
(the plugin tests/force_reference.py) and must fail: every helper asserts
``net.last_engine``, the engine that actually ran.
"""
import os
import re
import subprocess
import sys

from support import REPO

# Tests that train or predict through a fast engine, one of each kind
# (small ones: under the forced reference the MNIST training takes seconds).
MUST_FAIL = [
    "tests/test_engines.py::test_random_networks_train_to_the_same_bits",
    "tests/test_engines.py::test_any_mini_batch_size",
    "tests/test_engines.py::test_mnist_predictions_are_predict",
    "tests/test_parallel.py::test_mnist_predictions_are_the_same_with_"
    "several_jobs",
    "tests/test_parallel.py::test_split_training_negative_eta_and_negative_"
    "zero_weights",
]


def test_engine_tests_fail_when_every_engine_gives_way():
    selection = sorted({name.split("::")[0] for name in MUST_FAIL})
    keyword = " or ".join(name.split("::")[1] for name in MUST_FAIL)
    env = dict(os.environ)
    tests = os.path.join(REPO, "tests")
    env["PYTHONPATH"] = os.pathsep.join(
        [tests] + [p for p in [env.get("PYTHONPATH")] if p])
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider",
         "-p", "force_reference", "-k", keyword] + selection,
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, timeout=300)
    assert done.returncode == 1, done.stdout[-2000:]
    failed = set(re.findall(r"^FAILED (\S+?)(?:\[|\s|$)", done.stdout,
                            re.MULTILINE))
    assert failed == set(MUST_FAIL), done.stdout[-2000:]
    assert not re.search(r"\b\d+ passed", done.stdout), done.stdout[-2000:]
