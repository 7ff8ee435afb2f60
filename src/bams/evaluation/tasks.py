"""Readout tasks (what is predicted) and splits (which recordings train the readout)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from bams.data import Recordings

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass
class Task:
    """One label to read out.

    Attributes
    ----------
    name
        The label's name.
    level
        ``"frame"`` (one value per frame) or ``"sequence"`` (one value per recording).
    kind
        ``"classification"`` or ``"regression"``.
    values
        Frame level: one ``(T_i,)`` array per recording (unlabeled: NaN for floats, ``""``
        for text). Sequence level: a ``(n_recordings,)`` array (the same).
    """

    name: str
    level: str
    kind: str
    values: list[np.ndarray] | np.ndarray

    def frame_values(self, lengths: Sequence[int]) -> list[np.ndarray]:
        """Per-frame labels; a sequence-level label is repeated over its recording's frames."""
        if self.level == "frame":
            return list(self.values)
        return [np.full(int(n), v) for n, v in zip(lengths, self.values, strict=True)]


def kind_of(values: np.ndarray) -> str:
    """Integers, booleans and strings are classes; floats are regression targets."""
    return CLASSIFICATION if np.asarray(values).dtype.kind in "iubU" else REGRESSION


def tasks_from(data: Recordings, kinds: dict[str, str] | None = None) -> list[Task]:
    """Every label of ``data`` as a :class:`Task`; ``kinds`` overrides the inferred kind.

    Raises
    ------
    ValueError
        If ``kinds`` names an unknown label or kind.
    """
    kinds = dict(kinds or {})
    labels = set(data.frame_labels) | set(data.sequence_labels)
    unknown = sorted(set(kinds) - labels)
    if unknown:
        raise ValueError(f"Expected kinds for labels among {sorted(labels)}, but got {unknown}.")
    bad = sorted(k for k, v in kinds.items() if v not in (CLASSIFICATION, REGRESSION))
    if bad:
        raise ValueError(
            f"Expected kind 'classification' or 'regression', but got {[kinds[k] for k in bad]}."
        )
    tasks = [
        Task(name, "frame", kinds.get(name, kind_of(np.concatenate(values))), list(values))
        for name, values in data.frame_labels.items()
    ]
    tasks += [
        Task(name, "sequence", kinds.get(name, kind_of(values)), np.asarray(values))
        for name, values in data.sequence_labels.items()
    ]
    return tasks


@dataclass
class Split:
    """Recording indices that train and test a readout, and the seed that drew them."""

    train: np.ndarray
    test: np.ndarray
    seed: int


def make_splits(
    units: Sequence[str],
    *,
    seeds: Sequence[int] = (0, 1, 2),
    test_size: float | None = 0.5,
    train_size: float | None = None,
) -> list[Split]:
    """One split per seed of the recordings; recordings of one unit stay on the same side.

    Parameters
    ----------
    units
        The unit of each recording that must not be split: its group (e.g. the video of an
        animal) or its own id.
    seeds
        One split per seed.
    test_size, train_size
        Fractions of units (as in :class:`sklearn.model_selection.GroupShuffleSplit`).
        ``train_size=0.2, test_size=None, seeds=[42]`` gives the paper's "train on 20%, test
        on the other 80%, random_state 42" split.

    Returns
    -------
    list of Split
        Indices into ``units``.

    Raises
    ------
    ValueError
        If there are fewer than two units or the sizes add up to more than 1.
    """
    groups = np.asarray(units)
    n_units = len(np.unique(groups))
    if n_units < 2:
        raise ValueError(f"Expected at least 2 recordings (or groups) to split, but got {n_units}.")
    if train_size is not None and test_size is not None and train_size + test_size > 1:
        raise ValueError(
            f"Expected train_size + test_size <= 1, but got {train_size} + {test_size}."
        )
    splits = []
    for seed in seeds:
        splitter = GroupShuffleSplit(
            n_splits=1, test_size=test_size, train_size=train_size, random_state=seed
        )
        train, test = next(splitter.split(np.zeros(len(groups)), groups=groups))
        splits.append(Split(np.sort(train), np.sort(test), int(seed)))
    return splits
