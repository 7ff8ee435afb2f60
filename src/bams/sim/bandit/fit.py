"""The classical anchor: a maximum-likelihood fit of the true agent model, session by session.

The model is the simulator's (:func:`~bams.sim.bandit.agent.play`): Q-learning with learning
rate, inverse temperature, perseveration and value decay, and a hidden two-state strategy
(exploit: softmax; explore: uniform). Values depend only on the observed choices and rewards,
not on the hidden state, so the choices form a hidden Markov model whose exact likelihood is
the forward pass over the two states; the backward pass gives each trial's posterior
probability of exploring and, with the sensitivities of the values to the learning rate and
the decay (carried along the value recursion), the exact gradient. Each session is fitted with
L-BFGS-B from a few starting points, on the logit / log scale of the bounded parameters.
``strategy_states=False`` fits plain Q-learning instead (no explore state), the usual model.
Reaction times are not used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logit, logsumexp

from bams.data import Recordings
from bams.sim.bandit.agent import POPULATION, sample_population

PARAMETERS = tuple(POPULATION)
"""Fitted parameters, in the order of the optimizer's vector."""

# Bounds of the optimized vector: logit / log / raw scale per parameter.
_BOUNDS = np.array([[-5, 5], [np.log(0.05), np.log(50)], [-5, 5], [-7, 5], [-8, 0], [-5, 3]])
_BLOCK = 32  # trials per block of the value recursion (keeps products of (1 - rate) > 1e-80)


@dataclass
class SessionFit:
    """Maximum-likelihood fit of one session.

    Attributes
    ----------
    parameters
        Name -> fitted value (without strategy states: ``explore_rate`` 0, ``exploit_rate`` 1).
    log_likelihood
        Log-likelihood of the choices at the fit.
    explore_posterior
        ``(n_trials,)`` posterior probability of the explore state on each trial.
    converged
        Whether the optimizer reported convergence from the best start.
    """

    parameters: dict[str, float]
    log_likelihood: float
    explore_posterior: np.ndarray
    converged: bool


@dataclass
class BanditFit:
    """Maximum-likelihood fits of every recording.

    Attributes
    ----------
    parameters
        Name -> ``(n_recordings,)`` fitted values.
    log_likelihood
        ``(n_recordings,)``.
    explore_posterior
        One ``(n_trials_i,)`` array per recording.
    converged
        ``(n_recordings,)`` bool.
    """

    parameters: dict[str, np.ndarray]
    log_likelihood: np.ndarray
    explore_posterior: list[np.ndarray]
    converged: np.ndarray


def fit_bandit(
    data: Recordings, *, strategy_states: bool = True, n_restarts: int = 4, seed: int = 0
) -> BanditFit:
    """Fit the agent model to every recording of a bandit dataset.

    Parameters
    ----------
    data
        Recordings with features ``choice_0`` ... ``choice_{K-1}`` (one-hot) and ``reward``, as
        made by :func:`~bams.sim.bandit.simulate_bandit`; trials with a missing value are
        skipped (no choice, no update).
    strategy_states, n_restarts, seed
        See :func:`fit_session`.

    Returns
    -------
    BanditFit

    Raises
    ------
    ValueError
        If the choice or reward features are missing.

    Examples
    --------
    >>> from bams.sim.bandit import simulate_bandit
    >>> data = simulate_bandit(n_individuals=1, n_sessions=1, n_trials=100, seed=0)
    >>> fit = fit_bandit(data, n_restarts=1)
    >>> fit.parameters["learning_rate"].shape, fit.explore_posterior[0].shape
    ((1,), (100,))
    """
    n_arms = sum(name.startswith("choice_") for name in data.feature_names)
    expected = [f"choice_{k}" for k in range(n_arms)] + ["reward"]
    if n_arms < 2 or any(name not in data.feature_names for name in expected):
        raise ValueError(
            f"Expected features choice_0, ..., choice_<K-1> (K >= 2) and reward, but got "
            f"{data.feature_names}."
        )
    columns = [data.feature_names.index(name) for name in expected]
    fits = []
    for i, x in enumerate(data.sequences):
        x = x[:, columns].astype(np.float64)
        valid = np.isfinite(x).all(axis=1)
        choices = np.where(valid, np.nan_to_num(x[:, :n_arms]).argmax(axis=1), -1)
        fits.append(
            fit_session(
                choices,
                np.nan_to_num(x[:, -1]),
                n_arms,
                strategy_states=strategy_states,
                n_restarts=n_restarts,
                seed=seed + i,
            )
        )
    return BanditFit(
        parameters={p: np.array([f.parameters[p] for f in fits]) for p in PARAMETERS},
        log_likelihood=np.array([f.log_likelihood for f in fits]),
        explore_posterior=[f.explore_posterior for f in fits],
        converged=np.array([f.converged for f in fits]),
    )


