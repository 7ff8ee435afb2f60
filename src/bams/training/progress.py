"""What the training loop shows: its plan in one line, the progress bar, the loss terms."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bams.utils.timing import format_duration

__all__ = ["format_losses", "plan", "progress_bar"]


def plan(run, steps_per_epoch: int, n_epochs: int) -> str:
    """What training is about to do, in one line."""
    train = run.config.train
    batches = (
        f"{steps_per_epoch} per epoch of {train.batch_size} windows x {train.window_length} frames"
    )
    if train.max_minutes is None:
        return f"Training {run.total_steps - run.step:,} steps ({batches}; {n_epochs} epochs)."
    return (
        f"Training for {format_duration(60 * train.max_minutes)} (max_minutes; at most "
        f"{run.total_steps - run.step:,} steps, {batches}); the step count follows from the "
        "speed of the first steps."
    )


def progress_bar(n_epochs: int, show: bool) -> Progress:
    """The bar of the epochs and steps, with the last loss terms (hidden unless ``show``)."""
    return Progress(
        TextColumn(f"[bold]epoch {{task.fields[epoch]}}/{n_epochs}"),
        BarColumn(bar_width=16),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[losses]}"),
        disable=not show,
    )


def format_losses(values: dict[str, float]) -> str:
    """The loss terms in one short line: ``total 1.2 hoa 0.8 ...``."""
    return " ".join(f"{k.removesuffix('_term')} {v:.3g}" for k, v in values.items())
