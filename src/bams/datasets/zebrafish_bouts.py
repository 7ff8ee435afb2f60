"""Swim-bout labels of the free-swimming zebrafish, from megabouts' own segmentation and classifier.

Runs megabouts' full-tracking pipeline (tail and trajectory preprocessing, tail-vigor
segmentation, the pretrained transformer bout classifier) on the SLEAP example recording that
:func:`~bams.datasets.zebrafish.load_zebrafish` reads, and labels every frame with the category of
the bout it lies in (``""`` outside bouts). Needs megabouts and the one dependency of its
pipeline that is not among ours (torch, scipy, pandas and scikit-learn are)::

    pip install --no-deps megabouts==0.1.2 pybaselines==1.2.1

**License: megabouts, its classifier weights and its example data are for non-commercial research
use only.** Nothing is cached: reading the file and running the pipeline take about 15 s on a
CPU.

Two departures from ``megabouts.pipeline.FullTrackingPipeline``, neither changing its results:

- its steps are called one by one (``megabouts.pipeline`` also imports the head-restrained
  pipeline, which needs sporco and pyFFTW);
- the tail keypoints are resampled to 11 points by a vectorised copy of
  ``megabouts.tracking_data.convert_tracking.interpolate_tail_keypoint`` (the same not-a-knot
  cubic spline along the tail's arc length, or straight lines for 2-3 points, up to the first
  missing keypoint, solved for all frames at once instead of one ``scipy`` ``interp1d`` a frame,
  which takes a minute; equal to megabouts' to 1e-13 mm).

Frames are those of :func:`~bams.datasets.zebrafish.load_zebrafish` (frames missing from the
CSV are NaN); the head is the eyes' midpoint, the tail runs from ``tail0`` to ``tail4``, in mm.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.datasets._package import package_data, package_folder
from bams.datasets.zebrafish import (
    DATA_FOLDER,
    PACKAGE,
    SOURCES,
    _read_fish,
    zebrafish_available,
)

INSTALL = "pip install --no-deps megabouts==0.1.2 pybaselines==1.2.1"

CATEGORIES = (
    "approach_swim",
    "slow1",
    "slow2",
    "short_capture_swim",
    "long_capture_swim",
    "burst_swim",
    "J_turn",
    "high_angle_turn",
    "routine_turn",
    "spot_avoidance_turn",
    "O_bend",
    "long_latency_C_start",
    "short_latency_C_start",
)
"""megabouts' 13 bout categories (``megabouts.utils.bouts_category_name``), by index."""

BOUT_LABEL = "bout"
"""Frame label of :func:`with_bout_labels`: the bout's category, ``""`` between bouts."""
MOVING_LABEL = "moving"
"""Frame label of :func:`with_bout_labels`: ``"bout"`` inside a bout, else ``"rest"``."""


@dataclass(frozen=True)
class BoutLabels:
    """The bouts megabouts finds in one recording, in frames of the original recording.

    Attributes
    ----------
    onset, offset
        First frame of each bout and the frame after its last one, shape ``(n_bouts,)``.
    category, sign, proba
        Category name (one of :data:`CATEGORIES`), direction (``1`` or ``-1``: megabouts'
        ``sign``) and classifier probability of each bout.
    n_frames, frame_rate
        Number of frames and frames per second of the recording.
    """

    onset: np.ndarray
    offset: np.ndarray
    category: np.ndarray
    sign: np.ndarray
    proba: np.ndarray
    n_frames: int
    frame_rate: float

    def labels(self, *, moving: bool = False) -> np.ndarray:
        """One text label per frame, shape ``(n_frames,)``.

        Parameters
        ----------
        moving
            ``False``: the bout's category and ``""`` between bouts; ``True``: ``"bout"`` and
            ``"rest"``.
        """
        values = np.full(self.n_frames, "rest" if moving else "", dtype=object)
        for on, off, cat in zip(self.onset, self.offset, self.category, strict=True):
            values[on:off] = "bout" if moving else cat
        return values.astype(str)

    def frame_labels(
        self, *, step: int = 1, segment_length: int | None = None, moving: bool = False
    ) -> list[np.ndarray]:
        """:meth:`labels` per recording of ``load_zebrafish(step=..., segment_length=...)``.

        Frame ``k`` of segment ``i`` is frame ``(i * segment_length + k) * step`` of the
        original recording and gets its label.

        Parameters
        ----------
        step, segment_length
            As given to :func:`~bams.datasets.zebrafish.load_zebrafish`.
        moving
            See :meth:`labels`.

        Returns
        -------
        list of np.ndarray
            One array of labels per recording.

        Raises
        ------
        ValueError
            If ``step`` or ``segment_length`` is invalid.
        """
        if step < 1 or (segment_length is not None and segment_length < 1):
            raise ValueError(
                f"Expected step >= 1 and segment_length >= 1 or None, but got {step} and "
                f"{segment_length}."
            )
        values = self.labels(moving=moving)[::step]
        if segment_length is None:
            return [values]
        if segment_length > len(values):
            raise ValueError(
                f"Expected segment_length <= {len(values)} frames, but got {segment_length}."
            )
        n = len(values) // segment_length
        return [values[i * segment_length : (i + 1) * segment_length] for i in range(n)]


