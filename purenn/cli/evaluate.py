"""Subcommands ``evaluate`` and ``predict`` (see purenn.cli): a saved model
on MNIST, or on one image.

``evaluate`` prints correct / total, the accuracy per class and the
confusion matrix; ``predict`` shows one image (MNIST, a drawing prepared
like MNIST, or noise), the ten outputs as bars and the predicted class.
``purenn.cli.train`` registers them after ``train``.
"""
import random
import sys

from purenn import network
from purenn.arguments import add_data_argument
from purenn.cli.common import (DIGITS, SETS, CliError, add_engine_arguments,
                               check_fits, layers_text, load_mnist,
                               load_mnist_example, non_negative_int,
                               percent, positive_int)

__all__ = ["register", "evaluate_command", "predict_command", "DEFAULT_SEED",
           "BAR_WIDTH"]

DEFAULT_SEED = 0
BAR_WIDTH = 40


def register(subparsers):
    """Add ``evaluate`` and ``predict`` to subparsers."""
    evaluate = subparsers.add_parser(
        "evaluate",
        help="accuracy, accuracy per class and confusion matrix of a model",
        description="Evaluate a saved model on MNIST: correct / total, "
        "accuracy per class (digit, for MNIST) and the 10x10 confusion "
        "matrix.")
    evaluate.add_argument("model", metavar="MODEL", help="saved model file")
    evaluate.add_argument("--set", choices=SETS, default="test",
                          help="which MNIST set: the 50,000 training "
                          "images, the 10,000 validation images after them, "
                          "or the 10,000 test images")
    for which in SETS:
        evaluate.add_argument("--{}-limit".format(which), type=positive_int,
                              default=None, metavar="N",
                              help="with --set {}, use its first N images "
                              "(default: all)".format(which))
    add_data_argument(evaluate)
    add_engine_arguments(evaluate)
    evaluate.set_defaults(func=evaluate_command)

    predict = subparsers.add_parser(
        "predict",
        help="show one image, the ten outputs and the predicted class",
        description="Feed one image to a saved model and show it, the ten "
        "output activations and the predicted class.  The image is an MNIST "
        "image (--index), your own drawing (--image, PGM or PNG, prepared "
        "like MNIST) or random noise (--noise).")
    source = predict.add_mutually_exclusive_group(required=True)
    source.add_argument("--index", type=non_negative_int, default=None,
                        metavar="N", help="MNIST image number N (from 0)")
    source.add_argument("--image", metavar="FILE", default=None,
                        help="a PGM (P2/P5) or PNG drawing of a digit")
    source.add_argument("--noise", action="store_true",
                        help="uniformly random pixels (see --seed)")
    predict.add_argument("model", metavar="MODEL", help="saved model file")
    predict.add_argument("--set", choices=SETS, default="test",
                         help="MNIST set for --index")
    predict.add_argument("--seed", type=int, default=DEFAULT_SEED,
                         help="seed of the --noise pixels")
    add_data_argument(predict)
    predict.add_argument("--show-input", action="store_true",
                         help="also print the 28x28 input values the network "
                         "saw (as round(255 x))")
    predict.set_defaults(func=predict_command)


