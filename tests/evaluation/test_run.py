import json

import numpy as np
import pytest

from bams import BAMS, Recordings
from bams.evaluation.run import EvaluationConfig, evaluate_run, load_summary
from bams.sim.synthetic import make_synthetic


@pytest.fixture
def trained_run(tmp_path, tiny_params):
    data = Recordings.load(make_synthetic(8, 200, seed=0).save(tmp_path / "data.npz"))
    BAMS(**{**tiny_params, "output_dir": tmp_path / "run"}).fit(data)
    return tmp_path / "run", data


def test_evaluate_run_compares_methods_on_the_same_splits(trained_run):
    run, _ = trained_run
    config = EvaluationConfig(seeds=[0, 1], max_train_frames=500)
    summary = evaluate_run(run, config=config)  # data found through the run's config
    methods = {r["method"] for r in summary}
    assert methods == {
        "BAMS short_term",
        "BAMS long_term",
        "BAMS both",
        "raw features",
        "PCA of raw features",
        "raw averaged over 21 frames",
        "untrained BAMS short_term",
        "untrained BAMS long_term",
        "untrained BAMS both",
    }
    assert {r["unit"] for r in summary} == {"recording"}
    assert all(r["n_seeds"] == 2 for r in summary)
    rows = load_summary(run)
    assert len(rows) == len(summary) and isinstance(rows[0]["score"], float)
    meta = json.loads((run / "evaluation" / "evaluation.json").read_text())
    assert meta["methods"]["BAMS both"] == 16 and meta["methods"]["PCA of raw features"] == 16
    readouts = (run / "evaluation" / "readouts.csv").read_text().splitlines()
    assert len(readouts) == 1 + 2 * len(summary)  # one row per seed


def test_groups_are_also_evaluated_as_aggregates(tmp_path, tiny_params):
    base = make_synthetic(6, 200, seed=1)
    data = Recordings(
        base.sequences,
        feature_names=base.feature_names,
        actions=base.actions,
        groups=[f"g{i // 2}" for i in range(6)],
        sequence_labels={"pair": np.repeat([0, 1, 0], 2)},
    )
    BAMS(**{**tiny_params, "output_dir": tmp_path / "run"}).fit(data)
    config = EvaluationConfig(seeds=[0], baselines=["raw"], test_size=1 / 3)
    summary = evaluate_run(tmp_path / "run", data, config)
    groups = [r for r in summary if r["unit"] == "group"]
    assert groups and {r["task"] for r in groups} == {"pair"}


def test_ablations_are_trained_once_and_reused(trained_run):
    run, data = trained_run
    config = EvaluationConfig(seeds=[0], baselines=[], ablations=True, max_train_frames=500)
    summary = evaluate_run(run, data, config)
    methods = {r["method"] for r in summary}
    assert {
        "BAMS short_term only",
        "BAMS long_term only",
        "BAMS bootstrap only (no HoA)",
        "BAMS HoA only (no bootstrap)",
    } <= methods
    models = sorted(p.parent.name for p in (run / "evaluation" / "ablations").glob("*/model.pt"))
    assert models == ["HoA_only", "bootstrap_only", "long_term_only", "short_term_only"]
    stamp = {p: p.stat().st_mtime for p in (run / "evaluation" / "ablations").glob("*/model.pt")}
    evaluate_run(run, data, config)
    assert all(p.stat().st_mtime == t for p, t in stamp.items())


def test_evaluation_errors(trained_run, rng):
    run, data = trained_run
    with pytest.raises(ValueError, match="Expected baselines among"):
        evaluate_run(run, data, EvaluationConfig(baselines=["lda"]))
    unlabelled = Recordings(data.sequences, feature_names=data.feature_names, actions=data.actions)
    with pytest.raises(ValueError, match="Expected recordings with labels"):
        evaluate_run(run, unlabelled)
    with pytest.raises(ValueError, match=r"Expected tasks among .* but got \['speed'\]"):
        evaluate_run(run, data, EvaluationConfig(baselines=["raw"], tasks=["class", "speed"]))
    with pytest.raises(FileNotFoundError, match="run `bams evaluate` first"):
        load_summary(run.parent)


def test_tasks_restrict_what_is_read_out(trained_run):
    run, data = trained_run
    config = EvaluationConfig(seeds=[0], baselines=["raw"], tasks=["state"], max_train_frames=500)
    assert {r["task"] for r in evaluate_run(run, data, config)} == {"state"}


def test_cli_evaluate_prints_the_table(trained_run):
    from typer.testing import CliRunner

    from bams.cli import app

    run, _ = trained_run
    result = CliRunner().invoke(
        app, ["evaluate", str(run), "--seeds", "0", "--baselines", "raw", "--test-size", "0.5"]
    )
    assert result.exit_code == 0, result.output
    assert "BAMS long_term" in result.output and "raw features" in result.output
    assert (run / "evaluation" / "summary.csv").is_file()
    bad = CliRunner().invoke(app, ["evaluate", str(run), "--baselines", "lda"])
    assert bad.exit_code == 2 and "Expected baselines among" in bad.output
