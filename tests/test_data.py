import os
import re

import numpy as np
import pytest

from bams import data as data_module
from bams.data import FORMAT_VERSION, Recordings, as_recordings, atomic_savez


@pytest.fixture
def recordings(rng):
    """Three recordings of different lengths with every optional field filled in."""
    lengths = [12, 7, 9]
    sequences = [rng.normal(size=(n, 3)) for n in lengths]
    sequences[1][2, 0] = np.nan
    return Recordings(
        sequences,
        feature_names=["x", "y", "speed"],
        actions=["speed", "x"],
        frame_rate=25.0,
        ids=["a", "b", "c"],
        groups=["g1", "g1", "g2"],
        frame_labels={
            "state": [rng.integers(0, 3, size=n) for n in lengths],
            "score": [rng.normal(size=n) for n in lengths],
            "name": [np.array(["walk"] * n) for n in lengths],
        },
        sequence_labels={
            "strain": np.array(["wt", "ko", "wt"]),
            "age": np.array([1.5, 2.0, np.nan]),
        },
    )


def assert_same_recordings(a: Recordings, b: Recordings) -> None:
    assert len(a) == len(b)
    for x, y in zip(a.sequences, b.sequences, strict=True):
        assert x.dtype == y.dtype == np.float32
        np.testing.assert_array_equal(x, y)
    assert a.feature_names == b.feature_names
    assert a.actions == b.actions
    assert a.frame_rate == b.frame_rate
    assert a.ids == b.ids
    assert a.groups == b.groups
    assert sorted(a.frame_labels) == sorted(b.frame_labels)
    for name, values in a.frame_labels.items():
        for x, y in zip(values, b.frame_labels[name], strict=True):
            np.testing.assert_array_equal(x, y)
    assert sorted(a.sequence_labels) == sorted(b.sequence_labels)
    for name, values in a.sequence_labels.items():
        np.testing.assert_array_equal(values, b.sequence_labels[name])


# ---------------------------------------------------------------------- construction
def test_defaults_for_names_actions_and_ids(rng):
    data = Recordings([rng.normal(size=(5, 3)), rng.normal(size=(4, 3))])
    assert data.feature_names == ["f0", "f1", "f2"]
    assert data.actions == ["f0", "f1", "f2"]
    assert data.ids == ["0", "1"]
    assert data.groups is None
    assert data.frame_labels == {}
    assert data.sequence_labels == {}
    assert data.frame_rate == 30.0


def test_properties(recordings):
    assert len(recordings) == 3
    assert recordings.n_features == 3
    assert recordings.lengths.tolist() == [12, 7, 9]
    assert recordings.lengths.dtype == np.int64
    assert recordings.total_frames == 28
    np.testing.assert_array_equal(recordings.action_indices, [2, 0])


def test_sequences_are_contiguous_float32():
    data = Recordings([np.arange(12, dtype=np.int64).reshape(4, 3)[:, ::-1]])
    seq = data.sequences[0]
    assert seq.dtype == np.float32
    assert seq.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(seq, [[2, 1, 0], [5, 4, 3], [8, 7, 6], [11, 10, 9]])


def test_accepts_bool_and_nested_lists():
    data = Recordings([[[True, False], [False, True]]])
    np.testing.assert_array_equal(data.sequences[0], [[1, 0], [0, 1]])


def test_repr_mentions_sizes(recordings):
    text = repr(recordings)
    assert "n=3" in text
    assert "frames=28" in text
    assert "features=3" in text
    assert "actions=2" in text
    assert "frame_rate=25" in text


