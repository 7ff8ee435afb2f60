"""Egocentric features of the MABe 2022 mouse triplets (12 keypoints per mouse).

Conventions, for every feature below:

- **Units.** Positions are in arena units: pixels divided by ``arena_size`` (850 for the
  MABe 850 x 850 image), so the arena spans [0, 1]. Distances are in arena units, velocities in
  arena units per second, angles in radians and angular velocities in radians per second
  (``frame_rate`` 30 Hz by default).
- **Angles** are measured in the coordinates of the data, counterclockwise from +x towards +y.
  In image coordinates (y pointing down) a positive angle turns clockwise on screen. The
  *body axis* points from the tail base to the neck; the *head axis* from the neck to the
  nose. "Lateral" is the +90 degree side of the body axis. Every angle is a pair of
  features, its cosine and sine (``{name}_cos``, ``{name}_sin``), never the angle itself: a
  raw angle jumps by 2 pi where it wraps at +-pi, and curled tails and hindpaws reach +-pi in
  real MABe clips.
- **Causality.** Velocities are backward differences (frame ``t`` uses ``t - 1`` and ``t``),
  so the first frame's are NaN; angular velocities are wrapped so turns through +-pi stay small.
- **Missing values.** A keypoint at NaN or exactly (0, 0) is missing. Missing values are
  per feature: a feature is NaN exactly where a keypoint it is computed from is missing
  (a velocity also where one was missing at the frame before), and every other feature of
  that frame keeps its value; e.g. an untracked neighbour makes only the social features of
  its rank NaN. Nothing is interpolated. (:class:`bams.preprocessing.Preprocessor` marks a
  frame invalid when any of its features is NaN.)
- **Identity.** Social features are sorted by distance, so they do not depend on the order of
  the other mice; a tracker's identity swap still moves a track from one mouse to another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from bams.features.egocentric import EgocentricFeatures
from bams.features.kinematics import angular_velocity, backward_difference, mark_missing, rotate
from bams.features.social import social_features

MOUSE_KEYPOINTS = (
    "nose",
    "left_ear",
    "right_ear",
    "neck",
    "left_forepaw",
    "right_forepaw",
    "center_back",
    "left_hindpaw",
    "right_hindpaw",
    "tail_base",
    "tail_middle",
    "tail_tip",
)
"""The 12 keypoints of a MABe 2022 mouse, in the order of the files."""

MOUSE_ACTIONS = (
    "head_speed",
    "body_speed",
    "head_turning_rate",
    "body_turning_rate",
    "spine_length_rate",
)
"""The histogram-of-actions targets: speeds of the head and body centres, heading change of
the head axis and turning rate of the body axis, and the change of the spine length."""

ARENA_SIZE = 850.0
"""Width of the MABe mouse arena image, in pixels."""

_K = {name: i for i, name in enumerate(MOUSE_KEYPOINTS)}
_HEAD = [_K["nose"], _K["left_ear"], _K["right_ear"], _K["neck"]]
_BODY = [_K["neck"], _K["center_back"], _K["tail_base"]]
_PAWS = ("left_forepaw", "right_forepaw", "left_hindpaw", "right_hindpaw")


def _angle(vector: np.ndarray) -> np.ndarray:
    return np.arctan2(vector[..., 1], vector[..., 0])


def _mouse_columns(kp: np.ndarray, frame_rate: float) -> dict[str, np.ndarray]:
    """Features of one mouse from its ``(T, 12, 2)`` keypoints (missing already NaN).

    Also holds ``"_body_angle"`` (radians), used by the social features and not returned.
    """
    head = kp[:, _HEAD].mean(axis=1)  # NaN if any of its keypoints is missing
    body = kp[:, _BODY].mean(axis=1)
    point = {name: kp[:, i] for name, i in _K.items()}
    head_angle = _angle(point["nose"] - point["neck"])
    body_angle = _angle(point["neck"] - point["tail_base"])
    # Angles of the pose (radians); each is given as its cos and sin, which stay continuous
    # where the angle wraps at +-pi (tails and hindpaws reach it in real clips).
    angles = {"head_body_angle": head_angle - body_angle}
    polar: dict[str, np.ndarray] = {}
    # Paws in polar coordinates around the body centre. Forepaw angles are measured from the
    # forward body axis, hindpaw angles from the backward one, positive on the lateral side.
    for paw in _PAWS:
        forward, lateral = np.moveaxis(rotate(point[paw] - body, body_angle), -1, 0)
        if "hind" in paw:
            forward = -forward
        polar[f"{paw}_distance"] = np.hypot(forward, lateral)
        angles[f"{paw}_angle"] = np.arctan2(lateral, forward)
    angles["body_bend"] = _angle(point["neck"] - point["center_back"]) - _angle(
        point["center_back"] - point["tail_base"]
    )
    # Tail segments: angle from the backward body axis, positive on the lateral side (as the
    # hindpaws), so a straight tail is 0 and a tail swung to the lateral side is > 0.
    for name, (a, b) in {
        "proximal": ("tail_base", "tail_middle"),
        "distal": ("tail_middle", "tail_tip"),
    }.items():
        forward, lateral = np.moveaxis(rotate(point[b] - point[a], body_angle), -1, 0)
        angles[f"tail_{name}_angle"] = np.arctan2(lateral, -forward)

    col: dict[str, np.ndarray] = {
        "head_x": head[:, 0],
        "head_y": head[:, 1],
        "body_x": body[:, 0],
        "body_y": body[:, 1],
        "head_cos": np.cos(head_angle),
        "head_sin": np.sin(head_angle),
        "body_cos": np.cos(body_angle),
        "body_sin": np.sin(body_angle),
        **_cos_sin(angles, ["head_body_angle"]),
    }
    for paw in _PAWS:
        col[f"{paw}_distance"] = polar[f"{paw}_distance"]
        col.update(_cos_sin(angles, [f"{paw}_angle"]))
    col["spine_length"] = np.linalg.norm(point["neck"] - point["center_back"], axis=1) + (
        np.linalg.norm(point["center_back"] - point["tail_base"], axis=1)
    )
    col.update(_cos_sin(angles, ["body_bend", "tail_proximal_angle", "tail_distal_angle"]))

    # Velocities (backward differences, per second), in the body frame of the current frame.
    for name, centre in (("head", head), ("body", body)):
        velocity = rotate(backward_difference(centre, frame_rate), body_angle)
        col[f"{name}_forward_velocity"] = velocity[:, 0]
        col[f"{name}_lateral_velocity"] = velocity[:, 1]
        col[f"{name}_speed"] = np.hypot(velocity[:, 0], velocity[:, 1])
    col["head_turning_rate"] = angular_velocity(head_angle, frame_rate)
    col["body_turning_rate"] = angular_velocity(body_angle, frame_rate)
    for paw in _PAWS:
        col[f"{paw}_distance_rate"] = backward_difference(polar[f"{paw}_distance"], frame_rate)
        col[f"{paw}_angle_rate"] = angular_velocity(angles[f"{paw}_angle"], frame_rate)
    col["spine_length_rate"] = backward_difference(col["spine_length"], frame_rate)
    for part in ("tail_proximal", "tail_distal"):
        col[f"{part}_angle_rate"] = angular_velocity(angles[f"{part}_angle"], frame_rate)
    col["_body_angle"] = body_angle  # for the social features, not returned
    return col


def _cos_sin(angles: dict[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """``{f"{name}_cos": cos, f"{name}_sin": sin}`` of each of ``angles[name]``, in order."""
    out = {}
    for name in names:
        out[f"{name}_cos"] = np.cos(angles[name])
        out[f"{name}_sin"] = np.sin(angles[name])
    return out


def mouse_features(
    keypoints: np.ndarray,
    *,
    frame_rate: float = 30.0,
    arena_size: float = ARENA_SIZE,
    social: bool = True,
    zero_is_missing: bool = True,
) -> list[EgocentricFeatures]:
    """Per-mouse egocentric features of one MABe clip.

    Parameters
    ----------
    keypoints
        ``(T, n_mice, 12, 2)`` positions in pixels, keypoints in the order of
        :data:`MOUSE_KEYPOINTS`; NaN or exactly ``(0, 0)`` (if ``zero_is_missing``) is missing.
    frame_rate
        Frames per second (velocities are per second).
    arena_size
        Pixels per arena unit; positions are divided by it (850: the arena spans [0, 1]).
    social
        Add, for each other mouse sorted by distance (nearest first), the features of
        :func:`bams.features.social.social_features` around the body centre and body axis,
        plus the distances focal nose to its nose (``nose_nose_distance``), focal nose to
        its tail base (``nose_tail_base_distance``) and its nose to the focal tail base
        (``tail_base_nose_distance``).
    zero_is_missing
        Treat keypoints at exactly ``(0, 0)`` as missing.

    Returns
    -------
    list of EgocentricFeatures
        One per mouse, each ``(T, F)`` float32 with the same names; ``F`` is 48 alone and
        66 with the social features of two other mice. Features (an angle ``a`` is the
        pair ``a_cos``, ``a_sin``):

        - ``head_x``, ``head_y``: head centre, mean of nose, ears and neck;
          ``body_x``, ``body_y``: body centre, mean of neck, center back and tail base;
        - ``head_cos``, ``head_sin``, ``body_cos``, ``body_sin``: head and body axes;
          ``head_body_angle_{cos,sin}``: head axis relative to the body axis;
        - ``{paw}_distance``, ``{paw}_angle_{cos,sin}`` for the four paws: polar coordinates
          around the body centre, relative to the forward body axis (forepaws) or the
          backward body axis (hindpaws);
        - ``spine_length`` (neck to center back to tail base), ``body_bend_{cos,sin}``
          (angle between the front and back halves of the spine),
          ``tail_proximal_angle_{cos,sin}`` (tail base to tail middle) and
          ``tail_distal_angle_{cos,sin}`` (tail middle to tail tip), relative to the
          backward body axis and positive on the lateral side;
        - velocities: ``{head,body}_{forward,lateral}_velocity`` (in the body frame),
          ``head_speed``, ``body_speed``, ``head_turning_rate``, ``body_turning_rate``,
          ``{paw}_distance_rate``, ``{paw}_angle_rate``, ``spine_length_rate``,
          ``tail_{proximal,distal}_angle_rate`` (angular rates wrapped, so continuous);
        - social (optional): ``neighbor{k}_{distance, distance_rate, bearing_cos,
          bearing_sin, relative_heading_cos, relative_heading_sin, nose_nose_distance,
          nose_tail_base_distance, tail_base_nose_distance}``.

        The actions are :data:`MOUSE_ACTIONS`.

    Raises
    ------
    ValueError
        If ``keypoints`` is not ``(T, n_mice, 12, 2)``, or ``arena_size`` or ``frame_rate``
        is not positive.

    Examples
    --------
    >>> kp = np.random.default_rng(0).uniform(100, 700, size=(50, 3, 12, 2))
    >>> features = mouse_features(kp)
    >>> len(features), features[0].values.shape, features[0].actions[:2]
    (3, (50, 66), ['head_speed', 'body_speed'])
    """
    keypoints = np.asarray(keypoints)
    _check_arguments(keypoints, arena_size, frame_rate)
    kp = mark_missing(keypoints, zero_is_missing) / arena_size
    columns = [_mouse_columns(kp[:, m], frame_rate) for m in range(kp.shape[1])]
    return _assemble(kp, columns, frame_rate, social)


def _check_arguments(keypoints: np.ndarray, arena_size: float, frame_rate: float) -> None:
    """Raise the ``ValueError`` of :func:`mouse_features` for invalid arguments."""
    if keypoints.ndim != 4 or keypoints.shape[2:] != (len(MOUSE_KEYPOINTS), 2):
        raise ValueError(
            f"Expected mouse keypoints of shape (T, n_mice, {len(MOUSE_KEYPOINTS)}, 2), but got "
            f"{keypoints.shape}."
        )
    if not arena_size > 0 or not frame_rate > 0:
        raise ValueError(
            f"Expected positive arena_size and frame_rate, but got {arena_size} and {frame_rate}."
        )


def _assemble(
    kp: np.ndarray, columns: list[dict[str, np.ndarray]], frame_rate: float, social: bool
) -> list[EgocentricFeatures]:
    """The features of every mouse from its :func:`_mouse_columns`, plus the social ones."""
    n_mice = kp.shape[1]
    centres = np.stack([np.stack([c["body_x"], c["body_y"]], axis=1) for c in columns], axis=1)
    body_angles = np.stack([c.pop("_body_angle") for c in columns], axis=1)
    out = []
    for m, col in enumerate(columns):
        names = list(col)
        values = [np.stack(list(col.values()), axis=1)]
        if social and n_mice > 1:
            social_values, social_names = _social(kp, m, centres, body_angles, frame_rate)
            values.append(social_values)
            names += social_names
        out.append(
            EgocentricFeatures(
                np.concatenate(values, axis=1).astype(np.float32), names, list(MOUSE_ACTIONS)
            )
        )
    return out


def _social(
    kp: np.ndarray, m: int, centres: np.ndarray, body_angles: np.ndarray, frame_rate: float
) -> tuple[np.ndarray, list[str]]:
    """The social features of mouse ``m`` around its body centre and axis, with nose distances."""
    n_mice = kp.shape[1]
    others = [j for j in range(n_mice) if j != m]
    nose, tail_base = kp[:, m, _K["nose"]], kp[:, m, _K["tail_base"]]
    extra = {
        "nose_nose_distance": _distances(nose, kp[:, others, _K["nose"]]),
        "nose_tail_base_distance": _distances(nose, kp[:, others, _K["tail_base"]]),
        "tail_base_nose_distance": _distances(tail_base, kp[:, others, _K["nose"]]),
    }
    return social_features(
        centres[:, m],
        body_angles[:, m],
        centres[:, others],
        body_angles[:, others],
        frame_rate=frame_rate,
        n_neighbors=n_mice - 1,
        extra=extra,
    )


def _distances(point: np.ndarray, others: np.ndarray) -> np.ndarray:
    """``(T, N)`` distances from ``point`` ``(T, 2)`` to each of ``others`` ``(T, N, 2)``."""
    return np.linalg.norm(others - point[:, None], axis=-1)


def order_mouse_keypoints(position: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Keypoints named as a tracker names them, in the order of :data:`MOUSE_KEYPOINTS`.

    Names match ignoring case and whether words are joined by spaces, underscores or
    hyphens (DeepLabCut's MABe 2022 tables say ``"left ear"``); other keypoints are dropped.

    Parameters
    ----------
    position
        ``(T, n_mice, K, 2)`` positions, keypoints in the order of ``names``.
    names
        The ``K`` keypoint names.

    Returns
    -------
    np.ndarray
        ``(T, n_mice, 12, 2)``, the layout of :func:`mouse_features` and of MABe files.

    Raises
    ------
    ValueError
        If ``position`` is not ``(T, n_mice, len(names), 2)`` or a MABe keypoint is absent.

    Examples
    --------
    >>> names = ["tail tip", *MOUSE_KEYPOINTS[:-1]]
    >>> order_mouse_keypoints(np.arange(24.0).reshape(1, 1, 12, 2), names)[0, 0, -1].tolist()
    [0.0, 1.0]
    """
    position = np.asarray(position)
    if position.ndim != 4 or position.shape[2:] != (len(names), 2):
        raise ValueError(
            f"Expected positions of shape (T, n_mice, {len(names)}, 2), but got {position.shape}."
        )
    index = {re.sub(r"[\s_-]+", "_", str(n).strip().lower()): i for i, n in enumerate(names)}
    absent = [k for k in MOUSE_KEYPOINTS if k not in index]
    if absent:
        raise ValueError(
            f"Expected the MABe mouse keypoints {list(MOUSE_KEYPOINTS)}, but {absent} are "
            f"absent from {list(names)}."
        )
    return position[:, :, [index[k] for k in MOUSE_KEYPOINTS]]
