"""Subcommand ``train`` (see purenn.cli; ``evaluate`` and ``predict``, which
share its engine flags, are purenn.cli.evaluate).

MNIST and the engines are imported by the commands that use them, so that
``purenn --help`` stays quick.

``train`` runs network.py's ``SGD`` on MNIST through ``purenn.engines.sgd``
(the reference's bits, by the engine ``--engine`` names); the printing,
the progress line, the ``--save`` model and the ``--log`` lines all happen
in the callbacks of ``purenn.cli.trainreport``, never in the library.
"""
import argparse
import math
import sys

from purenn import network
from purenn.arguments import add_data_argument
from purenn.cli.common import (ENGINE_CHOICES, CliError, add_engine_arguments,
                               check_fits, data_inputs, layers_text,
                               load_mnist_sets, non_negative_int,
                               parse_int_list, positive_int)
from purenn.cli.evaluate import DEFAULT_SEED
from purenn.cli.trainreport import TrainReport

DEFAULT_LAYERS = [784, 30, 10]
DEFAULT_EPOCHS = 30
DEFAULT_BATCH_SIZE = 10
DEFAULT_STEP_SIZE = 3.0

__all__ = ["register", "train_command", "ENGINE_CHOICES", "DEFAULT_LAYERS"]


def _non_negative_float(text):
    """argparse type: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected a number such as 3.0, got {!r}".format(text))
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            "expected a finite number >= 0, got {!r}".format(text))
    return value


def register(subparsers):
    """Add ``train``, then ``evaluate`` and ``predict``, to subparsers."""
    train = subparsers.add_parser(
        "train",
        help="train a network on MNIST (network.py's SGD)",
        description="Train a network on MNIST with mini-batch SGD, exactly "
        "as network.py's SGD; with no flags, the book's run: 784,30,10, 30 "
        "epochs, mini-batch 10, step size 3.0, on the first 50,000 training "
        "images (the last 10,000 are the validation set), tested on the "
        "10,000 test images after every epoch.")
    train.add_argument("--layers", type=parse_int_list, default=None,
                       metavar="SIZES",
                       help="layer sizes, input first (default: 784,30,10, "
                       "or those of the --init model)")
    train.add_argument("--epochs", type=positive_int, default=DEFAULT_EPOCHS,
                       metavar="N", help="number of epochs")
    train.add_argument("--batch-size", type=positive_int,
                       default=DEFAULT_BATCH_SIZE, metavar="M",
                       help="mini-batch size")
    # The rate's one name is the primer's step_size; --eta (network.py's
    # name) stays as an alias for the commands people already type.
    train.add_argument("--step-size", "--eta", dest="step_size",
                       metavar="STEP", type=_non_negative_float,
                       default=DEFAULT_STEP_SIZE,
                       help="step size, the learning rate (network.py's eta)")
    train.add_argument("--seed", type=int, default=DEFAULT_SEED,
                       help="seeds random.Random: initial weights (without "
                       "--init), then the shuffle of every epoch")
    train.add_argument("--train-limit", type=positive_int, default=None,
                       metavar="N",
                       help="train on the first N of the 50,000 training "
                       "images (default: all 50,000)")
    train.add_argument("--test-limit", type=non_negative_int, default=None,
                       metavar="N",
                       help="test on the first N test images; 0 trains "
                       "without testing (default: all 10,000)")
    train.add_argument("--validation", action="store_true",
                       help="also report accuracy on the validation set "
                       "(the last 10,000 training images) after every epoch")
    train.add_argument("--validation-limit", type=positive_int, default=None,
                       metavar="N",
                       help="with --validation, use its first N images "
                       "(default: all 10,000)")
    add_data_argument(train)
    train.add_argument("--init", metavar="MODEL", default=None,
                       help="start from this saved model instead of random "
                       "weights")
    train.add_argument("--save", metavar="MODEL", default=None,
                       help="write the model here (atomically) after every "
                       "epoch")
    train.add_argument("--log", metavar="FILE", default=None,
                       help="write one JSON line per finished epoch here "
                       "(rewritten atomically after every epoch)")
    add_engine_arguments(train)
    train.set_defaults(func=train_command)


def train_command(args, out=None, err=None):
    """Run ``purenn train``; return the exit status."""
    from purenn import engines
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    # Before an epoch of work: a --save or --log that cannot be written, or
    # that would overwrite the other file or the --init model, is refused.
    # (--save may be --init: training a model further in place.)
    from purenn.io.fileio import check_outputs
    # Neither may be a data file; the check also makes and removes each
    # one's temporary file, so a name too long or a read-only directory
    # fails now, not after the first epoch.
    check_outputs([("--save", args.save), ("--log", args.log)],
                  inputs=data_inputs(args.data))
    check_outputs([("--log", args.log)], inputs=[("--init", args.init)])
    if args.init is not None:
        net = network.load(args.init, seed=args.seed)
        network.check_cost(net, args.init, "train")
        if args.layers is not None and args.layers != net.layers:
            raise CliError("--layers {} does not match {}, whose layers are "
                           "{}".format(layers_text(args.layers), args.init,
                                       layers_text(net.layers)))
        what = args.init
    else:
        layers = DEFAULT_LAYERS if args.layers is None else args.layers
        if len(layers) < 2:
            raise CliError("--layers needs at least an input and an output "
                           "size, got {}".format(layers_text(layers)))
        net = None
        what = "--layers {}".format(layers_text(layers))
    if args.validation_limit is not None and not args.validation:
        raise CliError("--validation-limit needs --validation")
    limits = {"train": args.train_limit, "test": args.test_limit}
    if args.validation:
        limits["validation"] = args.validation_limit
    # One loader, one reading of each file: the validation set is the tail
    # of the training file, read in the same pass as the training set.
    sets = load_mnist_sets(args.data, limits)
    training, test = sets["train"], sets["test"]
    check_fits(layers if net is None else net.layers, training.rows,
               training.cols, what)
    if net is None:
        net = network.Network(layers, seed=args.seed)
    test_data = test if len(test) else None
    validation = sets.get("validation")

    out.write("Training {} on {} images, testing on {}; {} epoch{}, "
              "mini-batch {}, step size {!r}, seed {}{}\n".format(
                  layers_text(net.layers), len(training),
                  len(test) if test_data is not None
                  else "none (--test-limit 0)",
                  args.epochs, "" if args.epochs == 1 else "s",
                  args.batch_size, args.step_size, args.seed,
                  ", from " + args.init if args.init else ""))
    out.flush()
    validate = None
    if validation is not None:
        def validate():
            return _count_correct(net, validation, args), len(validation)
    report = TrainReport(net, args, len(training), out, err,
                         show_progress=_isatty(out), validate=validate)
    report.has_test = test_data is not None
    try:
        engines.sgd(net, training, args.epochs, args.batch_size, args.step_size,
                    test_data=test_data, on_epoch=report.epoch_done,
                    on_progress=report.progress, jobs=args.jobs,
                    engine=args.engine)
    except KeyboardInterrupt:
        report.clear_progress()
        out.flush()
        err.write(report.interrupted_message() + "\n")
        err.flush()
        return 130
    except BaseException:
        report.clear_progress()
        raise
    out.write(report.summary() + "\n")
    out.flush()
    return 0


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _count_correct(net, data, args):
    """How many of ``data``'s images ``net`` labels right (by the engine
    and the processes ``args`` name)."""
    from purenn import engines
    from purenn.epochs import score
    return score(engines.predictions(net, data, jobs=args.jobs,
                                     engine=args.engine), data.labels)