@pytest.mark.parametrize(
    ("sequences", "message"),
    [
        (np.zeros((2, 5, 3)), "Expected a list of (n_frames, n_features) arrays, but got ndarray"),
        ([], "Expected at least one recording, but got none."),
        ([np.array([["a", "b"]])], "recording 0: Expected a numeric array, but got dtype <U1."),
        ([np.zeros(5)], "recording 0: Expected shape (n_frames, n_features), but got (5,)."),
        (
            [np.zeros((5, 3)), np.zeros((5, 2))],
            "recording 1: Expected 3 features like recording 0, but got 2.",
        ),
        ([np.zeros((0, 3))], "recording 0: Expected a non-empty array, but got (0, 3)."),
        (
            [np.array([[0.0, np.inf]])],
            "recording 0: Expected finite values or NaN, but got infinities.",
        ),
        (
            [np.zeros((2, 2)), np.full((3, 2), np.nan)],
            "recording 1: Expected some observed values, but all are NaN.",
        ),
    ],
)
def test_invalid_sequences(sequences, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Recordings(sequences)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"feature_names": ["a", "b"]}, "Expected 3 feature_names, but got 2."),
        (
            {"feature_names": ["a", "b", "a"]},
            "Expected unique feature_names, but got duplicates ['a'].",
        ),
        (
            {"actions": ["f0", "zz"]},
            "Expected actions among the feature names, but got unknown ['zz'].",
        ),
        ({"actions": []}, "Expected at least one action feature, but got none."),
        ({"actions": ["f1", "f1"]}, "Expected unique actions, but got ['f1', 'f1']."),
        ({"frame_rate": 0}, "Expected a positive frame_rate, but got 0."),
        ({"frame_rate": -2.5}, "Expected a positive frame_rate, but got -2.5."),
        ({"frame_rate": float("nan")}, "Expected a positive frame_rate, but got nan."),
        ({"frame_rate": "fast"}, "Expected a positive frame_rate, but got 'fast'."),
        ({"frame_rate": None}, "Expected a positive frame_rate, but got None."),
        ({"ids": ["a"]}, "Expected 2 ids, but got 1."),
        ({"ids": ["a", "a"]}, "Expected unique ids, but got duplicates ['a']."),
        ({"groups": ["g"]}, "Expected 2 groups (one per recording), but got 1."),
    ],
)
def test_invalid_metadata(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Recordings([np.zeros((4, 3)), np.zeros((5, 3))], **kwargs)


@pytest.mark.parametrize(
    ("frame_labels", "message"),
    [
        (
            {"state": [np.zeros(4)]},
            "frame label 'state': Expected a list of 2 arrays (one per recording), but got 1.",
        ),
        (
            {"state": np.zeros((2, 4))},
            "frame label 'state': Expected a list of 2 arrays (one per recording), "
            "but got an array.",
        ),
        (
            {"state": [np.zeros(4), np.zeros(4)]},
            "frame label 'state', recording 1: Expected shape (5,), but got (4,).",
        ),
        (
            {"state": [np.zeros(4), np.array([1.0, np.inf, 0, 0, 0])]},
            "label 'state': Expected finite values or NaN, but got infinities.",
        ),
        (
            {"state": [np.zeros(4), np.array([None] * 5)]},
            "label 'state': Expected numbers, booleans or strings, but got dtype object.",
        ),
    ],
)
def test_invalid_frame_labels(frame_labels, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Recordings([np.zeros((4, 3)), np.zeros((5, 3))], frame_labels=frame_labels)


@pytest.mark.parametrize(
    ("sequence_labels", "message"),
    [
        (
            {"strain": np.array(["a"])},
            "sequence label 'strain': Expected shape (2,), but got (1,).",
        ),
        (
            {"strain": np.zeros((2, 1))},
            "sequence label 'strain': Expected shape (2,), but got (2, 1).",
        ),
        ({"age": np.array([1.0, -np.inf])}, "Expected finite values or NaN, but got infinities."),
        (
            {"obj": np.array([{}, {}], dtype=object)},
            "Expected numbers, booleans or strings, but got dtype object.",
        ),
    ],
)
def test_invalid_sequence_labels(sequence_labels, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Recordings([np.zeros((4, 3)), np.zeros((5, 3))], sequence_labels=sequence_labels)


def test_nan_labels_are_allowed():
    data = Recordings(
        [np.zeros((2, 1)), np.zeros((3, 1))],
        frame_labels={"score": [np.array([np.nan, 1.0]), np.full(3, np.nan)]},
        sequence_labels={"age": np.array([np.nan, 3.0])},
    )
    assert np.isnan(data.frame_labels["score"][1]).all()


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValueError) as info:
        Recordings(
            [np.zeros((4, 2)), np.array([[np.inf, 0.0]])],
            feature_names=["a", "a"],
            actions=["b"],
            frame_rate=-1,
            ids=["x"],
            groups=["g"],
            frame_labels={"state": [np.zeros(4), np.zeros(3)]},
            sequence_labels={"strain": np.array([1, 2, 3])},
        )
    message = str(info.value)
    assert message.startswith("Invalid recordings:\n- ")
    expected = [
        "recording 1: Expected finite values or NaN, but got infinities.",
        "Expected unique feature_names, but got duplicates ['a'].",
        "Expected actions among the feature names, but got unknown ['b'].",
        "Expected a positive frame_rate, but got -1.",
        "Expected 2 ids, but got 1.",
        "Expected 2 groups (one per recording), but got 1.",
        "frame label 'state', recording 1: Expected shape (1,), but got (3,).",
        "sequence label 'strain': Expected shape (2,), but got (3,).",
    ]
    for line in expected:
        assert line in message
    assert message.count("\n- ") == len(expected)


# ---------------------------------------------------------------------- from_arrays / as_recordings
def test_from_arrays_splits_a_3d_array(rng):
    arrays = rng.normal(size=(3, 6, 2))
    data = Recordings.from_arrays(arrays, frame_rate=10.0)
    assert data.lengths.tolist() == [6, 6, 6]
    assert data.frame_rate == 10.0
    for i in range(3):
        np.testing.assert_allclose(data.sequences[i], arrays[i].astype(np.float32))


def test_from_arrays_accepts_a_list_of_different_lengths(rng):
    data = Recordings.from_arrays((rng.normal(size=(4, 2)), rng.normal(size=(9, 2))))
    assert data.lengths.tolist() == [4, 9]


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4, 1)])
def test_from_arrays_rejects_wrong_ndim(shape):
    with pytest.raises(ValueError, match=re.escape(f"but got shape {shape}.")):
        Recordings.from_arrays(np.zeros(shape))


