"""MABe 2022 trajectory files: mouse triplets and fly groups, read without running their code.

``mouse_triplet_{train,test}.npy`` and ``fly_group_{train,test}.npy`` are ``np.save`` of one
dict (facts: Sun et al., ICML 2023)::

    {'vocabulary': [task, ...],
     'sequences': {clip_id: {'keypoints': (T, n_animals, n_keypoints, 2),
                             'annotations': (n_tasks, T)}}}   # annotations: train files only

Only ``'sequences'`` and each clip's ``'keypoints'`` are required (the reference reads nothing
else); ``'vocabulary'`` is required only when clips have annotations, whose rows it names. Fly
clips hold a varying number of flies (9 to 11 in the published files, 4,500 frames at 150 Hz),
padded with NaN flies up to a common number; the files do not name the fly keypoints, and the
loader needs no names (the names :mod:`bams.features.fly` uses are assumed, not read).

They are read with :func:`bams.io.safe_pickle.load_pickled_npy` (arrays and plain containers
only) and checked once, here, with every problem reported at once. Each species is one entry of
:data:`SPECIES`; a new species is a new entry, not a new loader.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bams.io.safe_pickle import load_pickled_npy

__all__ = ["SPECIES", "MabeClips", "Species", "check_mabe_clips", "load_mabe_keypoints"]

_MAX_LISTED = 10  # problems listed before "... and N more"


@dataclass(frozen=True)
class Species:
    """What the MABe 2022 files of one species hold.

    Attributes
    ----------
    name
        ``"mouse"`` or ``"fly"``.
    file_prefix
        Prefix of the official file names (``{prefix}_train.npy``, ``{prefix}_test.npy``).
    frame_rate
        Frames per second.
    n_animals
        Animals per clip, or ``None`` when it varies (flies: 9 to 11, padded with NaN).
    n_keypoints
        Keypoints per animal, or ``None`` to take it from the arrays.
    clip_frames
        Frames per clip in the official files (loaders accept other lengths).
    max_dims
        The largest submission embedding size the evaluator allows.
    units
        Units of the coordinates.
    keypoint_note
        Said with every keypoint shape error (e.g. that the fly keypoint names are assumed).
    """

    name: str
    file_prefix: str
    frame_rate: float
    n_animals: int | None
    n_keypoints: int | None
    clip_frames: int
    max_dims: int
    units: str
    keypoint_note: str = ""


_FLY_NOTE = (
    " (flies padded with NaN up to a common number; the MABe files do not name the fly "
    "keypoints, and the names bams.features.fly uses are assumed from the format description)"
)

SPECIES: dict[str, Species] = {
    "mouse": Species("mouse", "mouse_triplet", 30.0, 3, 12, 1800, 128, "pixels (850 x 850)"),
    "fly": Species("fly", "fly_group", 150.0, None, None, 4500, 256, "mm", _FLY_NOTE),
}
"""The species of the MABe 2022 trajectory data, by name."""


@dataclass
class MabeClips:
    """The clips of one MABe trajectory file, checked.

    Attributes
    ----------
    species
        The :class:`Species` the file was checked against.
    vocabulary
        Task names; row ``i`` of every annotation array is task ``i`` (empty when the file
        has no ``'vocabulary'``, which only files without annotations may lack).
    keypoints
        ``{clip_id: (T, n_animals, n_keypoints, 2) float32}`` in the file's clip order; NaN
        where the file has NaN (exact zeros are left as they are).
    annotations
        ``{clip_id: (n_tasks, T) float64}``, NaN where unlabelled; ``None`` when the file has
        no annotations (test files).
    source
        Where the clips came from (a path, or ``"a dict"``).
    """

    species: Species
    vocabulary: list[str]
    keypoints: dict[str, np.ndarray]
    annotations: dict[str, np.ndarray] | None
    source: str

    @property
    def clip_lengths(self) -> dict[str, int]:
        """Frames of every clip, in file order."""
        return {clip: len(kp) for clip, kp in self.keypoints.items()}


def _species(species: str | Species) -> Species:
    if isinstance(species, Species):
        return species
    if species not in SPECIES:
        raise ValueError(f"Expected a species among {sorted(SPECIES)}, but got {species!r}.")
    return SPECIES[species]


def check_mabe_clips(content: object, species: str | Species, source: str = "a dict") -> MabeClips:
    """Check the structure of a MABe trajectory dict and return it as :class:`MabeClips`.

    Parameters
    ----------
    content
        ``{'vocabulary': [...], 'sequences': {clip: {'keypoints': ..., 'annotations': ...}}}``;
        only ``'sequences'`` and the keypoints are required, ``'vocabulary'`` only when clips
        have annotations.
    species
        ``"mouse"``, ``"fly"`` or a :class:`Species`.
    source
        Named in error messages.

    Returns
    -------
    MabeClips
        Keypoints as float32 ``(T, n_animals, n_keypoints, 2)``; annotations as float64
        ``(n_tasks, T)`` when every clip has them, else ``None``.

    Raises
    ------
    ValueError
        Listing every problem found: no ``'sequences'``, a clip whose keypoints are not a
        numeric array of shape ``(T, n_animals, n_keypoints, 2)`` (3 mice, 12 keypoints; any
        number of flies per clip, the same number of keypoints in every clip), annotations of
        another shape than ``(len(vocabulary), T)``, annotations without a ``'vocabulary'``,
        annotations in some clips only, infinite values.

    Examples
    --------
    >>> clip = {"keypoints": np.zeros((5, 3, 12, 2)), "annotations": np.zeros((1, 5))}
    >>> clips = check_mabe_clips({"vocabulary": ["lights"], "sequences": {"c0": clip}}, "mouse")
    >>> clips.keypoints["c0"].shape, clips.annotations["c0"].shape
    ((5, 3, 12, 2), (1, 5))
    """
    spec = _species(species)
    vocabulary, sequences = _top_level(content, source)
    problems: list[str] = []
    n_tasks = None if vocabulary is None else len(vocabulary)
    keypoints, annotations = _check_sequences(sequences, spec, n_tasks, problems)
    if annotations and vocabulary is None:
        problems.append(
            f"Expected a 'vocabulary' naming the rows of the annotations, but it is missing "
            f"(keys: {sorted(map(str, content))}; {len(annotations)} clips have annotations)."
        )
    if annotations and len(annotations) != len(sequences) and not problems:
        without = [str(c) for c in sequences if str(c) not in annotations]
        problems.append(
            f"Expected annotations in every clip or in none, but {len(without)} clips have none "
            f"(e.g. {without[:3]})."
        )
    if problems:
        listed = problems[:_MAX_LISTED]
        if len(problems) > _MAX_LISTED:
            listed.append(f"... and {len(problems) - _MAX_LISTED} more problems.")
        raise ValueError(f"Invalid MABe {spec.name} file {source}:\n- " + "\n- ".join(listed))
    return MabeClips(spec, vocabulary or [], keypoints, annotations or None, source)


def _top_level(content: object, source: str) -> tuple[list[str] | None, Mapping]:
    """The vocabulary (``None`` if absent) and the sequences of a trajectory dict.

    The first problem is raised.
    """
    if not isinstance(content, Mapping):
        raise ValueError(
            f"Expected a dict with 'sequences' in {source}, but got {type(content).__name__}."
        )
    if "sequences" not in content:
        raise ValueError(
            f"Expected a 'sequences' dict of clips in {source}, but it is missing (keys: "
            f"{sorted(map(str, content))})."
        )
    vocabulary = None
    if content.get("vocabulary") is not None:
        vocabulary = [
            str(task) for task in np.ravel(np.asarray(content["vocabulary"], dtype=object))
        ]
    sequences = content["sequences"]
    if not isinstance(sequences, Mapping) or not sequences:
        raise ValueError(
            f"Expected 'sequences' in {source} to be a non-empty dict of clip -> "
            f"{{'keypoints', 'annotations'}}, but got {type(sequences).__name__}"
            f"{' (empty)' if isinstance(sequences, Mapping) else ''}."
        )
    return vocabulary, sequences


def _check_sequences(
    sequences: Mapping, spec: Species, n_tasks: int | None, problems: list[str]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The checked keypoints and annotations of every clip; problems are appended, not raised."""
    keypoints: dict[str, np.ndarray] = {}
    annotations: dict[str, np.ndarray] = {}
    shape_seen: tuple[int, int] | None = None  # (n_animals, n_keypoints) of the first clip
    for clip, entry in sequences.items():
        clip = str(clip)
        if not isinstance(entry, Mapping) or "keypoints" not in entry:
            problems.append(
                f"clip '{clip}': Expected a dict with 'keypoints', but got "
                f"{type(entry).__name__}{' without it' if isinstance(entry, Mapping) else ''}."
            )
            continue
        kp = _check_keypoints(entry["keypoints"], clip, spec, shape_seen, problems)
        if kp is None:
            continue
        shape_seen = shape_seen or kp.shape[1:3]
        keypoints[clip] = kp
        if entry.get("annotations") is not None:
            ann = _check_annotations(entry["annotations"], clip, n_tasks, len(kp), problems)
            if ann is not None:
                annotations[clip] = ann
    return keypoints, annotations


