"""Small crafted files may not make the restricted unpickler allocate much memory."""

import pickle
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy_format

from bams.io.safe_pickle import UnsafePickleError, load_pickled_npy

try:
    from numpy._core.multiarray import _reconstruct, scalar
except ImportError:  # NumPy 1
    from numpy.core.multiarray import _reconstruct, scalar

REAL_FRAME_MAP = (
    Path(__file__).resolve().parents[2].parent
    / "shared/data/real/mabe22/mouse_triplet_frame_number_map.npy"
)
PEAK_LIMIT = 4 << 20  # bytes: a refusal must come before any large allocation
BUDGET = r"Expected allocations within the budget of 8 x the file's \d+ bytes \+ 1 MiB"


class Reduce:
    """Pickles as the given ``__reduce__`` tuple: a way to write any REDUCE and BUILD."""

    def __init__(self, *reduce):
        self.reduce = reduce

    def __reduce__(self):
        return self.reduce


def npy_with_pickle(path, payload: bytes):
    """Write a .npy file for a 0-d object array whose pickle is ``payload``."""
    with open(path, "wb") as file:
        npy_format.write_array_header_1_0(
            file, {"descr": "|O", "fortran_order": False, "shape": ()}
        )
        file.write(payload)
    return path


def refused(path, match, error=UnsafePickleError):
    """Assert that loading ``path`` is refused quickly, with little memory; return the peak."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(error, match=match):
            load_pickled_npy(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 5
    assert peak < PEAK_LIMIT
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert rss_growth_kib < 64 << 10
    return peak


def test_bytearray_of_one_gib_from_158_bytes(tmp_path):
    payload = b"\x80\x02cbuiltins\nbytearray\nJ\x00\x00\x00\x40\x85R."  # bytearray(2**30)
    path = npy_with_pickle(tmp_path / "gib.npy", payload)
    assert path.stat().st_size == 158
    refused(path, rf"{BUDGET} .*gib\.npy.*, but got builtins\.bytearray\(\) asking for 1073741824")


def test_bytearray_of_64_gib_from_160_bytes(tmp_path):
    long1 = b"\x8a\x05" + (2**36).to_bytes(5, "little")
    path = npy_with_pickle(
        tmp_path / "64gib.npy", b"\x80\x02cbuiltins\nbytearray\n" + long1 + b"\x85R."
    )
    assert path.stat().st_size == 160
    refused(path, rf"{BUDGET}.*, but got builtins\.bytearray\(\) asking for 68719476736 bytes")


def test_bytes_of_a_size_within_the_budget_still_works(tmp_path):
    path = npy_with_pickle(tmp_path / "small.npy", pickle.dumps(Reduce(bytes, (1000,)), 3))
    assert load_pickled_npy(path) == bytes(1000)


@pytest.mark.parametrize("dtype", ["O", "u1"])
def test_reconstruct_with_a_huge_shape(tmp_path, dtype):
    # 2**33 objects are 64 GiB of pointers, all set to None; 2**36 bytes are 64 GiB.
    # Pickled by ``pickle`` itself: ``Reduce`` writes any call, as a crafted file could.
    shape = (2**33,) if dtype == "O" else (2**36,)
    payload = pickle.dumps(Reduce(_reconstruct, (np.ndarray, shape, dtype.encode())), 2)
    path = npy_with_pickle(tmp_path / "shape.npy", payload)
    refused(path, rf"{BUDGET}.*, but got numpy\._?core\.multiarray\._reconstruct\(\) asking for")


@pytest.mark.parametrize(
    ("dtype", "data", "message"),
    [
        (np.dtype("O"), [], "Expected a list of 1073741824 objects for shape"),
        (np.dtype("u1"), b"x", "Expected 1073741824 bytes for shape"),
    ],
)
def test_array_state_with_a_huge_shape_and_little_data(tmp_path, dtype, data, message):
    state = (1, (2**30,), dtype, False, data)
    payload = pickle.dumps(Reduce(_reconstruct, (np.ndarray, (0,), b"b"), state), 2)
    path = npy_with_pickle(tmp_path / "state.npy", payload)
    refused(path, rf"{message} \(1073741824,\) .*state\.npy', but got a \w+ of length")


def test_void_scalar_of_one_gib(tmp_path):
    payload = pickle.dumps(Reduce(scalar, (np.dtype("V1073741824"),)), 2)
    path = npy_with_pickle(tmp_path / "scalar.npy", payload)
    refused(
        path, rf"{BUDGET}.*, but got numpy\._?core\.multiarray\.scalar\(\) asking for 1073741824"
    )


def test_dtype_whose_state_hides_a_huge_subarray(tmp_path):
    # A 1-byte dtype whose state claims a subarray of 2**30 bytes: an array of 64 of them
    # would allocate 64 GiB while its itemsize says 64 bytes.
    state = (3, "|", (np.dtype("u1"), (2**30,)), None, None, 1, 1, 0)
    liar = Reduce(np.dtype, ("V1", False, True), state)
    payload = pickle.dumps(Reduce(_reconstruct, (np.ndarray, (64,), liar)), 2)
    path = npy_with_pickle(tmp_path / "subarray.npy", payload)
    refused(path, r"Expected a dtype state consistent with .*, but got itemsize 1")


def test_dtype_changed_after_an_array_uses_it(tmp_path):
    # dtype('V8') goes to the memo, an array is made of it, then its BUILD claims 2**40 bytes
    # per element: the array would read far past its 8 bytes.
    payload = (
        b"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00V8\x89\x88\x87Rq\x010"
        b"cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x01\x85h\x01\x87R"
        b"h\x01(K\x03X\x01\x00\x00\x00|NNN\x8a\x06"
        + (2**40).to_bytes(6, "little")
        + b"K\x01K\x00tb0."
    )
    path = npy_with_pickle(tmp_path / "reuse.npy", payload)
    refused(path, r"Expected a dtype whose state is complete in .*, but got .* before its BUILD")


def test_bytes_opcode_longer_than_the_file(tmp_path):
    payload = b"\x80\x04\x8e" + (2**36).to_bytes(8, "little") + b"abc."  # BINBYTES8
    path = npy_with_pickle(tmp_path / "binbytes8.npy", payload)
    refused(
        path, r"Expected a complete pickled object in .*: Expected at most 4 more bytes", ValueError
    )


def test_bytearray_opcode_longer_than_the_file(tmp_path):
    payload = b"\x80\x05\x96" + (2**36).to_bytes(8, "little") + b"abc."  # BYTEARRAY8
    path = npy_with_pickle(tmp_path / "bytearray8.npy", payload)
    match = (
        r"Expected a complete pickled object in .*: Expected at most 4 more bytes, but got 68719"
    )
    refused(path, match, ValueError)


def test_memo_index_from_the_file_is_not_a_size(tmp_path):
    # The C unpickler sizes its memo by the index: 2**32 - 1 would be 64 GiB of pointers.
    payload = b"\x80\x02Nr\xff\xff\xff\xff."  # None, LONG_BINPUT 4294967295
    path = npy_with_pickle(tmp_path / "memo.npy", payload)
    tracemalloc.start()
    try:
        assert load_pickled_npy(path) is None
        assert tracemalloc.get_traced_memory()[1] < PEAK_LIMIT
    finally:
        tracemalloc.stop()


def test_plain_header_declaring_more_than_the_file_holds(tmp_path):
    path = tmp_path / "plain.npy"
    with open(path, "wb") as file:
        npy_format.write_array_header_1_0(
            file, {"descr": "<f8", "fortran_order": False, "shape": (2**33,)}
        )
    refused(path, r"Expected a complete .npy file in .*, but got 0 bytes of data", ValueError)


def nested_pairs(depth: int, opener: bytes, closer: bytes) -> bytes:
    """Opcodes for ``x = 'a'`` then ``depth`` times ``x = [x, x]``: one shared child per level."""
    body = b"X\x01\x00\x00\x00a"
    for level in range(depth):
        get = b"j" + level.to_bytes(4, "little")  # LONG_BINGET of the child, put just before
        body += b"r" + level.to_bytes(4, "little") + b"0" + opener + get + get + closer
    return body


def test_str_of_shared_nested_containers(tmp_path):
    # str() of 40 levels of a pair of one shared child would be 2**40 reprs of 'a'.
    payload = b"\x80\x02cbuiltins\nstr\n" + nested_pairs(40, b"(", b"t") + b"\x85R."
    path = npy_with_pickle(tmp_path / "repr.npy", payload)
    refused(
        path, r"Expected calls only to allowed constructors in .*, but got a call to builtins\.str"
    )


def test_setitem_into_an_array_with_a_nested_key(tmp_path):
    # arr[key] = 0 with a key of 40 nested lists would be an index array of 2**40 items
    # (NumPy would first visit all 2**40 of them).
    array = pickle.dumps(np.zeros(1, np.int8), 2)[:-1]  # without its STOP
    payload = array + nested_pairs(40, b"(", b"l") + b"K\x00s."
    path = npy_with_pickle(tmp_path / "setitem.npy", payload)
    refused(path, r"Expected SETITEM\(S\) only into a dict in .*, but got a numpy\.ndarray")


def test_honest_large_arrays_and_object_arrays_load_as_before(tmp_path, rng):
    data = {
        "big": rng.normal(size=(512, 1024)),  # 4 MiB: more than the budget floor
        "objects": np.array([None] * 300_000 + [1], dtype=object),
        "scalars": [np.float32(i) for i in range(20_000)],
        "strings": np.array(["strain", "lights"] * 1000),
    }
    path = tmp_path / "honest.npy"
    np.save(path, data)  # as the MABe files are written (pickle protocol 3)
    loaded = load_pickled_npy(path)
    np.testing.assert_array_equal(loaded["big"], data["big"])
    assert (
        loaded["objects"].dtype == object and loaded["objects"].tolist() == data["objects"].tolist()
    )
    assert loaded["scalars"] == data["scalars"] and type(loaded["scalars"][0]) is np.float32
    np.testing.assert_array_equal(loaded["strings"], data["strings"])


DTYPES = [
    "f8",
    ">i4",
    "<U7",
    "S5",
    "c16",
    "?",
    "f2",
    "M8[ns]",
    "m8[s]",
    "V12",
    [("a", "u1"), ("b", ">f8"), ("c", "O")],
    [("pos", "f4", (2, 3)), ("name", "U4")],
    [(("Title", "x"), "i2"), ("nested", [("y", "u1"), ("z", "f8")])],
]


@pytest.mark.parametrize("protocol", [2, 3, 5])
def test_every_kind_of_dtype_round_trips(tmp_path, protocol):
    values = {}
    for i, spec in enumerate(DTYPES):
        for align in (False, True):
            dtype = np.dtype(spec, align=align)
            values[f"{i}{align}"] = (dtype, np.zeros(3, dtype), np.zeros((), dtype)[()])
    values["subarray dtype"] = np.dtype("(2,3)f4")
    payload = pickle.dumps(np.asanyarray(values), protocol)
    expected = pickle.loads(payload).item()  # our own pickle: safe to load unrestricted
    loaded = load_pickled_npy(npy_with_pickle(tmp_path / "dtypes.npy", payload))
    assert loaded.keys() == expected.keys()
    for key, value in expected.items():
        got = loaded[key]
        if isinstance(value, np.dtype):
            assert (got, got.isalignedstruct) == (value, value.isalignedstruct)
            continue
        facts = [(x[0], x[0].isalignedstruct, x[0].flags, x[1].dtype) for x in (got, value)]
        assert facts[0] == facts[1]
        assert got[1].tobytes() == value[1].tobytes()
        assert type(got[2]) is type(value[2]) and got[2].dtype == value[2].dtype


@pytest.mark.skipif(
    not REAL_FRAME_MAP.exists(), reason=f"real MABe 2022 file not at {REAL_FRAME_MAP}"
)
def test_real_mouse_triplet_frame_number_map():
    frame_map = load_pickled_npy(REAL_FRAME_MAP)  # read in place, never copied
    assert isinstance(frame_map, dict) and len(frame_map) == 3736
    ranges = sorted(frame_map.values())
    assert all(type(start) is int and type(end) is int for start, end in ranges)
    assert sum(end - start for start, end in ranges) == 6_724_800
    assert ranges[0][0] == 0 and ranges[-1][1] == 6_724_800
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
