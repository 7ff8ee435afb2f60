"""``bams poses``: pose-tracking files -> a recordings file of egocentric features."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer

from bams.cli.common import fail, or_exit

app = typer.Typer()


@app.command()
def poses(
    path: Annotated[Path, typer.Argument(help="A pose file or a folder of them.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Recordings file (.npz) or store (.bams).")
    ],
    software: Annotated[
        str | None,
        typer.Option(
            help="DeepLabCut, SLEAP, SLEAP CSV, LightningPose, Anipose or NWB (default: detect)."
        ),
    ] = None,
    fps: Annotated[float | None, typer.Option(help="Frame rate of files that store none.")] = None,
    min_likelihood: Annotated[
        float | None,
        typer.Option(
            help="Points whose likelihood (confidence score) is below this become missing "
            "(default 0.5; 0 keeps every point)."
        ),
    ] = None,
    heading: Annotated[
        str | None,
        typer.Option(
            metavar="BACK,FRONT",
            help="The keypoints the body axis points from and to, e.g. tail_base,nose "
            "(default: found by name).",
        ),
    ] = None,
    origin: Annotated[
        str | None,
        typer.Option(
            metavar="POINT[,POINT...]",
            help="Keypoints whose mean is the body centre (default: all keypoints).",
        ),
    ] = None,
    exclude: Annotated[
        str | None,
        typer.Option(
            metavar="POINT[,POINT...]",
            help="Keypoints left out, e.g. tracked arena corners tl,tr,bl,br.",
        ),
    ] = None,
    pattern: Annotated[str | None, typer.Option(help="Glob of files in a folder.")] = None,
    confidence: Annotated[float | None, typer.Option(hidden=True)] = None,  # deprecated alias
) -> None:
    """Convert pose files into a recordings file of egocentric features for `bams train`."""
    from bams.io.poses import load_poses

    if confidence is not None:
        if min_likelihood is not None:
            fail("Expected --min-likelihood or --confidence (its old name), but got both.", 2)
        typer.secho("Note: --confidence is deprecated; use --min-likelihood.", err=True)
        min_likelihood = confidence
    options = {
        "source_software": software,
        "frame_rate": fps,
        "pattern": pattern,
        "min_likelihood": 0.5 if min_likelihood is None else min_likelihood,
        "heading": _names(heading),
        "origin": _names(origin),
        "exclude": _names(exclude),
    }
    with warnings.catch_warnings():
        # What load_poses warns about (files skipped, a heading guessed) is a note to the user
        # here, not a warning with a source line.
        warnings.showwarning = _note
        try:
            data = or_exit(load_poses, path, **options)
        except ImportError as err:
            fail(str(err), 2)
    typer.echo(f"{data} saved to {or_exit(data.save, output)}")


def _names(value: str | None) -> tuple[str, ...] | None:
    """The comma-separated keypoint names of an option, or None if it was not given."""
    return None if value is None else tuple(name.strip() for name in value.split(","))


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a warning as one ``Note:`` line on stderr."""
    typer.secho(f"Note: {message}", fg=typer.colors.YELLOW, err=True)
