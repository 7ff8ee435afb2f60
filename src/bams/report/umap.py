"""UMAP views of each latent (the optional ``umap`` extra: ``pip install 'bams[umap]'``)."""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from bams.evaluation.tasks import CLASSIFICATION, Task
from bams.report.figures import _classes, _values_at
from bams.report.plots_embedding import plot_embedding_scatter

__all__ = ["UMAP_FRAMES", "umap_available", "umap_figure", "umap_points"]

UMAP_FRAMES = 5_000
"""Frames embedded by UMAP per latent (its cost grows faster than linearly)."""


def umap_available() -> bool:
    """Whether ``umap-learn`` is installed."""
    return importlib.util.find_spec("umap") is not None


def umap_points(frames: np.ndarray, seed: int = 0) -> np.ndarray:
    """``(n, 2)`` UMAP coordinates of standardized ``(n, D)`` frames (15 neighbours)."""
    import umap

    z = (frames - frames.mean(axis=0)) / np.maximum(frames.std(axis=0), 1e-12)
    with warnings.catch_warnings():  # n_jobs is overridden by the seed: that is intended
        warnings.simplefilter("ignore", UserWarning)
        reducer = umap.UMAP(n_components=2, n_neighbors=15, min_dist=0.1, random_state=seed)
        return reducer.fit_transform(z)


def umap_figure(
    frames: Mapping[str, np.ndarray],
    tasks: Sequence[Task],
    recording: np.ndarray,
    frame: np.ndarray,
    seed: int = 0,
) -> Figure:
    """UMAP of each latent (columns) colored by each task (rows).

    Parameters
    ----------
    frames
        ``{latent: (n, D)}`` embedding of the sampled frames.
    tasks
        What to color by (see :func:`bams.report.overview.colorings`).
    recording, frame
        ``(n,)`` where each sampled frame comes from.
    seed
        UMAP's random state.

    Returns
    -------
    Figure
    """
    points = {name: umap_points(x, seed) for name, x in frames.items()}
    rows, cols = max(len(tasks), 1), len(points)
    fig = Figure(figsize=(4.3 * cols + 1.8, 3.9 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, task in enumerate(tasks):
        values = _values_at(task, recording, frame)
        categorical = task.kind == CLASSIFICATION
        for j, (name, xy) in enumerate(points.items()):
            last = j == cols - 1
            plot_embedding_scatter(
                axes[i, j], xy, values, categorical=categorical, label=task.name,
                title=f"{name}: {task.name}",
                classes=_classes(task) if categorical else None, legend=last, colorbar=last,
            )  # fmt: skip
            axes[i, j].set_xlabel("UMAP 1")
            axes[i, j].set_ylabel("UMAP 2")
    return fig
