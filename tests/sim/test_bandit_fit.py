import numpy as np
import pytest
from scipy.optimize import approx_fprime
from sklearn.metrics import roc_auc_score

from bams.data import Recordings
from bams.sim.bandit import (
    PARAMETERS,
    fit_bandit,
    fit_session,
    session_log_likelihood,
    simulate_bandit,
)
from bams.sim.bandit.fit import _objective, _Session, _to_vector

TRUE = {
    "learning_rate": 0.35,
    "inverse_temperature": 6.0,
    "perseveration": 0.5,
    "value_decay": 0.1,
    "explore_rate": 0.03,
    "exploit_rate": 0.2,
}


@pytest.fixture(scope="module")
def long_session():
    """One agent with typical parameters, one session of 1,000 trials."""
    return simulate_bandit(1, 1, 1000, seed=11, reaction_times=False, parameters=TRUE)


@pytest.fixture(scope="module")
def long_fit(long_session):
    return fit_bandit(long_session, n_restarts=2)


def session_arrays(data: Recordings, i: int = 0):
    x = data.sequences[i]
    return x[:, :3].argmax(axis=1), x[:, 3].astype(np.float64)


@pytest.mark.parametrize("n_free", [6, 4])
def test_gradient_matches_finite_differences(n_free, rng):
    data = simulate_bandit(1, 1, 200, seed=3, reaction_times=False)
    choices, rewards = session_arrays(data)
    choices[[5, 60]] = -1  # missed trials
    session = _Session(choices, rewards, 3)
    for _ in range(3):
        x = rng.normal(scale=0.8, size=n_free)
        analytic = _objective(x, session)[1]
        numeric = approx_fprime(x, lambda v: _objective(v, session)[0], 1e-6)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-3, atol=1e-3)


def test_maximum_likelihood_recovers_the_parameters(long_session, long_fit):
    fitted = {name: values[0] for name, values in long_fit.parameters.items()}
    assert long_fit.converged.all()
    assert fitted["learning_rate"] == pytest.approx(TRUE["learning_rate"], abs=0.1)
    assert fitted["inverse_temperature"] == pytest.approx(TRUE["inverse_temperature"], rel=0.35)
    assert fitted["perseveration"] == pytest.approx(TRUE["perseveration"], abs=0.35)
    assert fitted["value_decay"] == pytest.approx(TRUE["value_decay"], abs=0.08)
    assert fitted["explore_rate"] == pytest.approx(TRUE["explore_rate"], abs=0.04)
    assert fitted["exploit_rate"] == pytest.approx(TRUE["exploit_rate"], abs=0.15)
    # The fit is at least as likely as the truth.
    choices, rewards = session_arrays(long_session)
    at_truth, _ = session_log_likelihood(TRUE, choices, rewards, 3)
    assert long_fit.log_likelihood[0] >= at_truth - 1e-6


def test_explore_posterior_beats_chance(long_session, long_fit):
    explore = long_session.frame_labels["strategy"][0] == "explore"
    posterior = long_fit.explore_posterior[0]
    assert posterior.shape == (1000,)
    assert ((posterior >= 0) & (posterior <= 1)).all()
    assert 0.05 < explore.mean() < 0.3
    assert roc_auc_score(explore, posterior) > 0.75
    hits = (posterior > 0.5) == explore
    balanced = (hits[explore].mean() + hits[~explore].mean()) / 2
    assert balanced > 0.6


def test_plain_q_learning_fit(long_session, long_fit):
    plain = fit_bandit(long_session, strategy_states=False, n_restarts=1)
    assert plain.parameters["explore_rate"][0] == 0.0
    assert plain.parameters["exploit_rate"][0] == 1.0
    np.testing.assert_array_equal(plain.explore_posterior[0], 0.0)
    # The model with strategy states contains plain Q-learning (up to the bound on the rate).
    assert long_fit.log_likelihood[0] >= plain.log_likelihood[0] - 0.5


def test_the_likelihood_prefers_the_true_parameters(long_session):
    choices, rewards = session_arrays(long_session)
    at_truth, posterior = session_log_likelihood(TRUE, choices, rewards, 3)
    wrong = TRUE | {"inverse_temperature": 0.5, "learning_rate": 0.9}
    assert session_log_likelihood(wrong, choices, rewards, 3)[0] < at_truth - 20
    assert posterior.shape == (1000,)


def test_missing_trials_are_skipped():
    data = simulate_bandit(1, 2, 60, seed=2, games="per_session")  # the data the 0.05 was set on
    data.sequences[1][[3, 10]] = np.nan
    fit = fit_bandit(data, n_restarts=1)
    assert np.isfinite(fit.log_likelihood).all()
    assert [p.shape for p in fit.explore_posterior] == [(60,), (60,)]
    assert sorted(fit.parameters) == sorted(PARAMETERS)
    # A missed trial neither counts nor changes the values (without perseveration, which a gap
    # interrupts, the likelihood is that of the session without it).
    choices, rewards = session_arrays(data, 1)
    choices[[3, 10]] = -1
    kept = np.delete(np.arange(60), [3, 10])
    no_stickiness = TRUE | {"perseveration": 0.0}
    with_gaps, posterior = session_log_likelihood(no_stickiness, choices, rewards, 3)
    without, _ = session_log_likelihood(no_stickiness, choices[kept], rewards[kept], 3)
    assert with_gaps == pytest.approx(without, abs=0.05)  # transitions still run over the gap
    plain = {"strategy_states": False}
    assert session_log_likelihood(no_stickiness, choices, rewards, 3, **plain)[0] == pytest.approx(
        session_log_likelihood(no_stickiness, choices[kept], rewards[kept], 3, **plain)[0]
    )
    assert posterior.shape == (60,)


def test_fit_session_restarts_are_deterministic(long_session):
    choices, rewards = session_arrays(long_session)
    a = fit_session(choices[:150], rewards[:150], 3, n_restarts=2, seed=4)
    b = fit_session(choices[:150], rewards[:150], 3, n_restarts=2, seed=4)
    assert a.parameters == b.parameters
    assert _to_vector(a.parameters).shape == (6,)


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="Expected features choice_0, .* and reward, but got"):
        fit_bandit(Recordings([np.zeros((10, 2))], feature_names=["a", "b"]))
    with pytest.raises(ValueError, match=r"Expected choices in 0..2 \(or -1 for missed trials\)"):
        fit_session(np.array([0, 1, 3]), np.zeros(3), 3)
    with pytest.raises(ValueError, match=r"same shape \(n_trials,\), but got \(3,\) and \(2,\)"):
        fit_session(np.array([0, 1, 2]), np.zeros(2), 3)
