"""Subcommands of the purenn command line (see purenn.cli): looking at data.

``show`` prints one MNIST image as text art with its label::

    python -m purenn show --index 0            # test image 0, a 7
    python -m purenn show --index 0 --set train --data path/to/mnist
"""
import sys

from purenn.arguments import add_data_argument
from purenn.cli.common import (check_picture_name, data_inputs,
                               load_mnist_example, non_negative_int)


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
    add_data_argument(show)
    show.add_argument("--out", metavar="PNG", default=None,
                      help="also write the image as a 28x28 greyscale PNG "
                           "holding the MNIST bytes unchanged (white ink on "
                           "black) (default: none)")
    show.set_defaults(func=run_show)


def run_show(args, out=None):
    """Print image ``args.index`` of set ``args.which``; return 0."""
    out = sys.stdout if out is None else out
    from purenn.io.fileio import check_outputs
    # Before any work; never over a file of the data set being read.
    check_picture_name("--out", args.out, ".png")
    check_outputs([("--out", args.out)], inputs=data_inputs(args.data))
    from purenn.io import mnist
    # Only this image is held, whatever the size of the file.
    pixels, label = load_mnist_example(args.which, args.data, args.index)
    out.write("{} image {}: label {}\n".format(args.which, args.index, label))
    out.write(mnist.render_text(pixels, mnist.ROWS, mnist.COLS) + "\n")
    if args.out is not None:
        from purenn.io.png import write_png
        cols = mnist.COLS
        write_png(args.out, [list(pixels[row * cols:(row + 1) * cols])
                             for row in range(mnist.ROWS)])
    return 0
