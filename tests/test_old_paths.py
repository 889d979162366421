"""The 0.1 import paths work in 0.2 and warn, naming the new path.

Each old module (``purenn.mnist``, ``purenn.fast``, ...) is a shim that
warns with a DeprecationWarning and then stands for the new module itself.
They go in 0.3.0 (CHANGELOG.md).
"""
import importlib
import subprocess
import sys
import warnings

import pytest

from support import REPO

# 0.1 path -> 0.2 path (README's layout section, CHANGELOG.md)
MOVED = {
    "purenn.mnist": "purenn.io.mnist",
    "purenn.idx": "purenn.io.idx",
    "purenn.png": "purenn.io.png",
    "purenn.svg": "purenn.drawing.svg",
    "purenn.fileio": "purenn.io.fileio",
    "purenn.trace": "purenn.classroom.trace",
    "purenn.gradcheck": "purenn.classroom.gradcheck",
    "purenn.selftest": "purenn.classroom.selftest",
    "purenn.fast": "purenn.engines",
    "purenn.parallel": "purenn.engines.parallel",
}

# 0.1 paths split in two: each public name of the new modules is offered,
# the same object.
SPLIT = {
    "purenn.images": ("purenn.io.images", "purenn.drawing.prepare"),
}


def _fresh_import(old):
    """Import ``old`` as a first import would (the shim runs again)."""
    saved = sys.modules.pop(old, None)
    try:
        __import__(old)  # as an import statement does
        return sys.modules[old]
    finally:
        sys.modules.pop(old, None)
        if saved is not None:
            sys.modules[old] = saved


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_warns_and_is_the_new_module(old):
    new = MOVED[old]
    with pytest.warns(DeprecationWarning) as caught:
        module = _fresh_import(old)
    messages = [str(w.message) for w in caught
                if issubclass(w.category, DeprecationWarning)]
    assert any(old in text and new + " instead" in text and "0.3.0" in text
               for text in messages), messages
    assert module is importlib.import_module(new)


def test_warning_points_at_the_importing_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fresh_import("purenn.mnist")
    assert caught and caught[0].filename == __file__


def test_old_api_still_works():
    """The 0.1 README's uses: from purenn import mnist; fast.sgd."""
    code = ("import warnings; warnings.simplefilter('error')\n"
            "try:\n"
            "    from purenn import mnist\n"
            "except DeprecationWarning as exc:\n"
            "    print('warned:', exc)\n"
            "warnings.simplefilter('ignore')\n"
            "from purenn import mnist, fast, Network\n"
            "import purenn.io.mnist\n"
            "assert mnist is purenn.io.mnist\n"
            "net = Network([2, 3, 2], seed=0)\n"
            "data = [([0.5, 0.25], 1), ([0.25, 0.5], 0)]\n"
            "fast.sgd(net, data, 1, 2, 1.0)\n"
            "print(len(fast.predictions(net, data)))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "warned: purenn.mnist is deprecated: import purenn.io.mnist " \
        "instead" in result.stdout
    assert result.stdout.rstrip().endswith("2")


@pytest.mark.parametrize("old", sorted(SPLIT))
def test_split_old_path_warns_and_offers_every_new_name(old):
    with pytest.warns(DeprecationWarning) as caught:
        module = _fresh_import(old)
    messages = [str(w.message) for w in caught
                if issubclass(w.category, DeprecationWarning)]
    assert any(old in text and all(new in text for new in SPLIT[old])
               and "instead" in text and "0.3.0" in text
               for text in messages), messages
    for new in SPLIT[old]:
        target = importlib.import_module(new)
        for name in target.__all__:
            assert getattr(module, name) is getattr(target, name), name
            assert name in module.__all__
