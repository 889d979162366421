"""Atomic file writes: a crash never leaves a half-written file behind.

The data goes to a temporary file in the target's own directory, is flushed
to disk, and then replaces the target with ``os.replace`` (an atomic rename on
POSIX and Windows).  Readers see the old file or the new one, never a mix.

The temporary file is named ``.NAME.XXXXXXXX.tmp`` beside ``NAME`` (eight
characters of ``tempfile``'s alphabet).  A process killed while writing
(``kill -9``) leaves it behind; the next ``atomic_write`` to the same target
removes such files when they are older than the process that is writing, so
it never touches a write that another process has in progress, nor any file
not of that exact pattern.

``check_outputs`` lets a command refuse an output path before it starts
working, rather than after an epoch of training.
"""
import os
import re
import stat
import tempfile
import time

__all__ = ["atomic_write", "check_outputs"]

# When this process (near enough: this module) started; temporary files
# older than this cannot belong to a write of ours still in progress.
_STARTED = time.time()


def _mode_for(path):
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _temporary_pattern(name):
    """The names ``tempfile.mkstemp`` gives atomic_write's files for ``name``."""
    return re.compile(re.escape("." + name + ".") + r"[a-z0-9_]{8}\.tmp\Z")


def _remove_stale_temporaries(directory, name):
    """Remove ``.NAME.XXXXXXXX.tmp`` regular files older than this process."""
    pattern = _temporary_pattern(name)
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        if not pattern.match(entry):
            continue
        full = os.path.join(directory, entry)
        try:
            info = os.lstat(full)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < _STARTED:
                os.unlink(full)
        except OSError:   # gone already, or not ours to remove: leave it
            pass


def atomic_write(path, data):
    """Write the bytes ``data`` to ``path`` atomically.

    OSError (for example a missing directory) passes through, naming
    ``path`` rather than the temporary file; the temporary file is removed on
    any failure.  Stale temporary files of earlier, killed writes to
    ``path`` are removed first (see the module docstring).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    _remove_stale_temporaries(directory, name)
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=directory,
                                             prefix="." + name + ".",
                                             suffix=".tmp")
        # mkstemp makes the file private (0600); give it the mode the target
        # already has, or else the mode open() would give a new file.
        os.chmod(temporary, _mode_for(path))
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
        if isinstance(exc, OSError) and exc.errno is not None \
                and exc.filename != path:
            # The user knows the target, not our hidden temporary file.
            raise OSError(exc.errno, exc.strerror, path)
        raise


def _same_file(first, second):
    try:
        return os.path.samefile(first, second)
    except OSError:   # one of them does not exist (yet): compare the names
        return (os.path.normcase(os.path.realpath(first))
                == os.path.normcase(os.path.realpath(second)))


def _check_output(label, path):
    if not path:
        raise ValueError("{}: expected a file name, got ''".format(label))
    where = "{} {}".format(label, path)
    if os.path.isdir(path):
        raise ValueError("{}: is a directory, expected a file name".format(
            where))
    if os.path.lexists(path) and not os.path.isfile(path):
        raise ValueError("{}: exists and is not a regular file; refusing to "
                         "replace it".format(where))
    directory = os.path.dirname(path)
    shown = directory or "."
    if not os.path.isdir(directory or os.curdir):
        raise ValueError("{}: directory {} does not exist".format(
            where, shown))
    if not os.access(directory or os.curdir, os.W_OK | os.X_OK):
        raise ValueError("{}: directory {} is not writable".format(
            where, shown))


def check_outputs(outputs, inputs=()):
    """Check that each output path can be written, before any work starts.

    ``outputs`` and ``inputs`` are ``(label, path)`` pairs; a ``None`` path
    is skipped.  ``label`` is what the user typed the path after (``--save``)
    and is named in the message together with the path as typed.  Raise
    ValueError if an output is a directory or not a regular file, if its
    directory does not exist or is not writable, or if it is the same file
    as another output (one would overwrite the other) or as an input (the
    input would be lost).
    """
    outputs = [(label, os.fspath(path)) for label, path in outputs
               if path is not None]
    inputs = [(label, os.fspath(path)) for label, path in inputs
              if path is not None]
    for label, path in outputs:
        _check_output(label, path)
    for index, (label, path) in enumerate(outputs):
        for other_label, other in outputs[index + 1:] + inputs:
            if _same_file(path, other):
                raise ValueError(
                    "{} {} and {} {} are the same file: one would overwrite "
                    "the other".format(label, path, other_label, other))
