"""``bams report RUN``: the report of a run directory, a thin loader over :func:`write_report`.

Everything found beside the run and made on the recordings shown is included: the evaluation
(``bams evaluate``), the motifs and their movies (``bams motifs``) and the group comparisons
(``bams compare``). Results made on other recordings are left out with a note, so the page
never mixes recordings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bams.data import Recordings
from bams.evaluation.evaluate import Evaluation
from bams.layout import COMPARISON_DIR, EVALUATION_DIR, MOTIFS_DIR, MOVIES_DIR, REPORT_DIR
from bams.report.write import write_report

__all__ = ["RunResults", "run_results", "write_run_report"]


@dataclass
class RunResults:
    """What was computed beside a run for one set of recordings.

    Attributes
    ----------
    evaluation
        The evaluation, or None (not run, or made on other recordings).
    motifs
        The motifs, or None.
    movies
        ``{motif: GIF path}`` of example snippets.
    comparisons
        The saved group comparisons.
    notes
        Why results were left out, one line each.
    """

    evaluation: Evaluation | None = None
    motifs: object = None
    movies: dict = field(default_factory=dict)
    comparisons: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _evaluation_data(run_dir: Path) -> Recordings | None:
    """The recordings of the run's evaluation when it was made on a file of its own."""
    try:
        meta = Evaluation.load(run_dir / EVALUATION_DIR).meta.get("data") or {}
    except FileNotFoundError:
        return None
    source = meta.get("source")
    # exists(), not is_file(): a store is a directory.
    return Recordings.load(source) if source and Path(source).exists() else None


def run_results(run_dir: str | Path, data: Recordings) -> RunResults:
    """Read the evaluation, motifs and comparisons of ``run_dir`` that belong to ``data``."""
    from bams.discovery.compare_io import load_comparison
    from bams.discovery.save import load_motifs

    run_dir, out = Path(run_dir), RunResults()
    if (run_dir / EVALUATION_DIR / "summary.csv").is_file():
        evaluation = Evaluation.load(run_dir / EVALUATION_DIR)
        recorded = evaluation.data.get("fingerprint")
        if recorded == data.fingerprint or (
            recorded is None and evaluation.n_recordings == len(data)  # saved before stamps
        ):
            out.evaluation = evaluation
        else:
            out.notes.append(
                f"The evaluation in {run_dir / EVALUATION_DIR} was made on other recordings "
                f"({evaluation.data.get('source') or 'in memory'}); run `bams evaluate` on "
                "these to see readouts."
            )
    motifs_dir = run_dir / MOTIFS_DIR
    if (motifs_dir / "labels.csv").is_file():
        try:
            out.motifs = load_motifs(motifs_dir, data)
            movies = {int(p.stem.split("_")[1]): p for p in
                      (motifs_dir / MOVIES_DIR).glob("motif_[0-9]*.gif")}  # fmt: skip
            out.movies = {k: p for k, p in movies.items() if k < out.motifs.n_motifs}
        except (ValueError, FileNotFoundError) as err:
            out.notes.append(f"Motifs left out: {err}")
    for folder in sorted((run_dir / COMPARISON_DIR).glob("*/")):
        try:
            saved = load_comparison(folder, data)
        except (ValueError, FileNotFoundError) as err:
            out.notes.append(f"Comparison {folder.name} left out: {err}")
            continue
        current = out.motifs.digest if out.motifs is not None else None
        if saved.comparison.motifs is not None and saved.motifs_digest != current:
            saved.comparison.motifs = None
            out.notes.append(
                f"The motif usage of comparison {folder.name} was computed on earlier motifs; "
                "run `bams compare` again to compare the current ones."
            )
        out.comparisons.append(saved)
    return out


def write_run_report(
    run_dir: str | Path,
    data: Recordings | None = None,
    *,
    output: str | Path | None = None,
    metadata: str | Path | None = None,
    umap: bool = False,
) -> Path:
    """Write the visual report of a trained run directory, labelled or not.

    Parameters
    ----------
    run_dir
        A training run directory with ``model.pt``.
    data
        The recordings to show (default: those of the run's evaluation, else the data file
        the run was trained on).
    output
        Directory of the report (default: ``run_dir/report``).
    metadata
        A CSV table with a ``recording`` column (the ids) and columns to color by.
    umap
        Also draw UMAP views (the ``umap`` extra; about a minute more).

    Returns
    -------
    Path
        The ``index.html`` written.

    Raises
    ------
    FileNotFoundError
        If the run has no model, or its data file is gone.
    ValueError
        If ``data`` is not given and the run does not know its data file, or the metadata
        table lacks a recording.

    Examples
    --------
    >>> from bams.report import write_run_report
    >>> write_run_report("runs/demo")  # doctest: +SKIP
    PosixPath('runs/demo/report/index.html')
    """
    from bams.io.metadata import read_metadata
    from bams.runs import load_run

    run_dir = Path(run_dir)
    if data is None:
        data = _evaluation_data(run_dir)
    run = load_run(run_dir, data)
    found = run_results(run_dir, run.data)
    columns = read_metadata(metadata, run.data.ids) if metadata is not None else {}
    for saved in found.comparisons:
        columns.setdefault(saved.by, saved.labels)
    out = Path(output) if output is not None else run_dir / REPORT_DIR
    return write_report(
        run.model, run.data, found.evaluation, out, embeddings=run.embeddings,
        run_dir=run_dir, motifs=found.motifs, comparisons=found.comparisons,
        metadata=columns, movies=found.movies, notes=found.notes,
        umap=umap,
    )  # fmt: skip
