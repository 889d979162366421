"""Subcommand ``pack``: write purenn.pyz, this purenn in one file (see
purenn.cli and purenn.pack).

    purenn pack --out purenn.pyz
    python purenn.pyz pack --out copy.pyz      # the same bytes again
"""
import os
import sys

from purenn.cli.common import CliError

__all__ = ["register"]


def register(subparsers):
    """Add ``pack`` to subparsers."""
    pack = subparsers.add_parser(
        "pack", help="write purenn.pyz: this purenn and its data in one file",
        description="Write a zipapp of this purenn with its data and its "
                    "page: 'python FILE COMMAND' then runs any command from "
                    "any directory, on CPython 3.6-3.13 and PyPy.  The same "
                    "files give the same bytes (fixed timestamps and order); "
                    "prints the size and SHA-256.  See docs/install.md.")
    pack.add_argument("--out", required=True, metavar="FILE",
                      help="archive to write, e.g. purenn.pyz")
    pack.set_defaults(func=run_pack)


def run_pack(args, out=None):
    out = sys.stdout if out is None else out
    from purenn import pack, resources
    from purenn.io.fileio import check_outputs
    # Before any work, and never over a file it packs: the running archive,
    # or any file of the package folder (its model, its own modules).
    archive = resources.split_archive(resources.PACKAGE_DIRECTORY)[0]
    if archive is not None:
        inputs = [("the running archive", archive)]
    else:
        inputs = [("package file", os.path.join(resources.PACKAGE_DIRECTORY,
                                                *name.split("/")[1:]))
                  for name in pack.package_files()]
    check_outputs([("--out", args.out)], inputs=inputs)
    if not resources.isfile(resources.data_path("mnist", "SHA256SUMS")):
        raise CliError("no MNIST data to pack: {}".format(
            resources.missing_data_advice("mnist")))
    digest = pack.build(args.out)
    out.write("wrote {} ({:,} bytes)\n".format(args.out,
                                               os.path.getsize(args.out)))
    out.write("sha256 {}  {}\n".format(digest, os.path.basename(args.out)))
    return 0
