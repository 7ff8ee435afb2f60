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
reported; alpha = 1 is the published number. As in the evaluator, the submission's frame
number map must equal the official one, and the embeddings are indexed with the official map
(given, or the labels file's own); a submission's own map is never used in its place.

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

This module checks the inputs and lays out the frames; the fitting and scoring of each task
is :mod:`bams.evaluation.mabe_tasks`.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from bams.evaluation.mabe_tasks import Frames, TaskScore, frames_of, score_tasks
from bams.io.mabe import (
    SPLIT_KEYS,
    check_labels,
    check_split,
    clip_spans,
    load_mabe_labels,
    load_split,
    load_submission,
    validate_submission,
)
from bams.io.mabe_frame_map import check_frame_map, compare_frame_maps, load_frame_map

__all__ = ["TaskScore", "save_scores_csv", "score_files", "score_submission"]


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
    frame_map: Mapping[str, tuple[int, int]] | None = None,
) -> list[TaskScore]:
    """Score a submission against a labels file with the MABe 2022 evaluator's protocol.

    Check the submission with :func:`validate_submission` first; this function checks only
    that its frame number map equals the official one and that the split's clips are laid
    out consistently. As the evaluator does, the embeddings are indexed with the official
    map: ``frame_map`` or, without it, the labels' own map; a submission's own map is never
    trusted to lay out the frames.

    Parameters
    ----------
    submission
        ``{'frame_number_map': {clip: (start, end)}, 'embeddings': (total_frames, D)}``.
    labels
        ``{'vocabulary': [task, ...], 'task_type': ['Discrete' or other, ...], 'label_array':
        (n_tasks, total_label_frames)}`` with NaN where unlabelled, and optionally its own
        ``'frame_number_map'`` (the layout of its columns; without one the labels are laid
        out as ``frame_map`` says).
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
    frame_map
        The official frame number map (:func:`~bams.io.mabe_frame_map.load_frame_map`);
        required when the labels have no ``'frame_number_map'``.

    Returns
    -------
    list of TaskScore
        One per task and alpha, tasks in vocabulary order.

    Raises
    ------
    ValueError
        If the labels or the split are malformed, there is no official frame number map (no
        ``frame_map`` and none in the labels), the submission's map differs from it, a split
        clip is missing from a frame number map or spans a different number of frames in the
        official map and the labels, a span
        lies outside the arrays, ``reported_alpha`` is not among ``alphas``, or a task has no
        labelled frames in a seed's training clips.

    Notes
    -----
    This follows the public evaluator's code, also where it differs from its README, with one
    exception: the module docstring (:mod:`bams.evaluation.mabe`) lists the differences.
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
    >>> scores = score_submission(submission, labels, split, frame_map=frame_map)
    >>> [(s.alpha, s.private_score < 0.01) for s in scores if s.reported]
    [(1.0, True)]
    """
    labels, split, embeddings = _checked_inputs(
        submission, labels, split, seeds, alphas, test_size, reported_alpha
    )
    official = _official_map(labels, frame_map)
    compare_frame_maps(submission.get("frame_number_map"), official)
    test, train = _frame_layout(official, labels, split, len(embeddings), seeds, test_size)
    return score_tasks(labels, embeddings, test, train, alphas, reported_alpha, sequence_tasks)


def _checked_inputs(
    submission: Mapping,
    labels: Mapping,
    split: Mapping,
    seeds: Sequence[int],
    alphas: Sequence[float],
    test_size: float,
    reported_alpha: float,
) -> tuple[dict, dict[str, list[str]], np.ndarray]:
    """The checked labels and split and the submission's embeddings; the options checked too."""
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
    return labels, split, submission["embeddings"]


def _official_map(
    labels: dict, frame_map: Mapping[str, tuple[int, int]] | None
) -> dict[str, tuple[int, int]]:
    """The official map: ``frame_map``, else the labels' own, never the submission's."""
    if frame_map is not None:
        return check_frame_map(frame_map, "the official frame number map")
    if labels["frame_number_map"] is not None:
        return check_frame_map(labels["frame_number_map"], "the labels' frame number map")
    raise ValueError(
        "Expected the official frame number map (given as frame_map, or in the labels file), "
        "but the labels have none; a submission's own map is never used to lay out its frames."
    )


