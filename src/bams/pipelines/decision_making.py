"""Decision making: BAMS on the trial sequences of many individuals playing the same game.

One frame is one trial (frame rate 1). The long-term latent should carry an individual's
decision style, the short-term latent the strategy of the moment (after Mendelson et al., NER
2023). On :func:`bams.sim.bandit.simulate_bandit` data, BAMS is compared with baselines and
with a maximum-likelihood fit of the true model (:func:`bams.sim.bandit.fit_bandit`) on (a)
each individual's parameters read out linearly from per-session mean embeddings, split by
individual (:data:`PARAMETER_SCALES`), (b) re-identification across sessions
(:func:`session_reidentification`) and (c) the hidden strategy decoded trial by trial.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import logit
from scipy.stats import spearmanr
from sklearn.metrics import balanced_accuracy_score, r2_score

from bams.data import Recordings
from bams.embedding import Embedding
from bams.estimator import BAMS
from bams.evaluation.identity import (
    part_means,
    reidentification_accuracy,
    session_means,
    session_reidentification,
)
from bams.evaluation.readout import evaluate_readouts, summarize
from bams.evaluation.representations import build_representations
from bams.evaluation.tasks import Split, Task, make_splits
from bams.pipelines.study import Study, StudyContext
from bams.presets import bandit_params as model_params
from bams.sim.bandit import BanditFit

__all__ = [
    "MLE_METHOD",
    "PARAMETER_SCALES",
    "ChoiceEvaluation",
    "choice_study",
    "choice_representations",
    "evaluate_choices",
    "fit_choice_model",
    "halves_reidentification",
    "mle_representation",
    "mle_scores",
    "model_params",
    "to_unbounded",
    "with_lookahead",
]

PARAMETER_SCALES = {
    "learning_rate": "logit",
    "inverse_temperature": "log",
    "perseveration": "identity",
    "value_decay": "logit",
    "explore_rate": "logit",
    "exploit_rate": "logit",
}
"""Scale on which each agent parameter is read out (its population is normal there)."""
MLE_METHOD = "MLE fit"
"""Name of the maximum-likelihood fit's representation (readout from its outputs)."""


def to_unbounded(name: str, values: np.ndarray) -> np.ndarray:
    """A parameter on the scale of :data:`PARAMETER_SCALES` (logit, log or unchanged).

    Raises
    ------
    KeyError
        If ``name`` is not an agent parameter.

    Examples
    --------
    >>> to_unbounded("learning_rate", np.array([0.5])).tolist()
    [0.0]
    """
    values = np.asarray(values, dtype=np.float64)
    scale = PARAMETER_SCALES[name]
    if scale == "logit":
        return logit(np.clip(values, 1e-6, 1 - 1e-6))
    return np.log(values) if scale == "log" else values


def fit_choice_model(
    data: Recordings,
    max_steps: int,
    *,
    seed: int = 0,
    output_dir: str | Path | None = None,
    **overrides,
) -> BAMS:
    """Train BAMS with :func:`model_params` for the longest recording of ``data``.

    ``overrides`` replace any of those settings (e.g. ``accelerator="cpu"``).
    """
    params = {**model_params(int(data.lengths.max())), **overrides}
    params.setdefault("logger", "csv" if output_dir is not None else "none")
    return BAMS(**params, max_steps=max_steps, seed=seed, output_dir=output_dir).fit(data)


def choice_representations(
    model: BAMS,
    data: Recordings,
    *,
    embeddings: Sequence[Embedding] | None = None,
    cebra_iterations: int | None = 2000,
    seed: int = 0,
) -> dict[str, list[np.ndarray]]:
    """BAMS latents, baselines and (if installed) CEBRA-Time, one ``(T_i, D)`` per recording.

    Baselines (:func:`bams.evaluation.representations.build_representations`): the raw
    (normalized) features, their PCA, their causal moving average over each encoder's
    receptive field (``raw averaged over the long_term field``), and an untrained BAMS
    network. ``cebra_iterations=None`` leaves CEBRA-Time out; so does a missing ``cebra``
    package (with a message). ``embeddings`` are ``model.transform(data)`` if computed.
    """
    return build_representations(
        model,
        data,
        embeddings=embeddings,
        peers=() if cebra_iterations is None else ("cebra",),
        window="each",
        seed=seed,
        cebra_iterations=cebra_iterations or 0,
        optional_peers=True,
    )


