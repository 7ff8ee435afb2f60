"""Pose files (DeepLabCut, SLEAP, LightningPose, Anipose, NWB) into :class:`~bams.data.Recordings`.

Files are read by the readers registered in :mod:`bams.io.pose_formats` (through ``movement``,
bams' own reader of SLEAP's analysis CSV export, and :mod:`bams.io.dlc_tables` for DeepLabCut
tables in the layouts ``movement`` rejects); every individual of every file becomes one
recording of egocentric features (:func:`bams.features.egocentric_features`). All checks across
files happen once, in :func:`load_poses`, and every problem found is reported at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np

from bams.data import Recordings
from bams.features import egocentric_features
from bams.io.pose_formats import (
    POSE_FORMATS,
    AmbiguousFormatError,
    PoseFormat,
    PoseTracks,
    check_format,
    detect_format,
    get_format,
    import_movement,
)
from bams.io.pose_keypoints import check_keypoint_choice, default_heading

_UNSET: Any = object()  # tells the deprecated alias left out from the alias passed as None


def load_poses(
    path: str | Path,
    *,
    source_software: str | None = None,
    frame_rate: float | None = None,
    min_likelihood: float | None = 0.5,
    origin: Sequence[str] | None = None,
    heading: tuple[str, str] | None = None,
    zero_is_missing: bool = True,
    pattern: str | None = None,
    exclude: Sequence[str] | None = None,
    confidence_threshold: float | None = _UNSET,
) -> Recordings:
    """Read pose files into recordings of egocentric features, one per individual.

    Parameters
    ----------
    path
        One pose file, or a folder: every pose file in it (sorted by name; files whose suffix no
        format uses are ignored, files no format accepts are skipped with a warning).
    source_software
        ``"DeepLabCut"`` (``.h5``, ``.csv``; also the layouts of :mod:`bams.io.dlc_tables`),
        ``"SLEAP"`` (``.slp``, analysis ``.h5``), ``"LightningPose"`` (``.csv``), ``"Anipose"``
        (``.csv``), ``"NWB"`` (``.nwb``, ``ndx-pose``) or ``"SLEAP CSV"`` (analysis ``.csv``,
        one track); case-insensitive. Default: detected per file by the formats' own validators
        (DeepLabCut and LightningPose CSV files share one layout and are read alike).
    frame_rate
        Frames per second of files that store none (all but NWB and some SLEAP ``.slp``); a
        file's own rate is used when it has one, and all files must share one.
    min_likelihood
        Points whose likelihood (confidence score) is below this become missing (NaN); points
        without one (no likelihood column, SLEAP user labels) are kept. None keeps every point.
    origin
        Keypoints whose mean is the body centre (default: all).
    heading
        ``(back, front)`` keypoints; the body axis points from ``back`` to ``front``. Default:
        the first keypoints named like ``tail_base``, ``base_of_tail``, ``tail_root`` or
        ``tail`` and ``nose``, ``snout`` or ``head`` (ignoring case, ``_``, ``-``, spaces),
        else from the last keypoint to the first with a warning: pass ``heading`` then.
    zero_is_missing
        Treat keypoints at exactly ``(0, 0)`` (``(0, 0, 0)`` in 3-D) as missing.
    pattern
        Glob of the files of a folder, e.g. ``"*.h5"`` (DeepLabCut may save both ``.csv``).
    exclude
        Keypoints left out of the features (e.g. arena corners, whose gaps would mask frames).
    confidence_threshold
        Deprecated alias of ``min_likelihood``.

    Returns
    -------
    Recordings
        One recording ``(T, F)`` per individual per file, features from
        :func:`~bams.features.egocentric_features` (centre ``x``, ``y``; heading cos/sin;
        ``{keypoint}_forward``, ``{keypoint}_left``; speed, forward and lateral velocity and
        turning rate, the actions). Group: the file's stem (its name if two files share one);
        id ``"{group}/{individual}"``. 3-D poses (Anipose) are rotated about ``z`` only
        (vertical after Anipose's axis alignment); each keypoint's ``z`` is added as
        ``{keypoint}_height``.

    Raises
    ------
    ImportError
        If movement or sleap-io is not installed.
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If a file is readable by no format or by several (pass ``source_software``), if a
        frame rate is missing or disagrees, if files have different keypoints, or if
        ``origin`` or ``heading`` name unknown keypoints; every problem at once.

    Examples
    --------
    >>> load_poses("videos/", frame_rate=30).ids[0]  # doctest: +SKIP
    'mouse1DLC_resnet50/individual_0'
    """
    fmt, cutoff = _check_arguments(
        source_software, min_likelihood, confidence_threshold, frame_rate
    )
    poses = _read_poses(Path(path), fmt, pattern, frame_rate, origin, heading, exclude)
    return _recordings(poses, cutoff, zero_is_missing, origin, heading)


@dataclass
class _Poses:
    """The pose files read from ``path``, with the frame rate and keypoints they share."""

    path: Path
    loaded: list[tuple[Path, PoseTracks]]
    frame_rate: float
    keypoints: list[str]


def _check_arguments(
    source_software, min_likelihood, confidence_threshold, frame_rate
) -> tuple[PoseFormat | None, float | None]:
    """The format named (None: detect per file) and the likelihood threshold, once checked."""
    fmt = None if source_software is None else get_format(source_software)
    problems = []
    name, threshold = "min_likelihood", min_likelihood
    if confidence_threshold is not _UNSET:
        warnings.warn(
            "confidence_threshold is deprecated; pass min_likelihood.",
            DeprecationWarning,
            stacklevel=3,  # the caller of load_poses (-> _check_arguments)
        )
        if min_likelihood != 0.5:  # its default: the two were given
            problems.append(
                "Expected min_likelihood or its alias confidence_threshold, but got both "
                f"({min_likelihood!r} and {confidence_threshold!r})."
            )
        name, threshold = "confidence_threshold", confidence_threshold
    if threshold is not None and not (isinstance(threshold, Real) and np.isfinite(threshold)):
        problems.append(f"Expected {name} to be a number or None, but got {threshold!r}.")
    if frame_rate is not None and not (
        isinstance(frame_rate, Real) and np.isfinite(frame_rate) and frame_rate > 0
    ):
        problems.append(f"Expected a positive frame_rate or None, but got {frame_rate!r}.")
    if problems:
        raise ValueError(" ".join(problems))
    import_movement("movement")  # a clear ImportError before any file is touched
    return fmt, threshold


def _read_poses(path, fmt, pattern, frame_rate, origin, heading, exclude=None) -> _Poses:
    """Read every pose file of ``path`` and check them together; raise every problem at once."""
    files = _list_files(path, pattern, fmt)
    problems: list[str] = []
    loaded = _read_files(files, fmt, path, pattern, problems)
    rate = _common_frame_rate(loaded, frame_rate, problems)
    keypoints = _common_keypoints(loaded, problems)
    if isinstance(exclude, str):
        problems.append(f"Expected exclude as a list of keypoint names, but got {exclude!r}.")
    elif keypoints and exclude:
        unknown = sorted(set(exclude) - set(keypoints))
        if unknown:
            problems.append(f"Expected keypoints to exclude among {keypoints}, but got {unknown}.")
        keypoints = [k for k in keypoints if k not in set(exclude)]
        if not keypoints:
            problems.append("Expected keypoints left after exclude, but every one was excluded.")
    if keypoints:
        check_keypoint_choice(keypoints, origin, heading, loaded[0][0].name, problems)
    if problems:
        raise ValueError("Could not load poses:\n- " + "\n- ".join(problems))
    return _Poses(path, loaded, rate, keypoints)


def _list_files(path: Path, pattern: str | None, fmt: PoseFormat | None) -> list[Path]:
    """The file itself, or the folder's files with a suffix of ``fmt`` (or of any format)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(
            f"Expected a pose file or a folder of them, but {str(path)!r} does not exist."
        )
    formats = [fmt] if fmt is not None else list(POSE_FORMATS.values())
    suffixes = {s for f in formats for s in f.suffixes}
    candidates = path.glob(pattern) if pattern else path.iterdir()
    files = sorted(p for p in candidates if p.is_file() and p.suffix in suffixes)
    if not files:
        raise ValueError(
            f"Expected pose files ({', '.join(sorted(suffixes))}) in {str(path)!r}"
            f"{' matching ' + repr(pattern) if pattern else ''}, but found none."
        )
    return files


