"""Drosophila larvae exploring a dish: the Schleyer-lab tracks that larvaworld ships.

38 larvae tracked in two dishes (``dish01``: 18, ``dish02``: 20) at 16 frames per second,
in millimetres, 717 to 2,880 frames each (61,399 in all). The files come with the
``larvaworld`` package (MIT license; data from the Schleyer group, https://doi.gin.g-node.org/
10.12751/g-node.5e1ifd/), read at run time from the installed package, never copied::

    pip install --no-deps larvaworld==2.5.1

``--no-deps`` is enough: the files are read directly, larvaworld is never imported.

Each file has no header and 78 comma-separated columns per frame (whitespace-padded; blank
fields are missing values): ``step``; the 12 midline points as ``x, y`` pairs **from the tail
to the head** (checked here: the centre moves towards the last point in 84% of frames, and
the dataset's description says so); the 22 contour points as ``x, y``; the centroid ``x, y``
(its ``y`` has the opposite sign of the midline's in these files, so it is not used); then
``blob_orientation, area, grey_value, raw_spinelength, width, perimeter, collision_flag``.
Frames with a non-zero ``collision_flag`` (3.6%; the tracker interpolated a straight
midline there) are treated as missing by default, as larvaworld's own preprocessing does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.datasets._package import package_data, package_folder
from bams.datasets.larva_states import StateRules, derive_states
from bams.features.egocentric import egocentric_features
from bams.features.kinematics import backward_difference
from bams.features.midline import bend_angle, spine_length

FRAME_RATE = 16.0
DISHES = ("dish01", "dish02")
N_MIDLINE, N_CONTOUR = 12, 22
N_COLUMNS = 1 + 2 * N_MIDLINE + 2 * N_CONTOUR + 2 + 7
MIDLINE_NAMES = ("head", *(f"mid{i}" for i in range(1, N_MIDLINE - 1)), "tail")
ACTIONS = (
    "speed",
    "forward_velocity",
    "lateral_velocity",
    "turning_rate",
    "bend_rate",
    "spine_length_rate",
)
PACKAGE = "larvaworld"
DATA_FOLDER = "data/SchleyerGroup/raw/exploration"
INSTALL = "pip install --no-deps larvaworld==2.5.1"


@dataclass
class LarvaTrack:
    """One larva's track as stored in a Schleyer-lab CSV file.

    Attributes
    ----------
    steps
        ``(T,)`` frame numbers of the recording (consecutive).
    midline
        ``(T, 12, 2)`` midline points in mm, **head first** (reversed from the file).
    contour
        ``(T, 22, 2)`` contour points in mm.
    collision
        ``(T,)`` the tracker's collision flag (0 = clean frame).
    """

    steps: np.ndarray
    midline: np.ndarray
    contour: np.ndarray
    collision: np.ndarray


def read_track(path: str | os.PathLike, *, drop_collisions: bool = True) -> LarvaTrack:
    """Read one Schleyer-lab larva CSV file (see the module's description of the columns).

    Parameters
    ----------
    path
        The ``.csv`` file.
    drop_collisions
        Set the midline and contour of frames with a non-zero collision flag to NaN.

    Returns
    -------
    LarvaTrack
        The track, midline head first.

    Raises
    ------
    ValueError
        If the file does not have 78 numeric columns or its steps are not consecutive.
    """
    path = Path(path)
    table = np.genfromtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    if table.ndim != 2 or table.shape[1] != N_COLUMNS or len(table) == 0:
        raise ValueError(
            f"Expected {N_COLUMNS} comma-separated columns per row (step, 12 midline points, "
            f"22 contour points, centroid, 7 blob measures) in {str(path)!r}, "
            f"but got shape {table.shape}."
        )
    steps = table[:, 0]
    if np.isnan(steps).any() or (len(steps) > 1 and not np.all(np.diff(steps) == 1)):
        raise ValueError(
            f"Expected consecutive integer steps in the first column of {str(path)!r}, "
            f"but got {steps[:5].tolist()}..."
        )
    midline = table[:, 1 : 1 + 2 * N_MIDLINE].reshape(-1, N_MIDLINE, 2)[:, ::-1].copy()
    start = 1 + 2 * N_MIDLINE
    contour = table[:, start : start + 2 * N_CONTOUR].reshape(-1, N_CONTOUR, 2).copy()
    collision = np.nan_to_num(table[:, -1], nan=1.0).astype(np.int64)
    if drop_collisions:
        midline[collision != 0] = np.nan
        contour[collision != 0] = np.nan
    return LarvaTrack(steps.astype(np.int64), midline, contour, collision)


def larvae_root(root: str | os.PathLike | None = None) -> Path:
    """The folder holding ``dish01`` and ``dish02``: ``root``, or the installed larvaworld's.

    Raises
    ------
    ImportError
        If ``root`` is ``None`` and larvaworld is not installed.
    FileNotFoundError
        If the folder does not exist.
    """
    if root is not None:
        root = Path(root)
        if not root.is_dir():
            raise FileNotFoundError(
                f"Expected a folder with the dish folders, but {str(root)!r} does not exist."
            )
        return root
    return package_data(PACKAGE, DATA_FOLDER, INSTALL)


def larvae_available() -> bool:
    """Whether the installed larvaworld package ships the larva tracks."""
    folder = package_folder(PACKAGE)
    return folder is not None and all((folder / DATA_FOLDER / d).is_dir() for d in DISHES)


def midline_features(midline: np.ndarray, frame_rate: float = FRAME_RATE):
    """Egocentric midline, bend and spine length, and six movement actions of one larva.

    Parameters
    ----------
    midline
        ``(T, 12, 2)`` points in mm, head first, NaN where missing.
    frame_rate
        Frames per second.

    Returns
    -------
    bams.features.egocentric.EgocentricFeatures
        ``(T, 32)`` values: each midline point in the body frame (origin at the mean of the
        12 points, x along the tail-to-head axis, mm: 24 features), ``bend`` (rad),
        ``spine_length`` (mm), and the actions :data:`ACTIONS` (centre speed, forward and
        lateral velocity in mm/s, turning rate of the axis, bend rate in rad/s, rate of change
        of the spine length in mm/s: peristalsis). Position and heading in the dish are left
        out: they say where a larva is, not how it behaves.

    Raises
    ------
    ValueError
        If ``midline`` is not ``(T, 12, 2)``.
    """
    midline = np.asarray(midline, dtype=np.float64)
    if midline.ndim != 3 or midline.shape[1:] != (N_MIDLINE, 2):
        raise ValueError(
            f"Expected a midline of shape (T, {N_MIDLINE}, 2), but got {midline.shape}."
        )
    ego = egocentric_features(
        midline,
        MIDLINE_NAMES,
        frame_rate=frame_rate,
        heading=("tail", "head"),
        include_position=False,
        zero_is_missing=False,
    )
    keep = [i for i, name in enumerate(ego.names) if not name.startswith("heading_")]
    points = [ego.names[i] for i in keep if ego.names[i] not in ego.actions]
    columns = {name: ego.values[:, ego.names.index(name)] for name in points}
    bend, length = bend_angle(midline), spine_length(midline)
    columns["bend"], columns["spine_length"] = bend, length
    for name in ego.actions:
        columns[name] = ego.values[:, ego.names.index(name)]
    columns["bend_rate"] = backward_difference(bend, frame_rate)
    columns["spine_length_rate"] = backward_difference(length, frame_rate)
    names = list(columns)
    values = np.stack([columns[n] for n in names], axis=1).astype(np.float32)
    return type(ego)(values, names, list(ACTIONS))


def load_larvae(
    root: str | os.PathLike | None = None,
    *,
    dishes: tuple[str, ...] = DISHES,
    drop_collisions: bool = True,
    rules: StateRules | None = None,
) -> Recordings:
    """One recording per larva track, with its identity, its dish and derived states.

    Parameters
    ----------
    root
        Folder with the dish folders of ``*.csv`` tracks (default: the installed larvaworld
        package's ``data/SchleyerGroup/raw/exploration``).
    dishes
        Which dish folders to read.
    drop_collisions
        Treat frames with a tracker collision flag as missing.
    rules
        Rules of the derived crawl / turn / pause states (default
        :class:`~bams.datasets.larva_states.StateRules`).

    Returns
    -------
    Recordings
        38 recordings (ids ``"dish01/10"``, ...) of the 32 features of
        :func:`midline_features` at 16 fps, the 6 actions, sequence labels ``larva`` (the id;
        for re-identification, not for readouts split by larva) and ``dish``, and the frame
        label ``state`` (``"crawl"``, ``"turn"``, ``"pause"``; ``""`` where unlabeled). The
        states are **derived** from the midline by the rules of
        :mod:`bams.datasets.larva_states`, not annotated.

    Raises
    ------
    ImportError
        If ``root`` is ``None`` and larvaworld is not installed.
    FileNotFoundError
        If a dish folder is missing or holds no ``.csv`` file.

    Examples
    --------
    >>> data = load_larvae()  # doctest: +SKIP
    >>> len(data), data.frame_rate, sorted(set(data.sequence_labels["dish"]))  # doctest: +SKIP
    (38, 16.0, ['dish01', 'dish02'])
    """
    folder = larvae_root(root)
    sequences, ids, dish_of, states = [], [], [], []
    names: list[str] = []
    for dish in dishes:
        files = sorted((folder / dish).glob("*.csv"), key=_numeric_stem)
        if not files:
            raise FileNotFoundError(
                f"Expected *.csv larva tracks in {str(folder / dish)!r}, but found none."
            )
        for path in files:
            track = read_track(path, drop_collisions=drop_collisions)
            features = midline_features(track.midline, FRAME_RATE)
            names = features.names
            sequences.append(features.values)
            ids.append(f"{dish}/{path.stem}")
            dish_of.append(dish)
            states.append(derive_states(track.midline, FRAME_RATE, rules))
    return Recordings(
        sequences,
        feature_names=names,
        actions=ACTIONS,
        frame_rate=FRAME_RATE,
        ids=ids,
        frame_labels={"state": states},
        sequence_labels={"larva": np.array(ids), "dish": np.array(dish_of)},
    )


def _numeric_stem(path: Path) -> tuple[int, str]:
    return (int(path.stem), "") if path.stem.isdigit() else (0, path.stem)
