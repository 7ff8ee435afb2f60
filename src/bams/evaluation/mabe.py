"""The MABe 2022 protocol: score a submission of embeddings as the public evaluator does.

The Multi-Agent Behavior Challenge 2022 (Sun et al., ICML 2023) scores frame embeddings with
linear readouts. For every task and seed the ``SubmissionTrain`` clips are split 90/10 with
``train_test_split(clips, test_size=0.1, random_state=seed)``; on the embeddings of the 90 % part,
with unlabelled (NaN) frames dropped, a ``Ridge(alpha)`` (regression) or a
``RidgeClassifier(alpha, class_weight='balanced')`` (tasks of type ``'Discrete'``) is fitted on
the raw embeddings. Each seed's model predicts the labelled frames of ``publicTest`` and
``privateTest``; regression predictions are averaged over seeds, and a discrete frame is 1 when
the mean of the seeds' 0/1 predictions is > 0 (any seed says 1). The headline ("private")
score is the MSE or binary F1 on privateTest and publicTest together; the public score uses
publicTest alone, the single-seed score is the mean over seeds of each seed's own score, and
sequence-level tasks also get a score on per-clip averages. Every alpha of the sweep is
reported; alpha = 1 is the published number.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.metrics import f1_score, mean_squared_error
from sklearn.model_selection import train_test_split

from bams.io.mabe import (
    DISCRETE,
    SPLIT_KEYS,
    check_labels,
    check_split,
    clip_span,
    clip_spans,
    load_mabe_labels,
    load_split,
    load_submission,
    validate_submission,
)

__all__ = ["TaskScore", "save_scores_csv", "score_files", "score_submission"]


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
class _Frames:
    """The frames of a set of clips, in the evaluator's order (by position in the embeddings).

    ``rows`` index the embeddings, ``columns`` the label array, ``clip`` numbers each frame's
    clip and ``public`` marks publicTest frames.
    """

    rows: np.ndarray
    columns: np.ndarray
    clip: np.ndarray
    public: np.ndarray

    def select(self, keep: np.ndarray) -> _Frames:
        return _Frames(self.rows[keep], self.columns[keep], self.clip[keep], self.public[keep])


def _frames(
    clips: Sequence[str],
    row_spans: Mapping[str, tuple[int, int]],
    column_spans: Mapping[str, tuple[int, int]],
    public: Iterable[str] = (),
) -> _Frames:
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
    return _Frames(
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


def score_submission(
    submission: Mapping,
    labels: Mapping,
    split: Mapping,
    *,
    seeds: Sequence[int] = (42, 43, 44),
    alphas: Sequence[float] = (0.1, 0.5, 1.0, 2.0, 5.0),
    test_size: float = 0.1,
    sequence_tasks: Iterable[str] = ("experiment_day", "strain", "lights"),
    reported_alpha: float = 1.0,
) -> list[TaskScore]:
    """Score a submission against a labels file with the MABe 2022 evaluator's protocol.

    Check the submission with :func:`validate_submission` first; this function checks only
    that the split's clips are laid out consistently.

    Parameters
    ----------
    submission
        ``{'frame_number_map': {clip: (start, end)}, 'embeddings': (total_frames, D)}``.
    labels
        ``{'vocabulary': [task, ...], 'task_type': ['Discrete' or other, ...], 'label_array':
        (n_tasks, total_label_frames)}`` with NaN where unlabelled, and optionally its own
        ``'frame_number_map'``; without one the labels share the submission's frame layout.
    split
        ``{'SubmissionTrain': [...], 'publicTest': [...], 'privateTest': [...]}``; other keys
        (``'UserTrain'``) are ignored. The order of ``'SubmissionTrain'`` matters: it is split
        as given.
    seeds
        Random states of the 90/10 splits of SubmissionTrain; one model per seed.
    alphas
        Ridge regularisation strengths; every one is scored.
    test_size
        The share of SubmissionTrain clips each seed leaves out (they are not used at all).
    sequence_tasks
        Tasks constant within a clip, which also get a clip-averaged (pooled) score.
    reported_alpha
        The alpha whose rows are marked ``reported`` (the leaderboard's).

    Returns
    -------
    list of TaskScore
        One per task and alpha, tasks in vocabulary order.

    Raises
    ------
    ValueError
        If the labels or the split are malformed, a split clip is missing from a frame number
        map or spans a different number of frames in the submission and the labels, a span
        lies outside the arrays, ``reported_alpha`` is not among ``alphas``, or a task has no
        labelled frames in a seed's training clips.

    Notes
    -----
    This follows the public evaluator's code (``round1/training``), also where it differs from
    its README, with one exception:

    - Discrete seeds are combined by "any seed says 1" (mean of 0/1 predictions > 0), not the
      README's 2/3 vote.
    - Clip averages of Discrete tasks are thresholded with ``>= 0.5`` (both the labels and the
      predictions), as the code does.
    - The 10 % of SubmissionTrain that each seed leaves out is not used for anything.
    - The exception: the evaluator's clip averaging walks the split lists while its predictions
      come in frame order, so it pairs predictions with the wrong clips whenever the two orders
      differ; here each clip's average is taken over that clip's own frames.

    Scores with nothing to score (e.g. no labelled publicTest frame) are NaN.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clips = [f"c{i}" for i in range(20)]
    >>> frame_map = {clip: (10 * i, 10 * i + 10) for i, clip in enumerate(clips)}
    >>> embeddings = rng.normal(size=(200, 3)).astype(np.float32)
    >>> labels = {"vocabulary": ["speed"], "task_type": ["Continuous"],
    ...           "label_array": embeddings[:, :1].T.astype(float) * 2}
    >>> split = {"SubmissionTrain": clips[:12], "publicTest": clips[12:16],
    ...          "privateTest": clips[16:]}
    >>> submission = {"frame_number_map": frame_map, "embeddings": embeddings}
    >>> scores = score_submission(submission, labels, split)
    >>> [(s.alpha, s.private_score < 0.01) for s in scores if s.reported]
    [(1.0, True)]
    """
    labels = check_labels(labels, "the labels")
    split = check_split(split, "the split")
    if not isinstance(submission, Mapping) or not isinstance(
        submission.get("embeddings"), np.ndarray
    ):
        raise ValueError(
            "Expected a submission dict with an 'embeddings' array, but got "
            f"{type(submission).__name__}."
        )
    if reported_alpha not in alphas:
        raise ValueError(
            f"Expected reported_alpha among the alphas {list(alphas)}, but got {reported_alpha}."
        )
    if not seeds:
        raise ValueError("Expected at least one seed, but got none.")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"Expected 0 < test_size < 1, but got {test_size}.")
    embeddings = submission["embeddings"]
    label_array = labels["label_array"]
    sequence_tasks = set(sequence_tasks)

    clips = [clip for key in SPLIT_KEYS for clip in split[key]]
    row_spans = clip_spans(
        clips, submission.get("frame_number_map"), "the submission", len(embeddings)
    )
    column_spans = (
        row_spans
        if labels["frame_number_map"] is None
        else clip_spans(clips, labels["frame_number_map"], "the labels", label_array.shape[1])
    )
    if labels["frame_number_map"] is None and label_array.shape[1] != len(embeddings):
        raise ValueError(
            "Expected the label array to have as many frames as the embeddings "
            f"({len(embeddings)}) when the labels have no frame number map, but got "
            f"{label_array.shape[1]}."
        )
    for clip in clips:
        (r0, r1), (c0, c1) = row_spans[clip], column_spans[clip]
        if r1 - r0 != c1 - c0:
            raise ValueError(
                f"Expected clip '{clip}' to span as many frames in the submission as in the "
                f"labels, but got {r1 - r0} and {c1 - c0}."
            )

    # Index arrays, computed once: private and public test frames (private first, as the
    # evaluator concatenates them) and each seed's training frames.
    test = _frames(
        split["privateTest"] + split["publicTest"], row_spans, column_spans, split["publicTest"]
    )
    train = {
        seed: _frames(
            train_test_split(split["SubmissionTrain"], test_size=test_size, random_state=seed)[0],
            row_spans,
            column_spans,
        )
        for seed in seeds
    }

    scores = []
    for task_index, (task, task_type) in enumerate(
        zip(labels["vocabulary"], labels["task_type"], strict=True)
    ):
        discrete = task_type == DISCRETE
        y_all = label_array[task_index]
        y_test = y_all[test.columns]
        labelled = test.select(~np.isnan(y_test))
        y_test = y_test[~np.isnan(y_test)]
        x_test = embeddings[labelled.rows]
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
            del x_train
        for alpha in alphas:
            combined = _aggregate(predictions[alpha], discrete)
            pooled = None
            if task in sequence_tasks:
                pooled = _metric(
                    _pool(y_test, labelled.clip, discrete),
                    _pool(combined, labelled.clip, discrete),
                    discrete,
                )
            scores.append(
                TaskScore(
                    task=task,
                    task_type=task_type,
                    metric="f1_score" if discrete else "mean_mse",
                    alpha=float(alpha),
                    reported=alpha == reported_alpha,
                    private_score=_metric(y_test, combined, discrete),
                    public_score=_metric(
                        y_test[labelled.public], combined[labelled.public], discrete
                    ),
                    single_seed_score=float(
                        np.mean([_metric(y_test, p, discrete) for p in predictions[alpha]])
                    ),
                    pooled_score=pooled,
                    sequence_level=task in sequence_tasks,
                )
            )
    return scores


def score_files(
    submission: str | os.PathLike[str],
    labels: str | os.PathLike[str],
    split: str | os.PathLike[str],
    *,
    max_dims: int = 128,
    **options: object,
) -> list[TaskScore]:
    """Load, validate and score a submission file, as the evaluator does.

    The clips the submission must cover are those of the labels' frame number map, or, when
    the labels have none, those of the submission's own map (the labels then share its
    layout).

    Parameters
    ----------
    submission, labels, split
        Files for :func:`load_submission`, :func:`load_mabe_labels` and :func:`load_split`.
    max_dims
        The largest embedding size allowed: 128 for mice, 256 for flies.
    **options
        Passed to :func:`score_submission` (``seeds``, ``alphas``, ...).

    Returns
    -------
    list of TaskScore
        One per task and alpha.

    Raises
    ------
    FileNotFoundError
        If a file does not exist.
    ValueError
        If a file is unreadable, unsafe or malformed, or the submission fails validation.
    """
    loaded = load_submission(submission)
    label_dict = load_mabe_labels(labels)
    split_dict = load_split(split)
    frame_map = label_dict["frame_number_map"]
    if frame_map is None:
        frame_map = loaded.get("frame_number_map")
    clip_lengths = {}
    if isinstance(frame_map, Mapping):
        for clip, span in frame_map.items():
            start, end = clip_span(span, clip, "the frame number map")
            clip_lengths[clip] = end - start
    validate_submission(loaded, clip_lengths, max_dims=max_dims)
    return score_submission(loaded, label_dict, split_dict, **options)  # type: ignore[arg-type]


def save_scores_csv(scores: Iterable[TaskScore], path: str | os.PathLike[str]) -> Path:
    """Write scores to a CSV file, one row per task and alpha.

    Parameters
    ----------
    scores
        As returned by :func:`score_submission`.
    path
        The CSV file to write; its folder must exist.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> row = TaskScore("strain", "Discrete", "f1_score", 1.0, True, 0.8, 0.7, 0.75, 0.9, True)
    >>> path = save_scores_csv([row], pathlib.Path(tempfile.mkdtemp()) / "scores.csv")
    >>> path.read_text().splitlines()[0].split(",")[:3]
    ['task', 'task_type', 'metric']
    """
    path = Path(path)
    fields = [field.name for field in dataclasses.fields(TaskScore)]
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        for score in scores:
            writer.writerow(dataclasses.asdict(score))
    return path
