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