def fit_session(
    choices: np.ndarray,
    rewards: np.ndarray,
    n_arms: int,
    *,
    strategy_states: bool = True,
    n_restarts: int = 4,
    seed: int = 0,
) -> SessionFit:
    """Maximum-likelihood fit of the agent model to one session.

    Parameters
    ----------
    choices
        ``(n_trials,)`` chosen arm in ``0 .. n_arms - 1``, or -1 for a missed trial.
    rewards
        ``(n_trials,)`` reward of each trial (0 or 1).
    n_arms
        Number of arms.
    strategy_states
        Fit the hidden explore/exploit states (else plain Q-learning).
    n_restarts
        Starting points: the population medians, then draws from the population.
    seed
        Seed of the random starting points.

    Returns
    -------
    SessionFit

    Raises
    ------
    ValueError
        If the arrays disagree in length or a choice is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> choices, rewards = np.tile([0, 0, 1], 20), np.tile([1.0, 1.0, 0.0], 20)
    >>> fit = fit_session(choices, rewards, n_arms=2, n_restarts=1)
    >>> sorted(fit.parameters) == sorted(PARAMETERS), fit.explore_posterior.shape
    (True, (60,))
    """
    session = _Session(choices, rewards, n_arms)
    n_free = len(PARAMETERS) if strategy_states else 4
    bounds = _BOUNDS[:n_free]
    starts = [_to_vector({name: POPULATION[name][1] for name in PARAMETERS})]
    draws = sample_population(max(n_restarts - 1, 0), seed=seed)
    starts += [
        _to_vector({name: draws[name][i] for name in PARAMETERS}) for i in range(n_restarts - 1)
    ]
    best = None
    for start in starts:
        result = minimize(
            _objective,
            np.clip(start[:n_free], bounds[:, 0], bounds[:, 1]),
            args=(session,),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 500},
        )
        if best is None or result.fun < best.fun:
            best = result
    parameters = _from_vector(best.x)
    log_likelihood, posterior = session_log_likelihood(
        parameters, choices, rewards, n_arms, strategy_states=strategy_states
    )
    return SessionFit(parameters, log_likelihood, posterior, bool(best.success))


def session_log_likelihood(
    parameters: Mapping[str, float],
    choices: np.ndarray,
    rewards: np.ndarray,
    n_arms: int,
    *,
    strategy_states: bool = True,
) -> tuple[float, np.ndarray]:
    """Log-likelihood of a session's choices and the posterior of the explore state.

    Parameters
    ----------
    parameters
        Name -> value for every name of :data:`PARAMETERS` (the rates are ignored when
        ``strategy_states`` is false).
    choices, rewards, n_arms, strategy_states
        As in :func:`fit_session`.

    Returns
    -------
    log_likelihood : float
    explore_posterior : np.ndarray
        ``(n_trials,)``; zeros without strategy states.

    Raises
    ------
    ValueError
        If the arrays disagree in length or a choice is out of range.
    """
    vector = _to_vector(parameters)[: len(PARAMETERS) if strategy_states else 4]
    value, _, posterior = _evaluate(vector, _Session(choices, rewards, n_arms))
    return value, posterior


class _Session:
    """One session's choices and rewards as the arrays the likelihood needs."""

    def __init__(self, choices, rewards, n_arms: int) -> None:
        choices = np.asarray(choices).astype(np.int64)
        rewards = np.asarray(rewards, dtype=np.float64)
        if choices.ndim != 1 or rewards.shape != choices.shape or len(choices) == 0:
            raise ValueError(
                f"Expected choices and rewards of the same shape (n_trials,), but got "
                f"{choices.shape} and {rewards.shape}."
            )
        if np.any((choices < -1) | (choices >= n_arms)):
            raise ValueError(
                f"Expected choices in 0..{n_arms - 1} (or -1 for missed trials), but got "
                f"{np.unique(choices).tolist()}."
            )
        self.n_arms = n_arms
        self.valid = choices >= 0
        self.chosen = np.eye(n_arms)[choices] * self.valid[:, None]
        self.other = (1.0 - self.chosen) * self.valid[:, None]
        self.target = np.where(self.chosen > 0, rewards[:, None], 0.5)
        self.previous = np.vstack([np.zeros((1, n_arms)), self.chosen[:-1]])


def _to_vector(parameters: Mapping[str, float]) -> np.ndarray:
    p = parameters
    return np.array(
        [
            logit(p["learning_rate"]),
            np.log(p["inverse_temperature"]),
            p["perseveration"],
            logit(p["value_decay"]),
            logit(p["explore_rate"]),
            logit(p["exploit_rate"]),
        ]
    )


def _from_vector(x: np.ndarray) -> dict[str, float]:
    values = [expit(x[0]), np.exp(x[1]), x[2], expit(x[3])]
    values += [expit(x[4]), expit(x[5])] if len(x) > 4 else [0.0, 1.0]
    return {name: float(v) for name, v in zip(PARAMETERS, values, strict=True)}


def _objective(x: np.ndarray, session: _Session) -> tuple[float, np.ndarray]:
    value, gradient, _ = _evaluate(x, session, gradient=True)
    return -value, -gradient


