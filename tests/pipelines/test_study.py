import numpy as np
import pytest

from bams import BAMS
from bams.data import Recordings
from bams.evaluation import Evaluation, EvaluationConfig, evaluate
from bams.evaluation.run import evaluate_run
from bams.pipelines.study import Study, run_study
from bams.report import write_report, write_run_report
from bams.runs import load_run
from bams.sim.synthetic import make_synthetic


@pytest.fixture
def count_transforms(monkeypatch):
    calls = []
    original = BAMS.transform

    def counted(self, X):
        calls.append(len(X))
        return original(self, X)

    monkeypatch.setattr(BAMS, "transform", counted)
    return calls


def _study(tiny_params, **changes) -> Study:
    def load_data(out):
        return Recordings.load(make_synthetic(8, 200, seed=0).save(out / "data.npz"))

    fields = {
        "name": "tiny",
        "load_data": load_data,
        "params": {**tiny_params, "logger": "csv"},
        "evaluation": EvaluationConfig(seeds=[0], baselines=["raw"], max_train_frames=500),
    }
    return Study(**{**fields, **changes})


def test_a_study_embeds_each_recording_once_and_writes_the_run(
    tmp_path, tiny_params, count_transforms
):
    result = run_study(_study(tiny_params), tmp_path / "run")
    assert count_transforms == [8]  # one pass: evaluation and report reuse it
    for name in ("config.yaml", "model.pt", "embeddings.npz", "evaluation/summary.csv"):
        assert (tmp_path / "run" / name).is_file(), name
    assert result.report == tmp_path / "run" / "report" / "index.html"
    assert list(result.seconds) == ["data", "training", "embedding", "evaluation", "report"]
    assert {r["method"] for r in result.summary} >= {"BAMS long_term", "raw features"}
    assert not result.reused


def test_run_commands_reuse_the_saved_embeddings_of_the_same_model_and_data(
    tmp_path, tiny_params, count_transforms
):
    run = tmp_path / "run"
    result = run_study(_study(tiny_params), run)
    count_transforms.clear()
    loaded = load_run(run)
    assert count_transforms == []
    for a, b in zip(loaded.embeddings, result.embeddings, strict=True):
        np.testing.assert_array_equal(a["long_term"], b["long_term"])
    evaluate_run(run, config=EvaluationConfig(seeds=[0], baselines=["raw"]))
    write_run_report(run)
    assert count_transforms == []
    # Other recordings (in memory, no file) or another model: embedded again.
    load_run(run, make_synthetic(3, 150, seed=1))
    assert count_transforms == [3]
    BAMS(**{**tiny_params, "seed": 5, "output_dir": run}).fit(result.data, overwrite=True)
    load_run(run)
    assert count_transforms == [3, 8]


def test_reuse_skips_training_only_for_the_same_settings(tmp_path, tiny_params):
    run_study(_study(tiny_params), tmp_path / "run")
    again = run_study(_study(tiny_params), tmp_path / "run", reuse=True)
    assert again.reused
    changed = _study({**tiny_params, "max_steps": 4})
    assert not run_study(changed, tmp_path / "run", reuse=True).reused


def test_a_study_with_its_own_evaluation_stage(tmp_path, tiny_params):
    seen = {}

    def own(context):
        seen["embedded"] = context.embeddings is None
        return "judged"

    result = run_study(_study(tiny_params, evaluate=own, embed=False), tmp_path / "run")
    assert result.evaluation == "judged" and seen == {"embedded": True}
    assert result.report is None and result.summary == []
    assert not (tmp_path / "run" / "embeddings.npz").exists()


def test_stages_work_in_memory_without_a_run_directory(tmp_path, tiny_params, small_data):
    model = BAMS(**tiny_params).fit(small_data)
    embeddings = model.transform(small_data)
    config = EvaluationConfig(seeds=[0], baselines=["raw", "window_average"])
    evaluation = evaluate(model, small_data, config, embeddings=embeddings)
    assert evaluation.methods["BAMS both"] == 16 and evaluation.n_recordings == len(small_data)
    index = write_report(model, small_data, evaluation, tmp_path / "report")
    page = index.read_text()
    assert "BAMS long_term" in page and "run directory" not in page
    loaded = Evaluation.load(evaluation.save(tmp_path / "evaluation"))
    assert [r["score"] for r in loaded.summary] == pytest.approx(
        [r["score"] for r in evaluation.summary]
    )
    assert len(loaded.rows) == len(evaluation.rows) and loaded.methods == evaluation.methods
