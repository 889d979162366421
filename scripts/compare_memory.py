"""Peak memory of ``purenn compare`` on hostile ACTUAL files (docs/golden.md).

Writes each file into a temporary directory, runs ``PYTHON -m purenn
compare purenn/data/golden/random-4-5-3.json FILE`` in a child process and
prints its exit status, its peak resident set size (GNU time's %M, so
/usr/bin/time must exist) and the first line of its output, as a Markdown
table.

    python scripts/compare_memory.py [--python /work/venvs/pypy/bin/python]
"""
import argparse
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MB = 1024 * 1024
SIZE = 64 * MB - 16


def _files(directory):
    """(label, path) of each hostile file, written into ``directory``."""
    def write(name, *parts):
        path = os.path.join(directory, name)
        with open(path, "wb") as stream:
            for part in parts:
                stream.write(part)
        return path

    padded = b"1.2345678901234567" + b" " * 30 + b","
    count = (160 * MB - 1000) // 187       # just inside the parse estimate
    return [
        ("/dev/zero", "/dev/zero"),
        ("/dev/urandom", "/dev/urandom"),
        ("`[` repeated, 64 MB", write("nest.json", b"[" * SIZE)),
        ("`{\"steps\": [[], [], ...`, 64 MB", write(
            "lists.json", b'{"steps": [', b"[]," * ((SIZE - 20) // 3),
            b"[]]}")),
        ("one integer of 64 M digits", write(
            "int.json", b'{"steps": [[', b"1" * (SIZE - 20), b"]]}")),
        ("3.3 M floats, 64 MB", write(
            "floats.json", b'{"steps": [[',
            b"1.2345678901234567, " * ((SIZE - 30) // 20), b"1.5]]}")),
        ("spaces, 64 MB + 100", write("over.json", b" " * (SIZE + 116))),
        ("the largest accepted: one string, 53 MB", write(
            "string.json", b'{"steps": "', b"a" * (160 * MB // 3 - 200),
            b'"}')),
        ("the largest accepted: 900,000 padded floats as a rate, 44 MB",
         write("padded.json", b'{"steps": [{"rate": [', padded * count,
               b"1.5]}]}")),
    ]


def measure(python, path):
    """(exit status, peak RSS in MB, first output line) of one compare.

    The peak is GNU time's %M: a child's ru_maxrss from os.wait4 would
    include this script's own pages (Linux keeps the high-water mark of the
    process that forked across exec)."""
    fixture = os.path.join(REPO, "purenn", "data", "golden",
                           "random-4-5-3.json")
    with tempfile.NamedTemporaryFile("r") as peak:
        process = subprocess.Popen(
            ["/usr/bin/time", "-o", peak.name, "-f", "%M", python, "-m",
             "purenn", "compare", fixture, path], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, cwd=REPO, universal_newlines=True)
        first = process.stdout.readline().strip()
        process.stdout.read()
        status = process.wait()
        kilobytes = int(peak.read().split()[-1])
    return status, kilobytes // 1024, first


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter to measure (default: this one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        print("| FILE | exit | peak | first line |")
        print("|---|---|---|---|")
        for label, path in _files(directory):
            status, peak, first = measure(args.python, path)
            print("| {} | {} | {} MB | {} |".format(
                label, status, peak, first.replace(directory, "DIR")[:110]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
