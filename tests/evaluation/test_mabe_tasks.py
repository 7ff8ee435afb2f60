import numpy as np
import pytest
from mabe_helpers import any_seed, majority, make_mabe, metric, reference, reported
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from bams.evaluation.mabe import score_submission
from bams.evaluation.mabe_tasks import _aggregate, _pool

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


# -- pooled scores ---------------------------------------------------------------------------


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
