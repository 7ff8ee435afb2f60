"""Features of the MABe 2022 fly groups: generic egocentric features plus social ones.

The fly files give every fly the same keypoints (24 in the published files) in mm, at
150 Hz. The names of the first 19 are assumed to follow the order of the challenge
organizers' tools (``keypointnames`` in kristinbranson/MABe2022 ``MABeFlyUtils.py``); the
others are called ``keypoint19``, ``keypoint20``, ... The body axis runs from the tip of the
abdomen to the antennae midpoint and the body centre is the mean of the three thorax points;
both are parameters, so check them against your file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bams.features.egocentric import EgocentricFeatures, egocentric_features
from bams.features.social import social_features

FLY_KEYPOINTS = (
    "wing_right",
    "wing_left",
    "antennae_midpoint",
    "right_eye",
    "left_eye",
    "left_front_thorax",
    "right_front_thorax",
    "base_thorax",
    "tip_abdomen",
    "right_middle_femur_base",
    "right_middle_femur_tibia_joint",
    "left_middle_femur_base",
    "left_middle_femur_tibia_joint",
    "right_front_leg_tip",
    "right_middle_leg_tip",
    "right_back_leg_tip",
    "left_back_leg_tip",
    "left_middle_leg_tip",
    "left_front_leg_tip",
)
"""Assumed names of the first 19 fly keypoints, in file order."""

FLY_HEADING = ("tip_abdomen", "antennae_midpoint")
"""Default ``(back, front)`` keypoints of the fly body axis."""

FLY_ORIGIN = ("left_front_thorax", "right_front_thorax", "base_thorax")
"""Default keypoints whose mean is the fly body centre."""


def fly_keypoint_names(n_keypoints: int) -> list[str]:
    """Names of ``n_keypoints`` fly keypoints: :data:`FLY_KEYPOINTS`, then ``keypoint{i}``.

    Examples
    --------
    >>> fly_keypoint_names(21)[-3:]
    ['left_front_leg_tip', 'keypoint19', 'keypoint20']
    """
    return [
        FLY_KEYPOINTS[i] if i < len(FLY_KEYPOINTS) else f"keypoint{i}" for i in range(n_keypoints)
    ]


def fly_features(
    keypoints: np.ndarray,
    *,
    frame_rate: float = 150.0,
    keypoint_names: Sequence[str] | None = None,
    heading: tuple[str, str] = FLY_HEADING,
    origin: Sequence[str] = FLY_ORIGIN,
    social: bool = True,
    n_neighbors: int = 3,
    zero_is_missing: bool = True,
) -> list[EgocentricFeatures]:
    """Per-fly features of one MABe fly clip.

    Parameters
    ----------
    keypoints
        ``(T, n_flies, K, 2)`` positions in mm; NaN (or exactly ``(0, 0)`` if
        ``zero_is_missing``) is missing. Padding flies are entirely NaN.
    frame_rate
        Frames per second (velocities are per second).
    keypoint_names
        ``K`` names (default :func:`fly_keypoint_names`).
    heading
        ``(back, front)`` keypoints of the body axis.
    origin
        Keypoints whose mean is the body centre.
    social
        Add the :func:`~bams.features.social.social_features` of the ``n_neighbors``
        nearest flies present (distance between body centres, bearing and relative heading
        with respect to the body axis).
    n_neighbors
        Ranks of social features; a rank with no fly present is NaN.
    zero_is_missing
        Treat keypoints at exactly ``(0, 0)`` as missing.

    Returns
    -------
    list of EgocentricFeatures
        One per fly (padding flies included, all NaN), each ``(T, F)`` float32 with the
        columns of :func:`~bams.features.egocentric_features` (centre ``x``, ``y`` in mm,
        heading, every keypoint in the body frame, speed, forward and lateral velocity and
        turning rate, which are the actions), then the social features.

    Raises
    ------
    ValueError
        If ``keypoints`` is not ``(T, n_flies, K, 2)``, or a heading or origin keypoint is
        not among the names.

    Examples
    --------
    >>> kp = np.random.default_rng(0).normal(size=(20, 9, 24, 2))
    >>> features = fly_features(kp)
    >>> len(features), features[0].values.shape
    (9, (20, 74))
    """
    keypoints = np.asarray(keypoints)
    if keypoints.ndim != 4 or keypoints.shape[3] != 2:
        raise ValueError(
            f"Expected fly keypoints of shape (T, n_flies, K, 2), but got {keypoints.shape}."
        )
    names = (
        fly_keypoint_names(keypoints.shape[2]) if keypoint_names is None else list(keypoint_names)
    )
    per_fly = [
        egocentric_features(
            keypoints[:, f],
            names,
            frame_rate=frame_rate,
            origin=origin,
            heading=heading,
            zero_is_missing=zero_is_missing,
        )
        for f in range(keypoints.shape[1])
    ]
    if not social or len(per_fly) < 2:
        return per_fly
    return _add_social(per_fly, frame_rate, n_neighbors)


def _add_social(
    per_fly: list[EgocentricFeatures], frame_rate: float, n_neighbors: int
) -> list[EgocentricFeatures]:
    """Append to every fly's features the social features of the flies around it."""
    column = {name: i for i, name in enumerate(per_fly[0].names)}
    centres = np.stack([f.values[:, [column["x"], column["y"]]] for f in per_fly], axis=1)
    angles = np.stack(
        [
            np.arctan2(f.values[:, column["heading_sin"]], f.values[:, column["heading_cos"]])
            for f in per_fly
        ],
        axis=1,
    )
    out = []
    for i, fly in enumerate(per_fly):
        others = [j for j in range(len(per_fly)) if j != i]
        values, social_names = social_features(
            centres[:, i],
            angles[:, i],
            centres[:, others],
            angles[:, others],
            frame_rate=frame_rate,
            n_neighbors=n_neighbors,
        )
        out.append(
            EgocentricFeatures(
                np.concatenate([fly.values, values], axis=1), fly.names + social_names, fly.actions
            )
        )
    return out
