import os
import re

import numpy as np
import pytest
from data_helpers import assert_same_recordings

from bams.data import FORMAT_VERSION, Recordings, atomic_savez
from bams.data import npz as npz_module


def test_save_load_round_trip(recordings, tmp_path):
    path = recordings.save(tmp_path / "data.npz")
    assert path == tmp_path / "data.npz"
    assert_same_recordings(recordings, Recordings.load(path))


def test_round_trip_of_a_single_recording_without_optional_fields(rng, tmp_path):
    data = Recordings([rng.normal(size=(5, 2))])
    loaded = Recordings.load(data.save(tmp_path / "one.npz"))
    assert_same_recordings(data, loaded)
    assert loaded.groups is None


def test_save_adds_the_npz_suffix_and_creates_folders(recordings, tmp_path):
    path = recordings.save(tmp_path / "new" / "dir" / "data")
    assert path == tmp_path / "new" / "dir" / "data.npz"
    assert path.is_file()
    assert_same_recordings(recordings, Recordings.load(str(path)))


def test_save_replaces_an_existing_file(recordings, tmp_path):
    path = tmp_path / "data.npz"
    recordings.subset([0]).save(path)
    recordings.save(path)
    assert len(Recordings.load(path)) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.npz"]


def test_failed_save_keeps_the_old_file_and_leaves_no_temporary(recordings, tmp_path, monkeypatch):
    path = recordings.subset([1]).save(tmp_path / "data.npz")
    before = path.read_bytes()

    def broken_savez(handle, **arrays):
        handle.write(b"partial garbage")
        raise OSError("disk full")

    monkeypatch.setattr(npz_module.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        recordings.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["data.npz"]


def test_atomic_savez_writes_uncompressed_arrays(tmp_path):
    path = atomic_savez(tmp_path / "arrays", {"a": np.arange(3), "b": np.eye(2)})
    assert path.name == "arrays.npz"
    with np.load(path) as npz:
        np.testing.assert_array_equal(npz["a"], [0, 1, 2])
        np.testing.assert_array_equal(npz["b"], np.eye(2))


def test_load_missing_file(tmp_path):
    path = tmp_path / "nope.npz"
    with pytest.raises(
        FileNotFoundError, match=re.escape(f"Expected a recordings file, but {str(path)!r}")
    ):
        Recordings.load(path)


def test_load_unreadable_file(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"this is not a zip file")
    # Random bytes are not a zip archive (numpy would take them for a pickle and say so).
    with pytest.raises(ValueError, match=r"Expected a recordings file \(a .npz archive\), but"):
        Recordings.load(path)


def test_load_rejects_pickled_content(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, data=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="holds pickled \\(object\\) arrays, which are never"):
        Recordings.load(path)


def test_load_missing_keys(tmp_path):
    path = tmp_path / "partial.npz"
    np.savez(path, data=np.zeros((3, 2)), lengths=np.array([3]))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Expected a recordings file with keys ['feature_names', 'frame_rate', 'ids']"
        ),
    ):
        Recordings.load(path)


def _valid_content(**changes):
    content = {
        "format_version": np.array(FORMAT_VERSION),
        "data": np.zeros((5, 2), dtype=np.float32),
        "lengths": np.array([2, 3]),
        "feature_names": np.array(["a", "b"]),
        "frame_rate": np.array(30.0),
        "ids": np.array(["r0", "r1"]),
    }
    content.update(changes)
    return content


def test_load_minimal_valid_file(tmp_path):
    path = tmp_path / "ok.npz"
    np.savez(path, **_valid_content())
    data = Recordings.load(path)
    assert data.lengths.tolist() == [2, 3]
    assert data.actions == ["a", "b"]
    assert data.ids == ["r0", "r1"]


def test_load_newer_format_version(tmp_path):
    path = tmp_path / "new.npz"
    np.savez(path, **_valid_content(format_version=np.array(FORMAT_VERSION + 1)))
    with pytest.raises(
        ValueError,
        match=re.escape(f"Expected format version <= {FORMAT_VERSION}, but {str(path)!r} has"),
    ):
        Recordings.load(path)


@pytest.mark.parametrize(
    "lengths", [np.array([2.0, 3.0]), np.array([6, -1]), np.array([[2, 3]])], ids=str
)
def test_load_invalid_lengths(tmp_path, lengths):
    path = tmp_path / "bad.npz"
    np.savez(path, **_valid_content(lengths=lengths))
    with pytest.raises(ValueError, match="Expected non-negative integer lengths, but got"):
        Recordings.load(path)


@pytest.mark.parametrize("data", [np.zeros((4, 2)), np.zeros(5)], ids=["rows", "ndim"])
def test_load_data_not_matching_lengths(tmp_path, data):
    path = tmp_path / "bad.npz"
    np.savez(path, **_valid_content(data=data))
    with pytest.raises(
        ValueError, match=re.escape("Expected data with sum(lengths) = 5 rows, but got shape")
    ):
        Recordings.load(path)


def test_load_frame_label_of_wrong_length(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, **_valid_content(**{"frame_labels/state": np.zeros(4)}))
    with pytest.raises(
        ValueError,
        match=re.escape("Expected 'frame_labels/state' with 5 frames, but got shape (4,)."),
    ):
        Recordings.load(path)


def test_load_validates_content_like_the_constructor(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, **_valid_content(ids=np.array(["r0", "r0"]), frame_rate=np.array(0.0)))
    with pytest.raises(ValueError, match="Invalid recordings") as info:
        Recordings.load(path)
    assert "Expected unique ids, but got duplicates ['r0']." in str(info.value)
    assert "Expected a positive frame_rate, but got 0.0." in str(info.value)


def test_saved_files_get_the_permissions_of_normal_files(recordings, tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        path = recordings.save(tmp_path / "data.npz")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644
