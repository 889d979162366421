"""Every command's --help reads like a person wrote it: no Python reprs."""
import argparse
import re

import pytest

from purenn.cli import build_parser, main


def _subcommands():
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    raise AssertionError("no subcommands found")


def test_there_are_subcommands():
    assert {"train", "evaluate", "predict", "example"} <= set(_subcommands())


@pytest.mark.parametrize("command", _subcommands())
def test_help_shows_no_python_reprs(command, capsys):
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: purenn " + command)
    for bad in ("default: None", "default: False", "default: True",
                "default: ["):
        assert bad not in text, (command, bad)
    # One default per option at most (none said twice).
    for paragraph in re.split(r"\n  (?=-)", text):
        assert paragraph.count("default:") <= 1, (command, paragraph)


def test_list_default_is_shown_as_typed(capsys):
    main(["gradcheck", "--help"])
    assert "(default: 2,3,2)" in capsys.readouterr().out


def test_required_option_shows_no_default(capsys):
    main(["trace", "--help"])
    text = capsys.readouterr().out
    assert "--input INPUT" in text
    assert "default" not in text.split("--input INPUT", 2)[2].split("\n")[0]
