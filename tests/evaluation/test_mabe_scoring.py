import csv
import json

import numpy as np
import pytest
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.metrics import f1_score, mean_squared_error
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner

from bams.evaluation.mabe import _aggregate, _pool, save_scores_csv, score_files, score_submission
from bams.io.mabe import load_mabe_labels, load_split, load_submission, validate_submission

TASKS = ["strain", "chases", "experiment_day", "speed"]
TYPES = ["Discrete", "Discrete", "Continuous", "Continuous"]
ALPHAS = (0.1, 0.5, 1.0, 2.0, 5.0)


def make_mabe(rng, n_train=12, n_public=4, n_private=4, dims=3):
    """Tiny files in the MABe 2022 formats: 20 clips of 20-40 frames, 3 dims, 4 tasks.

    The clips are laid out in the frame axis in an order that differs from the split lists.
    strain (Discrete) and experiment_day (regression) are constant within a clip; chases
    (Discrete) and speed (regression) vary by frame and are partly unlabelled (NaN).
    """
    clips = [f"clip{i:02d}" for i in range(n_train + n_public + n_private)]
    lengths = rng.integers(20, 41, size=len(clips))
    frame_map, start = {}, 0
    for i in rng.permutation(len(clips)):
        frame_map[clips[i]] = (start, start + int(lengths[i]))
        start += int(lengths[i])
    strain = rng.integers(0, 2, size=len(clips))
    day = rng.normal(size=len(clips))
    embeddings = rng.normal(size=(start, dims)).astype(np.float32)
    label_array = np.full((len(TASKS), start), np.nan)
    for i, clip in enumerate(clips):
        s, e = frame_map[clip]
        embeddings[s:e, 0] += 0.8 * strain[i]
        embeddings[s:e, 1] += 0.5 * day[i]
        label_array[0, s:e] = strain[i]
        label_array[1, s:e] = embeddings[s:e, 2] + 0.7 * rng.normal(size=e - s) > 0.3
        label_array[2, s:e] = day[i]
        label_array[3, s:e] = 0.5 * embeddings[s:e, 2] + embeddings[s:e, 0]
        label_array[3, s:e] += 0.3 * rng.normal(size=e - s)
    label_array[1, rng.random(start) < 0.2] = np.nan
    label_array[3, rng.random(start) < 0.2] = np.nan
    s, e = frame_map[clips[-1]]
    label_array[0, s:e] = np.nan  # a private clip without a strain label
    submission = {"frame_number_map": frame_map, "embeddings": embeddings}
    labels = {"vocabulary": list(TASKS), "task_type": list(TYPES), "label_array": label_array}
    split = {
        "UserTrain": ["not_in_the_submission"],
        "SubmissionTrain": clips[:n_train],
        "publicTest": clips[n_train : n_train + n_public],
        "privateTest": clips[n_train + n_public :],
    }
    return submission, labels, split


@pytest.fixture(scope="module")
def mabe():
    """Built once per module (the tests copy before changing anything), seeded like ``rng``."""
    return make_mabe(np.random.default_rng(0))


@pytest.fixture
def mabe_files(tmp_path, mabe):
    submission, labels, split = mabe
    paths = {name: tmp_path / f"{name}.npy" for name in ("submission", "labels")}
    np.save(paths["submission"], submission)
    np.save(paths["labels"], labels)
    paths["split"] = tmp_path / "split.json"
    paths["split"].write_text(json.dumps(split))
    return paths


def clip_lengths(submission):
    return {clip: end - start for clip, (start, end) in submission["frame_number_map"].items()}


def reference(submission, labels, split, task, alpha, seeds=(42, 43, 44)):
    """The protocol written out plainly, clip by clip, with sklearn called directly."""
    embeddings = submission["embeddings"]
    frame_map = labels.get("frame_number_map", submission["frame_number_map"])
    row = labels["vocabulary"].index(task)
    discrete = labels["task_type"][row] == "Discrete"

    def gather(clips):
        x = np.concatenate([embeddings[slice(*submission["frame_number_map"][c])] for c in clips])
        y = np.concatenate([labels["label_array"][row, slice(*frame_map[c])] for c in clips])
        return x[~np.isnan(y)], y[~np.isnan(y)]

    x_test, y_test = gather(split["privateTest"] + split["publicTest"])
    x_public, y_public = gather(split["publicTest"])
    test_preds, public_preds = [], []
    for seed in seeds:
        train, _ = train_test_split(split["SubmissionTrain"], test_size=0.1, random_state=seed)
        x, y = gather(train)
        if discrete:
            model = RidgeClassifier(alpha=alpha, class_weight="balanced").fit(x, y)
        else:
            model = Ridge(alpha=alpha).fit(x, y)
        test_preds.append(model.predict(x_test))
        public_preds.append(model.predict(x_public))
    return {
        "discrete": discrete,
        "y_test": y_test,
        "y_public": y_public,
        "test_preds": test_preds,
        "public_preds": public_preds,
    }


