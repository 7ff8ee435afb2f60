import re

import numpy as np
import pytest
import torch

from bams import preprocessing
from bams.data import Recordings
from bams.preprocessing import Preprocessor


@pytest.fixture
def train(rng):
    """Two recordings with very different feature scales, an outlier and missing values."""
    a = np.column_stack([rng.normal(5.0, 2.0, 400), rng.normal(-1.0, 0.01, 400), rng.random(400)])
    b = np.column_stack([rng.normal(5.0, 2.0, 300), rng.normal(-1.0, 0.01, 300), rng.random(300)])
    a[10, 0] = 1e6  # a keypoint jump must not set the scale
    a[20:25, 1] = np.nan
    b[5, :] = np.nan
    return Recordings([a, b], feature_names=["x", "y", "z"], actions=["z", "x"])


def test_fit_learns_robust_statistics(train):
    prep = Preprocessor(n_bins=4).fit(train)
    frames = np.concatenate(train.sequences)
    q25, median, q75 = np.nanpercentile(frames, [25, 50, 75], axis=0)
    np.testing.assert_allclose(prep.center_, median, rtol=1e-6)
    np.testing.assert_allclose(prep.scale_, (q75 - q25) / 1.349, rtol=1e-5)
    # The 1e6 outlier barely moves the robust scale of feature x (std of about 2).
    assert 1.5 < prep.scale_[0] < 2.5
    assert prep.center_.dtype == prep.scale_.dtype == np.float32
    assert prep.feature_names_ == ["x", "y", "z"]
    assert prep.action_names_ == ["z", "x"]
    np.testing.assert_array_equal(prep.action_indices_, [2, 0])
    assert prep.n_inputs == 4
    assert prep.n_actions == 2


def test_fit_returns_self(train):
    prep = Preprocessor()
    assert prep.fit(train) is prep


def test_init_only_stores_arguments():
    prep = Preprocessor(n_bins=1, quantiles=(90, 10))  # invalid, but only checked in fit
    assert prep.n_bins == 1
    assert prep.quantiles == (90, 10)
    assert not hasattr(prep, "center_")


def test_transformed_training_features_are_centered_and_scaled(train):
    prep = Preprocessor().fit(train)
    out = np.concatenate([prep.transform_inputs(x) for x in train.sequences])
    features = out[:, :-1]
    valid = out[:, -1] == 1
    median = np.median(features[valid], axis=0)
    q25, q75 = np.percentile(features[valid], [25, 75], axis=0)
    np.testing.assert_allclose(median, 0.0, atol=0.05)
    np.testing.assert_allclose(q75 - q25, 1.349, rtol=0.05)


def test_transform_inputs_handles_missing_values(train):
    prep = Preprocessor().fit(train)
    x = np.array([[5.0, -1.0, 0.5], [np.nan, -1.0, 0.5], [np.nan] * 3, [7.0, -0.99, 0.2]])
    out = prep.transform_inputs(x.astype(np.float32))
    assert out.shape == (4, 4)
    assert out.dtype == np.float32
    assert not np.isnan(out).any()
    np.testing.assert_array_equal(out[:, -1], [1, 0, 0, 1])
    np.testing.assert_array_equal(out[2, :-1], 0.0)
    assert out[1, 0] == 0.0
    expected = (x[[0, 3]] - prep.center_) / prep.scale_
    np.testing.assert_allclose(out[[0, 3], :-1], expected, rtol=1e-5)
    np.testing.assert_allclose(out[1, 1:3], expected[0, 1:3], rtol=1e-5)


def test_transform_uses_training_statistics_only(train, rng):
    prep = Preprocessor().fit(train)
    center, scale = prep.center_.copy(), prep.scale_.copy()
    test = rng.normal(100.0, 50.0, size=(50, 3)).astype(np.float32)
    out = prep.transform_inputs(test)
    np.testing.assert_array_equal(prep.center_, center)
    np.testing.assert_array_equal(prep.scale_, scale)
    np.testing.assert_allclose(out[:, :-1], (test - center) / scale, rtol=1e-5)


