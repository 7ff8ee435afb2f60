"""Simulated quadrupeds end to end: simulate (cached) -> train BAMS -> embed -> read out -> report.

The legged-robot experiment of the paper on :mod:`bams.sim.quadrupeds` data: 24
proprioceptive features at 50 Hz, three sequence-level factors (robot type, commanded speed,
body mass) and three frame-level ones (terrain type, slope and difficulty). Readouts follow the
paper's split: trained on 20% of the trajectories, tested on the other 80% (``random_state``
42).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bams.data import Recordings
from bams.evaluation.evaluate import EvaluationConfig
from bams.pipelines.study import Study, StudyResult, run_study
from bams.presets import preset_params
from bams.sim.quadrupeds.robots import DEFAULT_ROBOTS

__all__ = [
    "FRAME_TASKS",
    "SEQUENCE_TASKS",
    "QuadrupedRun",
    "quadruped_data",
    "quadruped_study",
    "run_quadrupeds",
]

SEQUENCE_TASKS = ("robot_type", "command_speed", "body_mass")
"""Factors fixed per trajectory (the long-term latent's)."""
FRAME_TASKS = ("terrain_type", "terrain_slope", "terrain_difficulty")
"""Factors that change along a trajectory (the short-term latent's, for terrain type)."""


@dataclass
class QuadrupedRun:
    """Sizes and settings of one quadruped experiment.

    Attributes
    ----------
    n_trajectories
        Kept (successful) trajectories simulated.
    max_steps
        Training steps.
    seed
        Seed of the dataset and of training.
    workers
        Simulation processes.
    difficulty
        Range of the terrain difficulty.
    duration
        Recorded seconds per trajectory.
    robot_types
        Robot presets simulated (default: the paper's pair, ANYmal B and C; see
        :data:`bams.sim.quadrupeds.robots.ROBOT_PAIRS`).
    evaluation
        Readout settings (default: the paper's split, every baseline, the six factors).
    model_params
        Overrides of the ``quadrupeds`` preset (any :class:`bams.BAMS` parameter).
    """

    n_trajectories: int = 1000
    max_steps: int = 3000
    seed: int = 0
    workers: int = 2
    difficulty: tuple[float, float] = (0.0, 1.0)
    duration: float = 20.0
    robot_types: tuple[str, ...] = DEFAULT_ROBOTS
    evaluation: EvaluationConfig = field(
        default_factory=lambda: EvaluationConfig.paper(tasks=[*SEQUENCE_TASKS, *FRAME_TASKS])
    )
    model_params: dict = field(default_factory=dict)


def quadruped_data(
    path: str | Path,
    n_trajectories: int,
    *,
    seed: int = 0,
    workers: int = 2,
    difficulty: tuple[float, float] = (0.0, 1.0),
    duration: float = 20.0,
    robot_types: tuple[str, ...] = DEFAULT_ROBOTS,
    progress: bool = True,
) -> Recordings:
    """Load the quadruped dataset at ``path``, or simulate it there (resumable) if it is not.

    Parameters
    ----------
    path
        ``.npz`` file; reused when it was generated with the same arguments and simulator.
    n_trajectories, seed, workers, difficulty, duration, robot_types, progress
        See :func:`bams.sim.quadrupeds.dataset.generate_quadrupeds`.

    Returns
    -------
    Recordings
        The trajectories.
    """
    from bams.sim.quadrupeds.dataset import generate_quadrupeds

    return generate_quadrupeds(
        n_trajectories,
        seed=seed,
        workers=workers,
        output=path,
        difficulty=difficulty,
        duration=duration,
        robot_types=robot_types,
        progress=progress,
        cache=True,
    )


def quadruped_study(run: QuadrupedRun | None = None, data_path: str | Path | None = None) -> Study:
    """The quadruped experiment as a :class:`~bams.pipelines.study.Study`.

    ``data_path`` is the dataset's cache file (default: ``OUTPUT/quadrupeds.npz``).
    """
    run = run or QuadrupedRun()

    def load_data(output_dir: Path) -> Recordings:
        path = Path(data_path) if data_path is not None else output_dir / "quadrupeds.npz"
        return quadruped_data(
            path,
            run.n_trajectories,
            seed=run.seed,
            workers=run.workers,
            difficulty=run.difficulty,
            duration=run.duration,
            robot_types=run.robot_types,
        )

    params = {**preset_params("quadrupeds"), **run.model_params}
    params.update(max_steps=run.max_steps, seed=run.seed)
    return Study(
        name="BAMS: simulated quadrupeds",
        load_data=load_data,
        params=params,
        evaluation=run.evaluation,
    )


def run_quadrupeds(
    output_dir: str | Path,
    run: QuadrupedRun | None = None,
    *,
    data_path: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    console=None,
) -> StudyResult:
    """Simulate (or load) the data, train BAMS, embed, evaluate and write the report.

    Writes to ``output_dir`` the training run (``config.yaml``, ``model.pt``, logs),
    ``embeddings.npz``, ``evaluation/`` and ``report/index.html``.

    Parameters
    ----------
    output_dir
        Where the run goes.
    run
        Sizes and settings (default: :class:`QuadrupedRun`).
    data_path
        The dataset's cache file (default: ``output_dir / "quadrupeds.npz"``).
    resume
        Continue the training run of ``output_dir`` from its last checkpoint.
    overwrite
        Replace the run ``output_dir`` holds.
    console
        Where to print (default: standard output).

    Returns
    -------
    StudyResult
        See :func:`bams.pipelines.study.run_study`.
    """
    study = quadruped_study(run, data_path)
    return run_study(study, output_dir, resume=resume, overwrite=overwrite, console=console)
