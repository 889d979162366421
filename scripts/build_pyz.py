"""Build purenn.pyz from this checkout: the package, its data and its page.

    python scripts/build_pyz.py                 # writes ./purenn.pyz
    python scripts/build_pyz.py --out dist/purenn.pyz

The same as ``python -m purenn pack --out FILE``; purenn.pack says what the
archive holds and why two builds are the same bytes.  Prints the archive's
size and SHA-256.  Standard library only, Python 3.6 or later.
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "purenn")
sys.path.insert(0, ROOT)

from purenn import pack  # noqa: E402 (this checkout's purenn)

package_files = pack.package_files


def build(out, package=PACKAGE):
    """Write the zipapp of ``package`` to ``out``; return its SHA-256."""
    return pack.build(out, package=package)


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
