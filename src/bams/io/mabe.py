"""MABe 2022 submissions, read without running their code and checked as the evaluator does.

The challenge's files are ``.npy`` files holding one pickled dict (facts: Sun et al., ICML
2023). They are read with :func:`bams.io.safe_pickle.load_pickled_npy`, which admits only NumPy
arrays and plain containers, and their structure is checked with clear errors. The labels and
split files are :mod:`bams.io.mabe_labels` and the official frame number map is
:mod:`bams.io.mabe_frame_map`; their public names are also importable from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import numpy as np

from bams.io.mabe_frame_map import check_frame_map, clip_span, compare_frame_maps
from bams.io.mabe_labels import (
    DISCRETE,
    SPLIT_KEYS,
    check_labels,
    check_split,
    load_mabe_labels,
    load_split,
)
from bams.io.safe_pickle import load_pickled_npy

__all__ = [
    "DISCRETE",
    "SPLIT_KEYS",
    "check_labels",
    "check_split",
    "clip_span",
    "clip_spans",
    "load_mabe_labels",
    "load_split",
    "load_submission",
    "validate_submission",
]


def validate_submission(
    submission: object,
    clip_lengths: Mapping[str, int] | None = None,
    max_dims: int = 128,
    *,
    frame_map: Mapping[str, tuple[int, int]] | None = None,
) -> None:
    """Check a submission as the public evaluator does, in the same order.

    Parameters
    ----------
    submission
        The unpickled submission, ``{'frame_number_map': {clip: (start, end)}, 'embeddings':
        float32 array (total_frames, D)}``.
    clip_lengths
        The number of frames of every clip the submission must cover (default: the lengths
        of the clips of ``frame_map``).
    max_dims
        The largest embedding size allowed: 128 for mice, 256 for flies.
    frame_map
        The official frame number map (:func:`~bams.io.mabe_frame_map.load_frame_map`): the
        submission's map must equal it exactly, as the evaluator requires.

    Raises
    ------
    ValueError
        Naming the first problem: the submission is not a dict; the frame number map is
        missing or differs from ``frame_map`` (the first clip missing, extra, of another span
        or in another order); the embeddings are missing or not a 2-D numpy array of at most
        ``max_dims`` float32 columns; a clip is missing from the frame number map or its span
        differs from its length; the number of embedding rows differs from the total length
        of the clips; the embeddings hold NaN or infinity; a clip's span lies outside the
        array. Also if neither ``clip_lengths`` nor ``frame_map`` is given.

    Examples
    --------
    >>> embeddings = np.zeros((30, 8), np.float32)
    >>> submission = {"frame_number_map": {"a": (0, 10), "b": (10, 30)}, "embeddings": embeddings}
    >>> validate_submission(submission, {"a": 10, "b": 20})
    >>> validate_submission(submission, frame_map={"a": (0, 10), "b": (10, 30)})
    """
    if clip_lengths is None and frame_map is None:
        raise ValueError("Expected the clip lengths or the official frame map, but got neither.")
    submission_map = _submission_map(submission)
    if frame_map is not None:
        official = check_frame_map(frame_map, "the official frame number map")
        compare_frame_maps(submission_map, official)
        if clip_lengths is None:
            clip_lengths = {clip: end - start for clip, (start, end) in official.items()}
    embeddings = _submission_embeddings(submission)  # type: ignore[arg-type]
    _check_embeddings(embeddings, max_dims)
    spans, total = _clip_spans_of_lengths(submission_map, clip_lengths)  # type: ignore[arg-type]
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


def _submission_map(submission: object) -> Mapping:
    """The frame number map of a submission dict, checked."""
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
    return frame_map


def _submission_embeddings(submission: dict) -> object:
    """The embeddings of a submission dict (checked by :func:`_check_embeddings`)."""
    if "embeddings" not in submission:
        raise ValueError(
            "Expected an 'embeddings' array in the submission, but the embeddings array is "
            f"missing (keys: {sorted(map(str, submission))})."
        )
    return submission["embeddings"]


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


def clip_spans(
    clips: Iterable[str], frame_map: object, where: str, n_frames: int
) -> dict[str, tuple[int, int]]:
    """The ``(start, end)`` of each clip in a frame number map, checked against the array.

    ``where`` names the map in errors (e.g. ``"the labels' frame number map"``).
    """
    if not isinstance(frame_map, Mapping):
        raise ValueError(f"Expected {where} to be a dict, but got {type(frame_map).__name__}.")
    spans = {}
    for clip in clips:
        if clip not in frame_map:
            raise ValueError(f"Expected split clip '{clip}' in {where}, but it is missing.")
        start, end = spans[clip] = clip_span(frame_map[clip], clip, where)
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
