import numpy as np
import pytest

from bams.evaluation.readout import evaluate_readouts, fit_readout, metrics, summarize
from bams.evaluation.tasks import Split, Task


def test_classification_metrics_by_hand():
    y_true = np.array([0, 0, 0, 1])
    y_pred = np.array([0, 0, 1, 1])
    out = metrics("classification", y_true, y_pred)
    assert out["accuracy"] == pytest.approx(0.75)
    # class 0: P=1, R=2/3 -> F1=0.8; class 1: P=1/2, R=1 -> F1=2/3
    assert out["f1_macro"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert out["balanced_accuracy"] == pytest.approx((2 / 3 + 1) / 2)


def test_regression_metrics_by_hand():
    out = metrics("regression", np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    assert out["mse"] == pytest.approx(1 / 3)
    assert out["r2"] == pytest.approx(1 - 1 / 2)  # SS_res = 1, SS_tot = 2


def test_fit_readout_regularizes_noise_more(rng):
    groups = np.repeat(np.arange(10), 30)
    x = rng.normal(size=(300, 40))
    signal = x[:, 0] + 0.1 * rng.normal(size=300)
    noise = rng.normal(size=300)
    alpha_signal = fit_readout(x, signal, groups, "regression")[-1].alpha
    alpha_noise = fit_readout(x, noise, groups, "regression")[-1].alpha
    assert alpha_noise > alpha_signal


def frames_task(rng, n=8, length=50):
    """A frame label that dimension 0 of the 'good' representation encodes."""
    labels = [rng.integers(0, 2, length) for _ in range(n)]
    good = [
        np.stack([y + 0.1 * rng.normal(size=length), rng.normal(size=length)], 1) for y in labels
    ]
    noise = [rng.normal(size=(length, 2)) for _ in range(n)]
    return labels, good, noise


def test_frame_task_good_versus_noise(rng):
    labels, good, noise = frames_task(rng)
    task = Task("behavior", "frame", "classification", labels)
    splits = [Split(np.arange(4), np.arange(4, 8), 0)]
    rows = evaluate_readouts({"good": good, "noise": noise}, [task], splits)
    score = {r["method"]: r for r in rows}
    assert [r["protocol"] for r in rows] == ["frame", "frame"]
    assert score["good"]["f1_macro"] > 0.95
    assert score["noise"]["f1_macro"] < 0.7
    assert score["good"]["n_train"] == 200 and score["good"]["n_test"] == 200


def test_sequence_task_has_three_protocols_and_averaging_helps(rng):
    n, length = 12, 60
    values = np.array([0, 1] * (n // 2))
    # each frame is a weak, noisy cue of its recording's class
    features = [np.c_[v + 1.5 * rng.normal(size=length), rng.normal(size=length)] for v in values]
    task = Task("strain", "sequence", "classification", values)
    splits = [Split(np.arange(6), np.arange(6, 12), 0)]
    rows = {r["protocol"]: r for r in evaluate_readouts({"x": features}, [task], splits)}
    assert set(rows) == {"per_frame", "frame_average", "mean_embedding"}
    assert rows["per_frame"]["accuracy"] < 0.8
    assert rows["frame_average"]["accuracy"] == 1.0
    assert rows["mean_embedding"]["accuracy"] == 1.0
    assert rows["frame_average"]["n_test"] == rows["mean_embedding"]["n_test"] == 6


def test_sequence_regression_and_unlabelled_recordings(rng):
    n, length = 10, 40
    values = np.linspace(-1, 1, n)
    values[3] = np.nan  # an unlabelled recording is left out
    features = [np.c_[np.full(length, v) + 0.05 * rng.normal(size=length)] for v in values]
    features = [np.nan_to_num(f) for f in features]
    task = Task("day", "sequence", "regression", values)
    splits = [Split(np.array([0, 2, 3, 4, 6, 8]), np.array([1, 5, 7, 9]), 0)]
    rows = {r["protocol"]: r for r in evaluate_readouts({"x": features}, [task], splits)}
    assert rows["mean_embedding"]["r2"] > 0.9
    assert rows["mean_embedding"]["n_train"] == 5  # recording 3 is unlabelled
    assert rows["per_frame"]["mse"] < 0.05


def test_rows_with_nan_features_are_dropped(rng):
    labels, good, _ = frames_task(rng)
    good[0][:10] = np.nan
    task = Task("behavior", "frame", "classification", labels)
    rows = evaluate_readouts({"good": good}, [task], [Split(np.arange(4), np.arange(4, 8), 0)])
    assert rows[0]["n_train"] == 190


def test_empty_text_labels_are_unlabelled(rng):
    labels, good, _ = frames_task(rng)
    text = [np.where(y == 1, "turn", "crawl") for y in labels]
    text[0][:10] = ""
    text[5][:4] = ""
    task = Task("state", "frame", "classification", text)
    rows = evaluate_readouts({"good": good}, [task], [Split(np.arange(4), np.arange(4, 8), 0)])
    assert (rows[0]["n_train"], rows[0]["n_test"]) == (190, 196)
    assert rows[0]["f1_macro"] > 0.95


def test_single_class_training_part_is_skipped(rng):
    labels = [np.zeros(20, int)] * 2 + [np.ones(20, int)] * 2
    task = Task("b", "frame", "classification", labels)
    rows = evaluate_readouts(
        {"x": [rng.normal(size=(20, 2)) for _ in range(4)]},
        [task],
        [Split(np.array([0, 1]), np.array([2, 3]), 0)],
    )
    assert rows == []


def test_summarize_mean_and_std_over_seeds():
    rows = [
        {
            "method": "m",
            "task": "t",
            "protocol": "frame",
            "level": "frame",
            "kind": "regression",
            "seed": s,
            "r2": v,
            "mse": 1 - v,
        }
        for s, v in [(0, 0.5), (1, 0.7)]
    ]
    (summary,) = summarize(rows)
    assert summary["score"] == pytest.approx(0.6)
    assert summary["score_std"] == pytest.approx(0.1)
    assert summary["metric"] == "r2" and summary["n_seeds"] == 2
    assert summary["mse"] == pytest.approx(0.4)
