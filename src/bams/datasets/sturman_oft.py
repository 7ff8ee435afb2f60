"""Mice in an open field scored by three raters (Sturman et al. 2020): rearing and grooming.

The data set of Sturman, von Ziegler et al. (2020, *Neuropsychopharmacology*, "Deep learning
based behavioral analysis enables high precision rodent tracking and is capable of outperforming
commercial solutions") is AGPL-3.0 licensed: it is read in place, never copied into this
repository. A folder holds, per video, a DeepLabCut table ``{video}DLC.csv`` (25 frames per
second; 13 mouse keypoints and the 5 arena points ``tl, tr, bl, br, centre``) and an event
table ``{video}_labels.csv`` with the events that three raters scored on the whole video.

**Event tables** (``{video}_labels.csv``): comma-separated, one header line, one row per event;
the first column is an unnamed row index. Columns used here:

- ``Experimenter``: the rater (``Jin``, ``Furkan``, ``Oliver`` in the published files);
- ``from``, ``to``: start and end of the event in seconds from the start of the video
  (``from <= to``);
- ``type``: ``Supported`` (supported rearing, against a wall), ``Unsupported`` (unsupported
  rearing, free-standing), ``Grooming``, or a marker of the scored span, written
  ``Start/End``, ``StartEnd``, ``Start`` or ``End`` (spellings differ between raters). Other
  types (``_DEFAULT``, a one-second placeholder some raters left) are ignored.

Other columns (``file``, ``ID``, ``DLCFile``) are kept by :func:`read_sturman_events` and not
used. **Scored span** of a rater: from the earliest ``from`` of its markers to the latest
``to`` of its markers when it has two or more (the markers open and close the ~10 min test);
from its only marker's ``from`` to the end of the recording when it has one; the whole
recording when it has none. Frame ``t`` is at time ``t / frame_rate``; it belongs to an event
when ``from <= t / frame_rate < to`` and is scored when its time is inside the span.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bams.data import Recordings

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ARENA_KEYPOINTS",
    "BEHAVIORS",
    "FRAME_RATE",
    "MARKER_TYPES",
    "count_events",
    "load_sturman_poses",
    "rater_frame_labels",
    "read_sturman_events",
    "scored_frames",
    "video_name",
]

FRAME_RATE = 25.0
ARENA_KEYPOINTS = ("tl", "tr", "bl", "br", "centre")
BEHAVIORS = {
    "Supported": "supported_rearing",
    "Unsupported": "unsupported_rearing",
    "Grooming": "grooming",
}
"""Event ``type`` -> behavior name used in the frame labels."""
MARKER_TYPES = ("Start/End", "StartEnd", "Start", "End")
"""Event types that mark the start or the end of the scored span."""
REQUIRED_COLUMNS = ("Experimenter", "from", "to", "type")


def read_sturman_events(path: str | Path) -> pd.DataFrame:
    """Read one event table (``{video}_labels.csv``) of the Sturman open-field data set.

    Parameters
    ----------
    path
        The CSV file (layout in the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per event, in the file's order, with at least the columns ``Experimenter``
        (str), ``from``, ``to`` (float seconds) and ``type`` (str, stripped); the file's other
        columns are kept.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If a required column is missing, a time is not a finite number, or ``from > to``.
    ImportError
        If pandas is not installed.
    """
    try:
        import pandas as pd
    except ImportError as err:
        raise ImportError(
            "Expected pandas for reading event tables, but it is not installed: "
            "pip install 'bams[discovery]'"
        ) from err
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Expected an event table, but got no file at {path}.")
    table = pd.read_csv(path, index_col=0)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"Expected columns {list(REQUIRED_COLUMNS)} in {path.name}, but got "
            f"{list(table.columns)} (missing {missing})."
        )
    table = table.reset_index(drop=True)
    for column in ("from", "to"):
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=np.float64)
        if not np.isfinite(values).all():
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ValueError(
                f"Expected finite times in column {column!r} of {path.name}, but got "
                f"{table[column].iloc[bad]!r} in row {bad}."
            )
        table[column] = values
    backwards = np.flatnonzero(table["from"].to_numpy() > table["to"].to_numpy())
    if len(backwards):
        row = int(backwards[0])
        raise ValueError(
            f"Expected from <= to in {path.name}, but got from {table['from'].iloc[row]} > "
            f"to {table['to'].iloc[row]} in row {row}."
        )
    table["Experimenter"] = table["Experimenter"].astype(str).str.strip()
    table["type"] = table["type"].astype(str).str.strip()
    return table


def scored_frames(events: pd.DataFrame, n_frames: int, frame_rate: float) -> dict[str, np.ndarray]:
    """The frames inside each rater's scored span (see the module docstring).

    Parameters
    ----------
    events
        A table from :func:`read_sturman_events`.
    n_frames
        Frames of the recording the labels are for (from time 0).
    frame_rate
        Frames per second.

    Returns
    -------
    dict
        ``{rater: bool array (n_frames,)}``, raters sorted by name.

    Raises
    ------
    ValueError
        If ``n_frames < 1`` or ``frame_rate <= 0``.
    """
    times = _frame_times(n_frames, frame_rate)
    spans = {}
    for rater in sorted(events["Experimenter"].unique()):
        own = events[events["Experimenter"] == rater]
        markers = own[own["type"].isin(MARKER_TYPES)]
        start, end = 0.0, np.inf
        if len(markers) >= 1:
            start = float(markers["from"].min())
        if len(markers) >= 2:
            end = float(markers["to"].max())
        spans[rater] = (times >= start) & (times <= end)
    return spans


def rater_frame_labels(
    events: pd.DataFrame, n_frames: int, frame_rate: float
) -> dict[str, dict[str, np.ndarray]]:
    """Per rater, one boolean frame label per behavior, restricted to the scored span.

    Parameters
    ----------
    events
        A table from :func:`read_sturman_events`.
    n_frames
        Frames of the recording (from time 0; events after its end are cut off).
    frame_rate
        Frames per second (25 for the published videos).

    Returns
    -------
    dict
        ``{rater: {behavior: bool array (n_frames,)}}`` with the behaviors of
        :data:`BEHAVIORS` (``supported_rearing``, ``unsupported_rearing``, ``grooming``; all
        three for every rater, all False when it scored none); frame ``t`` is True when
        ``from <= t / frame_rate < to`` for one of the rater's events of that behavior and the
        frame is in the rater's scored span (:func:`scored_frames`).

    Raises
    ------
    ValueError
        If ``n_frames < 1`` or ``frame_rate <= 0``.
    """
    times = _frame_times(n_frames, frame_rate)
    spans = scored_frames(events, n_frames, frame_rate)
    out: dict[str, dict[str, np.ndarray]] = {}
    for rater, span in spans.items():
        own = events[events["Experimenter"] == rater]
        labels = {}
        for kind, behavior in BEHAVIORS.items():
            mask = np.zeros(n_frames, dtype=bool)
            rows = own[own["type"] == kind]
            for start, end in zip(rows["from"], rows["to"], strict=True):
                mask |= (times >= start) & (times < end)
            labels[behavior] = mask & span
        out[rater] = labels
    return out


def load_sturman_poses(
    folder: str | Path, *, drop_arena: bool = True, min_likelihood: float | None = 0.5
) -> Recordings:
    """The DeepLabCut tables of ``folder`` as egocentric features (one recording per video).

    Reads every ``*DLC.csv`` with :func:`bams.io.load_poses` at 25 frames per second, the body
    centre as origin (``bodycentre``) and the default heading (tail base to nose).

    Parameters
    ----------
    folder
        The data set's folder.
    drop_arena
        Leave out the features of the 5 arena points (``tl, tr, bl, br, centre``): they do not
        move, so in body coordinates they only repeat the position and heading.
    min_likelihood
        Points below this DeepLabCut likelihood are missing.

    Returns
    -------
    Recordings
        Group (and id prefix) per video: the file stem, e.g. ``8_01_A_190507134142DLC``.

    Raises
    ------
    FileNotFoundError
        If ``folder`` does not exist.
    ImportError
        If movement is not installed (the ``pose`` extra).
    """
    from bams.io import load_poses

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Expected the Sturman open-field folder, but got {folder}.")
    data = load_poses(
        folder,
        frame_rate=FRAME_RATE,
        pattern="*DLC.csv",
        origin=["bodycentre"],
        min_likelihood=min_likelihood,
    )
    if not drop_arena:
        return data
    keep = [i for i, n in enumerate(data.feature_names) if not _is_arena(n)]
    names = [data.feature_names[i] for i in keep]
    return Recordings(
        [seq[:, keep] for seq in data.sequences],
        feature_names=names,
        actions=[a for a in data.actions if a in names],
        frame_rate=data.frame_rate,
        ids=list(data.ids),
        groups=None if data.groups is None else list(data.groups),
    )


def video_name(recording_id: str) -> str:
    """The video of a recording id: ``"8_01_A_190507134142DLC/individual_0"`` -> ``8_01_A_...``."""
    stem = recording_id.split("/")[0]
    return stem[: -len("DLC")] if stem.endswith("DLC") else stem


def _is_arena(feature: str) -> bool:
    """Whether ``feature`` (``{keypoint}_{coordinate}``) belongs to an arena point."""
    return feature.rsplit("_", 1)[0] in ARENA_KEYPOINTS


def _frame_times(n_frames: int, frame_rate: float) -> np.ndarray:
    if n_frames < 1:
        raise ValueError(f"Expected n_frames >= 1, but got {n_frames}.")
    if not frame_rate > 0:
        raise ValueError(f"Expected frame_rate > 0, but got {frame_rate}.")
    return np.arange(n_frames) / float(frame_rate)


def count_events(labels: Mapping[str, np.ndarray]) -> dict[str, int]:
    """Bouts (runs of True) of each behavior in ``{behavior: bool array}``."""
    return {
        name: int(np.sum(np.diff(np.r_[0, m.astype(np.int8)]) == 1)) for name, m in labels.items()
    }
