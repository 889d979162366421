"""Tests of purenn.io.idx: round trips, one test per defect, damage everywhere."""
import array
import gzip
import os
import struct
import time

import pytest

from purenn.io.idx import IdxArray, IdxError, read_idx, write_idx
from support import needs_tracemalloc, tracemalloc


# One example value list per type code, with each type's extremes.  The
# float values include -0.0, infinities, a subnormal and a NaN so that
# "bit for bit" is really tested (== would pass -0.0 == 0.0 and fail NaN).
VALUES = {
    0x08: [0, 1, 127, 128, 255, 7],
    0x09: [-128, -1, 0, 1, 127, 5],
    0x0B: [-32768, -1, 0, 1, 32767, 300],
    0x0C: [-2 ** 31, -1, 0, 1, 2 ** 31 - 1, 70000],
    0x0D: [0.5, -0.0, float("inf"), float("-inf"), float("nan"),
           struct.unpack(">f", b"\x00\x00\x00\x01")[0]],   # least subnormal
    0x0E: [0.1, -0.0, float("inf"), 5e-324, float("nan"), -1.5],
}

# Big-endian struct codes of each type, an independent encoder for checks.
STRUCT = {0x08: "B", 0x09: "b", 0x0B: "h", 0x0C: "i", 0x0D: "f", 0x0E: "d"}

SHAPES = [(6,), (2, 3), (3, 2), (1, 2, 3), (3, 1, 2, 1)]


def idx_bytes(type_code, shape, values):
    """Build an IDX file's bytes with struct, independently of write_idx."""
    header = struct.pack(">2sBB{}I".format(len(shape)), b"\x00\x00",
                         type_code, len(shape), *shape)
    return header + struct.pack(">{}{}".format(len(values),
                                               STRUCT[type_code]), *values)


def big_endian_bits(type_code, values):
    return struct.pack(">{}{}".format(len(values), STRUCT[type_code]),
                       *values)


def write_bytes(path, data):
    with open(str(path), "wb") as out:
        out.write(data)
    return str(path)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("type_code", sorted(VALUES))
def test_round_trip(tmp_path, type_code, shape, compress):
    values = VALUES[type_code]
    path = str(tmp_path / ("x.idx.gz" if compress else "x.idx"))
    write_idx(path, values, shape=shape, type_code=type_code)
    with open(path, "rb") as f:
        raw = f.read()
    if compress:
        assert raw[:2] == b"\x1f\x8b"
        raw = gzip.decompress(raw)
    # The file is exactly what an independent struct encoder produces ...
    assert raw == idx_bytes(type_code, shape, values)
    # ... and reads back with the same type, shape and bits.
    back = read_idx(path)
    assert back.type_code == type_code
    assert back.shape == shape
    assert big_endian_bits(type_code, list(back.data)) == \
        big_endian_bits(type_code, values)


@pytest.mark.parametrize("type_code", sorted(VALUES))
def test_round_trip_of_idx_array_keeps_bits(tmp_path, type_code):
    first = str(tmp_path / "a.idx")
    second = str(tmp_path / "b.idx")
    write_bytes(first, idx_bytes(type_code, (2, 3), VALUES[type_code]))
    write_idx(second, read_idx(first))
    with open(first, "rb") as a, open(second, "rb") as b:
        assert a.read() == b.read()


def test_data_types(tmp_path):
    path = write_bytes(tmp_path / "u8", idx_bytes(0x08, (3,), [1, 2, 3]))
    assert read_idx(path).data == b"\x01\x02\x03"
    path = write_bytes(tmp_path / "f64", idx_bytes(0x0E, (2,), [0.5, 0.25]))
    data = read_idx(path).data
    assert isinstance(data, array.array) and list(data) == [0.5, 0.25]


def test_nested_lists_and_tolist(tmp_path):
    path = str(tmp_path / "n.idx")
    nested = [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]
    write_idx(path, nested, type_code=0x0C)
    back = read_idx(path)
    assert back.shape == (2, 3, 2)
    assert back.tolist() == nested


