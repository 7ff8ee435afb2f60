"""MABe 2022 end to end: keypoint files -> features -> BAMS -> submission -> scores.

:func:`~bams.datasets.mabe.mabe_recordings` turns MABe trajectory files into
:class:`~bams.data.Recordings` (one recording per animal and clip); :func:`run_mabe` does the
whole challenge: it finds the official files in a folder, trains BAMS self-supervised on every
clip (train and test, as the paper does: no label is used), embeds the test clips, writes the
submission and, when the labels and split files are there, scores it with the public
evaluator's protocol. With the official frame number map (given, or found next to the data)
the submission lays its clips out exactly as that map does, which the evaluator requires;
without one they follow the test file's order.
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
from bams.io.mabe_frame_map import clips_in_map_order, load_frame_map
from bams.io.mabe_keypoints import SPECIES, load_mabe_keypoints
from bams.io.mabe_submission import DEFAULT_NORMALIZATION, normalization_mode
from bams.pipelines.study import Study, StudyContext, run_study
from bams.training.run_dir import check_run_dir
from bams.utils.paths import check_outputs_apart

__all__ = ["PRESETS", "MabeRun", "mabe_config", "mabe_study", "run_mabe"]

PRESETS = {"mouse": "mabe_mice", "fly": "mabe_flies"}
"""The preset of each species (:mod:`bams.presets`), applied before the user's overrides."""
SOCIAL_OPTIONAL = ("neighbor*",)
"""With the social features, a neighbour's features may be missing in a valid frame (an
untracked neighbour would otherwise mask the focal animal's whole frame: 35% of the frames of
every mouse of the real MABe clip in ``benchmarks/mabe_real_clip.py``); unless the
configuration sets ``model.optional_features`` itself."""


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
    frame_map
        The official frame number map the submission follows (``None``: none was given or
        found, and the clips follow the test file's order).
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
    frame_map: Path | None = None
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
    frame_map: str | os.PathLike | None = None,
    normalization: str = DEFAULT_NORMALIZATION,
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
    frame_map
        The official frame number map (e.g. the evaluator's ``mouse_frame_number_map.npy``);
        default: the one found in ``data_dir`` (see
        :func:`~bams.io.mabe_files.find_mabe_files`), else none. The submission lays the
        test clips out as it says, and it is the map the submission is scored with.
    normalization
        How the submission's embeddings are normalized (see
        :func:`~bams.io.mabe_submission.build_submission`): ``"global"``,
        ``"per_frame_index"`` (the reference's) or ``"none"``.

    Returns
    -------
    MabeRun
        Paths, scores and the time of each stage.

    Raises
    ------
    FileNotFoundError
        If the folder lacks the train or test file.
    ValueError
        If a file is malformed or unsafe, the configuration is invalid, an output would
        overwrite an input file, or the test file's clips differ from the frame number map's
        (checked before training).
    """
    console = Console(stderr=True, quiet=not verbose)
    files = find_mabe_files(data_dir, species)
    if frame_map is not None:
        files.frame_map = Path(frame_map)
    result = _run_paths(files, Path(output_dir))
    official = None if files.frame_map is None else load_frame_map(files.frame_map)
    console.print(_layout_note(files))
    config = _run_config(species, overrides, epochs, normalization, social)
    check_run_dir(result.run_dir, resume=False, overwrite=overwrite)
    study_params = {**params_from_config(config), "verbose": verbose, **dict(params or {})}
    study = mabe_study(
        files,
        result,
        species,
        study_params,
        social,
        frame_map=official,
        normalization=normalization,
    )
    result.seconds = run_study(study, result.run_dir, overwrite=overwrite, console=console).seconds
    return result


def _run_paths(files: MabeFiles, out: Path) -> MabeRun:
    """The run's output paths, checked to be apart from every input file."""
    result = MabeRun(
        out, out / "features.npz", out / "bams", out / "submission.npy", files.frame_map
    )
    outputs = {"features": result.features, "submission": result.submission}
    inputs = {"train": files.train, "test": files.test, "labels": files.labels}
    inputs.update(split=files.split, **{"frame map": files.frame_map})
    check_outputs_apart({**outputs, "scores": out / "scores.csv"}, inputs)
    return result


def _run_config(
    species: str, overrides: Sequence[str], epochs: int | None, normalization: str, social: bool
) -> RunConfig:
    """The checked run configuration (before training: a bad setting fails at once)."""
    config = mabe_config(species, overrides, epochs)
    normalization_mode(normalization)  # a bad name fails before any work
    if social and not config.model.optional_features:
        config.model.optional_features = list(SOCIAL_OPTIONAL)
    return config


def _layout_note(files: MabeFiles) -> str:
    """Which frame number map the submission follows, in words."""
    if files.frame_map is not None:
        return f"Frame number map: {files.frame_map} (the submission follows it)."
    note = (
        "No frame number map given or found: the submission lays the clips out in the test "
        "file's order (the official evaluator requires its frame number map)"
    )
    if files.labels is not None and files.split is not None:
        note += "; it is scored only if the labels file holds a frame number map"
    return note + "."


def mabe_study(
    files: MabeFiles,
    result: MabeRun,
    species: str,
    params: Mapping,
    social: bool = True,
    *,
    frame_map: Mapping[str, tuple[int, int]] | None = None,
    normalization: str = DEFAULT_NORMALIZATION,
) -> Study:
    """The MABe challenge as a study: its evaluation stage is the submission and its scores.

    The data stage reads the train and test clips (checked against ``frame_map``, the
    official frame number map, when given) and writes their features to
    ``result.features``; the evaluation stage embeds the test clips (a batch of clips at a
    time) into ``result.submission``, laid out as ``frame_map`` says or else in the test
    file's order, and, with labels and split, scores it into ``result``.
    """
    from bams.io.mabe_submission import write_submission

    max_dims = SPECIES[species].max_dims
    test_clips: dict[str, int] = {}

    def load_data(_: Path) -> Recordings:
        train = load_mabe_keypoints(files.train, species)
        test = load_mabe_keypoints(files.test, species)
        if frame_map is not None:  # before training: a wrong map fails now, not at the end
            clips_in_map_order(test.clip_lengths, frame_map, f"the test file '{files.test}'")
        test_clips.update(test.clip_lengths)
        data = mabe_recordings([train, test], species, social=social)
        data.source = str(data.save(result.features))  # the run's config names its data
        return data

    def submit_and_score(context: StudyContext) -> MabeRun:
        clips = None if frame_map is not None else test_clips
        write_submission(
            result.submission,
            context.model,
            context.data,
            clips=clips,
            max_dims=max_dims,
            frame_map=frame_map,
            standardize=normalization,
        )
        context.console.print(f"Submission: {result.submission} ({normalization} normalization)")
        return _score(files, result, frame_map, max_dims, context.console)

    return Study(
        name=f"MABe 2022 ({species}): features -> BAMS -> submission -> scores",
        load_data=load_data,
        params=dict(params),
        evaluate=submit_and_score,
        embed=False,  # the submission embeds the test clips a batch at a time
        describe=lambda data: f"Features: {data} -> {result.features}",
    )


def _score(
    files: MabeFiles, result: MabeRun, frame_map: Mapping | None, max_dims: int, console: Console
) -> MabeRun:
    """Score the submission into ``result`` when the labels, the split and a map are there."""
    from bams.evaluation.mabe import save_scores_csv, score_files
    from bams.io.mabe import load_mabe_labels

    if files.labels is None or files.split is None:
        console.print("No labels or split file: the submission is not scored.")
        return result
    labels = load_mabe_labels(files.labels)
    if frame_map is None and labels["frame_number_map"] is None:
        console.print(
            "Not scored: the labels file holds no frame number map and none was given "
            "(--frame-map) or found next to the data; a submission's own map is not trusted."
        )
        return result
    result.scores = score_files(
        result.submission, labels, files.split, max_dims=max_dims, frame_map=frame_map
    )
    result.scores_csv = save_scores_csv(result.scores, result.output_dir / "scores.csv")
    return result
