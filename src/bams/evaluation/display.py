"""Readout summaries as rich tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from bams.evaluation.protocols import PROTOCOLS, SINGLE_FRAME, WHOLE_RECORDING

PROTOCOL_ORDER = tuple(PROTOCOLS)
_TABLES = ((SINGLE_FRAME, "single frames"), (WHOLE_RECORDING, "whole recordings"))


def summary_tables(summary: Sequence[dict]) -> list[Table]:
    """The tables worth printing: single-frame readouts, then whole-recording ones, per unit."""
    tables = []
    for unit in ("recording", "group"):
        rows = [r for r in summary if r.get("unit", "recording") == unit]
        for protocols, what in (
            (SINGLE_FRAME, "single frames"),
            (WHOLE_RECORDING, "whole recordings"),
        ):
            if any(r["protocol"] in protocols for r in rows):
                title = f"Linear readouts from {what} ({unit} level, held-out {unit}s)"
                # the wider whole-recording table shows means only, to fit 80 columns
                tables.append(
                    summary_table(rows, unit, protocols, title, protocols == SINGLE_FRAME)
                )
    return tables


def summary_table(
    summary: Sequence[dict],
    unit: str = "recording",
    protocols: Sequence[str] = PROTOCOL_ORDER,
    title: str | None = None,
    show_std: bool = True,
) -> Table:
    """Methods (rows) x task and protocol (columns): mean ± std of the primary metric.

    The best method of each column is in bold. Frame-level tasks have one column; a
    sequence-level task has one column per protocol in ``protocols``.
    """
    rows = [r for r in summary if r.get("unit", "recording") == unit and r["protocol"] in protocols]
    columns = sorted(
        {(r["task"], r["protocol"], r["metric"]) for r in rows},
        key=lambda c: (_first_index(rows, c[0]), PROTOCOL_ORDER.index(c[1])),
    )
    methods = list(dict.fromkeys(r["method"] for r in rows))
    score = {(r["method"], r["task"], r["protocol"]): r for r in rows}
    table = Table(title=title or f"Linear readouts ({unit} level, held-out {unit}s)")
    table.add_column("method", no_wrap=True)
    for task, protocol, metric in columns:
        header = "\n".join(part for part in (task, PROTOCOLS[protocol].column, metric) if part)
        table.add_column(header, justify="right")
    for method in methods:
        cells = []
        for task, protocol, _ in columns:
            row = score.get((method, task, protocol))
            if row is None:
                cells.append("")
                continue
            text = f"{row['score']:.3f}"
            if show_std and row.get("n_seeds", 1) > 1:
                text += f"±{row['score_std']:.3f}"
            best = max(
                score[(m, task, protocol)]["score"] for m in methods if (m, task, protocol) in score
            )
            cells.append(f"[bold]{text}[/bold]" if row["score"] == best else text)
        table.add_row(method, *cells)
    return table


def _first_index(rows: Sequence[dict], task: str) -> int:
    return next(i for i, r in enumerate(rows) if r["task"] == task)
