"""The ``bams`` command line: a thin layer over the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

app = typer.Typer(
    help="Self-supervised multi-timescale behavior analysis (BAMS).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
simulate_app = typer.Typer(help="Generate datasets with known ground truth.", no_args_is_help=True)
app.add_typer(simulate_app, name="simulate")

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", "-s", help="Override a config value, e.g. -s train.epochs=20 (repeatable)."
    ),
]


@app.command()
def train(
    data: Annotated[Path | None, typer.Option(help="Recordings file (.npz).")] = None,
    config: Annotated[Path | None, typer.Option(help="YAML config file.")] = None,
    output_dir: Annotated[Path | None, typer.Option(help="Run directory.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Training epochs.")] = None,
    accelerator: Annotated[str | None, typer.Option(help="cpu, gpu or auto.")] = None,
    devices: Annotated[str | None, typer.Option(help="Devices per node (e.g. 4, or auto).")] = None,
    num_nodes: Annotated[int | None, typer.Option(help="Number of machines.")] = None,
    strategy: Annotated[str | None, typer.Option(help="auto, ddp, ddp_spawn, ...")] = None,
    precision: Annotated[str | None, typer.Option(help="32-true, bf16-mixed, 16-mixed.")] = None,
    resume: Annotated[bool, typer.Option(help="Continue from the run's last checkpoint.")] = False,
    set_: SetOption = None,
) -> None:
    """Train BAMS on a recordings file; writes config, checkpoints, logs and model.pt."""
    from lightning_fabric.utilities.rank_zero import rank_zero_only

    from bams.config import load_config
    from bams.pipeline import train_run

    run_config = _or_exit(load_config, config, list(set_ or []))
    if data is not None:
        run_config.data = str(data)
    if output_dir is not None:
        run_config.output_dir = str(output_dir)
    flags = {
        "epochs": epochs,
        "accelerator": accelerator,
        "num_nodes": num_nodes,
        "strategy": strategy,
        "precision": precision,
        "devices": int(devices) if devices is not None and devices.isdigit() else devices,
    }
    for key, value in flags.items():
        if value is not None:
            setattr(run_config.train, key, value)
    _or_exit(train_run, run_config, resume)
    if rank_zero_only.rank == 0:  # under DDP every process runs this command
        typer.echo(f"Model saved to {Path(run_config.output_dir) / 'model.pt'}")


@app.command()
def embed(
    model: Annotated[Path, typer.Option(help="model.pt or a checkpoint.")],
    data: Annotated[Path, typer.Option(help="Recordings file (.npz).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Embeddings file (.npz).")],
    chunk_length: Annotated[int | None, typer.Option(help="Frames per chunk.")] = None,
    precision: Annotated[str | None, typer.Option(help="auto, bf16 or 32.")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda, ...")] = None,
) -> None:
    """Embed every recording of a data file with a trained model."""
    from bams.pipeline import embed_run

    overrides = {
        "chunk_length": chunk_length,
        "inference_precision": precision,
        "inference_device": device,
    }
    path = _or_exit(
        embed_run, model, data, output, **{k: v for k, v in overrides.items() if v is not None}
    )
    typer.echo(f"Embeddings saved to {path}")


@app.command()
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A training run directory.")],
    data: Annotated[
        Path | None, typer.Option(help="Labelled recordings (default: the run's).")
    ] = None,
    seeds: Annotated[str, typer.Option(help="Comma-separated split seeds.")] = "0,1,2",
    test_size: Annotated[float | None, typer.Option(help="Fraction of recordings tested.")] = 0.5,
    train_size: Annotated[
        float | None, typer.Option(help="Fraction of recordings trained.")
    ] = None,
    baselines: Annotated[
        str, typer.Option(help="Comma-separated: raw,pca,window_average,untrained.")
    ] = "raw,pca,window_average,untrained",
    peers: Annotated[str, typer.Option(help="Comma-separated peers: cebra.")] = "",
    ablations: Annotated[
        bool, typer.Option(help="Also train and evaluate BAMS ablations.")
    ] = False,
) -> None:
    """Linear readouts of BAMS, baselines, peers and ablations on the same splits."""
    from bams.data import Recordings
    from bams.evaluation.run import EvaluationConfig, evaluate_run

    config = EvaluationConfig(
        seeds=[int(s) for s in seeds.split(",") if s.strip()],
        test_size=test_size,
        train_size=train_size,
        baselines=[b for b in baselines.split(",") if b.strip()],
        peers=[p for p in peers.split(",") if p.strip()],
        ablations=ablations,
    )
    recordings = _or_exit(Recordings.load, data) if data is not None else None
    summary = _or_exit(evaluate_run, run_dir, recordings, config)
    from bams.evaluation.display import summary_tables

    for table in summary_tables(summary):
        Console().print(table)


@app.command()
def demo(
    output_dir: Annotated[Path, typer.Option(help="Where the demo writes its run.")] = Path(
        "runs/demo"
    ),
    dataset: Annotated[
        str, typer.Option(help="Data: 'quadrupeds' (simulated robots) or 'synthetic'.")
    ] = "quadrupeds",
    quick: Annotated[bool, typer.Option(help="A tiny version that finishes in seconds.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of data and training.")] = 0,
    workers: Annotated[int, typer.Option(help="Simulation processes.")] = 2,
) -> None:
    """The main job: simulated data -> train -> embed -> readouts against baselines -> report."""
    from bams.demo import run_demo

    _or_exit(run_demo, output_dir, dataset=dataset, quick=quick, seed=seed, workers=workers)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="An evaluated training run directory.")],
    data: Annotated[Path | None, typer.Option(help="Recordings (default: the run's).")] = None,
) -> None:
    """Write the run's visual report: one self-contained HTML page and its figures."""
    from bams.data import Recordings
    from bams.report import write_report

    recordings = _or_exit(Recordings.load, data) if data is not None else None
    typer.echo(f"Report written to {_or_exit(write_report, run_dir, recordings)}")


