"""Small kinematic building blocks on arrays with NaN for missing values."""

from __future__ import annotations

import numpy as np


def mark_missing(keypoints: np.ndarray, zero_is_missing: bool = True) -> np.ndarray:
    """Copy of ``keypoints`` ``(..., 2)`` with missing points set to NaN in both coordinates.

    A point is missing if any coordinate is NaN, or if it is exactly ``(0, 0)`` and
    ``zero_is_missing`` (trackers write lost points there).

    Examples
    --------
    >>> mark_missing(np.array([[1.0, 2.0], [0.0, 0.0], [np.nan, 3.0]])).tolist()
    [[1.0, 2.0], [nan, nan], [nan, nan]]
    """
    out = np.array(keypoints, dtype=np.float64)
    missing = np.isnan(out).any(axis=-1)
    if zero_is_missing:
        missing |= (out == 0).all(axis=-1)
    out[missing] = np.nan
    return out


def wrap_angle(theta: np.ndarray) -> np.ndarray:
    """Angles wrapped to ``[-pi, pi)``."""
    return (np.asarray(theta) + np.pi) % (2 * np.pi) - np.pi


def backward_difference(x: np.ndarray, frame_rate: float = 1.0) -> np.ndarray:
    """``(x[t] - x[t-1]) * frame_rate`` along axis 0; the first frame is NaN.

    A causal difference: the value at ``t`` uses only frames ``t-1`` and ``t``, and is NaN
    when either is missing.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.full_like(x, np.nan)
    out[1:] = (x[1:] - x[:-1]) * frame_rate
    return out


def angular_velocity(theta: np.ndarray, frame_rate: float = 1.0) -> np.ndarray:
    """Backward difference of an angle, wrapped so a turn through ``±pi`` stays small."""
    theta = np.asarray(theta, dtype=np.float64)
    out = np.full_like(theta, np.nan)
    out[1:] = wrap_angle(theta[1:] - theta[:-1]) * frame_rate
    return out


def rotate(points: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate 2-D points by ``-angle``, into a frame whose x axis points along ``angle``.

    Parameters
    ----------
    points
        ``(T, ..., 2)``.
    angle
        ``(T,)`` radians.
    """
    cos = np.cos(angle).reshape(-1, *([1] * (points.ndim - 2)))
    sin = np.sin(angle).reshape(cos.shape)
    x, y = points[..., 0], points[..., 1]
    return np.stack([cos * x + sin * y, -sin * x + cos * y], axis=-1)
