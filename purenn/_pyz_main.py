"""Run purenn from this archive: ``python purenn.pyz COMMAND``.

``purenn.pack`` (``purenn pack``, scripts/build_pyz.py) stores this file as
the archive's ``__main__.py``; imported as a module it does nothing.

It imports purenn's modules from the archive through a small finder of its
own rather than ``zipimport``, then runs the command line.  Both read each
module's source out of the zip and compile it (a zip holds no
``__pycache__``, and nothing is written beside the archive); the finder is
there for PyPy's memory: compiling leaves garbage that PyPy's collector
frees only at its next major collection, and collecting after each module
keeps it off the peak.  ``purenn.pyz train --epochs 1 --train-limit 2000``
on PyPy 3.9 peaked at 353 MB this way, 362 MB without the collections and
373 MB through plain ``zipimport`` (the checkout, whose modules come
precompiled from ``__pycache__``: 377 MB; docs/install.md).  CPython does
not need it.

Modules' ``__file__`` runs through the archive
(``/home/me/purenn.pyz/purenn/network.py``), as with zipimport, which
``purenn.resources`` reads; ``linecache`` finds the source for tracebacks.
Each read opens the archive anew, so processes forked by the engines never
share a file offset.
"""
import gc
import importlib.abc
import importlib.util
import os
import sys
import zipfile

ARCHIVE = os.path.dirname(os.path.abspath(__file__))

_COLLECT = sys.implementation.name == "pypy"


class _Finder(importlib.abc.MetaPathFinder):
    """Find ``purenn`` and its submodules in the archive."""

    def __init__(self, archive):
        self.archive = archive
        with zipfile.ZipFile(archive) as zipped:
            self.names = frozenset(zipped.namelist())

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "purenn" and not fullname.startswith("purenn."):
            return None
        base = fullname.replace(".", "/")
        for member, package in ((base + "/__init__.py", True),
                                (base + ".py", False)):
            if member in self.names:
                filename = os.path.join(self.archive, *member.split("/"))
                return importlib.util.spec_from_file_location(
                    fullname, filename, loader=_Loader(self.archive, member,
                                                       filename),
                    submodule_search_locations=[os.path.dirname(filename)]
                    if package else None)
        return None


class _Loader(importlib.abc.SourceLoader):
    """Load one module's source from the archive and compile it."""

    def __init__(self, archive, member, filename):
        self.archive = archive
        self.member = member
        self.filename = filename

    def get_filename(self, fullname):
        return self.filename

    def get_data(self, path):
        with zipfile.ZipFile(self.archive) as zipped:
            return zipped.read(self.member)

    if _COLLECT:
        def exec_module(self, module):
            super().exec_module(module)
            gc.collect()  # the compiler's garbage, before it settles


def _run():
    if os.path.isfile(ARCHIVE) and zipfile.is_zipfile(ARCHIVE):
        sys.meta_path.insert(0, _Finder(ARCHIVE))
    from purenn.cli import main  # after the finder
    return main()


if __name__ == "__main__":
    sys.exit(_run())
