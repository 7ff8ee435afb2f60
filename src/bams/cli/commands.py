"""The commands on a run: train, embed, evaluate, report; and the demo and pose conversion."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bams.cli.common import SetOption, or_exit

app = typer.Typer()


@app.command()
def train(
    data: Annotated[Path | None, typer.Option(help="Recordings file (.npz).")] = None,
    config: Annotated[Path | None, typer.Option(help="YAML config file.")] = None,
    preset: Annotated[
        str | None, typer.Option(help="Start from a preset (see `bams presets`).")
    ] = None,
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
    from bams.runs import train_run

    run_config = or_exit(load_config, config, list(set_ or []), preset)
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
    or_exit(train_run, run_config, resume)
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
    from bams.runs import embed_run

    overrides = {
        "chunk_length": chunk_length,
        "inference_precision": precision,
        "inference_device": device,
    }
    path = or_exit(
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
    recordings = or_exit(Recordings.load, data) if data is not None else None
    summary = or_exit(evaluate_run, run_dir, recordings, config)
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

    or_exit(run_demo, output_dir, dataset=dataset, quick=quick, seed=seed, workers=workers)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="An evaluated training run directory.")],
    data: Annotated[Path | None, typer.Option(help="Recordings (default: the run's).")] = None,
) -> None:
    """Write the run's visual report: one self-contained HTML page and its figures."""
    from bams.data import Recordings
    from bams.report import write_run_report

    recordings = or_exit(Recordings.load, data) if data is not None else None
    typer.echo(f"Report written to {or_exit(write_run_report, run_dir, recordings)}")


@app.command()
def presets() -> None:
    """List the presets: complete run configurations for `bams train --preset NAME`."""
    from rich.table import Table

    from bams.presets import describe_presets

    table = Table("preset", "what it is for", title="Presets (bams train --preset NAME)")
    for name, description in describe_presets().items():
        table.add_row(name, description)
    Console().print(table)
