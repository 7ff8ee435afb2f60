"""MABe 2022 files: submissions, labels and splits, read without running their code.

The challenge's files are ``.npy`` files holding one pickled dict (facts: Sun et al., ICML
2023). They are read with :func:`bams.io.safe_pickle.load_pickled_npy`, which admits only NumPy
arrays and plain containers, and their structure is checked with clear errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from bams.io.safe_pickle import load_pickled_npy

DISCRETE = "Discrete"
"""The ``task_type`` of tasks scored by a classifier and F1; any other type is regression."""

SPLIT_KEYS = ("SubmissionTrain", "publicTest", "privateTest")
"""The clip lists of a split file that the evaluator uses (``UserTrain`` is ignored)."""

_LABEL_KEYS = ("vocabulary", "task_type", "label_array")


def validate_submission(
    submission: object, clip_lengths: Mapping[str, int], max_dims: int = 128
) -> None:
    """Check a submission as the public evaluator does, in the same order.

    Parameters
    ----------
    submission
        The unpickled submission, ``{'frame_number_map': {clip: (start, end)}, 'embeddings':
        float32 array (total_frames, D)}``.
    clip_lengths
        The number of frames of every clip the submission must cover.
    max_dims
        The largest embedding size allowed: 128 for mice, 256 for flies.

    Raises
    ------
    ValueError
        Naming the first problem: the submission is not a dict; the frame number map or the
        embeddings are missing; the embeddings are not a 2-D numpy array of at most
        ``max_dims`` float32 columns; a clip is missing from the frame number map or its span
        differs from its length; the number of embedding rows differs from the total length of
        the clips; the embeddings hold NaN or infinity; a clip's span lies outside the array.

    Examples
    --------
    >>> embeddings = np.zeros((30, 8), np.float32)
    >>> submission = {"frame_number_map": {"a": (0, 10), "b": (10, 30)}, "embeddings": embeddings}
    >>> validate_submission(submission, {"a": 10, "b": 20})
    """
    frame_map, embeddings = _submission_parts(submission)
    _check_embeddings(embeddings, max_dims)
    spans, total = _clip_spans_of_lengths(frame_map, clip_lengths)
    if len(embeddings) != total:
        raise ValueError(
            f"Expected the embeddings to have {total} frames (the total length of the clips), "
            f"but got {len(embeddings)}."
        )
    non_finite = _count_non_finite(embeddings)
    if non_finite:
        raise ValueError(
            "Expected finite embeddings (no NaN or infinity), but got "
            f"{non_finite} non-finite values."
        )
    for clip, (start, end) in spans.items():
        if start < 0 or end > len(embeddings):
            raise ValueError(
                f"Expected the span of clip '{clip}' to lie within the {len(embeddings)} "
                f"embedding frames, but got ({start}, {end})."
            )


def _submission_parts(submission: object) -> tuple[Mapping, object]:
    """The frame number map and the embeddings of a submission dict, checked in that order."""
    if not isinstance(submission, dict):
        raise ValueError(
            f"Expected the submission to be a dict, but got {type(submission).__name__}."
        )
    if "frame_number_map" not in submission:
        raise ValueError(
            "Expected a 'frame_number_map' in the submission, but the frame number map is "
            f"missing (keys: {sorted(map(str, submission))})."
        )
    frame_map = submission["frame_number_map"]
    if not isinstance(frame_map, Mapping):
        raise ValueError(
            "Expected the frame number map to be a dict of clip -> (start, end), but got "
            f"{type(frame_map).__name__}."
        )
    if "embeddings" not in submission:
        raise ValueError(
            "Expected an 'embeddings' array in the submission, but the embeddings array is "
            f"missing (keys: {sorted(map(str, submission))})."
        )
    return frame_map, submission["embeddings"]


def _check_embeddings(embeddings: object, max_dims: int) -> None:
    """Check the type, shape, size and dtype of the embeddings, in the evaluator's order."""
    if not isinstance(embeddings, np.ndarray):
        raise ValueError(
            f"Expected the embeddings to be a numpy array, but got {type(embeddings).__name__}."
        )
    if embeddings.ndim != 2:
        raise ValueError(
            "Expected the embeddings to be a 2D array (frames, dims), but got shape "
            f"{embeddings.shape}."
        )
    if embeddings.shape[1] > max_dims:
        raise ValueError(
            f"Expected at most {max_dims} embedding dimensions (embeddings too large), but got "
            f"{embeddings.shape[1]}."
        )
    # The evaluator checks isinstance(embeddings[0, 0], np.float32); the dtype says the same.
    if embeddings.dtype != np.float32:
        raise ValueError(f"Expected float32 embeddings, but got {embeddings.dtype}.")


