"""The docstring examples run, and they are really there."""
import configparser
import doctest
import importlib
import os

from support import REPO

MODULES = ["purenn", "purenn.matrix", "purenn.primer", "purenn.network"]


def test_suite_collects_doctests():
    config = configparser.ConfigParser()
    config.read(os.path.join(REPO, "setup.cfg"))
    assert "--doctest-modules" in config["tool:pytest"]["addopts"]
    assert "purenn" in config["tool:pytest"]["testpaths"].split()


def test_doctests_pass_and_exist():
    attempted = 0
    for name in MODULES:
        result = doctest.testmod(importlib.import_module(name))
        assert result.failed == 0, name
        attempted += result.attempted
    assert attempted >= 30


def test_readme_session_runs_as_printed():
    # The README's pasted Python session is a doctest: it must stay true.
    result = doctest.testfile(os.path.join(REPO, "README.md"),
                              module_relative=False)
    assert result.failed == 0
    assert result.attempted >= 10


def test_docs_sessions_run_as_printed():
    # Every pasted Python session in docs/ is a doctest too.
    folder = os.path.join(REPO, "docs")
    attempted = 0
    for name in sorted(os.listdir(folder)):
        if name.endswith(".md"):
            result = doctest.testfile(os.path.join(folder, name),
                                      module_relative=False)
            assert result.failed == 0, name
            attempted += result.attempted
    assert attempted >= 1
