"""``bams compare RUN_DIR --metadata meta.csv --by COLUMN``: whether groups of recordings differ."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bams.cli.common import DataOption, RunArgument, or_exit

app = typer.Typer()


def _columns(metadata: Path, ids: list[str], by: str, unit: str | None) -> tuple[list, list]:
    """The ``by`` (and ``unit``) value of each recording id, from the ``recording`` column."""
    from bams.io.metadata import read_metadata

    table = read_metadata(metadata, ids, [by] + ([unit] if unit else []))
    return table[by].tolist(), table[unit].tolist() if unit else None


@app.command()
def compare(
    run_dir: RunArgument,
    metadata: Annotated[
        Path, typer.Option(help="CSV with a `recording` column (the ids) and the groups.")
    ],
    by: Annotated[str, typer.Option(help="The column of the groups, e.g. condition.")],
    unit: Annotated[
        str | None,
        typer.Option(help="The column of the animal of each recording. (default: recordings)"),
    ] = None,
    latent: Annotated[str, typer.Option(help="The latent to compare.")] = "long_term",
    permutations: Annotated[int, typer.Option(help="Label permutations per p-value.")] = 1000,
    data: DataOption = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for the tables. (default: RUN_DIR/comparison/COLUMN)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the folds and permutations.")] = 0,
) -> None:
    """Compare groups of recordings in a latent and in motif usage (when `bams motifs` ran)."""
    from bams.data import Recordings
    from bams.discovery import compare_groups
    from bams.discovery.compare_io import SavedComparison, comparison_folder, save_comparison
    from bams.runs import load_run

    recordings = or_exit(Recordings.load, data) if data is not None else None
    run = or_exit(load_run, run_dir, recordings)
    labels, units = or_exit(_columns, metadata, list(run.data.ids), by, unit)
    found = _run_motifs(Path(run_dir), run.data)
    result = or_exit(
        compare_groups, run.embeddings, run.data, labels, unit=units, latent=latent,
        n_permutations=permutations, seed=seed, motifs=found,
    )  # fmt: skip
    digest = found.digest if found is not None else None
    saved = SavedComparison(by, result, list(labels), units, digest)
    target = or_exit(save_comparison, saved, run.data, output_dir or comparison_folder(run_dir, by))
    typer.echo(
        f"{' vs '.join(result.groups)} ({result.n_recordings} recordings, {result.n_units} "
        f"units): balanced accuracy {result.accuracy:.2f} (chance {result.chance:.2f}, "
        f"p = {result.accuracy_p:.3g}); pseudo-F {result.distance:.2f} "
        f"(p = {result.distance_p:.3g})"
    )
    if result.motifs is not None:
        differ = result.differing_motifs()
        typer.echo(
            f"Motif usage: {len(differ)} of {len(result.motifs)} motifs differ (q < 0.05)"
            + (f": {differ}" if differ else "")
        )
    typer.echo(f"Written to {target}")


def _run_motifs(run_dir: Path, data):
    """The run's motifs (``bams motifs``) if they were found in these recordings, else None."""
    from bams.discovery.save import load_motifs
    from bams.layout import MOTIFS_DIR

    folder = run_dir / MOTIFS_DIR
    if not (folder / "labels.csv").is_file():
        typer.echo("No motifs in the run (run `bams motifs` first to compare motif usage).")
        return None
    try:
        return load_motifs(folder, data)
    except (ValueError, FileNotFoundError) as err:
        typer.secho(f"Note: motif usage not compared: {err}", fg=typer.colors.YELLOW, err=True)
        return None
