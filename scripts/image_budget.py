"""Time the slowest pictures the image readers accept (the CPU budget).

For each PNG colour type and depth, and for PGM, this writes the largest
picture of random bytes that fits ``purenn.io.png.MAX_IMAGE_BYTES`` (16 MiB
of pixel rows), every PNG row Paeth-filtered (the slowest filter), and runs
``python -m purenn predict MODEL --image FILE`` on it in a fresh child
process, printing its exit status, peak resident memory (ru_maxrss of the
child) and wall time.  It also checks that the next size up is refused at
once, and that the issue's 8192x2048 RGBA16 file is refused.

    python scripts/image_budget.py            # all of them, a few minutes
    python scripts/image_budget.py --only rgba16,grey8
"""
import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(REPO, "purenn", "data", "models", "mnist-784-30-10.json")

# name -> (colour type, depth, samples, width, height, interlace); each size
# is the largest of its shape within 2**24 bytes of rows.
CASES = {
    "rgba16": (6, 16, 4, 2048, 1023, 0),
    "rgb16": (2, 16, 3, 2048, 1364, 0),
    "rgba8": (6, 8, 4, 2048, 2047, 0),
    "rgb8": (2, 8, 3, 2364, 2364, 0),
    "grey16": (0, 16, 1, 4096, 2047, 0),
    "grey8": (0, 8, 1, 4096, 4095, 0),
    "grey1": (0, 1, 1, 4096, 4096, 0),
    "grey8-adam7": (0, 8, 1, 4096, 4095, 1),
    "palette8": (3, 8, 1, 4096, 4095, 0),
}


def _chunk(kind, body):
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def _adam7_rows(width, height, row_bytes_of):
    """(row count, row bytes) of each non-empty Adam7 pass."""
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
              (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
    out = []
    for x0, y0, dx, dy in passes:
        w = (width - x0 + dx - 1) // dx if width > x0 else 0
        h = (height - y0 + dy - 1) // dy if height > y0 else 0
        if w and h:
            out.append((h, row_bytes_of(w)))
    return out


def write_png(path, colour, depth, samples, width, height, interlace, rng):
    def row_bytes(w):
        return (w * samples * depth + 7) // 8
    shape = _adam7_rows(width, height, row_bytes) if interlace \
        else [(height, row_bytes(width))]
    packer = zlib.compressobj(1)
    parts = []
    for rows, size in shape:
        for _ in range(rows):
            parts.append(packer.compress(b"\x04" + rng.getrandbits(
                8 * size).to_bytes(size, "little")))
    parts.append(packer.flush())
    body = [_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth,
                                        colour, 0, 0, interlace))]
    if colour == 3:
        body.append(_chunk(b"PLTE", bytes(rng.randrange(256)
                                          for _ in range(768))))
    body.append(_chunk(b"IDAT", b"".join(parts)))
    body.append(_chunk(b"IEND", b""))
    with open(path, "wb") as stream:
        stream.write(b"\x89PNG\r\n\x1a\n" + b"".join(body))


def write_pgm(path, width, height, rng, text=False):
    with open(path, "wb") as stream:
        if text:
            stream.write("P2\n{} {}\n255\n".format(width, height).encode())
            for _ in range(height):
                stream.write(" ".join(str(rng.randrange(256))
                                      for _ in range(width)).encode() + b"\n")
        else:
            stream.write("P5\n{} {}\n255\n".format(width, height).encode())
            for _ in range(height):
                stream.write(rng.getrandbits(8 * width).to_bytes(width,
                                                                 "little"))


def run(path):
    """Run predict on ``path`` in a child; return (exit status, its own peak
    RSS in MB from os.wait4, seconds, last line)."""
    start = time.time()
    with tempfile.TemporaryFile("w+") as out, \
            tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "purenn", "predict", MODEL, "--image",
             path], stdout=out, stderr=err, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.WEXITSTATUS(status)
        seconds = time.time() - start
        out.seek(0)
        err.seek(0)
        text = out.read() if process.returncode == 0 else err.read()
    answer = (text.strip().splitlines() or [""])[-1]
    return process.returncode, usage.ru_maxrss / 1024, seconds, answer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None,
                        help="comma-separated case names (default: all, and "
                        "pgm-p5, pgm-p2)")
    args = parser.parse_args(argv)
    names = list(CASES) + ["pgm-p5", "pgm-p2", "refused-8192x2048-rgba16"]
    if args.only:
        names = args.only.split(",")
    print("python {}; python -m purenn predict MODEL --image FILE".format(
        sys.version.split()[0]))
    print("{:<26} {:>9} {:>4} {:>9} {:>8}  {}".format(
        "file", "on disk", "exit", "peak RSS", "seconds", "answer"))
    folder = tempfile.mkdtemp(prefix="purenn-budget-")
    for name in names:
        suffix = ".pgm" if name.startswith("pgm") else ".png"
        path = os.path.join(folder, name + suffix)
        # Made in a child of its own: this process stays small, so the
        # measured child (whose peak counts what it was forked from)
        # starts as a fresh Python would.
        subprocess.check_call([sys.executable, os.path.abspath(__file__),
                               "--make", name, path])
        size = os.path.getsize(path)
        status, peak, seconds, answer = run(path)
        print("{:<26} {:>7.1f}MB {:>4} {:>7.1f}MB {:>8.1f}  {}".format(
            os.path.basename(path)[:26], size / 1e6, status, peak, seconds,
            answer[:90]), flush=True)
        os.remove(path)
    os.rmdir(folder)


def make(name, path):
    """Write case ``name`` at ``path``."""
    rng = random.Random(22)
    if name in CASES:
        colour, depth, samples, width, height, interlace = CASES[name]
        write_png(path, colour, depth, samples, width, height, interlace,
                  rng)
    elif name == "refused-8192x2048-rgba16":
        write_png(path, 6, 16, 4, 8192, 2, 0, rng)
        with open(path, "r+b") as stream:   # then declare 2048 rows
            data = bytearray(stream.read())
            data[16:24] = struct.pack(">II", 8192, 2048)
            data[29:33] = struct.pack(">I", zlib.crc32(
                bytes(data[12:29])) & 0xFFFFFFFF)
            stream.seek(0)
            stream.write(data)
    else:
        write_pgm(path, 4096, 4096, rng, text=name == "pgm-p2")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--make"]:
        make(sys.argv[2], sys.argv[3])
    else:
        main()
