"""The game: a restless K-armed bandit whose payoffs are drawn once and shared by all players."""

from __future__ import annotations

import numpy as np


def make_schedule(
    n_sessions: int,
    n_trials: int,
    n_arms: int,
    *,
    drift: float = 0.03,
    bounds: tuple[float, float] = (0.05, 0.95),
    seed: int | np.random.SeedSequence = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the reward probabilities and every arm's outcome on every trial.

    Each probability starts uniformly in ``bounds`` and takes Gaussian steps of standard
    deviation ``drift``, reflected at the bounds (the free walk folded into the interval).
    Outcomes are drawn in advance, so every player who picks arm ``k`` on trial ``t`` of
    game ``s`` gets the same reward.

    Parameters
    ----------
    n_sessions, n_trials, n_arms
        Shape of the schedule: ``n_sessions`` independent games.
    drift
        Standard deviation of the per-trial change of each probability.
    bounds
        ``(low, high)``, with ``0 <= low < high <= 1``.
    seed
        Seed or seed sequence.

    Returns
    -------
    probabilities : np.ndarray
        Shape ``(n_sessions, n_trials, n_arms)``, within ``bounds``.
    outcomes : np.ndarray
        Same shape, float 0 or 1: what that arm pays on that trial if chosen.

    Examples
    --------
    >>> p, outcomes = make_schedule(2, 100, 3, seed=0)
    >>> p.shape, bool(((p >= 0.05) & (p <= 0.95)).all()), set(np.unique(outcomes).tolist())
    ((2, 100, 3), True, {0.0, 1.0})
    """
    rng = np.random.default_rng(seed)
    low, high = bounds
    width = high - low
    start = rng.uniform(0.0, width, size=(n_sessions, 1, n_arms))
    steps = rng.normal(scale=drift, size=(n_sessions, n_trials, n_arms))
    steps[:, 0] = 0.0
    folded = np.mod(start + np.cumsum(steps, axis=1), 2 * width)
    probabilities = low + np.where(folded > width, 2 * width - folded, folded)
    outcomes = (rng.random(probabilities.shape) < probabilities).astype(np.float64)
    return probabilities, outcomes
