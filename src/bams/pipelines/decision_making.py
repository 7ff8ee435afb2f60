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

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy.special import logit
from scipy.stats import spearmanr
from sklearn.metrics import balanced_accuracy_score, r2_score

from bams.data import Recordings
from bams.estimator import BAMS
from bams.evaluation.identity import part_means, reidentification_accuracy
from bams.evaluation.readout import evaluate_readouts, summarize
from bams.evaluation.representations import (
    bams_latents,
    cebra_time,
    pca_features,
    raw_features,
    untrained_bams,
    window_average,
)
from bams.evaluation.tasks import Split, Task
from bams.sim.bandit import BanditFit

__all__ = [
    "MLE_METHOD",
    "PARAMETER_SCALES",
    "choice_representations",
    "evaluate_choices",
    "fit_choice_model",
    "halves_reidentification",
    "mle_representation",
    "mle_scores",
    "model_params",
    "nearest_sessions",
    "reidentification_chance",
    "session_means",
    "session_reidentification",
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


def model_params(session_length: int = 300) -> dict:
    """BAMS settings for sessions of ``session_length`` trials (one frame per trial).

    The short-term encoder sees 15 trials (7 for sessions shorter than 60): a few strategy
    bouts. The long-term encoder (kernel 3, dilation base 4) has the fewest blocks whose
    receptive field covers the whole session (341 trials for 300). The HoA target is the
    histogram of the next 8 trials (4 for short sessions); bootstrap pairs of the short-term
    latent are at most 2 trials apart; a training window is a whole session (the longest
    one, if they differ). Returns keyword arguments of :class:`bams.BAMS`.

    Raises
    ------
    ValueError
        If ``session_length < 16``.

    Examples
    --------
    >>> params = model_params(300)
    >>> params["window_length"], params["encoders"]["long_term"]["channels"]
    (300, [64, 64, 64, 32])
    """
    if session_length < 16:
        raise ValueError(f"Expected sessions of at least 16 trials, but got {session_length}.")
    short_blocks = 3 if session_length >= 60 else 2  # receptive field 1 + 2 (2^n - 1)
    long_blocks = 2
    while 1 + 4 * (4**long_blocks - 1) // 3 < session_length:
        long_blocks += 1
    short_warmup = 2**short_blocks - 1
    return {
        "encoders": {
            "short_term": {
                "channels": [64] * (short_blocks - 1) + [32],
                "kernel_size": 2,
                "dilation_base": 2,
                "bootstrap_max_offset": 2,
                "warmup": short_warmup,
            },
            "long_term": {
                "channels": [64] * (long_blocks - 1) + [32],
                "kernel_size": 3,
                "dilation_base": 4,
                "bootstrap_max_offset": None,
                "warmup": min(30, session_length // 4),
            },
        },
        "hoa_bins": 16,
        "hoa_window": 8 if session_length >= 60 else 4,
        "hoa_warmup": short_warmup,
        "predictor_hidden": [256, 256],
        "window_length": int(session_length),
        "batch_size": 32,
        "lr_decay_at": [0.8],
        "inference_precision": "32",
    }


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
    cebra_iterations: int | None = 2000,
    seed: int = 0,
) -> dict[str, list[np.ndarray]]:
    """BAMS latents, baselines and (if installed) CEBRA-Time, one ``(T_i, D)`` per recording.

    Baselines: the raw (normalized) features, their PCA, their causal moving average over
    each encoder's receptive field (``raw averaged over the long_term field``), and an
    untrained BAMS network. ``cebra_iterations=None`` leaves CEBRA-Time out; so does a
    missing ``cebra`` package (with a message).
    """
    n_dims = sum(e.out_channels for e in model.network_.encoders.values())
    reps = bams_latents(model.transform(data))
    raw = raw_features(data, model.preprocessor_)
    reps["raw features"] = raw
    reps["PCA of raw features"] = pca_features(raw, n_dims, seed=seed)
    for latent, window in model.receptive_fields_.items():
        reps[f"raw averaged over the {latent} field"] = window_average(raw, window)
    reps.update(untrained_bams(model, data, seed=seed))
    if cebra_iterations is not None:
        try:
            reps["CEBRA-Time"] = cebra_time(raw, n_dims, max_iterations=cebra_iterations, seed=seed)
        except ImportError as err:
            print(f"CEBRA-Time skipped: {err}")
    return reps


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


def session_means(representation: Sequence[np.ndarray]) -> np.ndarray:
    """``(n_recordings, D)`` mean of each recording's finite rows."""
    return np.stack(
        [np.nanmean(np.where(np.isfinite(x), x, np.nan), axis=0) for x in representation]
    )


def _similarity(summaries: np.ndarray, standardize: bool) -> np.ndarray:
    """Cosine similarity between sessions, ``-inf`` on the diagonal; validates ``summaries``."""
    x = np.asarray(summaries, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"Expected summaries of shape (n >= 2, D), but got {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError("Expected finite summaries, but got NaN or infinite values.")
    if standardize:
        std = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    unit = x / np.where(norms > 0, norms, 1.0)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    return similarity


def nearest_sessions(summaries: np.ndarray, *, standardize: bool = True) -> np.ndarray:
    """Index ``(n_sessions,)`` of each session's most cosine-similar other session.

    ``summaries`` is ``(n_sessions, D)``, finite; with ``standardize`` every dimension is
    z-scored over all sessions first (constant dimensions become 0).

    Raises
    ------
    ValueError
        If ``summaries`` is not 2-D with at least 2 rows, or has non-finite values.

    Examples
    --------
    >>> nearest_sessions(np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]]), standardize=False)
    array([2, 2, 0])
    """
    return _similarity(summaries, standardize).argmax(axis=1)


def session_reidentification(
    summaries: np.ndarray, individuals: Sequence, *, standardize: bool = True, top_k: int = 1
) -> float:
    """Top-k re-identification of individuals across their sessions (leave one out).

    Every session is a query; its candidates are all the other sessions (of everyone). A hit
    is a session of the same individual among the ``top_k`` most cosine-similar candidates
    (``top_k=1``: the nearest one, :func:`nearest_sessions`). Chance is
    :func:`reidentification_chance`, about ``top_k / n_individuals``.

    Parameters
    ----------
    summaries, standardize
        As in :func:`nearest_sessions` (e.g. each session's mean embedding).
    individuals
        ``(n_sessions,)`` individual of each session; each must have at least 2 sessions.
    top_k
        Number of nearest candidates that may hold a hit, ``1 <= top_k < n_sessions``.

    Returns
    -------
    float
        Fraction of sessions with a session of the same individual among their ``top_k``
        nearest other sessions.

    Raises
    ------
    ValueError
        If the shapes disagree, an individual has a single session, values are not finite,
        or ``top_k`` is out of range.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> session_reidentification(x, ["a", "a", "b", "b"], standardize=False)
    1.0
    """
    x = np.asarray(summaries, dtype=np.float64)
    who = np.asarray(individuals)
    _, counts = np.unique(who, return_counts=True)
    fewest = int(counts.min()) if len(counts) else 0
    if x.ndim != 2 or len(x) != len(who) or fewest < 2:
        raise ValueError(
            "Expected summaries (n, D) and n individuals with at least 2 sessions each, but "
            f"got summaries {x.shape}, {len(who)} individuals, fewest sessions {fewest}."
        )
    if not 1 <= top_k < len(x):
        raise ValueError(f"Expected 1 <= top_k < {len(x)} (the sessions), but got {top_k}.")
    similarity = _similarity(x, standardize)
    nearest = np.argpartition(-similarity, top_k - 1, axis=1)[:, :top_k]
    return float(np.mean((who[nearest] == who[:, None]).any(axis=1)))


def reidentification_chance(individuals: Sequence, *, top_k: int = 1) -> float:
    """Expected :func:`session_reidentification` of ``top_k`` random candidates.

    Examples
    --------
    >>> round(reidentification_chance(["a", "a", "b", "b"]), 3)  # 1 of 3 candidates
    0.333
    >>> round(reidentification_chance(["a", "a", "b", "b"], top_k=2), 3)  # 1 - 2/3 * 1/2
    0.667
    """
    who = np.asarray(individuals)
    _, inverse, counts = np.unique(who, return_inverse=True, return_counts=True)
    others, same = len(who) - 1, counts[inverse] - 1
    # 1 - P(all top_k candidates are of other individuals), drawn without replacement
    miss = np.ones(len(who))
    for j in range(top_k):
        miss *= np.clip(others - same - j, 0, None) / (others - j)
    return float(np.mean(1.0 - miss))


def halves_reidentification(reps: Mapping[str, Sequence[np.ndarray]]) -> dict[str, float]:
    """Two-part re-identification (:mod:`bams.evaluation.identity`) of every representation.

    Recordings must come in pairs: part 0 and part 1 of each individual, one after the other
    (as :func:`bams.evaluation.identity.split_parts` and
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
