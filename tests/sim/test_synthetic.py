import re

import numpy as np
import pytest

from bams.data import Recordings
from bams.sim.synthetic import ACTION_NAMES, N_CLASSES, N_MIXED_FEATURES, N_STATES, make_synthetic


@pytest.fixture(scope="module")
def synthetic():
    return make_synthetic(n_recordings=12, n_frames=600, seed=3)


def run_lengths(states: np.ndarray) -> np.ndarray:
    changes = np.flatnonzero(np.diff(states)) + 1
    return np.diff(np.concatenate([[0], changes, [len(states)]]))


def assert_identical(a: Recordings, b: Recordings) -> None:
    assert a.ids == b.ids
    for x, y in zip(a.sequences, b.sequences, strict=True):
        np.testing.assert_array_equal(x, y)  # NaN positions must match too
    for x, y in zip(a.frame_labels["state"], b.frame_labels["state"], strict=True):
        np.testing.assert_array_equal(x, y)
    for name in ("class", "style"):
        np.testing.assert_array_equal(a.sequence_labels[name], b.sequence_labels[name])


# ---------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_data():
    assert_identical(
        make_synthetic(n_recordings=3, n_frames=200, seed=7),
        make_synthetic(n_recordings=3, n_frames=200, seed=7),
    )


def test_different_seeds_give_different_data():
    a = make_synthetic(n_recordings=3, n_frames=200, seed=1)
    b = make_synthetic(n_recordings=3, n_frames=200, seed=2)
    for x, y in zip(a.sequences, b.sequences, strict=True):
        assert not np.allclose(np.nan_to_num(x), np.nan_to_num(y))
    assert not np.array_equal(a.sequence_labels["style"], b.sequence_labels["style"])


# ---------------------------------------------------------------------- structure
def test_shapes_names_and_labels(synthetic):
    assert len(synthetic) == 12
    assert synthetic.n_features == N_MIXED_FEATURES + len(ACTION_NAMES) == 16
    assert synthetic.feature_names[:2] == ["mix0", "mix1"]
    assert synthetic.actions == ACTION_NAMES
    assert synthetic.feature_names[-4:] == ACTION_NAMES
    assert synthetic.frame_rate == 30.0
    assert synthetic.ids[0] == "rec0000"
    assert synthetic.lengths.tolist() == [600] * 12
    assert sorted(synthetic.sequence_labels) == ["class", "style"]
    assert sorted(synthetic.frame_labels) == ["state"]
    for x, state in zip(synthetic.sequences, synthetic.frame_labels["state"], strict=True):
        assert x.dtype == np.float32
        assert x.shape == (600, 16)
        assert state.shape == (600,)
        assert state.dtype == np.int64
        assert set(np.unique(state)) <= set(range(N_STATES))


def test_sequence_labels_ranges(synthetic):
    classes = synthetic.sequence_labels["class"]
    styles = synthetic.sequence_labels["style"]
    assert classes.dtype == np.int64
    assert set(classes.tolist()) <= set(range(N_CLASSES))
    assert styles.shape == (12,)
    assert np.all((styles >= -1) & (styles <= 1))


def test_features_are_finite_and_bounded(synthetic):
    for x in synthetic.sequences:
        observed = x[~np.isnan(x)]
        assert np.isfinite(observed).all()
        # Mixed features are tanh(...) plus noise of std 0.3.
        mixed = x[:, :N_MIXED_FEATURES]
        assert np.nanmax(np.abs(mixed)) < 1 + 8 * 0.3


def test_length_range():
    data = make_synthetic(n_recordings=20, n_frames=(50, 80), seed=0)
    lengths = data.lengths
    assert lengths.min() >= 50
    assert lengths.max() <= 80
    assert len(set(lengths.tolist())) > 1


def test_minimum_length():
    data = make_synthetic(n_recordings=2, n_frames=2, seed=0)
    assert data.lengths.tolist() == [2, 2]


# ---------------------------------------------------------------------- dwell times
@pytest.mark.parametrize("frame_rate", [30.0, 10.0])
def test_state_dwell_times_are_half_a_second_to_two_seconds(frame_rate):
    data = make_synthetic(n_recordings=8, n_frames=int(40 * frame_rate), frame_rate=frame_rate)
    low, high = round(0.5 * frame_rate), round(2.0 * frame_rate)
    for state in data.frame_labels["state"]:
        runs = run_lengths(state)
        assert len(runs) > 5
        # The last run may be cut short by the end of the recording.
        assert runs[:-1].min() >= low
        assert runs.max() <= high


def test_consecutive_states_differ(synthetic):
    for state in synthetic.frame_labels["state"]:
        runs = run_lengths(state)
        assert runs.sum() == len(state)
        starts = np.concatenate([[0], np.cumsum(runs)[:-1]])
        assert np.all(np.diff(state[starts]) != 0)


def test_high_style_switches_more_often():
    data = make_synthetic(n_recordings=30, n_frames=600, seed=1)
    styles = data.sequence_labels["style"]
    mean_dwell = [run_lengths(s)[:-1].mean() for s in data.frame_labels["state"]]
    assert np.corrcoef(styles, mean_dwell)[0, 1] < -0.8


# ---------------------------------------------------------------------- missing values
def test_missing_values_present(synthetic):
    missing = np.concatenate([np.isnan(x) for x in synthetic.sequences])
    assert missing.any()
    assert missing.mean() < 0.2
    # Whole-frame gaps as well as scattered single values.
    assert missing.all(axis=1).any()
    partial = missing.any(axis=1) & ~missing.all(axis=1)
    assert partial.any()


def test_no_missing_values_when_rate_is_zero():
    data = make_synthetic(n_recordings=3, n_frames=300, missing_rate=0.0, seed=0)
    assert not any(np.isnan(x).any() for x in data.sequences)


def test_extreme_missing_rate_keeps_recordings_valid():
    data = make_synthetic(n_recordings=2, n_frames=20, missing_rate=1.0, seed=0)
    for x in data.sequences:
        assert not np.isnan(x).all()


def test_more_noise_is_noisier():
    quiet = make_synthetic(n_recordings=2, n_frames=300, noise=0.0, missing_rate=0.0, seed=4)
    loud = make_synthetic(n_recordings=2, n_frames=300, noise=1.0, missing_rate=0.0, seed=4)
    for q, n in zip(quiet.sequences, loud.sequences, strict=True):
        assert np.abs(np.diff(q[:, 0])).mean() < np.abs(np.diff(n[:, 0])).mean()


# ---------------------------------------------------------------------- invalid arguments
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_recordings": 0}, "Expected n_recordings >= 1, but got 0."),
        ({"n_frames": 1}, "Expected 2 <= n_frames (min <= max), but got 1."),
        ({"n_frames": (100, 50)}, "Expected 2 <= n_frames (min <= max), but got (100, 50)."),
        ({"n_frames": (0, 50)}, "Expected 2 <= n_frames (min <= max), but got (0, 50)."),
        ({"frame_rate": 0.0}, "Expected frame_rate > 0, but got 0.0."),
        ({"frame_rate": -30.0}, "Expected frame_rate > 0, but got -30.0."),
        ({"frame_rate": float("inf")}, "Expected frame_rate > 0, but got inf."),
        ({"noise": -0.1}, "Expected noise >= 0, but got -0.1."),
        ({"missing_rate": -0.01}, "Expected 0 <= missing_rate <= 1, but got -0.01."),
        ({"missing_rate": 1.5}, "Expected 0 <= missing_rate <= 1, but got 1.5."),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_synthetic(**{"n_recordings": 2, "n_frames": 50, **kwargs})
