import numpy as np
import pytest

from bams import BAMS
from bams.evaluation import make_splits
from bams.models import BAMSNetwork
from bams.pipelines.decision_making import (
    MLE_METHOD,
    PARAMETER_SCALES,
    choice_representations,
    evaluate_choices,
    fit_choice_model,
    halves_reidentification,
    mle_representation,
    mle_scores,
    model_params,
    to_unbounded,
    with_lookahead,
)
from bams.sim.bandit import BanditFit, fit_bandit, simulate_bandit


def _receptive_fields(params: dict) -> dict:
    config = BAMS(**params).get_config()
    return BAMSNetwork.from_config(config.model, 5, 5).receptive_fields


def test_model_params_fit_the_session():
    assert _receptive_fields(model_params(300)) == {"short_term": 15, "long_term": 341}
    assert _receptive_fields(model_params(36)) == {"short_term": 7, "long_term": 85}
    assert model_params(36)["window_length"] == 36
    with pytest.raises(ValueError, match="Expected sessions of at least 16 trials, but got 8"):
        model_params(8)


def test_to_unbounded():
    np.testing.assert_allclose(to_unbounded("learning_rate", [0.5, 0.75]), [0.0, np.log(3)])
    np.testing.assert_allclose(to_unbounded("inverse_temperature", [np.e]), [1.0])
    np.testing.assert_allclose(to_unbounded("perseveration", [-0.3]), [-0.3])


def test_halves_reidentification_and_lookahead(rng):
    centres = rng.normal(size=(10, 4))
    halves = [np.tile(centres[i // 2] + 0.01 * rng.normal(size=4), (7, 1)) for i in range(20)]
    shuffled = [rng.normal(size=(7, 4)) for _ in range(20)]
    scores = halves_reidentification({"good": halves, "noise": shuffled})
    assert scores["good"] == 1.0 and scores["noise"] < 0.5
    ahead = with_lookahead([np.arange(4.0)[:, None]], 2)[0]
    np.testing.assert_array_equal(ahead, [[0, 2], [1, 3], [2, 3], [3, 3]])


@pytest.fixture(scope="module")
def bandit():
    return simulate_bandit(n_individuals=6, n_sessions=2, n_trials=40, seed=3)


def test_mle_scores_of_a_perfect_fit(bandit):
    truth = {n: bandit.sequence_labels[n].astype(float) for n in PARAMETER_SCALES}
    posterior = [(s == "explore").astype(float) for s in bandit.frame_labels["strategy"]]
    fit = BanditFit(truth, np.zeros(len(bandit)), posterior, np.ones(len(bandit), bool))
    splits = make_splits(bandit.groups, seeds=[0, 1])
    scores = mle_scores(fit, bandit, splits)
    assert all(r2 == pytest.approx((1.0, 0.0)) for r2 in scores["r2"].values())
    assert scores["strategy"] == pytest.approx((1.0, 0.0))
    assert scores["reidentification"] == 1.0
    rep = mle_representation(fit)
    assert rep[0].shape == (40, 7) and rep[0].dtype == np.float32
    np.testing.assert_array_equal(rep[0][:, -1], posterior[0])


def test_pipeline_end_to_end_on_tiny_data(bandit):
    model = fit_choice_model(
        bandit,
        2,
        predictor_hidden=[16],
        batch_size=4,
        bootstrap_pairs=8,
        accelerator="cpu",
        verbose=False,
    )
    assert model.receptive_fields_ == {"short_term": 7, "long_term": 85}
    reps = choice_representations(model, bandit, cebra_iterations=None)
    reps[MLE_METHOD] = mle_representation(fit_bandit(bandit, n_restarts=1))
    assert {"BAMS long_term", "raw averaged over the short_term field", MLE_METHOD} <= set(reps)
    some = {m: reps[m] for m in ("BAMS short_term", "BAMS long_term", MLE_METHOD)}
    summary, reid = evaluate_choices(some, bandit, make_splits(bandit.groups, seeds=[0]))
    assert set(reid) == set(some) and all(0 <= v <= 1 for v in reid.values())
    rows = {(r["method"], r["task"], r["protocol"]) for r in summary}
    assert ("BAMS long_term", "learning_rate", "mean_embedding") in rows
    assert ("BAMS short_term", "strategy", "frame") in rows
