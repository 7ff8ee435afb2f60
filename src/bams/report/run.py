"""``bams report RUN``: the report of a run directory, a thin loader over :func:`write_report`."""

from __future__ import annotations

from pathlib import Path

from bams.data import Recordings
from bams.evaluation.evaluate import Evaluation
from bams.layout import EVALUATION_DIR, REPORT_DIR
from bams.report.write import write_report

__all__ = ["write_run_report"]


def write_run_report(
    run_dir: str | Path,
    data: Recordings | None = None,
    *,
    output: str | Path | None = None,
) -> Path:
    """Write the visual report of an evaluated run directory.

    Parameters
    ----------
    run_dir
        A training run directory with ``model.pt`` and ``evaluation/`` (from
        ``bams evaluate RUN_DIR``).
    data
        The recordings to show (default: the data file the run was trained on).
    output
        Directory of the report (default: ``run_dir/report``).

    Returns
    -------
    Path
        The ``index.html`` written.

    Raises
    ------
    FileNotFoundError
        If the run has no model or has not been evaluated.
    ValueError
        If ``data`` is not given and the run does not know its data file.

    Examples
    --------
    >>> from bams.report import write_run_report
    >>> write_run_report("runs/demo")  # doctest: +SKIP
    PosixPath('runs/demo/report/index.html')
    """
    from bams.runs import load_run

    run_dir = Path(run_dir)
    summary = run_dir / EVALUATION_DIR / "summary.csv"
    if not summary.is_file():
        raise FileNotFoundError(
            f"Expected evaluation results at {str(summary)!r}, but the file does not exist; "
            f"run `bams evaluate {run_dir}` first."
        )
    evaluation = Evaluation.load(run_dir / EVALUATION_DIR)
    run = load_run(run_dir, data)
    out = Path(output) if output is not None else run_dir / REPORT_DIR
    return write_report(
        run.model, run.data, evaluation, out, embeddings=run.embeddings, run_dir=run_dir
    )