def _clip_spans_of_lengths(
    frame_map: Mapping, clip_lengths: Mapping[str, int]
) -> tuple[dict[str, tuple[int, int]], int]:
    """The span of every clip in the frame number map, checked against its length; the total."""
    total = 0
    spans = {}
    for clip, length in clip_lengths.items():
        if clip not in frame_map:
            raise ValueError(f"Expected clip '{clip}' in the frame number map, but it is missing.")
        start, end = spans[clip] = clip_span(frame_map[clip], clip, "the frame number map")
        if end - start != length:
            raise ValueError(
                f"Expected the frame number map for clip '{clip}' to span its {length} frames, "
                f"but got {end - start} (start {start}, end {end})."
            )
        total += int(length)
    return spans, total


def _count_non_finite(array: np.ndarray, block: int = 1 << 20) -> int:
    """Count NaN and infinite values, a block of rows at a time to bound memory."""
    return sum(
        int(array[i : i + block].size - np.count_nonzero(np.isfinite(array[i : i + block])))
        for i in range(0, len(array), block)
    )


def clip_span(value: object, clip: str, where: str) -> tuple[int, int]:
    """Read a ``(start, end)`` pair of integers from a frame number map."""
    try:
        start, end = value  # type: ignore[misc]
        if int(start) != start or int(end) != end:
            raise TypeError
        return int(start), int(end)
    except (TypeError, ValueError):
        raise ValueError(
            f"Expected (start, end) integers for clip '{clip}' in {where}, but got {value!r}."
        ) from None


def check_labels(labels: object, source: str) -> dict:
    """Check the top level of a labels dict; return it with plain lists and a float array."""
    if not isinstance(labels, dict):
        raise ValueError(
            f"Expected the labels in {source} to be a dict with keys {list(_LABEL_KEYS)}, "
            f"but got {type(labels).__name__}."
        )
    missing = [key for key in _LABEL_KEYS if key not in labels]
    if missing:
        raise ValueError(
            f"Expected the labels in {source} to have keys {list(_LABEL_KEYS)}, but "
            f"{missing} are missing."
        )
    problems = []
    vocabulary = [str(task) for task in np.ravel(np.asarray(labels["vocabulary"], dtype=object))]
    task_type = [str(kind) for kind in np.ravel(np.asarray(labels["task_type"], dtype=object))]
    label_array = labels["label_array"]
    if (
        not isinstance(label_array, np.ndarray)
        or label_array.ndim != 2
        or label_array.dtype.kind not in "iuf"
    ):
        shape = getattr(label_array, "shape", None)
        problems.append(
            "Expected 'label_array' to be a 2D numeric array (tasks, frames), but got "
            f"{type(label_array).__name__} of shape {shape}."
        )
    elif len(vocabulary) != label_array.shape[0]:
        problems.append(
            f"Expected one 'label_array' row per task of the vocabulary ({len(vocabulary)}), "
            f"but got {label_array.shape[0]}."
        )
    if len(task_type) != len(vocabulary):
        problems.append(
            f"Expected one 'task_type' per task of the vocabulary ({len(vocabulary)}), but got "
            f"{len(task_type)}."
        )
    if len(set(vocabulary)) != len(vocabulary):
        problems.append(f"Expected unique task ids in 'vocabulary', but got {vocabulary}.")
    frame_map = labels.get("frame_number_map")
    if frame_map is not None and not isinstance(frame_map, Mapping):
        problems.append(
            "Expected 'frame_number_map' to be a dict of clip -> (start, end), but got "
            f"{type(frame_map).__name__}."
        )
    if not problems:
        label_array = np.asarray(label_array, dtype=np.float64)
        for row, (task, kind) in enumerate(zip(vocabulary, task_type, strict=True)):
            values = np.unique(label_array[row][~np.isnan(label_array[row])])
            if kind == DISCRETE and not np.isin(values, (0.0, 1.0)).all():
                problems.append(
                    f"Expected the labels of Discrete task '{task}' to be 0, 1 or NaN, but got "
                    f"{values[~np.isin(values, (0.0, 1.0))][:5].tolist()}."
                )
    if problems:
        raise ValueError(" ".join(problems))
    return {
        "vocabulary": vocabulary,
        "task_type": task_type,
        "label_array": label_array,
        "frame_number_map": dict(frame_map) if frame_map is not None else None,
    }


