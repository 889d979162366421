"""What the ``purenn`` subcommand modules share: ``CliError``, the
one-line-error parser class, the argparse value types, the one MNIST loader
of every command (``load_mnist_sets``, ``load_mnist``), and what ``train``,
``evaluate`` and ``predict`` share (``--engine``/``--jobs``, the check that a
model fits MNIST)."""
import argparse
import math
import os

__all__ = ["CliError", "Parser", "HelpFormatter", "load_mnist",
           "load_mnist_sets", "check_data_directory", "data_inputs",
           "load_mnist_example",
           "parse_int_list", "parse_float_list",
           "positive_int", "non_negative_int", "DIGITS", "SETS",
           "ENGINE_CHOICES", "ENGINE_HELP", "add_engine_arguments",
           "layers_text", "check_fits", "percent", "check_picture_name"]


class CliError(Exception):
    """A problem the user can fix; ``main`` prints it as one line, exit 2."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show a default as a user would type it, and only when there is one.

    No default shows for required options, for flags that are off unless
    given, and where the help already says it in words (``default: ...``);
    a list default shows comma-separated (``784,30,10``), never as a repr.
    """

    def __init__(self, prog):
        super(HelpFormatter, self).__init__(prog, max_help_position=30)

    def _get_help_string(self, action):
        default = action.default
        if (default is None or default is False or default is True
                or action.required or default == argparse.SUPPRESS
                or "default:" in (action.help or "")):
            return action.help
        if isinstance(default, (list, tuple)):
            return "{} (default: {})".format(
                action.help, ",".join(str(value) for value in default))
        return super(HelpFormatter, self)._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, not usage + error,
    and whose help shows defaults through HelpFormatter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super(Parser, self).__init__(*args, **kwargs)

    def error(self, message):
        raise CliError("{} (see '{} --help')".format(message, self.prog))


def _int_in_range(text, lowest, what):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected {}, got {!r}".format(what, text))
    if value < lowest:
        raise argparse.ArgumentTypeError(
            "expected {}, got {}".format(what, value))
    return value


def positive_int(text):
    """argparse type: an int >= 1."""
    return _int_in_range(text, 1, "a whole number >= 1")


# --jobs forks that many copies of this process, whatever the work: a typo
# of --jobs 1000 for 10 took 20 s instead of 2 and 3 GB more memory for
# evaluate, and 10000 would exhaust the memory of most machines.  More
# processes than CPUs gain nothing, and 64 is more CPUs than a classroom's
# machines have.
MAX_JOBS = 64


def jobs_count(text):
    """argparse type for --jobs: an int from 1 to MAX_JOBS."""
    value = positive_int(text)
    if value > MAX_JOBS:
        raise argparse.ArgumentTypeError(
            "expected at most {} processes, got {} (each is a fork of this "
            "one; more than this machine's {} CPUs gain nothing)".format(
                MAX_JOBS, value, os.cpu_count() or 1))
    return value


def non_negative_int(text):
    """argparse type: an int >= 0."""
    return _int_in_range(text, 0, "a whole number >= 0")


def parse_int_list(text):
    """argparse type: comma-separated whole numbers >= 1, e.g. ``784,30,10``."""
    parts = [part.strip() for part in text.split(",")]
    try:
        values = [int(part) for part in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected comma-separated whole numbers such as 784,30,10, "
            "got {!r}".format(text))
    if any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(
            "every size must be >= 1, got {!r}".format(text))
    return values


