"""The main job: simulated quadrupeds -> train BAMS -> embed -> linear readouts -> report.

The default data are legged robots simulated with MuJoCo (:mod:`bams.sim.quadrupeds`): the
paper's two morphologies, ANYmal B and C, with randomized mass and commanded speed (factors of
a whole trajectory) walking over terrain whose type changes every few seconds (a factor of the
moment). ``dataset="synthetic"`` runs the earlier demo on synthetic recordings with a slow
class and style and a fast hidden state.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from bams.evaluation.display import summary_tables
from bams.evaluation.evaluate import EvaluationConfig
from bams.evaluation.protocols import FRAME, PER_FRAME
from bams.pipelines.study import StudyResult, run_study
from bams.pipelines.synthetic import synthetic_study

DATASETS = ("quadrupeds", "synthetic")
# About 200 trajectories (about 2.5 minutes of simulation on 2 processes: the ANYmals keep
# about 70% of their attempts) and 5 minutes of training: 320 steps at 0.94 s per step on 2
# CPU cores. On the quadrupeds, 5 minutes reach 95.6% of the quality of 20 (docs/quality.md).
DEMO_TRAJECTORIES = 200
DEMO_STEPS = 320
QUADRUPEDS = (
    "Two robot morphologies (ANYmal B and C) with randomized trunk mass and commanded speed "
    "(fixed per trajectory) walk over terrain of five types (changing every few seconds); "
    "BAMS sees only their 12 joint angles and 12 joint velocities at 50 Hz."
)


def run_demo(
    output_dir: str | Path = "runs/demo",
    *,
    dataset: str = "quadrupeds",
    quick: bool = False,
    seed: int = 0,
    workers: int = 2,
    console: Console | None = None,
) -> list[dict]:
    """Run the main job: data, training, embeddings, evaluation against baselines, report.

    Writes to ``output_dir``: the data (``quadrupeds.npz``, reused by later runs, or
    ``data.npz``), the training run (``config.yaml``, ``checkpoints/``, ``logs/``,
    ``model.pt``), ``embeddings.npz``, ``evaluation/`` and ``report/index.html``.

    Parameters
    ----------
    output_dir
        Where everything goes.
    dataset
        ``"quadrupeds"`` (about 200 simulated trajectories, 5 minutes of training) or
        ``"synthetic"``.
    quick
        A tiny version (seconds) for smoke tests.
    seed
        Seed of data, training and readout splits.
    workers
        Simulation processes (quadrupeds).
    console
        Where to print (default: standard output).

    Returns
    -------
    list of dict
        The evaluation summary (see :func:`bams.evaluation.evaluate`).

    Raises
    ------
    ValueError
        If ``dataset`` is unknown.
    """
    if dataset not in DATASETS:
        raise ValueError(f"Expected dataset among {DATASETS}, but got {dataset!r}.")
    console = console or Console()
    if dataset == "quadrupeds":
        study, verdict = _quadruped_study(quick, seed, workers), _quadruped_verdict
    else:
        study, verdict = synthetic_study(quick, seed), _verdict
    # The demo's folder is its own: a rerun replaces the previous run (the data stay cached).
    result = run_study(study, output_dir, overwrite=True, console=console)
    _finish(console, result, verdict(result.summary))
    return result.summary


def _quadruped_study(quick: bool, seed: int, workers: int):
    from bams.pipelines.quadrupeds import (
        FRAME_TASKS,
        SEQUENCE_TASKS,
        QuadrupedRun,
        quadruped_study,
    )
    from bams.presets import preset_params

    tasks = [*SEQUENCE_TASKS, *FRAME_TASKS]
    if quick:
        run = QuadrupedRun(
            n_trajectories=8,
            max_steps=4,
            seed=seed,
            workers=1,  # starting worker processes would take longer than the simulation
            duration=2.0,
            evaluation=EvaluationConfig(seeds=[seed], test_size=0.5, tasks=tasks),
            model_params={**preset_params("quick"), "window_length": 100},
        )
    else:
        run = QuadrupedRun(
            n_trajectories=DEMO_TRAJECTORIES,
            max_steps=DEMO_STEPS,
            seed=seed,
            workers=workers,
            evaluation=EvaluationConfig.paper(tasks=tasks),
        )
    study = quadruped_study(run)
    study.name = "BAMS demo: simulated quadrupeds"
    study.describe = lambda data: f"{QUADRUPEDS}\nData: {data}"
    return study


def _finish(console: Console, result: StudyResult, verdict: list[str]) -> None:
    for table in summary_tables(result.summary):
        console.print(table)
    stages = ", ".join(f"{name} {s:.0f} s" for name, s in result.seconds.items())
    console.print(f"Stages: {stages}; total {sum(result.seconds.values()):.0f} s.")
    for line in verdict:
        console.print(line)
    console.print(f"Report: {result.report}")


def _score(summary: list[dict], method: str, task: str, protocol: str | None = None) -> float:
    protocol = protocol or (FRAME if task == "state" else PER_FRAME)
    return next(
        r["score"]
        for r in summary
        if r["method"] == method and r["task"] == task and r["protocol"] == protocol
    )


def _verdict(rows: list[dict]) -> list[str]:
    """Plain-language checks of what the demo is meant to show (single-frame readouts)."""
    lines = []
    for label in ("class", "style"):
        long, short, raw = (
            _score(rows, m, label) for m in ("BAMS long_term", "BAMS short_term", "raw features")
        )
        ok = long > short and long > raw
        lines.append(
            f"{'[green]yes' if ok else '[red]no'}[/]  slow factor {label!r}: long-term "
            f"{long:.3f} vs short-term {short:.3f} vs raw {raw:.3f}"
        )
    short, raw = _score(rows, "BAMS short_term", "state"), _score(rows, "raw features", "state")
    lines.append(
        f"{'[green]yes' if short > raw else '[red]no'}[/]  fast factor 'state': short-term "
        f"{short:.3f} vs raw {raw:.3f}"
    )
    return lines


def _quadruped_verdict(rows: list[dict]) -> list[str]:
    """Plain-language checks: long-term for trajectory factors, short-term for terrain type."""
    from bams.pipelines.quadrupeds import SEQUENCE_TASKS

    def mark(ok: bool) -> str:
        return "[green]yes" if ok else "[red]no"

    lines = []
    for task in SEQUENCE_TASKS:
        long, short, raw = (
            _score(rows, m, task, PER_FRAME)
            for m in ("BAMS long_term", "BAMS short_term", "raw features")
        )
        lines.append(
            f"{mark(long > short and long > raw)}[/]  trajectory factor {task!r} from single "
            f"frames: long-term {long:.3f} vs short-term {short:.3f} vs raw {raw:.3f}"
        )
    short, long, raw = (
        _score(rows, m, "terrain_type", FRAME)
        for m in ("BAMS short_term", "BAMS long_term", "raw features")
    )
    lines.append(
        f"{mark(short > long and short > raw)}[/]  moment factor 'terrain_type': short-term "
        f"{short:.3f} vs long-term {long:.3f} vs raw {raw:.3f}"
    )
    return lines