def _check_keypoints(value, clip, spec, shape_seen, problems) -> np.ndarray | None:
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        problems.append(
            f"clip '{clip}': Expected numeric keypoints, but got {type(value).__name__}"
            f"{f' of dtype {value.dtype}' if isinstance(value, np.ndarray) else ''}."
        )
        return None
    animals = spec.n_animals if spec.n_animals is not None else "n_animals"
    points = spec.n_keypoints if spec.n_keypoints is not None else "n_keypoints"
    expected = f"(T, {animals}, {points}, 2)"
    ok = value.ndim == 4 and value.shape[3] == 2 and value.shape[0] > 0 and value.shape[1] > 0
    ok = ok and value.shape[2] > 0
    ok = ok and spec.n_animals in (None, value.shape[1])
    ok = ok and spec.n_keypoints in (None, value.shape[2])
    if not ok:
        problems.append(
            f"clip '{clip}': Expected keypoints {expected}{spec.keypoint_note}, but got "
            f"{value.shape}."
        )
        return None
    if shape_seen is not None and spec.n_keypoints is None and value.shape[2] != shape_seen[1]:
        problems.append(
            f"clip '{clip}': Expected {shape_seen[1]} keypoints per animal like the first clip"
            f"{spec.keypoint_note}, but got {value.shape[2]}."
        )
        return None
    kp = value.astype(np.float32)
    if np.isinf(kp).any():
        problems.append(f"clip '{clip}': Expected finite keypoints or NaN, but got infinities.")
        return None
    return kp


