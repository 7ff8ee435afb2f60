"""The registry of pose file formats, read through ``movement`` (and ``sleap-io``) or bams.

Each format is **one registered reader**: a function decorated with :func:`register_pose_format`
that names the file validators accepting its files (``movement``'s, or one of bams' own for a
layout ``movement`` does not read, such as :mod:`bams.io.sleap_csv` and the DeepLabCut tables
of :mod:`bams.io.dlc_tables`). Format detection reuses those validators: a file is readable as
a format if one of the format's validators accepts it (right suffix, and the content the
validator checks). Adding a format means adding one reader here; nothing else branches on file
extensions. :func:`read_keypoints` reads the one individual of a file through the same readers,
for loaders of single-animal data sets.

``movement`` and ``sleap-io`` are optional (``pip install "bams[pose]"``) and imported only when a
file of a format they read is read.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bams.io.dlc_tables import ValidDeepLabCutTable, ValidSleapAnalysisH5, read_dlc_table
from bams.io.sleap_csv import ValidSleapAnalysisCSV, read_sleap_analysis_csv

INSTALL_HINT = 'Reading pose files needs movement and sleap-io: pip install "bams[pose]".'


@dataclass
class PoseTracks:
    """Pose tracks of one file, as its reader returns them.

    Attributes
    ----------
    position
        ``(T, I, K, D)`` float64 positions of ``K`` keypoints of ``I`` individuals in ``D`` = 2 or
        3 dimensions; NaN marks a missing point.
    confidence
        ``(T, I, K)`` float64 confidence scores; NaN where the file has none.
    keypoints
        ``K`` keypoint names.
    individuals
        ``I`` individual names.
    frame_rate
        Frames per second stored in the file, or None if the format stores none.
    """

    position: np.ndarray
    confidence: np.ndarray
    keypoints: list[str]
    individuals: list[str]
    frame_rate: float | None


Reader = Callable[[Path], PoseTracks]
Validator = str | type  # a movement.validators.files class name, or a class of the same protocol


class AmbiguousFormatError(ValueError):
    """Several pose formats, read differently, accept one file: ``source_software`` must say."""


@dataclass(frozen=True)
class PoseFormat:
    """A registered pose file format.

    Attributes
    ----------
    name
        The ``source_software`` name, as ``movement`` spells it for the formats it reads (e.g.
        ``"DeepLabCut"``).
    validators
        The validators that accept this format's files: names of ``movement.validators.files``
        classes, or classes of the same protocol (a ``suffixes`` set; construction with
        ``file=path`` raises for a file they reject).
    read
        The reader: file path -> :class:`PoseTracks`.
    """

    name: str
    validators: tuple[Validator, ...]
    read: Reader

    def validator_classes(self) -> list[type]:
        """The validator classes; ``movement``'s are imported on first use."""
        if all(isinstance(v, type) for v in self.validators):
            return list(self.validators)  # bams' own: their files must not need movement
        files = import_movement("movement.validators.files")
        return [getattr(files, v) if isinstance(v, str) else v for v in self.validators]

    @property
    def suffixes(self) -> list[str]:
        """File suffixes this format's validators accept, e.g. ``[".csv", ".h5"]``."""
        return sorted({s for cls in self.validator_classes() for s in cls.suffixes})

    def accepting_validator(self, path: Path) -> tuple[type | None, str]:
        """Return the first validator class that accepts ``path`` and, if none does, why not."""
        reasons = []
        for cls in self.validator_classes():
            if path.suffix not in cls.suffixes:
                continue
            try:
                with _quiet_movement():
                    cls(file=path)
            except (ValueError, OSError, TypeError, AttributeError) as err:
                reasons.append(str(err).strip())
                continue
            return cls, ""
        if not reasons:
            reasons.append(f"expected suffix {' or '.join(self.suffixes)}, got {path.suffix!r}")
        return None, "; ".join(reasons)


POSE_FORMATS: dict[str, PoseFormat] = {}


def register_pose_format(
    name: str, *, validators: Sequence[Validator]
) -> Callable[[Reader], Reader]:
    """Register a reader for the pose format ``name``, accepted by ``validators``.

    Formats are tried in registration order; when two formats accept a file through the same
    validator class (one file format written by two tools, such as DeepLabCut's and
    LightningPose's CSV), they read it identically and the first registered is used.

    Examples
    --------
    >>> @register_pose_format("MyTracker", validators=["ValidDeepLabCutH5"])
    ... def read_mytracker(path):
    ...     return from_movement(path, "DeepLabCut")
    >>> _ = POSE_FORMATS.pop("MyTracker")
    """

    def decorator(read: Reader) -> Reader:
        POSE_FORMATS[name] = PoseFormat(name, tuple(validators), read)
        return read

    return decorator


