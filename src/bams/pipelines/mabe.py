"""MABe 2022 end to end: keypoint files -> features -> BAMS -> submission -> scores.

:func:`~bams.datasets.mabe.mabe_recordings` turns MABe trajectory files into
:class:`~bams.data.Recordings` (one recording per animal and clip); :func:`run_mabe` does the
whole challenge: it finds the official files in a folder, trains BAMS self-supervised on every
clip (train and test, as the paper does: no label is used), embeds the test clips, writes the
submission and, when the labels and split files are there, scores it with the public
evaluator's protocol.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from bams.config import RunConfig, load_config
from bams.datasets.mabe import mabe_recordings
from bams.io.mabe_files import find_mabe_files
from bams.io.mabe_keypoints import SPECIES, load_mabe_keypoints

__all__ = ["MabeRun", "mabe_config", "run_mabe"]

CONFIG_DEFAULTS: dict[str, list[str]] = {
    # The paper's MABe mouse set-up (docs: the method note): 32 sequences of a whole clip per
    # batch, 500 epochs, lr x 0.1 at 40 % (epoch 200), the default encoders.
    "mouse": ["train.batch_size=32", "train.window_length=1800", "train.epochs=500"],
    # Flies: not in the paper; whole clips of 4500 frames, the same optimization.
    "fly": ["train.batch_size=32", "train.window_length=4500", "train.epochs=500"],
}
"""Configuration overrides applied before the user's, per species."""


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
        Folder with the official files (see :func:`~bams.io.mabe_files.find_mabe_files`).
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
