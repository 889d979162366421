"""Tests of purenn.io.mnist: the shipped files, small fake MNIST directories."""
import collections
import gzip
import os
import shutil

import pytest

from purenn.io import mnist
from purenn.io.idx import IdxError, write_idx
from purenn.io.mnist import Dataset, MnistError


@pytest.fixture(scope="module")
def real():
    """Both shipped MNIST sets, loaded once for this module."""
    return mnist.load()


def make_mnist(directory, train=3, test=2, gz=False, dotted=False,
               rows=28, cols=28, train_labels=None):
    """Write a fake MNIST directory; pixel i of image n is (n + i) % 256."""
    os.makedirs(str(directory), exist_ok=True)
    for which, count in (("train", train), ("test", test)):
        images_name, labels_name = mnist._FILES[which]
        if dotted:
            images_name = images_name.replace("-idx", ".idx")
            labels_name = labels_name.replace("-idx", ".idx")
        suffix = ".gz" if gz else ""
        pixels = bytes((n + i) % 256 for n in range(count)
                       for i in range(rows * cols))
        write_idx(os.path.join(str(directory), images_name + suffix), pixels,
                  shape=(count, rows, cols))
        labels = train_labels if which == "train" and train_labels else \
            [n % 10 for n in range(count)]
        write_idx(os.path.join(str(directory), labels_name + suffix),
                  bytes(labels))
    return str(directory)


# --- the shipped files -------------------------------------------------------

def test_default_directory_is_next_to_the_package():
    package = os.path.dirname(os.path.abspath(mnist.__file__))
    assert mnist.DEFAULT_DIRECTORY == os.path.normpath(
        os.path.join(package, "..", "data", "mnist"))


def test_real_counts_and_shapes(real):
    training, test = real
    # The book's split (load_data_wrapper): 50,000 of the 60,000 training
    # images train, the last 10,000 validate.
    assert (len(training), len(test)) == (50000, 10000)
    for data in real:
        assert (data.rows, data.cols) == (28, 28)
        assert len(data.images) == len(data) * 784
        assert isinstance(data.images, bytes)
        assert isinstance(data.labels, bytes)


def test_validation_is_the_rest_of_the_training_file(real, tmp_path):
    training = real[0]
    validation = mnist.load_set(None, "validation")
    assert len(validation) == 10000
    whole = mnist.load_set(make_mnist(tmp_path, train=7), "train")
    assert len(whole) == 7   # fewer than 50,000: all train, none validate
    assert len(mnist.load_set(str(tmp_path), "validation")) == 0
    # Together they are the training file, in order.
    from purenn.io.idx import read_idx
    raw = read_idx(mnist.find_file(None, "train-images-idx3-ubyte"))
    assert training.images + validation.images == raw.data
    assert mnist.load_set(None, "validation", limit=2).images == \
        validation.images[:2 * 784]


def test_real_test_label_histogram(real):
    # The histogram published for the MNIST test set.
    counts = collections.Counter(real[1].labels)
    assert [counts[digit] for digit in range(10)] == \
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_first_labels(real):
    training, test = real
    assert training[0][1] == 5
    assert test[0][1] == 7
    assert training.labels[:10] == bytes([5, 0, 4, 1, 9, 2, 1, 3, 1, 4])


def test_real_example_scaling(real):
    x, y = real[0][0]
    assert len(x) == 784
    assert min(x) == 0.0 and max(x) == 1.0
    assert x == [value / 255 for value in real[0].pixels(0)]


