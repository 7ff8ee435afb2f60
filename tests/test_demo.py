import io

from rich.console import Console

from bams.demo import run_demo
from bams.embedding import load_embeddings


def test_quick_demo_writes_outputs_report_and_prints_the_tables(tmp_path):
    out = io.StringIO()
    summary = run_demo(tmp_path / "demo", quick=True, console=Console(file=out, width=150))
    text = out.getvalue()
    assert "Linear readouts from single frames" in text and "raw features" in text
    assert "slow factor 'class'" in text and "fast factor 'state'" in text
    assert "Report:" in text and str(tmp_path / "demo" / "report" / "index.html") in text
    methods = {r["method"] for r in summary}
    assert {"BAMS long_term", "BAMS short_term", "raw features", "PCA of raw features"} <= methods
    assert {r["task"] for r in summary} == {"state", "class", "style"}
    for name in (
        "data.npz",
        "embeddings.npz",
        "model.pt",
        "config.yaml",
        "evaluation/summary.csv",
        "report/index.html",
    ):
        assert (tmp_path / "demo" / name).is_file(), name
    ids, embeddings = load_embeddings(tmp_path / "demo" / "embeddings.npz")
    assert len(ids) == 12 and embeddings[0]["long_term"].shape[0] == 600