def metric(discrete, y_true, y_pred):
    if discrete:
        return f1_score(y_true, y_pred, average="binary")
    return mean_squared_error(y_true, y_pred)


def any_seed(preds):
    return (np.sum(preds, axis=0) > 0).astype(float)


def majority(preds):
    return (np.sum(preds, axis=0) >= 2).astype(float)


def reported(scores, task):
    (score,) = [s for s in scores if s.task == task and s.reported]
    return score


@pytest.fixture(scope="module")
def scores(mabe):
    return score_submission(*mabe)


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


# -- score_submission: numbers from an independent computation ------------------------------


@pytest.mark.parametrize("task", TASKS)
def test_scores_match_a_direct_computation(mabe, scores, task):
    ref = reference(*mabe, task, alpha=1.0)
    discrete = ref["discrete"]
    combine = any_seed if discrete else (lambda preds: np.mean(preds, axis=0))
    score = reported(scores, task)
    assert score.metric == ("f1_score" if discrete else "mean_mse")
    assert score.private_score == pytest.approx(
        metric(discrete, ref["y_test"], combine(ref["test_preds"])), rel=1e-5
    )
    assert score.public_score == pytest.approx(
        metric(discrete, ref["y_public"], combine(ref["public_preds"])), rel=1e-5
    )
    single = [metric(discrete, ref["y_test"], p) for p in ref["test_preds"]]
    assert score.single_seed_score == pytest.approx(np.mean(single), rel=1e-5)


def test_ridge_regression_by_hand():
    # One dimension, one seed: the ridge solution has a closed form.
    clips = [f"c{i}" for i in range(10)]
    x = np.arange(100, dtype=np.float32) % 7 - 3
    y = (2.0 * x + 1.0 + np.where(np.arange(100) % 2, 0.5, -0.5)).astype(float)
    frame_map = {clip: (10 * i, 10 * i + 10) for i, clip in enumerate(clips)}
    submission = {"frame_number_map": frame_map, "embeddings": x[:, None]}
    labels = {"vocabulary": ["speed"], "task_type": ["Continuous"], "label_array": y[None]}
    split = {"SubmissionTrain": clips[:6], "publicTest": clips[6:8], "privateTest": clips[8:]}

    (score,) = score_submission(submission, labels, split, seeds=(42,), alphas=(1.0,))

    train = [int(c[1:]) for c in train_test_split(clips[:6], test_size=0.1, random_state=42)[0]]
    rows = np.concatenate([np.arange(10 * i, 10 * i + 10) for i in train])
    xt, yt = x[rows].astype(float), y[rows]
    slope = np.sum((xt - xt.mean()) * (yt - yt.mean())) / (np.sum((xt - xt.mean()) ** 2) + 1.0)
    intercept = yt.mean() - slope * xt.mean()
    test = np.arange(60, 100)
    expected = np.mean((y[test] - (slope * x[test] + intercept)) ** 2)
    assert score.private_score == pytest.approx(expected, rel=1e-5)
    public = np.arange(60, 80)
    expected_public = np.mean((y[public] - (slope * x[public] + intercept)) ** 2)
    assert score.public_score == pytest.approx(expected_public, rel=1e-5)


