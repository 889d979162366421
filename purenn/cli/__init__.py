"""The ``purenn`` command line: a thin argparse layer over the library.

Each group of subcommands lives in its own module (``data``, ``train``,
``classroom``, ``golden``, ``serve``, ``pack``, ``engines``; shared pieces
in ``common``) with a
``register(subparsers)`` function that adds its parsers and sets ``func``
to the function that runs it.  A command function takes the parsed
arguments and an ``out`` stream (default ``sys.stdout``) and returns the
exit status.

Errors the user can fix (a bad flag, a missing or damaged file, a model that
does not fit the data) end in one line ``purenn: error: ...`` on stderr and
exit status 2, never a traceback.  The line is cut to about 300 characters
(saying so), since a message may quote a file.  Ctrl-C ends with status 130.
"""
import os
import sys

import purenn
from purenn.io.bounded import shorten
from purenn.cli.common import (CliError, Parser, parse_int_list,
                                parse_float_list, positive_int,
                                non_negative_int)

__all__ = ["CliError", "build_parser", "main", "parse_int_list",
           "parse_float_list", "positive_int", "non_negative_int"]


def _command_modules():
    from purenn.cli import (data, train, evaluate, classroom, golden, serve,
                            pack, engines)
    return [data, train, evaluate, classroom, golden, serve, pack, engines]


def build_parser():
    """Return the ``purenn`` ArgumentParser with every subcommand."""
    parser = Parser(
        prog="purenn",
        description="The Neural Networks Primer's network in pure Python.")
    parser.add_argument("--version", action="version",
                        version="purenn " + purenn.__version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=Parser)
    for module in _command_modules():
        module.register(subparsers)
    return parser


def _describe_os_error(exc):
    if exc.filename is not None and exc.strerror:
        return "{}: {}".format(exc.filename, exc.strerror)
    return str(exc)


def _one_line(message):
    """The message on one line (input quoted in it may hold newlines), cut
    to a readable length."""
    return shorten(" ".join(str(message).splitlines()))


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``).

    Return the exit status: 0 on success, 2 for bad input, 130 on Ctrl-C.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "func", None) is None:
            parser.print_help(sys.stderr)
            return 2
        return args.func(args)
    except SystemExit as exc:  # --help and --version exit through argparse
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print("purenn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``purenn show ... | head``): stop quietly,
        # and point stdout at /dev/null so Python's exit-time flush of the
        # dead pipe raises nothing either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a killed writer
    except (CliError, ValueError) as exc:
        print("purenn: error: {}".format(_one_line(exc)), file=sys.stderr)
        return 2
    except OSError as exc:
        print("purenn: error: {}".format(_one_line(_describe_os_error(exc))),
              file=sys.stderr)
        return 2
