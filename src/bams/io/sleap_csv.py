"""SLEAP analysis CSV files: the layout SLEAP exports, read without ``movement`` (which has none).

One row per instance::

    track,frame_idx,instance.score,<name>.x,<name>.y,<name>.score,...

for one track (its ``track`` column may be empty), with frame numbers that skip the frames
without an instance. :class:`ValidSleapAnalysisCSV` checks the
header the way ``movement``'s file validators do, so that :mod:`bams.io.pose_formats` detects
these files like any other format; :func:`read_sleap_analysis_csv` reads them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import numpy as np

_COLUMNS = ("track", "frame_idx", "instance.score")
_PER_KEYPOINT = ("x", "y", "score")


class ValidSleapAnalysisCSV:
    """Validates the header of a SLEAP analysis ``.csv`` file, like ``movement``'s validators.

    Parameters
    ----------
    file
        Path to the ``.csv`` file.

    Attributes
    ----------
    suffixes
        The file suffixes accepted: ``{".csv"}``.
    file
        The file, as a :class:`~pathlib.Path`.
    keypoints
        The keypoint names, in the order of the header.

    Raises
    ------
    ValueError
        If the header does not have the SLEAP layout.
    OSError
        If the file cannot be read.
    """

    suffixes: ClassVar[set[str]] = {".csv"}

    def __init__(self, file: str | os.PathLike) -> None:
        self.file = Path(file)
        with self.file.open() as handle:
            header = handle.readline().strip().split(",")
        body = header[len(_COLUMNS) :]
        names = [c[: -len(".x")] for c in body[0::3]]
        expected = [f"{n}.{k}" for n in names for k in _PER_KEYPOINT]
        if header[: len(_COLUMNS)] != list(_COLUMNS) or body != expected:
            raise ValueError(
                "Expected a SLEAP CSV header 'track,frame_idx,instance.score,<name>.x,<name>.y,"
                f"<name>.score,...' in {str(self.file)!r}, but got {','.join(header[:6])}..."
            )
        self.keypoints = names


def read_sleap_analysis_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read a SLEAP analysis CSV (``track, frame_idx, instance.score, <name>.x/.y/.score``).

    Parameters
    ----------
    path
        The ``.csv`` file.

    Returns
    -------
    keypoints : np.ndarray
        ``(T, K, 2)`` float64 positions, one row per frame from 0 to the last ``frame_idx``;
        NaN for frames without a row.
    scores : np.ndarray
        ``(T, K)`` keypoint scores (NaN where missing).
    names : list of str
        The ``K`` keypoint names.

    Raises
    ------
    ValueError
        If the header does not have the SLEAP layout or the file holds several tracks.
    """
    path = Path(path)
    names = ValidSleapAnalysisCSV(path).keypoints
    table = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=np.float64, ndmin=2)
    tracks = np.unique(table[:, 0][~np.isnan(table[:, 0])])
    if len(tracks) > 1:
        raise ValueError(f"Expected one track in {str(path)!r}, but got {len(tracks)}.")
    frames = table[:, 1].astype(np.int64)
    values = table[:, 3:].reshape(len(table), len(names), 3)
    keypoints = np.full((frames.max() + 1, len(names), 2), np.nan)
    scores = np.full((frames.max() + 1, len(names)), np.nan)
    keypoints[frames] = values[:, :, :2]
    scores[frames] = values[:, :, 2]
    return keypoints, scores, names