def evaluate_command(args, out=None):
    """Run ``purenn evaluate``; return the exit status."""
    from purenn import engines
    out = sys.stdout if out is None else out
    for which in SETS:
        if which != args.set and \
                getattr(args, "{}_limit".format(which)) is not None:
            raise CliError("--{}-limit applies to --set {}, not to --set {}"
                           .format(which, which, args.set))
    net = network.load(args.model)
    data = load_mnist(args.set, args.data,
                      getattr(args, "{}_limit".format(args.set)))
    check_fits(net.layers, data.rows, data.cols, args.model)
    predicted = engines.predictions(net, data, jobs=args.jobs,
                                    engine=args.engine)
    labels = list(data.labels)
    counts = network.confusion_matrix(labels, predicted, DIGITS)
    correct = 0
    for digit in range(DIGITS):
        correct += counts[digit][digit]
    total = len(labels)
    lines = ["{}: layers {}, {} set".format(args.model,
                                            layers_text(net.layers),
                                            args.set),
             "{} / {} correct ({:.2f}%)".format(correct, total,
                                                percent(correct, total)),
             "",
             "class  correct / total  accuracy"]
    for digit in range(DIGITS):
        row_total = 0
        for value in counts[digit]:
            row_total += value
        if row_total:
            accuracy = "{:7.2f}%".format(percent(counts[digit][digit],
                                                  row_total))
        else:
            accuracy = "     n/a"
        lines.append("    {}  {:7d} / {:5d}  {}".format(
            digit, counts[digit][digit], row_total, accuracy))
    lines += ["",
              "confusion matrix: rows are true classes, columns predicted",
              "true\\pred" + "".join("{:>6}".format(d) for d in range(DIGITS))]
    for digit in range(DIGITS):
        lines.append("{:>9}".format(digit)
                     + "".join("{:>6}".format(v) for v in counts[digit]))
    out.write("\n".join(lines) + "\n")
    return 0


# -- predict --------------------------------------------------------------

def _bar_chart(activations, predicted):
    lines = []
    for digit, value in enumerate(activations):
        bar = "#" * int(value * BAR_WIDTH + 0.5)
        lines.append("  {}  {:.6f}  |{}{}".format(
            digit, value, bar.ljust(BAR_WIDTH),
            "  <- predicted" if digit == predicted else ""))
    return lines


def _input_grid(x, rows, cols):
    from purenn.drawing.prepare import to_pixels
    pixels = to_pixels(x)
    return ["".join("{:4d}".format(pixels[r * cols + c]) for c in range(cols))
            for r in range(rows)]


def predict_command(args, out=None):
    """Run ``purenn predict``; return the exit status."""
    from purenn.io import mnist
    out = sys.stdout if out is None else out
    net = network.load(args.model)
    rows = cols = mnist.ROWS
    label = None
    lines = []
    if args.index is not None:
        # Only this image is held, whatever the size of the file.
        pixels, label = load_mnist_example(
            args.set, args.data, args.index,
            "--index {index} is out of range: the {which} set has {size} "
            "images (0..{last})")
        x = [value / 255 for value in pixels]
        lines.append("{} image {} (label {}):".format(args.set, args.index,
                                                      label))
    elif args.image is not None:
        from purenn.drawing.prepare import prepare_digit, to_pixels
        from purenn.io.images import ImageError, read_image
        picture, kind = read_image(args.image)
        try:
            x, notes = prepare_digit(picture)
        except ImageError as exc:  # say which drawing, as read_image does
            raise ImageError("{}: {}".format(args.image, exc))
        pixels = to_pixels(x)
        lines.append("{}: {}, prepared like MNIST:".format(args.image, kind))
        lines += ["  - " + note for note in notes]
        lines.append("what the network sees (28x28):")
    else:
        rng = random.Random(args.seed)
        # random() is the same on every Python; randrange changed in 3.12
        # for some arguments, so it is avoided.
        pixels = [int(rng.random() * 256) for _ in range(rows * cols)]
        x = [value / 255 for value in pixels]
        lines.append("random noise (uniform pixels 0..255, seed {}):".format(
            args.seed))
    check_fits(net.layers, rows, cols, args.model)
    lines.append(mnist.render_text(pixels, rows, cols))
    if args.show_input:
        lines.append("input x (28x28, shown as round(255 x)):")
        lines += _input_grid(x, rows, cols)
    activations = net.output(x)
    predicted = network.argmax(activations)
    lines.append("output activations:")
    lines += _bar_chart(activations, predicted)
    verdict = "predicted class: {} (activation {:.3f})".format(
        predicted, activations[predicted])
    if label is not None:
        verdict += ", true label {}: {}".format(
            label, "correct" if label == predicted else "wrong")
    lines.append(verdict)
    out.write("\n".join(lines) + "\n")
    return 0
