"""Recordings gathered by group (e.g. the animals of one video), read out as one unit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bams.data import Recordings
from bams.evaluation.latents import Representation
from bams.evaluation.tasks import Task

__all__ = ["GroupView"]


@dataclass
class GroupView:
    """Recordings gathered by group (e.g. the animals of one video).

    Attributes
    ----------
    ids
        Group ids.
    members
        Recording indices of each group.
    tasks
        The labels that are the same for every member of a group, one value per group.
    """

    ids: list[str]
    members: list[list[int]]
    tasks: list[Task]

    @classmethod
    def build(cls, data: Recordings, tasks: Sequence[Task]) -> GroupView:
        """Group ``data`` by ``data.groups``.

        Raises
        ------
        ValueError
            If ``data`` has no groups, or members of a group differ in length.
        """
        if data.groups is None:
            raise ValueError("Expected recordings with groups, but data.groups is None.")
        ids = list(dict.fromkeys(data.groups))
        members = [[i for i, g in enumerate(data.groups) if g == gid] for gid in ids]
        lengths = data.lengths
        uneven = [gid for gid, m in zip(ids, members, strict=True) if len(set(lengths[m])) > 1]
        if uneven:
            raise ValueError(
                f"Expected members of a group to have the same length, but groups {uneven[:5]} "
                "do not."
            )
        group_tasks = []
        for task in tasks:
            if task.level == "sequence":
                values = np.asarray(task.values)
                if all(len(set(values[m].tolist())) == 1 for m in members):
                    group_tasks.append(
                        Task(
                            task.name,
                            "sequence",
                            task.kind,
                            np.array([values[m[0]] for m in members]),
                        )
                    )
            else:
                same = all(
                    all(_same_labels(task.values[m[0]], task.values[j]) for j in m[1:])
                    for m in members
                )
                if same:
                    group_tasks.append(
                        Task(task.name, "frame", task.kind, [task.values[m[0]] for m in members])
                    )
        return cls(ids, members, group_tasks)

    def aggregate(self, representation: Representation) -> Representation:
        """Permutation-invariant group embedding per frame: ``[mean, max - min]`` over members."""
        out = []
        for m in self.members:
            stack = np.stack([representation[i] for i in m])
            out.append(
                np.concatenate([stack.mean(axis=0), stack.max(axis=0) - stack.min(axis=0)], axis=1)
            )
        return out


def _same_labels(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two ``(T,)`` frame labels are equal; NaN equals NaN (unlabelled floats).

    Text (``""`` = unlabelled), integers and booleans are compared as they are (``equal_nan``
    would call ``np.isnan``, which text does not support).
    """
    a, b = np.asarray(a), np.asarray(b)
    floats = a.dtype.kind in "fc" and b.dtype.kind in "fc"
    return bool(np.array_equal(a, b, equal_nan=floats))
