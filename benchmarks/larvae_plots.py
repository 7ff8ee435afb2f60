"""Figures of the larvae study (``benchmarks/larvae.py``): plot functions take an ``ax``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from bams import Recordings
from bams.datasets import STATES
from bams.report.plots import (
    plot_embedding_scatter,
    plot_label_band,
    plot_principal_components,
    plot_readout_bars,
)
from bams.report.style import method_colors

DPI = 80
FRAMES_PER_LARVA = 100  # frames of each larva in the scatter plots
SKIP = 100  # first frames of each track left out of the scatter plots (encoder warm-up)


def plot_reidentification(
    ax: Axes, methods: list[str], accuracy: list[float], chance: float, highlighted=()
) -> Axes:
    """Bars of re-identification accuracy per method, with the chance level as a line."""
    plot_readout_bars(
        ax,
        methods,
        accuracy,
        highlighted=highlighted,
        metric="top-1 accuracy",
        title="(a) re-identify a larva from its other half",
    )
    ax.axvline(chance, color="#D55E00", linestyle="--", linewidth=1)
    ax.text(chance, len(methods) - 0.6, f" chance {chance:.3f}", color="#D55E00", fontsize=8)
    return ax


def plot_traces(ax: Axes, times: np.ndarray, traces: dict[str, np.ndarray]) -> Axes:
    """Feature traces over time, each scaled to unit standard deviation, stacked apart."""
    for k, (name, values) in enumerate(traces.items()):
        scaled = (values - np.nanmean(values)) / (np.nanstd(values) or 1.0)
        ax.plot(times, scaled - 4 * k, linewidth=0.7, color="#333333")
        ax.text(times[-1], -4 * k, f" {name}", va="center", fontsize=8)
    ax.set_yticks([])
    ax.set_xlim(times[0], times[-1])
    return ax


def write_figures(
    folder: Path,
    data: Recordings,
    reps: dict[str, list[np.ndarray]],
    reid: dict[str, float],
    summary: list[dict],
    receptive_fields: dict[str, int],
) -> None:
    """Write ``larvae_scores.png``, ``larvae_embeddings.png`` and ``larvae_timeline.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    methods = list(reps)
    bams = [m for m in methods if m.startswith("BAMS")]
    _save(scores_figure(methods, bams, reid, summary, len(data)), folder / "larvae_scores.png")
    _save(embeddings_figure(data, reps), folder / "larvae_embeddings.png")
    _save(timeline_figure(data, reps, receptive_fields), folder / "larvae_timeline.png")


def _save(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    print(f"figure: {path}")


def _summary_values(summary, methods, task, protocol, metric):
    index = {(r["method"], r["task"], r["protocol"]): r for r in summary}
    rows = [index.get((m, task, protocol), {}) for m in methods]
    return [r.get(metric, np.nan) for r in rows], [r.get(f"{metric}_std", 0.0) for r in rows]


def scores_figure(methods, highlighted, reid, summary, n_larvae) -> Figure:
    """The three measures side by side, every method."""
    fig = Figure(figsize=(16, 0.42 * len(methods) + 1.4), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    colors = method_colors(methods, highlighted)
    plot_reidentification(axes[0], methods, [reid[m] for m in methods], 1 / n_larvae, highlighted)
    for ax, (task, protocol, metric, title) in zip(
        axes[1:],
        [
            ("dish", "mean_embedding", "balanced_accuracy", "(b) dish from mean embeddings"),
            ("state", "frame", "f1_macro", "(c) crawl / turn / pause, single frames"),
        ],
        strict=True,
    ):
        scores, stds = _summary_values(summary, methods, task, protocol, metric)
        plot_readout_bars(
            ax,
            methods,
            scores,
            stds,
            colors=colors,
            highlighted=highlighted,
            title=title,
            metric=metric.replace("balanced_accuracy", "balanced accuracy"),
        )
    return fig


def _sample(reps_one: list[np.ndarray], rng: np.random.Generator):
    """``FRAMES_PER_LARVA`` frames of each larva (after ``SKIP``): frames and their owner."""
    picks, owners = [], []
    for i, x in enumerate(reps_one):
        index = np.arange(min(SKIP, len(x) // 2), len(x))
        chosen = np.sort(rng.choice(index, min(FRAMES_PER_LARVA, len(index)), replace=False))
        picks.append(x[chosen])
        owners.append(np.full(len(chosen), i))
    return np.concatenate(picks), np.concatenate(owners)


def embeddings_figure(data: Recordings, reps: dict[str, list[np.ndarray]]) -> Figure:
    """PCA of the long-term latent and of the raw features, colored by larva and by dish."""
    rows = [m for m in ("BAMS long_term", "raw features") if m in reps]
    fig = Figure(figsize=(10, 3.6 * len(rows)), layout="constrained")
    axes = fig.subplots(len(rows), 2, squeeze=False)
    dish = data.sequence_labels["dish"]
    for row, method in zip(axes, rows, strict=True):
        frames, owner = _sample(reps[method], np.random.default_rng(0))
        points = PCA(2, random_state=0).fit_transform(StandardScaler().fit_transform(frames))
        larva = np.array(data.ids)[owner]
        plot_embedding_scatter(
            row[0], points, larva, categorical=True, legend=False, title=f"{method}: by larva"
        )
        plot_embedding_scatter(
            row[1], points, dish[owner], categorical=True, label="dish", title=f"{method}: by dish"
        )
    return fig


def timeline_figure(
    data: Recordings, reps: dict[str, list[np.ndarray]], receptive_fields: dict[str, int]
) -> Figure:
    """One larva: derived states, speed and bend, and the first PCs of each BAMS latent."""
    states = data.frame_labels["state"]
    busy = [np.mean(np.isin(s, ["turn", "pause"])) if len(s) >= 1500 else 0 for s in states]
    i = int(np.argmax(busy))
    times = np.arange(data.lengths[i]) / data.frame_rate
    latents = [m for m in ("BAMS short_term", "BAMS long_term") if m in reps]
    fig = Figure(figsize=(12, 1.2 + 1.6 * (1 + len(latents))), layout="constrained")
    axes = fig.subplots(
        2 + len(latents), 1, sharex=True, height_ratios=[0.35, 1.2] + [1.0] * len(latents)
    )
    plot_label_band(
        axes[0], states[i], data.frame_rate, categorical=True, label="state", classes=list(STATES)
    )
    axes[0].set_title(
        f"larva {data.ids[i]}: derived states (grey: unlabeled)", loc="left", fontsize=10
    )
    x = data.sequences[i]
    traces = {n: x[:, data.feature_names.index(n)] for n in ("speed", "bend", "spine_length")}
    plot_traces(axes[1], times, traces)
    for ax, method in zip(axes[2:], latents, strict=True):
        frames, _ = _sample(reps[method], np.random.default_rng(0))
        scaler = StandardScaler().fit(frames)
        pca = PCA(3, random_state=0).fit(scaler.transform(frames))
        components = pca.transform(scaler.transform(reps[method][i]))
        rf = receptive_fields[method.split(" ", 1)[1]]
        plot_principal_components(
            ax, times, components, title=f"{method} (receptive field {rf / data.frame_rate:.1f} s)"
        )
    axes[-1].set_xlabel("time (s)")
    return fig
