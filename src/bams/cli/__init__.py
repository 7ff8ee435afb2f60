"""The ``bams`` command line: a thin layer over the library, one module per group of commands."""

from __future__ import annotations

import typer

from bams.cli import commands, compare, convert, mabe, motifs, poses, simulate

app = typer.Typer(
    help="Self-supervised multi-timescale behavior analysis (BAMS).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback(invoke_without_command=True)
def _main(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True
    ),
) -> None:
    """Self-supervised multi-timescale behavior analysis (BAMS)."""
    if version:
        import bams

        typer.echo(f"bams {bams.__version__}")
        raise typer.Exit()


for group in (commands, poses, convert, motifs, compare):
    app.registered_commands.extend(group.app.registered_commands)
app.add_typer(simulate.app, name="simulate")
app.add_typer(mabe.app, name="mabe")

__all__ = ["app"]
