import csv

import numpy as np
import pytest
from mabe_helpers import ALPHAS, TASKS, any_seed, metric, reference, reported
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner

from bams.evaluation.mabe import save_scores_csv, score_files, score_submission

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

    (score,) = score_submission(
        submission, labels, split, seeds=(42,), alphas=(1.0,), frame_map=frame_map
    )

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

    (score,) = score_submission(submission, labels, split, alphas=(1.0,), frame_map=frame_map)

    # Test frames 60..99: 16 positives predicted, 1 missed (frame 95) -> F1 = 32 / 33.
    assert score.private_score == pytest.approx(2 * 16 / (2 * 16 + 1))
    assert score.public_score == 1.0
    assert score.single_seed_score == pytest.approx(2 * 16 / (2 * 16 + 1))


def test_labels_with_their_own_frame_number_map(mabe, scores):
    # The labels file lays its clips out in another order than the official map (given
    # explicitly); it must give the same scores.
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
    again = score_submission(submission, relabelled, split, frame_map=frame_map)
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


# -- alphas, public vs private -----------------------------------------------------------------


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


# -- score_submission input checks ------------------------------------------------------------


def test_split_clip_missing_from_the_submission(mabe):
    submission, labels, split = mabe
    split = {**split, "publicTest": [*split["publicTest"], "ghost"]}
    with pytest.raises(ValueError, match="Expected split clip 'ghost' in the official frame numb"):
        score_submission(submission, labels, split)


def test_clip_spans_differ_between_submission_and_labels(mabe):
    submission, labels, split = mabe
    frame_map = dict(submission["frame_number_map"])
    s, e = frame_map["clip00"]
    labels = {**labels, "frame_number_map": {**frame_map, "clip00": (s, e - 1)}}
    with pytest.raises(ValueError, match="Expected clip 'clip00' to span as many frames"):
        score_submission(submission, labels, split, frame_map=frame_map)


def test_labels_without_map_must_match_the_embeddings(mabe):
    submission, labels, split = mabe
    labels = {**labels, "label_array": labels["label_array"][:, :-3], "frame_number_map": None}
    with pytest.raises(ValueError, match="label array to have as many frames as the embeddings"):
        score_submission(submission, labels, split, frame_map=submission["frame_number_map"])


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


# -- score files, CSV and CLI ----------------------------------------------------------------


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


def test_scoring_needs_the_official_map(mabe, mabe_files):
    # Labels without a frame number map: the submission's own map is never used instead.
    submission, labels, split = mabe
    bare = {**labels, "frame_number_map": None}
    with pytest.raises(ValueError, match="Expected the official frame number map .* but the lab"):
        score_submission(submission, bare, split)
    np.save(mabe_files["labels"], bare)
    with pytest.raises(ValueError, match="Expected the official frame number map .* but the lab"):
        score_files(mabe_files["submission"], mabe_files["labels"], mabe_files["split"])


def test_score_files_with_an_explicit_frame_map(tmp_path, mabe, mabe_files, scores):
    submission, labels, _ = mabe
    np.save(mabe_files["labels"], {**labels, "frame_number_map": None})
    path = tmp_path / "mouse_frame_number_map.npy"
    np.save(path, submission["frame_number_map"])
    files = (mabe_files["submission"], mabe_files["labels"], mabe_files["split"])
    from_files = score_files(*files, frame_map=path)
    assert [s.private_score for s in from_files] == pytest.approx([s.private_score for s in scores])
    # A map in another order: the submission no longer matches the official map.
    official = submission["frame_number_map"]
    clips = sorted(official, key=official.__getitem__)
    first, second = clips[0], clips[1]
    n_first, n_second = (official[c][1] - official[c][0] for c in (first, second))
    other = {**official, second: (0, n_second), first: (n_second, n_second + n_first)}
    np.save(path, other)
    with pytest.raises(ValueError, match=f"Expected clip '{second}' to span .* the submission's"):
        score_files(*files, frame_map=path)


def test_score_submission_compares_with_the_labels_map(mabe):
    # The labels' own map is the official one when no frame map is given.
    submission, labels, split = mabe
    official = labels["frame_number_map"]
    clip = next(iter(official))
    start, end = official[clip]
    wrong = {**submission["frame_number_map"], clip: (start, end + 1)}
    with pytest.raises(ValueError, match=f"Expected clip '{clip}' to span .* frames instead"):
        score_submission({**submission, "frame_number_map": wrong}, labels, split)


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

    frame_map = tmp_path / "frame_number_map.npy"
    np.save(frame_map, {"someone_else": (0, 10)})
    result = runner.invoke(app, [*args, "--frame-map", str(frame_map)])
    assert result.exit_code == 2
    assert "Expected every clip of the official frame number map in the submission" in (
        result.output
    )
