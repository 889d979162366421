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


def test_readme_test_command_is_the_one_ci_runs():
    # The brief's two commands: CI (.ci/run) runs the README's test command,
    # with -q added; a README that drifted from it would send a fresh
    # machine down a path no CI run has taken.
    with open(os.path.join(REPO, ".ci", "run"), encoding="utf-8") as stream:
        ci = stream.read()
    marker = "# The README's test command, verbatim:\n"
    assert marker in ci
    line = ci.split(marker, 1)[1].splitlines()[0]
    shown = line.replace(" -q", "")
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as stream:
        readme = stream.read()
    assert "\n{}\n".format(shown) in readme, shown
    assert "\npython -m purenn train\n" in readme
