"""A population playing the same bandit, as :class:`~bams.data.Recordings` with ground truth."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from bams.data import Recordings
from bams.sim.bandit.agent import STRATEGIES, check_parameters, play, sample_population
from bams.sim.bandit.ddm import MAX_DRIFT_TIMES_HALF_BOUNDARY, sample_passage_times
from bams.sim.bandit.task import make_schedule

GAMES = ("shared", "per_session")
"""Values of ``games`` in :func:`simulate_bandit`."""


def simulate_bandit(
    n_individuals: int = 50,
    n_sessions: int = 4,
    n_trials: int = 300,
    n_arms: int = 3,
    *,
    seed: int = 0,
    games: str = "shared",
    reaction_times: bool = True,
    drift: float = 0.03,
    bounds: tuple[float, float] = (0.05, 0.95),
    parameters: Mapping[str, ArrayLike] | None = None,
    drift_scale: float = 4.0,
    boundary: float = 1.6,
    non_decision_time: float = 0.3,
) -> Recordings:
    """Simulate Q-learning agents with hidden explore/exploit states on a shared bandit.

    See :mod:`bams.sim.bandit` for the model. With ``games="shared"`` (the default) every
    session of every individual is the same game: the same reward probabilities and payoffs,
    so sessions differ only by who plays and by chance. With ``games="per_session"`` session
    ``s`` of every individual is game ``s``, and the sessions of one individual are different
    games.

    Parameters
    ----------
    n_individuals
        Number of agents.
    n_sessions
        Sessions per agent (one recording each).
    n_trials
        Trials per session (one frame each; the frame rate is 1).
    n_arms
        Number of arms, >= 2.
    seed
        Everything is deterministic given the seed. The schedule does not depend on
        ``n_individuals``, and the choices do not depend on ``reaction_times``.
    games
        ``"shared"``: one reward schedule for every session of everyone. ``"per_session"``:
        one schedule per session index, shared by everyone (:data:`GAMES`).
    reaction_times
        Add the feature ``log_rt`` (log reaction time in seconds) from the diffusion model.
    drift
        Standard deviation of the per-trial change of each reward probability.
    bounds
        ``(low, high)`` into which reward probabilities are reflected.
    parameters
        Agent parameters to use instead of draws from :data:`POPULATION`: name -> a scalar or an
        array of shape ``(n_individuals,)``. Parameters not named are still drawn.
    drift_scale, boundary, non_decision_time
        The diffusion model: drift per unit of value difference (chosen arm minus best other),
        distance between the bounds, and the time (s) added to every passage time.

    Returns
    -------
    Recordings
        ``n_individuals * n_sessions`` recordings (individual-major; ids ``ind0003_s01``,
        groups ``ind0003``), each ``(n_trials, n_arms + 2)`` (``n_arms + 1`` without reaction
        times): features ``choice_0``, ``choice_1``, ... (one-hot), ``reward`` (0 or 1) and
        ``log_rt``, all of them actions. Sequence labels: ``individual`` and ``session`` (int)
        and ``game`` (int: 0 for everyone with shared games, the session index with games per
        session) and the six float parameters of :data:`POPULATION`. Frame labels: ``strategy``
        (``"exploit"`` or ``"explore"``) and ``chose_best_arm`` (bool: the chosen arm had the
        highest reward probability on that trial).

    Raises
    ------
    ValueError
        Listing every invalid argument.

    Examples
    --------
    >>> data = simulate_bandit(n_individuals=2, n_sessions=2, n_trials=50, seed=1)
    >>> data.feature_names
    ['choice_0', 'choice_1', 'choice_2', 'reward', 'log_rt']
    >>> data.groups
    ['ind0000', 'ind0000', 'ind0001', 'ind0001']
    """
    return _simulate(**locals())  # locals() holds exactly the parameters here


def _simulate(
    n_individuals,
    n_sessions,
    n_trials,
    n_arms,
    seed,
    games,
    reaction_times,
    drift,
    bounds,
    parameters,
    drift_scale,
    boundary,
    non_decision_time,
) -> Recordings:
    """Check the arguments of :func:`simulate_bandit`, play the games and record them."""
    _check_arguments(
        {
            "n_individuals": (n_individuals, 1),
            "n_sessions": (n_sessions, 1),
            "n_trials": (n_trials, 1),
            "n_arms": (n_arms, 2),
        },
        games,
        drift,
        bounds,
        drift_scale,
        boundary,
        non_decision_time,
    )
    schedule_seed, population_seed, choice_seed, rt_seed = np.random.SeedSequence(seed).spawn(4)
    shared = games == "shared"
    game_of_session = np.zeros(n_sessions, np.int64) if shared else np.arange(n_sessions)
    n_games = 1 if shared else n_sessions
    probabilities, outcomes = make_schedule(
        n_games, n_trials, n_arms, drift=drift, bounds=bounds, seed=schedule_seed
    )
    # (n_sessions, n_trials, n_arms): session s plays game game_of_session[s].
    probabilities, outcomes = probabilities[game_of_session], outcomes[game_of_session]
    agents = sample_population(n_individuals, seed=population_seed)
    agents.update(check_parameters(parameters, n_individuals))
    choices, rewards, strategy, value_gap = play(
        agents, outcomes, np.random.default_rng(choice_seed)
    )
    features = [np.eye(n_arms)[choices], rewards[..., None]]
    names = [f"choice_{k}" for k in range(n_arms)] + ["reward"]
    if reaction_times:
        decision = sample_passage_times(drift_scale * value_gap, boundary, seed=rt_seed)
        features.append(np.log(non_decision_time + decision)[..., None])
        names.append("log_rt")
    x = np.concatenate(features, axis=-1).astype(np.float32)  # (N, S, T, F)
    best = probabilities.argmax(axis=-1)  # (S, T), broadcast over individuals
    return _to_recordings(x, names, choices == best, strategy, agents, game_of_session)


def _to_recordings(
    x: np.ndarray,
    names: list[str],
    chose_best: np.ndarray,
    strategy: np.ndarray,
    agents: dict[str, np.ndarray],
    game_of_session: np.ndarray,
) -> Recordings:
    """The ``(N, S, T, F)`` features ``x`` and their labels as individual-major recordings."""
    n_individuals, n_sessions, n_trials = x.shape[:3]
    individual = np.repeat(np.arange(n_individuals), n_sessions)
    session = np.tile(np.arange(n_sessions), n_individuals)
    return Recordings(
        list(x.reshape(-1, n_trials, len(names))),
        feature_names=names,
        frame_rate=1.0,
        ids=[f"ind{i:04d}_s{s:02d}" for i, s in zip(individual, session, strict=True)],
        groups=[f"ind{i:04d}" for i in individual],
        frame_labels={
            "strategy": list(np.array(STRATEGIES)[strategy].reshape(-1, n_trials)),
            "chose_best_arm": list(chose_best.reshape(-1, n_trials)),
        },
        sequence_labels={
            "individual": individual.astype(np.int64),
            "session": session.astype(np.int64),
            "game": game_of_session[session],
            **{name: np.repeat(values, n_sessions) for name, values in agents.items()},
        },
    )


def _check_arguments(
    counts, games, drift, bounds, drift_scale, boundary, non_decision_time
) -> None:
    """Raise one ValueError listing every invalid argument of :func:`simulate_bandit`."""
    problems = [
        f"Expected an integer {name} >= {minimum}, but got {value!r}."
        for name, (value, minimum) in counts.items()
        if not (isinstance(value, int | np.integer) and value >= minimum)
    ]
    if games not in GAMES:
        problems.append(f"Expected games among {list(GAMES)}, but got {games!r}.")
    if not (np.isfinite(drift) and drift >= 0):
        problems.append(f"Expected drift >= 0, but got {drift!r}.")
    if not (len(bounds) == 2 and 0 <= bounds[0] < bounds[1] <= 1):
        problems.append(f"Expected bounds (low, high) with 0 <= low < high <= 1, but got {bounds}.")
    if not (boundary > 0 and 0 <= drift_scale * boundary / 2 <= MAX_DRIFT_TIMES_HALF_BOUNDARY):
        problems.append(
            f"Expected boundary > 0 and 0 <= drift_scale * boundary / 2 <= "
            f"{MAX_DRIFT_TIMES_HALF_BOUNDARY}, but got drift_scale {drift_scale} and boundary "
            f"{boundary}."
        )
    if not non_decision_time >= 0:
        problems.append(f"Expected non_decision_time >= 0, but got {non_decision_time!r}.")
    if problems:
        raise ValueError("Invalid bandit simulation:\n- " + "\n- ".join(problems))
