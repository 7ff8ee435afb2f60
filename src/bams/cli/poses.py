"""``bams poses``: pose-tracking files -> a recordings file of egocentric features."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bams.cli.common import or_exit

app = typer.Typer()


@app.command()
def poses(
    path: Annotated[Path, typer.Argument(help="A pose file or a folder of them.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Recordings file (.npz).")],
    software: Annotated[
        str | None,
        typer.Option(
            help="DeepLabCut, SLEAP, SLEAP CSV, LightningPose, Anipose or NWB (default: detect)."
        ),
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
        data = or_exit(load_poses, path, confidence_threshold=confidence, **options)
    except ImportError as err:
        typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from err
    typer.echo(f"{data} saved to {data.save(output)}")
