import numpy as np
import pytest
from mabe_helpers import TASKS, clip_lengths

from bams.io.mabe import load_mabe_labels, load_split, load_submission, validate_submission

# -- validate_submission: one test per official check, in the official order ---------------


def test_valid_submission_passes(mabe):
    submission, _, _ = mabe
    validate_submission(submission, clip_lengths(submission))


def test_submission_must_be_a_dict(mabe):
    with pytest.raises(ValueError, match="Expected the submission to be a dict, but got list."):
        validate_submission([1, 2], clip_lengths(mabe[0]))


def test_frame_number_map_present(mabe):
    submission = {"embeddings": mabe[0]["embeddings"]}
    with pytest.raises(ValueError, match="but the frame number map is missing"):
        validate_submission(submission, clip_lengths(mabe[0]))


def test_frame_number_map_is_a_dict(mabe):
    submission = {**mabe[0], "frame_number_map": [(0, 10)]}
    with pytest.raises(ValueError, match="Expected the frame number map to be a dict .* got list"):
        validate_submission(submission, clip_lengths(mabe[0]))


def test_embeddings_present(mabe):
    submission = {"frame_number_map": mabe[0]["frame_number_map"]}
    with pytest.raises(ValueError, match="but the embeddings array is missing"):
        validate_submission(submission, clip_lengths(mabe[0]))


def test_embeddings_are_a_numpy_array(mabe):
    submission = {**mabe[0], "embeddings": mabe[0]["embeddings"].tolist()}
    with pytest.raises(
        ValueError, match="Expected the embeddings to be a numpy array, but got list"
    ):
        validate_submission(submission, clip_lengths(mabe[0]))


def test_embeddings_are_2d(mabe):
    submission = {**mabe[0], "embeddings": mabe[0]["embeddings"][:, :, None]}
    with pytest.raises(ValueError, match=r"2D array \(frames, dims\), but got shape \(\d+, 3, 1\)"):
        validate_submission(submission, clip_lengths(mabe[0]))


def test_embedding_size_limit(mabe):
    submission = {**mabe[0], "embeddings": np.zeros((len(mabe[0]["embeddings"]), 130), np.float32)}
    with pytest.raises(
        ValueError, match="Expected at most 128 embedding dimensions .*, but got 130"
    ):
        validate_submission(submission, clip_lengths(mabe[0]))
    validate_submission(submission, clip_lengths(mabe[0]), max_dims=256)  # flies


def test_embeddings_are_float32(mabe):
    submission = {**mabe[0], "embeddings": mabe[0]["embeddings"].astype(np.float64)}
    with pytest.raises(ValueError, match="Expected float32 embeddings, but got float64."):
        validate_submission(submission, clip_lengths(mabe[0]))


def test_every_clip_in_the_frame_number_map(mabe):
    lengths = {**clip_lengths(mabe[0]), "extra_clip": 30}
    with pytest.raises(ValueError, match="Expected clip 'extra_clip' in the frame number map"):
        validate_submission(mabe[0], lengths)


def test_clip_span_matches_its_length(mabe):
    lengths = clip_lengths(mabe[0])
    lengths["clip03"] += 1
    with pytest.raises(ValueError, match="frame number map for clip 'clip03' to span its \\d+ fr"):
        validate_submission(mabe[0], lengths)


def test_span_must_be_a_pair_of_integers(mabe):
    submission = {**mabe[0], "frame_number_map": {**mabe[0]["frame_number_map"], "clip00": (5,)}}
    with pytest.raises(ValueError, match=r"Expected \(start, end\) integers for clip 'clip00'"):
        validate_submission(submission, clip_lengths(mabe[0]))


def test_total_length(mabe):
    embeddings = np.concatenate([mabe[0]["embeddings"], np.zeros((5, 3), np.float32)])
    total = len(mabe[0]["embeddings"])
    with pytest.raises(ValueError, match=f"to have {total} frames .*, but got {total + 5}."):
        validate_submission({**mabe[0], "embeddings": embeddings}, clip_lengths(mabe[0]))


def test_embeddings_are_finite(mabe):
    embeddings = mabe[0]["embeddings"].copy()
    embeddings[3, 1] = np.nan
    embeddings[7, 0] = np.inf
    with pytest.raises(ValueError, match="Expected finite embeddings .*, but got 2 non-finite"):
        validate_submission({**mabe[0], "embeddings": embeddings}, clip_lengths(mabe[0]))


