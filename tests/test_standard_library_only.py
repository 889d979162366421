"""Everything under purenn/ imports the standard library (or purenn) only."""
import ast
import importlib.util
import os
import sys
import sysconfig

from support import REPO


def _imported_top_level_names():
    package = os.path.join(REPO, "purenn")
    paths = sorted(os.path.join(folder, name)
                   for folder, _, names in os.walk(package)
                   for name in names if name.endswith(".py"))
    assert len(paths) > 20, "the walk should find every module"
    for path in paths:
        name = os.path.relpath(path, package)
        with open(path, encoding="utf-8") as stream:
            tree = ast.parse(stream.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield name, alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                yield name, node.module.split(".")[0]


def _is_standard_library(module):
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    if names is not None:
        return module in names
    if module in sys.builtin_module_names:
        return True
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return False
    if spec.origin in ("built-in", "frozen"):
        return True
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    origin = os.path.realpath(spec.origin)
    return (origin.startswith(stdlib + os.sep)
            and "site-packages" not in origin
            and "dist-packages" not in origin)


def test_only_standard_library_imports():
    found = list(_imported_top_level_names())
    assert (os.path.join("io", "modelfile.py"), "json") in found  # the scan does see imports
    outside = sorted({"{} imports {}".format(f, m) for f, m in found
                      if m != "purenn" and not _is_standard_library(m)})
    assert outside == []


def test_the_check_would_catch_a_third_party_module():
    assert not _is_standard_library("pytest")
    assert not _is_standard_library("no_such_module_anywhere")
    assert _is_standard_library("json") and _is_standard_library("math")