def test_constant_feature_falls_back_to_std_then_one():
    # Feature 0 is mostly constant (IQR 0, std > 0); feature 1 is exactly constant.
    x = np.zeros((100, 2))
    x[:3, 0] = [10.0, -10.0, 10.0]
    x[:, 1] = 3.0
    prep = Preprocessor().fit(Recordings([x]))
    np.testing.assert_allclose(prep.scale_[0], np.std(x[:, 0]), rtol=1e-5)
    assert prep.scale_[1] == 1.0
    out = prep.transform_inputs(x.astype(np.float32))
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 1], 0.0)


# ---------------------------------------------------------------------- quantization
def test_docstring_example():
    data = Recordings([np.arange(20.0).reshape(10, 2)], actions=["f1"])
    prep = Preprocessor(n_bins=4).fit(data)
    assert prep.quantize_actions(data.sequences[0])[:, 0].tolist() == [0, 0, 0, 1, 1, 2, 2, 3, 3, 3]


def test_quantize_equal_bins_between_quantiles():
    values = np.linspace(0.0, 10.0, 101)
    data = Recordings([values[:, None]])
    prep = Preprocessor(n_bins=5, quantiles=(0, 100)).fit(data)
    np.testing.assert_allclose(prep.bin_low_, [0.0])
    np.testing.assert_allclose(prep.bin_width_, [2.0])
    x = np.array([[-5.0], [0.0], [1.99], [2.01], [5.0], [9.99], [10.0], [50.0], [np.nan]])
    bins = prep.quantize_actions(x)
    assert bins.dtype == np.int16
    assert bins.shape == (9, 1)
    # Beyond the range -> end bins; NaN -> -1.
    assert bins[:, 0].tolist() == [0, 0, 0, 1, 2, 4, 4, 4, -1]


def test_quantize_uses_the_requested_percentiles(rng):
    values = rng.normal(size=(2000, 1))
    prep = Preprocessor(n_bins=10, quantiles=(5, 95)).fit(Recordings([values]))
    lo, hi = np.percentile(values[:, 0], [5, 95])
    np.testing.assert_allclose(prep.bin_low_, [lo])
    np.testing.assert_allclose(prep.bin_width_, [(hi - lo) / 10])
    counts = np.bincount(prep.quantize_actions(values)[:, 0], minlength=10)
    # End bins collect the 5 % tails; inner bins are equally wide.
    assert counts[0] > 100 and counts[-1] > 100
    assert counts.sum() == 2000


def test_quantize_selects_action_columns_in_order(train):
    prep = Preprocessor(n_bins=8).fit(train)
    x = train.sequences[0]
    bins = prep.quantize_actions(x)
    assert bins.shape == (len(x), 2)
    single = Preprocessor(n_bins=8).fit(
        Recordings(train.sequences, feature_names=["x", "y", "z"], actions=["z"])
    )
    np.testing.assert_array_equal(bins[:, 0], single.quantize_actions(x)[:, 0])
    assert bins.min() >= -1 and bins.max() <= 7


def test_constant_action_gets_a_valid_range():
    prep = Preprocessor(n_bins=4).fit(Recordings([np.full((10, 1), 2.0)]))
    assert prep.bin_width_[0] > 0
    bins = prep.quantize_actions(np.array([[2.0], [1.0], [3.0], [np.nan]]))
    assert bins[:, 0].tolist() == [0, 0, 3, -1]


def test_missing_action_values_are_minus_one(train):
    prep = Preprocessor(n_bins=4).fit(train)
    bins = prep.quantize_actions(train.sequences[1])
    assert (bins[5] == -1).all()
    assert (np.delete(bins, 5, axis=0) >= 0).all()


