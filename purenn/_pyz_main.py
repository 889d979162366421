"""Run purenn from this archive: ``python purenn.pyz COMMAND``.

``purenn.pack`` (``purenn pack``, scripts/build_pyz.py) stores this file as
the archive's ``__main__.py``; imported as a module it does nothing.

It imports purenn's modules from the archive through a small finder of its
own rather than ``zipimport``, then runs the command line.  Both read each
module's source out of the zip and compile it (a zip holds no
``__pycache__``, and nothing is written beside the archive); the finder is
there for PyPy's memory.  ``purenn.pyz train --epochs 1 --train-limit
2000`` on PyPy 3.9 peaked at 359 MB through it and 373 MB through plain
``zipimport`` (the checkout, whose modules come precompiled from
``__pycache__``: 376 MB; docs/install.md).  Collecting the compiler's
garbage after each module would take 14 MB more off, at 0.13 s of PyPy's
start-up; since ``purenn.io.mnist`` collects once MNIST is read, the pyz
peaks under the checkout without that.

Modules' ``__file__`` runs through the archive
(``/home/me/purenn.pyz/purenn/network.py``), as with zipimport, which
``purenn.resources`` reads; ``linecache`` finds the source for tracebacks.
Each read opens the archive anew, so processes forked by the engines never
share a file offset.
"""
import importlib.abc
import importlib.util
import os
import sys
import zipfile
import zlib

ARCHIVE = os.path.dirname(os.path.abspath(__file__))


class Damaged(ImportError):
    """A module's bytes in the archive do not read back as written."""

    def __init__(self, member, why):
        super().__init__("{}: {} is damaged ({}); copy purenn.pyz again"
                         .format(ARCHIVE, member, why))


class _Finder(importlib.abc.MetaPathFinder):
    """Find ``purenn`` and its submodules in the archive."""

    def __init__(self, archive):
        self.archive = archive
        # The central directory is read once; each module is then read
        # straight from its offset (a ZipFile opened per module cost PyPy
        # 0.05 s of its start-up).
        with zipfile.ZipFile(archive) as zipped:
            self.members = {info.filename: info
                            for info in zipped.infolist()}

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "purenn" and not fullname.startswith("purenn."):
            return None
        base = fullname.replace(".", "/")
        for member, package in ((base + "/__init__.py", True),
                                (base + ".py", False)):
            if member in self.members:
                filename = os.path.join(self.archive, *member.split("/"))
                loader = _Loader(self.archive, self.members[member],
                                 filename)
                return importlib.util.spec_from_file_location(
                    fullname, filename, loader=loader,
                    submodule_search_locations=[os.path.dirname(filename)]
                    if package else None)
        return None


class _Loader(importlib.abc.SourceLoader):
    """Load one module's source from the archive and compile it."""

    def __init__(self, archive, info, filename):
        self.archive = archive
        self.info = info
        self.filename = filename

    def get_filename(self, fullname):
        return self.filename

    def get_data(self, path):
        info = self.info
        with open(self.archive, "rb") as stream:
            # The local header: 30 bytes, the name's and the extra field's
            # lengths at offset 26 (purenn.resources reads data the same way).
            stream.seek(info.header_offset)
            header = stream.read(30)
            skip = int.from_bytes(header[26:28], "little") + \
                int.from_bytes(header[28:30], "little")
            stream.seek(info.header_offset + 30 + skip)
            packed = stream.read(info.compress_size)
        try:
            if header[:4] != b"PK\x03\x04" or \
                    len(packed) != info.compress_size:
                raise ValueError("bad local header")
            data = packed if info.compress_type == zipfile.ZIP_STORED \
                else zlib.decompress(packed, -15)
        except (ValueError, zlib.error) as exc:
            raise Damaged(info.filename, exc)
        if zlib.crc32(data) & 0xFFFFFFFF != info.CRC:
            raise Damaged(info.filename, "CRC mismatch")
        return data


def _run():
    if os.path.isfile(ARCHIVE) and zipfile.is_zipfile(ARCHIVE):
        sys.meta_path.insert(0, _Finder(ARCHIVE))
    try:
        from purenn.cli import main  # after the finder
        return main()
    except Damaged as exc:  # one line, as for any damaged input
        print("purenn: error: {}".format(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(_run())
