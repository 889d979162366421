"""Golden-value subcommands of the purenn command line (see purenn.cli).

``golden``   write the fixture set other implementations test against
``compare``  compare another implementation's numbers with a fixture
"""
import os
import sys

from purenn.arguments import add_data_argument
from purenn.cli.common import (CliError, check_data_directory,
                               non_negative_int)

__all__ = ["register"]


def _non_negative_float(text):
    import argparse
    import math
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            "expected a finite number >= 0, got {!r}".format(text))
    return value


def _case_list(text):
    from purenn.classroom.golden import CASES
    import argparse
    known = [name for name, _ in CASES]
    names = [part.strip() for part in text.split(",")]
    for name in names:
        if name not in known:
            raise argparse.ArgumentTypeError(
                "unknown case {!r}, expected some of {}".format(
                    name, ",".join(known)))
    return names


def register(subparsers):
    """Add this module's subcommands to subparsers."""
    golden = subparsers.add_parser(
        "golden",
        help="write golden-value fixtures for other implementations",
        description="Write one JSON file per case (the primer's 1-1-1 "
                    "example, the 2-3-2 demo, a random 4-5-3 network, "
                    "784-30-10 on the first 25 MNIST images): initial "
                    "parameters, examples, the order per epoch and every "
                    "intermediate of each mini-batch step, from the "
                    "reference Network.  See docs/golden.md.")
    golden.add_argument("--out", required=True, metavar="DIR",
                        help="directory to write the files into (created "
                             "when missing; its parent must exist)")
    golden.add_argument("--hex", action="store_true",
                        help="write every float as a C99 hex string "
                             "(float.hex) instead of a JSON number")
    golden.add_argument("--cases", type=_case_list, default=None,
                        help="comma-separated case names (default: all four)")
    add_data_argument(golden)     # read by the 784-30-10 case
    golden.set_defaults(func=run_golden)

    compare = subparsers.add_parser(
        "compare",
        help="compare another implementation's numbers with a fixture",
        description="Compare ACTUAL (the fixture layout, any subset of the "
                    "quantities, floats as numbers or hex strings) with the "
                    "fixture EXPECTED: per quantity and step the largest "
                    "ULP difference and relative error, the first value "
                    "beyond rounding (else the first outside tolerance), "
                    "hints for common mistakes.  Both may be directories of "
                    "case files.  Every value EXPECTED holds must be in "
                    "ACTUAL unless --partial.  Exit 0 when all are within "
                    "tolerance, 1 when one is not or is missing, 2 for a "
                    "malformed file.  See docs/golden.md.")
    compare.add_argument("expected", metavar="EXPECTED",
                         help="fixture file or directory ('purenn golden')")
    compare.add_argument("actual", metavar="ACTUAL",
                         help="the other implementation's file or directory")
    compare.add_argument("--ulps", type=non_negative_int, default=0,
                         help="accept values at most this many ULPs away")
    compare.add_argument("--rtol", type=_non_negative_float, default=0.0,
                         help="accept values within this relative error")
    compare.add_argument("--partial", action="store_true",
                         help="compare only what ACTUAL holds (a subset on "
                              "purpose); the summary counts the values never "
                              "compared (default: every value is required)")
    compare.set_defaults(func=run_compare)


def _check_output_directory(path):
    """Create ``path`` when missing (not its parents: a typo in a parent
    should not grow a tree), and check it is a writable directory."""
    if not os.path.lexists(path):
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise CliError("--out {}: cannot create it, its parent {} is "
                           "not an existing directory".format(path, parent))
        try:
            os.mkdir(path)
        except OSError as exc:
            raise CliError("--out {}: cannot create it: {}".format(
                path, exc.strerror))
    if not os.path.isdir(path):
        raise CliError("--out {}: not a directory".format(path))
    if not os.access(path, os.W_OK | os.X_OK):
        raise CliError("--out {}: directory is not writable".format(path))


def run_golden(args, out=None):
    out = sys.stdout if out is None else out
    from purenn.classroom import golden
    _check_output_directory(args.out)
    # Each file to be written, before any work: never over a data file
    # (by inode, through links), each one's temporary file proven makeable.
    from purenn.cli.common import data_inputs
    from purenn.io.fileio import check_outputs
    names = [name for name, _ in golden.CASES] if args.cases is None \
        else args.cases
    if "mnist-784-30-10" in names:     # the case that reads --data
        check_data_directory(args.data)
    check_outputs([("--out", os.path.join(args.out, name + ".json"))
                   for name in names], inputs=data_inputs(args.data))
    paths = golden.write_fixtures(args.out, hex=args.hex, cases=args.cases,
                                  mnist_directory=args.data)
    for path in paths:
        out.write("wrote {} ({} bytes)\n".format(path,
                                                 os.path.getsize(path)))
    return 0


def run_compare(args, out=None):
    out = sys.stdout if out is None else out
    from purenn import resources
    from purenn.classroom import compare
    for role, path in (("EXPECTED", args.expected), ("ACTUAL", args.actual)):
        # resources: a shipped fixture may be named inside purenn.pyz.
        if not (os.path.exists(path) or resources.exists(path)):
            raise CliError("{} {}: no such file or directory".format(role,
                                                                     path))
    results = compare.compare_paths(args.expected, args.actual,
                                    ulps=args.ulps, rtol=args.rtol,
                                    partial=args.partial)
    out.write(compare.render(results, args.ulps, args.rtol))
    return compare.exit_status(results)
