"""Egocentric features of one animal's keypoints, for any skeleton."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bams.features.kinematics import angular_velocity, backward_difference, mark_missing, rotate

ACTIONS = ("speed", "forward_velocity", "lateral_velocity", "turning_rate")


@dataclass
class EgocentricFeatures:
    """Features of one animal.

    Attributes
    ----------
    values
        ``(T, F)`` float32, NaN where missing.
    names
        ``F`` feature names.
    actions
        The names of the movement features meant as histogram-of-actions targets.
    """

    values: np.ndarray
    names: list[str]
    actions: list[str]


def egocentric_features(
    keypoints: np.ndarray,
    keypoint_names: Sequence[str],
    *,
    frame_rate: float,
    origin: Sequence[str] | None = None,
    heading: tuple[str, str] | None = None,
    include_position: bool = True,
    zero_is_missing: bool = True,
) -> EgocentricFeatures:
    """Body-centred pose and movement of one animal.

    Parameters
    ----------
    keypoints
        ``(T, K, 2)`` positions; NaN (or exactly ``(0, 0)`` if ``zero_is_missing``) marks a
        missing point.
    keypoint_names
        ``K`` names.
    frame_rate
        Frames per second (velocities are per second).
    origin
        Keypoints whose mean is the body centre (default: all).
    heading
        ``(back, front)``: the body axis points from ``back`` to ``front`` (default: from
        the last keypoint to the first, as in nose-first skeletons).
    include_position
        Also return the centre's position (allocentric ``x``, ``y``).
    zero_is_missing
        Treat points at exactly ``(0, 0)`` as missing.

    Returns
    -------
    EgocentricFeatures
        Position (optional); heading as cos/sin; every keypoint in the body frame (x along
        the body axis, y to the left); the centre's speed, forward and lateral velocity and
        the heading's turning rate (rad/s). The last four are the actions.

    Raises
    ------
    ValueError
        If shapes or names do not match.

    Examples
    --------
    >>> kp = np.zeros((3, 2, 2))
    >>> kp[:, 0] = [[2, 1], [3, 1], [4, 1]]  # nose moving along +x
    >>> kp[:, 1] = [[1, 1], [2, 1], [3, 1]]  # tail
    >>> f = egocentric_features(kp, ["nose", "tail"], frame_rate=10.0)
    >>> float(f.values[2, f.names.index("forward_velocity")])
    10.0
    """
    keypoint_names = list(keypoint_names)
    index, origin, back, front = _resolve_names(keypoints, keypoint_names, origin, heading)
    kp = mark_missing(keypoints, zero_is_missing)
    with warnings.catch_warnings():  # frames where every origin point is missing stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        center = np.nanmean(kp[:, [index[n] for n in origin]], axis=1)
    axis = kp[:, index[front]] - kp[:, index[back]]
    angle = np.arctan2(axis[:, 1], axis[:, 0])
    body = rotate(kp - center[:, None], angle)
    velocity = rotate(backward_difference(center, frame_rate), angle)
    columns, names = _feature_columns(
        keypoint_names, index, center, angle, body, velocity, frame_rate, include_position
    )
    values = np.stack(columns, axis=1).astype(np.float32)
    return EgocentricFeatures(values, names, list(ACTIONS))


def _resolve_names(
    keypoints: np.ndarray,
    keypoint_names: list[str],
    origin: Sequence[str] | None,
    heading: tuple[str, str] | None,
) -> tuple[dict[str, int], list[str], str, str]:
    """Check the keypoints against their names; return the index, origin, back and front."""
    if keypoints.ndim != 3 or keypoints.shape[2] != 2 or keypoints.shape[1] != len(keypoint_names):
        raise ValueError(
            f"Expected keypoints of shape (T, {len(keypoint_names)}, 2), but got {keypoints.shape}."
        )
    index = {name: i for i, name in enumerate(keypoint_names)}
    origin = list(origin) if origin is not None else keypoint_names
    back, front = heading if heading is not None else (keypoint_names[-1], keypoint_names[0])
    unknown = sorted((set(origin) | {back, front}) - set(index))
    if unknown:
        raise ValueError(f"Expected keypoints among {keypoint_names}, but got {unknown}.")
    return index, origin, back, front


def _feature_columns(
    keypoint_names: list[str],
    index: dict[str, int],
    center: np.ndarray,
    angle: np.ndarray,
    body: np.ndarray,
    velocity: np.ndarray,
    frame_rate: float,
    include_position: bool,
) -> tuple[list[np.ndarray], list[str]]:
    """The columns of :func:`egocentric_features` and their names, in order."""
    columns, names = [], []
    if include_position:
        columns += [center[:, 0], center[:, 1]]
        names += ["x", "y"]
    columns += [np.cos(angle), np.sin(angle)]
    names += ["heading_cos", "heading_sin"]
    for name in keypoint_names:
        columns += [body[:, index[name], 0], body[:, index[name], 1]]
        names += [f"{name}_forward", f"{name}_left"]
    columns += [
        np.hypot(velocity[:, 0], velocity[:, 1]),
        velocity[:, 0],
        velocity[:, 1],
        angular_velocity(angle, frame_rate),
    ]
    names += list(ACTIONS)
    return columns, names
