"""The MNIST handwritten digits, loaded compactly from the original IDX files.

A directory of MNIST holds four IDX files (see ``purenn.io.idx``), each plain or
gzip-compressed (``.gz``), under the standard names or the dotted spelling
some mirrors use (``train-images.idx3-ubyte``):

    ======================== ==========================================
    train-images-idx3-ubyte  0x08, 60000x28x28 pixels, 0 (white)..255
    train-labels-idx1-ubyte  0x08, 60000 labels 0..9
    t10k-images-idx3-ubyte   0x08, 10000x28x28
    t10k-labels-idx1-ubyte   0x08, 10000 labels
    ======================== ==========================================

A ``Dataset`` keeps the raw pixels as one ``bytes`` (n*28*28, row-major) and
the labels as ``bytes``: 55 MB for both sets, where lists of floats would
take gigabytes.  Indexing an example converts just that image to the
primer's input vector x, 784 floats value/255; the floats come from one
shared table of the 256 possible values, so a mini-batch costs only its
lists.

The sets are the book's (network.py's ``load_data_wrapper``): the first
50,000 images of the training file are the training set, the last 10,000
the validation set, and the 10,000 of the t10k file the test set.  The split
is by position, at image 50,000, whatever the file holds: a training file of
200 images gives 200 training images and no validation images.

The examples in memory (``Dataset``, ``MnistError``) and the text art of
``show`` (``render_text``) are in ``purenn.io.mnistdata``; every public
name there is importable from here too.

The default directory is the package's ``purenn/data/mnist``, never relative
to the working directory; it may lie inside a zip archive (``purenn.pyz``),
which ``purenn.resources`` reads without unpacking.

>>> import os, shutil, tempfile
>>> from purenn.io.idx import write_idx
>>> folder = tempfile.mkdtemp()
>>> write_idx(os.path.join(folder, "t10k-images-idx3-ubyte"),
...           bytes([255, 51] + [0] * 782), shape=(1, 28, 28))
>>> write_idx(os.path.join(folder, "t10k-labels-idx1-ubyte"), bytes([7]))
>>> test = load_set(folder, "test")
>>> len(test), test.rows, test.cols
(1, 28, 28)
>>> x, y = test[0]
>>> len(x), x[:3], y
(784, [1.0, 0.2, 0.0], 7)
>>> shutil.rmtree(folder)
"""
import errno
import gc
import gzip
import hashlib
import os
import sys
import zlib

from purenn import resources
from purenn.io.fileio import open_input
from purenn.io.idx import read_idx_header, read_idx_row_ranges
from purenn.io.mnistdata import (COLS, ROWS, SHADES, Dataset, MnistError,
                                 render_text)

__all__ = ["Dataset", "MnistError", "DEFAULT_DIRECTORY", "TRAINING_SIZE",
           "SETS", "load", "load_set", "load_sets", "find_file",
           "data_directory", "verify_checksums",
           "render_text", "SHADES", "ROWS", "COLS", "MAX_IMAGES",
           "data_files", "SUMS_NAME", "set_size"]

DEFAULT_DIRECTORY = resources.data_path("mnist")

# set name -> (images file, labels file), standard spellings without .gz
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_FILES["validation"] = _FILES["train"]

# The book's split of the training file (network.py's load_data_wrapper:
# training_data = tr_d[:50000], validation_data = the rest).
TRAINING_SIZE = 50000

SETS = ("train", "validation", "test")

# The most images an MNIST file may declare: 2**17 = 131,072 (103 MB of
# pixels), twice the 60,000 of the real training file.  The whole validation
# set (every image after the 50,000th) is held in memory, so this bounds
# what any command holds: a 2 MB gzip file declaring 2.7 million images of
# zeros is refused from its header instead of costing 2 GB.
MAX_IMAGES = 2 ** 17

# The checksum file of a data directory, and the most it may hold: four
# lines of 64 hex digits and a name, with room for comments.
SUMS_NAME = "SHA256SUMS"
_MAX_SUMS_BYTES = 64 * 1024

# See _collect_on_pypy.
_PYPY = sys.implementation.name == "pypy"


def _candidates(base):
    """Return the accepted file names for a standard MNIST name."""
    # "train-images-idx3-ubyte" -> dotted "train-images.idx3-ubyte"
    stem, _, kind = base.rpartition("-idx")
    dotted = "{}.idx{}".format(stem, kind)
    return [base, base + ".gz", dotted, dotted + ".gz"]


def data_directory(directory=None):
    """Return the MNIST directory ``directory`` stands for.

    None (no ``--data``, no argument) is the package's DEFAULT_DIRECTORY:
    this is the one place that default is resolved, for every reader here
    and every command.

    >>> data_directory("elsewhere")
    'elsewhere'
    >>> data_directory() == DEFAULT_DIRECTORY
    True
    """
    return DEFAULT_DIRECTORY if directory is None else os.fspath(directory)


