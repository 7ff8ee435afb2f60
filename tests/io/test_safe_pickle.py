import os
import pickle

import numpy as np
import pytest
from numpy.lib import format as npy_format

from bams.io.safe_pickle import UnsafePickleError, load_pickled_npy


@pytest.fixture
def nested(rng):
    """A dict shaped like the MABe files: arrays, numpy scalars, tuples, lists, sets."""
    return {
        "vocabulary": ["strain", "lights"],
        "frame_number_map": {"clip_a": (0, 3), "clip_b": (np.int64(3), np.int64(7))},
        "embeddings": rng.normal(size=(7, 4)).astype(np.float32),
        "sequences": {"clip_a": {"keypoints": rng.normal(size=(3, 2, 12, 2))}},
        "misc": [1.5, 2 + 3j, True, None, b"raw", frozenset({1}), {2, 3}],
    }


def assert_same(loaded, expected):
    assert type(loaded) is type(expected)
    if isinstance(expected, dict):
        assert loaded.keys() == expected.keys()
        for key in expected:
            assert_same(loaded[key], expected[key])
    elif isinstance(expected, list | tuple):
        assert len(loaded) == len(expected)
        for a, b in zip(loaded, expected, strict=True):
            assert_same(a, b)
    elif isinstance(expected, np.ndarray):
        assert loaded.dtype == expected.dtype
        np.testing.assert_array_equal(loaded, expected)
    else:
        assert loaded == expected


def write_npy_with_pickle(path, payload: bytes):
    """Write a .npy file for a 0-d object array whose pickle is ``payload``."""
    with open(path, "wb") as file:
        npy_format.write_array_header_1_0(
            file, {"descr": "|O", "fortran_order": False, "shape": ()}
        )
        file.write(payload)


def test_round_trip_of_np_save(tmp_path, nested):
    path = tmp_path / "data.npy"
    np.save(path, nested)
    assert_same(load_pickled_npy(path), nested)


def test_loads_files_written_with_numpy_1_names(tmp_path, nested):
    # NumPy 1 pickles name numpy.core.multiarray; protocol 2 also stores bytes via _codecs.
    payload = pickle.dumps(np.asanyarray(nested), protocol=2)
    assert b"numpy._core." in payload
    payload = payload.replace(b"numpy._core.", b"numpy.core.")
    path = tmp_path / "old.npy"
    write_npy_with_pickle(path, payload)
    assert_same(load_pickled_npy(path), nested)


@pytest.mark.parametrize("protocol", [3, 5])
def test_other_pickle_protocols(tmp_path, nested, protocol):
    path = tmp_path / "data.npy"
    write_npy_with_pickle(path, pickle.dumps(np.asanyarray(nested), protocol=protocol))
    assert_same(load_pickled_npy(path), nested)


def test_plain_array_loads_without_pickle(tmp_path, rng):
    array = rng.normal(size=(5, 3))
    np.save(tmp_path / "plain.npy", array)
    loaded = load_pickled_npy(tmp_path / "plain.npy")
    np.testing.assert_array_equal(loaded, array)


def test_object_array_that_is_not_0d_is_returned_as_array(tmp_path):
    array = np.empty(2, dtype=object)
    array[:] = [{"a": 1}, [2]]
    np.save(tmp_path / "objects.npy", array, allow_pickle=True)
    loaded = load_pickled_npy(tmp_path / "objects.npy")
    assert loaded.shape == (2,)
    assert loaded[0] == {"a": 1}


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_refuses_code_execution(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npy"
    np.save(path, np.asanyarray({"embeddings": _Exploit(marker)}), allow_pickle=True)

    with pytest.raises(
        UnsafePickleError, match=r"Expected only NumPy arrays .* refers to \w+\.system"
    ):
        load_pickled_npy(path)
    assert not marker.exists()

    # The crafted file is live: the unrestricted loader runs its command.
    np.load(path, allow_pickle=True)
    assert marker.exists()


def test_refusal_is_an_unpickling_error_and_a_value_error():
    assert issubclass(UnsafePickleError, pickle.UnpicklingError)
    assert issubclass(UnsafePickleError, ValueError)


def test_refuses_globals_beyond_the_allow_list(tmp_path):
    path = tmp_path / "getattr.npy"
    write_npy_with_pickle(path, b"cbuiltins\ngetattr\n.")
    with pytest.raises(UnsafePickleError, match="refers to builtins.getattr"):
        load_pickled_npy(path)


def test_garbage_file(tmp_path):
    path = tmp_path / "garbage.npy"
    path.write_bytes(b"this is not a numpy file at all")
    with pytest.raises(ValueError, match="Expected a .npy file in .*, but the magic string"):
        load_pickled_npy(path)


def test_truncated_pickle(tmp_path, nested):
    path = tmp_path / "truncated.npy"
    np.save(path, nested)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        ValueError, match="Expected a complete pickled object in .*, but unpickling"
    ):
        load_pickled_npy(path)


def test_truncated_plain_array(tmp_path, rng):
    path = tmp_path / "plain.npy"
    np.save(path, rng.normal(size=(50, 3)))
    data = path.read_bytes()
    path.write_bytes(data[:-40])
    with pytest.raises(ValueError, match="Expected a complete .npy file in .*, but got 1160 bytes"):
        load_pickled_npy(path)


def test_truncated_header(tmp_path):
    path = tmp_path / "header.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00\x76\x00{'descr'")
    with pytest.raises(ValueError, match="Expected a valid .npy header in"):
        load_pickled_npy(path)


def test_unsupported_format_version(tmp_path):
    path = tmp_path / "v9.npy"
    path.write_bytes(b"\x93NUMPY\x09\x00" + b" " * 20)
    with pytest.raises(ValueError, match="Expected .npy format version 1.0 or 2.0 .*, but got 9.0"):
        load_pickled_npy(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_pickled_npy(tmp_path / "missing.npy")
