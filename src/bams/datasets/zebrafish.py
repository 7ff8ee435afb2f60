"""Zebrafish larvae: the SLEAP and DeepLabCut example recordings that megabouts ships.

Read at run time from the installed package, never copied::

    pip install --no-deps megabouts==0.1.2

**License: megabouts and its example data are for non-commercial research use only.**

Two pose recordings (``megabouts/tracking_data/example_dataset/``):

- ``sleap``: ``example_fulltracking_SLEAP_350fps.csv``, one freely swimming larva at 350 fps,
  149,803 rows with frame numbers 0-149,999 (missing frames become NaN rows here), 7
  keypoints (``left_eye``, ``right_eye``, ``tail0`` ... ``tail4``) with ``.x``, ``.y``,
  ``.score`` columns, in pixels of 0.025 mm;
- ``dlc``: ``example_headrestrained_DLC_250fps.csv``, one head-restrained larva at 250 fps,
  69,997 frames, 13 keypoints (``head_rostral``, ``head_caudal``, ``tail0`` ... ``tail10``),
  DeepLabCut's 3-line header (scorer, bodyparts, coords ``x, y, likelihood``), in pixels of
  0.01578 mm.

No behavior labels ship with them. Both files are read by the pose readers of
:mod:`bams.io.pose_formats` (formats ``"SLEAP CSV"`` and ``"DeepLabCut"``; the DeepLabCut file is
read through ``movement``: ``pip install "bams[pose]"``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.datasets._package import package_data, package_folder
from bams.features.egocentric import egocentric_features
from bams.features.kinematics import backward_difference, wrap_angle
from bams.io.pose_formats import read_keypoints

PACKAGE = "megabouts"
DATA_FOLDER = "tracking_data/example_dataset"
INSTALL = "pip install --no-deps megabouts==0.1.2"


@dataclass(frozen=True)
class _Source:
    file: str
    software: str  # the registered pose format that reads the file
    layout: str  # what the file is, for error messages
    frame_rate: float
    mm_per_unit: float
    origin: tuple[str, ...]
    heading: tuple[str, str]
    free: bool  # the fish swims (else its head is held: no centre movement features)
    # keypoints added in front, each the mean of others: (name, (of, ...))
    means: tuple[tuple[str, tuple[str, ...]], ...] = ()


SOURCES = {
    "sleap": _Source(
        "example_fulltracking_SLEAP_350fps.csv",
        "SLEAP CSV",
        "SLEAP analysis CSV",
        350.0,
        0.025,
        origin=("mid_eye", "tail0"),
        heading=("tail0", "mid_eye"),
        free=True,
        means=(("mid_eye", ("left_eye", "right_eye")),),
    ),
    "dlc": _Source(
        "example_headrestrained_DLC_250fps.csv",
        "DeepLabCut",
        "DeepLabCut CSV",
        250.0,
        0.01578,
        origin=("head_rostral", "head_caudal"),
        heading=("head_caudal", "head_rostral"),
        free=False,
    ),
}


def zebrafish_available() -> bool:
    """Whether the installed megabouts package ships the example recordings."""
    folder = package_folder(PACKAGE)
    return folder is not None and all(
        (folder / DATA_FOLDER / s.file).is_file() for s in SOURCES.values()
    )


def load_zebrafish(
    kind: str = "sleap",
    *,
    path: str | os.PathLike | None = None,
    min_score: float = 0.0,
    step: int = 1,
    segment_length: int | None = None,
) -> Recordings:
    """A megabouts example recording as egocentric keypoint features, in mm.

    Parameters
    ----------
    kind
        ``"sleap"`` (free swimming, 350 fps) or ``"dlc"`` (head-restrained, 250 fps).
    path
        The CSV file (default: the one in the installed megabouts package).
    min_score
        Keypoints with a SLEAP score or DeepLabCut likelihood below this are missing.
    step
        Keep every ``step``-th frame (the frame rate is divided accordingly).
    segment_length
        Cut the recording into consecutive recordings of this many frames (after ``step``;
        the remainder is dropped); ``None`` keeps one recording.

    Returns
    -------
    Recordings
        Egocentric features (:func:`~bams.features.egocentric.egocentric_features`, position
        and heading left out) plus ``tail_angle`` (rad: direction of the body axis minus that
        of the last tail segment, pointing forward). Actions: ``tail_angle_rate`` and, for the
        free-swimming ``sleap`` fish, the centre's speed, forward and lateral velocity and
        turning rate (the head-restrained ``dlc`` fish has no centre movement, so those are
        left out). SLEAP adds a ``mid_eye`` keypoint (mean of the eyes); the body axis runs
        from ``tail0`` to it. DeepLabCut's axis runs from ``head_caudal`` to
        ``head_rostral``. No labels.

    Raises
    ------
    ValueError
        If ``kind``, ``step`` or ``segment_length`` is invalid, or if the file is not the
        kind's CSV of one fish's 2-D keypoints.
    FileNotFoundError
        If the file does not exist.
    ImportError
        If ``path`` is ``None`` and megabouts is not installed, or if ``kind`` is ``"dlc"``
        and movement is not installed (``pip install "bams[pose]"``).
    """
    source = _source(kind, step, segment_length)
    path = Path(path) if path is not None else package_data(PACKAGE, DATA_FOLDER, INSTALL)
    if path.is_dir():
        path = path / source.file
    keypoints, names = _read_fish(path, source, min_score)
    values, feature_names, actions = _fish_features(keypoints[::step], names, source, step)
    sequences, ids = _segments(values, kind, segment_length)
    return Recordings(
        sequences,
        feature_names=feature_names,
        actions=actions,
        frame_rate=source.frame_rate / step,
        ids=ids,
    )


def _source(kind: str, step: int, segment_length: int | None) -> _Source:
    """The source of ``kind``, once the arguments are checked."""
    if kind not in SOURCES:
        raise ValueError(f"Expected kind among {sorted(SOURCES)}, but got {kind!r}.")
    if step < 1 or (segment_length is not None and segment_length < 1):
        raise ValueError(
            f"Expected step >= 1 and segment_length >= 1 or None, but got {step} and "
            f"{segment_length}."
        )
    return SOURCES[kind]


def _read_fish(path: Path, source: _Source, min_score: float) -> tuple[np.ndarray, list[str]]:
    """``(T, K, 2)`` keypoints in mm (scored below ``min_score``: NaN) and their names."""
    try:
        keypoints, scores, names = read_keypoints(path, source.software)
        if keypoints.shape[-1] != 2:
            raise ValueError(f"got {keypoints.shape[-1]}-D keypoints")
    except ValueError as err:
        raise ValueError(
            f"Expected a {source.layout} of one fish's 2-D keypoints in {str(path)!r}: {err}"
        ) from err
    keypoints = keypoints * source.mm_per_unit
    keypoints[~(scores >= min_score)] = np.nan
    for name, of in source.means:
        points = [names.index(n) for n in of]
        keypoints = np.concatenate([keypoints[:, points].mean(axis=1, keepdims=True), keypoints], 1)
        names = [name, *names]
    return keypoints, names


def _segments(
    values: np.ndarray, kind: str, segment_length: int | None
) -> tuple[list[np.ndarray], list[str]]:
    """Consecutive recordings of ``segment_length`` frames (None: one) and their ids."""
    if segment_length is None:
        return [values], [kind]
    n = len(values) // segment_length
    if n == 0:
        raise ValueError(
            f"Expected segment_length <= {len(values)} frames, but got {segment_length}."
        )
    sequences = [values[i * segment_length : (i + 1) * segment_length] for i in range(n)]
    return sequences, [f"{kind}/{i}" for i in range(n)]


def _fish_features(
    keypoints: np.ndarray, names: list[str], source: _Source, step: int
) -> tuple[np.ndarray, list[str], list[str]]:
    """``(T, F)`` features, their names and the actions of one fish (see load_zebrafish)."""
    frame_rate = source.frame_rate / step
    ego = egocentric_features(
        keypoints,
        names,
        frame_rate=frame_rate,
        origin=source.origin,
        heading=source.heading,
        include_position=False,
        zero_is_missing=False,
    )
    movement = list(ego.actions) if source.free else []
    keep = [
        n
        for n in ego.names
        if not n.startswith("heading_") and (n in movement or n not in ego.actions)
    ]
    tail = [names.index(n) for n in names if n.startswith("tail")]
    axis = (
        keypoints[:, names.index(source.heading[1])] - keypoints[:, names.index(source.heading[0])]
    )
    tip = keypoints[:, tail[-2]] - keypoints[:, tail[-1]]
    tail_angle = wrap_angle(np.arctan2(axis[:, 1], axis[:, 0]) - np.arctan2(tip[:, 1], tip[:, 0]))
    columns = [ego.values[:, ego.names.index(n)] for n in keep]
    columns += [tail_angle, backward_difference(tail_angle, frame_rate)]
    feature_names = [*keep, "tail_angle", "tail_angle_rate"]
    actions = [*movement, "tail_angle_rate"]
    return np.stack(columns, axis=1).astype(np.float32), feature_names, actions