def zebrafish_bouts_available() -> bool:
    """Whether megabouts (with its example recordings) and pybaselines are installed."""
    return zebrafish_available() and package_folder("pybaselines") is not None


def zebrafish_bouts(
    kind: str = "sleap",
    *,
    path: str | os.PathLike | None = None,
    min_score: float = 0.0,
    threshold: float = 50.0,
    exclude_capture: bool = False,
) -> BoutLabels:
    """Segment and classify the bouts of a megabouts example recording with megabouts.

    Parameters
    ----------
    kind
        ``"sleap"`` (the free-swimming fish; the head-restrained ``"dlc"`` fish has no
        trajectory, and megabouts classifies its bouts by sparse coding instead).
    path
        The CSV file (default: the one in the installed megabouts package).
    min_score
        Keypoints with a SLEAP score below this are missing (as in ``load_zebrafish``).
    threshold
        Tail-vigor threshold of the segmentation. 50 is the value of megabouts' full-tracking
        tutorial: 496 bouts in the 429 s of the SLEAP recording, 13% of its frames; megabouts'
        ``TailSegmentationConfig`` default, 100, finds only 79 (2%).
    exclude_capture
        Never assign the capture-swim categories (megabouts' ``exclude_CS``).

    Returns
    -------
    BoutLabels
        The bouts, in frames of the recording.

    Raises
    ------
    ValueError
        If ``kind`` is not ``"sleap"`` or the file is not a SLEAP analysis CSV.
    ImportError
        If megabouts or pybaselines is not installed.
    """
    if kind != "sleap":
        raise ValueError(f"Expected kind 'sleap' (the free-swimming fish), but got {kind!r}.")
    modules = _megabouts()
    source = SOURCES[kind]
    path = Path(path) if path is not None else package_data(PACKAGE, DATA_FOLDER, INSTALL)
    if path.is_dir():
        path = path / source.file
    keypoints, names = _read_fish(path, source, min_score)
    head = keypoints[:, names.index("mid_eye")]
    tail = keypoints[:, [names.index(f"tail{i}") for i in range(5)]]
    return _run_pipeline(modules, head, tail, source.frame_rate, threshold, exclude_capture)


def with_bout_labels(
    recordings: Recordings, bouts: BoutLabels | None = None, *, step: int | None = None
) -> Recordings:
    """``recordings`` of :func:`~bams.datasets.zebrafish.load_zebrafish` with bout labels.

    Adds the frame labels :data:`BOUT_LABEL` (category or ``""``) and :data:`MOVING_LABEL`
    (``"bout"`` or ``"rest"``). Segments are found from the ids (``"sleap"``: the whole
    recording; ``"sleap/i"``: the ``i``-th of equal segments).

    Parameters
    ----------
    recordings
        What ``load_zebrafish("sleap", step=..., segment_length=...)`` returned.
    bouts
        The bouts (default: ``zebrafish_bouts("sleap")``).
    step
        The ``step`` given to ``load_zebrafish`` (default: the bouts' frame rate divided by
        that of the recordings).

    Returns
    -------
    Recordings
        The same recordings, labels added.

    Raises
    ------
    ValueError
        If the recordings are not the segments of ``load_zebrafish`` at this ``step``.
    """
    bouts = zebrafish_bouts() if bouts is None else bouts
    if step is None:
        step = int(round(bouts.frame_rate / recordings.frame_rate))
    lengths = recordings.lengths
    segmented = recordings.ids != ["sleap"]
    segment_length = int(lengths[0]) if segmented and len(lengths) else None
    per_recording = {
        moving: bouts.frame_labels(step=step, segment_length=segment_length, moving=moving)
        for moving in (False, True)
    }
    expected = [f"sleap/{i}" for i in range(len(per_recording[False]))] if segmented else ["sleap"]
    got = [len(v) for v in per_recording[False]]
    if recordings.ids != expected or lengths.tolist() != got:
        raise ValueError(
            f"Expected the recordings of load_zebrafish('sleap', step={step}) (ids "
            f"{expected[:3]}..., lengths {got[:3]}...), but got ids {recordings.ids[:3]}... "
            f"and lengths {lengths[:3].tolist()}...."
        )
    labels = {**recordings.frame_labels, BOUT_LABEL: per_recording[False]}
    labels[MOVING_LABEL] = per_recording[True]
    return Recordings(
        recordings.sequences,
        feature_names=recordings.feature_names,
        actions=recordings.actions,
        frame_rate=recordings.frame_rate,
        ids=recordings.ids,
        groups=recordings.groups,
        frame_labels=labels,
        sequence_labels=recordings.sequence_labels,
        source=recordings.source,
    )


