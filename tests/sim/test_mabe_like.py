import numpy as np
import pytest

from bams.io.mabe import check_labels, check_split
from bams.io.mabe_keypoints import load_mabe_keypoints
from bams.sim.mabe_like import MOUSE_TASKS, make_mouse_triplets


@pytest.fixture(scope="module")
def files():
    return make_mouse_triplets(14, n_frames=120, seed=3, swap_fraction=1.0)


def test_layout_matches_the_mabe_files(files):
    train = load_mabe_keypoints(files.train, "mouse")
    test = load_mabe_keypoints(files.test, "mouse")
    assert train.annotations is not None and test.annotations is None
    assert len(train.keypoints) + len(test.keypoints) == 14
    assert not set(train.keypoints) & set(test.keypoints)
    labels = check_labels(files.labels, "labels")
    assert labels["vocabulary"] == list(MOUSE_TASKS)
    assert labels["label_array"].shape == (13, 120 * len(test.keypoints))
    assert list(labels["frame_number_map"]) == list(test.keypoints)
    split = check_split(files.split, "split")
    assert sorted(sum(split.values(), [])) == sorted(test.keypoints)
    assert files.split["UserTrain"] == list(train.keypoints)


def test_tracks_are_corrupted_like_real_ones(files):
    kp = np.stack([c["keypoints"] for c in files.test["sequences"].values()])
    assert np.isnan(kp).any() and (kp == 0).all(-1).any()
    finite = kp[np.isfinite(kp).all(-1) & ~(kp == 0).all(-1)]
    assert finite.min() >= 0 and finite.max() <= 850
    # with swap_fraction=1 every clip has a jump where two mice exchange tracks
    jumps = np.nanmax(np.abs(np.diff(kp[..., 6, :], axis=1)), axis=(1, 2, 3))
    assert (jumps > 30).mean() > 0.5


def test_labels_vary_and_sequence_tasks_are_constant(files):
    annotations = np.stack([c["annotations"] for c in files.train["sequences"].values()])
    for task in ("experiment_day", "strain", "lights"):
        row = annotations[:, MOUSE_TASKS.index(task)]
        assert (row == row[:, :1]).all()
    assert np.isin(annotations[:, 4:], (0.0, 1.0)).all()  # frame-level behaviours
    assert 0 < np.nanmean(files.labels["label_array"][MOUSE_TASKS.index("close")]) < 1


def test_deterministic_and_checked():
    a = make_mouse_triplets(4, n_frames=30, seed=7)
    b = make_mouse_triplets(4, n_frames=30, seed=7)
    np.testing.assert_array_equal(a.labels["label_array"], b.labels["label_array"])
    with pytest.raises(ValueError, match="Expected n_clips >= 4 and n_frames >= 2, but got 3"):
        make_mouse_triplets(3)
