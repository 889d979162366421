"""The package's own files (MNIST, the default model, fixtures, the page),
read the same way from a folder or from inside a zip archive.

purenn runs from a checkout, a copied ``purenn/`` folder, an installed
wheel and ``purenn.pyz`` (a zipapp).  In the first three the package is a
folder on disk; in the last it is a member of a zip file, and Python's
``zipimport`` (like the pyz's own importer, purenn/_pyz_main.py) gives every
module a ``__file__`` that runs through the archive:
``/home/me/purenn.pyz/purenn/io/mnist.py``.  This module takes such
paths at their word.  A path that exists on disk is a file or folder; a path
that does not is looked up inside the first zip archive on its way from the
root (``/home/me/purenn.pyz``) as the member named by the rest
(``purenn/data/mnist/SHA256SUMS``).  Nothing is ever unpacked to disk: a
member is read as a stream, so ``gzip.GzipFile`` decompresses the MNIST
files straight out of the archive (where they are stored, not deflated:
they are gzip already).

Python 3.6 has no ``importlib.resources``, and ``pkgutil.get_data`` reads a
whole member into memory and cannot list a folder, so this module uses
``zipfile`` itself.

``--data DIR`` and every path a user gives are ordinary paths and go
through the same functions, so one code path reads both.

>>> import os, shutil, tempfile, zipfile
>>> folder = tempfile.mkdtemp()
>>> archive = os.path.join(folder, "demo.pyz")
>>> with zipfile.ZipFile(archive, "w") as zipped:
...     zipped.writestr("purenn/data/note.txt", b"read in place")
>>> inside = os.path.join(archive, "purenn", "data")
>>> isdir(inside), listdir(inside)
(True, ['note.txt'])
>>> read_bytes(os.path.join(inside, "note.txt"))
b'read in place'
>>> os.path.basename(data_path("mnist"))   # this package's own data
'mnist'
>>> shutil.rmtree(folder)
"""
import errno
import io
import os
import zipfile

__all__ = ["PACKAGE_DIRECTORY", "package_path", "data_path", "split_archive",
           "isfile", "isdir", "exists", "open_binary", "read_bytes",
           "listdir", "walk_files", "stream_size", "how_run",
           "missing_data_advice"]

# The folder (or the path through the archive) that holds purenn/__init__.py.
PACKAGE_DIRECTORY = os.path.dirname(os.path.abspath(__file__))


def package_path(*parts):
    """Return the path of ``parts`` inside the purenn package.

    The path may run through a zip archive (see the module docstring); pass
    it to this module's functions, not to ``open``.
    """
    return os.path.join(PACKAGE_DIRECTORY, *parts)


def data_path(*parts):
    """Return the path of ``parts`` under the package's ``data`` folder:
    ``data_path("mnist")``, ``data_path("models", "mnist-784-30-10.json")``.
    """
    return package_path("data", *parts)


def split_archive(path):
    """Return ``(archive, member)`` for a path inside a zip archive, or
    ``(None, path)`` for a path on disk (or one that is nowhere).

    ``member`` uses ``/`` whatever the platform and has no trailing slash;
    a folder in the archive is the prefix of its members.
    """
    path = os.fspath(path)
    if os.path.exists(path):
        return None, path
    head, tail = os.path.abspath(path), []
    while True:
        parent, name = os.path.split(head)
        if not name:  # reached the root without meeting a file
            return None, path
        tail.append(name)
        head = parent
        if os.path.isfile(head):
            if _directory(head) is not None:
                return head, "/".join(reversed(tail))
            return None, path
        if os.path.isdir(head):
            return None, path


# The central directories read so far: (path, size, mtime) -> {name:
# ZipInfo}, or None for a file that is not a zip.  A command asks about the
# archive's members some fifty times (each MNIST file's spellings, the
# outputs checked against every input); reading the directory once, not
# each time, took 0.05 s off PyPy's start of ``purenn.pyz train``.  A
# rewritten archive has another size or mtime, so it is read anew.
_DIRECTORIES = {}
_MAX_DIRECTORIES = 8


def _directory(archive):
    """Return ``{name: ZipInfo}`` of the zip file ``archive``, or None if
    it is not one (or cannot be read as one)."""
    status = os.stat(archive)
    key = (archive, status.st_size, status.st_mtime_ns)
    if key not in _DIRECTORIES:
        try:
            with zipfile.ZipFile(archive) as zipped:
                members = {info.filename: info for info in zipped.infolist()}
        except (zipfile.BadZipFile, OSError, ValueError):
            members = None
        if len(_DIRECTORIES) >= _MAX_DIRECTORIES:
            _DIRECTORIES.clear()
        _DIRECTORIES[key] = members
    return _DIRECTORIES[key]