def _read_files(
    files: list[Path], fmt: PoseFormat | None, path: Path, pattern: str | None, problems: list[str]
) -> list[tuple[Path, PoseTracks]]:
    """The files some format reads, with their tracks; what goes wrong is added to ``problems``."""
    loaded: list[tuple[Path, PoseTracks]] = []
    skipped: list[str] = []
    for file in files:
        tracks = _read_file(file, fmt, path.is_dir(), problems, skipped)
        if tracks is not None:
            loaded.append((file, tracks))
    if skipped and path.is_dir():
        # stacklevel 4: the caller of load_poses (-> _read_poses -> _read_files)
        warnings.warn(
            f"Skipped files no pose format reads: {skipped}; pattern (--pattern) chooses "
            "the files of a folder.",
            UserWarning,
            stacklevel=4,
        )
    if not loaded and not problems:
        problems.append(
            f"Expected pose files in {str(path)!r}, but none of {len(files)} files "
            f"{'matching ' + repr(pattern) + ' ' if pattern else ''}is readable."
        )
    return loaded


def _read_file(
    file: Path, fmt: PoseFormat | None, in_folder: bool, problems: list[str], skipped: list[str]
) -> PoseTracks | None:
    """Read ``file`` as ``fmt`` (None: the format detected), or note why not and return None.

    A file no format accepts is only skipped in a folder (which may hold other files); given
    on its own, it is a problem.
    """
    try:
        chosen = check_format(file, fmt) if fmt is not None else detect_format(file)
    except AmbiguousFormatError as err:
        problems.append(str(err))
        return None
    except ValueError as err:  # no format accepts the file
        if not in_folder:
            problems.append(str(err))
        skipped.append(file.name)
        return None
    try:
        return chosen.read(file)
    except (ValueError, OSError, KeyError) as err:
        problems.append(f"{file.name}: Expected a readable {chosen.name} file, but got {err}")
        return None


