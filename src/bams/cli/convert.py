"""``bams convert``: a recordings file to the other format (``.npz`` <-> ``.bams`` store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bams.cli.common import or_exit

app = typer.Typer()


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Recordings file (.npz) or store (.bams).")],
    output: Annotated[Path, typer.Argument(help="The file (.npz) or store (.bams) to write.")],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
) -> None:
    """Convert recordings between a .npz file and a .bams store (read lazily, for large data)."""
    from bams.data import convert as convert_recordings

    written = or_exit(convert_recordings, source, output, overwrite=overwrite)
    typer.echo(f"{source} converted to {written}")
