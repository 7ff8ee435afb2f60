"""Shape features of a midline: a chain of points from the head to the tail of a body.

Larvae, worms and fish tails are tracked as midlines. All functions take ``(T, N, 2)`` points
ordered head first, with NaN for missing points; they are pure and work in the units of
the input.
"""

from __future__ import annotations

import numpy as np

from bams.features.kinematics import wrap_angle


def _check_midline(midline: np.ndarray, minimum: int = 2) -> np.ndarray:
    midline = np.asarray(midline, dtype=np.float64)
    if midline.ndim != 3 or midline.shape[2] != 2 or midline.shape[1] < minimum:
        raise ValueError(
            f"Expected a midline of shape (T, N >= {minimum}, 2), but got {midline.shape}."
        )
    return midline


def spine_length(midline: np.ndarray) -> np.ndarray:
    """Length of the midline: the sum of its segments.

    Parameters
    ----------
    midline
        ``(T, N, 2)`` points, head first.

    Returns
    -------
    np.ndarray
        ``(T,)`` length; NaN where any point is missing.

    Raises
    ------
    ValueError
        If ``midline`` is not ``(T, N >= 2, 2)``.

    Examples
    --------
    >>> spine_length(np.array([[[0.0, 0.0], [3.0, 4.0], [3.0, 5.0]]])).tolist()
    [6.0]
    """
    midline = _check_midline(midline)
    return np.linalg.norm(np.diff(midline, axis=1), axis=2).sum(axis=1)


def segment_angle(midline: np.ndarray, back: int, front: int) -> np.ndarray:
    """Direction (radians) of the vector from point ``back`` to point ``front``.

    Parameters
    ----------
    midline
        ``(T, N, 2)`` points, head first.
    back, front
        Point indices (negative counts from the tail).

    Returns
    -------
    np.ndarray
        ``(T,)`` angles in ``[-pi, pi]``; NaN where either point is missing.
    """
    midline = _check_midline(midline)
    vector = midline[:, front] - midline[:, back]
    return np.arctan2(vector[:, 1], vector[:, 0])


def bend_angle(
    midline: np.ndarray,
    front: tuple[int, int] = (5, 1),
    rear: tuple[int, int] = (-1, -5),
) -> np.ndarray:
    """Signed bend of the body: direction of the front segment minus that of the rear one.

    The defaults are the Schleyer-lab convention that larvaworld uses for 12-point larva
    midlines (front vector from point 6 to point 2, rear vector from point 12 to point 8,
    counting from the head at 1). Positive is a bend to the left (counter-clockwise) in the
    coordinates of the input.

    Parameters
    ----------
    midline
        ``(T, N, 2)`` points, head first.
    front, rear
        ``(back, front)`` point indices of each segment; both point towards the head.

    Returns
    -------
    np.ndarray
        ``(T,)`` radians in ``[-pi, pi)``; 0 for a straight body; NaN where a point is missing.

    Raises
    ------
    ValueError
        If ``midline`` is not ``(T, N, 2)`` or an index is out of range.

    Examples
    --------
    >>> straight = np.stack([np.zeros(12), -np.arange(12.0)], axis=1)[None]  # head at y=0
    >>> float(bend_angle(straight)[0])
    0.0
    """
    midline = _check_midline(midline)
    n = midline.shape[1]
    bad = [i for i in (*front, *rear) if not -n <= i < n]
    if bad:
        raise ValueError(f"Expected point indices in [-{n}, {n}), but got {bad}.")
    return wrap_angle(segment_angle(midline, *front) - segment_angle(midline, *rear))
