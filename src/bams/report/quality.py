"""The data-quality panel of the report: what is missing, where, and what the model cannot see.

A frame is *masked* (the network sees it as missing, and it is never a training target) when
any of its features is missing. For pose data the features come from keypoints
(``<keypoint>_forward``, ``<keypoint>_left``), so missing values are also counted per keypoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from bams.data import Recordings
from bams.report.style import CONTINUOUS_CMAP

__all__ = ["MAX_QUALITY_ROWS", "DataQuality", "data_quality", "quality_figure"]

MAX_QUALITY_ROWS = 40
"""Recordings shown one per row in the figure; beyond, rows are groups (or the worst ones)."""


@dataclass
class DataQuality:
    """Missing data per recording, per keypoint (or feature) and per group.

    Attributes
    ----------
    ids
        The recording ids.
    groups
        The group (e.g. animal or video) of each recording, or None.
    lengths
        ``(n,)`` frames per recording.
    masked
        ``(n,)`` fraction of each recording's frames with any feature missing.
    columns
        The keypoints (pose data) or features the missing fractions are given for.
    missing
        ``(n, len(columns))`` fraction of frames where each keypoint (or feature) is missing.
    long_term_field
        Receptive field of the long-term latent in frames (None without one).
    frame_rate
        Frames per second.
    keypoints
        Whether :attr:`columns` are keypoints (pose data) rather than features.
    """

    ids: list[str]
    groups: list[str] | None
    lengths: np.ndarray
    masked: np.ndarray
    columns: list[str]
    missing: np.ndarray
    long_term_field: int | None
    frame_rate: float
    keypoints: bool = False

    @property
    def short(self) -> list[str]:
        """Recordings shorter than the long-term receptive field (its warm-up never ends)."""
        if self.long_term_field is None:
            return []
        return [i for i, n in zip(self.ids, self.lengths, strict=True) if n < self.long_term_field]

    @property
    def masked_overall(self) -> float:
        """Fraction of all frames that are masked."""
        return float((self.masked * self.lengths).sum() / max(self.lengths.sum(), 1))

    def group_masked(self) -> dict[str, float]:
        """Fraction of masked frames per group (frame-weighted); empty without groups."""
        if self.groups is None:
            return {}
        out = {}
        for group in dict.fromkeys(self.groups):
            rows = np.array([g == group for g in self.groups])
            out[group] = float(
                (self.masked[rows] * self.lengths[rows]).sum() / self.lengths[rows].sum()
            )
        return out


def _keypoint_columns(names: list[str]) -> dict[str, tuple[int, int]]:
    """``{keypoint: (forward column, left column)}`` of pose features, in feature order."""
    index = {n: i for i, n in enumerate(names)}
    return {
        n[: -len("_forward")]: (i, index[n[: -len("_forward")] + "_left"])
        for i, n in enumerate(names)
        if n.endswith("_forward") and n[: -len("_forward")] + "_left" in index
    }


def data_quality(data: Recordings, long_term_field: int | None = None) -> DataQuality:
    """Count what is missing in ``data``.

    Parameters
    ----------
    data
        The recordings.
    long_term_field
        Receptive field of the long-term latent in frames (recordings shorter than it are
        listed).

    Returns
    -------
    DataQuality
    """
    keypoints = _keypoint_columns(list(data.feature_names))
    masked, missing = [], []
    for x in data.sequences:
        absent = np.isnan(x)
        masked.append(absent.any(axis=1).mean())
        if keypoints:
            missing.append([(absent[:, i] | absent[:, j]).mean() for i, j in keypoints.values()])
        else:
            missing.append(absent.mean(axis=0))
    return DataQuality(
        ids=list(data.ids),
        groups=None if data.groups is None else list(data.groups),
        lengths=data.lengths,
        masked=np.asarray(masked, dtype=float),
        columns=list(keypoints) if keypoints else list(data.feature_names),
        missing=np.asarray(missing, dtype=float).reshape(len(data), -1),
        long_term_field=long_term_field,
        frame_rate=data.frame_rate,
        keypoints=bool(keypoints),
    )


def _rows(quality: DataQuality) -> tuple[list[str], np.ndarray, np.ndarray, str]:
    """Row labels, per-row missing fractions and masked fractions, and what a row is."""
    n = len(quality.ids)
    if n <= MAX_QUALITY_ROWS:
        return quality.ids, quality.missing, quality.masked, "recording"
    if quality.groups is not None and len(set(quality.groups)) <= MAX_QUALITY_ROWS:
        names = list(dict.fromkeys(quality.groups))
        weights = quality.lengths.astype(float)
        rows, masked = [], []
        for name in names:
            pick = np.array([g == name for g in quality.groups])
            w = weights[pick] / weights[pick].sum()
            rows.append(w @ quality.missing[pick])
            masked.append(w @ quality.masked[pick])
        return names, np.array(rows), np.array(masked), "group"
    worst = np.argsort(-quality.masked, kind="stable")[:MAX_QUALITY_ROWS]
    worst = np.sort(worst)
    label = f"recording (the {MAX_QUALITY_ROWS} with most masked frames)"
    return [quality.ids[i] for i in worst], quality.missing[worst], quality.masked[worst], label


def quality_figure(quality: DataQuality) -> Figure:
    """Heatmap of the missing fraction per keypoint (or feature) and recording, masked bars.

    Rows are recordings (or, with more than :data:`MAX_QUALITY_ROWS`, groups); the right panel
    shows the fraction of masked frames of each row.
    """
    names, missing, masked, row_kind = _rows(quality)
    height = 1.6 + 0.22 * len(names)
    width = min(4.0 + 0.28 * len(quality.columns), 13.0)
    fig = Figure(figsize=(width + 2.5, height), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [width, 2.0]})
    # The scale ends at the largest fraction (at least 1%): a few percent must stand out.
    top = max(float(np.max(missing, initial=0.0)), 0.01)
    image = left.imshow(missing, aspect="auto", cmap=CONTINUOUS_CMAP, vmin=0.0, vmax=top)
    left.set_xticks(np.arange(len(quality.columns)))
    left.set_xticklabels(quality.columns, rotation=90, fontsize=7)
    left.set_yticks(np.arange(len(names)))
    left.set_yticklabels(names, fontsize=7)
    left.set_ylabel(row_kind)
    what = "keypoint" if quality.keypoints else "feature"
    left.set_title(f"Fraction of frames where each {what} is missing", fontsize=10)
    fig.colorbar(image, ax=left, label="fraction missing", shrink=0.8)
    right.barh(np.arange(len(names)), masked, color="#D55E00")
    right.set_xlim(0, max(float(np.max(masked, initial=0.0)) * 1.15, 0.05))
    right.set_title("Masked frames", fontsize=10)
    right.set_xlabel("fraction")
    return fig