# ---------------------------------------------------------------------- fit errors
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_bins": 1}, "Expected n_bins >= 2, but got 1."),
        ({"quantiles": (50, 50)}, "Expected quantiles 0 <= low < high <= 100, but got (50, 50)."),
        ({"quantiles": (-1, 99)}, "Expected quantiles 0 <= low < high <= 100, but got (-1, 99)."),
        ({"quantiles": (1, 101)}, "Expected quantiles 0 <= low < high <= 100, but got (1, 101)."),
        ({"quantiles": (90, 10)}, "Expected quantiles 0 <= low < high <= 100, but got (90, 10)."),
    ],
)
def test_fit_rejects_invalid_parameters(train, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Preprocessor(**kwargs).fit(train)


def test_fit_rejects_a_feature_never_observed():
    x = np.column_stack([np.arange(5.0), np.full(5, np.nan)])
    data = Recordings([x, x], feature_names=["ok", "gone"])
    with pytest.raises(
        ValueError,
        match=re.escape("Expected every feature to be observed somewhere, but ['gone'] never is."),
    ):
        Preprocessor().fit(data)


def test_check_compatible(train):
    prep = Preprocessor().fit(train)
    prep.check_compatible(train.subset([1]))
    other = Recordings(train.sequences, feature_names=["x", "z", "y"])
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Expected the features the model was trained on ['x', 'y', 'z'], "
            "but got ['x', 'z', 'y']."
        ),
    ):
        prep.check_compatible(other)


# ---------------------------------------------------------------------- persistence
def test_state_dict_round_trip(train, tmp_path):
    prep = Preprocessor(n_bins=6, quantiles=(1.0, 99.0)).fit(train)
    path = tmp_path / "prep.pt"
    torch.save(prep.state_dict(), path)
    restored = Preprocessor.from_state_dict(torch.load(path, weights_only=True))
    assert restored.n_bins == 6
    assert restored.quantiles == (1.0, 99.0)
    assert restored.feature_names_ == prep.feature_names_
    assert restored.action_names_ == prep.action_names_
    for name in ("action_indices_", "center_", "scale_", "bin_low_", "bin_width_"):
        np.testing.assert_array_equal(getattr(restored, name), getattr(prep, name))
    for x in train.sequences:
        np.testing.assert_array_equal(restored.transform_inputs(x), prep.transform_inputs(x))
        np.testing.assert_array_equal(restored.quantize_actions(x), prep.quantize_actions(x))


def test_state_dict_is_plain(train):
    state = Preprocessor().fit(train).state_dict()
    assert set(state) == {
        "n_bins",
        "quantiles",
        "feature_names",
        "action_names",
        "action_indices",
        "center",
        "scale",
        "bin_low",
        "bin_width",
        "optional_features",
        "optional",
    }
    allowed = (int, float, str, list, torch.Tensor)
    assert all(isinstance(v, allowed) for v in state.values())


# ---------------------------------------------------------------------- large data
def test_statistics_from_a_deterministic_subsample(rng, monkeypatch):
    monkeypatch.setattr(preprocessing, "_MAX_STAT_FRAMES", 50)
    sequences = [rng.normal(size=(n, 2)) + 10 * i for i, n in enumerate([40, 30, 60])]
    data = Recordings(sequences)
    sample = preprocessing._sample_frames(data)
    assert sample.shape == (50, 2)
    rows = {tuple(r) for r in np.concatenate(data.sequences)}
    assert all(tuple(r) in rows for r in sample)
    assert len({tuple(r) for r in sample}) == 50  # drawn without replacement
    np.testing.assert_array_equal(sample, preprocessing._sample_frames(data))
    a = Preprocessor().fit(data)
    b = Preprocessor().fit(data)
    np.testing.assert_array_equal(a.center_, b.center_)
    np.testing.assert_allclose(a.center_, np.median(sample, axis=0), rtol=1e-6)