def test_real_checksums():
    assert mnist.verify_checksums() == [
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte"]


def test_limits(real):
    training, test = mnist.load(train_limit=100, test_limit=0)
    assert (len(training), len(test)) == (100, 0)
    assert training.images == real[0].images[:100 * 784]
    assert training.labels == real[0].labels[:100]


# --- Dataset -----------------------------------------------------------------

def test_dataset_sequence_interface(tmp_path):
    data = mnist.load_set(make_mnist(tmp_path, train=5), "train")
    assert len(data) == 5
    assert data[-1] == data[4]
    x, y = data[2]
    assert y == 2
    assert x[:2] == [2 / 255, 3 / 255]
    with pytest.raises(IndexError):
        data[5]
    with pytest.raises(IndexError):
        data[-6]
    assert [y for _, y in data] == [0, 1, 2, 3, 4]
    assert data.pixels(-1) == data.images[4 * 784:]


def test_dataset_slices_are_datasets(tmp_path):
    data = mnist.load_set(make_mnist(tmp_path, train=6), "train")
    part = data[1:4]
    assert isinstance(part, Dataset)
    assert part.labels == bytes([1, 2, 3])
    assert part[0] == data[1]
    every_other = data[::-2]
    assert every_other.labels == bytes([5, 3, 1])
    assert every_other.pixels(1) == data.pixels(3)
    assert len(data[4:1]) == 0


def test_dataset_floats_are_shared(tmp_path):
    data = mnist.load_set(make_mnist(tmp_path, train=2), "train")
    first, second = data[0][0], data[1][0]
    assert first[1] is second[0]     # both are pixel value 1


def test_dataset_is_read_only(tmp_path):
    data = mnist.load_set(make_mnist(tmp_path), "train")
    with pytest.raises(TypeError):
        data[0] = ([0.0] * 784, 1)


def test_dataset_checks_sizes():
    with pytest.raises(MnistError, match=r"2 labels need 8 pixel bytes"):
        Dataset(b"\x00" * 7, b"\x00\x01", rows=2, cols=2)
    with pytest.raises(TypeError):
        Dataset([0] * 784, b"\x00")


# --- directories and spellings -----------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dotted", [False, True])
def test_spellings(tmp_path, gz, dotted):
    directory = make_mnist(tmp_path, gz=gz, dotted=dotted)
    training, test = mnist.load(directory)
    assert (len(training), len(test)) == (3, 2)


def test_missing_directory_says_to_pass_one(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"pass the directory"):
        mnist.load(str(tmp_path / "absent"))


def test_default_directory_absent(monkeypatch, tmp_path):
    monkeypatch.setattr(mnist, "DEFAULT_DIRECTORY", str(tmp_path / "gone"))
    with pytest.raises(FileNotFoundError, match=r"pass the directory"):
        mnist.load()


def test_missing_file_names_it(tmp_path):
    directory = make_mnist(tmp_path)
    os.remove(os.path.join(directory, "t10k-labels-idx1-ubyte"))
    with pytest.raises(FileNotFoundError) as info:
        mnist.load(directory)
    assert info.value.filename.endswith("t10k-labels-idx1-ubyte")
    assert "t10k-labels.idx1-ubyte.gz" in str(info.value)


def test_files_one_or_two_folders_down_are_named(tmp_path):
    # torchvision keeps MNIST in MNIST/raw/; an unpacked download often
    # sits one folder down.  The error says which folder to pass.
    raw = tmp_path / "MNIST" / "raw"
    make_mnist(raw)
    (tmp_path / "notes").mkdir()
    for directory in (tmp_path, tmp_path / "MNIST"):
        with pytest.raises(FileNotFoundError) as info:
            mnist.load(str(directory))
        assert info.value.strerror.endswith(
            "; it is in {0}: pass --data {0}".format(raw))
    assert len(mnist.load(str(raw))[1]) > 0
    # Three folders down is not looked for.
    deeper = tmp_path / "a"
    deeper.mkdir()
    shutil.move(str(tmp_path / "MNIST"), str(deeper / "MNIST"))
    with pytest.raises(FileNotFoundError) as info:
        mnist.load(str(tmp_path))
    assert "it is in" not in str(info.value)


def test_count_mismatch(tmp_path):
    directory = make_mnist(tmp_path)
    write_idx(os.path.join(directory, "train-labels-idx1-ubyte"),
              bytes([1, 2]))
    with pytest.raises(MnistError, match=r"train-labels-idx1-ubyte: 2 labels, "
                                         r"expected 3 to match .*"
                                         r"train-images-idx3-ubyte"):
        mnist.load(directory)


def test_images_not_28_by_28(tmp_path):
    directory = make_mnist(tmp_path, rows=27)
    with pytest.raises(MnistError, match=r"train-images-idx3-ubyte: type 0x08 "
                                         r"shape 3x27x28, expected type 0x08 "
                                         r"shape Nx28x28"):
        mnist.load(directory)


def test_labels_wrong_type(tmp_path):
    directory = make_mnist(tmp_path)
    write_idx(os.path.join(directory, "t10k-labels-idx1-ubyte"), [1, 2],
              type_code=0x0C)
    with pytest.raises(MnistError, match=r"t10k-labels-idx1-ubyte: type 0x0C "
                                         r"shape 2, expected type 0x08"):
        mnist.load_set(directory, "test")


def test_label_out_of_range(tmp_path):
    directory = make_mnist(tmp_path, train_labels=[3, 12, 1])
    with pytest.raises(MnistError, match=r"train-labels-idx1-ubyte: label 12 "
                                         r"at index 1, expected 0..9"):
        mnist.load(directory)


def test_damaged_file_is_idx_error(tmp_path):
    directory = make_mnist(tmp_path, gz=True)
    path = os.path.join(directory, "t10k-images-idx3-ubyte.gz")
    with open(path, "rb") as f:
        packed = f.read()
    with open(path, "wb") as f:
        f.write(packed[:len(packed) // 2])
    with pytest.raises(IdxError, match=r"t10k-images-idx3-ubyte.gz: the gzip "
                                       r"stream is corrupt"):
        mnist.load(directory)


def test_bad_arguments(tmp_path):
    directory = make_mnist(tmp_path)
    with pytest.raises(ValueError, match=r"one of train, validation, test, got 'valid'"):
        mnist.load_set(directory, "valid")
    with pytest.raises(ValueError, match=r"train_limit must be >= 0"):
        mnist.load(directory, train_limit=-1)
    with pytest.raises(TypeError):
        mnist.load(directory, test_limit=2.5)


def test_limit_larger_than_set_takes_all(tmp_path):
    data = mnist.load_set(make_mnist(tmp_path), "train", limit=1000)
    assert len(data) == 3


# --- checksums ---------------------------------------------------------------

def _copy_real(tmp_path):
    directory = str(tmp_path / "mnist")
    os.makedirs(directory)
    for name in ("SHA256SUMS", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(os.path.join(mnist.DEFAULT_DIRECTORY, name), directory)
    with open(os.path.join(directory, "SHA256SUMS")) as f:
        line = [l for l in f if "t10k-labels" in l][0]
    with open(os.path.join(directory, "SHA256SUMS"), "w") as f:
        f.write(line)
    return directory


def test_verify_checksums_plain_copy_of_gz(tmp_path):
    directory = _copy_real(tmp_path)
    packed = os.path.join(directory, "t10k-labels-idx1-ubyte.gz")
    with gzip.open(packed) as f:
        content = f.read()
    os.remove(packed)
    with open(os.path.join(directory, "t10k-labels.idx1-ubyte"), "wb") as f:
        f.write(content)
    assert mnist.verify_checksums(directory) == ["t10k-labels-idx1-ubyte"]


def test_verify_checksums_mismatch(tmp_path):
    directory = _copy_real(tmp_path)
    packed = os.path.join(directory, "t10k-labels-idx1-ubyte.gz")
    with gzip.open(packed) as f:
        content = bytearray(f.read())
    content[-1] = (content[-1] + 1) % 10       # one label changed
    with gzip.open(packed, "wb") as f:
        f.write(bytes(content))
    with pytest.raises(MnistError, match=r"t10k-labels-idx1-ubyte.gz: SHA-256 "
                                         r"of the decompressed data is "
                                         r"[0-9a-f]{64}, expected ff7bcfd4"):
        mnist.verify_checksums(directory)
    with pytest.raises(MnistError):
        mnist.load(directory, verify=True)


def test_verify_checksums_malformed_line(tmp_path):
    directory = _copy_real(tmp_path)
    with open(os.path.join(directory, "SHA256SUMS"), "w") as f:
        f.write("abc t10k-labels-idx1-ubyte\n")
    with pytest.raises(MnistError, match=r"SHA256SUMS: line 1 is not"):
        mnist.verify_checksums(directory)


def test_verify_checksums_needs_sums_file(tmp_path):
    directory = make_mnist(tmp_path)
    with pytest.raises(FileNotFoundError):
        mnist.verify_checksums(directory)


# --- text art ----------------------------------------------------------------

def test_render_text_shades():
    # Hand derivation: v * 10 // 256 picks SHADES[0] for 0..25, SHADES[1]
    # for 26..51, ..., SHADES[9] for 231..255.
    pixels = bytes([0, 25, 26, 51, 128, 230, 231, 255])
    assert mnist.render_text(pixels, rows=2, cols=4) == \
        "    ....\n++%%@@@@"


def test_render_text_size_mismatch():
    with pytest.raises(ValueError, match=r"3 pixels, expected 2x2 = 4"):
        mnist.render_text(b"abc", 2, 2)


def test_doctests_ran():
    # The suite runs with --doctest-modules; make sure there are doctests.
    import doctest
    finder = doctest.DocTestFinder()
    examples = sum(len(test.examples) for test in finder.find(mnist))
    assert examples >= 10