def parse_float_list(text):
    """argparse type: comma-separated finite numbers, e.g. ``0.8,0.2``."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected comma-separated numbers such as 0.8,0.2, "
            "got {!r}".format(text))
    if not all(math.isfinite(value) for value in values):
        raise argparse.ArgumentTypeError(
            "expected finite numbers, got {!r}".format(text))
    return values


def _no_directory(directory):
    """The CliError for an MNIST directory (``--data``) that is not there:
    the one message every command gives for it."""
    from purenn.io import mnist
    if directory is None:  # the shipped data: say how to get it back
        from purenn.resources import missing_data_advice
        return CliError("no MNIST data: {}; or give the folder that holds "
                        "the four MNIST files with --data DIR".format(
                            missing_data_advice("mnist")))
    from purenn import resources
    path = mnist.data_directory(directory)
    # --data train-images-idx3-ubyte.gz names one of the files, not their
    # folder: say so rather than that nothing is there.
    found = ("is a file, not a directory" if resources.exists(path)
             else "no MNIST directory here")
    return CliError(
        "{}: {}; give the folder that holds the four MNIST files with "
        "--data DIR (scripts/fetch_mnist.py in the purenn source downloads "
        "them)".format(path, found))


def check_data_directory(directory=None):
    """Raise the loaders' CliError unless ``directory`` (``--data``; None:
    the shipped data) is a directory; for commands that read MNIST later or
    through the library (``serve``, ``golden``)."""
    from purenn import resources
    from purenn.io import mnist
    if not resources.isdir(mnist.data_directory(directory)):
        raise _no_directory(directory)


def load_mnist_sets(directory=None, limits=None):
    """Load MNIST sets for a command: the one loader of the command line.

    As ``purenn.io.mnist.load_sets`` (each file read once, whatever sets
    share it; a dict of Datasets by set name), but a missing directory or
    an empty set is a CliError that says how to give one: an installed
    purenn has no data/mnist beside it.
    """
    from purenn.io import mnist
    sets = _loading(directory, mnist.load_sets, limits)
    for which in mnist.SETS:
        if which in sets and len(sets[which]) == 0 and limits[which] != 0:
            raise CliError("no {} images in {}".format(
                which, mnist.data_directory(directory)))
    return sets


def load_mnist(which, directory=None, limit=None, first=0):
    """Load MNIST set ``which`` from ``directory`` (``--data``) for a command.

    As ``purenn.io.mnist.load_set``, with the errors of load_mnist_sets
    (no empty-set error when ``first`` skips examples: load_mnist_example
    says what is out of range).
    """
    from purenn.io import mnist
    data = _loading(directory, mnist.load_set, which, limit, first)
    if len(data) == 0 and limit != 0 and first == 0:
        raise CliError("no {} images in {}".format(
            which, mnist.data_directory(directory)))
    return data


def _loading(directory, load, *args):
    """Call ``load(directory, *args)``; a missing directory is the one
    CliError of _no_directory."""
    from purenn.io import mnist
    try:
        return load(directory, *args)
    except FileNotFoundError as exc:
        if exc.filename != mnist.data_directory(directory):
            raise
        raise _no_directory(directory)


_OUT_OF_RANGE = ("--index {index} is out of range: the {which} set has {size} "
                 "images, 0 to {last}")


def load_mnist_example(which, directory, index, out_of_range=_OUT_OF_RANGE):
    """Load example ``index`` of set ``which`` alone (``show``, ``predict
    --index``); return ``(pixels, label)``.  Only that example is held, so
    a data file of any accepted size costs one image.  An index beyond the
    set is a CliError naming the set's range (``out_of_range``, formatted
    with index, which, size and last).
    """
    data = load_mnist(which, directory, limit=1, first=index)
    if len(data) == 0:
        from purenn.io import mnist
        size = mnist.set_size(directory, which)
        if size == 0:
            raise CliError("no {} images in {}".format(
                which, mnist.data_directory(directory)))
        raise CliError(out_of_range.format(index=index, which=which,
                                           size=size, last=size - 1))
    return data.pixels(0), data.labels[0]


def data_inputs(directory=None):
    """The ``(label, path)`` inputs of a command reading the data directory.

    Every MNIST file (any accepted spelling) and SHA256SUMS in ``directory``
    (``--data``, default the package's data), for ``check_outputs``: an
    output may not be any file of the data set, whichever set is read.
    """
    from purenn.io import mnist
    return [("data file", path) for path in mnist.data_files(directory)]


# -- what train, evaluate and predict share ---------------------------------

DIGITS = 10
SETS = ("train", "validation", "test")   # as purenn.io.mnist.SETS
# purenn.engines.ENGINES, spelt out so that --help imports no engine.
ENGINE_CHOICES = ("auto", "reference", "codegen", "loops")
ENGINE_HELP = ("how to run the arithmetic, the same bits from each: auto "
               "(loops on PyPy, codegen elsewhere), reference (the primer's "
               "code), codegen or loops")


def add_engine_arguments(parser):
    """--jobs and --engine, shared by train and evaluate."""
    parser.add_argument("--jobs", type=jobs_count, default=1, metavar="N",
                        help="processes to use, at most {} (same results "
                        "for any N)".format(MAX_JOBS))
    parser.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                        help=ENGINE_HELP)


def layers_text(layers):
    """Layer sizes as the flags spell them: ``784,30,10``."""
    return ",".join(str(size) for size in layers)


# A picture saved under another format's name (plot --out curve.png writes
# SVG) opens in no viewer, and the mistake shows only when it is opened.
_PICTURE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".bmp",
                     ".webp", ".pdf")


def check_picture_name(label, path, suffix):
    """Raise CliError if ``path`` (the value of option ``label``) ends in a
    picture suffix other than ``suffix`` (``".png"``), the format written;
    any other name, or none, is the user's choice."""
    if path is None:
        return
    stem, found = os.path.splitext(path)
    if found.lower() in _PICTURE_SUFFIXES and found.lower() != suffix:
        raise CliError("{} {}: this command writes {}, not {}; name the file "
                       "{}".format(label, path, suffix[1:].upper(),
                                   found[1:].upper(), stem + suffix))


def check_fits(layers, rows, cols, what):
    """Raise CliError unless ``layers`` take rows x cols pixels and have 10
    outputs; ``what`` names the model in the message."""
    if layers[0] != rows * cols:
        raise CliError("{}: the input layer has {} neurons, the images have "
                       "{} pixels ({}x{})".format(what, layers[0], rows * cols,
                                                 rows, cols))
    if layers[-1] != DIGITS:
        raise CliError("{}: the output layer has {} neurons, MNIST needs {} "
                       "(one per digit)".format(what, layers[-1], DIGITS))


def percent(correct, total):
    """``correct`` as a percentage of ``total`` (0.0 for no total)."""
    return 100.0 * correct / total if total else 0.0