def _frame_layout(
    official: Mapping[str, tuple[int, int]],
    labels: dict,
    split: dict[str, list[str]],
    n_frames: int,
    seeds: Sequence[int],
    test_size: float,
) -> tuple[Frames, dict[int, Frames]]:
    """The test frames and each seed's training frames, as index arrays."""
    row_spans, column_spans = _split_spans(official, labels, split, n_frames)
    # Computed once for all tasks: private and public test frames (private first, as the
    # evaluator concatenates them) and each seed's training frames.
    test = frames_of(
        split["privateTest"] + split["publicTest"], row_spans, column_spans, split["publicTest"]
    )
    train = {
        seed: frames_of(
            train_test_split(split["SubmissionTrain"], test_size=test_size, random_state=seed)[0],
            row_spans,
            column_spans,
        )
        for seed in seeds
    }
    return test, train


def _split_spans(
    official: Mapping[str, tuple[int, int]],
    labels: dict,
    split: dict[str, list[str]],
    n_frames: int,
) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """The span of every split clip in the embeddings (rows) and in the labels (columns)."""
    label_array = labels["label_array"]
    clips = [clip for key in SPLIT_KEYS for clip in split[key]]
    row_spans = clip_spans(clips, official, "the official frame number map", n_frames)
    column_spans = (
        row_spans
        if labels["frame_number_map"] is None
        else clip_spans(
            clips, labels["frame_number_map"], "the labels' frame number map", label_array.shape[1]
        )
    )
    if labels["frame_number_map"] is None and label_array.shape[1] != n_frames:
        raise ValueError(
            "Expected the label array to have as many frames as the embeddings "
            f"({n_frames}) when the labels have no frame number map, but got "
            f"{label_array.shape[1]}."
        )
    for clip in clips:
        (r0, r1), (c0, c1) = row_spans[clip], column_spans[clip]
        if r1 - r0 != c1 - c0:
            raise ValueError(
                f"Expected clip '{clip}' to span as many frames in the official frame number "
                f"map as in the labels, but got {r1 - r0} and {c1 - c0}."
            )
    return row_spans, column_spans


def score_files(
    submission: str | os.PathLike[str],
    labels: str | os.PathLike[str] | Mapping,
    split: str | os.PathLike[str],
    *,
    max_dims: int = 128,
    frame_map: str | os.PathLike[str] | Mapping | None = None,
    **options: object,
) -> list[TaskScore]:
    """Load, validate and score a submission file, as the evaluator does.

    The official frame number map is ``frame_map`` or, without it, the one the labels file
    holds; the submission's map must equal it exactly, and its clips are those the
    submission must cover. A submission's own map is never used in its place.

    Parameters
    ----------
    submission, labels, split
        Files for :func:`load_submission`, :func:`load_mabe_labels` and :func:`load_split`
        (``labels`` may also be an already loaded labels dict).
    max_dims
        The largest embedding size allowed: 128 for mice, 256 for flies.
    frame_map
        The official frame number map: a file for
        :func:`~bams.io.mabe_frame_map.load_frame_map`, or the dict itself.
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
        If a file is unreadable, unsafe or malformed, there is no official frame number map
        (no ``frame_map`` and none in the labels), or the submission fails validation (its
        map differs from the official one: the first difference is named).
    """
    loaded = load_submission(submission)
    if isinstance(labels, Mapping):
        label_dict = check_labels(labels, "the labels")
    else:
        label_dict = load_mabe_labels(labels)
    split_dict = load_split(split)
    if frame_map is not None and not isinstance(frame_map, Mapping):
        frame_map = load_frame_map(frame_map)
    official = _official_map(label_dict, frame_map)
    validate_submission(loaded, max_dims=max_dims, frame_map=official)
    return score_submission(
        loaded,
        label_dict,
        split_dict,
        frame_map=official,
        **options,  # type: ignore[arg-type]
    )


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
