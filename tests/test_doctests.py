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
