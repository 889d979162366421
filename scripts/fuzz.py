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

Besides mutations, hostile kinds (issue 22): ``idx-bomb`` (gzip IDX files
declaring up to 2.7 million images, there as zeros or not), ``sums``
(SHA256SUMS naming /dev/zero, paths outside the data set, FIFOs; huge),
``junk-model`` (a model padded to 64 MiB with lists of empty lists),
``fifo`` (a FIFO or device as every reader's input) and ``overwrite``
(each output option aimed at each input the command reads, by name,
symbolic or hard link; the input must come through unchanged).  ``--kinds``
runs only some kinds; ``--small`` keeps the hostile files small::

    python scripts/fuzz.py --cases 50 --kinds idx-bomb,fifo --memory-mb 300
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
        # In a large text (a line repeated 1,000 times) look for numbers in
        # a 64 KiB window: a list of millions of spans would cost the
        # harness more than the reader it tests may use.
        offset = 0
        window = text
        if len(text) > 1 << 20:
            offset = rng.randrange(len(text) - (1 << 16))
            window = text[offset:offset + (1 << 16)]
        spans = _number_spans(window)
        if spans:
            start, end = rng.choice(spans)
            start, end = start + offset, end + offset
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
            line = rng.choice(lines)
            times = rng.choice((1, 10, 1000))
            # At most 20 MB (past every reader's size limit): a line of
            # "[" * 100000 repeated 1,000 times would be 100 MB of the
            # harness's own memory, under the reader's cap.
            times = max(1, min(times, (20 << 20) // max(1, len(line))))
            lines.insert(at, line * times)
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
    if kind in HOSTILE:
        return HOSTILE[kind](rng, paths, directory)
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


# -- hostile inputs (issue 22) ----------------------------------------------
#
# Not mutations of a good file but files made to hurt: IDX gzip bombs,
# checksum files naming what they should not, models padded with junk,
# FIFOs where files belong, and outputs aimed at the command's own inputs.
# Each maker takes (rng, paths, directory) and returns a Case; a Case's
# ``check()`` (if any) runs after the command and returns a problem or None.

class Case(tuple):
    """(kind, description, argv), with an optional ``check`` run afterwards
    (an output-over-input case checks that its input is unchanged)."""

    check = None

    def __new__(cls, kind, what, argv, check=None):
        case = tuple.__new__(cls, (kind, what, argv))
        case.check = check
        return case


_GZIP_ZEROS = {}


def gzip_zeros(head, size):
    """A gzip file of ``head`` then ``size`` zero bytes, built without ever
    holding them: deflate blocks of 1 MiB of zeros, each ended by a full
    flush, compress to the same bytes, so one is made and repeated (about
    1,000:1).  Streams up to 256 MiB carry their true CRC-32; larger ones a
    wrong CRC (the readers must refuse them from the header, long before the
    trailer)."""
    key = (head, size)
    if key in _GZIP_ZEROS:
        return _GZIP_ZEROS[key]
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(1 << 20)
    parts = [packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)]
    blocks, rest = divmod(size, len(block))
    if blocks:
        first = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
        parts.append(first)
    if blocks > 1:
        repeat = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
        parts.append(repeat * (blocks - 2))
        parts.append(repeat)
    parts.append(packer.compress(bytes(rest)) + packer.flush())
    crc = zlib.crc32(head)
    if size <= 256 << 20:
        for _ in range(blocks):
            crc = zlib.crc32(block, crc)
        crc = zlib.crc32(bytes(rest), crc)
    data = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + b"".join(parts)
            + struct.pack("<II", crc & 0xFFFFFFFF,
                          (len(head) + size) & 0xFFFFFFFF))
    _GZIP_ZEROS.clear()   # one at a time: they can be megabytes
    _GZIP_ZEROS[key] = data
    return data


# Images declared by the IDX bombs: the 2.7 million (2.1 GB of
# zeros in 2 MB), MNIST's own counts, and mnist.MAX_IMAGES and one more.
_BOMB_COUNTS = (2739000, 131072, 131073, 60000, 10000)
# Junk sizes of make_junk_model: up to the 64 MiB model size limit.
_JUNK_SIZES = (1 << 20, 8 << 20, 64 << 20)


def small_bombs():
    """Keep the hostile files small (``--small``, the suite's sample): no
    decompression past 47 MB, junk of 1 MiB."""
    global _BOMB_COUNTS, _JUNK_SIZES
    _BOMB_COUNTS = (2739000, 131073, 60000, 100)
    _JUNK_SIZES = (1 << 20,)


def _copy_data(paths, directory, gz):
    data = os.path.join(directory, "mnist")
    shutil.copytree(paths["mnist-gz" if gz else "mnist"], data)
    return data


def make_idx_bomb(rng, paths, directory):
    """A gzip IDX images file declaring many images: all there as zeros
    (the 2 MB / 2.1 GB bomb), cut short, or declared but absent (a lying
    header); its labels file agrees on the count."""
    data = _copy_data(paths, directory, gz=True)
    count = rng.choice(_BOMB_COUNTS)
    present = rng.choice(("all", "all", "half", "none"))
    stem = rng.choice(("train", "t10k"))
    have = {"all": count, "half": count // 2, "none": 3}[present]
    head = struct.pack(">2sBBIII", b"\x00\x00", 8, 3, count, 28, 28)
    images = os.path.join(data, stem + "-images-idx3-ubyte.gz")
    with open(images, "wb") as stream:
        stream.write(gzip_zeros(head, have * 784))
    labels = os.path.join(data, stem + "-labels-idx1-ubyte.gz")
    with open(labels, "wb") as stream:
        stream.write(gzip_zeros(struct.pack(">2sBBI", b"\x00\x00", 8, 1,
                                            count), have))
    which = "test" if stem == "t10k" else rng.choice(("train", "validation"))
    model = paths["model"]
    argv = rng.choice((
        ["show", "--index", "0", "--set", which, "--data", data],
        ["predict", "--index", "0", "--set", which, model, "--data", data],
        ["evaluate", model, "--set", which, "--data", data,
         "--{}-limit".format(which), "100"],
        ["train", "--data", data, "--layers", "784,2,10", "--epochs", "1",
         "--train-limit", "20", "--test-limit", "20"]))
    return Case("idx-bomb", "{} {} images declared, {} present".format(
        stem, count, present), argv)


# What a SHA256SUMS line may name that it should not.
_SUMS_NAMES = ("/dev/zero", "../model.json", "/etc/passwd", "fifo",
               "SHA256SUMS", "train-images-idx3-ubyte/../x", "")


def make_sums(rng, paths, directory):
    """A SHA256SUMS naming a device, a path outside the data set or a FIFO;
    huge; or with a bad digest."""
    data = _copy_data(paths, directory, gz=rng.random() < 0.5)
    digest = "0" * 64
    choice = rng.randrange(4)
    if choice == 0:
        name = rng.choice(_SUMS_NAMES)
        if name == "fifo" and hasattr(os, "mkfifo"):
            os.mkfifo(os.path.join(data, "fifo"))
        text = "{}  {}\n".format(digest, name)
        what = "names {!r}".format(name)
    elif choice == 1:
        text = "{}  t10k-labels-idx1-ubyte\n".format(digest) * \
            rng.choice((1000, 100000))
        what = "huge"
    elif choice == 2:
        text = "{}  t10k-labels-idx1-ubyte\n".format(
            rng.choice(("z" * 64, "0" * 63, "0" * 6400)))
        what = "bad digest"
    else:
        text = "\x00\xff" * rng.choice((1, 1000))
        what = "binary"
    with open(os.path.join(data, "SHA256SUMS"), "w",
              encoding="latin-1") as stream:
        stream.write(text)
    return Case("sums", "SHA256SUMS " + what, ["selftest", "--data", data])


def make_junk_model(rng, paths, directory):
    """The model with an extra key of junk: lists of empty lists, of
    strings, of objects, up to 64 MiB (the model size limit)."""
    with open(paths["model"]) as stream:
        text = stream.read()
    size = min(rng.choice(_JUNK_SIZES), (64 << 20) - len(text) - 64)
    unit = rng.choice(("[],", '"ab",', "{},", "0,", "[[[[]]]],"))
    path = os.path.join(directory, "model.json")
    # Written a MiB at a time: the harness shares the reader's memory cap.
    piece = unit * ((1 << 20) // len(unit))
    count = size // len(unit)
    with open(path, "w") as stream:
        stream.write('{"junk": [')
        for _ in range(count // (len(piece) // len(unit))):
            stream.write(piece)
        stream.write(unit * (count % (len(piece) // len(unit))))
        stream.write("0], " + text.lstrip()[1:])
    return Case("junk-model", "{} MB of {!r}".format(size >> 20, unit),
                ["predict", "--noise", path])


def make_fifo(rng, paths, directory):
    """A FIFO (or a device) where each reader expects a regular file."""
    special = rng.choice(("fifo", "fifo", "/dev/zero", "/dev/null"))
    if special == "fifo":
        if not hasattr(os, "mkfifo"):
            special = os.devnull
        else:
            special = os.path.join(directory, "fifo")
            os.mkfifo(special)
    data = _copy_data(paths, directory, gz=False)
    choice = rng.randrange(5)
    if choice == 0:
        argv = ["predict", "--noise", special]
    elif choice == 1:
        argv = ["plot", special, "--out", os.path.join(directory, "o.svg")]
    elif choice == 2:
        argv = ["predict", "--image", special, paths["model"]]
    elif choice == 3:
        target = os.path.join(data, "t10k-labels-idx1-ubyte")
        os.remove(target)
        os.symlink(special, target)
        argv = ["show", "--index", "0", "--data", data]
    else:
        target = os.path.join(data, "SHA256SUMS")
        os.symlink(special, target)
        argv = ["selftest", "--data", data]
    return Case("fifo", "{} as input of {}".format(special, argv[0]), argv)


def output_over_input_pairs(paths, directory):
    """Every (description, argv, input path) where an output option names a
    file the command reads.  Data files are the plain copies in
    ``directory``/mnist; models and logs are copies too."""
    data = os.path.join(directory, "mnist")
    if not os.path.isdir(data):
        shutil.copytree(paths["mnist"], data)
    model = os.path.join(directory, "model.json")
    log = os.path.join(directory, "train.log")
    # trace writes no file (it prints), so it has no pair here.
    for source, target in ((paths["model"], model), (paths["log"], log)):
        if not os.path.exists(target):
            shutil.copy(source, target)
    files = sorted(os.path.join(data, name) for name in os.listdir(data))
    pairs = []
    for path in files:
        which = "test" if "t10k" in path else "train"
        pairs.append(("show --out", ["show", "--index", "0", "--set", which,
                                     "--data", data, "--out"], path))
        for option in ("--save", "--log"):
            pairs.append(("train " + option,
                          ["train", "--data", data, "--epochs", "1",
                           "--layers", "784,2,10", "--train-limit", "5",
                           option], path))
    pairs.append(("train --log over --init",
                  ["train", "--data", data, "--init", model, "--epochs", "1",
                   "--train-limit", "5", "--log"], model))
    pairs.append(("weights --out", ["weights", model, "--out"], model))
    pairs.append(("plot --out", ["plot", log, "--out"], log))
    return pairs


def _digest(path):
    import hashlib
    with open(path, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def make_overwrite(rng, paths, directory):
    """An output aimed at an input: by its own name, through a symbolic
    link, or a hard link.  The command must refuse (exit 2) and the input
    must be unchanged."""
    pairs = output_over_input_pairs(paths, directory)
    what, argv, target = rng.choice(pairs)
    how = rng.choice(("name", "symlink", "hardlink"))
    out = target
    if how != "name":
        out = os.path.join(directory, "alias")
        try:
            (os.symlink if how == "symlink" else os.link)(target, out)
        except (OSError, NotImplementedError, AttributeError):
            out, how = target, "name"
    before = _digest(target)

    def check(status):
        if status != 2:
            return "exit {} writing over an input, expected 2".format(status)
        if _digest(target) != before:
            return "{} was changed".format(target)
        return None
    return Case("overwrite", "{} over {} by {}".format(
        what, os.path.basename(target), how), argv + [out], check)


HOSTILE = {"idx-bomb": make_idx_bomb, "sums": make_sums,
           "junk-model": make_junk_model, "fifo": make_fifo,
           "overwrite": make_overwrite}
HOSTILE_KINDS = tuple(sorted(HOSTILE))
MUTATION_KINDS = KINDS
KINDS += HOSTILE_KINDS


class CaseTimeout(BaseException):
    """A case ran longer than CASE_SECONDS (BaseException, so that no
    ``except Exception`` in purenn can swallow it)."""


def _on_alarm(signum, frame):
    raise CaseTimeout("no result after {} s".format(CASE_SECONDS))


def run_argv(argv, run=main, check=None):
    """Run ``run(argv)`` with stdout and stderr captured; return None if it
    ended as it should, else a one-line description of what went wrong.
    ``check(status)``, if given, may find a problem in a normal ending."""
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
    if check is not None:
        return check(status)
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
            try:
                case = make_case(seed, index, paths, directory)
            except MemoryError:
                # The harness's own mutation, not purenn: say which case.
                case = Case(KINDS[index % len(KINDS)], "not made", [])
                problem = "the harness ran out of memory making the case"
            else:
                problem = run_argv(case[2],
                                   check=getattr(case, "check", None))
            kind, what, argv = case
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
    parser.add_argument("--kinds", default=None,
                        help="comma-separated kinds to run (default: all, "
                        "in turn: {})".format(",".join(KINDS)))
    parser.add_argument("--small", action="store_true",
                        help="small hostile files (no 2 GB bombs, 1 MiB "
                        "junk): the suite's sample")
    return parser


def _peak_rss():
    """This process's peak resident memory, where the OS reports it."""
    try:
        import resource
    except ImportError:
        return "unknown"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":   # bytes there, KiB on Linux
        peak //= 1024
    return "{:.0f} MB".format(peak / 1024)


def main_script(argv=None):
    args = build_parser().parse_args(argv)
    capped = args.memory_mb > 0 and limit_memory(args.memory_mb)
    if args.small:
        small_bombs()
    indexes = [args.case] if args.case is not None else range(args.cases)
    if args.kinds is not None and args.case is None:
        wanted = args.kinds.split(",")
        unknown = [kind for kind in wanted if kind not in KINDS]
        if unknown:
            raise SystemExit("fuzz.py: unknown kinds {}; known: {}".format(
                ",".join(unknown), ",".join(KINDS)))
        indexes = [index for index in range(args.cases * len(KINDS))
                   if KINDS[index % len(KINDS)] in wanted][:args.cases]
    start = time.time()
    failures = run_cases(args.seed, indexes, keep=args.keep,
                         report=lambda line: print(line, flush=True))
    print("{} cases, seed {}, {} failed, {:.1f} s, peak RSS {}, memory cap "
          "{}".format(len(indexes), args.seed, len(failures),
                      time.time() - start, _peak_rss(),
                      "{} MB".format(args.memory_mb) if capped else "none"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main_script())