def get_format(source_software: str) -> PoseFormat:
    """Return the registered format named ``source_software`` (case-insensitive).

    Raises
    ------
    ValueError
        If no format has that name.
    """
    by_name = {name.lower(): fmt for name, fmt in POSE_FORMATS.items()}
    fmt = by_name.get(str(source_software).lower())
    if fmt is None:
        raise ValueError(
            f"Expected source_software among {list(POSE_FORMATS)}, but got {source_software!r}."
        )
    return fmt


def check_format(path: Path, fmt: PoseFormat) -> PoseFormat:
    """Return ``fmt`` if its validators accept ``path``.

    Raises
    ------
    ValueError
        If they do not, with the validators' reasons.
    """
    validator, reason = fmt.accepting_validator(path)
    if validator is None:
        raise ValueError(
            f"Expected a file in {fmt.name} format ({' or '.join(fmt.suffixes)}), but "
            f"{path.name!r} is not one: {reason}"
        )
    return fmt


def detect_format(path: Path) -> PoseFormat:
    """Find the one registered format whose validators accept ``path``.

    Raises
    ------
    ValueError
        If no format accepts the file (``"Expected a pose file readable as one of [...]"``,
        with each format's reason).
    AmbiguousFormatError
        If formats read by different validators accept it (then ``source_software`` must be
        given).
    """
    accepted: dict[str, type] = {}
    reasons: dict[str, str] = {}
    for name, fmt in POSE_FORMATS.items():
        validator, reason = fmt.accepting_validator(path)
        if validator is None:
            reasons[name] = reason
        else:
            accepted[name] = validator
    if not accepted:
        details = "\n".join(f"    {name}: {reason}" for name, reason in reasons.items())
        raise ValueError(
            f"Expected a pose file readable as one of {list(POSE_FORMATS)}, but no reader "
            f"accepts {path.name!r}:\n{details}"
        )
    if len(set(accepted.values())) > 1:
        raise AmbiguousFormatError(
            f"Expected a file that one pose format reads, but {path.name!r} is readable as "
            f"{list(accepted)}; pass source_software= one of them."
        )
    return POSE_FORMATS[next(iter(accepted))]


# ---------------------------------------------------------------------- the formats
@register_pose_format(
    "DeepLabCut", validators=["ValidDeepLabCutH5", "ValidDeepLabCutCSV", ValidDeepLabCutTable]
)
def read_deeplabcut(path: Path) -> PoseTracks:
    """DeepLabCut ``.h5`` or ``.csv``, single- or multi-animal; stores no frame rate.

    movement reads the files its validators accept. The layouts they reject (a table under
    another HDF5 key, a CSV re-saved by pandas: :mod:`bams.io.dlc_tables`) are read by bams into
    the DataFrame that movement converts, so both give the same tracks.
    """
    validator, _ = POSE_FORMATS["DeepLabCut"].accepting_validator(path)
    if validator is not ValidDeepLabCutTable:
        return from_movement(path, "DeepLabCut")
    load_poses = import_movement("movement.io.load_poses")
    return _tracks(load_poses.from_dlc_style_df(read_dlc_table(path)))


# ValidSleapAnalysisH5: movement's validator, which would also take a DeepLabCut table stored
# under the HDF5 key "tracks" for a SLEAP analysis file.
@register_pose_format("SLEAP", validators=["ValidSleapLabels", ValidSleapAnalysisH5])
def read_sleap(path: Path) -> PoseTracks:
    """SLEAP labels ``.slp`` (first video; its frame rate if recorded) or analysis ``.h5``."""
    tracks = from_movement(path, "SLEAP")
    if path.suffix == ".slp":
        tracks.frame_rate = _slp_frame_rate(path)
    return tracks


@register_pose_format("LightningPose", validators=["ValidDeepLabCutCSV"])
def read_lightning_pose(path: Path) -> PoseTracks:
    """LightningPose ``.csv`` (DeepLabCut's single-animal CSV layout); stores no frame rate."""
    return from_movement(path, "LightningPose")


@register_pose_format("Anipose", validators=["ValidAniposeCSV"])
def read_anipose(path: Path) -> PoseTracks:
    """Anipose triangulated 3-D ``.csv`` (one individual, keypoints in alphabetical order)."""
    return from_movement(path, "Anipose")