@app.command()
def poses(
    path: Annotated[Path, typer.Argument(help="A pose file or a folder of them.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Recordings file (.npz).")],
    software: Annotated[
        str | None,
        typer.Option(help="DeepLabCut, SLEAP, LightningPose, Anipose or NWB (default: detect)."),
    ] = None,
    fps: Annotated[float | None, typer.Option(help="Frame rate of files that store none.")] = None,
    confidence: Annotated[
        float, typer.Option(help="Keypoints below this confidence become missing.")
    ] = 0.5,
    pattern: Annotated[str | None, typer.Option(help="Glob of files in a folder.")] = None,
) -> None:
    """Convert pose files into a recordings file of egocentric features for `bams train`."""
    from bams.io.poses import load_poses

    options = {"source_software": software, "frame_rate": fps, "pattern": pattern}
    try:
        data = _or_exit(load_poses, path, confidence_threshold=confidence, **options)
    except ImportError as err:
        typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from err
    typer.echo(f"{data} saved to {data.save(output)}")


@simulate_app.command("synthetic")
def simulate_synthetic(
    output: Annotated[Path, typer.Option("--output", "-o", help="Recordings file (.npz).")],
    n: Annotated[int, typer.Option("-n", help="Number of recordings.")] = 100,
    frames: Annotated[int, typer.Option(help="Frames per recording.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
) -> None:
    """Synthetic recordings with known slow (class, style) and fast (state) factors."""
    from bams.sim.synthetic import make_synthetic

    data = _or_exit(make_synthetic, n, frames, seed=seed)
    typer.echo(f"{data} saved to {data.save(output)}")


@simulate_app.command("quadrupeds")
def simulate_quadrupeds(
    output: Annotated[Path, typer.Option("--output", "-o", help="Recordings file (.npz).")],
    n: Annotated[int, typer.Option("-n", help="Number of trajectories kept.")] = 100,
    workers: Annotated[int, typer.Option(help="Simulating processes.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    duration: Annotated[float, typer.Option(help="Recorded seconds per trajectory.")] = 20.0,
    difficulty_max: Annotated[float, typer.Option(help="Largest terrain difficulty.")] = 1.0,
    max_attempts: Annotated[
        int | None, typer.Option(help="Attempts allowed (default 5 n + 20).")
    ] = None,
    render: Annotated[
        Path | None, typer.Option(help="Also render the first trajectory to this .gif.")
    ] = None,
    render_seconds: Annotated[
        float, typer.Option(help="Seconds of the trajectory rendered.", min=0.1)
    ] = 6.0,
) -> None:
    """Quadrupeds walking over terrain (MuJoCo); only successful trajectories are kept.

    Resumable: rerun the same command after an interruption.
    """
    from collections import Counter

    from bams.sim.quadrupeds.dataset import KeepRateError, generate_quadrupeds, read_attempts
    from bams.sim.quadrupeds.render import RenderError, render_trajectory

    if render is not None and render.suffix.lower() != ".gif":
        _fail(f"Expected a --render path ending in .gif, but got {str(render)!r}.", code=2)
    options = {"seed": seed, "duration": duration, "difficulty": (0.0, difficulty_max)}
    try:
        data = _or_exit(
            generate_quadrupeds,
            n,
            workers=workers,
            output=output,
            max_attempts=max_attempts,
            progress=True,
            **options,
        )
    except KeepRateError as err:
        _fail(str(err), code=1)
    table = read_attempts(output)
    reasons = Counter(table["reason"][~table["success"]].tolist())
    failed = ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
    typer.echo(
        f"Kept {len(data)} of {len(table['index'])} attempts (failed: {failed or 'none'}); "
        f"{data} saved to {output}"
    )
    if render is not None:
        try:
            short = {**options, "duration": min(duration, render_seconds)}
            path = render_trajectory(int(data.ids[0][1:]), render, **short)
        except RenderError as err:
            _fail(str(err), code=1)
        typer.echo(f"{data.ids[0]} rendered to {path}")


def _fail(message: str, code: int) -> NoReturn:
    """Print ``message`` as an error and exit with ``code``."""
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)


def _or_exit(function, *args, **kwargs):
    """Run ``function``; turn the errors a user can fix into a message and exit code 2."""
    try:
        return function(*args, **kwargs)
    except (ValueError, FileNotFoundError, TypeError) as err:
        typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from err


mabe_app = typer.Typer(
    help="The MABe 2022 challenge: its files and its public evaluator's protocol.",
    no_args_is_help=True,
)
app.add_typer(mabe_app, name="mabe")


@mabe_app.command("score")
def mabe_score(
    submission: Annotated[Path, typer.Option(help="Submission file (.npy of a dict).")],
    labels: Annotated[Path, typer.Option(help="Labels file (.npy of a dict).")],
    split: Annotated[Path, typer.Option(help="Split file (.json or .npy).")],
    max_dims: Annotated[
        int, typer.Option(help="Largest embedding size: 128 mice, 256 flies.")
    ] = 128,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Scores CSV.")] = None,
) -> None:
    """Validate and score a submission as the MABe 2022 public evaluator does (alpha = 1)."""
    from rich.console import Console
    from rich.table import Column, Table

    from bams.evaluation.mabe import save_scores_csv, score_files

    scores = _or_exit(score_files, submission, labels, split, max_dims=max_dims)
    columns = ("type", "private", "public", "seed mean", "clip mean")
    table = Table(Column("task", no_wrap=True), *columns, title="MABe 2022 scores (alpha = 1)")
    table.caption = "Discrete tasks: F1 (higher is better); the others: MSE (lower is better)."
    for s in (s for s in scores if s.reported):
        numbers = (s.private_score, s.public_score, s.single_seed_score, s.pooled_score)
        table.add_row(s.task, s.task_type, *("" if n is None else f"{n:.4f}" for n in numbers))
    Console().print(table)
    if output is not None:
        typer.echo(f"Scores of every alpha saved to {save_scores_csv(scores, output)}")


@mabe_app.command("run")
def mabe_run(
    data: Annotated[Path, typer.Option(help="Folder with the MABe files (e.g. mouse_triplet_*).")],
    output_dir: Annotated[Path, typer.Option(help="Where everything is written.")] = Path(
        "runs/mabe"
    ),
    species: Annotated[str, typer.Option(help="mouse or fly.")] = "mouse",
    epochs: Annotated[int | None, typer.Option(help="Training epochs (default 500).")] = None,
    social: Annotated[bool, typer.Option(help="Include social features.")] = True,
    set_: SetOption = None,
) -> None:
    """Features -> BAMS on all clips -> submission.npy -> scores (when labels and split exist)."""
    from bams.pipelines.mabe import run_mabe

    options = {"species": species, "epochs": epochs, "social": social}
    result = _or_exit(run_mabe, data, output_dir, overrides=list(set_ or []), **options)
    if result.scores:
        _print_mabe_scores(result.scores)
        typer.echo(f"Scores of every alpha saved to {result.scores_csv}")
    typer.echo(f"Submission written to {result.submission}")


def _print_mabe_scores(scores) -> None:
    """Print the reported (alpha = 1) MABe scores as a table."""
    from rich.table import Column, Table

    columns = ("type", "private", "public", "seed mean", "clip mean")
    table = Table(Column("task", no_wrap=True), *columns, title="MABe 2022 scores (alpha = 1)")
    table.caption = "Discrete tasks: F1 (higher is better); the others: MSE (lower is better)."
    for s in (s for s in scores if s.reported):
        numbers = (s.private_score, s.public_score, s.single_seed_score, s.pooled_score)
        table.add_row(s.task, s.task_type, *("" if n is None else f"{n:.4f}" for n in numbers))
    Console().print(table)


@simulate_app.command("bandit")
def simulate_bandit_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="Recordings file (.npz).")],
    n: Annotated[int, typer.Option("-n", help="Number of individuals.")] = 50,
    sessions: Annotated[int, typer.Option(help="Sessions per individual.")] = 4,
    trials: Annotated[int, typer.Option(help="Trials per session.")] = 300,
    arms: Annotated[int, typer.Option(help="Number of arms.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    rt: Annotated[bool, typer.Option("--rt/--no-rt", help="Add reaction times.")] = True,
    games: Annotated[
        str,
        typer.Option(help="'shared': one game for all sessions; 'per_session': one per session."),
    ] = "shared",
) -> None:
    """Agents with known learning parameters and explore/exploit states play a shared bandit."""
    from bams.sim.bandit import simulate_bandit

    options = {"n_arms": arms, "seed": seed, "reaction_times": rt, "games": games}
    data = _or_exit(simulate_bandit, n, sessions, trials, **options)
    typer.echo(f"{data} saved to {data.save(output)}")
