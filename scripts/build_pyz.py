"""Build purenn.pyz: the whole of purenn, its data and its page in one file.

    python scripts/build_pyz.py                 # writes ./purenn.pyz
    python scripts/build_pyz.py --out dist/purenn.pyz

The result is a zipapp (PEP 441): ``#!/usr/bin/env python3``, then a zip
archive holding ``__main__.py`` (scripts/pyz_main.py) and the ``purenn/``
package with its
``data/`` (MNIST, the default model, the golden fixtures, the example
image) and the classroom page's static files.  ``python purenn.pyz
COMMAND`` runs any purenn command, from any directory; purenn reads its
files out of the archive (``purenn.resources``), never unpacking them.

The build is reproducible: the members are written in sorted order, each
with the same timestamp (1980-01-01, the earliest a zip can hold), the same
permissions and the same compression, so two builds of the same tree are
the same bytes, whatever the clock, the umask or the file system's order.
The gzip MNIST files and the PNG are stored as they are (compressing them
again gains nothing); everything else is deflated at zlib's default level.
The script prints the archive's size and SHA-256.

Standard library only, Python 3.6 or later.
"""
import argparse
import hashlib
import io
import os
import sys
import zipapp
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "purenn")

# 1980-01-01 00:00:00, the zip format's epoch: the same in every build.
TIMESTAMP = (1980, 1, 1, 0, 0, 0)

# Members already compressed: stored, not deflated again.
STORED_SUFFIXES = (".gz", ".png")

# The archive's __main__.py: imports purenn from the archive and runs the
# command line (see that file for why it does not leave this to zipimport).
MAIN = os.path.join(ROOT, "scripts", "pyz_main.py")

INTERPRETER = "/usr/bin/env python3"


def package_files(package=PACKAGE):
    """Return the sorted member names (``purenn/...``) of the package's
    files: the modules, data/ and the page, without caches."""
    names = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = [d for d in dirs
                   if d != "__pycache__" and not d.startswith(".")]
        for name in files:
            if name.startswith(".") or name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, os.path.dirname(package))
            names.append(relative.replace(os.sep, "/"))
    return sorted(names)


def _info(name):
    info = zipfile.ZipInfo(name, date_time=TIMESTAMP)
    info.create_system = 3  # Unix, so external_attr's mode bits count
    info.external_attr = 0o644 << 16
    info.compress_type = (zipfile.ZIP_STORED if name.endswith(STORED_SUFFIXES)
                          else zipfile.ZIP_DEFLATED)
    return info


def archive_bytes(package=PACKAGE):
    """Return the zip archive (without the #! line) as bytes."""
    buffer = io.BytesIO()
    root = os.path.dirname(package)
    with zipfile.ZipFile(buffer, "w") as archive:
        with open(MAIN, "rb") as stream:
            archive.writestr(_info("__main__.py"), stream.read())
        for name in package_files(package):
            with open(os.path.join(root, *name.split("/")), "rb") as stream:
                archive.writestr(_info(name), stream.read())
    return buffer.getvalue()


def build(out, package=PACKAGE):
    """Write the zipapp to ``out``; return its SHA-256 hex digest."""
    data = archive_bytes(package)
    # zipapp copies an existing archive behind the #! line it writes (and
    # makes the file executable).
    temporary = out + ".tmp"
    zipapp.create_archive(io.BytesIO(data), temporary,
                          interpreter=INTERPRETER)
    os.replace(temporary, out)
    digest = hashlib.sha256()
    with open(out, "rb") as stream:
        digest.update(stream.read())
    return digest.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="build_pyz.py",
        description="Build purenn.pyz, a reproducible zipapp of purenn with "
                    "its data.")
    parser.add_argument("--out", default="purenn.pyz", metavar="FILE",
                        help="archive to write (default: purenn.pyz)")
    args = parser.parse_args(argv)
    if not os.path.isfile(os.path.join(PACKAGE, "data", "mnist",
                                       "SHA256SUMS")):
        print("build_pyz.py: error: {} has no data/mnist; the archive would "
              "not run train or selftest".format(PACKAGE), file=sys.stderr)
        return 2
    digest = build(args.out)
    print("wrote {} ({:,} bytes)".format(args.out,
                                         os.path.getsize(args.out)))
    print("sha256 {}  {}".format(digest, os.path.basename(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
