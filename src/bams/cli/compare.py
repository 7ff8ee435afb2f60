"""``bams compare RUN_DIR --metadata meta.csv --by COLUMN``: whether groups of recordings differ."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bams.cli.common import DataOption, RunArgument, or_exit

app = typer.Typer()


def _columns(metadata: Path, ids: list[str], by: str, unit: str | None) -> tuple[list, list]:
    """The ``by`` (and ``unit``) value of each recording id, from the ``recording`` column."""
    import pandas as pd

    table = pd.read_csv(metadata, dtype=str, keep_default_na=False)
    wanted = ["recording", by] + ([unit] if unit else [])
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise ValueError(f"Expected columns {missing} in {metadata}, but got {list(table)}.")
    table = table.drop_duplicates("recording").set_index("recording")
    absent = [i for i in ids if i not in table.index]
    if absent:
        raise ValueError(f"Expected every recording in {metadata}, but got none for {absent[:5]}.")
    rows = table.loc[ids]
    return rows[by].tolist(), rows[unit].tolist() if unit else None


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
        Path | None, typer.Option(help="Folder for comparison.csv. (default: RUN_DIR/comparison)")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the folds and permutations.")] = 0,
) -> None:
    """Compare groups of recordings in a latent: classification and distance permutation tests."""
    from bams.data import Recordings
    from bams.discovery import compare_groups
    from bams.runs import load_run
    from bams.utils.atomic import atomic_write

    recordings = or_exit(Recordings.load, data) if data is not None else None
    run = or_exit(load_run, run_dir, recordings)
    labels, units = or_exit(_columns, metadata, list(run.data.ids), by, unit)
    result = or_exit(
        compare_groups, run.embeddings, run.data, labels, unit=units, latent=latent,
        n_permutations=permutations, seed=seed,
    )  # fmt: skip
    target = (output_dir or Path(run_dir) / "comparison") / "comparison.csv"
    or_exit(atomic_write, target, result.to_frame().to_csv(index=False))
    typer.echo(
        f"{' vs '.join(result.groups)} ({result.n_recordings} recordings, {result.n_units} "
        f"units): balanced accuracy {result.accuracy:.2f} (chance {result.chance:.2f}, "
        f"p = {result.accuracy_p:.3g}); pseudo-F {result.distance:.2f} "
        f"(p = {result.distance_p:.3g}); written to {target}"
    )