@dataclass
class ChoiceEvaluation:
    """The decision-making readouts of one study (see :func:`evaluate_choices`)."""

    representations: dict[str, list[np.ndarray]]
    splits: list[Split]
    summary: list[dict]
    reidentification: dict[str, float]


def choice_study(
    data: Recordings,
    max_steps: int,
    *,
    seed: int = 0,
    readout_seeds: Sequence[int] = (0, 1, 2),
    cebra_iterations: int | None = 2000,
    extra: Callable[[dict], Mapping[str, list[np.ndarray]]] | None = None,
    readouts: bool = True,
    **overrides,
) -> Study:
    """Decision making as a :class:`~bams.pipelines.study.Study` on bandit recordings.

    Training uses :func:`model_params` for the longest recording (``overrides`` replace any
    setting); the evaluation stage builds :func:`choice_representations`, adds
    ``extra(representations)`` (e.g. a model fit's outputs), splits the individuals
    (``readout_seeds``, half of them tested) and runs :func:`evaluate_choices`, returning a
    :class:`ChoiceEvaluation`. ``readouts=False`` stops after the representations (for
    recordings without the agents' parameters, e.g. real choice data).
    """
    params = {**model_params(int(data.lengths.max())), **overrides}
    params.update(max_steps=max_steps, seed=seed)
    params.setdefault("logger", "csv")

    def evaluate(context: StudyContext) -> ChoiceEvaluation:
        reps = choice_representations(
            context.model,
            context.data,
            embeddings=context.embeddings,
            cebra_iterations=cebra_iterations,
            seed=seed,
        )
        reps.update(extra(reps) if extra is not None else {})
        if not readouts:
            return ChoiceEvaluation(reps, [], [], {})
        splits = make_splits(context.data.groups, seeds=readout_seeds, test_size=0.5)
        summary, reid = evaluate_choices(reps, context.data, splits)
        return ChoiceEvaluation(reps, splits, summary, reid)

    return Study(
        name="BAMS: decision making",
        load_data=lambda _: data,
        params=params,
        evaluate=evaluate,
    )


def with_lookahead(representation: Sequence[np.ndarray], lag: int) -> list[np.ndarray]:
    """Each frame's embedding next to the one ``lag`` frames later: ``[x_t, x_{t+lag}]``.

    A causal embedding read this way sees ``lag`` frames of the future, like a smoothed
    posterior or a symmetric window; the last frames reuse the recording's last row.

    Returns
    -------
    list of np.ndarray
        One ``(T_i, 2 D)`` array per recording.

    Examples
    --------
    >>> with_lookahead([np.arange(3.0)[:, None]], 1)[0].tolist()
    [[0.0, 1.0], [1.0, 2.0], [2.0, 2.0]]
    """
    out = []
    for x in representation:
        ahead = x[np.minimum(np.arange(len(x)) + lag, len(x) - 1)]
        out.append(np.concatenate([x, ahead], axis=1))
    return out


def mle_representation(fit: BanditFit) -> list[np.ndarray]:
    """The fit's outputs per trial: the six parameters (unbounded scale) and P(explore).

    Returns
    -------
    list of np.ndarray
        One ``(T_i, 7)`` float32 array per recording: the session's fitted parameters,
        repeated, and the trial's posterior probability of exploring.
    """
    params = np.stack([to_unbounded(n, fit.parameters[n]) for n in PARAMETER_SCALES], axis=1)
    return [
        np.column_stack([np.tile(p, (len(post), 1)), post]).astype(np.float32)
        for p, post in zip(params, fit.explore_posterior, strict=True)
    ]


