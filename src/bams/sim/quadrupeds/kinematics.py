"""Closed-form leg kinematics of the 12-DoF quadruped, vectorized over legs.

A leg's foot position is expressed relative to its hip abduction joint in the trunk frame. With
abduction ``q1`` (about x), thigh ``q2`` and calf ``q3`` (about y), lateral thigh offset ``d``
(signed: ``side * thigh_offset``) and link lengths ``l1, l2``::

    x = -l1 sin q2 - l2 sin(q2 + q3)
    z' = -l1 cos q2 - l2 cos(q2 + q3)
    foot = R_x(q1) @ (x, d, z')

A foot position has two leg postures, mirror images about the hip-foot line: the knee behind
that line (``q3 < 0``, A1, Aliengo and ANYmal's front legs) or in front of it (``q3 > 0``,
ANYmal's hind legs); :func:`inverse` picks one per leg.
"""

from __future__ import annotations

import numpy as np


def forward(q: np.ndarray, offset: np.ndarray, l1: float, l2: float) -> np.ndarray:
    """Foot positions relative to the hips, in the trunk frame.

    Parameters
    ----------
    q
        Joint angles ``(hip, thigh, calf)``, shape ``(n_legs, 3)``.
    offset
        Signed lateral thigh offset of each leg (m), shape ``(n_legs,)``.
    l1, l2
        Thigh and calf lengths (m).

    Returns
    -------
    np.ndarray
        Shape ``(n_legs, 3)``.
    """
    q1, q2, q3 = q[:, 0], q[:, 1], q[:, 2]
    x = -l1 * np.sin(q2) - l2 * np.sin(q2 + q3)
    z = -l1 * np.cos(q2) - l2 * np.cos(q2 + q3)
    c, s = np.cos(q1), np.sin(q1)
    return np.stack([x, offset * c - z * s, offset * s + z * c], axis=1)


def inverse(
    foot: np.ndarray,
    offset: np.ndarray,
    l1: float,
    l2: float,
    out: np.ndarray | None = None,
    knee: np.ndarray | None = None,
) -> np.ndarray:
    """Joint angles that put the feet at ``foot``, each knee bent the way ``knee`` says.

    Unreachable targets are pulled in to the reachable workspace.

    Parameters
    ----------
    foot
        Foot positions relative to the hips in the trunk frame, shape ``(n_legs, 3)``.
    offset
        Signed lateral thigh offset of each leg (m), shape ``(n_legs,)``.
    l1, l2
        Thigh and calf lengths (m).
    out
        Optional output array of shape ``(n_legs, 3)``.
    knee
        Knee direction of each leg, shape ``(n_legs,)``: ``+1`` bends the knee backward (the
        knee behind the line from hip to foot, calf angle < 0), ``-1`` forward (calf angle > 0).
        ``None`` bends every knee backward.

    Returns
    -------
    np.ndarray
        Joint angles ``(hip, thigh, calf)``, shape ``(n_legs, 3)``.

    Examples
    --------
    >>> foot = np.array([[0.0, 0.0, -0.3], [0.0, 0.0, -0.3]])
    >>> q = inverse(foot, np.zeros(2), 0.2, 0.2, knee=np.array([1.0, -1.0]))
    >>> bool(q[0, 2] < 0 < q[1, 2]), bool(np.allclose(q[0, 1], -q[1, 1]))
    (True, True)
    """
    px, py, pz = foot[:, 0], foot[:, 1], foot[:, 2]
    # Length of the leg's projection in its own plane (below the thigh joint).
    planar = np.sqrt(np.maximum(py * py + pz * pz - offset * offset, 1e-6))
    q1 = np.arctan2(pz, py) - np.arctan2(-planar, offset)
    reach = np.sqrt(px * px + planar * planar)
    reach_c = np.clip(reach, abs(l1 - l2) + 1e-3, (l1 + l2) * 0.999)
    cos3 = (reach_c * reach_c - l1 * l1 - l2 * l2) / (2 * l1 * l2)
    q3 = -np.arccos(np.clip(cos3, -1.0, 1.0))
    if knee is not None:
        q3 = q3 * knee  # exact for +1: backward knees give the same bits as without ``knee``
    # Rotating the leg's (x, z) vector by R_y(q2) subtracts q2 from its angle.
    scale = reach_c / reach
    q2 = np.arctan2(-(l1 + l2 * np.cos(q3)), -l2 * np.sin(q3)) - np.arctan2(
        -planar * scale, px * scale
    )
    if out is None:
        out = np.empty_like(foot)
    out[:, 0] = q1
    out[:, 1] = (q2 + np.pi) % (2 * np.pi) - np.pi
    out[:, 2] = q3
    return out


def jacobian(q: np.ndarray, offset: np.ndarray, l1: float, l2: float) -> np.ndarray:
    """Jacobians of the foot positions (trunk frame) with respect to the leg joints.

    Returns
    -------
    np.ndarray
        Shape ``(n_legs, 3, 3)``: ``J[leg, :, j]`` is the derivative of the foot position with
        respect to joint ``j``.
    """
    q1, q2, q3 = q[:, 0], q[:, 1], q[:, 2]
    s2, c2 = np.sin(q2), np.cos(q2)
    s23, c23 = np.sin(q2 + q3), np.cos(q2 + q3)
    x = -l1 * s2 - l2 * s23
    z = -l1 * c2 - l2 * c23
    c, s = np.cos(q1), np.sin(q1)
    jac = np.zeros((len(q), 3, 3))
    jac[:, 1, 0] = -offset * s - z * c
    jac[:, 2, 0] = offset * c - z * s
    # d/dq2 of the planar vector is (z, -x); d/dq3 is (-l2 c23, l2 s23); then rotate by R_x.
    for j, (dx, dz) in enumerate(((z, -x), (-l2 * c23, l2 * s23)), start=1):
        jac[:, 0, j] = dx
        jac[:, 1, j] = -dz * s
        jac[:, 2, j] = dz * c
    return jac
