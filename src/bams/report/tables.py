"""The readout tables of the report: methods (rows) by tasks and protocols (columns)."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from bams.evaluation.protocols import PROTOCOLS, WHOLE_RECORDING
from bams.report.style import METRIC_NAMES


@dataclass
class ReadoutTable:
    """One table of primary scores.

    Attributes
    ----------
    title, caption
        Shown above the table.
    columns
        ``(task, protocol)`` of each column, in order.
    methods
        Row order.
    cells
        ``{(method, task, protocol): summary row}``.
    """

    title: str
    caption: str
    columns: list[tuple[str, str]]
    methods: list[str]
    cells: dict[tuple[str, str, str], dict] = field(default_factory=dict)

    def best(self, column: tuple[str, str]) -> set[str]:
        """Methods with the highest score of ``column`` (ties at the shown precision)."""
        scores = {
            m: self.cells[(m, *column)]["score"]
            for m in self.methods
            if (m, *column) in self.cells and _finite(self.cells[(m, *column)]["score"])
        }
        if not scores:
            return set()
        top = round(max(scores.values()), 3)
        return {m for m, s in scores.items() if round(s, 3) == top}


def order_methods(methods: Sequence[str], highlighted: Collection[str]) -> list[str]:
    """The highlighted (BAMS) methods first, then the others, each in their given order.

    Examples
    --------
    >>> order_methods(["raw", "BAMS long_term", "pca"], highlighted=["BAMS long_term"])
    ['BAMS long_term', 'raw', 'pca']
    """
    methods = list(dict.fromkeys(methods))
    return [m for m in methods if m in highlighted] + [m for m in methods if m not in highlighted]


def readout_tables(rows: Sequence[dict], methods: Sequence[str]) -> list[ReadoutTable]:
    """Group summary rows into tables, per unit (recording, then group).

    Frame labels (protocol ``frame``) and single-frame readouts of sequence labels
    (``per_frame``) share the first table of a unit; the recording-level protocols of sequence
    labels (``frame_average``, ``mean_embedding``) make the second.

    Parameters
    ----------
    rows
        Summary rows (see :func:`bams.evaluation.run.load_summary`).
    methods
        Row order.

    Returns
    -------
    list of ReadoutTable
        Only tables with at least one column.
    """
    units = list(dict.fromkeys(r.get("unit", "recording") for r in rows))
    tables = []
    for unit in units:
        unit_rows = [r for r in rows if r.get("unit", "recording") == unit]
        cells = {(r["method"], r["task"], r["protocol"]): r for r in unit_rows}
        present = {(r["task"], r["protocol"]) for r in unit_rows}
        tasks = list(dict.fromkeys(r["task"] for r in unit_rows))
        frame_cols = [(t, p) for t in tasks for p in ("frame", "per_frame") if (t, p) in present]
        record_cols = [(t, p) for t in tasks for p in WHOLE_RECORDING if (t, p) in present]
        who = "groups" if unit == "group" else "recordings"
        shown = [m for m in methods if any(key[0] == m for key in cells)]
        if frame_cols:
            tables.append(
                ReadoutTable(
                    f"Frame-level readouts (split by {unit})",
                    "A linear readout of single frames' embeddings. Frame labels: each frame "
                    "predicts its own label. Sequence labels (single frames): each frame predicts "
                    f"its recording's label. Readouts are trained and tested on disjoint {who}.",
                    frame_cols,
                    shown,
                    cells,
                )
            )
        if record_cols:
            tables.append(
                ReadoutTable(
                    f"Recording-level readouts of sequence labels (split by {unit})",
                    "Frame predictions averaged: the single-frame readout's predictions averaged "
                    "over each test recording. Mean embedding: a readout of each recording's mean "
                    "embedding (one sample per recording).",
                    record_cols,
                    shown,
                    cells,
                )
            )
    return tables


def table_html(
    table: ReadoutTable,
    highlighted: Collection[str] = (),
    dims: Mapping[str, int] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> str:
    """Render a :class:`ReadoutTable` as an HTML table; the best score per column is bold.

    Parameters
    ----------
    table
        The table.
    highlighted
        Rows given the BAMS background.
    dims
        ``{method: embedding size}``, shown beside the method if given.
    kinds
        ``{method: "BAMS" | "baseline" | "peer" | "ablation"}``, shown as a tag if given.

    Returns
    -------
    str
        A ``<table>`` element.
    """
    dims, kinds = dims or {}, kinds or {}
    groups: list[tuple[str, int]] = []
    for task, _ in table.columns:
        if groups and groups[-1][0] == task:
            groups[-1] = (task, groups[-1][1] + 1)
        else:
            groups.append((task, 1))
    head1 = "".join(f'<th colspan="{n}" class="task">{escape(t)}</th>' for t, n in groups)
    head2 = "".join(
        f"<th>{escape(PROTOCOLS[p].title if p in PROTOCOLS else p)}<br><span class='metric'>"
        f"{escape(_metric_of(table, t, p))}</span></th>"
        for t, p in table.columns
    )
    best = {column: table.best(column) for column in table.columns}
    body = []
    for method in table.methods:
        cells = []
        for column in table.columns:
            row = table.cells.get((method, *column))
            text = _format_score(row)
            cells.append(
                f"<td class='best'><b>{text}</b></td>"
                if method in best[column]
                else f"<td>{text}</td>"
            )
        tag = f" <span class='tag'>{escape(kinds[method])}</span>" if method in kinds else ""
        size = f" <span class='dims'>{dims[method]}-d</span>" if method in dims else ""
        cls = " class='bams'" if method in highlighted else ""
        body.append(
            f"<tr{cls}><th class='method'>{escape(method)}{size}{tag}</th>{''.join(cells)}</tr>"
        )
    return (
        f"<table class='readout'><thead><tr><th rowspan='2' class='method'>method</th>{head1}"
        f"</tr><tr>{head2}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _metric_of(table: ReadoutTable, task: str, protocol: str) -> str:
    for method in table.methods:
        row = table.cells.get((method, task, protocol))
        if row is not None:
            return METRIC_NAMES.get(row["metric"], row["metric"])
    return ""


def _format_score(row: dict | None) -> str:
    """``mean ± std`` over seeds (just the mean for one seed); an em dash if missing."""
    if row is None or not _finite(row.get("score")):
        return "—"
    if row.get("n_seeds", 1) > 1 and _finite(row.get("score_std")):
        return f"{row['score']:.3f} ± {row['score_std']:.3f}"
    return f"{row['score']:.3f}"


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
