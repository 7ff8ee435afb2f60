"""Figures of the decision-making study (``benchmarks/decision_making.py``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from bams import Recordings
from bams.evaluation.identity import reidentification_chance, session_means
from bams.pipelines.decision_making import MLE_METHOD, PARAMETER_SCALES, to_unbounded
from bams.report.plots import (
    plot_embedding_scatter,
    plot_label_band,
    plot_principal_components,
    plot_readout_bars,
)
from bams.sim.bandit import STRATEGIES, BanditFit

PARAMETERS = list(PARAMETER_SCALES)

DPI = 80
SCALE_NAMES = {"logit": "logit ", "log": "log ", "identity": ""}


def write_figures(
    folder: Path,
    data: Recordings,
    reps: dict[str, list[np.ndarray]],
    fit: BanditFit,
    summary: list[dict],
    reid: dict[str, float],
    direct: dict,
    model,
) -> None:
    """Write ``decision_making_{scores,parameters,timeline}.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    _save(scores_figure(data, summary, reid, direct, list(reps)), folder, "scores")
    _save(parameters_figure(data, reps["BAMS long_term"]), folder, "parameters")
    _save(timeline_figure(data, reps["BAMS short_term"], fit, model), folder, "timeline")


def _save(fig: Figure, folder: Path, name: str) -> None:
    path = folder / f"decision_making_{name}.png"
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    print(f"figure: {path}")


def _values(summary, methods, task, protocol, metric):
    index = {(r["method"], r["task"], r["protocol"]): r for r in summary}
    rows = [index.get((m, task, protocol), {}) for m in methods]
    return [r.get(metric, np.nan) for r in rows], [r.get(f"{metric}_std", 0.0) for r in rows]


def scores_figure(data, summary, reid, direct, methods) -> Figure:
    """Mean parameter R², re-identification and strategy decoding of every method."""
    direct_name = f"{MLE_METHOD} (direct)"
    names = [*methods, direct_name]
    bams = [m for m in methods if m.startswith("BAMS")]
    fig = Figure(figsize=(16, 0.42 * len(names) + 1.4), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    mean_r2 = [
        float(np.mean([_values(summary, [m], p, "mean_embedding", "r2")[0][0] for p in PARAMETERS]))
        for m in methods
    ]
    mean_r2.append(float(np.mean([v[0] for v in direct["r2"].values()])))
    plot_readout_bars(
        axes[0],
        names,
        mean_r2,
        highlighted=bams,
        metric="mean R² (6 parameters)",
        title="(a) parameters from session means",
    )
    plot_readout_bars(
        axes[1],
        names,
        [*(reid[m] for m in methods), direct["reidentification"]],
        highlighted=bams,
        metric="top-1 accuracy",
        title="(b) re-identify across sessions",
    )
    chance = reidentification_chance(data.groups)
    axes[1].axvline(chance, color="#D55E00", linestyle="--", linewidth=1)
    scores, stds = _values(summary, methods, "strategy", "frame", "balanced_accuracy")
    plot_readout_bars(
        axes[2],
        names,
        [*scores, direct["strategy"][0]],
        [*stds, direct["strategy"][1]],
        highlighted=bams,
        metric="balanced accuracy",
        title="(c) explore / exploit per trial",
    )
    return fig


def _pca_points(means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scaled = StandardScaler().fit_transform(means)
    pca = PCA(2, random_state=0).fit(scaled)
    return pca.transform(scaled), pca.explained_variance_ratio_


def _axis_labels(ax: Axes, explained: np.ndarray) -> None:
    ax.set_xlabel(f"PC 1 ({explained[0]:.0%})")
    ax.set_ylabel(f"PC 2 ({explained[1]:.0%})")


def parameters_figure(data: Recordings, representation: list[np.ndarray]) -> Figure:
    """PCA of per-session mean long-term embeddings, one panel colored by each parameter.

    With several games (``games="per_session"``) each game's mean over individuals is
    subtracted first, since the game dominates the means; with one shared game nothing is.
    """
    means = session_means(representation)
    game = data.sequence_labels.get("game", np.zeros(len(data), dtype=np.int64))
    several = len(np.unique(game)) > 1
    for k in np.unique(game):
        means[game == k] -= means[game == k].mean(axis=0)
    points, explained = _pca_points(means)
    fig = Figure(figsize=(13, 7), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    for ax, (name, scale) in zip(axes, PARAMETER_SCALES.items(), strict=True):
        plot_embedding_scatter(
            ax,
            points,
            to_unbounded(name, data.sequence_labels[name]),
            categorical=False,
            label=f"{SCALE_NAMES[scale]}{name}",
            title=f"each game's mean removed, by {name}" if several else f"by {name}",
            point_size=8,
        )
        _axis_labels(ax, explained)
    fig.suptitle("BAMS long-term latent: one point per session (mean over its trials)")
    return fig


def plot_explore_posterior(ax: Axes, posterior: np.ndarray) -> Axes:
    """The MLE fit's per-trial probability of exploring."""
    trials = np.arange(len(posterior))
    ax.fill_between(trials, posterior, step="mid", color="#E69F00", alpha=0.6)
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(explore)")
    ax.set_xlim(trials[0], trials[-1])
    return ax


def timeline_figure(data, short_term, fit: BanditFit, model) -> Figure:
    """One session: strategy, choices, short-term PCs and the MLE's explore posterior."""
    strategy = data.frame_labels["strategy"]
    i = int(np.argsort([np.mean(s == "explore") for s in strategy])[len(strategy) * 3 // 4])
    frames = np.concatenate(short_term)
    frames = frames[np.random.default_rng(0).choice(len(frames), min(len(frames), 50_000))]
    scaler = StandardScaler().fit(frames)
    pca = PCA(3, random_state=0).fit(scaler.transform(frames))
    components = pca.transform(scaler.transform(short_term[i]))
    n_arms = sum(n.startswith("choice_") for n in data.feature_names)
    choice = np.nan_to_num(data.sequences[i][:, :n_arms]).argmax(axis=1)
    trials = np.arange(data.lengths[i])
    fig = Figure(figsize=(12, 5.5), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True, height_ratios=[1.6, 0.3, 0.3, 0.8])
    rf = model.receptive_fields_["short_term"]
    plot_principal_components(
        axes[0],
        trials,
        components,
        title=f"BAMS short-term latent, first 3 PCs (receptive field {rf} trials)",
    )
    plot_label_band(
        axes[1], strategy[i], 1.0, categorical=True, label="strategy", classes=list(STRATEGIES)
    )
    plot_label_band(
        axes[2],
        np.array([f"arm {c}" for c in choice]),
        1.0,
        categorical=True,
        label="choice",
        legend=False,
    )
    plot_explore_posterior(axes[3], fit.explore_posterior[i])
    axes[3].set_xlabel("trial")
    fig.suptitle(
        f"session {data.ids[i]} (true strategy underneath; bottom: the MLE fit's posterior)"
    )
    return fig