def _common_frame_rate(
    loaded: list[tuple[Path, PoseTracks]], frame_rate: float | None, problems: list[str]
) -> float:
    rates, unknown = {}, []
    for file, tracks in loaded:
        if tracks.frame_rate is None and frame_rate is None:
            unknown.append(file.name)
        elif tracks.frame_rate is None:
            rates[file.name] = float(frame_rate)
        elif frame_rate is not None and not np.isclose(tracks.frame_rate, frame_rate):
            problems.append(
                f"{file.name}: Expected frame_rate to match the file's {tracks.frame_rate:g} "
                f"frames per second, but got {frame_rate:g}; leave frame_rate unset."
            )
        else:
            rates[file.name] = tracks.frame_rate
    if unknown:
        problems.append(
            f"Expected a frame_rate for files that store none ({', '.join(unknown)}), but got "
            "None; pass frame_rate (--fps on the command line)."
        )
    if len({round(r, 6) for r in rates.values()}) > 1:
        problems.append(f"Expected one frame rate for all files, but got {rates}.")
    return next(iter(rates.values()), float("nan"))


def _common_keypoints(loaded: list[tuple[Path, PoseTracks]], problems: list[str]) -> list[str]:
    """The first file's keypoints and dimensionality, which every file must share."""
    if not loaded:
        return []
    first, reference = loaded[0]
    keypoints, n_dims = reference.keypoints, reference.position.shape[-1]
    if len(set(keypoints)) != len(keypoints):
        problems.append(f"{first.name}: Expected unique keypoint names, but got {keypoints}.")
    for file, tracks in loaded[1:]:
        if sorted(tracks.keypoints) != sorted(keypoints):
            problems.append(
                f"{file.name}: Expected the keypoints {keypoints} of {first.name}, "
                f"but got {tracks.keypoints}."
            )
        if tracks.position.shape[-1] != n_dims:
            problems.append(
                f"{file.name}: Expected {n_dims}-D poses like {first.name}, "
                f"but got {tracks.position.shape[-1]}-D."
            )
    return list(keypoints)


