"""Reaction times from a drift-diffusion model, sampled exactly."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

MAX_DRIFT_TIMES_HALF_BOUNDARY = 5.0
"""Largest ``|drift| * boundary / 2``: the rejection sampler accepts at least 1 / cosh(5)."""


def sample_passage_times(
    drift: ArrayLike, boundary: float, *, seed: int | np.random.Generator = 0
) -> np.ndarray:
    """First-passage times of drift-diffusion processes started midway between their bounds.

    The process has unit noise, starts at ``boundary / 2`` and stops at 0 or ``boundary``.
    Its passage-time density is ``f_0(t) cosh(v h) exp(-v^2 t / 2)``, with ``h = boundary / 2``
    and ``f_0`` the driftless density (Girsanov; the exit side is independent of the exit time
    without drift), so times are drawn from ``f_0`` by inverting its tabulated distribution and
    accepted with probability ``exp(-v^2 t / 2)``: exact up to the table's interpolation.

    Parameters
    ----------
    drift
        Drift ``v`` of each process, any shape; the time depends only on ``|v|``.
    boundary
        Distance between the bounds, > 0.
    seed
        Seed or generator.

    Returns
    -------
    np.ndarray
        Passage times (s), the shape of ``drift``; their mean is ``(h / v) tanh(v h)``
        (``h^2`` for ``v = 0``).

    Raises
    ------
    ValueError
        If ``boundary <= 0`` or ``|drift| * boundary / 2`` exceeds
        :data:`MAX_DRIFT_TIMES_HALF_BOUNDARY`.

    Examples
    --------
    >>> times = sample_passage_times([0.0, 1.0, 3.0], boundary=1.6, seed=0)
    >>> times.shape, bool((times > 0).all())
    ((3,), True)
    """
    v = np.abs(np.asarray(drift, dtype=np.float64))
    half = boundary / 2
    largest = float(np.max(v, initial=0.0))
    if not (boundary > 0 and largest * half <= MAX_DRIFT_TIMES_HALF_BOUNDARY):
        raise ValueError(
            f"Expected boundary > 0 and |drift| * boundary / 2 <= "
            f"{MAX_DRIFT_TIMES_HALF_BOUNDARY}, but got boundary {boundary} and |drift| up to "
            f"{largest}."
        )
    rng = np.random.default_rng(seed)
    cdf, times = _unit_passage_time_table()
    flat = v.ravel()
    out = np.empty_like(flat)
    todo = np.arange(flat.size)
    while todo.size:
        t = half**2 * np.interp(rng.random(todo.size), cdf, times)
        accept = rng.random(todo.size) < np.exp(-0.5 * flat[todo] ** 2 * t)
        out[todo[accept]] = t[accept]
        todo = todo[~accept]
    return out.reshape(v.shape)


@lru_cache(maxsize=1)
def _unit_passage_time_table() -> tuple[np.ndarray, np.ndarray]:
    """Distribution of the time a standard Wiener process from 0 takes to leave (-1, 1).

    Returns ``(cdf, times)``, strictly increasing, from ``P(T > t) = (4 / pi) sum_n (-1)^n /
    (2n + 1) exp(-(2n + 1)^2 pi^2 t / 8)``; 200 terms converge for t >= 1e-3, where
    ``P(T <= t)`` is below 1e-100.
    """
    times = np.geomspace(1e-3, 40.0, 4000)
    k = 2 * np.arange(200)[:, None] + 1
    terms = np.where(k % 4 == 1, 1.0, -1.0) / k * np.exp(-(k**2) * np.pi**2 * times / 8)
    cdf = np.maximum.accumulate(np.clip(1 - 4 / np.pi * terms.sum(axis=0), 0.0, 1.0))
    cdf, first = np.unique(np.concatenate([[0.0], cdf, [1.0]]), return_index=True)
    return cdf, np.concatenate([[0.0], times, [times[-1]]])[first]
