import numpy as np
import pytest
from typer.testing import CliRunner

from bams.cli import app
from bams.data import Recordings
from bams.sim.bandit import (
    POPULATION,
    STRATEGIES,
    make_schedule,
    sample_passage_times,
    sample_population,
    simulate_bandit,
)
from bams.sim.bandit.agent import play

PARAMETER_NAMES = sorted(POPULATION)


@pytest.fixture(scope="module")
def bandit():
    return simulate_bandit(n_individuals=4, n_sessions=3, n_trials=80, n_arms=3, seed=2)


def choices_of(data: Recordings, n_arms: int = 3) -> list[np.ndarray]:
    return [x[:, :n_arms].argmax(axis=1) for x in data.sequences]


def values_before_each_trial(choices, rewards, learning_rate, decay, n_arms):
    """Q values the agent held when making each choice (an independent re-implementation)."""
    q, out = np.full(n_arms, 0.5), []
    for choice, reward in zip(choices, rewards, strict=True):
        out.append(q.copy())
        chosen = np.arange(n_arms) == choice
        q = np.where(chosen, q + learning_rate * (reward - q), q + decay * (0.5 - q))
    return np.array(out)


# ---------------------------------------------------------------------- structure
def test_shapes_features_and_groups(bandit):
    assert len(bandit) == 12
    assert bandit.feature_names == ["choice_0", "choice_1", "choice_2", "reward", "log_rt"]
    assert bandit.actions == bandit.feature_names
    assert bandit.frame_rate == 1.0
    assert bandit.lengths.tolist() == [80] * 12
    assert bandit.ids[:4] == ["ind0000_s00", "ind0000_s01", "ind0000_s02", "ind0001_s00"]
    assert bandit.groups == [f"ind{i:04d}" for i in range(4) for _ in range(3)]
    for x in bandit.sequences:
        assert x.dtype == np.float32 and x.shape == (80, 5)
        np.testing.assert_array_equal(x[:, :3].sum(axis=1), 1.0)
        assert set(np.unique(x[:, :3])) == {0.0, 1.0}
        assert set(np.unique(x[:, 3])) <= {0.0, 1.0}
        assert np.isfinite(x).all()


