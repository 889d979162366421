"""Build purenn.pyz: this purenn, its data and its page in one file.

``purenn pack --out purenn.pyz`` (or ``python scripts/build_pyz.py`` in a
checkout) writes a zipapp (PEP 441): ``#!/usr/bin/env python3``, then a zip
archive holding ``__main__.py`` (``purenn/_pyz_main.py``) and the
``purenn/`` package with its ``data/`` (MNIST, the default model, the
golden fixtures, the example image) and the classroom page's static files.
``python purenn.pyz COMMAND`` runs any purenn command from any directory;
purenn reads its files out of the archive (``purenn.resources``), never
unpacking them.  The package is read through ``purenn.resources`` too, so a
checkout, a copied folder, an installed wheel and a ``purenn.pyz`` itself
can each write one, and all write the same bytes.

The build is reproducible: the members are written in sorted order, each
with the same timestamp (1980-01-01, the earliest a zip can hold), the same
permissions and the same compression, so two builds of the same files are
the same bytes, whatever the clock, the umask or the file system's order.
The gzip MNIST files and the PNG are stored as they are (compressing them
again gains nothing); everything else is deflated at zlib's default level.

>>> names = package_files()
>>> "purenn/__init__.py" in names and "purenn/pack.py" in names
True
>>> names == sorted(names) and not any("__pycache__" in n for n in names)
True
"""
import hashlib
import io
import os
import zipapp
import zipfile

from purenn import resources

__all__ = ["TIMESTAMP", "INTERPRETER", "package_files", "archive_bytes",
           "build"]

# 1980-01-01 00:00:00, the zip format's epoch: the same in every build.
TIMESTAMP = (1980, 1, 1, 0, 0, 0)

INTERPRETER = "/usr/bin/env python3"

# Members already compressed: stored, not deflated again (and read in place
# by purenn.resources).
_STORED_SUFFIXES = (".gz", ".png")


def package_files(package=None):
    """Return the sorted member names (``purenn/...``) of the package's
    files: the modules, data/ and the page, without caches or compiled
    files.  ``package`` is the package folder (default: this purenn's,
    which may lie inside an archive)."""
    package = resources.PACKAGE_DIRECTORY if package is None else package
    return ["purenn/" + name for name in resources.walk_files(package)
            if not name.endswith((".pyc", ".pyo"))]


def _info(name):
    info = zipfile.ZipInfo(name, date_time=TIMESTAMP)
    info.create_system = 3  # Unix, so external_attr's mode bits count
    info.external_attr = 0o644 << 16
    info.compress_type = (zipfile.ZIP_STORED
                          if name.endswith(_STORED_SUFFIXES)
                          else zipfile.ZIP_DEFLATED)
    return info


def archive_bytes(package=None):
    """Return the zip archive (without the #! line) as bytes."""
    package = resources.PACKAGE_DIRECTORY if package is None else package
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        main = resources.read_bytes(os.path.join(package, "_pyz_main.py"))
        archive.writestr(_info("__main__.py"), main)
        for name in package_files(package):
            path = os.path.join(package, *name.split("/")[1:])
            archive.writestr(_info(name), resources.read_bytes(path))
    return buffer.getvalue()


def build(out, package=None):
    """Write the zipapp to ``out``; return its SHA-256 hex digest.

    Written to ``out + ".tmp"`` first and renamed, so ``out`` is never
    half-written.
    """
    data = archive_bytes(package)
    temporary = out + ".tmp"
    # zipapp copies an existing archive behind the #! line it writes (and
    # makes the file executable).
    zipapp.create_archive(io.BytesIO(data), temporary,
                          interpreter=INTERPRETER)
    os.replace(temporary, out)
    digest = hashlib.sha256()
    with open(out, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
