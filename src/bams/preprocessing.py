"""Preprocessing fitted on training data only and stored with the model.

- Inputs: per-feature robust normalization (median and inter-quartile range, so outliers such
  as keypoint jumps do not set the scale); missing values become 0 after normalization and a
  last channel marks valid frames: every feature observed, or every feature but the optional
  ones (which then get a channel each saying whether they were observed: e.g. a neighbour's
  features when that neighbour is not tracked). The network never sees NaN.
- Actions: each action feature is quantized into ``n_bins`` equal bins between two robust
  percentiles of its training values; values beyond fall in the end bins, missing values get
  bin ``-1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

import numpy as np
import torch

from bams.data import Recordings
from bams.data.store_reader import release_pages

# Statistics use at most this many frames (sampled deterministically) to bound memory and, on
# a store, the reading: only the sampled rows of the memory-mapped recordings are read.
_MAX_STAT_FRAMES = 1_000_000
_STAT_RUN = 64  # consecutive frames read together when sampling (about 4 pages of 68 features)
_IQR_TO_STD = 1.349


class Preprocessor:
    """Robust input normalization and histogram-of-actions quantization.

    Parameters
    ----------
    n_bins
        Bins per action feature.
    quantiles
        Lower and upper percentiles (0-100) of each action that bound the bins.
    optional_features
        Feature names or shell-style patterns of features that may be missing in a valid
        frame; each matched feature gets an observed/missing input channel.

    Notes
    -----
    :meth:`fit` computes every statistic (medians, inter-quartile ranges, the bin ranges of
    the actions) on at most 1,000,000 frames (``_MAX_STAT_FRAMES``): all frames of a smaller
    training set, else a deterministic uniform sample of runs of 64 consecutive frames
    (``_STAT_RUN``). On a store (``.bams``) only the sampled runs are read. The sampling error
    (one standard error, normal data) is about 0.001 standard deviations for the median and
    0.005 for the 0.5 and 99.5 percentiles when the frames of a run are independent, and at
    most 0.01 and 0.04 when they are identical (15,625 runs).

    Examples
    --------
    >>> import numpy as np
    >>> from bams import Recordings
    >>> data = Recordings([np.arange(20.0).reshape(10, 2)], actions=["f1"])
    >>> prep = Preprocessor(n_bins=4).fit(data)
    >>> prep.transform_inputs(data.sequences[0]).shape   # 2 features + validity channel
    (10, 3)
    >>> prep.quantize_actions(data.sequences[0])[:, 0].tolist()
    [0, 0, 0, 1, 1, 2, 2, 3, 3, 3]
    """

    def __init__(
        self,
        n_bins: int = 32,
        quantiles: tuple[float, float] = (0.5, 99.5),
        optional_features: Sequence[str] = (),
    ) -> None:
        self.n_bins = n_bins
        self.quantiles = quantiles
        self.optional_features = list(optional_features)

    def fit(self, data: Recordings) -> Preprocessor:
        """Learn normalization statistics and bin ranges from ``data`` (the training set).

        Raises
        ------
        ValueError
            If ``n_bins < 2``, the quantiles are not ``0 <= low < high <= 100``, a feature
            has no observed value, or a pattern of ``optional_features`` matches no feature.
        """
        low, high = self.quantiles
        if self.n_bins < 2:
            raise ValueError(f"Expected n_bins >= 2, but got {self.n_bins}.")
        if not 0 <= low < high <= 100:
            raise ValueError(
                f"Expected quantiles 0 <= low < high <= 100, but got {self.quantiles}."
            )
        self.optional_ = _optional_mask(data.feature_names, self.optional_features)
        frames = _sample_frames(data)
        observed = ~np.isnan(frames)
        empty = [data.feature_names[j] for j in np.flatnonzero(~observed.any(axis=0))]
        if empty:
            raise ValueError(
                f"Expected every feature to be observed somewhere, but {empty} never is."
            )
        q25, median, q75 = np.nanpercentile(frames, [25, 50, 75], axis=0)
        scale = (q75 - q25) / _IQR_TO_STD
        std = np.nanstd(frames, axis=0)
        # Features that are mostly constant have IQR 0: fall back to std, then to 1.
        scale = np.where(scale > 1e-8, scale, np.where(std > 1e-8, std, 1.0))
        self.feature_names_ = list(data.feature_names)
        self.action_names_ = list(data.actions)
        self.action_indices_ = data.action_indices
        self.center_ = median.astype(np.float32)
        self.scale_ = scale.astype(np.float32)
        actions = frames[:, self.action_indices_]
        lo, hi = np.nanpercentile(actions, [low, high], axis=0)
        hi = np.where(hi > lo, hi, lo + 1e-6)  # a constant action still gets a valid range
        self.bin_low_ = lo.astype(np.float64)
        self.bin_width_ = ((hi - lo) / self.n_bins).astype(np.float64)
        return self

    @property
    def n_inputs(self) -> int:
        """Input channels: the features, one per optional feature, one validity channel."""
        return len(self.feature_names_) + int(self.optional_.sum()) + 1

    @property
    def n_actions(self) -> int:
        """Number of action features."""
        return len(self.action_names_)

    def check_compatible(self, data: Recordings) -> None:
        """Raise ``ValueError`` unless ``data`` has the features this was fitted on."""
        if list(data.feature_names) != self.feature_names_:
            raise ValueError(
                f"Expected the features the model was trained on {self.feature_names_}, "
                f"but got {list(data.feature_names)}."
            )

    def transform_inputs(self, x: np.ndarray) -> np.ndarray:
        """Normalize one recording for the network.

        Parameters
        ----------
        x
            Raw features, shape ``(T, F)``, NaN for missing.

        Returns
        -------
        np.ndarray
            ``(T, F + K + 1)`` float32: normalized features with missing values set to 0;
            for each of the ``K`` optional features, 1 where it is observed; then a channel
            that is 1 where every feature that is not optional is observed.
        """
        n, optional = x.shape[1], self.optional_
        out = np.empty((x.shape[0], self.n_inputs), dtype=np.float32)
        np.subtract(x, self.center_, out=out[:, :n])
        out[:, :n] /= self.scale_
        missing = np.isnan(out[:, :n])
        out[:, n:-1] = ~missing[:, optional]
        out[:, -1] = ~missing[:, ~optional].any(axis=1)
        out[:, :n][missing] = 0.0
        return out

    def quantize_actions(self, x: np.ndarray) -> np.ndarray:
        """Bin index of each action feature, shape ``(T, n_actions)`` int16; -1 where missing."""
        actions = x[:, self.action_indices_].astype(np.float64)
        bins = np.floor((actions - self.bin_low_) / self.bin_width_)
        missing = np.isnan(bins)
        bins = np.clip(np.nan_to_num(bins), 0, self.n_bins - 1).astype(np.int16)
        bins[missing] = -1
        return bins

    # ------------------------------------------------------------------ persistence
    def state_dict(self) -> dict:
        """Plain, ``torch.load(weights_only=True)``-safe state."""
        return {
            "n_bins": self.n_bins,
            "quantiles": list(self.quantiles),
            "feature_names": self.feature_names_,
            "action_names": self.action_names_,
            "action_indices": torch.from_numpy(self.action_indices_),
            "center": torch.from_numpy(self.center_),
            "scale": torch.from_numpy(self.scale_),
            "bin_low": torch.from_numpy(self.bin_low_),
            "bin_width": torch.from_numpy(self.bin_width_),
            "optional_features": self.optional_features,
            "optional": torch.from_numpy(self.optional_),
        }

    @classmethod
    def from_state_dict(cls, state: dict) -> Preprocessor:
        """Rebuild a fitted preprocessor from :meth:`state_dict`."""
        prep = cls(
            n_bins=int(state["n_bins"]),
            quantiles=tuple(state["quantiles"]),
            optional_features=state.get("optional_features", ()),
        )
        prep.feature_names_ = list(state["feature_names"])
        prep.action_names_ = list(state["action_names"])
        prep.action_indices_ = state["action_indices"].numpy()
        prep.center_ = state["center"].numpy()
        prep.scale_ = state["scale"].numpy()
        prep.bin_low_ = state["bin_low"].numpy()
        prep.bin_width_ = state["bin_width"].numpy()
        n = len(prep.feature_names_)  # checkpoints from before optional features: none
        prep.optional_ = state["optional"].numpy() if "optional" in state else np.zeros(n, bool)
        return prep


def _optional_mask(names: Sequence[str], patterns: Sequence[str]) -> np.ndarray:
    """``(F,)`` bool: the features matched by any of ``patterns``; each must match one."""
    mask = np.zeros(len(names), dtype=bool)
    for pattern in patterns:
        hits = np.array([fnmatchcase(name, pattern) for name in names], dtype=bool)
        if not hits.any():
            raise ValueError(
                f"Expected each optional_features pattern to match a feature, but {pattern!r} "
                f"matches none of {list(names)[:8]}{' ...' if len(names) > 8 else ''}."
            )
        mask |= hits
    return mask


def _sample_frames(data: Recordings) -> np.ndarray:
    """All frames, or a deterministic sample of them, without concatenating everything first.

    The sample is ``_MAX_STAT_FRAMES`` frames in runs of ``_STAT_RUN`` consecutive frames
    (aligned slots of each recording, drawn without replacement; single frames where the
    recordings are too short for enough runs): on a store a run is one read of a few pages,
    where single frames spread over all the data would touch (and map) most of its pages.
    """
    lengths = np.asarray(data.lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total <= _MAX_STAT_FRAMES:
        return np.concatenate(data.sequences, axis=0)
    rng = np.random.default_rng(0)
    slots = lengths // _STAT_RUN
    n_runs = -(-_MAX_STAT_FRAMES // _STAT_RUN)
    if slots.sum() >= n_runs:
        picked = np.sort(rng.choice(int(slots.sum()), n_runs, replace=False))
        ends = np.cumsum(slots)
        owner = np.searchsorted(ends, picked, side="right")
        first = (picked - (ends - slots)[owner]) * _STAT_RUN
        rows = first[:, None] + np.arange(_STAT_RUN)
        owner, rows = np.repeat(owner, _STAT_RUN)[:_MAX_STAT_FRAMES], rows.ravel()
    else:
        picked = np.sort(rng.choice(total, _MAX_STAT_FRAMES, replace=False))
        ends = np.cumsum(lengths)
        owner = np.searchsorted(ends, picked, side="right")
        rows = picked - (ends - lengths)[owner]
    rows = rows[: len(owner)]
    parts = []
    for rec in np.unique(owner):
        sequence = data.sequences[rec]
        parts.append(sequence[rows[owner == rec]])  # sorted rows: read in order
        release_pages([sequence])
    return np.concatenate(parts, axis=0)
