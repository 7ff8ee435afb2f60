"""MABe 2022 end to end: keypoint files -> features -> BAMS -> submission -> scores.

:func:`mabe_recordings` turns MABe trajectory files into :class:`~bams.data.Recordings` (one
recording per animal and clip); :func:`run_mabe` does the whole challenge: it finds the
official files in a folder, trains BAMS self-supervised on every clip (train and test, as
the paper does: no label is used), embeds the test clips, writes the submission and, when
the labels and split files are there, scores it with the public evaluator's protocol.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console

from bams.config import RunConfig, load_config
from bams.data import Recordings
from bams.features.egocentric import EgocentricFeatures
from bams.features.fly import fly_features
from bams.features.mouse import mouse_features
from bams.io.mabe_keypoints import SPECIES, MabeClips, load_mabe_keypoints

__all__ = [
    "SEQUENCE_TASKS",
    "MabeFiles",
    "MabeRun",
    "find_mabe_files",
    "mabe_config",
    "mabe_recordings",
    "run_mabe",
]

MabeSource = str | os.PathLike | Mapping | MabeClips
"""A MABe trajectory file, the dict it holds, or its loaded clips."""

SEQUENCE_TASKS = ("experiment_day", "strain", "lights")
"""Tasks the public evaluator treats as constant within a clip (stored as sequence labels)."""

FEATURES: dict[str, Callable[..., list[EgocentricFeatures]]] = {
    "mouse": mouse_features,
    "fly": fly_features,
}
"""The feature function of each species: ``(keypoints (T, n, K, 2), frame_rate=, social=)``."""

CONFIG_DEFAULTS: dict[str, list[str]] = {
    # The paper's MABe mouse set-up (docs: the method note): 32 sequences of a whole clip per
    # batch, 500 epochs, lr x 0.1 at 40 % (epoch 200), the default encoders.
    "mouse": ["train.batch_size=32", "train.window_length=1800", "train.epochs=500"],
    # Flies: not in the paper; whole clips of 4500 frames, the same optimization.
    "fly": ["train.batch_size=32", "train.window_length=4500", "train.epochs=500"],
}
"""Configuration overrides applied before the user's, per species."""


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
        clip id appears twice, a sequence-level task varies within a clip, or the species is
        unknown.
    FileNotFoundError
        If a file does not exist.

    Examples
    --------
    >>> from bams.sim.mabe_like import make_mouse_triplets
    >>> files = make_mouse_triplets(4, n_frames=60)
    >>> data = mabe_recordings([files.train, files.test])
    >>> len(data), data.n_features, data.groups[:3] == [data.groups[0]] * 3
    (12, 58, True)
    """
    if species not in FEATURES:
        raise ValueError(f"Expected a species among {sorted(FEATURES)}, but got {species!r}.")
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
    vocabulary = list(dict.fromkeys(t for c in loaded if c.annotations for t in c.vocabulary))
    vocabulary = vocabulary if labels else []
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


@dataclass
class MabeFiles:
    """The MABe files found in a folder (``labels`` and ``split`` may be absent)."""

    train: Path
    test: Path
    labels: Path | None = None
    split: Path | None = None


def find_mabe_files(data_dir: str | os.PathLike, species: str = "mouse") -> MabeFiles:
    """Find the official MABe 2022 files of ``species`` in ``data_dir``.

    Looks for ``{prefix}_train.npy`` and ``{prefix}_test.npy`` (prefix ``mouse_triplet`` or
    ``fly_group``), a labels file ``*test_labels.npy`` and a split file (``.npy`` or
    ``.json`` with ``split`` in its name), preferring names that start with the prefix.

    Raises
    ------
    FileNotFoundError
        If the folder or the train or test file is missing (the expected names are given).
    ValueError
        If the species is unknown, or several labels or split files match.
    """
    if species not in SPECIES:
        raise ValueError(f"Expected a species among {sorted(SPECIES)}, but got {species!r}.")
    prefix = SPECIES[species].file_prefix
    folder = Path(data_dir)
    expected = [f"{prefix}_train.npy", f"{prefix}_test.npy"]
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Expected a folder with {' and '.join(expected)}, but '{folder}' is not a folder."
        )
    missing = [name for name in expected if not (folder / name).is_file()]
    if missing:
        present = sorted(p.name for p in folder.iterdir())
        raise FileNotFoundError(
            f"Expected {' and '.join(expected)} in '{folder}' (optionally "
            f"{prefix}_test_labels.npy and a split file), but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing; the folder holds {present[:10]}"
            f"{' ...' if len(present) > 10 else ''}."
        )
    labels = _one_file(folder, prefix, lambda p: p.name.endswith("test_labels.npy"), "labels")
    split = _one_file(
        folder,
        prefix,
        lambda p: "split" in p.name.lower() and p.suffix.lower() in (".npy", ".json"),
        "split",
    )
    return MabeFiles(folder / expected[0], folder / expected[1], labels, split)


def _one_file(folder: Path, prefix: str, match, what: str) -> Path | None:
    found = sorted(p for p in folder.iterdir() if p.is_file() and match(p))
    preferred = [p for p in found if p.name.startswith(prefix)]
    candidates = preferred or found
    if len(candidates) > 1:
        raise ValueError(
            f"Expected at most one {what} file in '{folder}', but got "
            f"{[p.name for p in candidates]}."
        )
    return candidates[0] if candidates else None


def mabe_config(
    species: str = "mouse", overrides: Sequence[str] = (), epochs: int | None = None
) -> RunConfig:
    """The run configuration: the species' defaults, then ``overrides``, then ``epochs``.

    Examples
    --------
    >>> config = mabe_config("mouse", ["train.batch_size=8"], epochs=3)
    >>> config.train.batch_size, config.train.window_length, config.train.epochs
    (8, 1800, 3)
    """
    if species not in CONFIG_DEFAULTS:
        raise ValueError(
            f"Expected a species among {sorted(CONFIG_DEFAULTS)}, but got {species!r}."
        )
    config = load_config(None, [*CONFIG_DEFAULTS[species], *overrides])
    if epochs is not None:
        config.train.epochs = epochs
    return config


@dataclass
class MabeRun:
    """What :func:`run_mabe` wrote and measured.

    Attributes
    ----------
    output_dir, features, run_dir, submission
        The output folder, the features (``features.npz``), the BAMS run directory
        (``bams/``) and ``submission.npy``.
    scores_csv
        ``scores.csv`` (``None`` without labels and split).
    scores
        The :class:`~bams.evaluation.mabe.TaskScore` rows (empty without labels and split).
    seconds
        Wall-clock seconds of each stage: load, features, train, submission, score.
    """

    output_dir: Path
    features: Path
    run_dir: Path
    submission: Path
    scores_csv: Path | None = None
    scores: list = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def run_mabe(
    data_dir: str | os.PathLike,
    output_dir: str | os.PathLike = "runs/mabe",
    *,
    species: str = "mouse",
    overrides: Sequence[str] = (),
    epochs: int | None = None,
    params: Mapping | None = None,
    social: bool = True,
    verbose: bool = True,
) -> MabeRun:
    """Features, self-supervised training, submission and scores for a MABe 2022 folder.

    Parameters
    ----------
    data_dir
        Folder with the official files (see :func:`find_mabe_files`).
    output_dir
        Receives ``features.npz`` (the recordings), ``bams/`` (the BAMS run: config,
        checkpoints, logs, ``model.pt``), ``submission.npy`` and ``scores.csv``.
    species
        ``"mouse"`` or ``"fly"``.
    overrides
        ``key=value`` configuration overrides, as ``bams train -s``.
    epochs
        Training epochs (default: the species' default, 500).
    params
        :class:`~bams.BAMS` keyword arguments applied last (e.g. a tiny model for tests).
    social
        Include the social features.
    verbose
        Print progress and the training progress bar.

    Returns
    -------
    MabeRun
        Paths, scores and the time of each stage.

    Raises
    ------
    FileNotFoundError
        If the folder lacks the train or test file.
    ValueError
        If a file is malformed or unsafe, the configuration is invalid, or an output would
        overwrite an input file.
    """
    from bams.estimator import BAMS
    from bams.evaluation.mabe import save_scores_csv, score_files
    from bams.io.mabe_submission import write_submission

    console = Console(stderr=True, quiet=not verbose)
    files = find_mabe_files(data_dir, species)
    out = Path(output_dir)
    result = MabeRun(out, out / "features.npz", out / "bams", out / "submission.npy")
    inputs = {p.resolve() for p in (files.train, files.test, files.labels, files.split) if p}
    if {
        result.features.resolve(),
        result.submission.resolve(),
        (out / "scores.csv").resolve(),
    } & inputs:
        raise ValueError(
            f"Expected outputs apart from the input files, but '{out}' would overwrite one."
        )
    config = mabe_config(species, overrides, epochs)  # fail early on a bad configuration
    seconds = result.seconds

    start = time.perf_counter()
    train = load_mabe_keypoints(files.train, species)
    test = load_mabe_keypoints(files.test, species)
    seconds["load"] = time.perf_counter() - start
    console.print(f"Loaded {len(train.keypoints)} train and {len(test.keypoints)} test clips.")

    start = time.perf_counter()
    data = mabe_recordings([train, test], species, social=social)
    data.save(result.features)
    data.source = str(result.features)
    seconds["features"] = time.perf_counter() - start
    console.print(f"Features: {data} -> {result.features}")

    start = time.perf_counter()
    config.output_dir = str(result.run_dir)
    model = BAMS.from_config(config, **{"verbose": verbose, **dict(params or {})}).fit(data)
    seconds["train"] = time.perf_counter() - start

    start = time.perf_counter()
    write_submission(
        result.submission,
        model,
        data,
        clips=test.clip_lengths,
        max_dims=SPECIES[species].max_dims,
    )
    seconds["submission"] = time.perf_counter() - start
    console.print(f"Submission: {result.submission}")

    if files.labels is not None and files.split is not None:
        start = time.perf_counter()
        result.scores = score_files(
            result.submission, files.labels, files.split, max_dims=SPECIES[species].max_dims
        )
        result.scores_csv = save_scores_csv(result.scores, out / "scores.csv")
        seconds["score"] = time.perf_counter() - start
    else:
        console.print("No labels or split file: the submission is not scored.")
    return result
