"""Measure the peak memory of ``purenn predict --image`` on big and hostile
pictures.

    python scripts/memory_images.py            # all cases, a table
    python scripts/memory_images.py --quick    # skip the 8192x2048 file
    python scripts/memory_images.py --worst    # add the slowest file of all

Makes, in a temporary directory, a [784, 30, 10] model and these files:

* ``bomb-28x28``: a 28x28 greyscale header with one IDAT that inflates to
  1 GiB of zeros (about 1 MB on disk);
* ``4000x4000``: RGB, white with a black stroke;
* ``screenshot-3840x2160``: RGBA, a title bar, a black stroke;
* ``noise-3840x2160``: RGBA noise, every row Paeth-filtered (the slowest
  path: the time bound for a hostile file of this size);
* ``largest-8192x2048-16bit``: RGBA at 16 bits, the largest size accepted
  (MAX_PIXELS = 2**24 pixels) with the most bytes per pixel;
* ``largest-4096x4096-adam7``: greyscale, interlaced, the largest square,
  so every working pixel's sum is held until the last pass;
* ``pgm-4096x4096``: the same picture as a binary PGM (P5);
* with ``--worst``, ``noise-8192x2048-16bit``: RGBA noise at 16 bits, every
  row Paeth, the largest number of bytes the reader accepts (134 MB) on its
  slowest path: the bound on the time a hostile file can take.

Rows that repeat the row above are stored as encoders store them, filter 4
(Paeth) over zeros, which the reader recognises as a copy of the row above.  Each command runs in a fresh child of a fresh
Python, so that ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is that command's
peak resident set size alone.  Prints one row per file: size on disk, exit
status, peak RSS, wall time, and the first line of the answer.
"""
import argparse
import json
import os
import random
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from purenn.network import Network  # noqa: E402  (after the path fix)

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def write_png(path, width, height, depth, colour_type, rows, interlace=0):
    """Write a PNG from ``rows``, an iterable of already-filtered scanlines
    (filter byte first), compressing as they come."""
    deflate = zlib.compressobj(6)
    with open(path, "wb") as out:
        out.write(SIGNATURE + _chunk(b"IHDR", struct.pack(
            ">IIBBBBB", width, height, depth, colour_type, 0, 0, interlace)))
        for line in rows:
            piece = deflate.compress(line)
            if piece:
                out.write(_chunk(b"IDAT", piece))
        out.write(_chunk(b"IDAT", deflate.flush()) + _chunk(b"IEND", b""))


def drawing_rows(width, height, pixel_bytes, ink, paper, bar=None):
    """Scanlines of paper with a vertical stroke of ink a tenth of the width
    wide, over the middle 60% of the height; ``bar`` (a pixel) paints the
    top 5% like a window title bar.  A row equal to the one above is stored
    as Paeth (filter 4) of zeros, the others as filter 0."""
    left, right = width * 45 // 100, width * 55 // 100
    stroke = paper * left + ink * (right - left) + paper * (width - right)
    plain = paper * width
    top_bar = bar * width if bar is not None else plain
    zeros = b"\x04" + bytes(width * pixel_bytes)
    previous = None
    for y in range(height):
        if y < height // 20:
            line = top_bar
        elif height // 5 <= y < height * 4 // 5:
            line = stroke
        else:
            line = plain
        yield zeros if line is previous else b"\x00" + line
        previous = line


def noise_rows(width, height, pixel_bytes, seed=0):
    """Scanlines of filter 4 (Paeth) over seeded random bytes: a picture of
    noise whose every byte takes the reader's slowest path."""
    rng = random.Random(seed)
    size = width * pixel_bytes
    for _ in range(height):
        yield b"\x04" + rng.getrandbits(8 * size).to_bytes(size, "little")


