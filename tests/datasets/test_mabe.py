import numpy as np
import pytest

from bams.datasets.mabe import mabe_recordings
from bams.sim.mabe_like import MOUSE_TASKS, make_mouse_triplets

N_FRAMES = 240


@pytest.fixture(scope="module")
def files():
    """8 clips of 3 mice: NaN and (0, 0) keypoints, identity swaps in half of the clips."""
    return make_mouse_triplets(8, n_frames=N_FRAMES, seed=0, swap_fraction=0.5)


def test_recordings_one_per_animal_with_clip_labels(files):
    data = mabe_recordings([files.train, files.test], "mouse")
    train_clips, test_clips = list(files.train["sequences"]), list(files.test["sequences"])
    assert len(data) == 3 * 8 and data.frame_rate == 30.0
    assert data.ids[:3] == [f"{train_clips[0]}/{a}" for a in range(3)]
    assert data.groups[::3] == train_clips + test_clips
    assert set(data.sequence_labels) == {"experiment_day", "strain", "lights"}
    assert set(data.frame_labels) == set(MOUSE_TASKS) - set(data.sequence_labels)
    annotations = files.train["sequences"][train_clips[0]]["annotations"]
    for a in range(3):  # every animal of a clip carries the clip's annotations
        np.testing.assert_array_equal(
            data.frame_labels["close"][a], annotations[MOUSE_TASKS.index("close")]
        )
    assert data.sequence_labels["strain"][0] == annotations[MOUSE_TASKS.index("strain"), 0]
    n_train = 3 * len(train_clips)
    assert np.isnan(data.sequence_labels["lights"][n_train:]).all()  # test clips: unlabelled
    assert np.isnan(data.frame_labels["chases"][n_train]).all()
    assert data.actions == [
        "head_speed",
        "body_speed",
        "head_turning_rate",
        "body_turning_rate",
        "spine_length_rate",
    ]
    assert mabe_recordings(files.test, social=False, labels=False).n_features == 48


def test_fly_padding_is_dropped(rng):
    sequences = {}
    for clip, present in (("a", 9), ("b", 11)):
        kp = rng.normal(size=(30, 11, 24, 2)) + rng.uniform(-20, 20, size=(1, 11, 1, 2))
        kp[:, present:] = np.nan
        sequences[clip] = {"keypoints": kp, "annotations": np.zeros((2, 30))}
    data = mabe_recordings({"vocabulary": ["x", "y"], "sequences": sequences}, "fly")
    assert len(data) == 20 and data.ids[9] == "b/0" and data.frame_rate == 150.0
    assert data.groups.count("a") == 9


def test_recordings_errors(files):
    with pytest.raises(ValueError, match=r"Expected each clip once, but \["):
        mabe_recordings([files.test, files.test])
    content = {
        "vocabulary": ["strain"],
        "sequences": {
            "c": {
                "keypoints": files.test["sequences"][next(iter(files.test["sequences"]))][
                    "keypoints"
                ],
                "annotations": np.r_[np.zeros(100), np.ones(N_FRAMES - 100)][None],
            }
        },
    }
    with pytest.raises(ValueError, match="Expected sequence-level task 'strain' to be constant"):
        mabe_recordings(content)
    with pytest.raises(ValueError, match=r"Expected a species among \['fly', 'mouse'\]"):
        mabe_recordings(files.test, "cat")


def test_fly_clips_with_varying_flies_and_no_vocabulary(rng):
    # A test file as published: only 'sequences'; 9 real flies padded with NaN to 11 in one
    # clip, 10 flies without padding in another.
    padded = rng.normal(size=(40, 11, 24, 2)) + rng.uniform(-20, 20, size=(1, 11, 1, 2))
    padded[:, 9:] = np.nan
    unpadded = rng.normal(size=(40, 10, 24, 2)) + rng.uniform(-20, 20, size=(1, 10, 1, 2))
    content = {"sequences": {"a": {"keypoints": padded}, "b": {"keypoints": unpadded}}}
    data = mabe_recordings(content, "fly")
    assert data.groups.count("a") == 9 and data.groups.count("b") == 10
    assert data.ids[:2] == ["a/0", "a/1"] and data.ids[9] == "b/0"
    assert data.frame_labels == {} and data.sequence_labels == {}
    assert all(not np.isnan(values).all() for values in data.sequences)


def test_fly_clips_with_too_few_keypoints_name_the_assumed_ones(rng):
    content = {"sequences": {"a": {"keypoints": rng.normal(size=(40, 9, 8, 2))}}}
    with pytest.raises(
        ValueError, match=r"Expected at least 9 keypoints per fly .*8 \(tip_abdomen\).*assumed"
    ):
        mabe_recordings(content, "fly")
