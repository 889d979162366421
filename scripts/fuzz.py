"""Fuzz the purenn command line with seeded mutations of its input files.

Every case takes one well-formed input file (a tiny MNIST set as IDX files,
plain or gzip; a model in network2.py's JSON format; a PNG or PGM drawing; a
``train --log`` file; a golden fixture as compare's EXPECTED, ACTUAL or
both), damages it with a few seeded mutations, and runs the
command that reads it through ``purenn.cli.main`` in this process.  A case
passes when the command ends in a result (exit 0 or 1) or in the one-line
error (exit 2, one line ``purenn: error: ...`` of at most 400 characters):
any exception escaping ``main`` (a traceback for the user), a hang or an
allocation beyond the memory cap is a failure.

    python scripts/fuzz.py --cases 2000 --seed 7
    python scripts/fuzz.py --seed 7 --case 1234 --keep /tmp/case   # replay

Case ``i`` of seed ``S`` depends on nothing else, so a failure printed by a
long run is replayed alone with ``--case i``; ``--keep DIR`` leaves its files
in DIR.  ``--memory-mb`` caps the address space (``resource.RLIMIT_AS``,
where the OS has it; default 1024 MB); the suite runs a few hundred cases
(tests/test_fuzz.py).  Exit status 1 if any case failed.
"""
import argparse
import gc
import gzip
import io
import json
import os
import random
import shutil
import signal
import struct
import sys
import tempfile
import time
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from purenn import Network  # noqa: E402  (the checkout's purenn)
from purenn.cli import main  # noqa: E402
from purenn.io.idx import write_idx  # noqa: E402
from purenn.io.png import encode_png  # noqa: E402

KINDS = ("model", "idx", "idx-gz", "png", "pgm", "log", "compare")
MAX_ERROR_LINE = 400
CASE_SECONDS = 20

