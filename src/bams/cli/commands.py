"""The commands on a run: train, embed, evaluate, report; and the demo and pose conversion."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bams.cli.common import (
    AcceleratorOption,
    DataOption,
    DevicesOption,
    PrecisionOption,
    RunArgument,
    SetOption,
    or_exit,
)

app = typer.Typer()


@app.command()
def train(
    data: DataOption = None,
    config: Annotated[
        Path | None, typer.Option(help="YAML config file (paths in it are relative to it).")
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="Start from a preset (see `bams presets`).")
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option(help="Run directory. (default: the config's, runs/bams)")
    ] = None,
    epochs: Annotated[
        int | None, typer.Option(help="Training epochs. (default: the config's, 100)")
    ] = None,
    steps: Annotated[
        int | None,
        typer.Option(help="Optimizer steps; overrides --epochs. (default: the config's, none)"),
    ] = None,
    max_minutes: Annotated[
        float | None,
        typer.Option(help="Stop after about this many minutes of training. (default: none)"),
    ] = None,
    accelerator: AcceleratorOption = None,
    devices: DevicesOption = None,
    num_nodes: Annotated[
        int | None, typer.Option(help="Number of machines. (default: the config's, 1)")
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option(help="auto, ddp, ddp_spawn, ... (default: the config's, auto)"),
    ] = None,
    precision: PrecisionOption = None,
    resume: Annotated[bool, typer.Option(help="Continue from the run's last checkpoint.")] = False,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the run the output directory holds.")
    ] = False,
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
        "max_steps": steps,
        "max_minutes": max_minutes,
        "accelerator": accelerator,
        "num_nodes": num_nodes,
        "strategy": strategy,
        "precision": precision,
        "devices": _devices(devices),
    }
    for key, value in flags.items():
        if value is not None:
            setattr(run_config.train, key, value)
    or_exit(train_run, run_config, resume, overwrite=overwrite)
    if rank_zero_only.rank == 0:  # under DDP every process runs this command
        typer.echo(f"Model saved to {Path(run_config.output_dir) / 'model.pt'}")


def _devices(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


@app.command()
def embed(
    run: Annotated[
        Path, typer.Argument(help="A run directory (its model.pt), or a model or checkpoint file.")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Embeddings file: .npz, .csv, .parquet, .h5 or .bams (a store)."
        ),
    ],
    data: Annotated[
        Path | None, typer.Option(help="Recordings file (.npz or .bams). (default: the run's data)")
    ] = None,
    chunk_length: Annotated[
        int | None, typer.Option(help="Output frames per chunk. (default: the run's, 16384)")
    ] = None,
    precision: PrecisionOption = None,
    accelerator: AcceleratorOption = None,
    devices: DevicesOption = None,
) -> None:
    """Embed every recording of a data file with the model of a run."""
    from bams.runs import embed_run

    overrides = {
        "chunk_length": chunk_length,
        "inference_precision": precision,
        "inference_device": or_exit(_inference_device, accelerator, devices),
    }
    options = {k: v for k, v in overrides.items() if v is not None}
    path = or_exit(embed_run, run, output, data, **options)
    typer.echo(f"Embeddings saved to {path}")


def _inference_device(accelerator: str | None, devices: str | None) -> str | None:
    """``--accelerator`` / ``--devices`` as one inference device (embedding uses one)."""
    if devices not in (None, "1", "auto"):
        raise ValueError(f"Expected --devices 1 for embedding (one device), but got {devices}.")
    names = {None: None, "auto": "auto", "cpu": "cpu", "gpu": "cuda", "cuda": "cuda"}
    if accelerator not in names:
        raise ValueError(
            f"Expected --accelerator among auto, cpu, gpu for embedding, but got {accelerator!r}."
        )
    return names[accelerator]


@app.command()
def evaluate(
    run_dir: RunArgument,
    data: Annotated[
        Path | None,
        typer.Option(help="Labelled recordings file (.npz). (default: the run's data)"),
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
    run_dir: RunArgument,
    data: Annotated[
        Path | None,
        typer.Option(help="Recordings file (.npz). (default: the evaluation's, else the run's)"),
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option(help="Where the report goes. (default: RUN_DIR/report)")
    ] = None,
    metadata: Annotated[
        Path | None,
        typer.Option(help="CSV with a `recording` column (the ids) and columns to color by."),
    ] = None,
    umap: Annotated[
        bool,
        typer.Option(
            "--umap/--no-umap", help="Also UMAP views (needs umap-learn; about a minute more)."
        ),
    ] = False,
) -> None:
    """Write the run's visual report (labelled or not): one self-contained HTML page and figures.

    Shows the data and their quality, the embeddings, the map of recordings and the training,
    plus the evaluation, motifs and comparisons of the same recordings when they exist.
    """
    from bams.data import Recordings
    from bams.report import write_run_report

    recordings = or_exit(Recordings.load, data) if data is not None else None
    index = or_exit(
        write_run_report, run_dir, recordings, output=output_dir, metadata=metadata, umap=umap
    )
    typer.echo(f"Report written to {index}")


@app.command()
def presets() -> None:
    """List the presets: complete run configurations for `bams train --preset NAME`."""
    from rich.table import Table

    from bams.presets import describe_presets

    table = Table("preset", "what it is for", title="Presets (bams train --preset NAME)")
    for name, description in describe_presets().items():
        table.add_row(name, description)
    Console().print(table)