def _check_annotations(value, clip, n_tasks, n_frames, problems) -> np.ndarray | None:
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iufb":
        problems.append(
            f"clip '{clip}': Expected numeric annotations, but got {type(value).__name__}."
        )
        return None
    if value.ndim != 2 or value.shape[1] != n_frames or n_tasks not in (None, value.shape[0]):
        tasks = "n_tasks" if n_tasks is None else n_tasks
        problems.append(
            f"clip '{clip}': Expected annotations of shape ({tasks}, {n_frames}) (tasks of "
            f"the vocabulary, frames), but got {value.shape}."
        )
        return None
    ann = value.astype(np.float64)
    if np.isinf(ann).any():
        problems.append(f"clip '{clip}': Expected finite annotations or NaN, but got infinities.")
        return None
    return ann


def load_mabe_keypoints(
    source: str | os.PathLike[str] | Mapping, species: str | Species = "mouse"
) -> MabeClips:
    """Load a MABe 2022 trajectory file (or check an already loaded dict).

    Parameters
    ----------
    source
        ``mouse_triplet_train.npy``, ``mouse_triplet_test.npy``, ``fly_group_train.npy``,
        ``fly_group_test.npy`` (any name), or the dict such a file holds.
    species
        ``"mouse"`` (3 mice, 12 keypoints, pixels, 30 Hz) or ``"fly"`` (9 to 11 flies padded
        with NaN, the file's number of keypoints, unnamed in the file, mm, 150 Hz).

    Returns
    -------
    MabeClips
        The clips in file order, with annotations when the file has them.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a ``.npy`` of a pickled dict, refers to code (it is never run),
        or has the wrong structure (see :func:`check_mabe_clips`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mouse_triplet_test.npy"
    >>> clip = {"keypoints": np.ones((4, 3, 12, 2))}
    >>> np.save(path, {"sequences": {"c0": clip}})
    >>> clips = load_mabe_keypoints(path, "mouse")
    >>> clips.clip_lengths, clips.annotations
    ({'c0': 4}, None)
    """
    spec = _species(species)
    if isinstance(source, Mapping):
        return check_mabe_clips(source, spec)
    path = os.fspath(source)
    return check_mabe_clips(load_pickled_npy(path), spec, f"'{path}'")
