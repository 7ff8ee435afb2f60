"""Small files in the exact layout of the real data files (the layout, never the data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def _write_larva_csv(path: Path, midline_head_first: np.ndarray, start: int = 1, collisions=()):
    """A Schleyer-lab larva CSV: no header, 78 whitespace-padded columns, blanks when missing.

    Columns: step; 12 midline x, y pairs from the tail to the head; 22 contour x, y pairs;
    centroid x, y (y negated, as in the real files); blob_orientation, area, grey_value,
    raw_spinelength, width, perimeter, collision_flag. Frames in ``collisions`` get flag 2
    and blank blob measures, as the tracker writes them.
    """
    rows = []
    for t, points in enumerate(midline_head_first):
        tail_first = points[::-1]
        contour = np.concatenate([tail_first, tail_first[-2:0:-1] + [0.1, 0.0]])[:22]
        centroid = points.mean(axis=0) * [1, -1]
        fields = [f"{start + t:<4d}"]
        fields += [f"{v:<9.6g}" for v in tail_first.reshape(-1)]
        fields += [f"{v:<9.6g}" for v in contour.reshape(-1)]
        fields += [f"{v:<9.6g}" for v in centroid]
        if t in collisions:
            fields += [" " * 10, "   ", "      ", "       ", "       ", "       ", "2"]
        else:
            fields += ["-0.92774  ", "395", "86302", "45.2288", "11.1448", "107.296", "0"]
        rows.append(",".join(fields))
    path.write_text("\n".join(rows) + "\n")
    return path


def _straight_larva(n_frames: int, speed: float = 0.0, length: float = 3.3, angle: float = 0.0):
    """``(T, 12, 2)`` straight midline, head first, heading ``angle``, moving forward."""
    direction = np.array([np.cos(angle), np.sin(angle)])
    offsets = -np.linspace(0, length, 12)[:, None] * direction  # head at 0, tail behind
    centre = np.arange(n_frames)[:, None] * speed * direction
    return centre[:, None, :] + offsets[None]


def _bent_larva(n_frames: int, bend_degrees: float, length: float = 3.3) -> np.ndarray:
    """``(T, 12, 2)`` static midline: rear half along +x, front half turned by the bend."""
    step = length / 11
    rear_dir = np.array([1.0, 0.0])
    front_dir = np.array([np.cos(np.radians(bend_degrees)), np.sin(np.radians(bend_degrees))])
    tail_first = [np.zeros(2)]
    for i in range(11):
        tail_first.append(tail_first[-1] + step * (rear_dir if i < 6 else front_dir))
    points = np.array(tail_first)[::-1]
    return np.repeat(points[None], n_frames, axis=0)


@pytest.fixture
def write_larva_csv():
    """Writes a larva CSV in the real files' layout: ``(path, midline_head_first, ...)``."""
    return _write_larva_csv


@pytest.fixture
def straight_larva():
    """Makes a straight ``(T, 12, 2)`` midline: ``(n_frames, speed, length, angle)``."""
    return _straight_larva


@pytest.fixture
def bent_larva():
    """Makes a static bent ``(T, 12, 2)`` midline: ``(n_frames, bend_degrees, length)``."""
    return _bent_larva