def _megabouts() -> dict:
    """The megabouts modules that the pipeline uses, by short name."""
    names = "tracking_data tracking_data.convert_tracking config preprocessing segmentation"
    try:
        modules = [importlib.import_module(f"megabouts.{n}") for n in names.split()]
        modules.append(importlib.import_module("megabouts.classification"))
        return {m.__name__.split(".")[-1]: m for m in modules}
    except ImportError as err:
        raise ImportError(f"Bout labels need megabouts and pybaselines: {INSTALL}") from err


def _run_pipeline(
    mb: dict,
    head: np.ndarray,
    tail: np.ndarray,
    frame_rate: float,
    threshold: float,
    exclude_capture: bool,
) -> BoutLabels:
    """What ``FullTrackingPipeline.run`` finds from ``(T, 2)`` head and ``(T, N, 2)`` tail (mm)."""
    tail_x, tail_y = _tail_keypoints(tail[..., 0], tail[..., 1])
    angle, yaw = mb["convert_tracking"].compute_angles_from_keypoints(
        head[:, 0], head[:, 1], tail_x, tail_y
    )
    data = mb["tracking_data"].FullTrackingData(head[:, 0], head[:, 1], yaw, tail_x, tail_y, angle)
    fps = int(round(frame_rate))
    cfg, pre = mb["config"], mb["preprocessing"]
    tail_cfg = cfg.TailPreprocessingConfig(fps=fps)
    tail_result = pre.TailPreprocessing(tail_cfg).preprocess_tail_df(data.tail_df)
    traj_cfg = cfg.TrajPreprocessingConfig(fps=fps)
    traj = pre.TrajPreprocessing(traj_cfg).preprocess_traj_df(data.traj_df)
    seg_cfg = cfg.TailSegmentationConfig(fps=fps, threshold=threshold)
    segments = mb["segmentation"].Segmentation.from_config(seg_cfg).segment(tail_result.vigor)
    classifier = mb["classification"].BoutClassifier(
        mb["tracking_data"].TrackingConfig(fps=fps, tracking="full_tracking"),
        seg_cfg,
        exclude_CS=exclude_capture,
    )
    result = classifier.run_classification(
        tail_array=segments.extract_tail_array(tail_angle=tail_result.angle_smooth),
        traj_array=segments.extract_traj_array(
            head_x=traj.x_smooth, head_y=traj.y_smooth, head_angle=traj.yaw_smooth
        ),
    )
    segments.set_HB1(result["first_half_beat"])  # may move an onset earlier, as megabouts does
    return BoutLabels(
        onset=np.asarray(segments.onset, dtype=np.int64),
        offset=np.asarray(segments.offset, dtype=np.int64),
        category=np.array([CATEGORIES[int(c)] for c in result["cat"]], dtype=str),
        sign=np.asarray(result["sign"], dtype=np.int64),
        proba=np.asarray(result["proba"], dtype=np.float64),
        n_frames=len(head),
        frame_rate=float(frame_rate),
    )