def _directory(directory):
    directory = data_directory(directory)
    if not resources.isdir(directory):
        raise FileNotFoundError(
            errno.ENOENT, "no MNIST directory here; pass the directory that "
            "holds the four MNIST files", directory)
    return directory


def find_file(directory, base):
    """Return the path of MNIST file ``base`` in ``directory``.

    ``base`` is a standard name such as ``"t10k-labels-idx1-ubyte"``; the
    plain file, ``.gz`` and the dotted spellings are tried in that order.
    Raises FileNotFoundError naming the names tried.
    """
    directory = _directory(directory)
    names = _candidates(base)
    for name in names:
        path = os.path.join(directory, name)
        # On disk, any entry (a FIFO is found, then refused by the reader
        # with a message); in purenn.pyz, a member.
        if os.path.lexists(path) or resources.isfile(path):
            return path
    below = _found_below(directory, names)
    raise FileNotFoundError(
        errno.ENOENT, "MNIST file missing (tried {}){}".format(
            ", ".join(names), "; it is in {0}: pass --data {0}".format(below)
            if below else ""),
        os.path.join(directory, base))


def _found_below(directory, names, depth=2, budget=200):
    """Return the first folder within ``depth`` levels below ``directory``
    (on disk) that holds one of ``names``, or None.

    torchvision keeps MNIST in ``MNIST/raw/`` and an unpacked download often
    sits one folder down: naming that folder saves a search.  At most
    ``budget`` entries are looked at, so a huge tree costs nothing.
    """
    folders, seen = [directory], 0
    for _ in range(depth):
        deeper = []
        for folder in folders:
            try:
                entries = sorted(os.listdir(folder))
            except OSError:
                continue
            for entry in entries:
                seen += 1
                if seen > budget:
                    return None
                path = os.path.join(folder, entry)
                if os.path.isdir(path):
                    if any(os.path.isfile(os.path.join(path, name))
                           for name in names):
                        return path
                    deeper.append(path)
        folders = deeper
    return None


def _check_limit(limit, what):
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError("{} must be an int or None, got {!r}".format(what,
                                                                    limit))
    if limit < 0:
        raise ValueError("{} must be >= 0, got {}".format(what, limit))


def _check_set(which):
    if which not in _FILES:
        raise ValueError("MNIST set must be one of {}, got {!r}".format(
            ", ".join(SETS), which))


def _file_pair(directory, pair):
    """Check the headers of the (images, labels) files ``pair`` names;
    return (images path, labels path, the number of images)."""
    images_path, labels_path = (find_file(directory, base) for base in pair)
    # The headers first: the files must be MNIST, agree on the count, and
    # hold no more than MAX_IMAGES, before any pixel is read.
    images = read_idx_header(images_path)
    labels = read_idx_header(labels_path)
    if images.type_code != 0x08 or len(images.shape) != 3 or \
            images.shape[1:] != (ROWS, COLS):
        raise MnistError("{}: type 0x{:02X} shape {}, expected type 0x08 "
                         "shape Nx{}x{}".format(
                             images_path, images.type_code,
                             "x".join(map(str, images.shape)), ROWS, COLS))
    if labels.type_code != 0x08 or len(labels.shape) != 1:
        raise MnistError("{}: type 0x{:02X} shape {}, expected type 0x08 "
                         "shape N".format(labels_path, labels.type_code,
                                          "x".join(map(str, labels.shape))))
    if labels.shape[0] != images.shape[0]:
        raise MnistError("{}: {} labels, expected {} to match {}".format(
            labels_path, labels.shape[0], images.shape[0], images_path))
    if images.shape[0] > MAX_IMAGES:
        raise MnistError("{}: {} images, more than the {} an MNIST file may "
                         "hold here".format(images_path, images.shape[0],
                                            MAX_IMAGES))
    return images_path, labels_path, images.shape[0]


def _set_rows(which, count):
    """Rows ``start, stop`` of set ``which`` in a file of ``count`` images."""
    start, stop = 0, count
    if which == "train":
        stop = min(stop, TRAINING_SIZE)
    elif which == "validation":
        start = min(stop, TRAINING_SIZE)
    return start, stop


def set_size(directory=None, which="train"):
    """Return how many examples set ``which`` has, from the headers alone.

    Raises as load_set for a missing or damaged file (only the headers are
    read: a damaged body is found when the set is loaded).
    """
    _check_set(which)
    count = _file_pair(_directory(directory), _FILES[which])[2]
    start, stop = _set_rows(which, count)
    return stop - start


