"""MABe 2022 labels and split files, read without running their code.

A labels file (``mouse_triplets_test_labels.npy``) is ``np.save`` of ``{'vocabulary': [task
ids], 'task_type': ['Discrete' or another type per task], 'label_array': (n_tasks,
total_frames)}`` with NaN where unlabelled, optionally with the ``'frame_number_map'`` of its
columns; a split file is a dict of clip lists (``'SubmissionTrain'``, ``'publicTest'``,
``'privateTest'``, and ``'UserTrain'``, which the evaluator ignores). Both are read with
:func:`bams.io.safe_pickle.load_pickled_npy` (or as JSON) and checked here with clear errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from bams.io.safe_pickle import load_pickled_npy

__all__ = [
    "DISCRETE",
    "SPLIT_KEYS",
    "check_labels",
    "check_split",
    "load_mabe_labels",
    "load_split",
]

DISCRETE = "Discrete"
"""The ``task_type`` of tasks scored by a classifier and F1; any other type is regression."""

SPLIT_KEYS = ("SubmissionTrain", "publicTest", "privateTest")
"""The clip lists of a split file that the evaluator uses (``UserTrain`` is ignored)."""

_LABEL_KEYS = ("vocabulary", "task_type", "label_array")


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


def load_mabe_labels(path: str | os.PathLike[str]) -> dict:
    """Load a MABe labels file (e.g. ``mouse_triplets_test_labels.npy``) and check its layout.

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
