"""What a ``purenn train`` run prints and keeps, epoch by epoch.

``TrainReport`` holds the callbacks ``train`` hands to ``engines.sgd``: the
progress line on a terminal, the epoch lines (``Epoch 3: 9495 / 10000
(94.95%), ...``), the ``--save`` model and ``--log`` lines after every
epoch, the summary, and the one line said on Ctrl-C, which tells what the
files on disk hold.  The library never prints: this is the command's side.

>>> score_text(9495, 10000), duration(75)
('9495 / 10000 (94.95%)', '1 min 15 s')
"""
import os
import time

from purenn.cli.common import percent
from purenn.io import trainlog
from purenn.io.bounded import read_text

__all__ = ["TrainReport", "score_text", "duration", "file_identity"]


def score_text(correct, total):
    """``9495 / 10000 (94.95%)``, as the epoch lines print it."""
    return "{} / {} ({:.2f}%)".format(correct, total,
                                      percent(correct, total))


def duration(seconds):
    """A time as a person reads it: ``42 s``, ``1 min 05 s``, ``2 h 03 min``."""
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return "{} s".format(seconds)
    if seconds < 3600:
        return "{} min {:02d} s".format(seconds // 60, seconds % 60)
    return "{} h {:02d} min".format(seconds // 3600, seconds % 3600 // 60)


def file_identity(path):
    """The (device, inode) of ``path``, or None if there is no file."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class TrainReport(object):
    """The callbacks of one training run: progress, epoch lines, files.

    ``progress`` and ``epoch_done`` are passed to ``engines.sgd`` as
    ``on_progress`` and ``on_epoch``.  ``saved_epoch`` is the last epoch
    whose model is safely in ``--save``'s file (None before the first).
    ``validate``, when given, returns ``(correct, total)`` on the
    validation set, asked after every epoch.
    """

    def __init__(self, net, args, examples, out, err, show_progress,
                 clock=time.time, validate=None):
        self.net = net
        self.validate = validate
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
        self.log_before = None if args.log is None else file_identity(args.log)
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
                self.epoch, done, total, rate, duration(left))
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
        if self.validate is not None:
            validation = self.validate()
            extra = ", validation {}".format(score_text(*validation))
            seconds = self.clock() - self.epoch_start
        record = trainlog.epoch_record(epoch, correct, total, examples,
                                       seconds, train_seconds, validation)
        if self.args.log is not None:
            lines = self.log_lines + [trainlog.log_line(record)]
            trainlog.write_log(self.args.log, lines)
            self.log_lines = lines
        self.clear_progress()
        if total:
            head = "Epoch {}: {}".format(epoch, score_text(correct, total))
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
            duration(self.clock() - self.run_start))]
        if self.best is not None:
            parts.append("best {} in epoch {}, last {}".format(
                score_text(*self.best[:2]), self.best[2],
                score_text(*self.last[:2])))
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
        if file_identity(self.args.log) == self.log_before:
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