def _names(archive):
    return list(_directory(archive) or ())


def _member_info(archive, member):
    """Return the ZipInfo of ``member`` or None."""
    return (_directory(archive) or {}).get(member)


def isfile(path):
    """Return True if ``path`` is a file on disk or a member of an archive."""
    archive, member = split_archive(path)
    if archive is None:
        return os.path.isfile(member)
    info = _member_info(archive, member)
    return info is not None and not info.filename.endswith("/")


def isdir(path):
    """Return True if ``path`` is a folder on disk or in an archive (a
    prefix of some member's name)."""
    archive, member = split_archive(path)
    if archive is None:
        return os.path.isdir(member)
    prefix = member + "/"
    return any(name.startswith(prefix) for name in _names(archive))


def exists(path):
    """Return True if ``path`` is a file or folder, on disk or in an archive."""
    return isfile(path) or isdir(path)


def walk_files(path):
    """Return the sorted paths, relative to the folder ``path`` and with
    ``/`` between parts, of every file below it (disk or archive), leaving
    out ``__pycache__`` folders and names starting with a dot."""
    archive, member = split_archive(path)
    found = []
    if archive is None:
        for folder, dirs, files in os.walk(member):
            dirs[:] = [d for d in dirs
                       if d != "__pycache__" and not d.startswith(".")]
            for name in files:
                if not name.startswith("."):
                    relative = os.path.relpath(os.path.join(folder, name),
                                               member)
                    found.append(relative.replace(os.sep, "/"))
        return sorted(found)
    prefix = member + "/"
    for name in _names(archive):
        if name.startswith(prefix) and not name.endswith("/"):
            parts = name[len(prefix):].split("/")
            if "__pycache__" not in parts and \
                    not any(part.startswith(".") for part in parts):
                found.append("/".join(parts))
    return sorted(found)


def listdir(path):
    """Return the sorted names in the folder ``path`` (disk or archive).

    Raises FileNotFoundError naming ``path`` when it is no folder.
    """
    archive, member = split_archive(path)
    if archive is None:
        return sorted(os.listdir(member))
    prefix = member + "/"
    names = set()
    for name in _names(archive):
        if name.startswith(prefix) and len(name) > len(prefix):
            names.add(name[len(prefix):].split("/", 1)[0])
    if not names:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory",
                                os.fspath(path))
    return sorted(names)


class _Window(io.RawIOBase):
    """What the two readers of an archive member share: a position in a
    member of ``size`` bytes, readable and seekable."""

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._position

    def _target(self, offset, whence):
        # The absolute position io's seek(offset, whence) asks for.
        if whence == io.SEEK_CUR:
            offset += self._position
        elif whence == io.SEEK_END:
            offset += self.size
        elif whence != io.SEEK_SET:
            raise ValueError("invalid whence {!r}".format(whence))
        if offset < 0:
            raise ValueError("negative seek position {}".format(offset))
        return offset


class _Member(_Window):
    """A member of a zip archive as a readable, seekable binary stream.

    ``ZipExtFile`` cannot seek before Python 3.7; seeking here reopens the
    member and skips ahead (readers seek only back to 0 after sniffing the
    gzip magic, so this costs nothing).  ``size`` is the member's
    uncompressed size.  ``name`` is the path through the archive, for
    messages.
    """

    def __init__(self, archive, info, name):
        super().__init__()
        self.name = name
        self.size = info.file_size
        self._info = info
        self._position = 0
        self._zip = self._stream = None
        self._zip = zipfile.ZipFile(archive)
        self._stream = self._zip.open(info)

    def readinto(self, buffer):
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        self._position += len(data)
        return len(data)

    def read(self, size=-1):
        data = self._stream.read(-1 if size is None else size)
        self._position += len(data)
        return data

    def seek(self, offset, whence=io.SEEK_SET):
        offset = self._target(offset, whence)
        if offset < self._position:
            self._stream.close()
            self._stream = self._zip.open(self._info)
            self._position = 0
        while self._position < offset:
            chunk = self._stream.read(min(1 << 20, offset - self._position))
            if not chunk:
                break
            self._position += len(chunk)
        return self._position

    def close(self):
        if not self.closed:
            for part in (self._stream, self._zip):
                if part is not None:
                    part.close()
        super().close()