def _group_ids(files: list[Path], root: Path) -> list[str]:
    """Each file's stem, or its path relative to the folder where two files share a stem."""
    stems = [f.stem for f in files]
    return [
        (f.relative_to(root).as_posix() if root.is_dir() else f.name)
        if stems.count(f.stem) > 1
        else f.stem
        for f in files
    ]


def _recordings(
    poses: _Poses,
    min_likelihood: float | None,
    zero_is_missing: bool,
    origin: Sequence[str] | None,
    heading: tuple[str, str] | None,
) -> Recordings:
    """One recording of features per individual observed, in file order (see load_poses)."""
    keypoints, rate = poses.keypoints, poses.frame_rate
    heading = heading or default_heading(keypoints)
    sequences, ids, groups, names, actions = [], [], [], [], []
    files = [f for f, _ in poses.loaded]
    for (file, tracks), group in zip(poses.loaded, _group_ids(files, poses.path), strict=True):
        order = [tracks.keypoints.index(k) for k in keypoints]
        position = _mask(tracks, min_likelihood, zero_is_missing)[:, :, order]
        for i, individual in enumerate(tracks.individuals):
            if np.isnan(position[:, i]).all():
                warnings.warn(
                    f"Skipped {individual!r} of {file.name}: no keypoint observed.",
                    UserWarning,
                    stacklevel=3,  # the caller of load_poses (-> _recordings)
                )
                continue
            values, names, actions = _features(position[:, i], keypoints, rate, origin, heading)
            sequences.append(values)
            ids.append(f"{group}/{individual}")
            groups.append(group)
    recordings = Recordings(
        sequences, feature_names=names, actions=actions, frame_rate=rate, ids=ids, groups=groups
    )
    recordings.source = str(poses.path)
    return recordings


def _mask(tracks: PoseTracks, threshold: float | None, zero_is_missing: bool) -> np.ndarray:
    """``(T, I, K, D)`` positions with low-likelihood and lost keypoints set to NaN."""
    position = tracks.position.copy()
    missing = np.isnan(position).any(axis=-1)
    if zero_is_missing:
        missing |= (position == 0).all(axis=-1)
    if threshold is not None:
        with np.errstate(invalid="ignore"):
            missing |= tracks.confidence < threshold  # NaN confidence compares False: kept
    position[missing] = np.nan
    return position


def _features(
    keypoints: np.ndarray,
    names: list[str],
    frame_rate: float,
    origin: Sequence[str] | None,
    heading: tuple[str, str],
) -> tuple[np.ndarray, list[str], list[str]]:
    """Egocentric features ``(T, F)`` of one individual's ``(T, K, D)`` keypoints."""
    features = egocentric_features(
        keypoints[..., :2],
        names,
        frame_rate=frame_rate,
        origin=origin,
        heading=heading,
        zero_is_missing=False,  # already applied, in every dimension
    )
    if keypoints.shape[-1] == 2:
        return features.values, features.names, features.actions
    height = keypoints[..., 2].astype(np.float32)
    return (
        np.concatenate([features.values, height], axis=1),
        features.names + [f"{name}_height" for name in names],
        features.actions,
    )
