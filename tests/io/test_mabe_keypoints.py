import os

import numpy as np
import pytest

from bams.io.mabe_keypoints import SPECIES, check_mabe_clips, load_mabe_keypoints
from bams.io.safe_pickle import UnsafePickleError
from bams.sim.mabe_like import MOUSE_TASKS, make_mouse_triplets


@pytest.fixture(scope="module")
def mouse_files():
    return make_mouse_triplets(5, n_frames=40, seed=1)


def fly_dict(rng, flies=(9, 11, 10), n_keypoints=24, length=30, annotations=True):
    sequences = {}
    for i, n in enumerate(flies):
        kp = rng.normal(size=(length, 11, n_keypoints, 2))
        kp[:, n:] = np.nan  # padding
        sequences[f"fly{i}"] = {"keypoints": kp}
        if annotations:
            sequences[f"fly{i}"]["annotations"] = rng.integers(0, 2, size=(2, length)).astype(float)
    return {"vocabulary": ["task_a", "task_b"], "sequences": sequences}


def test_mouse_train_and_test_files_round_trip(tmp_path, mouse_files):
    paths = mouse_files.save(tmp_path)
    train = load_mabe_keypoints(paths["train"], "mouse")
    test = load_mabe_keypoints(paths["test"])
    assert train.vocabulary == list(MOUSE_TASKS) and train.species is SPECIES["mouse"]
    assert list(train.keypoints) == list(mouse_files.train["sequences"])  # file order
    clip = next(iter(train.keypoints))
    assert train.keypoints[clip].shape == (40, 3, 12, 2)
    assert train.keypoints[clip].dtype == np.float32
    assert train.annotations[clip].shape == (13, 40)
    assert test.annotations is None
    assert set(test.clip_lengths.values()) == {40}
    assert str(paths["test"]) in test.source


def test_fly_files_take_flies_and_keypoints_from_the_arrays(tmp_path, rng):
    path = tmp_path / "fly_group_train.npy"
    np.save(path, fly_dict(rng, n_keypoints=7))
    clips = load_mabe_keypoints(path, "fly")
    assert [kp.shape for kp in clips.keypoints.values()] == [(30, 11, 7, 2)] * 3
    assert clips.species.frame_rate == 150.0
    assert np.isnan(clips.keypoints["fly0"][:, 9:]).all()


def test_integer_keypoints_and_dicts_are_accepted(mouse_files):
    content = {
        "vocabulary": [],
        "sequences": {"c": {"keypoints": np.ones((4, 3, 12, 2), dtype=np.int32)}},
    }
    clips = load_mabe_keypoints(content, "mouse")
    assert clips.keypoints["c"].dtype == np.float32 and clips.source == "a dict"


def test_crafted_file_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "mouse_triplet_train.npy"
    content = {"vocabulary": [], "sequences": {"c": {"keypoints": Exploit()}}}
    np.save(path, np.asanyarray(content, dtype=object), allow_pickle=True)
    with pytest.raises(UnsafePickleError, match=r"Expected only NumPy arrays .* refers to"):
        load_mabe_keypoints(path, "mouse")
    assert not marker.exists()
    np.load(path, allow_pickle=True)  # the file is live: the unrestricted loader runs it
    assert marker.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([1, 2], r"Expected a dict with 'sequences' in a dict, but got list"),
        ({"vocabulary": []}, r"Expected a 'sequences' dict of clips in a dict, but it is missing"),
        ({"vocabulary": [], "sequences": {}}, r"Expected 'sequences' .* but got dict \(empty\)"),
        (
            {"vocabulary": [], "sequences": {"c": {"keypoints": np.zeros((9, 2, 12, 2))}}},
            r"clip 'c': Expected keypoints \(T, 3, 12, 2\), but got \(9, 2, 12, 2\)",
        ),
        (
            {"vocabulary": [], "sequences": {"c": {"keypoints": np.zeros((9, 3, 11, 2))}}},
            r"Expected keypoints \(T, 3, 12, 2\), but got \(9, 3, 11, 2\)",
        ),
        (
            {"vocabulary": [], "sequences": {"c": {"keypoints": [[1.0]]}}},
            r"clip 'c': Expected numeric keypoints, but got list",
        ),
        (
            {"vocabulary": [], "sequences": {"c": {"pose": np.zeros((9, 3, 12, 2))}}},
            r"clip 'c': Expected a dict with 'keypoints', but got dict without it",
        ),
        (
            {"vocabulary": [], "sequences": {"c": {"keypoints": np.full((9, 3, 12, 2), np.inf)}}},
            r"Expected finite keypoints or NaN, but got infinities",
        ),
        (
            {
                "vocabulary": ["a", "b"],
                "sequences": {
                    "c": {"keypoints": np.zeros((9, 3, 12, 2)), "annotations": np.zeros((1, 9))}
                },
            },
            r"Expected annotations of shape \(2, 9\) .* but got \(1, 9\)",
        ),
    ],
)
def test_structure_errors(content, message):
    with pytest.raises(ValueError, match=message):
        check_mabe_clips(content, "mouse")


