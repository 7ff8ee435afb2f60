"""``bams evaluate RUN``: evaluate a run directory and write its ``evaluation/`` folder.

Thin loaders over :func:`bams.evaluation.evaluate.evaluate`: the model, data and embeddings
come from :func:`bams.runs.load_run`.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from bams.data import Recordings
from bams.evaluation.evaluate import Evaluation, EvaluationConfig, evaluate
from bams.layout import EVALUATION_DIR

__all__ = ["EVALUATION_DIR", "EvaluationConfig", "evaluate_run", "load_summary"]


def evaluate_run(
    run_dir: str | Path,
    data: Recordings | None = None,
    config: EvaluationConfig | None = None,
    console: Console | None = None,
) -> list[dict]:
    """Evaluate the model of ``run_dir`` against baselines, peers and ablations.

    Writes ``evaluation/readouts.csv`` (every split), ``evaluation/summary.csv`` (mean and std
    over seeds) and ``evaluation/evaluation.json`` (settings, methods and their dimensions) in
    the run directory.

    Parameters
    ----------
    run_dir
        A training run directory (holds ``model.pt``).
    data
        The recordings to evaluate on (default: the file the run was trained on).
    config
        What to compare and how to split.
    console
        Where to print progress.

    Returns
    -------
    list of dict
        The summary rows (see :func:`bams.evaluation.readout.summarize`), each with a ``unit``
        (``recording`` or ``group``).

    Raises
    ------
    ValueError
        If the data has no labels, or settings are invalid.
    """
    from bams.runs import load_run

    console = console or Console(stderr=True)
    run = load_run(run_dir, data)
    out = run.run_dir / EVALUATION_DIR
    evaluation = evaluate(
        run.model, run.data, config, embeddings=run.embeddings, ablations_dir=out, console=console
    )
    console.print(f"Evaluation written to {evaluation.save(out)}")
    return evaluation.summary


def load_summary(run_dir: str | Path) -> list[dict]:
    """Read ``evaluation/summary.csv`` of a run back (numbers as floats).

    Raises
    ------
    FileNotFoundError
        If the run has not been evaluated.
    """
    return Evaluation.load(Path(run_dir) / EVALUATION_DIR).summary