def load_set(directory=None, which="train", limit=None, first=0):
    """Load one MNIST set, ``"train"``, ``"validation"`` or ``"test"``.

    ``"train"`` is the first TRAINING_SIZE (50,000) images of the training
    file and ``"validation"`` the images after them, as in network.py's
    ``load_data_wrapper``; ``"test"`` is the whole t10k file.  Returns a
    Dataset.  ``directory`` defaults to DEFAULT_DIRECTORY; ``first`` skips
    the set's first examples and ``limit`` keeps at most ``limit`` examples
    from there: ``load_set(d, "test", limit=1, first=5)`` holds test image 5
    alone (the files are still read through and checked, but only the
    examples kept are held).  Raises IdxError for a damaged file,
    MnistError naming the file when it is not MNIST (type not 0x08, images
    not 28x28, label count differing from image count, more than MAX_IMAGES
    images, a label outside 0..9 among those kept), and FileNotFoundError
    for a missing directory or file.
    """
    _check_limit(first, "first")
    return _load(directory, [(which, limit, first)])[0]


def load_sets(directory=None, limits=None):
    """Load several MNIST sets, reading each file once; return a dict.

    ``limits`` maps set names (``"train"``, ``"validation"``, ``"test"``)
    to the most examples to keep of each (None: all), default
    ``{"train": None, "test": None}``; the result maps the same names to
    Datasets, as load_set would give them.  The training and validation
    sets are two parts of one pair of files: asked together, they cost one
    reading (one decompression) of those files, not two.  Raises as
    load_set.
    """
    if limits is None:
        limits = {"train": None, "test": None}
    names = [which for which in SETS if which in limits]
    for which in limits:
        _check_set(which)
    datasets = _load(directory, [(which, limits[which], 0)
                                 for which in names])
    return dict(zip(names, datasets))


def _load(directory, wanted):
    """Load the ``(which, limit, first)`` sets of ``wanted``, in order,
    reading each pair of files once; return their Datasets."""
    for which, limit, _ in wanted:
        _check_set(which)
        _check_limit(limit, "limit")
    directory = _directory(directory)
    datasets = [None] * len(wanted)
    for pair in (_FILES["train"], _FILES["test"]):
        picks = [index for index, (which, _, _) in enumerate(wanted)
                 if _FILES[which] == pair]
        if not picks:
            continue
        images_path, labels_path, count = _file_pair(directory, pair)
        ranges = []
        for index in picks:
            which, limit, first = wanted[index]
            start, stop = _set_rows(which, count)
            start = min(stop, start + first)
            if limit is not None:
                stop = min(stop, start + limit)
            ranges.append((start, stop))
        # Only the rows of these sets are kept (each file is still read
        # through, once, to check its size and, for gzip, its CRC).
        labels = read_idx_row_ranges(labels_path, ranges).arrays
        for (start, _), targets in zip(ranges, labels):
            _check_labels(labels_path, targets.data, start)
        images = read_idx_row_ranges(images_path, ranges).arrays
        for index, pixels, targets in zip(picks, images, labels):
            datasets[index] = Dataset(pixels.data, targets.data, ROWS, COLS)
        _collect_on_pypy()
    return datasets


def _collect_on_pypy():
    """Free, on PyPy, the garbage a file pair's reading left behind.

    Reading a gzip file through drops its 47 MB in 1 MiB chunks.  CPython
    frees each chunk as it is dropped (reference counting); PyPy's collector
    frees them only at its next major collection, which comes when the heap
    has grown by a factor (1.82 by default) since the last one, so where
    that moment falls decided the peak.  A file pair read is a phase's end:
    collecting there took PyPy's ``train --epochs 1 --train-limit 2000``
    from 376 to 354 MB peak and made purenn.pyz's peak no higher than a
    checkout's (it was 26 MB higher; docs/install.md).
    """
    if _PYPY:
        gc.collect()


def _check_labels(labels_path, targets, start):
    if targets and max(targets) > 9:
        index = next(i for i, y in enumerate(targets) if y > 9)
        raise MnistError("{}: label {} at index {}, expected 0..9".format(
            labels_path, targets[index], start + index))


def load(directory=None, train_limit=None, test_limit=None, verify=False):
    """Load MNIST; return the ``(training, test)`` Datasets.

    training is the book's 50,000 (see load_set; the validation images are
    ``load_set(directory, "validation")``).  ``directory`` defaults to
    DEFAULT_DIRECTORY (the package's purenn/data/mnist).  ``train_limit`` and
    ``test_limit`` keep at most the first N examples of each set.  With
    ``verify=True`` the files are first checked against the directory's
    SHA256SUMS (see verify_checksums).  Raises as load_set.
    """
    _check_limit(train_limit, "train_limit")
    _check_limit(test_limit, "test_limit")
    if verify:
        verify_checksums(directory)
    sets = load_sets(directory, {"train": train_limit, "test": test_limit})
    return sets["train"], sets["test"]


