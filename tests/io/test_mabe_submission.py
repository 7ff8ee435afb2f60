import numpy as np
import pytest

from bams import BAMS
from bams.data import Recordings
from bams.io.mabe import load_submission, validate_submission
from bams.io.mabe_submission import build_submission, write_submission


def clip_recordings(rng, animals=(3, 3, 2), length=20, n_features=4):
    """Recordings of a few clips, ``animals[i]`` animals in clip ``i``."""
    sequences, ids, groups = [], [], []
    for c, n in enumerate(animals):
        for a in range(n):
            sequences.append(rng.normal(size=(length, n_features)))
            ids.append(f"clip{c}/{a}")
            groups.append(f"clip{c}")
    return Recordings(sequences, ids=ids, groups=groups)


def embeddings_for(data, rng, dims=(3, 2)):
    return [
        {"short_term": rng.normal(size=(n, dims[0])), "long_term": rng.normal(size=(n, dims[1]))}
        for n in data.lengths
    ]


def test_group_embedding_is_mean_and_range_of_the_concatenated_latents(rng):
    data = clip_recordings(rng)
    embeddings = embeddings_for(data, rng)
    sub = build_submission(embeddings, data, standardize=False)
    assert sub["frame_number_map"] == {"clip0": (0, 20), "clip1": (20, 40), "clip2": (40, 60)}
    assert sub["embeddings"].shape == (60, 10) and sub["embeddings"].dtype == np.float32
    stack = np.stack(
        [np.concatenate([e["short_term"], e["long_term"]], 1) for e in embeddings[3:6]]
    )
    expected = np.concatenate([stack.mean(0), stack.max(0) - stack.min(0)], 1)
    np.testing.assert_allclose(sub["embeddings"][20:40], expected, rtol=1e-5, atol=1e-6)
    validate_submission(sub, {"clip0": 20, "clip1": 20, "clip2": 20}, max_dims=10)