def test_zero_sized_dimension(tmp_path):
    path = str(tmp_path / "empty.idx")
    write_idx(path, b"", shape=(2, 0, 3))
    back = read_idx(path)
    assert back.shape == (2, 0, 3)
    assert back.tolist() == [[], []]


def test_gzip_detected_by_magic_not_name(tmp_path):
    data = idx_bytes(0x0B, (2,), [-5, 5])
    path = write_bytes(tmp_path / "plain-name.idx", gzip.compress(data))
    assert list(read_idx(path).data) == [-5, 5]
    path = write_bytes(tmp_path / "looks-gzipped.gz", data)
    assert list(read_idx(path).data) == [-5, 5]


def test_writer_is_atomic_and_leaves_no_temp_file(tmp_path):
    path = str(tmp_path / "out.idx")
    write_bytes(path, b"old contents")
    with pytest.raises(IdxError):
        write_idx(path, [1, 2, 3], shape=(2, 2))
    with open(path, "rb") as f:
        assert f.read() == b"old contents"
    write_idx(path, [1, 2, 3, 4], shape=(2, 2))
    assert sorted(os.listdir(str(tmp_path))) == ["out.idx"]


def test_writer_does_not_change_callers_array(tmp_path):
    values = array.array("d", [0.5, 0.25])
    write_idx(str(tmp_path / "a.idx"), values, type_code=0x0E)
    assert list(values) == [0.5, 0.25]


# --- the writer's refusals --------------------------------------------------

@pytest.mark.parametrize("values, type_code, match", [
    ([256], 0x08, r"does not fit 0x08 unsigned byte"),
    ([-1], 0x08, r"does not fit 0x08 unsigned byte"),
    ([128], 0x09, r"does not fit 0x09 signed byte"),
    ([40000], 0x0B, r"does not fit 0x0B int16"),
    ([2 ** 31], 0x0C, r"does not fit 0x0C int32"),
    ([1e300], 0x0D, r"does not fit 0x0D float32"),
])
def test_write_value_out_of_range(tmp_path, values, type_code, match):
    with pytest.raises(IdxError, match=match):
        write_idx(str(tmp_path / "x"), values, type_code=type_code)


def test_write_float_to_integer_type_is_type_error(tmp_path):
    with pytest.raises(TypeError):
        write_idx(str(tmp_path / "x"), [0.5], type_code=0x0B)


def test_write_ragged_lists(tmp_path):
    with pytest.raises(IdxError, match=r"ragged nested lists"):
        write_idx(str(tmp_path / "x"), [[1, 2], [3]])


def test_write_shape_mismatch(tmp_path):
    with pytest.raises(IdxError, match=r"shape 2x2 needs 4 items, data has 3"):
        write_idx(str(tmp_path / "x"), [1, 2, 3], shape=(2, 2))


def test_write_unknown_type(tmp_path):
    with pytest.raises(IdxError, match=r"unknown IDX type code 10"):
        write_idx(str(tmp_path / "x"), [1], type_code=0x0A)


# --- one test per defect of a file -------------------------------------------

def test_missing_file_raises_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(str(tmp_path / "nothing-here"))


def test_bad_magic(tmp_path):
    path = write_bytes(tmp_path / "bad", b"\x01\x00\x08\x01" + b"\x00" * 8)
    with pytest.raises(IdxError, match=r"bad: not an IDX file: magic "
                                       r"0x01000801 does not start with two"):
        read_idx(path)


def test_empty_file(tmp_path):
    path = write_bytes(tmp_path / "empty", b"")
    with pytest.raises(IdxError, match=r"empty: not an IDX file: 0 bytes"):
        read_idx(path)


def test_unknown_type_code(tmp_path):
    path = write_bytes(tmp_path / "t", b"\x00\x00\x0a\x01\x00\x00\x00\x01z")
    with pytest.raises(IdxError, match=r"t: unknown IDX type code 0x0A, "
                                       r"expected one of 0x08, 0x09"):
        read_idx(path)


def test_zero_dimensions(tmp_path):
    path = write_bytes(tmp_path / "z", b"\x00\x00\x08\x00")
    with pytest.raises(IdxError, match=r"z: zero dimensions"):
        read_idx(path)


