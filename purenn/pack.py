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
again gains nothing); everything else is deflated at zlib's best level,
with whichever of zlib's two general strategies (default, filtered) gives
the fewer bytes: filtered takes a tenth off the golden MNIST fixture,
whose digits repeat too far apart for the default's matches to pay.  The
zip is written here, not by ``zipfile``, so that the compression can be
chosen (``zipfile`` takes no strategy) and no Python version's ``zipfile``
can change a byte; ``zipfile`` and ``zipimport`` read it as any zip.

>>> names = package_files()
>>> "purenn/__init__.py" in names and "purenn/pack.py" in names
True
>>> names == sorted(names) and not any("__pycache__" in n for n in names)
True
"""
import hashlib
import io
import os
import struct
import zipapp
import zlib

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


# The zip format's numbers (PKWARE's APPNOTE): method 0 stores, 8 deflates;
# "version 2.0" is all a reader needs for either; made on Unix (3), so the
# external attributes hold the mode bits rw-r--r--.
_STORED, _DEFLATED = 0, 8
_VERSION = 20
_MADE_BY = (3 << 8) | _VERSION
_ATTRIBUTES = 0o100644 << 16
_DOS_DATE = ((TIMESTAMP[0] - 1980) << 9) | (TIMESTAMP[1] << 5) | TIMESTAMP[2]
_DOS_TIME = (TIMESTAMP[3] << 11) | (TIMESTAMP[4] << 5) | (TIMESTAMP[5] // 2)
_UTF8_NAME = 1 << 11


def _deflate(data):
    """Return ``data`` as a raw deflate stream (what a zip member holds):
    level 9, memLevel 9, the shorter of the default and filtered
    strategies (the default on a tie, so the choice is fixed)."""
    best = None
    for strategy in (zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED):
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, strategy)
        packed = compressor.compress(data) + compressor.flush()
        if best is None or len(packed) < len(best):
            best = packed
    return best


def _member(name, data):
    """Return ``(local header + contents, central directory entry)`` for
    a member at offset 0; the caller adds the offset to the entry."""
    method = _STORED if name.endswith(_STORED_SUFFIXES) else _DEFLATED
    packed = data if method == _STORED else _deflate(data)
    encoded = name.encode("utf-8")
    flags = 0 if encoded == name.encode("ascii", "replace") else _UTF8_NAME
    common = struct.pack("<HHHHHIIIH", _VERSION, flags, method, _DOS_TIME,
                         _DOS_DATE, zlib.crc32(data) & 0xFFFFFFFF,
                         len(packed), len(data), len(encoded))
    local = b"PK\x03\x04" + common + struct.pack("<H", 0) + encoded + packed
    central = (b"PK\x01\x02" + struct.pack("<H", _MADE_BY) + common +
               struct.pack("<HHHHI", 0, 0, 0, 0, _ATTRIBUTES))
    return local, central, encoded


def archive_bytes(package=None):
    """Return the zip archive (without the #! line) as bytes: the members
    (``__main__.py`` first, then package_files' order), the central
    directory, its end record; no zip64, no extra fields, no comment."""
    package = resources.PACKAGE_DIRECTORY if package is None else package
    members = [("__main__.py", os.path.join(package, "_pyz_main.py"))]
    members += [(name, os.path.join(package, *name.split("/")[1:]))
                for name in package_files(package)]
    body, directory = [], []
    offset = 0
    for name, path in members:
        local, central, encoded = _member(name, resources.read_bytes(path))
        directory.append(central + struct.pack("<I", offset) + encoded)
        body.append(local)
        offset += len(local)
    listing = b"".join(directory)
    if offset + len(listing) >= 1 << 32 or len(members) >= 1 << 16:
        raise ValueError("purenn.pyz would need zip64: {} members, {} "
                         "bytes".format(len(members), offset + len(listing)))
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members),
                                        len(members), len(listing), offset, 0)
    return b"".join(body) + listing + end


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
