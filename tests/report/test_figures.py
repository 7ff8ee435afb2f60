import numpy as np
import pytest
from matplotlib.figure import Figure

from bams.evaluation.tasks import Task
from bams.report.figures import (
    fit_projections,
    loss_figure,
    pca_figure,
    readout_bars_figure,
    receptive_field_figure,
    render_png,
    sample_frames,
    timeline_figure,
)


@pytest.fixture
def embeddings(rng):
    lengths = [120, 80, 100]
    return [
        {"short_term": rng.normal(size=(n, 6)), "long_term": rng.normal(size=(n, 4))}
        for n in lengths
    ]


@pytest.fixture
def tasks(rng):
    return [
        Task("state", "frame", "classification", [rng.integers(0, 3, n) for n in (120, 80, 100)]),
        Task("style", "sequence", "regression", np.array([0.1, -0.4, np.nan])),
    ]


def test_sample_frames_draws_distinct_frames_within_recordings():
    recording, frame = sample_frames([5, 0, 3], 100, seed=0)
    assert len(recording) == 8
    pairs = set(zip(recording.tolist(), frame.tolist(), strict=True))
    assert pairs == {(0, f) for f in range(5)} | {(2, f) for f in range(3)}
    recording, frame = sample_frames([50, 50], 10, seed=1)
    assert len(recording) == 10 and (frame < 50).all()


def test_projections_have_unit_variance_components(embeddings):
    embeddings[1]["long_term"][3] = np.nan
    recording, frame = sample_frames([len(e["short_term"]) for e in embeddings], 1000)
    projections, keep = fit_projections(embeddings, recording, frame)
    assert list(projections) == ["short_term", "long_term"]
    assert keep.sum() == 299
    for projection in projections.values():
        assert projection.points.shape == (299, 3)
        assert projection.points.std(axis=0, ddof=1) == pytest.approx(np.ones(3), rel=1e-6)
        assert projection.explained.shape == (3,)
        assert projection.transform(embeddings[0][projection.latent]).shape == (120, 3)


def test_pca_figure_has_a_panel_per_label_and_latent(embeddings, tasks):
    recording, frame = sample_frames([120, 80, 100], 200)
    projections, keep = fit_projections(embeddings, recording, frame)
    fig = pca_figure(projections, tasks, recording[keep], frame[keep])
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 4
    assert panels[1].get_title() == "long_term: state"
    assert panels[1].get_legend() is not None and panels[0].get_legend() is None


def test_timeline_figure_draws_latents_then_frame_labels(embeddings, tasks):
    recording, frame = sample_frames([120, 80, 100], 200)
    projections, _ = fit_projections(embeddings, recording, frame)
    fig = timeline_figure(projections, embeddings[1], tasks, 1, 30.0, "rec1", max_seconds=2)
    assert len(fig.axes) == 3
    assert [len(ax.lines) for ax in fig.axes[:2]] == [3, 3]
    assert len(fig.axes[2].images) == 1
    assert fig.axes[2].get_xlim()[1] == pytest.approx(2.0)
    assert "style = -0.4" in fig._suptitle.get_text()


def test_readout_bars_figure_one_panel_per_task():
    rows = [
        {
            "method": m,
            "task": t,
            "protocol": p,
            "level": lv,
            "metric": "f1_macro",
            "score": 0.5,
            "score_std": 0.1,
        }
        for m in ("BAMS a", "raw")
        for t, p, lv in (
            ("state", "frame", "frame"),
            ("class", "per_frame", "sequence"),
            ("class", "mean_embedding", "sequence"),
        )
    ]
    fig = readout_bars_figure(
        rows, ["BAMS a", "raw"], {"BAMS a": "blue", "raw": "grey"}, ["BAMS a"]
    )
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [len(ax.patches) for ax in panels] == [2, 2]
    assert "single frames" in panels[1].get_title()


def test_loss_and_receptive_field_figures_render(tmp_path):
    history = {"epoch": [1, 2], "total": [3.0, 2.0], "hoa": [0.1, 0.05], "long_term": [1.0, 0.9]}
    fig = loss_figure(history)
    assert [len(ax.lines) for ax in fig.axes] == [1, 2]
    assert render_png(fig, tmp_path / "loss.png").startswith(b"\x89PNG")
    fig = receptive_field_figure({"a": 10}, 10.0, hoa_window=3, window_length=20)
    assert isinstance(fig, Figure) and len(fig.axes[0].collections) == 3
    empty = loss_figure({})
    assert "No training history" in empty.axes[0].texts[0].get_text()


def test_user_text_is_drawn_as_written_and_log_ticks_keep_their_math(tmp_path):
    from matplotlib.figure import Figure

    from bams.report.figures import render_png

    fig = Figure()
    ax = fig.subplots()
    ax.plot([1, 10, 100])
    ax.set_yscale("log")
    ax.set_xticks([0, 1, 2], labels=["cage$x^^$", "b", "c"])  # would not parse as math
    ax.set_title("dose $x^^$")
    assert render_png(fig, tmp_path / "f.png").startswith(b"\x89PNG")
    assert not ax.title.get_parse_math()
    first = ax.get_xticklabels()[0]
    assert first.get_text() == "cage$x^^$" and not first.get_parse_math()
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(t.get_parse_math() for t in labels)  # 10^k as math text
    assert any("mathdefault" in t.get_text() for t in labels)