def test_large_data_are_sampled_in_runs_of_consecutive_frames(monkeypatch):
    monkeypatch.setattr(preprocessing, "_MAX_STAT_FRAMES", 640)
    # Feature 0 numbers every frame of every recording: runs show as steps of 1.
    lengths = [1000, 130, 5000, 64]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    data = Recordings(
        [(o + np.arange(n, dtype=float))[:, None] for o, n in zip(offsets, lengths, strict=True)]
    )
    sample = preprocessing._sample_frames(data)[:, 0].astype(int)
    assert len(sample) == 640 == len(set(sample))
    runs = sample.reshape(10, 64)
    assert np.all(np.diff(runs, axis=1) == 1)  # 10 runs of 64 consecutive frames ...
    owner = np.searchsorted(np.cumsum(lengths), runs, side="right")
    assert np.all(owner == owner[:, :1])  # ... each inside one recording ...
    assert np.all((runs[:, 0] - offsets[owner[:, 0]]) % 64 == 0)  # ... on aligned slots
    np.testing.assert_array_equal(sample, preprocessing._sample_frames(data)[:, 0])


def test_small_data_uses_every_frame(train):
    sample = preprocessing._sample_frames(train)
    np.testing.assert_array_equal(sample, np.concatenate(train.sequences))


def _with_missing_neighbor() -> Recordings:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    x[10:20, 2] = np.nan  # the optional feature, missing for 10 frames
    x[30, 0] = np.nan  # a required feature, missing once
    return Recordings([x], feature_names=["speed", "turn", "neighbor1_distance"], actions=["speed"])


def test_an_optional_feature_missing_leaves_the_frame_valid():
    data = _with_missing_neighbor()
    prep = Preprocessor(n_bins=4, optional_features=["neighbor*"]).fit(data)
    out = prep.transform_inputs(data.sequences[0])
    assert prep.n_inputs == out.shape[1] == 3 + 1 + 1
    observed, valid = out[:, 3], out[:, 4]
    assert observed[10:20].tolist() == [0.0] * 10 and observed[:10].all()
    assert valid[10:20].all()  # the neighbour alone does not invalidate the frame
    assert valid[30] == 0 and valid.sum() == 49
    assert not np.isnan(out).any()


def test_without_optional_features_every_feature_is_required():
    data = _with_missing_neighbor()
    out = Preprocessor(n_bins=4).fit(data).transform_inputs(data.sequences[0])
    assert out.shape[1] == 4
    assert out[10:20, -1].sum() == 0 and out[:, -1].sum() == 39


def test_an_optional_pattern_that_matches_nothing_is_refused():
    with pytest.raises(ValueError, match="'paw\\*' matches none"):
        Preprocessor(optional_features=["paw*"]).fit(_with_missing_neighbor())


def test_optional_features_survive_the_state_dict():
    data = _with_missing_neighbor()
    prep = Preprocessor(n_bins=4, optional_features=["neighbor*"]).fit(data)
    again = Preprocessor.from_state_dict(prep.state_dict())
    np.testing.assert_array_equal(
        again.transform_inputs(data.sequences[0]), prep.transform_inputs(data.sequences[0])
    )


def test_a_state_dict_from_before_optional_features_still_loads():
    data = _with_missing_neighbor()
    state = Preprocessor(n_bins=4).fit(data).state_dict()
    del state["optional"], state["optional_features"]
    assert Preprocessor.from_state_dict(state).n_inputs == 4


def test_the_estimator_trains_and_embeds_with_an_optional_feature(tiny_params, small_data):
    from bams import BAMS

    sequences = [s.copy() for s in small_data.sequences]
    for s in sequences:
        s[50:150, -1] = np.nan  # the last feature is missing in half of every recording
    data = Recordings(sequences, feature_names=small_data.feature_names, actions=small_data.actions)
    last = data.feature_names[-1]
    model = BAMS(**{**tiny_params, "optional_features": [last]}).fit(data)
    assert model.preprocessor_.n_inputs == len(data.feature_names) + 2
    embedded = model.transform(data)
    assert all(np.isfinite(e["short_term"]).all() for e in embedded)
    assert model.get_config().model.optional_features == [last]
