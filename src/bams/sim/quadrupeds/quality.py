"""How good a simulated quadruped dataset is: speed tracking, where robots fail, class balance.

Computed from a dataset's recordings and its attempts table (``FILE.attempts.csv``, see
:func:`bams.sim.quadrupeds.storage.read_attempts`).
"""

from __future__ import annotations

import numpy as np

from bams.data import Recordings
from bams.sim.quadrupeds.terrain import TERRAIN_TYPES

__all__ = ["DIFFICULTY_BINS", "segment_survival", "speed_tracking", "class_balance"]

DIFFICULTY_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Edges of the difficulty bins of :func:`segment_survival`."""


def speed_tracking(table: dict[str, np.ndarray]) -> list[dict]:
    """Achieved versus commanded forward speed of the kept trajectories, per robot type.

    Parameters
    ----------
    table
        The attempts table.

    Returns
    -------
    list of dict
        Per robot type: ``robot_type``, ``n``, ``mean_error`` (achieved - commanded, m/s),
        ``mean_abs_error``, ``max_abs_error``, ``relative_error`` (mean of |error| /
        commanded) and ``r2`` (of achieved against commanded, the identity as the model).
    """
    kept = table["success"].astype(bool)
    rows = []
    for robot in sorted(set(table["robot_type"][kept].tolist())):
        mask = kept & (table["robot_type"] == robot)
        command, achieved = table["command_speed"][mask], table["achieved_speed"][mask]
        error = achieved - command
        total = np.sum((achieved - achieved.mean()) ** 2)
        rows.append(
            {
                "robot_type": robot,
                "n": int(mask.sum()),
                "mean_error": float(error.mean()),
                "mean_abs_error": float(np.abs(error).mean()),
                "max_abs_error": float(np.abs(error).max()),
                "relative_error": float(np.mean(np.abs(error) / command)),
                "r2": float(1 - np.sum(error**2) / total) if total > 0 else float("nan"),
            }
        )
    return rows


def segment_survival(
    table: dict[str, np.ndarray], bins: tuple[float, ...] = DIFFICULTY_BINS
) -> list[dict]:
    """Share of terrain segments crossed without falling, per type and difficulty bin.

    A trajectory enters segments ``1 .. end_segment``; a failed one failed in its last. Flat
    segments are one row whatever their drawn difficulty (their label is 0).

    Parameters
    ----------
    table
        The attempts table.
    bins
        Edges of the difficulty bins (the last bin includes its upper edge).

    Returns
    -------
    list of dict
        ``terrain_type``, ``difficulty`` (``"lo-hi"``, or ``"any"`` for flat), ``entered``,
        ``failed`` and ``survival`` (``1 - failed / entered``; NaN when none entered).
    """
    n_segments = sum(1 for key in table if key.endswith("_type") and key.startswith("segment"))
    end, failed = table["end_segment"], ~table["success"].astype(bool)
    # Failures that are not falls ("progress": too slow) have no place on the terrain.
    fell = failed & (table["reason"] != "progress")
    counts: dict[tuple[str, int], list[int]] = {}
    for k in range(1, n_segments + 1):
        kinds = table[f"segment{k}_type"]
        level = np.digitize(table[f"segment{k}_difficulty"], bins[1:-1])
        entered = end >= k
        for kind, b, here, fall in zip(kinds, level, entered, fell & (end == k), strict=True):
            if not here:
                continue
            key = (str(kind), -1 if kind == "flat" else int(b))
            entry = counts.setdefault(key, [0, 0])
            entry[0] += 1
            entry[1] += int(fall)
    rows = []
    for kind in TERRAIN_TYPES:
        levels = [-1] if kind == "flat" else list(range(len(bins) - 1))
        for b in levels:
            entered, n_failed = counts.get((kind, b), [0, 0])
            rows.append(
                {
                    "terrain_type": kind,
                    "difficulty": "any" if b < 0 else f"{bins[b]:.2f}-{bins[b + 1]:.2f}",
                    "entered": entered,
                    "failed": n_failed,
                    "survival": 1 - n_failed / entered if entered else float("nan"),
                }
            )
    return rows


def class_balance(data: Recordings) -> dict[str, dict[str, float]]:
    """Balance of the labels of the kept trajectories.

    Returns
    -------
    dict
        ``robot_type``: share of trajectories per type; ``terrain_type``: share of frames per
        type; ``command_speed`` and ``body_mass``: min, mean and max.
    """
    robots = np.asarray(data.sequence_labels["robot_type"])
    terrain = np.concatenate(data.frame_labels["terrain_type"])
    out: dict[str, dict[str, float]] = {
        "robot_type": {r: float(np.mean(robots == r)) for r in sorted(set(robots.tolist()))},
        "terrain_type": {t: float(np.mean(terrain == t)) for t in TERRAIN_TYPES},
    }
    for name in ("command_speed", "body_mass"):
        values = np.asarray(data.sequence_labels[name], dtype=float)
        out[name] = {"min": values.min(), "mean": values.mean(), "max": values.max()}
    return out