def _evaluate(x, session: _Session, gradient: bool = False):
    """Log-likelihood, its gradient with respect to ``x`` and the explore posterior."""
    alpha, beta, kappa, decay = expit(x[0]), np.exp(x[1]), x[2], expit(x[3])
    rate = alpha * session.chosen + decay * session.other
    q = _linear_scan(1.0 - rate, rate * session.target, 0.5)
    logits = beta * q + kappa * session.previous
    log_norm = logsumexp(logits, axis=1)
    log_p = np.where(session.valid, (logits * session.chosen).sum(axis=1) - log_norm, 0.0)
    if len(x) > 4:
        log_likelihood, gamma, counts = _forward_backward(
            np.exp(log_p), np.where(session.valid, 1.0 / session.n_arms, 1.0), expit(x[4:])
        )
        exploit = gamma[:, 0]
    else:
        log_likelihood, gamma, exploit = float(log_p.sum()), None, np.ones(len(log_p))
    posterior = np.zeros(len(log_p)) if gamma is None else gamma[:, 1]
    if not gradient:
        return log_likelihood, None, posterior

    # d log p_t / d theta = (row of the chosen arm) - (softmax-weighted row), on valid trials.
    pi = np.exp(logits - log_norm[:, None])
    error = session.target - q
    d_alpha = _linear_scan(1.0 - rate, session.chosen * error, 0.0)
    d_decay = _linear_scan(1.0 - rate, session.other * error, 0.0)
    weight = exploit * session.valid
    rows = (beta * d_alpha, q, session.previous, beta * d_decay)
    grad = [float((weight * ((r * session.chosen).sum(1) - (r * pi).sum(1))).sum()) for r in rows]
    grad = np.array(grad) * [alpha * (1 - alpha), beta, 1.0, decay * (1 - decay)]
    if len(x) > 4:
        enter, leave = expit(x[4:])
        total = enter + leave
        d_enter = counts[0, 1] / enter - counts[0, 0] / (1 - enter)
        d_enter += gamma[0, 0] * (-1 / total) + gamma[0, 1] * (1 / enter - 1 / total)
        d_leave = counts[1, 0] / leave - counts[1, 1] / (1 - leave)
        d_leave += gamma[0, 0] * (1 / leave - 1 / total) + gamma[0, 1] * (-1 / total)
        rates = [d_enter * enter * (1 - enter), d_leave * leave * (1 - leave)]
        grad = np.concatenate([grad, rates])
    return log_likelihood, grad, posterior


def _linear_scan(factor: np.ndarray, drive: np.ndarray, start: float) -> np.ndarray:
    """``x[0] = start``, ``x[t + 1] = factor[t] * x[t] + drive[t]``; returns ``x[:T]``, ``(T, K)``.

    Solved in closed form within blocks: ``x[s + j + 1] = F[j] (x[s] + sum_{i <= j} drive[i] /
    F[i])`` with ``F`` the running product of ``factor`` over the block (factors are > 0).
    """
    out = np.empty_like(drive)
    x = np.full(drive.shape[1], start, dtype=np.float64)
    for begin in range(0, len(drive), _BLOCK):
        block = slice(begin, begin + _BLOCK)
        product = np.cumprod(factor[block], axis=0)
        following = product * (x + np.cumsum(drive[block] / product, axis=0))
        out[block] = np.vstack([x, following[:-1]])
        x = following[-1]
    return out


def _forward_backward(exploit_p, explore_p, rates):
    """Scaled forward-backward pass of the two-state chain (0 exploit, 1 explore).

    Returns the log-likelihood, the posteriors ``(T, 2)`` and the expected transition counts
    ``(2, 2)``. The first state has the chain's stationary distribution.
    """
    enter, leave = float(rates[0]), float(rates[1])
    a00, a01, a10, a11 = 1 - enter, enter, leave, 1 - leave
    e0, e1 = exploit_p.tolist(), explore_p.tolist()
    n = len(e0)
    f0, f1 = leave / (enter + leave) * e0[0], enter / (enter + leave) * e1[0]
    forward, scale = [(0.0, 0.0)] * n, [0.0] * n
    for t in range(n):
        if t:
            f0, f1 = (f0 * a00 + f1 * a10) * e0[t], (f0 * a01 + f1 * a11) * e1[t]
        c = f0 + f1
        f0, f1 = f0 / c, f1 / c
        forward[t], scale[t] = (f0, f1), c
    backward = [(1.0, 1.0)] * n
    b0 = b1 = 1.0
    for t in range(n - 1, 0, -1):
        x0, x1 = e0[t] * b0 / scale[t], e1[t] * b1 / scale[t]
        b0, b1 = a00 * x0 + a01 * x1, a10 * x0 + a11 * x1
        backward[t - 1] = (b0, b1)
    forward, backward, scale = np.array(forward), np.array(backward), np.array(scale)
    gamma = forward * backward
    emitted = np.stack([exploit_p, explore_p], axis=1)[1:] * backward[1:] / scale[1:, None]
    counts = forward[:-1].T @ emitted * np.array([[a00, a01], [a10, a11]])
    return float(np.log(scale).sum()), gamma, counts
