"""``bams mabe``: the MABe 2022 files, the end-to-end run and the public evaluator's scores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bams.cli.common import SetOption, or_exit
from bams.io.mabe_submission import DEFAULT_NORMALIZATION

app = typer.Typer(
    help="The MABe 2022 challenge: its files and its public evaluator's protocol.",
    no_args_is_help=True,
)


@app.command("score")
def mabe_score(
    submission: Annotated[Path, typer.Option(help="Submission file (.npy of a dict).")],
    labels: Annotated[Path, typer.Option(help="Labels file (.npy of a dict).")],
    split: Annotated[Path, typer.Option(help="Split file (.json or .npy).")],
    max_dims: Annotated[
        int, typer.Option(help="Largest embedding size: 128 mice, 256 flies.")
    ] = 128,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Scores CSV.")] = None,
    frame_map: Annotated[
        Path | None,
        typer.Option(
            help="The official frame number map (.npy), e.g. the evaluator's "
            "mouse_frame_number_map.npy; required when the labels file holds none."
        ),
    ] = None,
) -> None:
    """Validate and score a submission as the MABe 2022 public evaluator does (alpha = 1).

    The submission's frame number map must equal the official one (--frame-map, or the one
    the labels file holds); the first difference is named.
    """
    from bams.evaluation.mabe import save_scores_csv, score_files

    scores = or_exit(score_files, submission, labels, split, max_dims=max_dims, frame_map=frame_map)
    _print_mabe_scores(scores)
    if output is not None:
        typer.echo(f"Scores of every alpha saved to {save_scores_csv(scores, output)}")


@app.command("run")
def mabe_run(
    data: Annotated[Path, typer.Option(help="Folder with the MABe files (e.g. mouse_triplet_*).")],
    output_dir: Annotated[Path, typer.Option(help="Where everything is written.")] = Path(
        "runs/mabe"
    ),
    species: Annotated[str, typer.Option(help="mouse or fly.")] = "mouse",
    epochs: Annotated[int | None, typer.Option(help="Training epochs (default 500).")] = None,
    social: Annotated[bool, typer.Option(help="Include social features.")] = True,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the BAMS run the output directory holds.")
    ] = False,
    frame_map: Annotated[
        Path | None,
        typer.Option(
            help="The official frame number map (.npy); default: a *frame_number_map.npy "
            "of the species found in --data. The submission lays the clips out as it does."
        ),
    ] = None,
    normalization: Annotated[
        str,
        typer.Option(
            help="How the submission's embeddings are normalized: global, per_frame_index "
            "(the reference code's) or none."
        ),
    ] = DEFAULT_NORMALIZATION,
    set_: SetOption = None,
) -> None:
    """Features -> BAMS on all clips -> submission.npy -> scores (when labels and split exist)."""
    from bams.pipelines.mabe import run_mabe

    options = {"species": species, "epochs": epochs, "social": social, "overwrite": overwrite}
    options.update(frame_map=frame_map, normalization=normalization)
    result = or_exit(run_mabe, data, output_dir, overrides=list(set_ or []), **options)
    if result.scores:
        _print_mabe_scores(result.scores)
        typer.echo(f"Scores of every alpha saved to {result.scores_csv}")
    if result.frame_map is None:
        typer.echo("Clips laid out in the test file's order (no frame number map given or found).")
    else:
        typer.echo(f"Clips laid out as the frame number map {result.frame_map}")
    typer.echo(f"Submission written to {result.submission}")


def _print_mabe_scores(scores) -> None:
    """Print the reported (alpha = 1) MABe scores as a table."""
    from rich.table import Column, Table

    columns = ("type", "private", "public", "seed mean", "clip mean")
    table = Table(Column("task", no_wrap=True), *columns, title="MABe 2022 scores (alpha = 1)")
    table.caption = "Discrete tasks: F1 (higher is better); the others: MSE (lower is better)."
    for s in (s for s in scores if s.reported):
        numbers = (s.private_score, s.public_score, s.single_seed_score, s.pooled_score)
        table.add_row(s.task, s.task_type, *("" if n is None else f"{n:.4f}" for n in numbers))
    Console().print(table)