def _sha256_decompressed(path):
    """Return the SHA-256 hex digest of the file's (decompressed) content.

    The file is read and hashed 1 MiB at a time; a decompressed stream
    longer than idx.MAX_DATA_BYTES is refused (no MNIST file comes near).
    """
    from purenn.io.idx import MAX_DATA_BYTES
    digest = hashlib.sha256()
    with open_input(path, "an MNIST file") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        total = 0
        try:
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > MAX_DATA_BYTES:
                    raise MnistError("{}: more than {} bytes of data, too "
                                     "large for an MNIST file".format(
                                         path, MAX_DATA_BYTES))
                digest.update(chunk)
        except (OSError, EOFError, zlib.error) as exc:
            # As in purenn.io.idx: an OSError with an errno is a real I/O error.
            if isinstance(exc, OSError) and exc.errno is not None:
                raise
            raise MnistError("{}: the gzip stream is corrupt ({}: {})".format(
                path, type(exc).__name__, exc))
    return digest.hexdigest()


def _standard_names():
    """The four MNIST names, without .gz, in the order of _FILES."""
    names = []
    for pair in (_FILES["train"], _FILES["test"]):
        names.extend(pair)
    return names


def _sums_base(name, sums_path, number):
    """The standard MNIST name a SHA256SUMS line's ``name`` stands for.

    Only the data set's own files are named: one of the four standard names
    or their spellings (.gz, dotted), with no directory part.  Anything else
    (``/dev/zero``, ``../secret``) is refused before it is opened.
    """
    for base in _standard_names():
        if name in _candidates(base):
            return base
    raise MnistError("{}: line {} names {!r}, expected one of the four MNIST "
                     "file names ({})".format(
                         sums_path, number, name[:80],
                         ", ".join(_standard_names())))


def data_files(directory=None):
    """Return the paths of the MNIST files and SHA256SUMS in ``directory``.

    Every file a command may read from a data directory (any of the
    accepted spellings that exists), so that an output can be checked
    against all of them (for data inside purenn.pyz, the archive).  A
    missing directory gives an empty list.
    """
    directory = data_directory(directory)
    found = []
    names = [name for base in _standard_names() for name in _candidates(base)]
    for name in names + [SUMS_NAME]:
        path = os.path.join(directory, name)
        if os.path.lexists(path):
            found.append(path)
        elif resources.isfile(path):
            # Inside purenn.pyz: the archive itself is what is read.
            archive = resources.split_archive(path)[0]
            if archive not in found:
                found.append(archive)
    return found


def verify_checksums(directory=None):
    """Check the MNIST files against the directory's ``SHA256SUMS``.

    ``SHA256SUMS`` lists ``<hex digest>  <name>`` lines, the SHA-256 of the
    decompressed files under their standard names; each is looked up as
    find_file does (plain, .gz, dotted).  A name that is not one of the four
    MNIST names (or their spellings) is refused, and so is a SHA256SUMS
    larger than 64 KiB or not a regular file.  This decompresses and hashes
    all four files (55 MB, about half a second), 1 MiB at a time.  Return
    the list of names checked.  Raises MnistError naming the first file
    whose digest differs (expected vs found) or a malformed SHA256SUMS line;
    FileNotFoundError if SHA256SUMS or a listed file is missing.
    """
    directory = _directory(directory)
    sums_path = os.path.join(directory, SUMS_NAME)
    with open_input(sums_path, "a checksum file") as sums:
        raw = sums.read(_MAX_SUMS_BYTES + 1)
    if len(raw) > _MAX_SUMS_BYTES:
        raise MnistError("{}: larger than {} bytes, expected four lines of "
                         "'<sha256>  <name>'".format(sums_path,
                                                     _MAX_SUMS_BYTES))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MnistError("{}: not UTF-8 text, expected lines of "
                         "'<sha256>  <name>'".format(sums_path))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    checked = []
    for number, line in enumerate(lines, 1):
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 64 or \
                not all(c in "0123456789abcdefABCDEF" for c in parts[0]):
            raise MnistError("{}: line {} is not '<sha256>  <name>': {!r}"
                             .format(sums_path, number, line[:120]))
        expected, name = parts[0].lower(), parts[1].lstrip("*")
        base = _sums_base(name, sums_path, number)
        path = find_file(directory, base)
        found = _sha256_decompressed(path)
        if found != expected:
            raise MnistError("{}: SHA-256 of the decompressed data is {}, "
                             "expected {} (from {})".format(
                                 path, found, expected, sums_path))
        checked.append(name)
    return checked