def check_split(split: object, source: str) -> dict[str, list[str]]:
    """Check a split dict; return its three evaluator lists as lists of clip ids."""
    if not isinstance(split, Mapping):
        raise ValueError(
            f"Expected the split in {source} to be a dict with keys {list(SPLIT_KEYS)}, but got "
            f"{type(split).__name__}."
        )
    missing = [key for key in SPLIT_KEYS if key not in split]
    if missing:
        raise ValueError(
            f"Expected the split in {source} to have keys {list(SPLIT_KEYS)}, but {missing} "
            "are missing."
        )
    checked = {}
    for key in SPLIT_KEYS:
        clips = split[key]
        if isinstance(clips, str | bytes | Mapping) or not isinstance(clips, Sequence | np.ndarray):
            raise ValueError(
                f"Expected '{key}' in the split to be a list of clip ids, but got "
                f"{type(clips).__name__}."
            )
        checked[key] = [str(clip) for clip in clips]
    if not checked["SubmissionTrain"]:
        raise ValueError("Expected clips in the split's 'SubmissionTrain', but got none.")
    return checked


def clip_spans(
    clips: Iterable[str], frame_map: object, where: str, n_frames: int
) -> dict[str, tuple[int, int]]:
    """The ``(start, end)`` of each clip in a frame number map, checked against the array."""
    if not isinstance(frame_map, Mapping):
        raise ValueError(
            f"Expected a frame number map in {where}, but got {type(frame_map).__name__}."
        )
    spans = {}
    for clip in clips:
        if clip not in frame_map:
            raise ValueError(
                f"Expected split clip '{clip}' in the frame number map of {where}, but it is "
                "missing."
            )
        start, end = spans[clip] = clip_span(
            frame_map[clip], clip, f"the frame number map of {where}"
        )
        if not 0 <= start <= end <= n_frames:
            raise ValueError(
                f"Expected the span of clip '{clip}' in {where} to lie within its {n_frames} "
                f"frames, but got ({start}, {end})."
            )
    return spans


def load_submission(path: str | os.PathLike[str]) -> dict:
    """Load a submission file (a ``.npy`` holding a pickled dict) without running its code.

    Parameters
    ----------
    path
        ``np.save`` of ``{'frame_number_map': {...}, 'embeddings': (total_frames, D)}``.

    Returns
    -------
    dict
        The submission; check it with :func:`validate_submission`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a ``.npy`` of a pickled dict, or refers to code.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "submission.npy"
    >>> np.save(path, {"frame_number_map": {"a": (0, 4)}, "embeddings": np.zeros((4, 2))})
    >>> load_submission(path)["embeddings"].shape
    (4, 2)
    """
    submission = load_pickled_npy(path)
    if not isinstance(submission, dict):
        raise ValueError(
            f"Expected a dict with 'frame_number_map' and 'embeddings' in '{os.fspath(path)}', "
            f"but got {type(submission).__name__}."
        )
    return submission


def load_mabe_labels(path: str | os.PathLike[str]) -> dict:
    """Load a MABe labels file (e.g. ``mouse_triplet_test_labels.npy``) and check its layout.

    Parameters
    ----------
    path
        ``np.save`` of ``{'vocabulary': [...], 'task_type': [...], 'label_array': (n_tasks,
        total_frames)}``, optionally with a ``'frame_number_map'``.

    Returns
    -------
    dict
        ``vocabulary`` and ``task_type`` as lists of str, ``label_array`` as float64 with NaN
        where unlabelled, ``frame_number_map`` (``None`` when the file has none).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is unreadable or unsafe, or listing every layout problem: missing keys,
        a label array that is not 2-D numeric with one row per task, task types of another
        length, or Discrete labels other than 0, 1 and NaN.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels.npy"
    >>> np.save(path, {"vocabulary": ["lights"], "task_type": ["Discrete"],
    ...                "label_array": np.array([[0.0, 1.0, np.nan]])})
    >>> load_mabe_labels(path)["label_array"].shape
    (1, 3)
    """
    return check_labels(load_pickled_npy(path), f"'{os.fspath(path)}'")


def load_split(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """Load a split file (``.json``, or a ``.npy`` holding a pickled dict).

    Parameters
    ----------
    path
        A dict with lists of clip ids under ``'SubmissionTrain'``, ``'publicTest'`` and
        ``'privateTest'`` (other keys such as ``'UserTrain'`` are dropped).

    Returns
    -------
    dict of str to list of str
        The three lists, in the order the file gives them.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is unreadable or unsafe, or lacks one of the three lists.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "split.json"
    >>> _ = path.write_text(json.dumps(
    ...     {"SubmissionTrain": ["a", "b"], "publicTest": ["c"], "privateTest": ["d"]}))
    >>> load_split(path)["publicTest"]
    ['c']
    """
    source = os.fspath(path)
    if Path(source).suffix.lower() == ".json":
        with open(source, encoding="utf-8") as file:
            try:
                split = json.load(file)
            except json.JSONDecodeError as err:
                raise ValueError(f"Expected JSON in '{source}', but got an error: {err}") from err
    else:
        split = load_pickled_npy(source)
    return check_split(split, f"'{source}'")