def test_header_shorter_than_declared(tmp_path):
    # 3 dimensions declared, 2 given (8 of 12 bytes)
    path = write_bytes(tmp_path / "h", b"\x00\x00\x08\x03" + b"\x00" * 8)
    with pytest.raises(IdxError, match=r"h: file ends inside the header "
                                       r"\(3 dimensions declared\): expected "
                                       r"12 bytes, found 8"):
        read_idx(path)


def test_truncated_data_says_how_many_bytes_are_missing(tmp_path):
    data = idx_bytes(0x0B, (2, 3), [1, 2, 3, 4, 5, 6])
    path = write_bytes(tmp_path / "cut", data[:-5])
    with pytest.raises(IdxError, match=r"cut: truncated: the header declares "
                                       r"12 data bytes, found 7 \(5 bytes "
                                       r"missing\)"):
        read_idx(path)


def test_truncated_data_in_gzip(tmp_path):
    data = idx_bytes(0x0B, (2, 3), [1, 2, 3, 4, 5, 6])
    path = write_bytes(tmp_path / "cut.gz", gzip.compress(data[:-5]))
    with pytest.raises(IdxError, match=r"truncated: .*\(5 bytes missing\)"):
        read_idx(path)


def test_bytes_left_over(tmp_path):
    data = idx_bytes(0x08, (3,), [1, 2, 3]) + b"xy"
    path = write_bytes(tmp_path / "long", data)
    with pytest.raises(IdxError, match=r"long: 2 bytes left over after the 3 "
                                       r"data bytes"):
        read_idx(path)


def test_bytes_left_over_in_gzip(tmp_path):
    data = idx_bytes(0x08, (3,), [1, 2, 3]) + b"xy"
    path = write_bytes(tmp_path / "long.gz", gzip.compress(data))
    with pytest.raises(IdxError, match=r"2 bytes left over"):
        read_idx(path)


def test_absurd_size_refused_before_allocating(tmp_path):
    # 255 dimensions of 2**32 - 1: the product has ~8000 bits.
    header = b"\x00\x00\x0e\xff" + b"\xff\xff\xff\xff" * 255
    path = write_bytes(tmp_path / "huge", header)
    with pytest.raises(IdxError, match=r"huge: header declares .* more than "
                                       r"the limit of 2147483648 bytes"):
        read_idx(path)