def adam7_rows(width, height, ink, paper):
    """The drawing_rows picture (one byte a pixel), Adam7-interlaced: each
    pass's rows are the full rows' columns x0, x0 + dx, ..."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
              (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    full = list(drawing_rows(width, height, 1, ink, paper))
    lines = []
    previous = None
    for line in full:
        lines.append(previous if line[0] == 4 else line[1:])
        previous = lines[-1]
    for x0, y0, dx, dy in passes:
        for y in range(y0, height, dy):
            yield b"\x00" + lines[y][x0::dx]


def bomb(path, gibibytes=1):
    """A 28x28 greyscale PNG whose IDAT inflates to ``gibibytes`` GiB."""
    deflate = zlib.compressobj(9)
    block = bytes(1 << 20)
    with open(path, "wb") as out:
        out.write(SIGNATURE + _chunk(b"IHDR", struct.pack(
            ">IIBBBBB", 28, 28, 8, 0, 0, 0, 0)))
        for _ in range(1024 * gibibytes):
            piece = deflate.compress(block)
            if piece:
                out.write(_chunk(b"IDAT", piece))
        out.write(_chunk(b"IDAT", deflate.flush()) + _chunk(b"IEND", b""))


def make_files(folder, quick, worst):
    files = []

    def add(name, maker, *args, **kwargs):
        path = os.path.join(folder, name)
        maker(path, *args, **kwargs)
        files.append(path)

    add("bomb-28x28.png", bomb)
    add("4000x4000.png", write_png, 4000, 4000, 8, 2,
        drawing_rows(4000, 4000, 3, b"\x00\x00\x00", b"\xff\xff\xff"))
    add("screenshot-3840x2160.png", write_png, 3840, 2160, 8, 6,
        drawing_rows(3840, 2160, 4, b"\x00\x00\x00\xff", b"\xf0\xf0\xf0\xff",
                     bar=b"\x20\x40\xa0\xff"))
    add("noise-3840x2160.png", write_png, 3840, 2160, 8, 6,
        noise_rows(3840, 2160, 4))
    if not quick:
        add("largest-8192x2048-16bit.png", write_png, 8192, 2048, 16, 6,
            drawing_rows(8192, 2048, 8, b"\x00" * 6 + b"\xff" * 2,
                         b"\xff" * 8))
    add("largest-4096x4096-adam7.png", write_png, 4096, 4096, 8, 0,
        adam7_rows(4096, 4096, b"\x00", b"\xff"), interlace=1)
    pgm = os.path.join(folder, "pgm-4096x4096.pgm")
    with open(pgm, "wb") as out:
        out.write(b"P5\n4096 4096\n255\n")
        for line in drawing_rows(4096, 4096, 1, b"\x00", b"\xff"):
            out.write(previous if line[0] == 4 else line[1:])
            previous = previous if line[0] == 4 else line[1:]
    files.append(pgm)
    if worst:
        add("noise-8192x2048-16bit.png", write_png, 8192, 2048, 16, 6,
            noise_rows(8192, 2048, 8))
    return files


def child(argv):
    """Run ``argv``; print its exit status, peak RSS (KiB), seconds, first
    output line, as JSON.  Runs in its own process so RUSAGE_CHILDREN is
    this one command."""
    start = time.time()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, err = proc.communicate()
    seconds = time.time() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if sys.platform == "darwin":
        peak //= 1024          # bytes there, KiB on Linux
    lines = (out + err).decode("utf-8", "replace").splitlines()
    verdict = [line for line in lines if line.startswith(
        ("predicted class", "purenn: error"))]
    print(json.dumps({"status": proc.returncode, "kib": peak,
                      "seconds": seconds,
                      "first": lines[0] if lines else "",
                      "verdict": verdict[0] if verdict else ""}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip the 8192x2048 16-bit file (the slowest)")
    parser.add_argument("--worst", action="store_true",
                        help="add 8192x2048 16-bit RGBA noise, all Paeth "
                        "(minutes)")
    parser.add_argument("--child", nargs=argparse.REMAINDER,
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    folder = tempfile.mkdtemp(prefix="purenn-memory-")
    model = os.path.join(folder, "model.json")
    Network([784, 30, 10], seed=0).save(model)
    print("making the files in {} ...".format(folder))
    files = make_files(folder, args.quick, args.worst)
    root = os.path.dirname(HERE)
    print("python {}; peak RSS of `python -m purenn predict MODEL --image "
          "FILE`".format(sys.version.split()[0]))
    print("{:<29} {:>9} {:>4} {:>9} {:>7}  {}".format(
        "file", "on disk", "exit", "peak RSS", "seconds", "answer"))
    for path in files:
        command = [sys.executable, "-m", "purenn", "predict", model,
                   "--image", path]
        report = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--child"] + command,
            cwd=root, stdout=subprocess.PIPE).communicate()[0]
        result = json.loads(report.decode("utf-8"))
        answer = result["verdict"] or result["first"]
        answer = answer.replace(folder + os.sep, "")
        print("{:<29} {:>7.1f}MB {:>4} {:>7.1f}MB {:>7.1f}  {}".format(
            os.path.basename(path), os.path.getsize(path) / 1e6,
            result["status"], result["kib"] / 1024, result["seconds"],
            answer))
        os.remove(path)
        sys.stdout.flush()
    os.remove(model)
    os.rmdir(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