def test_f1_by_hand():
    # Separable frames: every seed predicts the embedding's side; one test label disagrees.
    clips = [f"c{i}" for i in range(10)]
    labels_row = np.tile([0.0, 0.0, 1.0, 1.0, 0.0], 20)  # 10 clips x 10 frames
    x = (10.0 * labels_row - 5.0).astype(np.float32)
    y = labels_row.copy()
    y[95] = 1.0  # a positive that the embedding calls negative (private clip c9)
    y[91] = np.nan  # unlabelled frames are not scored
    frame_map = {clip: (10 * i, 10 * i + 10) for i, clip in enumerate(clips)}
    submission = {"frame_number_map": frame_map, "embeddings": x[:, None]}
    labels = {"vocabulary": ["contact"], "task_type": ["Discrete"], "label_array": y[None]}
    split = {"SubmissionTrain": clips[:6], "publicTest": clips[6:8], "privateTest": clips[8:]}

    (score,) = score_submission(submission, labels, split, alphas=(1.0,))

    # Test frames 60..99: 16 positives predicted, 1 missed (frame 95) -> F1 = 32 / 33.
    assert score.private_score == pytest.approx(2 * 16 / (2 * 16 + 1))
    assert score.public_score == 1.0
    assert score.single_seed_score == pytest.approx(2 * 16 / (2 * 16 + 1))


def test_labels_with_their_own_frame_number_map(mabe, scores):
    # The labels file lays its clips out in another order; it must give the same scores.
    submission, labels, split = mabe
    frame_map = submission["frame_number_map"]
    order = sorted(frame_map)
    new_map, columns, start = {}, [], 0
    for clip in order:
        s, e = frame_map[clip]
        new_map[clip] = (start, start + e - s)
        columns.append(np.arange(s, e))
        start += e - s
    relabelled = {
        **labels,
        "label_array": labels["label_array"][:, np.concatenate(columns)],
        "frame_number_map": new_map,
    }
    again = score_submission(submission, relabelled, split)
    for a, b in zip(scores, again, strict=True):
        assert a.private_score == pytest.approx(b.private_score, rel=1e-6)
        if a.sequence_level:
            assert a.pooled_score == pytest.approx(b.pooled_score, rel=1e-6)


def test_submission_train_is_split_in_the_given_order(mabe, scores):
    # train_test_split of the list as given, not sorted: reordering changes the split.
    submission, labels, split = mabe
    reordered = {**split, "SubmissionTrain": split["SubmissionTrain"][::-1]}
    again = score_submission(submission, labels, reordered)
    assert any(
        a.private_score != pytest.approx(b.private_score, rel=1e-9)
        for a, b in zip(scores, again, strict=True)
    )


# -- seed aggregation ------------------------------------------------------------------------


def test_aggregate_rules():
    preds = [np.array([1.0, 0.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0, 1.0]), np.zeros(4)]
    np.testing.assert_array_equal(_aggregate(preds, discrete=True), [1, 0, 1, 1])
    np.testing.assert_allclose(_aggregate(preds, discrete=False), [1 / 3, 0, 1 / 3, 2 / 3])


def test_any_seed_says_one_not_majority(rng):
    # Weak signal and a small training set: the seeds' classifiers disagree on many frames.
    submission, labels, split = make_mabe(rng)
    ref = reference(submission, labels, split, "chases", alpha=1.0)
    preds = ref["test_preds"]
    assert np.any(any_seed(preds) != majority(preds))
    expected_any = f1_score(ref["y_test"], any_seed(preds))
    expected_majority = f1_score(ref["y_test"], majority(preds))
    assert expected_any != pytest.approx(expected_majority)

    score = reported(score_submission(submission, labels, split), "chases")
    assert score.private_score == pytest.approx(expected_any)


# -- alphas, public vs private, pooled --------------------------------------------------------


def test_every_alpha_is_scored_and_alpha_one_is_reported(mabe, scores):
    assert len(scores) == len(TASKS) * len(ALPHAS)
    for task in TASKS:
        rows = [s for s in scores if s.task == task]
        assert [s.alpha for s in rows] == list(ALPHAS)
        assert [s.alpha for s in rows if s.reported] == [1.0]
    speed = [s.private_score for s in scores if s.task == "speed"]
    assert len(set(speed)) == len(ALPHAS)  # alpha matters
    ref = reference(*mabe, "speed", alpha=5.0)
    expected = mean_squared_error(ref["y_test"], np.mean(ref["test_preds"], axis=0))
    assert speed[-1] == pytest.approx(expected, rel=1e-5)


def test_reported_alpha_must_be_swept(mabe):
    with pytest.raises(ValueError, match=r"Expected reported_alpha among the alphas \[0.1, 2.0\]"):
        score_submission(*mabe, alphas=(0.1, 2.0))