def test_standardized_and_in_the_requested_clip_order(rng):
    data = clip_recordings(rng)
    sub = build_submission(embeddings_for(data, rng), data, clips=["clip2", "clip0"])
    assert sub["frame_number_map"] == {"clip2": (0, 20), "clip0": (20, 40)}
    np.testing.assert_allclose(sub["embeddings"].mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(sub["embeddings"].std(0), 1.0, atol=1e-4)


def test_clips_without_recordings_get_zeros_with_a_warning(rng):
    data = clip_recordings(rng)
    with pytest.warns(UserWarning, match="1 clips have no recordings"):
        sub = build_submission(
            embeddings_for(data, rng), data, clips={"clip0": 20, "gone": 7}, standardize=False
        )
    assert sub["frame_number_map"]["gone"] == (20, 27)
    assert not sub["embeddings"][20:].any()


def test_clips_laid_out_as_the_official_frame_map(rng):
    data = clip_recordings(rng)
    embeddings = embeddings_for(data, rng)
    official = {"clip1": (0, 20), "clip2": (20, 40), "clip0": (40, 60)}
    sub = build_submission(embeddings, data, frame_map=official, standardize=False)
    assert list(sub["frame_number_map"].items()) == list(official.items())
    by_order = build_submission(embeddings, data, clips=["clip0"], standardize=False)
    np.testing.assert_array_equal(sub["embeddings"][40:60], by_order["embeddings"])
    validate_submission(sub, frame_map=official, max_dims=10)


def test_a_clip_of_the_map_without_recordings_gets_zeros(rng):
    data = clip_recordings(rng)
    official = {"clip0": (0, 20), "gone": (20, 27), "clip1": (27, 47), "clip2": (47, 67)}
    with pytest.warns(UserWarning, match="1 clips have no recordings"):
        sub = build_submission(
            embeddings_for(data, rng), data, frame_map=official, standardize=False
        )
    assert sub["frame_number_map"] == official
    assert not sub["embeddings"][20:27].any()


def test_the_frame_map_must_fit_the_recordings(rng):
    data = clip_recordings(rng)
    embeddings = embeddings_for(data, rng)
    with pytest.raises(ValueError, match="Expected the recordings of clip 'clip1' to have 21"):
        build_submission(embeddings, data, frame_map={"clip0": (0, 20), "clip1": (20, 41)})
    with pytest.raises(ValueError, match="Expected either clips or a frame map, but got both"):
        build_submission(embeddings, data, clips=["clip0"], frame_map={"clip0": (0, 20)})
    with pytest.raises(ValueError, match=r"clip 'clip1' spans \(25, 45\) where frame 20 comes"):
        build_submission(embeddings, data, frame_map={"clip0": (0, 20), "clip1": (25, 45)})


def test_problems_are_reported(rng):
    data = clip_recordings(rng)
    embeddings = embeddings_for(data, rng)
    with pytest.raises(ValueError, match=r"Expected at most 8 embedding dimensions .* got 10"):
        build_submission(embeddings, data, max_dims=8)
    with pytest.raises(ValueError, match="Expected recordings of clip 'nope'"):
        build_submission(embeddings, data, clips=["nope"])
    with pytest.raises(ValueError, match="Expected the recordings of clip 'clip0' to have 25"):
        build_submission(embeddings, data, clips={"clip0": 25})
    with pytest.raises(ValueError, match=r"Expected one embedding per recording \(8\), but got 7"):
        build_submission(embeddings[:7], data)
    with pytest.raises(ValueError, match="Expected embeddings of shape .* clip 'clip0'"):
        build_submission([np.zeros((5, 2))] * 8, data)
    uneven = embeddings[:3] + embeddings_for(data, rng, dims=(1, 1))[3:]
    with pytest.raises(ValueError, match="Expected 10 embedding dimensions in every clip, but"):
        build_submission(uneven, data)
    with (
        pytest.raises(ValueError, match="Expected at least one clip with recordings"),
        pytest.warns(UserWarning),
    ):
        build_submission(embeddings, data, clips={"gone": 5})
    no_groups = Recordings(data.sequences)
    with pytest.raises(ValueError, match="Expected recordings with groups"):
        build_submission(embeddings, no_groups)


def test_write_is_atomic_and_passes_validation(tmp_path, rng):
    data = clip_recordings(rng)
    path = write_submission(tmp_path / "submission.npy", embeddings_for(data, rng), data)
    loaded = load_submission(path)
    validate_submission(loaded, {f"clip{i}": 20 for i in range(3)}, max_dims=128)
    assert [p.name for p in tmp_path.iterdir()] == ["submission.npy"]
    before = path.read_bytes()
    with pytest.raises(ValueError, match="Expected at most 4 embedding dimensions"):
        write_submission(path, embeddings_for(data, rng), data, max_dims=4)
    assert path.read_bytes() == before  # a failed write leaves the old file alone
    assert [p.name for p in tmp_path.iterdir()] == ["submission.npy"]


def test_write_refuses_other_suffixes_and_the_recordings_file(tmp_path, rng):
    data = clip_recordings(rng)
    with pytest.raises(ValueError, match=r"Expected a submission path ending in .npy, but got"):
        write_submission(tmp_path / "submission.npz", embeddings_for(data, rng), data)
    data.source = str(tmp_path / "features.npy")
    with pytest.raises(ValueError, match="Expected a submission path other than the recordings"):
        write_submission(tmp_path / "features.npy", embeddings_for(data, rng), data)


def test_a_fitted_model_embeds_the_requested_clips(rng, tiny_params):
    data = clip_recordings(rng, animals=(3, 3, 3), length=80)
    model = BAMS(**tiny_params).fit(data)
    sub = build_submission(model, data, clips=["clip1", "clip2"])
    assert sub["embeddings"].shape == (160, 2 * (8 + 8))  # [mean, max - min] of 2 x 8 latents
    embeddings = model.transform(data)
    direct = build_submission(embeddings, data, clips=["clip1", "clip2"])
    np.testing.assert_allclose(sub["embeddings"], direct["embeddings"], atol=1e-5)


def test_flies_present_vary_but_the_dimension_does_not(rng):
    data = clip_recordings(rng, animals=(9, 11, 10), n_features=3)
    sub = build_submission(embeddings_for(data, rng, dims=(32, 32)), data, max_dims=256)
    assert sub["embeddings"].shape == (60, 128)


def _clips_with_a_time_trend(n_clips=6, n_frames=50, seed=0):
    """Clips whose embeddings drift with the frame index, plus clip-level noise."""
    rng = np.random.default_rng(seed)
    ids, groups, embeddings = [], [], []
    for c in range(n_clips):
        for animal in range(3):
            ids.append(f"c{c}/{animal}")
            groups.append(f"c{c}")
            trend = np.linspace(0, 5, n_frames)[:, None] * np.array([1.0, -2.0])
            embeddings.append(trend + rng.normal(size=(n_frames, 2)) + rng.normal())
    data = Recordings([np.zeros((n_frames, 1))] * len(ids), ids=ids, groups=groups)
    return data, embeddings


def test_per_frame_index_normalization_zscores_each_frame_index_over_clips():
    data, embeddings = _clips_with_a_time_trend()
    sub = build_submission(embeddings, data, standardize="per_frame_index")
    x = sub["embeddings"].reshape(6, 50, -1)  # clips, frame index, dims
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(x.std(axis=0), 1.0, atol=1e-4)


def test_global_normalization_keeps_the_trend_over_frame_indices():
    data, embeddings = _clips_with_a_time_trend()
    sub = build_submission(embeddings, data, standardize="global")
    x = sub["embeddings"]
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(x.std(axis=0), 1.0, atol=1e-4)
    by_index = x.reshape(6, 50, -1).mean(axis=0)
    assert by_index[-1, 0] - by_index[0, 0] > 1.0  # the drift is still there


def test_true_false_and_none_normalizations():
    data, embeddings = _clips_with_a_time_trend()
    raw = build_submission(embeddings, data, standardize="none")["embeddings"]
    unchanged = build_submission(embeddings, data, standardize=False)["embeddings"]
    np.testing.assert_array_equal(raw, unchanged)
    np.testing.assert_array_equal(
        build_submission(embeddings, data, standardize=True)["embeddings"],
        build_submission(embeddings, data, standardize="global")["embeddings"],
    )
    assert not np.allclose(raw.mean(axis=0), 0.0)


def test_an_unknown_normalization_is_refused():
    data, embeddings = _clips_with_a_time_trend()
    with pytest.raises(ValueError, match="Expected a normalization among"):
        build_submission(embeddings, data, standardize="per_clip")


def test_clips_without_recordings_stay_out_of_the_statistics():
    data, embeddings = _clips_with_a_time_trend(n_clips=4)
    clips = {**{f"c{c}": 50 for c in range(4)}, "empty": 50}
    with pytest.warns(UserWarning, match="no recordings"):
        sub = build_submission(embeddings, data, clips=clips)
    x = sub["embeddings"]
    np.testing.assert_allclose(x[:200].mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_array_equal(x[200:], 0.0)
