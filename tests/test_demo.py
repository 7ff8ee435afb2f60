import io

from rich.console import Console

from bams.demo import run_demo
from bams.embedding import load_embeddings


def test_quick_demo_writes_outputs_and_prints_the_table(tmp_path):
    out = io.StringIO()
    rows = run_demo(tmp_path / "demo", quick=True, console=Console(file=out, width=150))
    text = out.getvalue()
    assert "Linear readout" in text and "long_term" in text and "raw features" in text
    labels = {(r["representation"], r["label"]) for r in rows}
    assert len(labels) == 4 * 3  # 4 representations x (state, class, style)
    for name in ("data.npz", "embeddings.npz", "readout.csv", "model.pt", "config.yaml"):
        assert (tmp_path / "demo" / name).is_file(), name
    ids, embeddings = load_embeddings(tmp_path / "demo" / "embeddings.npz")
    assert len(ids) == 12 and embeddings[0]["long_term"].shape[0] == 600