class _Stored(_Window):
    """A stored (uncompressed) member as a window onto the archive file.

    The MNIST files are gzip already and stored as they are; reading them
    straight from the archive's file, without ``ZipExtFile`` between (its
    small reads and buffer copies), keeps the load as fast and as lean as
    from a folder (on PyPy ``ZipExtFile`` cost 15 MB more peak memory per
    file).  The gzip stream's own CRC checks the bytes.
    """

    def __init__(self, archive, info, name):
        super().__init__()
        self.name = name
        self.size = info.file_size
        self._file = None
        self._file = open(archive, "rb")
        try:
            # The local file header: "PK\3\4", 22 bytes of fields, then
            # the name's and the extra field's lengths (two uint16, little-
            # endian) at offset 26; the data follows the name and extra.
            self._file.seek(info.header_offset)
            header = self._file.read(30)
            if len(header) != 30 or header[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile("{}: bad local header".format(name))
            skip = int.from_bytes(header[26:28], "little") + \
                int.from_bytes(header[28:30], "little")
        except BaseException:
            self._file.close()
            raise
        self._start = info.header_offset + 30 + skip
        self._position = 0
        self._file.seek(self._start)

    def readinto(self, buffer):
        count = min(len(buffer), self.size - self._position)
        if count <= 0:
            return 0
        view = memoryview(buffer)[:count]
        got = self._file.readinto(view)
        self._position += got
        return got

    def read(self, size=-1):
        left = self.size - self._position
        if size is None or size < 0 or size > left:
            size = left
        data = self._file.read(size)
        self._position += len(data)
        return data

    def seek(self, offset, whence=io.SEEK_SET):
        offset = self._target(offset, whence)
        self._position = min(offset, self.size)
        self._file.seek(self._start + self._position)
        return self._position

    def close(self):
        if not self.closed and self._file is not None:
            self._file.close()
        super().close()


def open_binary(path):
    """Open ``path`` (disk or archive) for reading bytes; return the stream.

    Raises FileNotFoundError naming ``path`` when there is no such file.
    """
    archive, member = split_archive(path)
    if archive is None:
        return open(member, "rb")
    name = os.fspath(path)
    info = _member_info(archive, member)
    if info is None or info.filename.endswith("/"):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory",
                                name)
    if info.compress_type == zipfile.ZIP_STORED and \
            not info.flag_bits & 0x1:  # stored and not encrypted
        return _Stored(archive, info, name)
    return _Member(archive, info, name)


def read_bytes(path):
    """Return the whole content of the file ``path`` (disk or archive)."""
    with open_binary(path) as stream:
        return stream.read()


def stream_size(stream):
    """Return the size in bytes of a stream from open_binary."""
    size = getattr(stream, "size", None)
    if size is not None:
        return size
    return os.fstat(stream.fileno()).st_size


def how_run():
    """Return how this purenn is laid out: ``"pyz"`` (inside a zip archive),
    ``"checkout"`` (a purenn source tree: setup.cfg beside the package),
    ``"wheel"`` (installed: a purenn-*.dist-info or egg-info beside it) or
    ``"folder"`` (a copied ``purenn/`` folder)."""
    archive, _ = split_archive(PACKAGE_DIRECTORY)
    if archive is not None:
        return "pyz"
    parent = os.path.dirname(PACKAGE_DIRECTORY)
    if os.path.isfile(os.path.join(parent, "setup.cfg")) and \
            os.path.isdir(os.path.join(parent, "scripts")):
        return "checkout"
    try:
        siblings = os.listdir(parent)
    except OSError:
        siblings = []
    if any(name.lower().startswith("purenn-") and
           name.endswith((".dist-info", ".egg-info")) for name in siblings):
        return "wheel"
    return "folder"


def missing_data_advice(what="mnist"):
    """Say, for this way of running, how to get the package's ``data/WHAT``
    back (one sentence, no trailing period): what to copy and where."""
    where = data_path(what)
    way = how_run()
    if way == "pyz":
        archive, _ = split_archive(PACKAGE_DIRECTORY)
        return ("{} holds no purenn/data/{}: rebuild it with 'python "
                "scripts/build_pyz.py' (or 'purenn pack') where purenn has "
                "purenn/data/{}".format(archive, what, what))
    if way == "checkout":
        return ("this checkout has no {}: restore it with 'git checkout -- "
                "purenn/data/{}'{}".format(
                    where, what, " (or 'python scripts/fetch_mnist.py "
                    "--dest purenn/data/mnist')" if what == "mnist" else ""))
    if way == "wheel":
        return ("this installation has no {}: reinstall purenn from a wheel "
                "or source that carries purenn/data (about 13 MB), or copy "
                "the checkout's purenn/data/{} there".format(where, what,
                                                             what))
    return ("this copy of the purenn folder has no {}: copy the whole "
            "purenn/ folder, data/ included (purenn/data/{} of a checkout "
            "goes to {})".format(where, what, where))
