"""What ``Network`` and the engines share about their arguments.

``Network`` (the reference) and every engine in ``purenn.engines`` take the
same ``(x, y)`` examples, ``epochs``, ``mini_batch_size`` and ``jobs``: here,
once, are the target column a ``y`` stands for (``target_column``), its
label (``label_of``), the label an output gives (``argmax``), the counts of
both (``confusion_matrix``), and the checks of the counts, with one set of
messages, made before any work.  ``purenn.network`` re-exports the first
four.  Every command reading MNIST takes the same ``--data DIR``: it is
declared here once (``add_data_argument``), with one help text.

>>> label_of(3), label_of([0.0, 1.0, 0.0])
(3, 1)
>>> check_jobs(0)
Traceback (most recent call last):
    ...
ValueError: jobs must be a whole number >= 1, got 0
"""
import numbers

from purenn import matrix

__all__ = ["target_column", "label_of", "argmax", "confusion_matrix",
           "check_jobs", "check_sgd_arguments", "add_data_argument",
           "DATA_HELP"]

# The one help text of --data.  Its default (None) is resolved to the
# package's purenn/data/mnist in one place: purenn.io.mnist.data_directory.
DATA_HELP = "MNIST directory (default: the shipped purenn/data/mnist)"


def target_column(y, size):
    """Return the desired output ``y`` as a ``size`` x 1 column.

    ``y`` is either a digit label (an int, as MNIST gives it), turned into the
    one-hot column the primer describes (1 for that neuron, 0 elsewhere), or a
    sequence of ``size`` numbers.

    >>> target_column(1, 3)
    [[0.0], [1.0], [0.0]]
    >>> target_column([0, 1], 2)
    [[0], [1]]
    """
    if isinstance(y, numbers.Integral) and not isinstance(y, bool):
        if not 0 <= y < size:
            raise ValueError("label {} is out of range for {} output "
                             "neurons".format(y, size))
        column = [[0.0] for _ in range(size)]
        column[y][0] = 1.0
        return column
    y = list(y)
    if len(y) != size:
        raise matrix.ShapeError("y has {} values, the output layer has {} "
                                "neurons".format(len(y), size))
    return matrix.column(y)


def argmax(values):
    """Return the index of the largest value; the first one on a tie.

    >>> argmax([0.1, 0.7, 0.7])
    1
    """
    best = 0
    for index in range(1, len(values)):
        if values[index] > values[best]:
            best = index
    return best


def confusion_matrix(labels, predicted, classes=10):
    """Return the classes x classes counts ``m[true][predicted]``.

    Row sums are how often each true label occurs; the diagonal holds the
    right answers.  ``labels`` and ``predicted`` must be equally long.

    >>> confusion_matrix([0, 1, 1], [0, 1, 0], classes=2)
    [[1, 0], [1, 1]]
    """
    labels, predicted = list(labels), list(predicted)
    if len(labels) != len(predicted):
        raise ValueError("confusion_matrix: {} labels but {} predictions"
                         .format(len(labels), len(predicted)))
    counts = [[0] * classes for _ in range(classes)]
    for label, guess in zip(labels, predicted):
        counts[label][guess] += 1
    return counts


def label_of(y):
    """Return the digit an example's ``y`` stands for (an int, or one-hot).

    A list's label is the index of its largest value, the first on a tie.
    """
    if isinstance(y, numbers.Integral):
        return y
    values = list(y)
    return values.index(max(values))


def check_jobs(jobs):
    """Raise ValueError unless ``jobs`` is a whole number >= 1."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError("jobs must be a whole number >= 1, got {!r}".format(
            jobs))


def check_sgd_arguments(epochs, mini_batch_size, jobs):
    """Raise ValueError for the counts ``sgd`` cannot take, before any work."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) \
            or epochs < 0:
        raise ValueError("epochs must be a whole number >= 0, got "
                         "{!r}".format(epochs))
    if isinstance(mini_batch_size, bool) \
            or not isinstance(mini_batch_size, int) or mini_batch_size < 1:
        raise ValueError("mini_batch_size must be a whole number >= 1, "
                         "got {!r}".format(mini_batch_size))
    check_jobs(jobs)


def add_data_argument(parser):
    """Add ``--data DIR`` to an argparse ``parser`` (every MNIST command).

    The value stays None when the flag is not given: the command passes it
    on, and ``purenn.io.mnist.data_directory`` resolves it, so the default
    lives in one place.
    """
    parser.add_argument("--data", metavar="DIR", default=None, help=DATA_HELP)
