"""The ``engines`` subcommand: which engines there are, and their code.

``purenn engines`` lists the engines (``purenn.engines``) and which one
``--engine auto`` picks here; ``purenn engines --source 784,30,10`` prints
the Python that the ``codegen`` engine generates and compiles for that
shape (``purenn.engines.codegen.source``), the code a traceback from it
points into.
"""
import sys

from purenn.cli.common import CliError, parse_int_list

__all__ = ["register", "engines_command"]

_ABOUT = {"reference": "purenn.network itself, the primer-shaped code",
          "codegen": "straight-line code generated per shape; best on "
                     "CPython",
          "loops": "plain nested loops over flat lists; best on PyPy"}


def register(subparsers):
    """Add the ``engines`` subcommand to subparsers."""
    parser = subparsers.add_parser(
        "engines",
        help="list the engines, or print the code codegen generates",
        description="List the engines that train and evaluate (every one "
                    "gives the reference's bits) and the one --engine auto "
                    "picks here; with --source, print the Python the "
                    "codegen engine generates for a shape.  See "
                    "docs/performance.md.")
    parser.add_argument("--source", type=parse_int_list, metavar="LAYERS",
                        default=None,
                        help="comma-separated layer sizes, input first (e.g. "
                             "784,30,10): print codegen's source for them")
    parser.set_defaults(func=engines_command)


def engines_command(args, out=None):
    """Run ``purenn engines``; return the exit status."""
    from purenn import engines
    out = sys.stdout if out is None else out
    if args.source is None:
        default = engines.default_engine()
        for name in engines.ENGINES[1:]:
            out.write("{:<10} {}{}\n".format(
                name, _ABOUT[name],
                " (auto here)" if name == default else ""))
        return 0
    from purenn.engines import codegen
    from purenn.io.modelfile import check_layers
    layers = check_layers(args.source, "--source")
    if not codegen.supports(layers):
        raise CliError(
            "--source {}: codegen does not unroll this shape (at most {:,} "
            "first-layer neurons and {:,} multiply-adds after the first "
            "layer); it trains with the reference".format(
                ",".join(str(size) for size in layers), codegen.MAX_WIDTH,
                codegen.MAX_TERMS))
    out.write(codegen.source(layers))
    return 0