def test_every_problem_is_reported_at_once(rng):
    content = {
        "vocabulary": ["a"],
        "sequences": {
            "ok": {"keypoints": np.zeros((9, 3, 12, 2)), "annotations": np.zeros((1, 9))},
            "bad1": {"keypoints": np.zeros((9, 4, 12, 2))},
            "bad2": {"keypoints": np.zeros((9, 3, 12, 2)), "annotations": np.zeros((1, 8))},
        },
    }
    with pytest.raises(ValueError, match=r"(?s)clip 'bad1'.*clip 'bad2'") as info:
        check_mabe_clips(content, "mouse", source="'x.npy'")
    assert "Invalid MABe mouse file 'x.npy'" in str(info.value)


def test_annotations_in_some_clips_only(rng):
    content = fly_dict(rng)
    del content["sequences"]["fly1"]["annotations"]
    with pytest.raises(ValueError, match="Expected annotations in every clip or in none, but 1"):
        check_mabe_clips(content, "fly")


def test_fly_keypoint_count_must_agree_between_clips(rng):
    content = fly_dict(rng)
    content["sequences"]["fly2"]["keypoints"] = rng.normal(size=(30, 11, 19, 2))
    with pytest.raises(ValueError, match="clip 'fly2': Expected 24 keypoints per animal"):
        check_mabe_clips(content, "fly")


def test_unknown_species_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"Expected a species among \['fly', 'mouse'\], but got"):
        load_mabe_keypoints({"vocabulary": [], "sequences": {}}, "beetle")
    with pytest.raises(FileNotFoundError):
        load_mabe_keypoints(tmp_path / "mouse_triplet_train.npy")


# -- only the keys the pipeline uses are required ---------------------------------------------


@pytest.mark.parametrize("species", ["mouse", "fly"])
def test_a_test_file_of_sequences_alone_is_read(tmp_path, rng, species):
    # The reference reads nothing but 'sequences': no vocabulary, no annotations.
    shape = (12, 3, 12, 2) if species == "mouse" else (12, 11, 24, 2)
    content = {"sequences": {"c0": {"keypoints": rng.normal(size=shape)}}}
    path = tmp_path / "test.npy"
    np.save(path, content)
    clips = load_mabe_keypoints(path, species)
    assert clips.vocabulary == [] and clips.annotations is None
    assert clips.keypoints["c0"].shape == shape


@pytest.mark.parametrize("species", ["mouse", "fly"])
def test_a_train_file_without_vocabulary_but_with_annotations_is_refused(rng, species):
    shape = (12, 3, 12, 2) if species == "mouse" else (12, 10, 24, 2)
    clip = {"keypoints": rng.normal(size=shape), "annotations": np.zeros((2, 12))}
    with pytest.raises(ValueError, match="Expected a 'vocabulary' naming the rows of the annota"):
        check_mabe_clips({"sequences": {"c0": clip}}, species)


def test_a_file_without_annotations_keeps_its_vocabulary(mouse_files):
    content = {"vocabulary": ["lights"], "sequences": dict(mouse_files.test["sequences"])}
    clips = check_mabe_clips(content, "mouse")
    assert clips.vocabulary == ["lights"] and clips.annotations is None


def test_annotations_must_match_the_vocabulary(rng):
    # A vocabulary is read when annotations are there: their rows must match it.
    clip = {"keypoints": rng.normal(size=(12, 3, 12, 2)), "annotations": np.zeros((3, 12))}
    with pytest.raises(ValueError, match=r"Expected annotations of shape \(2, 12\)"):
        check_mabe_clips({"vocabulary": ["a", "b"], "sequences": {"c0": clip}}, "mouse")


# -- flies: the real layout, no names needed ----------------------------------------------------


def test_fly_clips_of_the_published_layout(tmp_path, rng):
    # One clip of the published length, 9 real flies padded with NaN to 11; one clip of 10
    # flies stored without padding; no names anywhere in the file.
    padded = rng.normal(size=(4500, 11, 24, 2)).astype(np.float32)
    padded[:, 9:] = np.nan
    unpadded = rng.normal(size=(4500, 10, 24, 2))
    path = tmp_path / "fly_group_test.npy"
    np.save(path, {"sequences": {"a": {"keypoints": padded}, "b": {"keypoints": unpadded}}})
    clips = load_mabe_keypoints(path, "fly")
    assert clips.clip_lengths == {"a": 4500, "b": 4500}
    assert clips.keypoints["a"].shape == (4500, 11, 24, 2)
    assert clips.keypoints["b"].shape == (4500, 10, 24, 2)
    assert not np.isnan(clips.keypoints["a"][:, :9]).any()
    assert np.isnan(clips.keypoints["a"][:, 9:]).all()
    assert clips.species.frame_rate == 150.0 and clips.species.clip_frames == 4500


def test_fly_shape_errors_say_the_names_are_assumed(rng):
    content = {"sequences": {"c0": {"keypoints": rng.normal(size=(30, 11, 24))}}}
    with pytest.raises(ValueError, match=r"do not name the fly keypoints.*but got \(30, 11, 24\)"):
        check_mabe_clips(content, "fly")
    content = fly_dict(rng)
    content["sequences"]["fly2"]["keypoints"] = rng.normal(size=(30, 11, 19, 2))
    with pytest.raises(ValueError, match="names bams.features.fly uses are assumed"):
        check_mabe_clips(content, "fly")
