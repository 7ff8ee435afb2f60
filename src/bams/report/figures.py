"""The report's figures: data preparation, and the plot functions composed into figures.

Figures are :class:`matplotlib.figure.Figure` objects rendered by the Agg canvas, so nothing
here touches pyplot's global state or the selected backend.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from bams.evaluation.protocols import PROTOCOLS, headline_protocol
from bams.evaluation.tasks import CLASSIFICATION, Task
from bams.report.plots import plot_loss_curves, plot_readout_bars, plot_receptive_fields
from bams.report.plots_embedding import (
    plot_embedding_scatter,
    plot_label_band,
    plot_principal_components,
)
from bams.report.style import METRIC_NAMES
from bams.utils.atomic import atomic_write

DPI = 110


def render_png(fig: Figure, path: str | Path, dpi: int = DPI) -> bytes:
    """Render ``fig`` with the Agg canvas, write it to ``path`` and return the PNG bytes.

    Text is drawn as written: ids, labels and column names are the user's, and a ``$`` in
    them must not start (and break) matplotlib's math mode.
    """
    FigureCanvasAgg(fig)
    for text in fig.findobj(Text):  # tick labels set by name have their text already
        if "$" in text.get_text():
            text.set_parse_math(False)  # log-axis ticks (10^k) are formatted later: math stays
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    data = buffer.getvalue()
    atomic_write(path, data)
    return data


# ---------------------------------------------------------------------- readouts
def readout_bars_figure(
    rows: Sequence[dict],
    methods: Sequence[str],
    colors: Mapping[str, str],
    highlighted: Sequence[str],
) -> Figure:
    """One bar chart per task (headline protocol), methods as bars.

    Parameters
    ----------
    rows
        Summary rows of one unit (see :func:`bams.evaluation.run.load_summary`).
    methods
        Methods in display order.
    colors
        ``{method: color}``.
    highlighted
        The BAMS methods.

    Returns
    -------
    Figure
        One panel per task.
    """
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    ncols = min(len(tasks), 3)
    nrows = -(-len(tasks) // ncols)
    height = 0.75 + 0.3 * len(methods)
    fig = Figure(figsize=(4.6 * ncols + 1.6, height * nrows + 0.3), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, task in zip(axes.flat, tasks, strict=False):
        task_rows = [r for r in rows if r["task"] == task]
        protocol = headline_protocol(task_rows[0]["level"])
        found = {r["method"]: r for r in task_rows if r["protocol"] == protocol}
        shown = [m for m in methods if m in found]
        metric = found[shown[0]]["metric"] if shown else "f1_macro"
        plot_readout_bars(
            ax,
            shown,
            [found[m]["score"] for m in shown],
            [found[m]["score_std"] for m in shown],
            colors=colors,
            highlighted=highlighted,
            metric=metric,
            title=f"{task}  ({PROTOCOLS[protocol].title}, {METRIC_NAMES.get(metric, metric)})",
        )
    for ax in axes.flat[len(tasks) :]:
        ax.set_axis_off()
    for row in axes:  # method names once per row
        for ax in row[1:]:
            ax.tick_params(labelleft=False)
    return fig


# ---------------------------------------------------------------------- embeddings
@dataclass
class Projection:
    """A standardize + PCA projection of one latent space, fitted on sampled frames.

    Attributes
    ----------
    latent
        The latent space's name.
    pipeline
        Fitted ``StandardScaler -> PCA``.
    points
        ``(n, k)`` component scores of the sampled frames, in units of each component's SD.
    explained
        ``(k,)`` fraction of variance explained by each component.
    """

    latent: str
    pipeline: Pipeline
    points: np.ndarray
    explained: np.ndarray

    def transform(self, frames: np.ndarray) -> np.ndarray:
        """Component scores ``(T, k)`` (in SD units) of embedding frames ``(T, D)``."""
        pca = self.pipeline[-1]
        return self.pipeline.transform(frames) / np.sqrt(pca.explained_variance_)


def sample_frames(
    lengths: Sequence[int], n_frames: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Draw up to ``n_frames`` frames uniformly over recordings, in random order.

    Returns
    -------
    recording, frame : np.ndarray
        ``(n,)`` recording index and frame index of each drawn frame.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    total = int(starts[-1])
    pick = np.random.default_rng(seed).choice(total, min(n_frames, total), replace=False)
    recording = np.searchsorted(starts, pick, side="right") - 1
    return recording, pick - starts[recording]


def fit_projections(
    embeddings: Sequence[Mapping[str, np.ndarray]],
    recording: np.ndarray,
    frame: np.ndarray,
    n_components: int = 3,
) -> tuple[dict[str, Projection], np.ndarray]:
    """Fit a projection of each latent space on the sampled frames.

    Parameters
    ----------
    embeddings
        Per recording ``{latent: (T_i, D)}``.
    recording, frame
        ``(n,)`` sampled frames (see :func:`sample_frames`).
    n_components
        Principal components kept.

    Returns
    -------
    projections : dict
        ``{latent: Projection}``.
    keep : np.ndarray
        ``(n,)`` mask of the sampled frames finite in every latent (the projected ones).
    """
    latents = list(embeddings[0])
    stacked = {
        name: np.stack([embeddings[r][name][f] for r, f in zip(recording, frame, strict=True)])
        for name in latents
    }
    keep = np.logical_and.reduce([np.isfinite(x).all(axis=1) for x in stacked.values()])
    out = {}
    for name, x in stacked.items():
        k = int(min(n_components, x.shape[1], keep.sum()))
        pipeline = make_pipeline(StandardScaler(), PCA(n_components=k, random_state=0))
        pipeline.fit(x[keep])
        projection = Projection(
            name, pipeline, np.empty((0, k)), pipeline[-1].explained_variance_ratio_
        )
        projection.points = projection.transform(x[keep])
        out[name] = projection
    return out, keep


def pca_figure(
    projections: Mapping[str, Projection],
    tasks: Sequence[Task],
    recording: np.ndarray,
    frame: np.ndarray,
) -> Figure:
    """PCA scatter of each latent (columns) colored by each label (rows).

    Parameters
    ----------
    projections
        ``{latent: Projection}`` of the sampled frames.
    tasks
        The labels; a sequence-level label colors every frame with its recording's value.
    recording, frame
        ``(n,)`` sampled frames that were projected (same order as ``Projection.points``).

    Returns
    -------
    Figure
        ``len(tasks)`` rows by ``len(projections)`` columns of panels.
    """
    rows = max(len(tasks), 1)
    cols = len(projections)
    fig = Figure(figsize=(4.3 * cols + 1.8, 3.9 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, task in enumerate(tasks):
        values = _values_at(task, recording, frame)
        categorical = task.kind == CLASSIFICATION
        classes = _classes(task) if categorical else None
        for j, (name, projection) in enumerate(projections.items()):
            last = j == cols - 1
            variance = ", ".join(f"{v:.0%}" for v in projection.explained[:2])
            plot_embedding_scatter(
                axes[i, j],
                projection.points[:, :2],
                values,
                categorical=categorical,
                label=task.name,
                title=f"{name}: {task.name}",
                classes=classes,
                legend=last,
                colorbar=last,
            )
            axes[i, j].set_xlabel(f"PC 1 ({variance.split(', ')[0]} of variance)")
            if projection.points.shape[1] > 1:
                axes[i, j].set_ylabel(f"PC 2 ({variance.split(', ')[-1]})")
    if not tasks:
        for j, (name, projection) in enumerate(projections.items()):
            axes[0, j].scatter(*projection.points[:, :2].T, s=2, color="#555555", rasterized=True)
            axes[0, j].set_title(f"{name} (no labels)")
    return fig


def timeline_figure(
    projections: Mapping[str, Projection],
    embedding: Mapping[str, np.ndarray],
    tasks: Sequence[Task],
    index: int,
    frame_rate: float,
    recording_id: str,
    max_seconds: float = 60.0,
) -> Figure:
    """The first principal components of each latent over one recording, labels underneath.

    Parameters
    ----------
    projections
        ``{latent: Projection}``.
    embedding
        ``{latent: (T, D)}`` of the recording.
    tasks
        The labels: frame labels are drawn as bands, sequence labels in the title.
    index
        Position of the recording in the data.
    frame_rate
        Frames per second.
    recording_id
        Shown in the title.
    max_seconds
        Only the first ``max_seconds`` seconds are drawn.

    Returns
    -------
    Figure
        One panel per latent, then one strip per frame label.
    """
    frame_tasks = [t for t in tasks if t.level == "frame"]
    n = min(len(next(iter(embedding.values()))), max(int(max_seconds * frame_rate), 2))
    times = np.arange(n) / frame_rate
    ratios = [3.0] * len(projections) + [0.45] * len(frame_tasks)
    fig = Figure(
        figsize=(13, 2.3 * len(projections) + 0.55 * len(frame_tasks) + 0.8), layout="constrained"
    )
    axes = fig.subplots(len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios})
    axes = np.atleast_1d(axes)
    for ax, (name, projection) in zip(axes, projections.items(), strict=False):
        plot_principal_components(
            ax,
            times,
            projection.transform(embedding[name][:n]),
            title=f"{name} embedding: first principal components",
        )
    for ax, task in zip(axes[len(projections) :], frame_tasks, strict=True):
        categorical = task.kind == CLASSIFICATION
        plot_label_band(
            ax,
            np.asarray(task.values[index])[:n],
            frame_rate,
            categorical=categorical,
            label=task.name,
            classes=_classes(task) if categorical else None,
        )
    axes[-1].set_xlabel("time (s)")
    axes[-1].set_xlim(0, n / frame_rate)
    sequence = [
        f"{t.name} = {_format_value(t.values[index])}" for t in tasks if t.level == "sequence"
    ]
    shown = "" if n == len(next(iter(embedding.values()))) else f" (first {n / frame_rate:.0f} s)"
    fig.suptitle(
        f"Recording {recording_id!r}{shown}" + (f": {', '.join(sequence)}" if sequence else ""),
        fontsize=11,
    )
    return fig


# ---------------------------------------------------------------------- training
def loss_figure(
    history: Mapping[str, Sequence[float]], colors: Mapping[str, str] | None = None
) -> Figure:
    """The total loss and each of its terms against the epoch, side by side (log scale).

    The gradient diagnostics of the history (norm, clipped fraction) are not loss terms and
    are left out.
    """
    from bams.training.clipping import HISTORY_KEYS

    fig = Figure(figsize=(12, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    terms = [t for t in history if t not in ("epoch", "total", *HISTORY_KEYS)]
    if "total" in history:
        plot_loss_curves(left, history, ["total"], title="Total loss")
    else:
        left.set_axis_off()
    if terms:
        plot_loss_curves(right, history, terms, title="Loss terms (unweighted)", colors=colors)
    else:
        right.set_axis_off()
    if not history or not history.get("epoch"):
        left.text(
            0.5,
            0.5,
            "No training history recorded",
            ha="center",
            va="center",
            transform=left.transAxes,
        )
    return fig


def receptive_field_figure(
    fields: Mapping[str, int],
    frame_rate: float,
    hoa_window: int | None,
    window_length: int | None,
    colors: Mapping[str, str] | None = None,
) -> Figure:
    """The receptive field of each latent space, with the HoA and training windows."""
    n = len(fields) + (hoa_window is not None) + (window_length is not None)
    fig = Figure(figsize=(12, 0.42 * n + 0.9), layout="constrained")
    ax = fig.subplots()
    plot_receptive_fields(
        ax, fields, frame_rate, hoa_window=hoa_window, window_length=window_length, colors=colors
    )
    return fig


# ---------------------------------------------------------------------- helpers
def _values_at(task: Task, recording: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """The label of each sampled frame (a sequence label: its recording's value)."""
    if task.level == "sequence":
        return np.asarray(task.values)[recording]
    return np.array([task.values[r][f] for r, f in zip(recording, frame, strict=True)])


def _classes(task: Task) -> list:
    values = np.asarray(task.values) if task.level == "sequence" else np.concatenate(task.values)
    if values.dtype.kind == "f":
        values = values[~np.isnan(values)]
    return list(np.unique(values))


def _format_value(value) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.3g}"
    return str(value)