def test_as_recordings_passes_recordings_through(recordings):
    assert as_recordings(recordings) is recordings


def test_as_recordings_wraps_arrays(rng):
    arrays = rng.normal(size=(2, 5, 3))
    from_array = as_recordings(arrays)
    from_list = as_recordings(list(arrays))
    assert from_array.feature_names == from_list.feature_names == ["f0", "f1", "f2"]
    assert from_array.actions == ["f0", "f1", "f2"]
    for a, b in zip(from_array.sequences, from_list.sequences, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("value", "name"), [("abc", "str"), (3, "int"), ({"a": 1}, "dict")])
def test_as_recordings_rejects_other_types(value, name):
    with pytest.raises(TypeError, match=re.escape(f"but got {name}.")):
        as_recordings(value)


# ---------------------------------------------------------------------- subset
def test_subset_keeps_labels_aligned(recordings):
    sub = recordings.subset([2, 0])
    assert sub.ids == ["c", "a"]
    assert sub.groups == ["g2", "g1"]
    assert sub.lengths.tolist() == [9, 12]
    assert sub.feature_names == recordings.feature_names
    assert sub.actions == recordings.actions
    assert sub.frame_rate == recordings.frame_rate
    np.testing.assert_array_equal(sub.sequences[0], recordings.sequences[2])
    np.testing.assert_array_equal(sub.frame_labels["state"][1], recordings.frame_labels["state"][0])
    np.testing.assert_array_equal(sub.sequence_labels["strain"], ["wt", "wt"])
    np.testing.assert_array_equal(sub.sequence_labels["age"], [np.nan, 1.5])


def test_subset_accepts_integer_arrays(recordings):
    sub = recordings.subset(np.array([[1]]))
    assert sub.ids == ["b"]
    assert sub.sequence_labels["strain"].tolist() == ["ko"]


def test_subset_without_groups(rng):
    data = Recordings([rng.normal(size=(3, 1)) for _ in range(3)])
    assert data.subset([1]).groups is None


def test_empty_subset_is_rejected(recordings):
    with pytest.raises(ValueError, match="Expected at least one recording, but got none."):
        recordings.subset([])


def test_subset_does_not_modify_the_original(recordings):
    recordings.subset([0])
    assert len(recordings) == 3
    assert len(recordings.frame_labels["state"]) == 3


# ---------------------------------------------------------------------- save / load
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

    monkeypatch.setattr(data_module.np, "savez", broken_savez)
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
    with pytest.raises(ValueError, match="Expected a .npz recordings file, but could not read"):
        Recordings.load(path)


def test_load_rejects_pickled_content(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, data=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="Expected a .npz recordings file, but could not read"):
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
