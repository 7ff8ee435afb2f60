"""Crawl / turn / pause states of a larva, derived from its midline by simple rules.

These are *derived* labels, not annotations: three thresholds on smoothed midline kinematics.
They serve as a frame-level readout target for real data that ships without behavior labels.

The rules, for each frame (all windows centred on the frame):

1. ``speed``: the norm of the body centre's mean velocity over ``smoothing`` seconds (its
   net displacement per second, so tracking jitter averages out), in body lengths per second
   (the body length is the larva's median spine length over the track);
2. ``bend``: the bend angle (:func:`bams.features.midline.bend_angle`) averaged over
   ``bend_smoothing`` seconds; ``heading rate``: the turning rate of the tail-to-head axis
   averaged over ``smoothing`` seconds;
3. **turn** if ``|bend| > turn_bend`` degrees or ``|heading rate| > turn_rate`` degrees/s;
   otherwise **pause** if ``speed < pause_speed``; otherwise **crawl**;
4. a majority filter over ``min_duration`` seconds removes flickers.

Frames whose midline is missing, or whose windows hold too few observed frames, are
unlabeled (``""``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bams.features.kinematics import angular_velocity, backward_difference
from bams.features.midline import bend_angle, segment_angle, spine_length

STATES = ("crawl", "turn", "pause")
UNLABELED = ""


@dataclass(frozen=True)
class StateRules:
    """Thresholds and windows of :func:`derive_states`.

    Attributes
    ----------
    smoothing
        Seconds over which the centre's velocity and the heading rate are averaged.
    bend_smoothing
        Seconds over which the bend angle is averaged.
    pause_speed
        Below this speed (body lengths per second), a frame that is not a turn is a pause.
    turn_bend
        Above this absolute bend (degrees), a frame is a turn.
    turn_rate
        Above this absolute heading rate (degrees per second), a frame is a turn.
    min_duration
        Seconds of the majority filter applied to the labels.
    """

    smoothing: float = 1.0
    bend_smoothing: float = 0.5
    pause_speed: float = 0.15
    turn_bend: float = 30.0
    turn_rate: float = 30.0
    min_duration: float = 0.5


def derive_states(
    midline: np.ndarray, frame_rate: float, rules: StateRules | None = None
) -> np.ndarray:
    """Crawl / turn / pause label of every frame of one larva (see the module's rules).

    Parameters
    ----------
    midline
        ``(T, N, 2)`` midline points, head first, NaN where missing.
    frame_rate
        Frames per second.
    rules
        Thresholds and windows (default :class:`StateRules`).

    Returns
    -------
    np.ndarray
        ``(T,)`` strings among :data:`STATES`, ``""`` where unlabeled.

    Raises
    ------
    ValueError
        If ``midline`` is not ``(T, N, 2)`` or ``frame_rate`` is not positive.

    Examples
    --------
    >>> body = np.stack([np.zeros(12), -np.arange(12.0) / 3], axis=1)  # 3.7 mm, head up
    >>> still = np.repeat(body[None], 64, axis=0)
    >>> str(derive_states(still, frame_rate=16.0)[32])
    'pause'
    """
    rules = rules or StateRules()
    if not frame_rate > 0:
        raise ValueError(f"Expected a positive frame_rate, but got {frame_rate!r}.")
    midline = np.asarray(midline, dtype=np.float64)
    length = spine_length(midline)  # also checks the shape
    n_frames = len(midline)
    if not np.isfinite(length).any():
        return np.full(n_frames, UNLABELED, dtype=f"<U{max(map(len, STATES))}")
    body_length = float(np.nanmedian(length))
    window = _frames(rules.smoothing, frame_rate)
    velocity = centered_mean(backward_difference(midline.mean(axis=1), frame_rate), window)
    speed = np.hypot(velocity[:, 0], velocity[:, 1]) / body_length
    heading = segment_angle(midline, -1, 0)
    rate = np.degrees(np.abs(centered_mean(angular_velocity(heading, frame_rate), window)))
    bend = np.degrees(
        np.abs(centered_mean(bend_angle(midline), _frames(rules.bend_smoothing, frame_rate)))
    )
    observed = np.isfinite(length) & np.isfinite(speed) & np.isfinite(rate) & np.isfinite(bend)
    with np.errstate(invalid="ignore"):
        turn = (bend > rules.turn_bend) | (rate > rules.turn_rate)
        pause = ~turn & (speed < rules.pause_speed)
    codes = np.where(turn, 1, np.where(pause, 2, 0))
    codes[~observed] = -1
    codes = majority_filter(codes, _frames(rules.min_duration, frame_rate), len(STATES))
    labels = np.array(STATES + (UNLABELED,))[codes]  # -1 picks the last: unlabeled
    return labels


def _frames(seconds: float, frame_rate: float) -> int:
    """An odd number of frames close to ``seconds`` (at least 1)."""
    n = max(1, int(round(seconds * frame_rate)))
    return n if n % 2 else n + 1


def centered_mean(x: np.ndarray, window: int, min_fraction: float = 0.5) -> np.ndarray:
    """Mean of the observed values in a centred window of ``window`` frames.

    Parameters
    ----------
    x
        ``(T,)`` or ``(T, K)`` values, NaN where missing.
    window
        Odd window length in frames.
    min_fraction
        Frames whose window holds fewer observed values than this fraction are NaN.

    Returns
    -------
    np.ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> centered_mean(np.array([1.0, 2.0, np.nan, 4.0, 5.0]), 3).tolist()
    [1.5, 1.5, 3.0, 4.5, 4.5]
    """
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(len(x), -1)
    observed = np.isfinite(flat)
    half = window // 2
    pad = ((half + 1, half), (0, 0))
    total = np.cumsum(np.pad(np.where(observed, flat, 0.0), pad), axis=0)
    count = np.cumsum(np.pad(observed.astype(np.float64), pad), axis=0)
    sums = total[window:] - total[:-window]
    counts = count[window:] - count[:-window]
    # The window of a frame near an edge is cut by the edge: compare with its true size.
    index = np.arange(len(x))
    size = (np.minimum(index + half, len(x) - 1) - np.maximum(index - half, 0) + 1)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(counts >= min_fraction * size, sums / counts, np.nan)
    return out.reshape(x.shape)


def majority_filter(codes: np.ndarray, window: int, n_classes: int) -> np.ndarray:
    """The most frequent class in a centred window; a frame keeps its class on ties.

    Parameters
    ----------
    codes
        ``(T,)`` integer classes in ``[0, n_classes)``, -1 for unlabeled (ignored in the
        votes, and left unlabeled).
    window
        Odd window length in frames.
    n_classes
        Number of classes.

    Returns
    -------
    np.ndarray
        ``(T,)`` filtered classes.

    Examples
    --------
    >>> majority_filter(np.array([0, 0, 1, 0, 0, 2, 2, -1]), 3, 3).tolist()
    [0, 0, 0, 0, 0, 2, 2, -1]
    """
    codes = np.asarray(codes)
    onehot = (codes[:, None] == np.arange(n_classes)).astype(np.float64)
    votes = centered_mean(onehot, window, min_fraction=0.0) * window
    votes = np.nan_to_num(votes)
    best = votes.argmax(axis=1)
    own = np.take_along_axis(votes, np.clip(codes, 0, None)[:, None], axis=1)[:, 0]
    out = np.where(own >= votes.max(axis=1), codes, best)
    out[codes < 0] = -1
    return out
