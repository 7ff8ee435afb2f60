"""Tables of motifs: labels per frame, bouts, usage, transitions and distinguishing features.

The :class:`bams.discovery.Motifs` methods call these; they read only its labels, ids,
frame rate and groups (and the recordings' features for :func:`motif_features`).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from bams.data import Recordings

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from bams.discovery.motifs import Motifs

__all__ = [
    "bouts_frame",
    "duration_summary",
    "labels_frame",
    "motif_features",
    "run_lengths",
    "transition_matrix",
    "usage_frame",
]


def _pandas():
    try:
        import pandas
    except ImportError as err:
        raise ImportError(
            "Expected pandas for the motif tables, but it is not installed: pip install "
            "'bams[discovery]'."
        ) from err
    return pandas


def run_lengths(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bouts of a ``(T,)`` label array: ``(starts, lengths, values)``, each ``(n_bouts,)``."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    lengths = np.diff(np.r_[starts, len(labels)])
    return starts, lengths, labels[starts].astype(np.int64)


def labels_frame(motifs: Motifs) -> pd.DataFrame:
    """One row per frame: ``recording, frame, time_s, motif`` (``time_s = frame / rate``)."""
    pandas = _pandas()
    frames = [np.arange(len(x)) for x in motifs.labels]
    return pandas.DataFrame(
        {
            "recording": np.repeat(motifs.ids, [len(x) for x in motifs.labels]),
            "frame": np.concatenate(frames),
            "time_s": np.concatenate(frames) / motifs.frame_rate,
            "motif": np.concatenate(motifs.labels),
        }
    )


def bouts_frame(motifs: Motifs) -> pd.DataFrame:
    """One row per bout: ``recording, motif, start_frame, n_frames, duration_s``."""
    pandas = _pandas()
    rows = []
    for rid, labels in zip(motifs.ids, motifs.labels, strict=True):
        starts, lengths, values = run_lengths(labels)
        rows.append(
            pandas.DataFrame(
                {
                    "recording": rid,
                    "motif": values,
                    "start_frame": starts,
                    "n_frames": lengths,
                    "duration_s": lengths / motifs.frame_rate,
                }
            )
        )
    return pandas.concat(rows, ignore_index=True)


def duration_summary(motifs: Motifs) -> pd.DataFrame:
    """Bout durations per motif (s): ``motif, n_bouts, mean_s, median_s, total_s``.

    Motifs without a bout have ``n_bouts`` 0 and NaN durations.
    """
    bouts = bouts_frame(motifs)
    summary = (
        bouts.groupby("motif")["duration_s"]
        .agg(n_bouts="count", mean_s="mean", median_s="median", total_s="sum")
        .reindex(range(motifs.n_motifs))
    )
    summary["n_bouts"] = summary["n_bouts"].fillna(0).astype(int)
    return summary.rename_axis("motif").reset_index()


def usage_frame(motifs: Motifs, by: str = "recording") -> pd.DataFrame:
    """Fraction of frames per motif, one row per recording or group (see ``Motifs.usage``)."""
    pandas = _pandas()
    if by not in ("recording", "group"):
        raise ValueError(f"Expected by='recording' or 'group', but got {by!r}.")
    units = motifs.ids if by == "recording" or motifs.groups is None else motifs.groups
    counts: dict[str, np.ndarray] = {}
    for unit, labels in zip(units, motifs.labels, strict=True):
        count = np.bincount(labels, minlength=motifs.n_motifs).astype(np.float64)
        counts[unit] = counts.get(unit, 0.0) + count
    table = np.array([c / max(c.sum(), 1.0) for c in counts.values()])
    name = "group" if by == "group" and motifs.groups is not None else "recording"
    index = pandas.Index(list(counts), name=name)
    return pandas.DataFrame(table, index=index, columns=list(range(motifs.n_motifs)))


def transition_matrix(motifs: Motifs, normalize: bool = True) -> np.ndarray:
    """The ``(K, K)`` bout-to-bout transitions (counts, or rows summing to 1; zero diagonal).

    Bouts are counted within each recording. A row with no transition out becomes uniform
    over the other motifs when ``normalize``.
    """
    k = motifs.n_motifs
    counts = np.zeros((k, k), dtype=np.float64)
    for labels in motifs.labels:
        values = run_lengths(labels)[2]
        np.add.at(counts, (values[:-1], values[1:]), 1.0)
    if not normalize:
        return counts
    uniform = (1.0 - np.eye(k)) / max(k - 1, 1)
    totals = counts.sum(axis=1, keepdims=True)
    return np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), uniform)


def motif_features(motifs: Motifs, data: Recordings, top: int = 5) -> pd.DataFrame:
    """The input features that most distinguish each motif.

    Each feature of ``data.sequences`` is z-scored over all frames (NaN ignored); its mean
    over the frames of a motif is the motif's score, and the ``top`` features of largest
    absolute score are kept.

    Parameters
    ----------
    motifs
        Motifs of ``data`` (labels of shape ``(T_i,)``).
    data
        The recordings, sequences of shape ``(T_i, F)``.
    top
        Features kept per motif (at most ``F``).

    Returns
    -------
    pandas.DataFrame
        Columns ``motif, rank, feature, mean_z``; rank 1 is the most distinctive.

    Raises
    ------
    ValueError
        If the recordings do not have the motifs' lengths.
    """
    pandas = _pandas()
    lengths = [len(x) for x in motifs.labels]
    if lengths != [int(n) for n in data.lengths]:
        raise ValueError(
            f"Expected recordings of {lengths} frames, but got {data.lengths.tolist()}."
        )
    x = np.concatenate(data.sequences).astype(np.float64)
    labels = np.concatenate(motifs.labels)
    rows = []
    with warnings.catch_warnings():  # all-NaN features or motifs: no score, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        std = np.nanstd(x, axis=0)
        z = (x - np.nanmean(x, axis=0)) / np.where(std > 0, std, 1.0)
        scores = [np.nanmean(z[labels == m], axis=0) for m in range(motifs.n_motifs)]
    for motif, means in enumerate(scores):
        if np.isnan(means).all():
            continue
        means = np.nan_to_num(means)
        for rank, j in enumerate(np.argsort(-np.abs(means), kind="stable")[:top], start=1):
            rows.append((motif, rank, data.feature_names[j], float(means[j])))
    return pandas.DataFrame(rows, columns=["motif", "rank", "feature", "mean_z"])
