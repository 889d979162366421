"""Re-compress the shipped MNIST .gz files smaller, their contents unchanged.

    python scripts/repack_mnist.py [DIR]        # default: purenn/data/mnist

The files as first published were gzipped at zlib's default settings; this
writes each again at level 9 with zlib's largest match memory (memLevel 9),
the better of the default and filtered strategies, and a fixed header
(no name, mtime 0), and keeps the result only where it is smaller.  The
decompressed bytes do not change, and ``SHA256SUMS`` (the SHA-256 of the
decompressed files) is checked before anything is replaced; each file is
replaced atomically.  It took the four files from 11,369,320 to
11,248,535 bytes, which keeps purenn.pyz under 13 MB (docs/install.md).

Standard library only; it takes about 20 s (level 9 on 47 MB).
"""
import gzip
import hashlib
import os
import struct
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = os.path.join(ROOT, "purenn", "data", "mnist")
sys.path.insert(0, ROOT)

from purenn import pack  # noqa: E402 (this checkout's purenn)

# RFC 1952: magic, deflate, no flags, mtime 0, XFL 2 (best compression),
# OS 255 (unknown): the same header on every machine.
HEADER = b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x02\xff"


def gzip_best(data):
    """Return ``data`` gzipped: purenn.pack's deflate (level 9, memLevel 9,
    the shorter of zlib's default and filtered strategies) in a fixed
    header."""
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF,
                          len(data) & 0xFFFFFFFF)
    return HEADER + pack.deflate(data) + trailer


def read_sums(directory):
    sums = {}
    with open(os.path.join(directory, "SHA256SUMS")) as stream:
        for line in stream:
            if line.strip():
                digest, name = line.split()
                sums[name] = digest
    return sums


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    directory = argv[0] if argv else DEFAULT
    sums = read_sums(directory)
    before = after = 0
    for name in sorted(sums):
        path = os.path.join(directory, name + ".gz")
        with open(path, "rb") as stream:
            old = stream.read()
        data = gzip.decompress(old)
        if hashlib.sha256(data).hexdigest() != sums[name]:
            print("repack_mnist.py: error: {}: content does not match "
                  "SHA256SUMS; nothing replaced".format(path),
                  file=sys.stderr)
            return 2
        new = gzip_best(data)
        assert gzip.decompress(new) == data
        before += len(old)
        if len(new) < len(old):
            temporary = path + ".tmp"
            with open(temporary, "wb") as stream:
                stream.write(new)
            os.replace(temporary, path)
            old = new
        after += len(old)
        print("{}: {:,} bytes".format(name + ".gz", len(old)))
    print("{:,} -> {:,} bytes".format(before, after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