def test_public_score_uses_public_clips_only(mabe, scores):
    submission, labels, split = mabe
    # Swapping privateTest and publicTest keeps the private (= both) score, moves the public.
    swapped = {**split, "publicTest": split["privateTest"], "privateTest": split["publicTest"]}
    again = score_submission(submission, labels, swapped)
    for a, b in zip(scores, again, strict=True):
        assert a.private_score == pytest.approx(b.private_score, rel=1e-6)
    assert any(
        a.public_score != pytest.approx(b.public_score) for a, b in zip(scores, again, strict=True)
    )
    speed = reported(scores, "speed")
    assert speed.public_score != pytest.approx(speed.private_score)


@pytest.mark.parametrize("task", ["strain", "experiment_day"])
def test_pooled_score_of_sequence_tasks(mabe, scores, task):
    submission, labels, split = mabe
    ref = reference(submission, labels, split, task, alpha=1.0)
    discrete = ref["discrete"]
    row = labels["vocabulary"].index(task)
    frame_map = submission["frame_number_map"]
    # Aggregated frame predictions per test clip, by predicting each clip on its own.
    true, pred = [], []
    for clip in split["privateTest"] + split["publicTest"]:
        y = labels["label_array"][row, slice(*frame_map[clip])]
        if np.isnan(y).all():
            continue
        x = submission["embeddings"][slice(*frame_map[clip])][~np.isnan(y)]
        seeds = []
        for seed in (42, 43, 44):
            clips, _ = train_test_split(split["SubmissionTrain"], test_size=0.1, random_state=seed)
            rows = np.concatenate([np.arange(*frame_map[c]) for c in clips])
            yt = labels["label_array"][row, rows]
            model = (
                RidgeClassifier(alpha=1.0, class_weight="balanced")
                if discrete
                else Ridge(alpha=1.0)
            )
            model.fit(submission["embeddings"][rows][~np.isnan(yt)], yt[~np.isnan(yt)])
            seeds.append(model.predict(x))
        frames = any_seed(seeds) if discrete else np.mean(seeds, axis=0)
        true.append(float(np.nanmean(y) >= 0.5) if discrete else np.nanmean(y))
        pred.append(float(frames.mean() >= 0.5) if discrete else frames.mean())
    assert len(true) == len(split["privateTest"] + split["publicTest"]) - (task == "strain")
    score = reported(scores, task)
    assert score.sequence_level
    assert score.pooled_score == pytest.approx(metric(discrete, true, pred), rel=1e-5)


def test_frame_level_tasks_have_no_pooled_score(scores):
    for task in ("chases", "speed"):
        assert reported(scores, task).pooled_score is None
        assert not reported(scores, task).sequence_level


def test_pool_thresholds_discrete_clip_means_at_one_half():
    values = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 2.0, 4.0])
    clip = np.array([0, 0, 1, 1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(_pool(values[:7], clip[:7], discrete=True), [1, 1, 0])
    np.testing.assert_allclose(_pool(values, clip, discrete=False), [0.5, 2 / 3, 0.0, 3.0])


# -- score_submission input checks ------------------------------------------------------------


def test_split_clip_missing_from_the_submission(mabe):
    submission, labels, split = mabe
    split = {**split, "publicTest": [*split["publicTest"], "ghost"]}
    with pytest.raises(ValueError, match="Expected split clip 'ghost' in the frame number map"):
        score_submission(submission, labels, split)


def test_clip_spans_differ_between_submission_and_labels(mabe):
    submission, labels, split = mabe
    frame_map = dict(submission["frame_number_map"])
    s, e = frame_map["clip00"]
    labels = {**labels, "frame_number_map": {**frame_map, "clip00": (s, e - 1)}}
    with pytest.raises(ValueError, match="Expected clip 'clip00' to span as many frames"):
        score_submission(submission, labels, split)


def test_labels_without_map_must_match_the_embeddings(mabe):
    submission, labels, split = mabe
    labels = {**labels, "label_array": labels["label_array"][:, :-3]}
    with pytest.raises(ValueError, match="label array to have as many frames as the embeddings"):
        score_submission(submission, labels, split)


def test_task_without_training_labels(mabe):
    submission, labels, split = mabe
    label_array = labels["label_array"].copy()
    for clip in split["SubmissionTrain"]:
        label_array[2, slice(*submission["frame_number_map"][clip])] = np.nan
    with pytest.raises(ValueError, match="Expected labelled frames of task 'experiment_day'"):
        score_submission(submission, {**labels, "label_array": label_array}, split)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"label_array": np.zeros(5)}, "Expected 'label_array' to be a 2D numeric array"),
        ({"task_type": ["Discrete"]}, r"Expected one 'task_type' per task of the vocabulary \(4\)"),
        ({"vocabulary": TASKS[:3]}, r"Expected one 'label_array' row per task .*\(3\), but got 4"),
        ({"vocabulary": ["a", "a", "b", "c"]}, "Expected unique task ids"),
        ({"frame_number_map": [1]}, "Expected 'frame_number_map' to be a dict"),
    ],
)
def test_malformed_labels(mabe, change, message):
    submission, labels, split = mabe
    with pytest.raises(ValueError, match=message):
        score_submission(submission, {**labels, **change}, split)


