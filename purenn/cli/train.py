"""Subcommands ``train``, ``evaluate`` and ``predict`` (see purenn.cli).

MNIST and the image readers are imported by the commands that use them, so
that ``purenn --help`` stays quick.

``train`` runs network.py's ``SGD`` on MNIST through ``purenn.engines.sgd``
(the reference's bits, by the engine ``--engine`` names); the printing,
the progress line, the ``--save`` model and the ``--log`` lines all happen
in the callbacks here, never in the library.
"""
import argparse
import math
import os
import random
import sys
import time

from purenn import network
from purenn.cli.common import (CliError, data_inputs, load_mnist,
                               load_mnist_example, non_negative_int,
                               parse_int_list, positive_int)
from purenn.io import trainlog
from purenn.io.bounded import read_text

DEFAULT_LAYERS = [784, 30, 10]
DEFAULT_EPOCHS = 30
DEFAULT_BATCH_SIZE = 10
DEFAULT_ETA = 3.0
DEFAULT_SEED = 0
DIGITS = 10
BAR_WIDTH = 40
SETS = ("train", "validation", "test")   # as purenn.io.mnist.SETS
# purenn.engines.ENGINES, spelt out so that --help imports no engine.
ENGINE_CHOICES = ("auto", "reference", "codegen", "loops")
ENGINE_HELP = ("how to run the arithmetic, the same bits from each: auto "
               "(loops on PyPy, codegen elsewhere), reference (the primer's "
               "code), codegen or loops")


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


def _add_engine_arguments(parser):
    """--jobs and --engine, shared by train and evaluate."""
    parser.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                        help="processes to use (same results for any N)")
    parser.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                        help=ENGINE_HELP)