# Values that break parsers: boundaries of bytes and 32-bit fields.
_BYTES = (0, 1, 0x7F, 0x80, 0xFF)
_WORDS = (0, 1, 2, 28, 255, 256, 60000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
# Values that break a JSON reader (text substituted for a number).
_JSON_VALUES = ("1" + "0" * 400, "9" * 309, "1e400", "-1e400", "1e-400",
                "NaN", "Infinity", "-Infinity", "-1", "0", "0.5", "true",
                "null", '"x"', "[]", "{}", "[[]]", '"' + "a" * 5000 + '"',
                "[" * 5000 + "]" * 5000, "[" * 100000)


# -- seed files -----------------------------------------------------------

def _digit_picture(rng, height=28, width=28):
    """A bright stroke on black (as MNIST): a filled box at a random place."""
    top, left = rng.randrange(4, 10), rng.randrange(4, 10)
    return [[255 if top <= r < top + 12 and left <= c < left + 8 else 0
             for c in range(width)] for r in range(height)]


def seed_files(directory):
    """Write the well-formed inputs every mutation starts from; return
    {name: path}."""
    rng = random.Random(0)
    paths = {}
    for gz in (False, True):
        folder = os.path.join(directory, "mnist-gz" if gz else "mnist")
        os.mkdir(folder)
        for stem, count in (("train", 12), ("t10k", 6)):
            pixels = bytearray()
            for _ in range(count):
                for row in _digit_picture(rng):
                    pixels += bytes(row)
            suffix = ".gz" if gz else ""
            write_idx(os.path.join(folder, stem + "-images-idx3-ubyte"
                                   + suffix),
                      bytes(pixels), shape=(count, 28, 28), type_code=0x08)
            write_idx(os.path.join(folder, stem + "-labels-idx1-ubyte"
                                   + suffix),
                      bytes(rng.randrange(10) for _ in range(count)),
                      shape=(count,), type_code=0x08)
        paths["mnist-gz" if gz else "mnist"] = folder
    paths["model"] = os.path.join(directory, "model.json")
    Network([784, 2, 10], seed=1).save(paths["model"])
    paths["small"] = os.path.join(directory, "small.json")
    Network([2, 3, 2], seed=1).save(paths["small"])
    picture = [[255 - value for value in row] for row in _digit_picture(rng)]
    paths["png"] = os.path.join(directory, "digit.png")
    with open(paths["png"], "wb") as stream:
        stream.write(encode_png(picture))
    paths["png-rgb"] = os.path.join(directory, "digit-rgb.png")
    with open(paths["png-rgb"], "wb") as stream:
        stream.write(encode_png([[(v, v, v) for v in row]
                                 for row in picture], mode="RGB"))
    paths["pgm"] = os.path.join(directory, "digit.pgm")
    with open(paths["pgm"], "wb") as stream:
        stream.write(b"P5\n28 28\n255\n" + bytes(v for row in picture
                                                 for v in row))
    paths["pgm-text"] = os.path.join(directory, "digit-text.pgm")
    with open(paths["pgm-text"], "w") as stream:
        stream.write("P2\n# a comment\n28 28\n255\n" + "\n".join(
            " ".join(str(v) for v in row) for row in picture) + "\n")
    paths["log"] = os.path.join(directory, "train.log")
    with open(paths["log"], "w") as stream:
        for epoch in range(4):
            stream.write(json.dumps({
                "epoch": epoch, "correct": 9000 + 100 * epoch,
                "total": 10000, "accuracy": 0.9 + 0.01 * epoch,
                "seconds": 12.5, "train_seconds": 11.0, "examples": 60000,
                "examples_per_second": 5454.5}, sort_keys=True) + "\n")
    from purenn.classroom import golden   # compare's EXPECTED and ACTUAL
    record = golden.build_case("random-4-5-3")
    for name, hex_floats in (("fixture", False), ("fixture-hex", True)):
        paths[name] = os.path.join(directory, name + ".json")
        with open(paths[name], "wb") as stream:
            stream.write(golden.render(record, hex=hex_floats))
    return paths


# -- mutations ------------------------------------------------------------

def _flip_bit(rng, data):
    if data:
        at = rng.randrange(len(data))
        data[at] ^= 1 << rng.randrange(8)


def _set_byte(rng, data):
    if data:
        data[rng.randrange(len(data))] = rng.choice(_BYTES)


def _set_word(rng, data):
    """A big-endian uint32 boundary value, mostly in the first 32 bytes
    (IDX and PNG headers live there)."""
    if len(data) >= 4:
        end = min(len(data), 32) if rng.random() < 0.7 else len(data)
        at = rng.randrange(end - 3)
        data[at:at + 4] = struct.pack(">I", rng.choice(_WORDS))


def _insert(rng, data):
    at = rng.randrange(len(data) + 1)
    data[at:at] = bytes(rng.randrange(256)
                        for _ in range(rng.choice((1, 4, 64))))


def _delete(rng, data):
    if data:
        at = rng.randrange(len(data))
        del data[at:at + rng.choice((1, 4, 64, len(data)))]


def _duplicate(rng, data):
    if data:
        at = rng.randrange(len(data))
        piece = data[at:at + rng.choice((4, 64, 1024))]
        data[at:at] = piece * rng.choice((1, 2, 50))


def _truncate(rng, data):
    del data[rng.randrange(len(data) + 1):]


_BYTE_MUTATIONS = (_flip_bit, _set_byte, _set_word, _insert, _delete,
                   _duplicate, _truncate)


def mutate_bytes(rng, data, count=None):
    """Return ``data`` after 1 to 4 random byte-level mutations."""
    data = bytearray(data)
    for _ in range(count or rng.randrange(1, 5)):
        rng.choice(_BYTE_MUTATIONS)(rng, data)
    return bytes(data)


def _number_spans(text):
    """(start, end) of each JSON number in ``text`` (outside strings)."""
    spans, at, inside = [], 0, False
    while at < len(text):
        char = text[at]
        if inside:
            if char == "\\":
                at += 1
            elif char == '"':
                inside = False
        elif char == '"':
            inside = True
        elif char in "-0123456789":
            end = at + 1
            while end < len(text) and text[end] in "0123456789.eE+-":
                end += 1
            spans.append((at, end))
            at = end
            continue
        at += 1
    return spans


def mutate_json_text(rng, text):
    """Return ``text`` with JSON-aware damage: a number replaced by a hostile
    value, a key or structure changed, or deep nesting."""
    choice = rng.randrange(6)
    if choice <= 1:
        spans = _number_spans(text)
        if spans:
            start, end = rng.choice(spans)
            return text[:start] + rng.choice(_JSON_VALUES) + text[end:]
    if choice == 2:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return text + rng.choice(_JSON_VALUES)
        if isinstance(data, dict) and data:
            key = rng.choice(sorted(data))
            action = rng.randrange(4)
            if action == 0:
                del data[key]
            elif action == 1:
                data[key] = json.loads(rng.choice(_JSON_VALUES[9:18]))
            elif action == 2 and key == "sizes":
                data[key] = rng.choice(([1] * 100000, [100000, 100000, 10],
                                        [784, 10 ** 12, 10], [784], [],
                                        [784, 0, 10], [784, 3.0, 10]))
            else:
                data["cost"] = rng.choice(("CrossEntropyCost", "FooCost",
                                           "", 3, None, "x" * 10000))
            try:
                return json.dumps(data)
            except RecursionError:   # PyPy's encoder, on a deep nest
                return text + rng.choice(_JSON_VALUES)
    if choice == 3:
        depth = rng.choice((20, 1000, 100000))
        return "[" * depth + text + "]" * rng.choice((0, depth))
    if choice == 4:
        lines = text.splitlines(True)
        if lines:
            at = rng.randrange(len(lines))
            lines.insert(at, rng.choice(lines) * rng.choice((1, 10, 1000)))
            return "".join(lines)
    return mutate_bytes(rng, text.encode("utf-8")).decode("utf-8", "replace")


def _png_chunks(data):
    """[(type, body)] of a PNG, or None if it is not one."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    chunks, at = [], 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks.append((kind, data[at + 8:at + 8 + length]))
        at += 12 + length
    return chunks


def _png_bytes(chunks):
    out = [b"\x89PNG\r\n\x1a\n"]
    for kind, body in chunks:
        out.append(struct.pack(">I", len(body)) + kind + body
                   + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    return b"".join(out)


_BOMBS = {}


def _zeros_compressed(size):
    """zlib stream of ``size`` zero bytes (a decompression bomb), made once
    per size."""
    if size in _BOMBS:
        return _BOMBS[size]
    packer = zlib.compressobj(9)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(size >> 20)]
    parts.append(packer.flush())
    _BOMBS[size] = b"".join(parts)
    return _BOMBS[size]


def mutate_png(rng, data):
    """Return a damaged PNG: chunk bodies changed with their CRCs fixed (so
    the decoder goes past the checksum), header fields set to boundary
    values, a bomb IDAT, or plain byte damage."""
    chunks = _png_chunks(data)
    choice = rng.randrange(5)
    if chunks is None or choice == 0:
        return mutate_bytes(rng, data)
    index = rng.randrange(len(chunks))
    kind, body = chunks[index]
    if choice == 1:
        chunks[index] = (kind, mutate_bytes(rng, body))
    elif choice == 2 and kind == b"IHDR" and len(body) == 13:
        fields = list(struct.unpack(">IIBBBBB", body))
        at = rng.randrange(7)
        fields[at] = rng.choice(_WORDS if at < 2 else _BYTES + (2, 3, 4, 6,
                                                                8, 16))
        chunks[index] = (kind, struct.pack(">II5B", fields[0], fields[1],
                                           *[value & 0xFF
                                             for value in fields[2:]]))
    elif choice == 3:
        # An IDAT whose data inflates far beyond the 28x28 picture.
        chunks = [chunk for chunk in chunks if chunk[0] != b"IDAT"]
        chunks.insert(1, (b"IDAT", _zeros_compressed(
            rng.choice((1, 8)) << 20)))
    else:
        body = zlib.decompress(body) if kind == b"IDAT" else body
        body = mutate_bytes(rng, body)
        chunks[index] = (kind, zlib.compress(body) if kind == b"IDAT"
                         else body)
    return _png_bytes(chunks)


def mutate_gzip(rng, data):
    """Damage a gzip file: its compressed bytes, or its content re-packed."""
    if rng.random() < 0.3:
        return mutate_bytes(rng, data)
    inner = gzip.decompress(data)
    return gzip.compress(mutate_bytes(rng, inner))


# -- cases ----------------------------------------------------------------

def make_case(seed, index, paths, directory):
    """Write case ``index`` of ``seed`` into ``directory``; return
    (kind, description, argv)."""
    rng = random.Random("purenn-fuzz:{}:{}".format(seed, index))
    kind = KINDS[index % len(KINDS)]
    out = os.path.join(directory, "out")
    model = paths["model"]

    def write(name, data):
        path = os.path.join(directory, name)
        with open(path, "wb") as stream:
            stream.write(data)
        return path

    def read(path):
        with open(path, "rb") as stream:
            return stream.read()

    if kind == "model":
        small = rng.random() < 0.4
        text = read(paths["small" if small else "model"]).decode("ascii")
        for _ in range(rng.randrange(1, 3)):
            text = mutate_json_text(rng, text)
        path = write("model.json", text.encode("utf-8", "surrogatepass"))
        if small:
            argv = rng.choice((
                ["trace", path, "--input", "0.5,0.25", "--target", "1,0"],
                ["gradcheck", path]))
        else:
            data = paths["mnist"]
            argv = rng.choice((
                ["predict", "--noise", path],
                ["evaluate", path, "--data", data],
                ["weights", path, "--out", out + ".png"],
                ["train", "--init", path, "--data", data, "--epochs", "1",
                 "--save", out + ".json"]))
        return kind, "mutated model", argv
    if kind in ("idx", "idx-gz"):
        source = paths["mnist-gz" if kind == "idx-gz" else "mnist"]
        data = os.path.join(directory, "mnist")
        shutil.copytree(source, data)
        name = rng.choice(sorted(os.listdir(data)))
        raw = read(os.path.join(data, name))
        damaged = mutate_gzip(rng, raw) if name.endswith(".gz") \
            else mutate_bytes(rng, raw)
        write(os.path.join("mnist", name), damaged)
        argv = rng.choice((
            ["show", "--index", str(rng.choice((0, 5, 11))), "--data", data,
             "--set", "train" if name.startswith("train") else "test"],
            ["evaluate", model, "--data", data],
            ["predict", "--index", "1", model, "--data", data],
            ["train", "--data", data, "--layers", "784,2,10", "--epochs",
             "1"]))
        return kind, "mutated " + name, argv
    if kind == "png":
        source = paths["png" if rng.random() < 0.5 else "png-rgb"]
        path = write("image.png", mutate_png(rng, read(source)))
        return kind, "mutated " + os.path.basename(source), \
            ["predict", "--image", path, model, "--show-input"]
    if kind == "pgm":
        source = paths["pgm" if rng.random() < 0.5 else "pgm-text"]
        path = write("image.pgm", mutate_bytes(rng, read(source)))
        return kind, "mutated " + os.path.basename(source), \
            ["predict", "--image", path, model]
    if kind == "compare":   # EXPECTED, ACTUAL or both damaged
        text = read(paths["fixture-hex" if rng.random() < 0.3
                         else "fixture"]).decode("ascii")
        which = rng.choice(("EXPECTED", "ACTUAL", "both"))
        files = []
        for role in ("EXPECTED", "ACTUAL"):
            damaged = text
            if which in (role, "both"):
                for _ in range(rng.randrange(1, 3)):
                    damaged = mutate_json_text(rng, damaged)
            files.append(write(role.lower() + ".json",
                               damaged.encode("utf-8", "surrogatepass")))
        if rng.random() < 0.05:   # an endless file in one place
            files[rng.randrange(2)] = "/dev/zero"
        return kind, "mutated " + which, ["compare"] + files + rng.choice(
            ([], ["--partial"], ["--ulps", "2"]))
    lines = read(paths["log"]).decode("ascii").splitlines(True)
    for _ in range(rng.randrange(1, 3)):
        if rng.random() < 0.7:   # one line, so that its keys are reached
            at = rng.randrange(len(lines))
            lines[at] = mutate_json_text(rng, lines[at])
        else:
            lines = mutate_json_text(rng, "".join(lines)).splitlines(True) \
                or [""]
    text = "".join(lines)
    path = write("train.log", text.encode("utf-8", "surrogatepass"))
    return kind, "mutated log", ["plot", path, "--out", out + ".svg"]


class CaseTimeout(BaseException):
    """A case ran longer than CASE_SECONDS (BaseException, so that no
    ``except Exception`` in purenn can swallow it)."""


def _on_alarm(signum, frame):
    raise CaseTimeout("no result after {} s".format(CASE_SECONDS))


def run_argv(argv, run=main):
    """Run ``run(argv)`` with stdout and stderr captured; return None if it
    ended as it should, else a one-line description of what went wrong."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    timer = hasattr(signal, "SIGALRM")
    if timer:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(CASE_SECONDS)
    try:
        status = run(argv)
    except BaseException as exc:  # anything escaping main is the failure
        if isinstance(exc, KeyboardInterrupt):
            raise
        return "{} escaped main(): {}".format(type(exc).__name__,
                                              str(exc)[:200])
    finally:
        if timer:
            signal.alarm(0)
        sys.stdout, sys.stderr = saved
    text = err.getvalue()
    if status not in (0, 1, 2):
        return "exit status {!r}".format(status)
    if "Traceback" in text:
        return "a traceback on stderr"
    if status == 2:
        lines = text.splitlines()
        if len(lines) != 1 or not lines[0].startswith("purenn: error: "):
            return "exit 2 without the one error line: {!r}".format(
                text[:200])
        if len(lines[0]) > MAX_ERROR_LINE:
            return "error line of {} characters".format(len(lines[0]))
    return None


def limit_memory(megabytes):
    """Cap this process's address space at ``megabytes``; return False where
    the OS offers no ``resource.RLIMIT_AS`` (the cap is then not applied)."""
    try:
        import resource
        limit = resource.RLIMIT_AS
    except (ImportError, AttributeError):
        return False
    size = megabytes * 1024 * 1024
    hard = resource.getrlimit(limit)[1]
    if hard != resource.RLIM_INFINITY:
        size = min(size, hard)
    resource.setrlimit(limit, (size, hard))
    return True


def run_cases(seed, indexes, keep=None, report=None):
    """Run the cases ``indexes`` of ``seed``; return [(index, kind, what,
    argv, problem)] of the failures.  ``report(line)`` is told of each.

    The files live in a temporary directory, removed at the end; with
    ``keep``, in that directory (seed files in ``seed/``, the last case in
    ``case/``), kept, and every case's command is reported, so that it can
    be run again by hand.
    """
    failures = []
    base = keep or tempfile.mkdtemp(prefix="purenn-fuzz-")
    try:
        for name in ("seed", "case"):
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)
        os.makedirs(os.path.join(base, "seed"))
        paths = seed_files(os.path.join(base, "seed"))
        directory = os.path.join(base, "case")
        for index in indexes:
            shutil.rmtree(directory, ignore_errors=True)
            os.mkdir(directory)
            kind, what, argv = make_case(seed, index, paths, directory)
            problem = run_argv(argv)
            gc.collect()   # PyPy's GC ignores the address-space cap
            if problem is not None:
                failures.append((index, kind, what, argv, problem))
            if report is not None and (problem is not None or keep):
                report("case {} ({}, {}): {}\n  purenn {}\n  reproduce: "
                       "python scripts/fuzz.py --seed {} --case {} "
                       "--keep DIR".format(index, kind, what,
                                           problem or "passed",
                                           " ".join(argv)[:300], seed, index))
    finally:
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return failures


def build_parser():
    parser = argparse.ArgumentParser(
        prog="fuzz.py", description="Fuzz the purenn command line with "
        "seeded mutations of its input files.")
    parser.add_argument("--cases", type=int, default=300,
                        help="number of cases (default: 300)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the mutations (default: 0)")
    parser.add_argument("--case", type=int, default=None,
                        help="run only this case (to replay a failure)")
    parser.add_argument("--keep", metavar="DIR", default=None,
                        help="write the files in DIR (its seed/ and case/ "
                        "are replaced) and keep them")
    parser.add_argument("--memory-mb", type=int, default=1024,
                        help="address-space cap (default: 1024; 0: none)")
    return parser


def main_script(argv=None):
    args = build_parser().parse_args(argv)
    capped = args.memory_mb > 0 and limit_memory(args.memory_mb)
    indexes = [args.case] if args.case is not None else range(args.cases)
    start = time.time()
    failures = run_cases(args.seed, indexes, keep=args.keep,
                         report=lambda line: print(line, flush=True))
    print("{} cases, seed {}, {} failed, {:.1f} s, memory cap {}".format(
        len(indexes), args.seed, len(failures), time.time() - start,
        "{} MB".format(args.memory_mb) if capped else "none"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main_script())