def test_spans_inside_the_embeddings():
    submission = {
        "frame_number_map": {"a": (0, 10), "b": (15, 25)},
        "embeddings": np.zeros((20, 2), np.float32),
    }
    with pytest.raises(ValueError, match=r"span of clip 'b' to lie within the 20 .* \(15, 25\)"):
        validate_submission(submission, {"a": 10, "b": 10})


def test_checks_run_in_the_official_order(mabe):
    # float64 and NaN: the dtype check comes first.
    embeddings = mabe[0]["embeddings"].astype(np.float64)
    embeddings[0, 0] = np.nan
    with pytest.raises(ValueError, match="float32"):
        validate_submission({**mabe[0], "embeddings": embeddings}, clip_lengths(mabe[0]))


# -- the official frame number map ----------------------------------------------------------


def test_submission_map_must_equal_the_official_map(mabe):
    submission = mabe[0]
    official = dict(submission["frame_number_map"])
    validate_submission(submission, frame_map=official)  # clip lengths from the map
    first, second = sorted(official, key=official.__getitem__)[:2]
    (a0, _), (b0, b1) = official[first], official[second]
    reordered = {**official, second: (a0, a0 + b1 - b0), first: (a0 + b1 - b0, b1)}
    with pytest.raises(ValueError, match=f"Expected clip '{first}' .* in another order"):
        validate_submission({**submission, "frame_number_map": reordered}, frame_map=official)
    renamed = dict(official)
    renamed["renamed"] = renamed.pop(second)
    with pytest.raises(ValueError, match=f"1 are missing \\(the first: '{second}'\\)"):
        validate_submission({**submission, "frame_number_map": renamed}, frame_map=official)


def test_official_map_is_checked_before_the_embeddings(mabe):
    # As the evaluator: the frame number map is compared first, then the embeddings checked.
    submission = {**mabe[0], "embeddings": mabe[0]["embeddings"].astype(np.float64)}
    official = dict(mabe[0]["frame_number_map"])
    clip = next(iter(official))
    start, end = official[clip]
    shifted = {**official, clip: (start, end - 1)}
    with pytest.raises(ValueError, match=f"Expected clip '{clip}' to span .* frames instead of"):
        validate_submission({**submission, "frame_number_map": shifted}, frame_map=official)
    with pytest.raises(ValueError, match="Expected the clip lengths or the official frame map"):
        validate_submission(mabe[0])


# -- loaders ---------------------------------------------------------------------------------


def test_loaders_round_trip(mabe_files, mabe):
    submission, labels, split = mabe
    loaded = load_submission(mabe_files["submission"])
    np.testing.assert_array_equal(loaded["embeddings"], submission["embeddings"])
    loaded_labels = load_mabe_labels(mabe_files["labels"])
    assert loaded_labels["vocabulary"] == TASKS
    assert loaded_labels["frame_number_map"] == submission["frame_number_map"]
    loaded_split = load_split(mabe_files["split"])
    assert set(loaded_split) == {"SubmissionTrain", "publicTest", "privateTest"}
    assert loaded_split["SubmissionTrain"] == split["SubmissionTrain"]


def test_split_from_npy(tmp_path, mabe):
    np.save(tmp_path / "split.npy", mabe[2])
    assert load_split(tmp_path / "split.npy")["privateTest"] == mabe[2]["privateTest"]


def test_split_invalid_json(tmp_path):
    (tmp_path / "split.json").write_text("{not json")
    with pytest.raises(ValueError, match="Expected JSON in .*split.json', but got an error"):
        load_split(tmp_path / "split.json")


def test_submission_file_must_hold_a_dict(tmp_path):
    np.save(tmp_path / "sub.npy", np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="Expected a dict with 'frame_number_map' .*, but got nd"):
        load_submission(tmp_path / "sub.npy")


def test_labels_file_must_hold_a_dict(tmp_path):
    np.save(tmp_path / "labels.npy", np.zeros((3, 2)))
    with pytest.raises(ValueError, match="Expected the labels in .* to be a dict"):
        load_mabe_labels(tmp_path / "labels.npy")