@register_pose_format("NWB", validators=["ValidNWBFile"])
def read_nwb(path: Path) -> PoseTracks:
    """NWB ``.nwb`` with ``ndx-pose`` (``behavior/PoseEstimation``); frame rate from the file."""
    return from_movement(path, "NWB")


@register_pose_format("SLEAP CSV", validators=[ValidSleapAnalysisCSV])
def read_sleap_csv(path: Path) -> PoseTracks:
    """SLEAP analysis ``.csv`` export of one track (:mod:`bams.io.sleap_csv`); no frame rate."""
    keypoints, scores, names = read_sleap_analysis_csv(path)
    return PoseTracks(
        position=keypoints[:, None],
        confidence=scores[:, None],
        keypoints=names,
        individuals=["individual_0"],
        frame_rate=None,
    )


# ---------------------------------------------------------------------- one individual
def read_keypoints(
    path: str | os.PathLike, source_software: str | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read the one individual of a pose file with the registered reader of its format.

    Parameters
    ----------
    path
        The pose file.
    source_software
        The registered format (case-insensitive, e.g. ``"DeepLabCut"`` or ``"SLEAP CSV"``).
        Default: detected as in :func:`detect_format`.

    Returns
    -------
    keypoints : np.ndarray
        ``(T, K, D)`` float64 positions, NaN where missing.
    confidence : np.ndarray
        ``(T, K)`` float64 confidence scores, NaN where the file has none.
    names : list of str
        The ``K`` keypoint names.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    ValueError
        If the format does not accept the file (or no format, or several, when detected), or
        if the file holds several individuals.
    ImportError
        If the format is read through movement or sleap-io and they are not installed.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Expected a pose file, but {str(path)!r} does not exist.")
    if source_software is None:
        fmt = detect_format(path)
    else:
        fmt = check_format(path, get_format(source_software))
    tracks = fmt.read(path)
    if len(tracks.individuals) != 1:
        raise ValueError(f"Expected one individual in {str(path)!r}, but got {tracks.individuals}.")
    # C order whatever the reader's layout: numpy's sums along an axis depend on the layout.
    return (
        np.ascontiguousarray(tracks.position[:, 0]),
        np.ascontiguousarray(tracks.confidence[:, 0]),
        list(tracks.keypoints),
    )


# ---------------------------------------------------------------------- helpers
def from_movement(path: Path, source_software: str) -> PoseTracks:
    """Read ``path`` with ``movement.io.load_dataset`` into :class:`PoseTracks`."""
    movement_io = import_movement("movement.io")
    return _tracks(movement_io.load_dataset(path, source_software=source_software))


def _tracks(ds: Any) -> PoseTracks:
    """:class:`PoseTracks` of a ``movement`` poses dataset."""
    position = ds["position"].transpose("time", "individuals", "keypoints", "space")
    confidence = ds["confidence"].transpose("time", "individuals", "keypoints")
    fps = ds.attrs.get("fps")
    return PoseTracks(
        position=np.asarray(position.values, dtype=np.float64),
        confidence=np.asarray(confidence.values, dtype=np.float64),
        keypoints=[str(k) for k in ds["keypoints"].values],
        individuals=[str(i) for i in ds["individuals"].values],
        frame_rate=None if fps is None else float(fps),
    )


def _slp_frame_rate(path: Path) -> float | None:
    """Frame rate of the first video of a ``.slp`` file, if the file records one."""
    slp = import_movement("sleap_io.io.slp")
    videos = slp.read_videos(path.as_posix(), open_backend=False)
    fps = (videos[0].backend_metadata or {}).get("fps") if videos else None
    return float(fps) if fps is not None and float(fps) > 0 else None


def import_movement(module: str) -> Any:
    """Import ``module`` of movement or sleap-io, keeping the caller's warning display.

    ``import movement`` redirects :func:`warnings.showwarning` to its logger; this restores it.

    Raises
    ------
    ImportError
        If movement or sleap-io is not installed, telling how to install them.
    """
    import importlib

    show = warnings.showwarning
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err
    finally:
        warnings.showwarning = show


@contextmanager
def _quiet_movement():
    """Silence movement's logger while probing validators (each rejection logs an error)."""
    loguru = sys.modules.get("loguru")  # movement imports it; without movement nothing logs
    if loguru is None:
        yield
        return
    logger = loguru.logger
    logger.disable("movement")
    try:
        yield
    finally:
        logger.enable("movement")
