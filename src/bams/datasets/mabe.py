"""MABe 2022 trajectory files as recordings: one per animal and clip, with the clip's labels.

:func:`mabe_recordings` reads MABe 2022 mouse-triplet or fly-group files (see
:mod:`bams.io.mabe_keypoints`), computes the species' egocentric and social features for every
animal present in a clip and attaches the clip's annotations as frame labels, or as sequence
labels for the tasks the public evaluator treats as constant within a clip.

The fly files do not name their keypoints: the fly features take the body axis and centre
from keypoints whose names and order are assumed from the format description
(:data:`bams.features.fly.FLY_KEYPOINTS`), so a fly file needs at least as many keypoints as
the last of those (9).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from bams.data import Recordings
from bams.features.egocentric import EgocentricFeatures
from bams.features.fly import FLY_HEADING, FLY_KEYPOINTS, FLY_ORIGIN, fly_features
from bams.features.mouse import mouse_features
from bams.io.mabe_keypoints import SPECIES, MabeClips, load_mabe_keypoints

__all__ = ["SEQUENCE_TASKS", "mabe_recordings"]

MabeSource = str | os.PathLike | Mapping | MabeClips
"""A MABe trajectory file, the dict it holds, or its loaded clips."""

SEQUENCE_TASKS = ("experiment_day", "strain", "lights")
"""Tasks the public evaluator treats as constant within a clip (stored as sequence labels)."""

FEATURES: dict[str, Callable[..., list[EgocentricFeatures]]] = {
    "mouse": mouse_features,
    "fly": fly_features,
}
"""The feature function of each species: ``(keypoints (T, n, K, 2), frame_rate=, social=)``."""

_FLY_BODY = (*FLY_HEADING, *FLY_ORIGIN)
_FLY_MIN_KEYPOINTS = max(FLY_KEYPOINTS.index(name) for name in _FLY_BODY) + 1


def mabe_recordings(
    sources: MabeSource | Sequence[MabeSource],
    species: str = "mouse",
    *,
    social: bool = True,
    labels: bool = True,
    sequence_tasks: Sequence[str] = SEQUENCE_TASKS,
) -> Recordings:
    """Features of every animal of every clip of MABe trajectory files, as recordings.

    Parameters
    ----------
    sources
        One or more MABe trajectory files (paths), the dicts they hold, or loaded
        :class:`~bams.io.mabe_keypoints.MabeClips`; e.g. the train and the test file.
    species
        ``"mouse"`` (:func:`~bams.features.mouse.mouse_features`) or ``"fly"``
        (:func:`~bams.features.fly.fly_features`).
    social
        Include the social features.
    labels
        Include the annotations as labels (NaN for clips without annotations).
    sequence_tasks
        Tasks constant within a clip, stored as sequence labels; the others are frame labels.

    Returns
    -------
    Recordings
        One recording per animal present in a clip, in file and animal order: id
        ``f"{clip}/{animal}"``, group = clip id (animals entirely missing, such as the NaN
        padding of fly clips, are dropped). Frame labels ``{task: (T,) float32}`` and sequence
        labels ``{task: float64}`` from the clip's annotations (MABe annotations are per clip,
        the same for each of its animals), NaN where unlabelled.

    Raises
    ------
    ValueError
        If a source is malformed (see :func:`~bams.io.mabe_keypoints.check_mabe_clips`), a
        clip id appears twice, a sequence-level task varies within a clip, the species is
        unknown, or fly clips have fewer keypoints than the fly body axis and centre use.
    FileNotFoundError
        If a file does not exist.

    Examples
    --------
    >>> from bams.sim.mabe_like import make_mouse_triplets
    >>> files = make_mouse_triplets(4, n_frames=60)
    >>> data = mabe_recordings([files.train, files.test])
    >>> len(data), data.n_features, data.groups[:3] == [data.groups[0]] * 3
    (12, 66, True)
    """
    if species not in FEATURES:
        raise ValueError(f"Expected a species among {sorted(FEATURES)}, but got {species!r}.")
    loaded = _loaded(sources, species)
    if species == "fly":
        _check_fly_keypoints(loaded)
    vocabulary = list(dict.fromkeys(t for c in loaded if c.annotations for t in c.vocabulary))
    vocabulary = vocabulary if labels else []
    return _animal_recordings(loaded, species, vocabulary, sequence_tasks, social)


def _loaded(sources: MabeSource | Sequence[MabeSource], species: str) -> list[MabeClips]:
    """Every source as checked clips; a clip id may appear in one source only."""
    if isinstance(sources, MabeSource):
        sources = [sources]
    loaded = [s if isinstance(s, MabeClips) else load_mabe_keypoints(s, species) for s in sources]
    seen: set[str] = set()
    for clips in loaded:
        repeated = sorted(seen & set(clips.keypoints))
        if repeated:
            raise ValueError(
                f"Expected each clip once, but {repeated[:3]} appear again in {clips.source}."
            )
        seen |= set(clips.keypoints)
    return loaded


def _check_fly_keypoints(loaded: Sequence[MabeClips]) -> None:
    """Fly clips must hold the (assumed) keypoints of the body axis and centre."""
    for clips in loaded:
        n_keypoints = next(iter(clips.keypoints.values())).shape[2]
        if n_keypoints < _FLY_MIN_KEYPOINTS:
            used = ", ".join(f"{FLY_KEYPOINTS.index(n)} ({n})" for n in _FLY_BODY)
            raise ValueError(
                f"Expected at least {_FLY_MIN_KEYPOINTS} keypoints per fly in {clips.source} "
                f"(the fly features use keypoints {used}; the MABe files do not name them, "
                f"these names and this order are assumed), but got {n_keypoints}."
            )


def _animal_recordings(
    loaded: Sequence[MabeClips],
    species: str,
    vocabulary: Sequence[str],
    sequence_tasks: Sequence[str],
    social: bool,
) -> Recordings:
    """One recording per animal present in a clip, labelled with its clip's annotations."""
    spec = SPECIES[species]
    sequences, ids, groups = [], [], []
    frame_labels: dict[str, list[np.ndarray]] = {
        t: [] for t in vocabulary if t not in sequence_tasks
    }
    sequence_labels: dict[str, list[float]] = {t: [] for t in vocabulary if t in sequence_tasks}
    names = actions = None
    for clips in loaded:
        for clip, keypoints in clips.keypoints.items():
            features = FEATURES[species](keypoints, frame_rate=spec.frame_rate, social=social)
            rows = _clip_labels(clips, clip, vocabulary, sequence_tasks, len(keypoints))
            for animal, feature in enumerate(features):
                if np.isnan(feature.values).all():
                    continue
                names, actions = feature.names, feature.actions
                sequences.append(feature.values)
                ids.append(f"{clip}/{animal}")
                groups.append(clip)
                for task, value in rows.items():
                    target = frame_labels if task in frame_labels else sequence_labels
                    target[task].append(value)
    if not sequences:
        raise ValueError("Expected at least one animal with observed keypoints, but got none.")
    return Recordings(
        sequences,
        feature_names=names,
        actions=actions,
        frame_rate=spec.frame_rate,
        ids=ids,
        groups=groups,
        frame_labels=frame_labels,
        sequence_labels={k: np.array(v, dtype=np.float64) for k, v in sequence_labels.items()},
    )


def _clip_labels(clips: MabeClips, clip, vocabulary, sequence_tasks, n_frames) -> dict:
    """``{task: (T,) float32 or a float}`` for one clip; NaN where it has no annotation."""
    rows = {}
    annotations = clips.annotations[clip] if clips.annotations else None
    for task in vocabulary:
        if annotations is None or task not in clips.vocabulary:
            row = np.full(n_frames, np.nan)
        else:
            row = annotations[clips.vocabulary.index(task)]
        if task in sequence_tasks:
            values = np.unique(row[~np.isnan(row)])
            if len(values) > 1:
                raise ValueError(
                    f"Expected sequence-level task '{task}' to be constant within clip "
                    f"'{clip}', but got values {values[:5].tolist()}."
                )
            rows[task] = float(values[0]) if len(values) else float("nan")
        else:
            rows[task] = row.astype(np.float32)
    return rows