def _tail_keypoints(
    tail_x: np.ndarray, tail_y: np.ndarray, n_segments: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Points along the tail, ``(T, n_segments + 1)``, as megabouts' ``interpolate_tail_keypoint``.

    The not-a-knot cubic spline (:func:`_spline`; straight lines through 2 or 3 points) through
    the points before the first missing one, along their normalised arc length, for all frames
    with as many points at once.
    """
    points = np.stack([tail_x, tail_y], axis=-1)
    n_points = points.shape[1]
    first_nan = np.where(
        np.isnan(points).any(-1).any(-1), np.isnan(points).any(-1).argmax(1), n_points
    )
    out = np.full((len(points), n_segments + 1, 2), np.nan)
    for k in range(2, n_points + 1):
        rows = np.flatnonzero(first_nan == k)
        distance = np.linalg.norm(np.diff(points[rows, :k], axis=1), axis=-1)
        rows, distance = rows[(distance > 0).all(1)], distance[(distance > 0).all(1)]
        if len(rows) == 0:
            continue
        cumulative = np.concatenate([np.zeros((len(rows), 1)), distance.cumsum(1)], 1)
        u = cumulative / cumulative[:, -1:]
        n_out = n_segments + 1 if k == n_points else round(k / n_points * (n_segments + 1))
        at = np.linspace(0, 1, n_out)
        curve = _spline(u, points[rows, :k], at) if k > 3 else _linear(u, points[rows, :k], at)
        out[rows, :n_out] = curve
    return out[..., 0], out[..., 1]


def _linear(u: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Piecewise linear interpolation of ``y`` ``(T, n, D)`` at knots ``u`` ``(T, n)``, at ``at``.

    What ``interp1d`` does for fewer than 4 points.
    """
    piece = np.clip((at[None, :, None] >= u[:, None, 1:-1]).sum(-1), 0, u.shape[1] - 2)
    left, right = np.take_along_axis(u, piece, 1), np.take_along_axis(u, piece + 1, 1)
    w = ((at[None, :] - left) / (right - left))[..., None]
    y0 = np.take_along_axis(y, piece[..., None], 1)
    return y0 + w * (np.take_along_axis(y, piece[..., None] + 1, 1) - y0)


def _spline(u: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Not-a-knot cubic splines through ``y`` ``(T, n, D)`` at knots ``u`` ``(T, n)``, at ``at``.

    The interpolant of ``scipy.interpolate.interp1d(kind="cubic")`` (``n >= 4``), for ``T``
    frames at once: one piece ``a + b d + c d^2 + e d^3`` per knot interval.
    """
    n_frames, n = u.shape
    m = n - 1
    h = np.diff(u, axis=1)
    a = np.zeros((n_frames, 4 * m, 4 * m))
    rhs = np.zeros((n_frames, 4 * m, y.shape[-1]))
    row = 0
    for i in range(m):  # each piece passes through its two knots
        a[:, row, 4 * i] = 1
        rhs[:, row] = y[:, i]
        a[:, row + 1, 4 * i : 4 * i + 4] = np.stack([h[:, i] ** p for p in range(4)], 1)
        rhs[:, row + 1] = y[:, i + 1]
        row += 2
    for j in range(1, m):  # first and second derivatives are continuous at inner knots
        hj = h[:, j - 1]
        a[:, row, 4 * (j - 1) + 1 : 4 * j] = np.stack([np.ones_like(hj), 2 * hj, 3 * hj**2], 1)
        a[:, row, 4 * j + 1] = -1
        a[:, row + 1, 4 * (j - 1) + 2 : 4 * j] = np.stack([2 * np.ones_like(hj), 6 * hj], 1)
        a[:, row + 1, 4 * j + 2] = -2
        row += 2
    for j in (1, m - 1):  # not-a-knot: the third derivative too at the first and last inner knot
        a[:, row, 4 * (j - 1) + 3] = 1
        a[:, row, 4 * j + 3] = -1
        row += 1
    coef = np.linalg.solve(a, rhs).reshape(n_frames, m, 4, -1)
    piece = np.clip((at[None, :, None] >= u[:, None, 1:-1]).sum(-1), 0, m - 1)  # (T, A)
    d = at[None, :] - np.take_along_axis(u, piece, axis=1)
    c = np.take_along_axis(coef, piece[:, :, None, None], axis=1)  # (T, A, 4, D)
    return sum(c[:, :, p] * (d**p)[..., None] for p in range(4))
