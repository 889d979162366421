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
working, rather than after an epoch of training: it creates and removes the
very temporary file ``atomic_write`` would make (so a name too long, a
read-only file system or a directory without write permission fails at
once), refuses a target in a sticky directory that belongs to another user
(``os.replace`` could not replace it), and refuses an output that is the
same file as any input of the command (same device and inode, through
symbolic and hard links), so no command can write over a file it reads.

``open_input`` opens a file for reading only if it is a regular file: a
FIFO would block the reader forever, ``/dev/zero`` never ends, a socket or a
device is no file at all.  The check is made on the opened descriptor
(opened without blocking), so a name swapped for a FIFO in between cannot
slip through.
"""
import os
import re
import stat
import tempfile
import time

__all__ = ["atomic_write", "check_outputs", "open_input", "check_input",
           "InputError"]

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


class InputError(ValueError):
    """An input path that names no regular file (a FIFO, device, socket)."""


# What a file of each kind is called in messages.
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory"))


def _kind(mode):
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def check_input(path, what="a file"):
    """Raise InputError unless ``path`` names (through links) a regular file.

    OSError (a missing file) passes through.  ``what`` says what was
    expected ("an IDX file").
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("{}: is {}, expected {} (a regular file)".format(
            os.fspath(path), _kind(info.st_mode), what))
    return info


def open_input(path, what="a file"):
    """Open ``path`` for binary reading if it is a regular file.

    The file is opened with ``O_NONBLOCK`` (a FIFO with no writer would
    otherwise block ``open`` itself) and the opened descriptor is checked
    with ``fstat``; anything but a regular file raises InputError naming
    ``path``.  The stat before the open only gives a socket (which cannot be
    opened at all) the same message.  A path inside a zip archive (the data
    of ``purenn.pyz``) is opened by ``purenn.resources``.  OSError passes
    through.
    """
    path = os.fspath(path)
    from purenn import resources
    if resources.split_archive(path)[0] is not None:
        # A member of a zip archive (the data inside purenn.pyz): its
        # stream is bytes of the archive, which is a regular file.
        return resources.open_binary(path)
    check_input(path, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise InputError("{}: is {}, expected {} (a regular file)".format(
                path, _kind(mode), what))
        # O_NONBLOCK means nothing for a regular file; clear it anyway.
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _identities(path):
    """The (device, inode) pairs ``path`` reaches: the file a link points
    to and, for a symbolic link, the link itself."""
    found = set()
    for look in (os.stat, os.lstat):
        try:
            info = look(path)
        except (OSError, ValueError):
            continue
        found.add((info.st_dev, info.st_ino))
    return found


def _same_file(first, second):
    """True if the two paths are one file (by device and inode, through
    links), or, where one does not exist yet, name the same place."""
    ours, theirs = _identities(first), _identities(second)
    if ours and theirs:
        return bool(ours & theirs)
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
        # A file named where a folder should be (--save model.json/m.json)
        # is not a missing directory: say which it is.
        if os.path.exists(directory):
            raise ValueError("{}: {} is not a directory".format(where,
                                                                 shown))
        raise ValueError("{}: directory {} does not exist".format(
            where, shown))
    if not os.access(directory or os.curdir, os.W_OK | os.X_OK):
        raise ValueError("{}: directory {} is not writable".format(
            where, shown))
    _check_sticky(where, path, directory or os.curdir, shown)
    _probe_temporary(where, path)


def _check_sticky(where, path, directory, shown):
    """In a sticky directory (/tmp) only the owner of a file, of the
    directory, or root may replace it: os.replace would fail with EPERM."""
    if not hasattr(os, "geteuid") or not os.path.lexists(path):
        return
    user = os.geteuid()
    folder = os.stat(directory)
    if not folder.st_mode & stat.S_ISVTX or user in (0, folder.st_uid):
        return
    if os.lstat(path).st_uid != user:
        raise ValueError("{}: belongs to another user in the sticky directory "
                         "{}, so it cannot be replaced".format(where, shown))


def _probe_temporary(where, path):
    """Create and remove the temporary file atomic_write would use."""
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    try:
        handle, temporary = tempfile.mkstemp(dir=directory,
                                             prefix="." + name + ".",
                                             suffix=".tmp")
    except OSError as exc:
        raise ValueError("{}: cannot be written: {} (making its temporary "
                         "file .{}.XXXXXXXX.tmp)".format(
                             where, exc.strerror or exc, name))
    os.close(handle)
    os.unlink(temporary)


def check_outputs(outputs, inputs=()):
    """Check that each output path can be written, before any work starts.

    ``outputs`` and ``inputs`` are ``(label, path)`` pairs; a ``None`` path
    is skipped.  ``label`` is what the user typed the path after (``--save``)
    and is named in the message together with the path as typed.  Raise
    ValueError if an output is the same file as another output (one would
    overwrite the other) or as an input (the input would be lost; compared
    by device and inode, through symbolic and hard links), if it is a
    directory or not a regular file, if its directory does not exist or is
    not writable, if it belongs to another user in a sticky directory, or if
    its temporary file cannot be made and removed (a name too long, a
    read-only file system).  Nothing is left behind.
    """
    outputs = [(label, os.fspath(path)) for label, path in outputs
               if path is not None]
    inputs = [(label, os.fspath(path)) for label, path in inputs
              if path is not None]
    for label, path in outputs:
        if not path:
            raise ValueError("{}: expected a file name, got ''".format(label))
    for index, (label, path) in enumerate(outputs):
        for other_label, other in outputs[index + 1:]:
            if _same_file(path, other):
                raise ValueError(
                    "{} {} and {} {} are the same file: one would overwrite "
                    "the other".format(label, path, other_label, other))
        for other_label, other in inputs:
            if _same_file(path, other):
                raise ValueError(
                    "{} {} and {} {} are the same file: refusing to write "
                    "over a file this command reads".format(
                        label, path, other_label, other))
    for label, path in outputs:
        _check_output(label, path)
