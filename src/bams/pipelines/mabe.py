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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from bams.config import RunConfig, load_config, params_from_config
from bams.data import Recordings
from bams.datasets.mabe import mabe_recordings
from bams.io.mabe_files import MabeFiles, find_mabe_files
from bams.io.mabe_keypoints import SPECIES, load_mabe_keypoints
from bams.pipelines.study import Study, StudyContext, run_study
from bams.training.run_dir import check_run_dir
from bams.utils.paths import check_outputs_apart

__all__ = ["PRESETS", "MabeRun", "mabe_config", "mabe_study", "run_mabe"]

PRESETS = {"mouse": "mabe_mice", "fly": "mabe_flies"}
"""The preset of each species (:mod:`bams.presets`), applied before the user's overrides."""


def mabe_config(
    species: str = "mouse", overrides: Sequence[str] = (), epochs: int | None = None
) -> RunConfig:
    """The run configuration: the species' preset, then ``overrides``, then ``epochs``.

    Examples
    --------
    >>> config = mabe_config("mouse", ["train.batch_size=8"], epochs=3)
    >>> config.train.batch_size, config.train.window_length, config.train.epochs
    (8, 1800, 3)
    """
    if species not in PRESETS:
        raise ValueError(f"Expected a species among {sorted(PRESETS)}, but got {species!r}.")
    config = load_config(None, list(overrides), preset=PRESETS[species])
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
        Wall-clock seconds of each stage: ``data`` (the clips and their features),
        ``training``, ``evaluation`` (the submission and its scores).
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
    overwrite: bool = False,
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
    overwrite
        Replace the BAMS run that ``output_dir/bams`` holds (else it is refused).

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
    console = Console(stderr=True, quiet=not verbose)
    files = find_mabe_files(data_dir, species)
    out = Path(output_dir)
    result = MabeRun(out, out / "features.npz", out / "bams", out / "submission.npy")
    check_outputs_apart(
        {
            "features": result.features,
            "submission": result.submission,
            "scores": out / "scores.csv",
        },
        {"train": files.train, "test": files.test, "labels": files.labels, "split": files.split},
    )
    config = mabe_config(species, overrides, epochs)  # fail early on a bad configuration
    check_run_dir(result.run_dir, resume=False, overwrite=overwrite)
    study_params = {**params_from_config(config), "verbose": verbose, **dict(params or {})}
    study = mabe_study(files, result, species, study_params, social)
    result.seconds = run_study(study, result.run_dir, overwrite=overwrite, console=console).seconds
    return result


def mabe_study(
    files: MabeFiles, result: MabeRun, species: str, params: Mapping, social: bool = True
) -> Study:
    """The MABe challenge as a study: its evaluation stage is the submission and its scores.

    The data stage reads the train and test clips and writes their features to
    ``result.features``; the evaluation stage embeds the test clips (a batch of clips at a
    time) into ``result.submission`` and, with labels and split, scores it into ``result``.
    """
    from bams.evaluation.mabe import save_scores_csv, score_files
    from bams.io.mabe_submission import write_submission

    max_dims = SPECIES[species].max_dims
    test_clips: dict[str, int] = {}

    def load_data(_: Path) -> Recordings:
        train = load_mabe_keypoints(files.train, species)
        test = load_mabe_keypoints(files.test, species)
        test_clips.update(test.clip_lengths)
        data = mabe_recordings([train, test], species, social=social)
        data.source = str(data.save(result.features))  # the run's config names its data
        return data

    def submit_and_score(context: StudyContext) -> MabeRun:
        write_submission(
            result.submission, context.model, context.data, clips=test_clips, max_dims=max_dims
        )
        context.console.print(f"Submission: {result.submission}")
        if files.labels is None or files.split is None:
            context.console.print("No labels or split file: the submission is not scored.")
            return result
        result.scores = score_files(result.submission, files.labels, files.split, max_dims=max_dims)
        result.scores_csv = save_scores_csv(result.scores, result.output_dir / "scores.csv")
        return result

    return Study(
        name=f"MABe 2022 ({species}): features -> BAMS -> submission -> scores",
        load_data=load_data,
        params=dict(params),
        evaluate=submit_and_score,
        embed=False,  # the submission embeds the test clips a batch at a time
        describe=lambda data: f"Features: {data} -> {result.features}",
    )