def test_discrete_labels_must_be_binary(mabe):
    submission, labels, split = mabe
    label_array = labels["label_array"].copy()
    label_array[1, 0] = 2.0
    with pytest.raises(ValueError, match=r"Discrete task 'chases' to be 0, 1 or NaN, but got \[2"):
        score_submission(submission, {**labels, "label_array": label_array}, split)


def test_labels_missing_keys(mabe):
    submission, labels, split = mabe
    with pytest.raises(ValueError, match=r"but \['task_type'\] are missing"):
        score_submission(submission, {k: v for k, v in labels.items() if k != "task_type"}, split)


def test_split_missing_key(mabe):
    submission, labels, split = mabe
    with pytest.raises(ValueError, match=r"but \['privateTest'\] are missing"):
        score_submission(submission, labels, {k: v for k, v in split.items() if k != "privateTest"})


def test_split_lists_are_lists(mabe):
    submission, labels, split = mabe
    with pytest.raises(ValueError, match="Expected 'publicTest' in the split to be a list"):
        score_submission(submission, labels, {**split, "publicTest": "clip01"})


# -- files and CLI ----------------------------------------------------------------------------


def test_loaders_round_trip(mabe_files, mabe):
    submission, labels, split = mabe
    loaded = load_submission(mabe_files["submission"])
    np.testing.assert_array_equal(loaded["embeddings"], submission["embeddings"])
    loaded_labels = load_mabe_labels(mabe_files["labels"])
    assert loaded_labels["vocabulary"] == TASKS
    assert loaded_labels["frame_number_map"] is None
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


def test_score_files_and_csv(tmp_path, mabe_files, scores):
    from_files = score_files(mabe_files["submission"], mabe_files["labels"], mabe_files["split"])
    assert [s.private_score for s in from_files] == pytest.approx([s.private_score for s in scores])
    path = save_scores_csv(from_files, tmp_path / "scores.csv")
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == len(TASKS) * len(ALPHAS)
    assert rows[0]["task"] == "strain"
    assert sum(row["reported"] == "True" for row in rows) == len(TASKS)


def test_score_files_validates_the_submission(tmp_path, mabe_files, mabe):
    submission = {**mabe[0], "embeddings": mabe[0]["embeddings"].astype(np.float64)}
    np.save(mabe_files["submission"], submission)
    with pytest.raises(ValueError, match="float32"):
        score_files(mabe_files["submission"], mabe_files["labels"], mabe_files["split"])


def test_cli_mabe_score(tmp_path, mabe_files):
    from bams.cli import app

    runner = CliRunner()
    output = tmp_path / "scores.csv"
    args = ["mabe", "score", "--submission", str(mabe_files["submission"])]
    args += ["--labels", str(mabe_files["labels"]), "--split", str(mabe_files["split"])]
    result = runner.invoke(app, [*args, "--output", str(output)])
    assert result.exit_code == 0, result.output
    for task in TASKS:
        assert task in result.output
    with open(output, newline="") as file:
        assert len(list(csv.DictReader(file))) == len(TASKS) * len(ALPHAS)

    result = runner.invoke(app, [*args, "--max-dims", "2"])
    assert result.exit_code == 2
    assert "Expected at most 2 embedding dimensions" in result.output
