"""The main job: simulated quadrupeds -> train BAMS -> embed -> linear readouts -> report.

The default data are legged robots simulated with MuJoCo (:mod:`bams.sim.quadrupeds`): two
morphologies with randomized mass and commanded speed (factors of a whole trajectory) walking
over terrain whose type changes every few seconds (a factor of the moment). ``dataset=
"synthetic"`` runs the earlier demo on synthetic recordings with a slow class and style and a
fast hidden state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bams.data import Recordings
from bams.embedding import save_embeddings
from bams.estimator import BAMS
from bams.evaluation.display import summary_tables
from bams.evaluation.run import EvaluationConfig, evaluate_run
from bams.sim.synthetic import make_synthetic

DATASETS = ("quadrupeds", "synthetic")


@dataclass(frozen=True)
class DemoSize:
    """How much data and training the demo uses."""

    n_recordings: int
    n_frames: int
    max_steps: int
    window_length: int


# 300 steps take about 5 minutes on 2 CPU cores. The paper lowers the learning rate at 40% of
# a 500-epoch run; in a run this short, lowering it at 80% learns the slow factors much better.
FULL = DemoSize(n_recordings=80, n_frames=4500, max_steps=300, window_length=1800)
QUICK = DemoSize(n_recordings=12, n_frames=600, max_steps=4, window_length=300)
LR_DECAY_AT = (0.8,)
# About 200 trajectories (about 4 minutes of simulation on 2 processes) and 5 minutes of
# training (0.7 s per step of 32 trajectories on 2 CPU cores).
DEMO_TRAJECTORIES = 200
DEMO_STEPS = 430


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
        The evaluation summary (see :func:`bams.evaluation.run.evaluate_run`).

    Raises
    ------
    ValueError
        If ``dataset`` is unknown.
    """
    if dataset not in DATASETS:
        raise ValueError(f"Expected dataset among {DATASETS}, but got {dataset!r}.")
    console = console or Console()
    if dataset == "quadrupeds":
        return _quadruped_demo(Path(output_dir), quick, seed, workers, console)
    return _synthetic_demo(Path(output_dir), quick, seed, console)


def _quadruped_demo(
    output_dir: Path, quick: bool, seed: int, workers: int, console: Console
) -> list[dict]:
    from bams.pipelines.quadrupeds import FRAME_TASKS, SEQUENCE_TASKS, QuadrupedRun, run_quadrupeds

    start = time.perf_counter()
    console.rule("[bold]BAMS demo: simulated quadrupeds")
    console.print(
        "Two robot morphologies with randomized trunk mass and commanded speed (fixed per "
        "trajectory) walk over terrain of five types (changing every few seconds); BAMS sees "
        "only their 12 joint angles and 12 joint velocities at 50 Hz."
    )
    tasks = [*SEQUENCE_TASKS, *FRAME_TASKS]
    if quick:
        run = QuadrupedRun(
            n_trajectories=8,
            max_steps=4,
            seed=seed,
            workers=1,  # starting worker processes would take longer than the simulation
            duration=2.0,
            evaluation=EvaluationConfig(seeds=[seed], test_size=0.5, tasks=tasks),
            model_params={
                "encoders": _quick_encoders(),
                "predictor_hidden": (64,),
                "window_length": 100,
            },
        )
    else:
        run = QuadrupedRun(
            n_trajectories=DEMO_TRAJECTORIES,
            max_steps=DEMO_STEPS,
            seed=seed,
            workers=workers,
            evaluation=EvaluationConfig(seeds=[42], train_size=0.2, test_size=None, tasks=tasks),
        )
    summary, times = run_quadrupeds(output_dir, run, console=console)
    _finish(console, summary, times, start, _quadruped_verdict(summary), output_dir)
    return summary


def _synthetic_demo(output_dir: Path, quick: bool, seed: int, console: Console) -> list[dict]:
    from bams.report import write_report

    size = QUICK if quick else FULL
    start = time.perf_counter()
    console.rule("[bold]BAMS demo: synthetic recordings")
    data_path = make_synthetic(size.n_recordings, size.n_frames, seed=seed).save(
        output_dir / "data.npz"
    )
    data = Recordings.load(data_path)
    console.print(
        f"Data: {data}\n  slow factors per recording: class (3 values), style (continuous); "
        "fast factor: state (4 values, switches every 0.5-2 s)"
    )
    model_params = {"encoders": _quick_encoders(), "predictor_hidden": (64,)} if quick else {}
    model = BAMS(
        max_steps=size.max_steps,
        window_length=size.window_length,
        lr_decay_at=LR_DECAY_AT,
        seed=seed,
        output_dir=output_dir,
        **model_params,
    )
    times = {"data": time.perf_counter() - start}
    model.fit(data)
    times["training"] = time.perf_counter() - start - times["data"]
    tick = time.perf_counter()
    save_embeddings(output_dir / "embeddings.npz", model.transform(data), data.ids)
    seeds = [seed] if quick else [seed, seed + 1, seed + 2]
    summary = evaluate_run(output_dir, data, EvaluationConfig(seeds=seeds), console=console)
    times["evaluation"] = time.perf_counter() - tick
    tick = time.perf_counter()
    write_report(output_dir, data)
    times["report"] = time.perf_counter() - tick
    _finish(console, summary, times, start, _verdict(summary), output_dir)
    return summary


def _finish(
    console: Console,
    summary: list[dict],
    times: dict[str, float],
    start: float,
    verdict: list[str],
    output_dir: Path,
) -> None:
    for table in summary_tables(summary):
        console.print(table)
    console.print(
        f"Data {times['data']:.0f} s, training {times['training']:.0f} s, embedding and "
        f"evaluation {times['evaluation']:.0f} s, report {times['report']:.0f} s, "
        f"total {time.perf_counter() - start:.0f} s."
    )
    for line in verdict:
        console.print(line)
    console.print(f"Report: {output_dir / 'report' / 'index.html'}")


def _quick_encoders() -> dict:
    return {
        "short_term": {"channels": [16, 16], "dilation_base": 2, "warmup": 10},
        "long_term": {
            "channels": [16, 16, 16],
            "dilation_base": 4,
            "warmup": 40,
            "bootstrap_max_offset": None,
        },
    }


def _score(summary: list[dict], method: str, task: str, protocol: str | None = None) -> float:
    protocol = protocol or ("frame" if task == "state" else "per_frame")
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
            _score(rows, m, task, "per_frame")
            for m in ("BAMS long_term", "BAMS short_term", "raw features")
        )
        lines.append(
            f"{mark(long > short and long > raw)}[/]  trajectory factor {task!r} from single "
            f"frames: long-term {long:.3f} vs short-term {short:.3f} vs raw {raw:.3f}"
        )
    short, long, raw = (
        _score(rows, m, "terrain_type", "frame")
        for m in ("BAMS short_term", "BAMS long_term", "raw features")
    )
    lines.append(
        f"{mark(short > long and short > raw)}[/]  moment factor 'terrain_type': short-term "
        f"{short:.3f} vs long-term {long:.3f} vs raw {raw:.3f}"
    )
    return lines
