"""Label-free views of a run: colorings, variance between recordings, the map of recordings.

What to color frames by, how much of each latent's variance lies between recordings, and each
recording's mean long-term embedding (the map of recordings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from bams.data import Recordings
from bams.evaluation.tasks import CLASSIFICATION, REGRESSION, Task, kind_of
from bams.report.plots_embedding import plot_embedding_scatter

__all__ = [
    "MAX_COLORINGS",
    "between_recording_share",
    "colorings",
    "map_points",
    "recording_map_figure",
    "recording_means",
]

MAX_COLORINGS = 8
TIME_LABEL = "time in session (s)"


def colorings(
    data: Recordings,
    tasks: Sequence[Task] = (),
    metadata: Mapping[str, np.ndarray] | None = None,
) -> list[Task]:
    """What the embedding figures color frames by, most general first.

    The recording, its group (when groups join several recordings), the time in the session,
    every metadata column (one value per recording) and every label of the data.

    Parameters
    ----------
    data
        The recordings.
    tasks
        Their labels (:func:`bams.evaluation.tasks.tasks_from`).
    metadata
        ``{column: (n_recordings,) values}``, e.g. from a metadata table or comparisons.

    Returns
    -------
    list of Task
        At most :data:`MAX_COLORINGS`, with unique names.
    """
    out = [Task("recording", "sequence", CLASSIFICATION, np.asarray(data.ids, dtype=str))]
    if data.groups is not None and len(set(data.groups)) < len(data):
        out.append(Task("group", "sequence", CLASSIFICATION, np.asarray(data.groups, dtype=str)))
    times = [np.arange(n) / data.frame_rate for n in data.lengths]
    out.append(Task(TIME_LABEL, "frame", REGRESSION, times))
    for name, values in (metadata or {}).items():
        values = _typed(np.asarray(values))
        out.append(Task(name, "sequence", kind_of(values), values))
    out += list(tasks)
    unique = {}
    for task in out:
        unique.setdefault(task.name, task)
    return list(unique.values())[:MAX_COLORINGS]


def _typed(values: np.ndarray) -> np.ndarray:
    """Numbers stay numbers (a dose), everything else is text (a genotype)."""
    if values.dtype.kind in "fiub":
        return values
    try:
        numbers = values.astype(float)
    except ValueError:
        return values.astype(str)
    return numbers if len(np.unique(numbers)) > 10 else values.astype(str)


def recording_means(embeddings: Sequence[Mapping[str, np.ndarray]], latent: str) -> np.ndarray:
    """``(n_recordings, D)`` mean of each recording's finite frames in ``latent`` (NaN if none)."""
    out = []
    for embedding in embeddings:
        x = np.asarray(embedding[latent], dtype=np.float64)
        finite = np.isfinite(x).all(axis=1)
        out.append(x[finite].mean(axis=0) if finite.any() else np.full(x.shape[1], np.nan))
    return np.stack(out)


def between_recording_share(embeddings: Sequence[Mapping[str, np.ndarray]]) -> dict[str, float]:
    """Per latent, the share of its variance that lies between recordings.

    Each dimension is standardized over all finite frames; the share is the mean over
    dimensions of between-recording variance over total variance. A latent of slow factors
    (animal, condition) has a share near 1, one of momentary behavior a share near 0.

    Returns
    -------
    dict
        ``{latent: share in [0, 1]}`` (NaN for a latent without finite frames).
    """
    shares = {}
    for latent in embeddings[0]:
        parts = [np.asarray(e[latent], dtype=np.float64) for e in embeddings]
        parts = [x[np.isfinite(x).all(axis=1)] for x in parts]
        parts = [x for x in parts if len(x)]
        if not parts:
            shares[latent] = float("nan")
            continue
        stacked = np.concatenate(parts)
        total = stacked.var(axis=0)
        mean = stacked.mean(axis=0)
        between = sum(len(x) * (x.mean(axis=0) - mean) ** 2 for x in parts) / len(stacked)
        keep = total > 0
        shares[latent] = float(np.mean(between[keep] / total[keep])) if keep.any() else 0.0
    return shares


def map_points(means: np.ndarray) -> np.ndarray:
    """``(n, 2)`` first two principal components of the standardized recording means.

    Rows with a NaN stay NaN; with one component only, the second coordinate is 0.
    """
    finite = np.isfinite(means).all(axis=1)
    points = np.full((len(means), 2), np.nan)
    if finite.sum() >= 2:
        z = StandardScaler().fit_transform(means[finite])
        k = min(2, z.shape[0], z.shape[1])
        points[finite, :k] = PCA(n_components=k, random_state=0).fit_transform(z)
        points[finite, k:] = 0.0
    return points


def recording_map_figure(
    means: np.ndarray, ids: Sequence[str], colors: Sequence[Task], latent: str = "long_term"
) -> Figure:
    """Each recording's mean embedding on the first two principal components of the means.

    Parameters
    ----------
    means
        ``(n_recordings, D)`` recording means (:func:`recording_means`).
    ids
        The recording ids (written beside the points when there are at most 30).
    colors
        Sequence-level tasks to color by (one panel each); none gives one grey panel.
    latent
        The latent's name, for the titles.

    Returns
    -------
    Figure
    """
    points = map_points(means)
    panels = list(colors) or [None]
    cols = min(len(panels), 3)
    rows = -(-len(panels) // cols)
    fig = Figure(figsize=(4.6 * cols + 1.6, 3.9 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, task in zip(axes, panels, strict=False):
        if task is None:
            ax.scatter(*points.T, s=30, color="#555555")
            ax.set_title(f"{latent}: recording means")
        else:
            values = np.asarray(task.values)
            categorical = task.kind == CLASSIFICATION
            plot_embedding_scatter(
                ax, points, values, categorical=categorical, label=task.name,
                title=f"{latent}: recording means by {task.name}", point_size=36.0,
            )  # fmt: skip
        if len(ids) <= 30:
            for (x, y), name in zip(points, ids, strict=True):
                if np.isfinite(x):
                    ax.annotate(str(name), (x, y), fontsize=6, alpha=0.7, xytext=(3, 3),
                                textcoords="offset points")  # fmt: skip
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    return fig
