"""The training log: one JSON object a line, one line a finished epoch.

``purenn train --log FILE`` writes it (``epoch_record`` builds each line's
object, ``write_log`` rewrites the file atomically after every epoch) and
``purenn plot`` reads it back (``read_log``), so the format lives here
alone.  Keys: ``epoch``, ``correct``, ``total`` and ``accuracy`` (null
without test data), ``examples``, ``examples_per_second``, ``seconds``,
``train_seconds``, and with ``--validation`` ``validation_correct``,
``validation_total``, ``validation_accuracy``.

>>> record = epoch_record(0, 9, 10, examples=100, seconds=2.0,
...                       train_seconds=1.0)
>>> log_line(record)
'{"accuracy": 0.9, "correct": 9, "epoch": 0, "examples": 100, \
"examples_per_second": 100.0, "seconds": 2.0, "total": 10, "train_seconds": 1.0}'
"""
import json

from purenn.io.bounded import loads_json, preview, read_text
from purenn.io.fileio import atomic_write

__all__ = ["epoch_record", "log_line", "write_log", "read_log", "REQUIRED",
           "MAX_LOG_BYTES"]

# A train --log line is about 200 bytes: 16 MB is tens of thousands of
# epochs, far more than a chart can show.
MAX_LOG_BYTES = 16 * 1024 * 1024

# The keys plot needs; train writes them on every line.
REQUIRED = ("epoch", "correct", "total")


def epoch_record(epoch, correct, total, examples, seconds, train_seconds,
                 validation=None):
    """Return the log object of one finished epoch.

    ``correct``/``total`` are the test results (``total`` 0 or None without
    test data); ``validation`` is ``(correct, total)`` or None.  Times are
    rounded to milliseconds, the rate to a tenth of an example a second.
    """
    rate = examples / train_seconds if train_seconds > 0 else 0.0
    record = {"epoch": epoch, "correct": correct, "total": total,
              "accuracy": (correct / total if total else None),
              "examples": examples,
              "examples_per_second": round(rate, 1),
              "seconds": round(seconds, 3),
              "train_seconds": round(train_seconds, 3)}
    if validation is not None:
        right, size = validation
        record.update(validation_correct=right, validation_total=size,
                      validation_accuracy=right / size)
    return record


def log_line(record):
    """Return one log line (no newline): the record's JSON, keys sorted."""
    return json.dumps(record, sort_keys=True)


def write_log(path, lines):
    """Write ``lines`` (from ``log_line``) to ``path`` atomically, so the
    file always holds exactly the finished epochs."""
    atomic_write(path, ("\n".join(lines) + "\n").encode("ascii"))


def read_log(path):
    """Return [(epoch, accuracy %)] from a ``train --log`` JSON-lines file.

    Each non-blank line is a JSON object with ``epoch``, ``correct`` and
    ``total`` (other keys are ignored); accuracy is 100 * correct / total.
    Lines without test results (``total`` null or 0) are skipped.  Raise
    ValueError naming the line for anything else, and for files larger than
    MAX_LOG_BYTES (see ``purenn.io.bounded`` for the JSON bounds).
    """
    points = []
    text = read_text(path, MAX_LOG_BYTES, "a log file")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = loads_json(line, max_depth=16)
        except ValueError as exc:
            raise ValueError("{}: line {} is not JSON: {}".format(
                path, number, exc))
        if not isinstance(record, dict):
            raise ValueError("{}: line {} is not a JSON object".format(
                path, number))
        missing = [key for key in REQUIRED if key not in record]
        if missing:
            raise ValueError("{}: line {} has no {} (expected the lines "
                             "'train --log' writes)".format(
                                 path, number, ", ".join(missing)))
        epoch, correct, total = (record["epoch"], record["correct"],
                                 record["total"])
        if total is None or total == 0 or correct is None:
            continue
        for name, value in (("epoch", epoch), ("correct", correct),
                            ("total", total)):
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 0:
                raise ValueError("{}: line {}: {} should be a whole number "
                                 ">= 0, found {}".format(path, number, name,
                                                         preview(value)))
        if correct > total:
            raise ValueError("{}: line {}: correct {} > total {}".format(
                path, number, correct, total))
        points.append((epoch, 100.0 * correct / total))
    if not points:
        raise ValueError("{}: no epoch with test results to plot (train "
                         "with test data to log accuracy)".format(path))
    return points
