"""The per-task step of the MABe 2022 protocol: fit the seeds' ridges, combine them, score.

:func:`bams.evaluation.mabe.score_submission` checks the inputs and lays out the frames of the
test and training clips once (:func:`frames_of`); :func:`score_tasks` then scores every task
of the labels on those index arrays, one :class:`TaskScore` per task and ridge ``alpha``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.metrics import f1_score, mean_squared_error

from bams.io.mabe import DISCRETE

__all__ = ["Frames", "TaskScore", "frames_of", "score_tasks"]


@dataclass(frozen=True)
class TaskScore:
    """The scores of one task at one ridge ``alpha``.

    Attributes
    ----------
    task
        The task id from the labels' vocabulary.
    task_type
        The task type from the labels file; ``'Discrete'`` tasks are classification.
    metric
        ``'f1_score'`` (binary F1, higher is better) or ``'mean_mse'`` (lower is better), as the
        evaluator names them.
    alpha
        The ridge regularisation strength.
    reported
        Whether this alpha is the one the leaderboard reports (alpha = 1).
    private_score
        The headline score: privateTest and publicTest frames together, seeds aggregated.
    public_score
        The score on publicTest frames alone, seeds aggregated.
    single_seed_score
        The mean over seeds of each seed's own score on privateTest + publicTest.
    pooled_score
        For sequence-level tasks, the score of per-clip averaged predictions against per-clip
        labels over privateTest + publicTest clips; ``None`` for frame-level tasks.
    sequence_level
        Whether the task is constant within a clip (e.g. strain).
    """

    task: str
    task_type: str
    metric: str
    alpha: float
    reported: bool
    private_score: float
    public_score: float
    single_seed_score: float
    pooled_score: float | None
    sequence_level: bool


@dataclass(frozen=True)
class Frames:
    """The frames of a set of clips, in the evaluator's order (by position in the embeddings).

    ``rows`` index the embeddings, ``columns`` the label array, ``clip`` numbers each frame's
    clip and ``public`` marks publicTest frames.
    """

    rows: np.ndarray
    columns: np.ndarray
    clip: np.ndarray
    public: np.ndarray

    def select(self, keep: np.ndarray) -> Frames:
        """The frames where ``keep`` is true."""
        return Frames(self.rows[keep], self.columns[keep], self.clip[keep], self.public[keep])


def frames_of(
    clips: Sequence[str],
    row_spans: Mapping[str, tuple[int, int]],
    column_spans: Mapping[str, tuple[int, int]],
    public: Iterable[str] = (),
) -> Frames:
    """Index arrays of the frames of ``clips``, ordered by their rows in the embeddings.

    The evaluator selects frames with a boolean mask over the embeddings, so they come in row
    order whatever the order of the clip list.
    """
    public = set(public)
    clips = sorted(clips, key=lambda clip: row_spans[clip][0])
    rows0 = np.array([row_spans[c][0] for c in clips], dtype=np.int64)
    columns0 = np.array([column_spans[c][0] for c in clips], dtype=np.int64)
    lengths = np.array([row_spans[c][1] - row_spans[c][0] for c in clips], dtype=np.int64)
    ends = np.cumsum(lengths)
    offset = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64) - np.repeat(
        ends - lengths, lengths
    )
    return Frames(
        rows=np.repeat(rows0, lengths) + offset,
        columns=np.repeat(columns0, lengths) + offset,
        clip=np.repeat(np.arange(len(clips)), lengths),
        public=np.repeat(np.array([c in public for c in clips], dtype=bool), lengths),
    )


def _aggregate(predictions: Sequence[np.ndarray], discrete: bool) -> np.ndarray:
    """Combine the seeds' predictions as the evaluator does.

    Regression: the mean. Discrete: 1 where the mean of the 0/1 predictions is > 0, i.e. where
    any seed says 1 (the evaluator's README describes a 2/3 vote; its code does this).
    """
    mean = np.mean(np.stack(predictions), axis=0)
    return np.float32(mean > 0) if discrete else mean


def _pool(values: np.ndarray, clip: np.ndarray, discrete: bool) -> np.ndarray:
    """Average ``values`` over the frames of each clip; discrete: 1 where the mean >= 0.5."""
    present, codes = np.unique(clip, return_inverse=True)
    means = np.bincount(codes, weights=values, minlength=len(present)) / np.bincount(codes)
    return (means >= 0.5).astype(np.int64) if discrete else means


def _metric(y_true: np.ndarray, y_pred: np.ndarray, discrete: bool) -> float:
    """Binary F1 or MSE; NaN when there is nothing to score."""
    if len(y_true) == 0:
        return float("nan")
    if discrete:
        # zero_division=0.0 is sklearn's default value, without the warning.
        return float(f1_score(y_true, y_pred, average="binary", zero_division=0.0))
    return float(mean_squared_error(y_true, y_pred))


def _model(discrete: bool, alpha: float) -> Ridge | RidgeClassifier:
    if discrete:
        return RidgeClassifier(alpha=alpha, class_weight="balanced")
    return Ridge(alpha=alpha)


def score_tasks(
    labels: Mapping,
    embeddings: np.ndarray,
    test: Frames,
    train: Mapping[int, Frames],
    alphas: Sequence[float],
    reported_alpha: float,
    sequence_tasks: Iterable[str],
) -> list[TaskScore]:
    """Score every task of checked ``labels``: one row per task and alpha, in vocabulary order.

    Parameters
    ----------
    labels
        As returned by :func:`bams.io.mabe.check_labels`.
    embeddings
        The submission's ``(total_frames, D)`` embeddings.
    test
        The privateTest and publicTest frames (:func:`frames_of`).
    train
        The training frames of each seed.
    alphas, reported_alpha, sequence_tasks
        As for :func:`bams.evaluation.mabe.score_submission`.

    Returns
    -------
    list of TaskScore
        One per task and alpha.

    Raises
    ------
    ValueError
        If a task has no labelled frames in a seed's training clips.
    """
    sequence_tasks = set(sequence_tasks)
    scores = []
    for task_index, (task, task_type) in enumerate(
        zip(labels["vocabulary"], labels["task_type"], strict=True)
    ):
        discrete = task_type == DISCRETE
        y_all = labels["label_array"][task_index]
        y_test = y_all[test.columns]
        labelled = test.select(~np.isnan(y_test))
        y_test = y_test[~np.isnan(y_test)]
        x_test = embeddings[labelled.rows]
        predictions = _seed_predictions(task, y_all, embeddings, x_test, train, alphas, discrete)
        for alpha in alphas:
            scores.append(
                _task_score(
                    task,
                    task_type,
                    alpha,
                    predictions[alpha],
                    y_test,
                    labelled,
                    reported=alpha == reported_alpha,
                    sequence_level=task in sequence_tasks,
                )
            )
    return scores


def _seed_predictions(
    task: str,
    y_all: np.ndarray,
    embeddings: np.ndarray,
    x_test: np.ndarray,
    train: Mapping[int, Frames],
    alphas: Sequence[float],
    discrete: bool,
) -> dict[float, list[np.ndarray]]:
    """``{alpha: [each seed's predictions on x_test]}``, the seeds in the order of ``train``."""
    predictions: dict[float, list[np.ndarray]] = {alpha: [] for alpha in alphas}
    for seed, frames in train.items():
        y_train = y_all[frames.columns]
        keep = ~np.isnan(y_train)
        if not keep.any():
            raise ValueError(
                f"Expected labelled frames of task '{task}' in the training clips of seed "
                f"{seed}, but got none."
            )
        x_train = embeddings[frames.rows[keep]]
        for alpha in alphas:
            model = _model(discrete, alpha).fit(x_train, y_train[keep])
            predictions[alpha].append(
                model.predict(x_test) if len(x_test) else np.empty(0, np.float32)
            )
        # Freed before the next seed gathers its own copy: one training copy at a time.
        del x_train
    return predictions


def _task_score(
    task: str,
    task_type: str,
    alpha: float,
    predictions: Sequence[np.ndarray],
    y_test: np.ndarray,
    labelled: Frames,
    *,
    reported: bool,
    sequence_level: bool,
) -> TaskScore:
    """The row of one task and alpha, from the seeds' predictions on the labelled test frames."""
    discrete = task_type == DISCRETE
    combined = _aggregate(predictions, discrete)
    pooled = None
    if sequence_level:
        pooled = _metric(
            _pool(y_test, labelled.clip, discrete),
            _pool(combined, labelled.clip, discrete),
            discrete,
        )
    return TaskScore(
        task=task,
        task_type=task_type,
        metric="f1_score" if discrete else "mean_mse",
        alpha=float(alpha),
        reported=reported,
        private_score=_metric(y_test, combined, discrete),
        public_score=_metric(y_test[labelled.public], combined[labelled.public], discrete),
        single_seed_score=float(np.mean([_metric(y_test, p, discrete) for p in predictions])),
        pooled_score=pooled,
        sequence_level=sequence_level,
    )
