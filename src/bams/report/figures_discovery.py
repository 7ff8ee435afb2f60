"""Figures of a group comparison: the recordings by group, and motif usage by group."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from bams.report.overview import map_points
from bams.report.plots_embedding import plot_embedding_scatter
from bams.report.style import category_colors

__all__ = ["comparison_figure"]


def comparison_figure(saved, means: np.ndarray, usage: np.ndarray | None = None) -> Figure:
    """The recording means colored by group and, with motifs, each motif's usage per group.

    Parameters
    ----------
    saved
        A :class:`~bams.discovery.compare_io.SavedComparison`.
    means
        ``(n_recordings, D)`` mean embedding of each recording in the compared latent.
    usage
        ``(n_recordings, K)`` fraction of each recording's frames in each motif, or None.

    Returns
    -------
    Figure
        Left: the recordings on the first two principal components of their means; right:
        one dot per recording and motif, by group, with the group means as bars and the
        motifs whose usage differs (q < 0.05) starred.
    """
    c = saved.comparison
    labels = np.asarray(saved.labels, dtype=str)
    k = 0 if usage is None else usage.shape[1]
    widths = [5.5, 0.55 * k + 1.5] if k else [5.5]
    fig = Figure(figsize=(sum(widths), 4.0), layout="constrained")
    axes = fig.subplots(1, len(widths), squeeze=False, width_ratios=widths)[0]
    plot_embedding_scatter(
        axes[0], map_points(means), labels, categorical=True, label=saved.by,
        classes=c.groups, title=f"Recording means ({c.latent}) by {saved.by}", point_size=36.0,
    )  # fmt: skip
    if not k:
        return fig
    ax, palette = axes[1], category_colors(len(c.groups))
    width = 0.8 / len(c.groups)
    for g, (group, color) in enumerate(zip(c.groups, palette, strict=True)):
        rows = usage[labels == group]
        x = np.arange(k) - 0.4 + width * (g + 0.5)
        ax.bar(x, rows.mean(axis=0), width=width * 0.9, color=color, alpha=0.45, label=group)
        jitter = (np.random.default_rng(g).random(rows.shape) - 0.5) * width * 0.6
        ax.scatter((x + jitter).ravel(), rows.ravel(), s=7, color=color, zorder=3)
    if c.motifs is not None:
        top = float(np.nanmax(usage)) * 1.08
        for motif in c.differing_motifs():
            ax.text(motif, top, "*", ha="center", fontsize=14)
        ax.set_ylim(0, top * 1.08)
    ax.set_xticks(np.arange(k))
    ax.set_xlabel("motif")
    ax.set_ylabel("fraction of frames")
    ax.set_title("Motif usage by group (* q < 0.05)")
    ax.legend(frameon=False, fontsize=8, title=saved.by)
    return fig
