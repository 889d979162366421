"""Atomic file writes: a crash never leaves a half-written file behind.

The data goes to a temporary file in the target's own directory, is flushed
to disk, and then replaces the target with ``os.replace`` (an atomic rename on
POSIX and Windows).  Readers see the old file or the new one, never a mix.
"""
import os
import tempfile

__all__ = ["atomic_write"]


def _mode_for(path):
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path, data):
    """Write the bytes ``data`` to ``path`` atomically.

    OSError (for example a missing directory) passes through; the temporary
    file is removed on any failure.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(
        dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); give it the mode the target
        # already has, or else the mode open() would give a new file.
        os.chmod(temporary, _mode_for(path))
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
