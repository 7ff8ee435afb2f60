"""Text labels ("" = unlabelled) with groups: read out by recording and by group."""

import numpy as np

from bams import BAMS
from bams.data import Recordings
from bams.evaluation import EvaluationConfig, Task, evaluate
from bams.evaluation.groups import GroupView
from bams.sim.synthetic import make_synthetic


def _text_labels(rng, n_groups, length):
    """One (T,) text array per group: "walk" / "rest", with some frames unlabelled ("")."""
    labels = []
    for _ in range(n_groups):
        values = rng.choice(np.array(["walk", "rest"]), size=length)
        values[rng.random(length) < 0.2] = ""
        labels.append(values)
    return labels


def test_group_view_compares_text_and_float_frame_labels(rng):
    data = Recordings([rng.normal(size=(6, 2)) for _ in range(4)], groups=["a", "a", "b", "b"])
    text = np.array(["x", "", "y", "x", "", "y"])
    floats = np.array([0.0, np.nan, 1.0, 2.0, np.nan, 3.0])
    tasks = [
        Task("same_text", "frame", "classification", [text, text.copy(), text, text]),
        Task("other_text", "frame", "classification", [text, text[::-1], text, text]),
        Task("same_float", "frame", "regression", [floats, floats.copy(), floats, floats]),
    ]
    view = GroupView.build(data, tasks)
    assert [t.name for t in view.tasks] == ["same_text", "same_float"]
    np.testing.assert_array_equal(view.tasks[0].values[1], text)


def test_text_frame_labels_are_evaluated_with_groups(tmp_path, tiny_params, rng):
    base = make_synthetic(6, 200, seed=1)
    per_group = _text_labels(rng, 3, 200)
    data = Recordings(
        base.sequences,
        feature_names=base.feature_names,
        actions=base.actions,
        groups=[f"g{i // 2}" for i in range(6)],
        frame_labels={"behaviour": [per_group[i // 2].copy() for i in range(6)]},
        sequence_labels={"genotype": np.array(["wt", "wt", "ko", "ko", "", ""])},
    )
    model = BAMS(**tiny_params, output_dir=tmp_path / "run").fit(data)
    config = EvaluationConfig(seeds=[0], baselines=["raw"], test_size=1 / 3)
    evaluation = evaluate(model, data, config)
    rows = [r for r in evaluation.summary if r["task"] == "behaviour"]
    assert {r["unit"] for r in rows} == {"recording", "group"}
    assert all(r["kind"] == "classification" for r in rows)
    assert all(np.isfinite(r["score"]) for r in rows)
    n_labelled = sum(int((v != "").sum()) for v in per_group)
    frames = [r for r in evaluation.rows if r["task"] == "behaviour" and r["unit"] == "group"]
    assert frames and all(r["n_train"] + r["n_test"] <= n_labelled for r in frames)
    # "" is no genotype: at most the 4 labelled recordings are read from their mean embedding.
    means = [r for r in evaluation.rows if r["task"] == "genotype"]
    means = [r for r in means if r["protocol"] == "mean_embedding" and r["unit"] == "recording"]
    assert all(r["n_train"] + r["n_test"] <= 4 for r in means)