def register(subparsers):
    """Add ``train``, ``evaluate`` and ``predict`` to subparsers."""
    data_help = "MNIST directory (default: the shipped purenn/data/mnist)"

    train = subparsers.add_parser(
        "train",
        help="train a network on MNIST (network.py's SGD)",
        description="Train a network on MNIST with mini-batch SGD, exactly "
        "as network.py's SGD; with no flags, the book's run: 784,30,10, 30 "
        "epochs, mini-batch 10, eta 3.0, on the first 50,000 training "
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
    train.add_argument("--eta", type=_non_negative_float, default=DEFAULT_ETA,
                       help="learning rate")
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
    train.add_argument("--data", metavar="DIR", default=None, help=data_help)
    train.add_argument("--init", metavar="MODEL", default=None,
                       help="start from this saved model instead of random "
                       "weights")
    train.add_argument("--save", metavar="MODEL", default=None,
                       help="write the model here (atomically) after every "
                       "epoch")
    train.add_argument("--log", metavar="FILE", default=None,
                       help="write one JSON line per finished epoch here "
                       "(rewritten atomically after every epoch)")
    _add_engine_arguments(train)
    train.set_defaults(func=train_command)

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
    evaluate.add_argument("--data", metavar="DIR", default=None,
                          help=data_help)
    _add_engine_arguments(evaluate)
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
    predict.add_argument("--data", metavar="DIR", default=None,
                         help=data_help)
    predict.add_argument("--show-input", action="store_true",
                         help="also print the 28x28 input values the network "
                         "saw (as round(255 x))")
    predict.set_defaults(func=predict_command)


# -- shared helpers -------------------------------------------------------

def _layers_text(layers):
    return ",".join(str(size) for size in layers)


def _check_fits(layers, rows, cols, what):
    """Raise CliError unless ``layers`` take rows x cols pixels and have 10
    outputs; ``what`` names the model in the message."""
    if layers[0] != rows * cols:
        raise CliError("{}: the input layer has {} neurons, the images have "
                       "{} pixels ({}x{})".format(what, layers[0], rows * cols,
                                                 rows, cols))
    if layers[-1] != DIGITS:
        raise CliError("{}: the output layer has {} neurons, MNIST needs {} "
                       "(one per digit)".format(what, layers[-1], DIGITS))


def _load_model(path, seed=None):
    return network.load(path, seed=seed)


def _percent(correct, total):
    return 100.0 * correct / total if total else 0.0


def _score(correct, total):
    """``9495 / 10000 (94.95%)``, as the epoch lines print it."""
    return "{} / {} ({:.2f}%)".format(correct, total,
                                      _percent(correct, total))


def _duration(seconds):
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return "{} s".format(seconds)
    if seconds < 3600:
        return "{} min {:02d} s".format(seconds // 60, seconds % 60)
    return "{} h {:02d} min".format(seconds // 3600, seconds % 3600 // 60)


# -- train ----------------------------------------------------------------

def _identity(path):
    """The (device, inode) of ``path``, or None if there is no file."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class _TrainReport(object):
    """The callbacks of one training run: progress, epoch lines, files.

    ``progress`` and ``epoch_done`` are passed to ``engines.sgd`` as
    ``on_progress`` and ``on_epoch``.  ``saved_epoch`` is the last epoch
    whose model is safely in ``--save``'s file (None before the first).
    """

    def __init__(self, net, args, examples, out, err, show_progress,
                 clock=time.time, validation=None):
        self.net = net
        self.validation = validation
        self.args = args
        self.examples = examples
        self.out = out
        self.err = err
        self.show_progress = show_progress
        self.clock = clock
        self.epoch = 0
        self.saved_epoch = None
        self.finished_epoch = None
        self.log_lines = []
        # Each write_log makes a new file (an atomic rename): an unchanged
        # identity at Ctrl-C means this run wrote no log yet.
        self.log_before = None if args.log is None else _identity(args.log)
        self.has_test = False
        self.run_start = clock()
        self.best = None      # (correct, total, epoch) of the best epoch
        self.last = None      # the same for the last finished epoch
        self.start_epoch()

    def start_epoch(self):
        self.epoch_start = self.clock()
        self.train_seconds = None
        self.last_draw = None
        self.progress_drawn = False

    def progress(self, done, total):
        """on_progress: redraw the progress line on stderr (terminals only)."""
        now = self.clock()
        if done >= total:
            self.train_seconds = now - self.epoch_start
        if not self.show_progress:
            return
        if done < total and self.last_draw is not None \
                and now - self.last_draw < 0.25:
            return
        self.last_draw = now
        elapsed = now - self.epoch_start
        rate = done / elapsed if elapsed > 0 else 0.0
        if done >= total:
            line = "epoch {}: {} / {} examples, {:.0f}/s{}".format(
                self.epoch, done, total, rate,
                ", testing..." if self.has_test else "")
        else:
            left = (total - done) / rate if rate > 0 else 0.0
            line = "epoch {}: {} / {} examples, {:.0f}/s, {} left".format(
                self.epoch, done, total, rate, _duration(left))
        self.err.write("\r" + line.ljust(70))
        self.err.flush()
        self.progress_drawn = True

    def clear_progress(self):
        if self.progress_drawn:
            self.err.write("\r" + " " * 70 + "\r")
            self.err.flush()
            self.progress_drawn = False

    def epoch_done(self, result):
        """on_epoch: save, log and print the epoch line."""
        now = self.clock()
        seconds = now - self.epoch_start
        train_seconds = self.train_seconds if self.train_seconds is not None \
            else seconds
        examples = self.examples
        rate = examples / train_seconds if train_seconds > 0 else 0.0
        epoch = result["epoch"]
        if self.args.save is not None:
            self.net.save(self.args.save)
            self.saved_epoch = epoch
        correct, total = result["correct"], result["total"]
        extra = ""
        validation = None
        if self.validation is not None:
            validation = (_count_correct(self.net, self.validation,
                                         self.args),
                          len(self.validation))
            extra = ", validation {}".format(_score(*validation))
            seconds = self.clock() - self.epoch_start
        record = trainlog.epoch_record(epoch, correct, total, examples,
                                       seconds, train_seconds, validation)
        if self.args.log is not None:
            lines = self.log_lines + [trainlog.log_line(record)]
            trainlog.write_log(self.args.log, lines)
            self.log_lines = lines
        self.clear_progress()
        if total:
            head = "Epoch {}: {}".format(epoch, _score(correct, total))
        else:
            head = "Epoch {} complete".format(epoch)   # network.py's words
        self.out.write("{}{}, {:.1f} s, {:.0f} examples/s\n".format(
            head, extra, seconds, rate))
        self.out.flush()
        if total:
            self.last = (correct, total, epoch)
            if self.best is None or correct > self.best[0]:
                self.best = self.last
        self.finished_epoch = epoch
        self.epoch = epoch + 1
        self.start_epoch()

    def summary(self):
        """The last line of a finished run: time, best and last epoch.

        The best epoch is the first with the most correct test images.
        """
        count = 0 if self.finished_epoch is None else self.finished_epoch + 1
        parts = ["Done: {} epoch{} in {}".format(
            count, "" if count == 1 else "s",
            _duration(self.clock() - self.run_start))]
        if self.best is not None:
            parts.append("best {} in epoch {}, last {}".format(
                _score(*self.best[:2]), self.best[2],
                _score(*self.last[:2])))
        if self.saved_epoch is not None:
            parts.append("model in {}".format(self.args.save))
        return "; ".join(parts)

    def _logged_epochs(self):
        """How many epochs ``--log`` holds, read back from the file.

        A Ctrl-C may land in write_log after its atomic rename and before
        ``log_lines`` is updated (or the other way round): the file on disk
        is the truth the message must tell.
        """
        if self.args.log is None:
            return 0
        if _identity(self.args.log) == self.log_before:
            return 0   # still the file from before this run, or none
        try:
            text = read_text(self.args.log, trainlog.MAX_LOG_BYTES, "a log")
        except (OSError, ValueError):
            return len(self.log_lines)
        return sum(1 for line in text.splitlines() if line.strip())

    def interrupted_message(self):
        """The one line said on Ctrl-C: what was kept."""
        where = "purenn: interrupted in epoch {}".format(self.epoch)
        kept = []
        if self.args.save is not None:
            if self.saved_epoch is None:
                kept.append("no epoch finished, {} not written".format(
                    self.args.save))
            else:
                kept.append("kept {} from epoch {}".format(
                    self.args.save, self.saved_epoch))
        elif self.finished_epoch is not None:
            kept.append("nothing saved (no --save)")
        logged = self._logged_epochs()
        if self.args.log is not None and logged:
            last = logged - 1
            kept.append("{} has epoch{}".format(
                self.args.log, " 0" if last == 0 else "s 0-{}".format(last)))
        return where + ("; " + "; ".join(kept) if kept else "")


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
        net = _load_model(args.init, seed=args.seed)
        network.check_cost(net, args.init, "train")
        if args.layers is not None and args.layers != net.layers:
            raise CliError("--layers {} does not match {}, whose layers are "
                           "{}".format(_layers_text(args.layers), args.init,
                                       _layers_text(net.layers)))
        what = args.init
    else:
        layers = DEFAULT_LAYERS if args.layers is None else args.layers
        if len(layers) < 2:
            raise CliError("--layers needs at least an input and an output "
                           "size, got {}".format(_layers_text(layers)))
        net = None
        what = "--layers {}".format(_layers_text(layers))
    if args.validation_limit is not None and not args.validation:
        raise CliError("--validation-limit needs --validation")
    training = load_mnist("train", args.data, args.train_limit)
    test = load_mnist("test", args.data, args.test_limit)
    _check_fits(layers if net is None else net.layers, training.rows,
                training.cols, what)
    if net is None:
        net = network.Network(layers, seed=args.seed)
    test_data = test if len(test) else None
    validation = None
    if args.validation:
        validation = _load_set(args, "validation", args.validation_limit)

    out.write("Training {} on {} images, testing on {}; {} epoch{}, "
              "mini-batch {}, eta {!r}, seed {}{}\n".format(
                  _layers_text(net.layers), len(training),
                  len(test) if test_data is not None
                  else "none (--test-limit 0)",
                  args.epochs, "" if args.epochs == 1 else "s",
                  args.batch_size, args.eta, args.seed,
                  ", from " + args.init if args.init else ""))
    out.flush()
    report = _TrainReport(net, args, len(training), out, err,
                          show_progress=_isatty(out), validation=validation)
    report.has_test = test_data is not None
    try:
        engines.sgd(net, training, args.epochs, args.batch_size, args.eta,
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


# -- evaluate -------------------------------------------------------------

def _load_set(args, which, limit):
    return load_mnist(which, args.data, limit)


def _count_correct(net, data, args):
    """How many of ``data``'s images ``net`` labels right (by the engine
    and the processes ``args`` name)."""
    from purenn import engines
    from purenn.epochs import score
    return score(engines.predictions(net, data, jobs=args.jobs,
                                     engine=args.engine), data.labels)


def evaluate_command(args, out=None):
    """Run ``purenn evaluate``; return the exit status."""
    from purenn import engines
    out = sys.stdout if out is None else out
    for which in SETS:
        if which != args.set and \
                getattr(args, "{}_limit".format(which)) is not None:
            raise CliError("--{}-limit applies to --set {}, not to --set {}"
                           .format(which, which, args.set))
    net = _load_model(args.model)
    data = _load_set(args, args.set,
                     getattr(args, "{}_limit".format(args.set)))
    _check_fits(net.layers, data.rows, data.cols, args.model)
    predicted = engines.predictions(net, data, jobs=args.jobs,
                                    engine=args.engine)
    labels = list(data.labels)
    counts = network.confusion_matrix(labels, predicted, DIGITS)
    correct = 0
    for digit in range(DIGITS):
        correct += counts[digit][digit]
    total = len(labels)
    lines = ["{}: layers {}, {} set".format(args.model,
                                            _layers_text(net.layers),
                                            args.set),
             "{} / {} correct ({:.2f}%)".format(correct, total,
                                                _percent(correct, total)),
             "",
             "class  correct / total  accuracy"]
    for digit in range(DIGITS):
        row_total = 0
        for value in counts[digit]:
            row_total += value
        if row_total:
            accuracy = "{:7.2f}%".format(_percent(counts[digit][digit],
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
    from purenn.io.images import to_pixels
    pixels = to_pixels(x)
    return ["".join("{:4d}".format(pixels[r * cols + c]) for c in range(cols))
            for r in range(rows)]


def predict_command(args, out=None):
    """Run ``purenn predict``; return the exit status."""
    from purenn.io import mnist
    out = sys.stdout if out is None else out
    net = _load_model(args.model)
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
        from purenn.io import images
        picture, kind = images.read_image(args.image)
        x, notes = images.prepare_digit(picture)
        pixels = images.to_pixels(x)
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
    _check_fits(net.layers, rows, cols, args.model)
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
