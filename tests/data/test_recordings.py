import re

import numpy as np
import pytest

from bams.data import Recordings, as_recordings


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