@needs_tracemalloc
def test_large_size_checked_against_file_length(tmp_path):
    # 1 GB declared, under the limit: refused by the file length, unread.
    header = struct.pack(">2sBBI", b"\x00\x00", 0x08, 1, 10 ** 9)
    path = write_bytes(tmp_path / "big", header + b"abc")
    tracemalloc.start()
    try:
        with pytest.raises(IdxError, match=r"\(999999997 bytes missing\)"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_max_bytes_applies_to_gzip(tmp_path):
    data = idx_bytes(0x08, (100,), list(range(100)))
    path = write_bytes(tmp_path / "g.gz", gzip.compress(data))
    with pytest.raises(IdxError, match=r"\(100 bytes\), more than the limit "
                                       r"of 99 bytes"):
        read_idx(path, max_bytes=99)
    assert read_idx(path, max_bytes=100).shape == (100,)


@needs_tracemalloc
def test_gzip_bomb_stops_after_declared_size(tmp_path):
    # 3 bytes declared, followed by 50 MB of zeros that compress to ~50 KB:
    # the reader must stop after the first chunk past the data.
    data = idx_bytes(0x08, (3,), [1, 2, 3]) + bytes(50 * 10 ** 6)
    path = write_bytes(tmp_path / "bomb.gz", gzip.compress(data, 9))
    tracemalloc.start()
    try:
        with pytest.raises(IdxError, match=r"at least 1048576 bytes left over"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def test_corrupt_gzip_bad_crc(tmp_path):
    packed = bytearray(gzip.compress(idx_bytes(0x08, (3,), [1, 2, 3])))
    packed[-8] ^= 0xFF   # first byte of the CRC32 in the gzip trailer
    path = write_bytes(tmp_path / "crc.gz", bytes(packed))
    with pytest.raises(IdxError, match=r"crc.gz: the gzip stream is corrupt"):
        read_idx(path)


def test_corrupt_gzip_truncated_stream(tmp_path):
    packed = gzip.compress(idx_bytes(0x08, (3,), [1, 2, 3]))
    path = write_bytes(tmp_path / "short.gz", packed[:-10])
    with pytest.raises(IdxError, match=r"short.gz: the gzip stream is "
                                       r"corrupt"):
        read_idx(path)


def test_corrupt_gzip_bad_deflate_data(tmp_path):
    # A gzip header (10 bytes) followed by a deflate block of reserved
    # type 3 (BTYPE=11), which zlib rejects.
    path = write_bytes(tmp_path / "deflate.gz",
                       b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x07" +
                       b"\x00" * 16)
    with pytest.raises(IdxError, match=r"deflate.gz: the gzip stream is "
                                       r"corrupt \(error"):
        read_idx(path)


# --- damage everywhere -------------------------------------------------------

def _small_file():
    return idx_bytes(0x0B, (2, 3), [1, -2, 300, -32768, 32767, 0])


def _assert_read_or_idx_error(path, reads):
    """Read ``path``: a correct result or IdxError, never anything else."""
    try:
        result = read_idx(path)
    except IdxError as exc:
        assert str(exc).startswith(path + ":")
        assert "\n" not in str(exc)
        return
    # A read that succeeds agrees with its own header's declared size.
    assert len(result.data) == _items(result.shape)
    reads.append(result)


def _damaged_variants(data):
    """Every truncation, and each header byte flipped three ways."""
    for cut in range(len(data)):
        yield data[:cut]
    header = 4 + 4 * data[3]
    for offset in range(header):
        for flip in (0x01, 0x80, 0xFF):
            damaged = bytearray(data)
            damaged[offset] ^= flip
            yield bytes(damaged)


def _run_damage(tmp_path, variants):
    path = str(tmp_path / "damaged")
    reads = []
    start = time.perf_counter()
    if tracemalloc is not None:
        tracemalloc.start()
    try:
        for count, damaged in enumerate(variants, 1):
            write_bytes(path, damaged)
            _assert_read_or_idx_error(path, reads)
        if tracemalloc is not None:
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        if tracemalloc is not None:
            tracemalloc.stop()
    # No huge allocation (the largest header size fits in 2 GiB; measured
    # on CPython only, PyPy has no tracemalloc) and no hang.
    if tracemalloc is not None:
        assert peak < 4 << 20
    assert time.perf_counter() - start < 10
    return count, reads


def test_damage_everywhere_plain(tmp_path):
    data = _small_file()
    count, reads = _run_damage(tmp_path, _damaged_variants(data))
    assert count == len(data) + 3 * 12
    # Each flip of the type code gives an unknown code (0x0A, 0x8B, 0xF4)
    # and each flip of a dimension changes the declared size, so every
    # variant of this file must be refused.
    assert reads == []


def _items(shape):
    total = 1
    for dim in shape:
        total *= dim
    return total


def test_damage_everywhere_gzip(tmp_path):
    packed = gzip.compress(_small_file())
    variants = []
    for cut in range(len(packed)):
        variants.append(packed[:cut])
    for offset in range(len(packed)):
        for flip in (0x01, 0x80, 0xFF):
            damaged = bytearray(packed)
            damaged[offset] ^= flip
            variants.append(bytes(damaged))
    # Also: the gzip'd forms of the plain damaged files.
    variants.extend(gzip.compress(d) for d in _damaged_variants(_small_file()))
    count, reads = _run_damage(tmp_path, variants)
    assert count == 4 * len(packed) + len(_small_file()) + 3 * 12
    # Flips in gzip header fields that nothing checks (mtime, extra flags,
    # OS) still decompress to the original: those reads must be exact.
    assert reads
    for result in reads:
        assert (result.type_code, result.shape, list(result.data)) == \
            (0x0B, (2, 3), [1, -2, 300, -32768, 32767, 0])


def test_idx_array_checks_its_size():
    with pytest.raises(IdxError, match=r"shape 2x2 needs 4 items, data has 3"):
        IdxArray(0x08, (2, 2), b"abc")