def test_labels(bandit):
    labels = bandit.sequence_labels
    assert sorted(labels) == sorted(["individual", "session", "game", *PARAMETER_NAMES])
    assert labels["individual"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert labels["session"].tolist() == [0, 1, 2] * 4
    for name in PARAMETER_NAMES:
        values = labels[name].reshape(4, 3)
        assert values.dtype == np.float64
        assert (values == values[:, :1]).all()  # constant within an individual
        assert len(np.unique(values[:, 0])) == 4  # different between individuals
    for name in ("learning_rate", "value_decay", "explore_rate", "exploit_rate"):
        assert ((labels[name] > 0) & (labels[name] < 1)).all()
    assert (labels["inverse_temperature"] > 0).all()
    assert sorted(bandit.frame_labels) == ["chose_best_arm", "strategy"]
    for strategy, best in zip(
        bandit.frame_labels["strategy"], bandit.frame_labels["chose_best_arm"], strict=True
    ):
        assert strategy.shape == best.shape == (80,)
        assert set(strategy.tolist()) <= set(STRATEGIES)
        assert best.dtype == bool


def test_save_and_load_round_trip(bandit, tmp_path):
    loaded = Recordings.load(bandit.save(tmp_path / "bandit.npz"))
    assert loaded.groups == bandit.groups
    np.testing.assert_array_equal(loaded.sequences[5], bandit.sequences[5])
    np.testing.assert_array_equal(
        loaded.frame_labels["strategy"][5], bandit.frame_labels["strategy"][5]
    )


def test_without_reaction_times_the_choices_are_the_same(bandit):
    plain = simulate_bandit(
        n_individuals=4, n_sessions=3, n_trials=80, seed=2, reaction_times=False
    )
    assert plain.feature_names == ["choice_0", "choice_1", "choice_2", "reward"]
    for x, y in zip(plain.sequences, bandit.sequences, strict=True):
        np.testing.assert_array_equal(x, y[:, :4])


def test_population_parameters_follow_their_distributions():
    agents = sample_population(4000, seed=1)
    for name, (scale, median, sd) in POPULATION.items():
        values = agents[name]
        assert np.median(values) == pytest.approx(median, rel=0.1, abs=0.05)
        z = np.log(values / (1 - values)) if scale == "logit" else values
        z = np.log(values) if scale == "log" else z
        assert np.std(z) == pytest.approx(sd, rel=0.1)
    first = sample_population(3, seed=1)
    for name in POPULATION:  # the first individuals do not depend on the population size
        np.testing.assert_array_equal(first[name], agents[name][:3])


# ---------------------------------------------------------------------- determinism
def test_same_seed_same_data_and_different_seed_different_data(bandit):
    again = simulate_bandit(n_individuals=4, n_sessions=3, n_trials=80, n_arms=3, seed=2)
    other = simulate_bandit(n_individuals=4, n_sessions=3, n_trials=80, n_arms=3, seed=3)
    for x, y, z in zip(bandit.sequences, again.sequences, other.sequences, strict=True):
        np.testing.assert_array_equal(x, y)
        assert not np.array_equal(x, z)
    for a, b in zip(bandit.frame_labels["strategy"], again.frame_labels["strategy"], strict=True):
        np.testing.assert_array_equal(a, b)
    for name in PARAMETER_NAMES:
        np.testing.assert_array_equal(bandit.sequence_labels[name], again.sequence_labels[name])
        assert not np.array_equal(bandit.sequence_labels[name], other.sequence_labels[name])


# ---------------------------------------------------------------------- the shared game
def _game(data: Recordings, n_individuals: int, n_sessions: int, n_trials: int):
    shape = (n_individuals, n_sessions, n_trials)
    choices = np.array(choices_of(data)).reshape(shape)
    rewards = np.array([x[:, 3] for x in data.sequences]).reshape(shape)
    best = np.array(data.frame_labels["chose_best_arm"]).reshape(shape)
    return choices, rewards, best


def test_shared_game_pays_the_same_for_every_session_of_everyone():
    data = simulate_bandit(n_individuals=6, n_sessions=3, n_trials=100, seed=4)
    assert data.sequence_labels["game"].tolist() == [0] * 18
    choices, rewards, best = (a.reshape(18, 100) for a in _game(data, 6, 3, 100))
    compared = 0
    for i in range(18):
        for j in range(i + 1, 18):
            same = choices[i] == choices[j]
            np.testing.assert_array_equal(rewards[i, same], rewards[j, same])
            np.testing.assert_array_equal(best[i, same], best[j, same])
            compared += same.sum()
    assert compared > 5000
    # The reward probabilities, hence the best arm, are the same in every session.
    best_arm = np.where(best, choices, -1)
    for t in range(100):
        assert len(set(best_arm[:, t][best_arm[:, t] >= 0].tolist())) <= 1


def test_games_per_session_differ_between_sessions_and_not_between_individuals():
    data = simulate_bandit(n_individuals=6, n_sessions=2, n_trials=100, seed=4, games="per_session")
    assert data.sequence_labels["game"].tolist() == [0, 1] * 6
    choices, rewards, best = _game(data, 6, 2, 100)
    compared = 0
    for s in range(2):
        for i in range(6):
            for j in range(i + 1, 6):
                same = choices[i, s] == choices[j, s]
                np.testing.assert_array_equal(rewards[i, s, same], rewards[j, s, same])
                np.testing.assert_array_equal(best[i, s, same], best[j, s, same])
                compared += same.sum()
    assert compared > 500
    # Sessions are different games: the same arm on the same trial pays differently somewhere.
    same = choices[:, 0] == choices[:, 1]
    assert not np.array_equal(rewards[:, 0][same], rewards[:, 1][same])


def test_games_do_not_change_the_population():
    shared = simulate_bandit(n_individuals=3, n_sessions=2, n_trials=20, seed=4)
    per_session = simulate_bandit(
        n_individuals=3, n_sessions=2, n_trials=20, seed=4, games="per_session"
    )
    for name in PARAMETER_NAMES:
        np.testing.assert_array_equal(
            shared.sequence_labels[name], per_session.sequence_labels[name]
        )


def test_schedule_is_a_reflected_random_walk():
    p, outcomes = make_schedule(3, 5000, 4, drift=0.03, bounds=(0.1, 0.8), seed=0)
    assert p.shape == outcomes.shape == (3, 5000, 4)
    assert p.min() >= 0.1 and p.max() <= 0.8
    assert p.min() < 0.12 and p.max() > 0.78  # the walk visits both bounds
    steps = np.diff(p, axis=1)
    assert np.std(steps) == pytest.approx(0.03, rel=0.05)
    # The outcomes follow the probabilities.
    high, low = p > 0.6, p < 0.3
    assert outcomes[high].mean() > 0.6 > 0.3 > outcomes[low].mean()
    np.testing.assert_array_equal(make_schedule(3, 5000, 4, drift=0.03, bounds=(0.1, 0.8))[0], p)


# ---------------------------------------------------------------------- the agents
def simulate_pairs(**parameters):
    """20 good learners alternating between two settings of the named parameters."""
    values = {"learning_rate": 0.4, "inverse_temperature": 10.0, "value_decay": 0.05}
    values |= {name: np.tile(pair, 10) for name, pair in parameters.items()}
    data = simulate_bandit(20, 2, 200, seed=5, reaction_times=False, parameters=values)
    first = data.sequence_labels["individual"] % 2 == 0
    return data, first


def test_higher_inverse_temperature_chooses_the_best_arm_more_often():
    data, low_beta = simulate_pairs(inverse_temperature=[1.0, 20.0], explore_rate=[0.0, 0.0])
    best = np.array([b.mean() for b in data.frame_labels["chose_best_arm"]])
    assert best[low_beta].mean() + 0.1 < best[~low_beta].mean()


def test_higher_perseveration_repeats_choices_more_often():
    data, low_kappa = simulate_pairs(perseveration=[-1.0, 3.0], explore_rate=[0.0, 0.0])
    repeats = np.array([np.mean(c[1:] == c[:-1]) for c in choices_of(data)])
    assert repeats[low_kappa].mean() + 0.25 < repeats[~low_kappa].mean()


def test_explore_state_chooses_at_random():
    data, _ = simulate_pairs(explore_rate=[0.1, 0.1], exploit_rate=[0.2, 0.2])
    strategy = np.concatenate(data.frame_labels["strategy"])
    best = np.concatenate(data.frame_labels["chose_best_arm"])
    assert np.mean(strategy == "explore") == pytest.approx(0.1 / 0.3, abs=0.05)  # stationary
    assert best[strategy == "explore"].mean() == pytest.approx(1 / 3, abs=0.04)
    assert best[strategy == "exploit"].mean() > best[strategy == "explore"].mean() + 0.12
    never, _ = simulate_pairs(explore_rate=[0.0, 0.0])
    assert set(np.concatenate(never.frame_labels["strategy"]).tolist()) == {"exploit"}


def test_values_follow_learning_rate_and_decay():
    agents = sample_population(1, seed=0)
    outcomes = make_schedule(1, 50, 3, seed=0)[1]
    choices, rewards, _, gap = play(agents, outcomes, np.random.default_rng(0))
    q = values_before_each_trial(
        choices[0, 0], rewards[0, 0], agents["learning_rate"][0], agents["value_decay"][0], 3
    )
    chosen = q[np.arange(50), choices[0, 0]]
    others = np.where(np.eye(3, dtype=bool)[choices[0, 0]], -np.inf, q).max(axis=1)
    np.testing.assert_allclose(gap[0, 0], chosen - others)


# ---------------------------------------------------------------------- reaction times
def test_reaction_times_are_positive_and_slower_for_harder_choices():
    data = simulate_bandit(6, 2, 300, seed=6)
    gaps, times = [], []
    for i, x in enumerate(data.sequences):
        labels = {k: v[i] for k, v in data.sequence_labels.items()}
        choices = x[:, :3].argmax(axis=1)
        q = values_before_each_trial(
            choices, x[:, 3], labels["learning_rate"], labels["value_decay"], 3
        )
        chosen = q[np.arange(len(q)), choices]
        others = np.where(np.eye(3, dtype=bool)[choices], -np.inf, q).max(axis=1)
        gaps.append(np.abs(chosen - others))
        times.append(np.exp(x[:, 4]))
    gap, rt = np.concatenate(gaps), np.concatenate(times)
    assert (rt > 0.3).all()  # the non-decision time
    hard, easy = gap < np.quantile(gap, 0.25), gap > np.quantile(gap, 0.75)
    assert rt[hard].mean() > rt[easy].mean() + 0.1


def test_passage_times_have_the_exact_mean():
    half = 0.8
    for drift, expected in (
        (0.0, half**2),
        (1.0, half * np.tanh(half)),
        (3.0, half / 3 * np.tanh(3 * half)),
    ):
        times = sample_passage_times(np.full(40_000, drift), boundary=2 * half, seed=1)
        assert times.mean() == pytest.approx(expected, rel=0.02)
    # Only the drift's magnitude matters.
    a = sample_passage_times(np.full(20_000, -2.0), boundary=1.6, seed=2)
    b = sample_passage_times(np.full(20_000, 2.0), boundary=1.6, seed=3)
    assert a.mean() == pytest.approx(b.mean(), rel=0.03)


# ---------------------------------------------------------------------- errors
def test_invalid_arguments_are_all_reported():
    with pytest.raises(ValueError, match="n_arms >= 2, but got 1") as info:
        simulate_bandit(n_individuals=0, n_arms=1, drift=-1.0, bounds=(0.9, 0.1), games="one")
    message = str(info.value)
    assert "Expected games among ['shared', 'per_session'], but got 'one'." in message
    assert "n_individuals >= 1, but got 0" in message
    assert "drift >= 0, but got -1.0" in message
    assert "0 <= low < high <= 1, but got (0.9, 0.1)" in message


@pytest.mark.parametrize(
    ("parameters", "match"),
    [
        ({"temperature": 1.0}, "Expected parameters among .*, but got 'temperature'"),
        ({"learning_rate": [0.1, 0.2, 0.3]}, r"scalar or shape \(2,\), but got \(3,\)"),
        ({"learning_rate": 1.5}, r"Expected learning_rate in \[0.0, 1.0\], but got 1.5"),
    ],
)
def test_invalid_parameters(parameters, match):
    with pytest.raises(ValueError, match=match):
        simulate_bandit(n_individuals=2, n_trials=10, parameters=parameters)


def test_too_large_drift_is_rejected():
    with pytest.raises(ValueError, match="Expected boundary > 0 and .*, but got boundary 1.6"):
        sample_passage_times([100.0], boundary=1.6)
    with pytest.raises(ValueError, match="drift_scale \\* boundary / 2 <= 5.0, but got"):
        simulate_bandit(n_individuals=1, n_trials=10, drift_scale=20.0)


# ---------------------------------------------------------------------- command line
def test_cli_writes_the_recordings(tmp_path):
    path = tmp_path / "bandit.npz"
    arguments = ["simulate", "bandit", "-o", str(path), "-n", "3", "--sessions", "2"]
    arguments += ["--trials", "40", "--arms", "4", "--seed", "1", "--no-rt"]
    arguments += ["--games", "per_session"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    data = Recordings.load(path)
    assert len(data) == 6 and data.lengths.tolist() == [40] * 6
    assert data.feature_names == ["choice_0", "choice_1", "choice_2", "choice_3", "reward"]
    expected = simulate_bandit(3, 2, 40, 4, seed=1, reaction_times=False, games="per_session")
    np.testing.assert_array_equal(data.sequences[4], expected.sequences[4])


def test_cli_reports_a_bad_argument(tmp_path):
    arguments = ["simulate", "bandit", "-o", str(tmp_path / "x.npz"), "--arms", "1"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 2
    assert "Expected an integer n_arms >= 2, but got 1." in result.output
    assert not (tmp_path / "x.npz").exists()