def halves_reidentification(reps: Mapping[str, Sequence[np.ndarray]]) -> dict[str, float]:
    """Two-part re-identification (:mod:`bams.evaluation.identity`) of every representation.

    Recordings must come in pairs: part 0 and part 1 of each individual, one after the other
    (as :meth:`bams.data.Recordings.split_parts` and
    :func:`bams.datasets.load_choices` arrange them).
    """
    return {name: reidentification_accuracy(*part_means(rep, 2)) for name, rep in reps.items()}


def _tasks(data: Recordings) -> list[Task]:
    tasks = [
        Task(name, "sequence", "regression", to_unbounded(name, data.sequence_labels[name]))
        for name in PARAMETER_SCALES
    ]
    return [*tasks, Task("strategy", "frame", "classification", data.frame_labels["strategy"])]


def evaluate_choices(
    reps: Mapping[str, Sequence[np.ndarray]],
    data: Recordings,
    splits: Sequence[Split],
    *,
    max_train_frames: int = 20000,
) -> tuple[list[dict], dict[str, float]]:
    """Read parameters and strategy out of every representation; re-identify individuals.

    ``reps`` maps names to one ``(T_i, D)`` array per recording of ``data`` (bandit
    recordings: parameters as sequence labels, ``strategy`` as a frame label, the individual
    as the group); ``splits`` divide the individuals (:func:`bams.evaluation.make_splits` on
    ``data.groups``); ``max_train_frames`` caps each frame-level readout fit.

    Returns
    -------
    summary : list of dict
        :func:`bams.evaluation.summarize` rows; parameters under the protocol
        ``mean_embedding`` (R²) and the strategy under ``frame`` (balanced accuracy).
    reidentification : dict
        Method -> :func:`session_reidentification` of its per-session means.
    """
    rows = evaluate_readouts(
        reps, _tasks(data), splits, groups=data.groups, max_train_frames=max_train_frames
    )
    reid = {
        name: session_reidentification(session_means(rep), data.groups)
        for name, rep in reps.items()
    }
    return summarize(rows), reid


def mle_scores(fit: BanditFit, data: Recordings, splits: Sequence[Split]) -> dict:
    """The fit used directly, on the test individuals of each split.

    Returns
    -------
    dict
        ``r2``: parameter -> (mean, std) over splits of R² between fitted and true values
        (unbounded scale); ``spearman``: the same with Spearman's rank correlation;
        ``strategy``: (mean, std) balanced accuracy of ``P(explore) > 0.5``;
        ``reidentification``: :func:`session_reidentification` of the standardized
        fitted-parameter vectors (all sessions).
    """
    truth = {n: to_unbounded(n, data.sequence_labels[n]) for n in PARAMETER_SCALES}
    fitted = {n: to_unbounded(n, fit.parameters[n]) for n in PARAMETER_SCALES}
    r2 = {
        n: [r2_score(truth[n][s.test], fitted[n][s.test]) for s in splits] for n in PARAMETER_SCALES
    }
    rho = {n: [spearmanr(truth[n][s.test], fitted[n][s.test])[0] for s in splits] for n in r2}
    strategy = []
    for s in splits:
        true = np.concatenate([data.frame_labels["strategy"][i] == "explore" for i in s.test])
        guess = np.concatenate([fit.explore_posterior[i] > 0.5 for i in s.test])
        strategy.append(balanced_accuracy_score(true, guess))
    vectors = np.column_stack([fitted[n] for n in PARAMETER_SCALES])
    return {
        "r2": {n: (float(np.mean(v)), float(np.std(v))) for n, v in r2.items()},
        "spearman": {n: (float(np.mean(v)), float(np.std(v))) for n, v in rho.items()},
        "strategy": (float(np.mean(strategy)), float(np.std(strategy))),
        "reidentification": session_reidentification(vectors, data.groups),
    }
