"""Simulated quadrupeds end to end: simulate (cached) -> train BAMS -> embed -> read out -> report.

The legged-robot experiment of the paper on :mod:`bams.sim.quadrupeds` data: 24
proprioceptive features at 50 Hz, three sequence-level factors (robot type, commanded speed,
body mass) and three frame-level ones (terrain type, slope and difficulty). Readouts follow the
paper's split: trained on 20% of the trajectories, tested on the other 80% (``random_state``
42).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from bams.data import Recordings
from bams.embedding import save_embeddings
from bams.estimator import BAMS
from bams.evaluation.run import EvaluationConfig, evaluate_run

__all__ = [
    "FRAME_TASKS",
    "MODEL_PARAMS",
    "SEQUENCE_TASKS",
    "QuadrupedRun",
    "quadruped_data",
    "run_quadrupeds",
]

SEQUENCE_TASKS = ("robot_type", "command_speed", "body_mass")
"""Factors fixed per trajectory (the long-term latent's)."""
FRAME_TASKS = ("terrain_type", "terrain_slope", "terrain_difficulty")
"""Factors that change along a trajectory (the short-term latent's, for terrain type)."""

MODEL_PARAMS: dict = {
    # A trajectory is 20 s = 1,000 frames: one whole trajectory per window. The default
    # encoders see 61 frames (1.2 s, about two trot cycles) and 1,365 frames (the whole
    # trajectory); the future-action histogram covers 1 s.
    "window_length": 1000,
    "batch_size": 32,
    "hoa_window": 50,
    # The paper lowers the learning rate at 40% of a long run; short runs learn the slow
    # factors better when it is lowered late (measured on the synthetic demo).
    "lr_decay_at": (0.8,),
}
"""BAMS settings for the quadruped data (on top of the defaults)."""


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
    evaluation
        Readout settings (default: the paper's split, every baseline).
    model_params
        Overrides of :data:`MODEL_PARAMS` (any :class:`bams.BAMS` parameter).
    """

    n_trajectories: int = 1000
    max_steps: int = 3000
    seed: int = 0
    workers: int = 2
    difficulty: tuple[float, float] = (0.0, 1.0)
    duration: float = 20.0
    evaluation: EvaluationConfig = field(
        default_factory=lambda: EvaluationConfig(
            seeds=[42],
            train_size=0.2,
            test_size=None,
            tasks=[*SEQUENCE_TASKS, *FRAME_TASKS],
        )
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
    progress: bool = True,
) -> Recordings:
    """Load the quadruped dataset at ``path``, or simulate it there (resumable) if it is not.

    Parameters
    ----------
    path
        ``.npz`` file; reused when it was generated with the same arguments and simulator.
    n_trajectories, seed, workers, difficulty, duration, progress
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
        progress=progress,
        cache=True,
    )


def run_quadrupeds(
    output_dir: str | Path,
    run: QuadrupedRun | None = None,
    *,
    data_path: str | Path | None = None,
    resume: bool = False,
    console: Console | None = None,
) -> tuple[list[dict], dict[str, float]]:
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
        Continue the training run of ``output_dir`` from its last checkpoint (for example
        after an interruption, or with more ``max_steps``).
    console
        Where to print (default: standard output).

    Returns
    -------
    tuple
        The evaluation summary (see :func:`bams.evaluation.run.evaluate_run`) and the time
        (s) of each stage: ``data``, ``training``, ``evaluation``, ``report``.
    """
    from bams.report import write_report

    run = run or QuadrupedRun()
    console = console or Console()
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    data_path = Path(data_path) if data_path is not None else output_dir / "quadrupeds.npz"
    times: dict[str, float] = {}
    start = time.perf_counter()
    data = quadruped_data(
        data_path,
        run.n_trajectories,
        seed=run.seed,
        workers=run.workers,
        difficulty=run.difficulty,
        duration=run.duration,
    )
    times["data"] = time.perf_counter() - start
    console.print(f"Data: {data} ({times['data']:.0f} s)")
    params = {**MODEL_PARAMS, **run.model_params}
    model = BAMS(max_steps=run.max_steps, seed=run.seed, output_dir=output_dir, **params)
    start = time.perf_counter()
    model.fit(data, resume=resume)
    times["training"] = time.perf_counter() - start
    start = time.perf_counter()
    save_embeddings(output_dir / "embeddings.npz", model.transform(data), data.ids)
    summary = evaluate_run(output_dir, data, run.evaluation, console=console)
    times["evaluation"] = time.perf_counter() - start
    start = time.perf_counter()
    write_report(output_dir, data)
    times["report"] = time.perf_counter() - start
    return summary, times
