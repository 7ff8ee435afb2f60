"""What every command shares: the error handling and the options that mean the same everywhere.

One vocabulary: a run directory is the first argument (``RUN_DIR``) of every command that
works on one; ``--data`` is a recordings file (``.npz``) or store (``.bams``); ``-o/--output``
a file and ``--output-dir`` a directory that a command writes; ``--accelerator``/``--devices``
pick the hardware and ``--precision`` the arithmetic (``32``, ``bf16``, ``16``, ``auto``) for
training and inference alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

RunArgument = Annotated[
    Path, typer.Argument(help="A run directory (written by `bams train` or `bams demo`).")
]
DataOption = Annotated[Path | None, typer.Option(help="Recordings file (.npz) or store (.bams).")]
AcceleratorOption = Annotated[
    str | None, typer.Option(help="cpu, gpu or auto. (default: the run's, auto)")
]
DevicesOption = Annotated[
    str | None, typer.Option(help="Devices per node, e.g. 4 or auto. (default: the run's, 1)")
]
PrecisionOption = Annotated[
    str | None,
    typer.Option(
        help="32, bf16 or 16 (training also takes Fabric's 32-true, bf16-mixed, 16-mixed; "
        "inference also auto). (default: the run's: 32 training, auto inference)"
    ),
]
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
    """Run ``function``; turn the errors a user can fix into one ``Error:`` line and exit 2.

    Those are bad values and files (``ValueError``, ``TypeError``), missing or unwritable
    files (``OSError``) and missing optional packages (``ImportError``); anything else is a
    bug and keeps its traceback.
    """
    try:
        return function(*args, **kwargs)
    except (ValueError, TypeError, OSError, ImportError) as err:
        fail(one_line(str(err)), code=2)


def one_line(message: str) -> str:
    """A message that lists problems, one per line, as one line: ``"...: a; b"``."""
    message = message.replace(":\n- ", ": ").replace("\n- ", "; ")
    return " ".join(message.split())
