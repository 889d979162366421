#!/usr/bin/env python3
"""Download the four MNIST files and check them against their SHA-256 sums.

purenn ships MNIST in purenn/data/mnist; this script fetches it again (for an
installed copy, or to replace damaged files)::

    python scripts/fetch_mnist.py --dest purenn/data/mnist
    python scripts/fetch_mnist.py --dest /tmp/mnist --mirror http://host/mnist/

For each of the four ``.gz`` files it tries the mirrors in order, streams the
download to a temporary file in ``--dest``, decompresses it and compares the
SHA-256 of the decompressed content with the known sum below (the sums of
purenn/data/mnist/SHA256SUMS), and only then renames it into place, so ``--dest``
never holds a partial or wrong file.  A mirror that is down, answers with an
error, or serves a file with the wrong content is reported and the next one
is tried.  A file already in ``--dest`` with the right content is kept.
Finally SHA256SUMS is written beside the files, so that
``purenn.io.mnist.verify_checksums`` works there.  Progress goes to stderr.

Exit status: 0 when all four files are in place, 1 when some file could not
be had from any mirror, 2 for bad arguments.  Standard library only.
"""
import argparse
import gzip
import hashlib
import os
import sys
import urllib.request
import zlib

MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]

# SHA-256 of the decompressed files, as in purenn/data/mnist/SHA256SUMS.
SHA256 = {
    "train-images-idx3-ubyte":
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte":
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte":
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte":
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

_CHUNK = 1 << 16


class FetchError(Exception):
    """One mirror failed for one file; the next mirror is tried."""


def _say(message, end="\n"):
    sys.stderr.write(message + end)
    sys.stderr.flush()


def _sha256_of_gzip(path):
    """Return the SHA-256 of the decompressed content of gzip file ``path``."""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as stream:
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                digest.update(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise FetchError("not a valid gzip file ({}: {})".format(
            type(exc).__name__, exc))
    return digest.hexdigest()


def _temp_path(dest, name):
    return os.path.join(dest, ".{}.{}.part".format(name, os.urandom(6).hex()))


def _download(opener, url, temp, timeout):
    """Stream ``url`` into the new file ``temp``, reporting progress."""
    try:
        response = opener.open(url, timeout=timeout)
    except (OSError, ValueError) as exc:   # URLError, HTTPError, timeouts
        raise FetchError(str(exc))
    with response:
        total = response.headers.get("Content-Length")
        total = int(total) if total and total.isdigit() else None
        done = 0
        shown = -1
        tty = sys.stderr.isatty()
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as out:
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except OSError as exc:
                    raise FetchError("download broke off: {}".format(exc))
                if not chunk:
                    break
                out.write(chunk)
                done += len(chunk)
                if tty and total:
                    percent = 100 * done // total
                    if percent != shown:
                        shown = percent
                        _say("\r  {:3d}% of {:.1f} MB".format(
                            percent, total / 1e6), end="")
            out.flush()
            os.fsync(out.fileno())
        if tty and total:
            _say("")
        if total is not None and done != total:
            raise FetchError("got {} bytes, the server announced {}".format(
                done, total))
        _say("  {:,} bytes downloaded".format(done))


def fetch_file(name, mirrors, dest, opener, timeout=60):
    """Fetch ``name`` (e.g. ``t10k-labels-idx1-ubyte.gz``) into ``dest``.

    Return True when a verified copy is in place, False when every mirror
    failed (each failure already reported on stderr).
    """
    expected = SHA256[name[:-3]]
    target = os.path.join(dest, name)
    if os.path.isfile(target):
        try:
            if _sha256_of_gzip(target) == expected:
                _say("{}: already present, SHA-256 verified".format(name))
                return True
        except FetchError:
            pass
        _say("{}: present but damaged, fetching again".format(name))
    for mirror in mirrors:
        url = mirror if mirror.endswith("/") else mirror + "/"
        url += name
        _say("{}: downloading {}".format(name, url))
        temp = _temp_path(dest, name)
        try:
            _download(opener, url, temp, timeout)
            found = _sha256_of_gzip(temp)
            if found != expected:
                raise FetchError("SHA-256 of the decompressed data is {}, "
                                 "expected {}".format(found, expected))
            os.replace(temp, target)
            _say("{}: SHA-256 verified, saved to {}".format(name, target))
            return True
        except FetchError as exc:
            _say("{}: failed from {}: {}; trying the next mirror".format(
                name, url, exc))
        finally:
            if os.path.exists(temp):
                os.remove(temp)
    _say("{}: every mirror failed".format(name))
    return False


def _write_sums(dest):
    """Write SHA256SUMS into ``dest`` atomically."""
    text = "".join("{}  {}\n".format(SHA256[base], base)
                   for base in sorted(SHA256))
    temp = _temp_path(dest, "SHA256SUMS")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(temp, os.path.join(dest, "SHA256SUMS"))


def build_parser():
    parser = argparse.ArgumentParser(
        prog="fetch_mnist.py",
        description="Download MNIST and verify its SHA-256 sums.")
    parser.add_argument(
        "--dest", metavar="DIR", required=True,
        help="directory to write the four .gz files and SHA256SUMS into "
             "(created if missing)")
    parser.add_argument(
        "--mirror", metavar="URL", action="append", default=None,
        help="base URL holding the four .gz files; repeat to try several in "
             "order (default: {})".format(" then ".join(MIRRORS)))
    parser.add_argument(
        "--timeout", metavar="SECONDS", type=float, default=60.0,
        help="network timeout per request (default: 60)")
    return parser


def main(argv=None):
    """Run the script with ``argv``; return the exit status."""
    args = build_parser().parse_args(argv)
    mirrors = args.mirror or MIRRORS
    try:
        os.makedirs(args.dest, exist_ok=True)
    except OSError as exc:
        _say("fetch_mnist: error: {}".format(exc))
        return 2
    opener = urllib.request.build_opener()
    ok = all([fetch_file(base + ".gz", mirrors, args.dest, opener,
                         args.timeout) for base in sorted(SHA256)])
    if not ok:
        _say("fetch_mnist: error: some files could not be fetched")
        return 1
    _write_sums(args.dest)
    _say("fetch_mnist: all four MNIST files are in {}".format(args.dest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
