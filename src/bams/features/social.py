"""Social features of a focal animal: where the others are, nearest first."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bams.features.kinematics import backward_difference, wrap_angle

SOCIAL_FEATURES = (
    "distance",
    "distance_rate",
    "bearing_cos",
    "bearing_sin",
    "relative_heading_cos",
    "relative_heading_sin",
)
"""The features computed for each neighbour rank, in column order (extras come after)."""


def social_features(
    center: np.ndarray,
    heading: np.ndarray,
    other_centers: np.ndarray,
    other_headings: np.ndarray,
    *,
    frame_rate: float,
    n_neighbors: int,
    extra: Mapping[str, np.ndarray] | None = None,
    prefix: str = "neighbor",
) -> tuple[np.ndarray, list[str]]:
    """Distance and bearing of the other animals, sorted by distance at every frame.

    Sorting by distance makes the features independent of the order (identity) of the other
    animals. Animals missing at a frame (NaN position) sort last; a rank with no animal is NaN.

    Parameters
    ----------
    center
        ``(T, 2)`` position of the focal animal.
    heading
        ``(T,)`` heading of the focal animal, radians.
    other_centers
        ``(T, N, 2)`` positions of the ``N`` other animals.
    other_headings
        ``(T, N)`` their headings, radians.
    frame_rate
        Frames per second (``distance_rate`` is per second).
    n_neighbors
        Number of ranks returned (nearest first); ranks beyond ``N`` are NaN.
    extra
        Optional ``{name: (T, N)}`` per-animal values (e.g. nose-to-nose distances) reordered
        with the same ranks.
    prefix
        Column names are ``f"{prefix}{rank}_{feature}"``, rank 1 being the nearest.

    Returns
    -------
    values : ndarray
        ``(T, n_neighbors * (6 + len(extra)))`` float32. Per rank: ``distance`` between the
        positions; ``distance_rate``, the backward difference of that rank's distance per
        second (negative when the neighbour at that rank gets closer; continuous across rank
        changes because sorted distances are); ``bearing_cos`` / ``bearing_sin`` of the
        direction to the neighbour relative to the focal heading; ``relative_heading_cos`` /
        ``_sin`` of the neighbour's heading relative to the focal heading; then the extras.
    names : list of str
        The column names.

    Raises
    ------
    ValueError
        If the shapes do not match, or ``n_neighbors < 1``.

    Examples
    --------
    >>> center, heading = np.zeros((1, 2)), np.zeros(1)
    >>> others = np.array([[[0.0, 3.0], [1.0, 0.0]]])  # 3 away at +90 degrees, 1 straight ahead
    >>> values, names = social_features(center, heading, others, np.zeros((1, 2)),
    ...                                 frame_rate=1.0, n_neighbors=2)
    >>> [float(values[0, names.index(n)]) for n in ("neighbor1_distance", "neighbor2_bearing_sin")]
    [1.0, 1.0]
    """
    center = np.asarray(center, dtype=np.float64)
    heading = np.asarray(heading, dtype=np.float64)
    other_centers = np.asarray(other_centers, dtype=np.float64)
    other_headings = np.asarray(other_headings, dtype=np.float64)
    extra = {k: np.asarray(v, dtype=np.float64) for k, v in (extra or {}).items()}
    n_others = _check_shapes(center, heading, other_centers, other_headings, extra, n_neighbors)

    offset = other_centers - center[:, None]
    per_animal = {
        "distance": np.hypot(offset[..., 0], offset[..., 1]),
        "bearing": wrap_angle(np.arctan2(offset[..., 1], offset[..., 0]) - heading[:, None]),
        "relative_heading": wrap_angle(other_headings - heading[:, None]),
        **extra,
    }
    ranked = _rank_by_distance(per_animal, n_others, n_neighbors)
    return _rank_columns(ranked, list(extra), frame_rate, n_neighbors, prefix)


def _check_shapes(
    center: np.ndarray,
    heading: np.ndarray,
    other_centers: np.ndarray,
    other_headings: np.ndarray,
    extra: dict[str, np.ndarray],
    n_neighbors: int,
) -> int:
    """Check the shapes of :func:`social_features`' arguments; return ``N``, the others."""
    n_frames = len(center)
    n_others = other_centers.shape[1] if other_centers.ndim == 3 else -1
    if center.shape != (n_frames, 2) or heading.shape != (n_frames,):
        raise ValueError(
            f"Expected center (T, 2) and heading (T,), but got {center.shape} and {heading.shape}."
        )
    if other_centers.shape != (n_frames, n_others, 2):
        raise ValueError(
            f"Expected other_centers of shape ({n_frames}, N, 2), but got {other_centers.shape}."
        )
    for name, values in {"other_headings": other_headings, **extra}.items():
        if values.shape != (n_frames, n_others):
            raise ValueError(
                f"Expected {name} of shape ({n_frames}, {n_others}), but got {values.shape}."
            )
    if n_neighbors < 1:
        raise ValueError(f"Expected n_neighbors >= 1, but got {n_neighbors}.")
    return n_others


def _rank_by_distance(
    per_animal: dict[str, np.ndarray], n_others: int, n_neighbors: int
) -> dict[str, np.ndarray]:
    """Reorder every ``(T, N)`` value by distance, nearest first, to ``(T, n_neighbors)``."""
    # Missing neighbours (NaN distance) sort last; pad so every rank exists.
    order = np.argsort(np.where(np.isnan(per_animal["distance"]), np.inf, per_animal["distance"]))
    pad = max(n_neighbors - n_others, 0)
    ranked = {}
    for name, values in per_animal.items():
        values = np.take_along_axis(values, order, axis=1)
        ranked[name] = np.pad(values, ((0, 0), (0, pad)), constant_values=np.nan)[:, :n_neighbors]
    return ranked


def _rank_columns(
    ranked: dict[str, np.ndarray],
    extra: list[str],
    frame_rate: float,
    n_neighbors: int,
    prefix: str,
) -> tuple[np.ndarray, list[str]]:
    """The feature columns of every rank, as returned by :func:`social_features`."""
    columns, names = [], []
    for rank in range(n_neighbors):
        distance = ranked["distance"][:, rank]
        bearing = ranked["bearing"][:, rank]
        relative = ranked["relative_heading"][:, rank]
        columns += [
            distance,
            backward_difference(distance, frame_rate),
            np.cos(bearing),
            np.sin(bearing),
            np.cos(relative),
            np.sin(relative),
        ]
        columns += [ranked[name][:, rank] for name in extra]
        names += [f"{prefix}{rank + 1}_{f}" for f in (*SOCIAL_FEATURES, *extra)]
    return np.stack(columns, axis=1).astype(np.float32), names
