import io

import pytest
from rich.console import Console

from bams.demo import run_demo
from bams.embedding import load_embeddings

pytest.importorskip("mujoco")


def test_quick_quadruped_demo_writes_outputs_report_and_verdict(tmp_path):
    out = io.StringIO()
    summary = run_demo(tmp_path / "demo", quick=True, console=Console(file=out, width=150))
    text = out.getvalue()
    assert "simulated quadrupeds" in text and "raw features" in text
    assert "trajectory factor 'robot_type'" in text and "moment factor 'terrain_type'" in text
    assert "Report:" in text and str(tmp_path / "demo" / "report" / "index.html") in text
    assert {r["task"] for r in summary} == {
        "robot_type",
        "command_speed",
        "body_mass",
        "terrain_type",
        "terrain_slope",
        "terrain_difficulty",
    }
    for name in (
        "quadrupeds.npz",
        "embeddings.npz",
        "model.pt",
        "config.yaml",
        "report/index.html",
    ):
        assert (tmp_path / "demo" / name).is_file(), name
    ids, embeddings = load_embeddings(tmp_path / "demo" / "embeddings.npz")
    assert len(ids) == 8 and embeddings[0]["long_term"].shape[0] == 100
    # The simulated data are cached: a second run reuses them.
    stamp = (tmp_path / "demo" / "quadrupeds.npz").stat().st_mtime
    run_demo(tmp_path / "demo", quick=True, console=Console(file=io.StringIO()))
    assert (tmp_path / "demo" / "quadrupeds.npz").stat().st_mtime == stamp


def test_quick_synthetic_demo_writes_outputs_report_and_prints_the_tables(tmp_path):
    out = io.StringIO()
    summary = run_demo(
        tmp_path / "demo", dataset="synthetic", quick=True, console=Console(file=out, width=150)
    )
    text = out.getvalue()
    assert "Linear readouts from single frames" in text and "raw features" in text
    assert "slow factor 'class'" in text and "fast factor 'state'" in text
    assert "Report:" in text and str(tmp_path / "demo" / "report" / "index.html") in text
    methods = {r["method"] for r in summary}
    assert {"BAMS long_term", "BAMS short_term", "raw features", "PCA of raw features"} <= methods
    assert {r["task"] for r in summary} == {"state", "class", "style"}
    for name in ("data.npz", "embeddings.npz", "evaluation/summary.csv", "report/index.html"):
        assert (tmp_path / "demo" / name).is_file(), name
    ids, embeddings = load_embeddings(tmp_path / "demo" / "embeddings.npz")
    assert len(ids) == 12 and embeddings[0]["long_term"].shape[0] == 600


def test_unknown_dataset_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="Expected dataset among"):
        run_demo(tmp_path, dataset="mice")
