"""A population of reinforcement-learning agents playing the same restless K-armed bandit.

**The game** (:mod:`~bams.sim.bandit.task`). ``n_arms`` arms pay 1 with probabilities that
drift as Gaussian random walks (standard deviation ``drift`` per trial) reflected into
``bounds``. Every arm's outcome on every trial is drawn in advance, so everyone plays the
*same* game: two individuals who pick the same arm on the same trial of the same game get the
same reward (like the pre-generated payoffs of human experiments). ``games`` of
:func:`simulate_bandit` (:data:`GAMES`) says how many games there are:

- ``"shared"`` (the default): one schedule for every session of everyone. Sessions then
  differ only by who plays them and by chance, so matching a session to the other sessions
  of its player tests the player's style, not the game.
- ``"per_session"``: one schedule per session index, shared by everyone. Session ``s`` of
  every individual is game ``s``, and an individual never plays the same game twice.

**The agents** (:mod:`~bams.sim.bandit.agent`). Each individual is a Q-learner. Values start at
0.5 in each session; the chosen arm's value moves towards the reward with the *learning rate*;
unchosen values decay towards 0.5 at the *value decay* rate. A hidden *strategy* follows a
two-state Markov chain (started from its stationary distribution): in ``exploit`` the agent
chooses by a softmax of ``inverse_temperature * Q + perseveration * [previous choice]``; in
``explore`` it chooses uniformly at random. It enters explore with probability
``explore_rate`` per trial and goes back with probability ``exploit_rate``.

**The population** (:data:`POPULATION`, independent draws; 90% ranges)::

    learning_rate        logit-normal, median 0.35, sd 0.8 (logit scale)   0.12 - 0.68
    inverse_temperature  log-normal,   median 6,    sd 0.5 (log scale)     2.6 - 14
    perseveration        normal,       mean 0.5,    sd 0.5                 -0.3 - 1.3
    value_decay          logit-normal, median 0.1,  sd 0.8 (logit scale)   0.03 - 0.29
    explore_rate         logit-normal, median 0.03, sd 0.7 (logit scale)   0.010 - 0.089
    exploit_rate         logit-normal, median 0.2,  sd 0.7 (logit scale)   0.07 - 0.44

These are the ranges usually fitted to human bandit data (moderate learning rates, softmax
temperatures on 0-1 values, positive choice stickiness), with about one trial in seven spent
exploring, in bouts of about five trials.

**Reaction times** (:mod:`~bams.sim.bandit.ddm`, optional): a drift-diffusion process with unit
noise, started midway between bounds ``boundary`` apart, with drift ``drift_scale *
(Q[chosen] - max Q[other arms])``, plus ``non_decision_time``; its first-passage time is
sampled exactly. It depends on the drift's magnitude only: small value differences (hard
choices) are slow. Choices come from the softmax, not from the diffusion.

**The anchor** (:mod:`~bams.sim.bandit.fit`): a maximum-likelihood fit of this very model per
session, with the exact likelihood over the hidden strategy and its per-trial posterior.
"""

from bams.sim.bandit.agent import POPULATION, STRATEGIES, sample_population
from bams.sim.bandit.dataset import GAMES, simulate_bandit
from bams.sim.bandit.ddm import sample_passage_times
from bams.sim.bandit.fit import (
    PARAMETERS,
    BanditFit,
    SessionFit,
    fit_bandit,
    fit_session,
    session_log_likelihood,
)
from bams.sim.bandit.task import make_schedule

__all__ = [
    "GAMES",
    "PARAMETERS",
    "POPULATION",
    "STRATEGIES",
    "BanditFit",
    "SessionFit",
    "fit_bandit",
    "fit_session",
    "make_schedule",
    "sample_passage_times",
    "sample_population",
    "session_log_likelihood",
    "simulate_bandit",
]
