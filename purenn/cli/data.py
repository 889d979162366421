"""Subcommands of the purenn command line (see purenn.cli): looking at data.

``show`` prints one MNIST image as text art with its label::

    python -m purenn show --index 0            # test image 0, a 7
    python -m purenn show --index 0 --set train --data path/to/mnist
"""
import sys

from purenn.cli.common import CliError, load_mnist, non_negative_int


def register(subparsers):
    """Add this module's subcommands to subparsers."""
    show = subparsers.add_parser(
        "show", help="print an MNIST image as text art with its label",
        description="Print an MNIST image as text art (two characters a "
                    "pixel, darker characters for darker ink) and its label.")
    show.add_argument("--index", type=non_negative_int, required=True,
                      help="which image, 0 for the first (required)")
    show.add_argument("--set", dest="which",
                      choices=("train", "validation", "test"),
                      default="test",
                      help="which MNIST set to read (default: test)")
    show.add_argument("--data", metavar="DIR", default=None,
                      help="directory holding the MNIST files (default: the "
                           "shipped purenn/data/mnist)")
    show.add_argument("--out", metavar="PNG", default=None,
                      help="also write the image as a 28x28 greyscale PNG "
                           "holding the MNIST bytes unchanged (white ink on "
                           "black) (default: none)")
    show.set_defaults(func=run_show)


def run_show(args, out=None):
    """Print image ``args.index`` of set ``args.which``; return 0."""
    out = sys.stdout if out is None else out
    from purenn.io.fileio import check_outputs
    check_outputs([("--out", args.out)])   # before any work
    from purenn.io import mnist
    data = load_mnist(args.which, args.data)
    if args.index >= len(data):
        raise CliError("--index {} is out of range: the {} set has {} images, "
                       "0 to {}".format(args.index, args.which, len(data),
                                        len(data) - 1))
    out.write("{} image {}: label {}\n".format(args.which, args.index,
                                                data.labels[args.index]))
    out.write(mnist.render_text(data.pixels(args.index), data.rows,
                                data.cols) + "\n")
    if args.out is not None:
        from purenn.io.png import write_png
        pixels = data.pixels(args.index)
        cols = data.cols
        write_png(args.out, [list(pixels[row * cols:(row + 1) * cols])
                             for row in range(data.rows)])
    return 0
