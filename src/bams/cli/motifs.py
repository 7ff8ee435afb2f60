"""``bams motifs RUN_DIR``: behavior motifs from the short-term latent of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bams.cli.common import DataOption, RunArgument, or_exit

app = typer.Typer()


@app.command()
def motifs(
    run_dir: RunArgument,
    n_motifs: Annotated[
        int | None,
        typer.Option(help="Number of motifs, >= 2. (default: chosen by BIC in 2..12)"),
    ] = None,
    smooth: Annotated[
        bool,
        typer.Option(
            "--smooth/--no-smooth", help="Smooth the labels with a sticky HMM (needs hmmlearn)."
        ),
    ] = True,
    max_k: Annotated[int, typer.Option(help="The largest number of motifs BIC chooses from.")] = 12,
    data: DataOption = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for the tables and figures. (default: RUN_DIR/motifs)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the frame sample and the mixtures.")] = 0,
    movies: Annotated[
        bool,
        typer.Option(
            "--movies/--no-movies", help="GIFs of example snippets per motif (pose data)."
        ),
    ] = True,
) -> None:
    """Find behavior motifs in the short-term latent; write labels, usage, bouts and figures."""
    from bams.data import Recordings
    from bams.discovery import find_motifs, save_motifs
    from bams.runs import load_run

    recordings = or_exit(Recordings.load, data) if data is not None else None
    run = or_exit(load_run, run_dir, recordings)
    found = or_exit(
        find_motifs,
        run.embeddings,
        run.data,
        n_motifs=n_motifs,
        smooth=smooth,
        seed=seed,
        max_k=max_k,
    )
    target = or_exit(
        save_motifs, found, run.data, output_dir or Path(run_dir) / "motifs", movies=movies
    )
    durations = found.bouts()["duration_s"]
    how = "given" if n_motifs is not None else f"BIC {found.criterion[found.n_motifs]:.1f}"
    typer.echo(
        f"{found.n_motifs} motifs ({how}), {len(durations)} bouts, mean bout "
        f"{durations.mean():.2f} s; written to {target}"
    )
    if n_motifs is None and found.n_motifs == max_k:
        typer.secho(
            f"Note: BIC chose the largest number tried ({max_k}): more motifs may fit better "
            "(--max-k), or choose one (--n-motifs).",
            fg=typer.colors.YELLOW,
            err=True,
        )
