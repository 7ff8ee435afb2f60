"""The players: Q-learning agents with a hidden explore/exploit strategy state."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

STRATEGIES = ("exploit", "explore")
"""Values of the frame label ``strategy`` (state 0 and state 1)."""

POPULATION = {
    "learning_rate": ("logit", 0.35, 0.8),
    "inverse_temperature": ("log", 6.0, 0.5),
    "perseveration": ("normal", 0.5, 0.5),
    "value_decay": ("logit", 0.1, 0.8),
    "explore_rate": ("logit", 0.03, 0.7),
    "exploit_rate": ("logit", 0.2, 0.7),
}
"""Population distribution of each agent parameter: ``(scale, median, sd)``; "logit" and "log"
are normal on that scale, "normal" is normal."""

RANGES = {
    "learning_rate": (0.0, 1.0),
    "inverse_temperature": (0.0, np.inf),
    "perseveration": (-np.inf, np.inf),
    "value_decay": (0.0, 1.0),
    "explore_rate": (0.0, 1.0),
    "exploit_rate": (0.0, 1.0),
}
"""Valid range of each agent parameter."""


def sample_population(
    n_individuals: int, *, seed: int | np.random.SeedSequence = 0
) -> dict[str, np.ndarray]:
    """Draw agent parameters, independently, from :data:`POPULATION`.

    Each parameter has its own random stream, so the first individuals' parameters do not
    depend on ``n_individuals``.

    Returns
    -------
    dict
        Parameter name -> array of shape ``(n_individuals,)``.

    Examples
    --------
    >>> agents = sample_population(4, seed=0)
    >>> sorted(agents) == sorted(POPULATION), agents["learning_rate"].shape
    (True, (4,))
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    out = {}
    for (name, (scale, median, sd)), stream in zip(
        POPULATION.items(), root.spawn(len(POPULATION)), strict=True
    ):
        z = np.random.default_rng(stream).normal(size=n_individuals)
        if scale == "logit":
            out[name] = 1.0 / (1.0 + np.exp(-(np.log(median / (1 - median)) + sd * z)))
        elif scale == "log":
            out[name] = np.exp(np.log(median) + sd * z)
        else:
            out[name] = median + sd * z
    return out


def check_parameters(
    parameters: Mapping[str, ArrayLike] | None, n_individuals: int
) -> dict[str, np.ndarray]:
    """Validate user-given agent parameters; return each as an array ``(n_individuals,)``.

    Raises
    ------
    ValueError
        Listing every unknown name, wrong shape or value out of :data:`RANGES`.
    """
    out, problems = {}, []
    for name, values in (parameters or {}).items():
        if name not in POPULATION:
            problems.append(f"Expected parameters among {sorted(POPULATION)}, but got {name!r}.")
            continue
        array = np.asarray(values, dtype=np.float64)
        if array.shape not in ((), (n_individuals,)):
            problems.append(
                f"Expected {name} as a scalar or shape ({n_individuals},), but got {array.shape}."
            )
            continue
        low, high = RANGES[name]
        if not np.all(np.isfinite(array) & (array >= low) & (array <= high)):
            problems.append(f"Expected {name} in [{low}, {high}], but got {values!r}.")
        out[name] = np.broadcast_to(array, (n_individuals,)).copy()
    if problems:
        raise ValueError("Invalid agent parameters:\n- " + "\n- ".join(problems))
    return out


def play(
    agents: Mapping[str, np.ndarray], outcomes: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run every agent through every session, vectorized over (individual, session).

    Values start at 0.5 in every session. On each trial the agent, in its current strategy
    state, chooses (exploit: softmax of ``inverse_temperature * Q + perseveration * [previous
    choice]``; explore: uniform); gets the outcome of its arm; moves the chosen value towards
    the reward with ``learning_rate`` and every other value towards 0.5 with ``value_decay``;
    then switches state (exploit -> explore with ``explore_rate``, back with ``exploit_rate``).
    The first state is drawn from the chain's stationary distribution.

    Parameters
    ----------
    agents
        Parameter name -> array ``(n_individuals,)``, every name of :data:`POPULATION`.
    outcomes
        ``(n_sessions, n_trials, n_arms)`` payoffs (see :func:`make_schedule`).
    rng
        Random generator.

    Returns
    -------
    choices, rewards, strategy, value_gap : np.ndarray
        Each ``(n_individuals, n_sessions, n_trials)``: the chosen arm (int), its reward, the
        strategy state (0 exploit, 1 explore) and the chosen arm's value minus the best other
        value before the update.
    """
    n_sessions, n_trials, n_arms = outcomes.shape
    shape = (len(agents["learning_rate"]), n_sessions)
    per_arm = {name: values[:, None, None] for name, values in agents.items()}
    enter, leave = agents["explore_rate"][:, None], agents["exploit_rate"][:, None]
    state = rng.random(shape) < enter / np.maximum(enter + leave, 1e-12)
    q = np.full((*shape, n_arms), 0.5)
    previous = np.zeros((*shape, n_arms))
    choices = np.empty((*shape, n_trials), dtype=np.int64)
    strategy = np.empty((*shape, n_trials), dtype=np.int64)
    rewards, value_gap = np.empty((*shape, n_trials)), np.empty((*shape, n_trials))
    sessions = np.arange(n_sessions)
    for t in range(n_trials):
        logits = per_arm["inverse_temperature"] * q + per_arm["perseveration"] * previous
        p = np.exp(logits - logits.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        p[state] = 1.0 / n_arms
        choice = (rng.random(shape)[..., None] > np.cumsum(p, axis=-1)).sum(axis=-1)
        choice = np.minimum(choice, n_arms - 1)
        chosen = np.eye(n_arms, dtype=bool)[choice]
        reward = outcomes[sessions, t][sessions, choice]
        value_gap[..., t] = q[chosen].reshape(shape) - np.where(chosen, -np.inf, q).max(axis=-1)
        rate = np.where(chosen, per_arm["learning_rate"], per_arm["value_decay"])
        q += rate * (np.where(chosen, reward[..., None], 0.5) - q)
        choices[..., t], rewards[..., t], strategy[..., t] = choice, reward, state
        previous = chosen.astype(np.float64)
        state ^= rng.random(shape) < np.where(state, leave, enter)
    return choices, rewards, strategy, value_gap
