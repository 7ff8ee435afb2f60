import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bams.data import Recordings
from bams.evaluation.representations import (
    GroupView,
    bams_latents,
    pca_features,
    window_average,
)
from bams.evaluation.tasks import tasks_from


def test_window_average_matches_a_loop(rng):
    x = [rng.normal(size=(30, 3)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)]
    out = window_average(x, window=7)
    for seq, avg in zip(x, out, strict=True):
        for t in range(len(seq)):
            np.testing.assert_allclose(avg[t], seq[max(0, t - 6) : t + 1].mean(axis=0), rtol=1e-5)


def test_pca_keeps_at_most_the_input_dimensions(rng):
    x = [rng.normal(size=(100, 5)) for _ in range(3)]
    assert pca_features(x, 3)[0].shape == (100, 3)
    assert pca_features(x, 64)[0].shape == (100, 5)


def test_bams_latents_adds_both():
    emb = [{"short_term": np.ones((4, 2)), "long_term": np.zeros((4, 3))}]
    reps = bams_latents(emb)
    assert list(reps) == ["BAMS short_term", "BAMS long_term", "BAMS both"]
    assert reps["BAMS both"][0].shape == (4, 5)


def mice(rng, n_videos=3, length=10):
    n = 3 * n_videos
    frame = [rng.integers(0, 2, length) for _ in range(n_videos)]
    return Recordings(
        [rng.normal(size=(length, 2)) for _ in range(n)],
        groups=[f"video{i // 3}" for i in range(n)],
        frame_labels={
            "chase": [frame[i // 3] for i in range(n)],
            "own": [rng.integers(0, 2, length) for _ in range(n)],
        },
        sequence_labels={"strain": np.repeat(np.arange(n_videos), 3), "weight": rng.normal(size=n)},
    )


def test_group_view_keeps_labels_shared_by_members(rng):
    data = mice(rng)
    view = GroupView.build(data, tasks_from(data))
    assert view.ids == ["video0", "video1", "video2"]
    assert view.members == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert sorted(t.name for t in view.tasks) == ["chase", "strain"]
    strain = next(t for t in view.tasks if t.name == "strain")
    assert strain.values.tolist() == [0, 1, 2]


def test_group_aggregate_is_mean_and_range(rng):
    data = mice(rng, n_videos=1)
    rep = [rng.normal(size=(10, 4)) for _ in range(3)]
    (agg,) = GroupView.build(data, []).aggregate(rep)
    stack = np.stack(rep)
    assert agg.shape == (10, 8)
    np.testing.assert_allclose(agg[:, :4], stack.mean(0))
    np.testing.assert_allclose(agg[:, 4:], stack.max(0) - stack.min(0))


@settings(max_examples=25, deadline=None)
@given(st.permutations([0, 1, 2]), st.integers(0, 1000))
def test_group_aggregate_ignores_identity_swaps(order, seed):
    rng = np.random.default_rng(seed)
    data = mice(rng, n_videos=1)
    rep = [rng.normal(size=(10, 4)) for _ in range(3)]
    view = GroupView.build(data, [])
    swapped = [rep[i] for i in order]
    np.testing.assert_allclose(view.aggregate(rep)[0], view.aggregate(swapped)[0])


def test_group_view_errors(rng):
    data = Recordings([rng.normal(size=(10, 2)), rng.normal(size=(8, 2))], groups=["a", "a"])
    with pytest.raises(ValueError, match="same length"):
        GroupView.build(data, [])
    with pytest.raises(ValueError, match="Expected recordings with groups"):
        GroupView.build(Recordings([rng.normal(size=(10, 2))]), [])


def test_cebra_time_peer_embeds_every_recording(rng):
    pytest.importorskip("cebra")
    from bams.evaluation.representations import cebra_time

    raw = [rng.normal(size=(n, 5)).astype(np.float32) for n in (200, 150)]
    out = cebra_time(raw, 4, max_iterations=5, batch_size=64)
    assert [o.shape for o in out] == [(200, 4), (150, 4)]
    assert all(np.isfinite(o).all() for o in out)
