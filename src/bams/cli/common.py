"""What every command shares: the error handling and the ``--set`` option."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", "-s", help="Override a config value, e.g. -s train.epochs=20 (repeatable)."
    ),
]


def fail(message: str, code: int) -> NoReturn:
    """Print ``message`` as an error and exit with ``code``."""
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)


def or_exit(function, *args, **kwargs):
    """Run ``function``; turn the errors a user can fix into a message and exit code 2."""
    try:
        return function(*args, **kwargs)
    except (ValueError, FileNotFoundError, TypeError) as err:
        typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from err
