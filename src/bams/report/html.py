"""The report's HTML page: one self-contained document (inline style, PNGs as data URIs)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np
import yaml

from bams.config import to_dict
from bams.data import Recordings
from bams.evaluation.tasks import CLASSIFICATION, Task
from bams.layout import MODEL_FILE
from bams.report.quality import DataQuality
from bams.report.sections import comparison_html, motifs_html, quality_html, summary_html
from bams.report.style import missing_mask
from bams.report.tables import readout_tables, table_html
from bams.utils.timing import format_duration

__all__ = ["PageContext", "render_page"]


@dataclass
class PageContext:
    """What the page shows besides its figures.

    Attributes
    ----------
    name
        The page's title (the run's name).
    model, data, tasks
        The fitted model, its recordings and their labels.
    rows, meta
        The evaluation's summary rows and settings (``Evaluation.summary`` and ``.meta``).
    methods, highlighted
        Methods in display order, and the BAMS ones among them.
    run_dir
        The run directory, if the report belongs to one.
    quality
        Missing data (:func:`bams.report.quality.data_quality`).
    shares
        ``{latent: share of its variance between recordings}``.
    motifs, comparisons, movies
        Motifs (or None), saved group comparisons and ``{motif: GIF path}``.
    notes
        Results left out and why.
    """

    name: str
    model: object
    data: Recordings
    tasks: list[Task]
    rows: list[dict]
    meta: dict
    methods: list[str]
    highlighted: list[str]
    run_dir: Path | None = None
    quality: DataQuality | None = None
    shares: dict = field(default_factory=dict)
    motifs: object = None
    comparisons: list = field(default_factory=list)
    movies: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def _method_kind(method: str, highlighted: Sequence[str]) -> str:
    if method in highlighted:
        return "BAMS"
    if method.startswith("BAMS "):
        return "ablation"
    if "CEBRA" in method:
        return "peer"
    return "baseline"


# ---------------------------------------------------------------------- page
def render_page(context: PageContext, figures: dict[str, tuple[str, bytes]]) -> str:
    """The whole HTML page: summary, data, readouts (if any), embeddings, discoveries, training."""
    model, data = context.model, context.data
    config = model.get_config()
    fields = "; ".join(
        f"{escape(n)}: {rf} frames ({rf / data.frame_rate:.3g} s)"
        for n, rf in model.receptive_fields_.items()
    )

    def figure(key: str) -> str:
        return _figure(figures, key) if key in figures else ""

    sections = [
        ("summary", "Summary", summary_html(context)),
        ("data", "Data", _data_html(data, context.tasks)),
        ("quality", "Data quality", quality_html(context.quality) + figure("data_quality")),
    ]
    if context.rows:
        sections.append(("readouts", "Linear readouts", _readouts_html(context, figures)))
    sections += [
        ("embeddings", "Embeddings", figure("pca") + figure("umap")),
        ("recordings", "Map of recordings", figure("recording_map")),
        ("timeline", "One recording over time", figure("timeline")),
    ]
    if context.motifs is not None:
        sections.append(
            ("motifs", "Motifs", motifs_html(context.motifs, data, figure, context.movies))
        )
    for i, saved in enumerate(context.comparisons):
        sections.append(
            (f"compare-{i}", f"Groups by {saved.by}",
             comparison_html(saved, figure(f"comparison_{i}")))
        )  # fmt: skip
    sections += [
        ("training", "Training", _training_html(model.history_) + figure("loss")),
        ("receptive-fields", "Receptive fields",
         f"<p>{fields}.</p>" + figure("receptive_fields")),
        ("config", "Configuration", f"<pre>{escape(_yaml(to_dict(config)))}</pre>"),
    ]  # fmt: skip
    nav = " · ".join(f"<a href='#{key}'>{escape(title)}</a>" for key, title, _ in sections)
    body = "".join(
        f"<section id='{key}'><h2>{escape(title)}</h2>{content}</section>"
        for key, title, content in sections
    )
    name = escape(context.name)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>BAMS report: {name}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>BAMS report: {name}</h1><p class='meta'>{_provenance(context)}</p>"
        f"<nav>{nav}</nav></header>{body}</body></html>\n"
    )


def _readouts_html(context: PageContext, figures: dict[str, tuple[str, bytes]]) -> str:
    methods, highlighted, meta = context.methods, context.highlighted, context.meta
    kinds = {m: _method_kind(m, highlighted) for m in methods if m not in highlighted}
    tables = "".join(
        f"<h3>{escape(t.title)}</h3><p class='caption'>{escape(t.caption)}</p>"
        + table_html(t, highlighted, meta.get("methods"), kinds)
        for t in readout_tables(context.rows, methods)
    )
    bars = "".join(_figure(figures, k) for k in figures if k.startswith("readout_bars"))
    return f"{_evaluation_html(meta)}{tables}<h3>Scores per task</h3>{bars}"


def _provenance(context: PageContext) -> str:
    parts = [f"Report written {dt.datetime.now():%Y-%m-%d %H:%M}"]
    if context.run_dir is not None:
        model_file = context.run_dir / MODEL_FILE
        if model_file.is_file():
            saved = dt.datetime.fromtimestamp(model_file.stat().st_mtime)
            parts.append(f"model saved {saved:%Y-%m-%d %H:%M}")
        parts.append(f"run directory <code>{escape(str(context.run_dir))}</code>")
    return " · ".join(parts)


def _figure(figures: dict[str, tuple[str, bytes]], key: str) -> str:
    caption, png = figures[key]
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f"<figure><img src='{uri}' alt='{escape(caption)}'><figcaption>{escape(caption)} "
        f"<span class='file'>({escape(key)}.png)</span></figcaption></figure>"
    )


def _data_html(data: Recordings, tasks: Sequence[Task]) -> str:
    lengths = data.lengths
    groups = "none" if data.groups is None else f"{len(set(data.groups)):,}"
    features = ", ".join(data.feature_names)
    items = [
        ("source", f"<code>{escape(str(data.source))}</code>" if data.source else "in memory"),
        ("recordings", f"{len(data):,}"),
        ("groups", groups),
        (
            "frames",
            f"{data.total_frames:,} (per recording {lengths.min():,} to "
            f"{lengths.max():,}, median {int(np.median(lengths)):,})",
        ),
        (
            "duration",
            f"{format_duration(data.total_frames / data.frame_rate)} at "
            f"{data.frame_rate:g} frames/s",
        ),
        ("features", f"{data.n_features}: {escape(features)}"),
        ("actions", f"{len(data.actions)}: {escape(', '.join(data.actions))}"),
    ]
    kv = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in items)
    label_rows = "".join(
        f"<tr><th>{escape(t.name)}</th><td>{t.level}</td><td>{t.kind}</td>"
        f"<td>{escape(_label_summary(t))}</td></tr>"
        for t in tasks
    )
    labels = (
        "<h3>Labels</h3><table class='plain'><thead><tr><th>label</th><th>level</th>"
        f"<th>kind</th><th>values</th></tr></thead><tbody>{label_rows}</tbody></table>"
        if tasks
        else "<p>No labels.</p>"
    )
    return f"<table class='kv'>{kv}</table>{labels}"


def _label_summary(task: Task) -> str:
    values = np.asarray(task.values) if task.level == "sequence" else np.concatenate(task.values)
    missing = missing_mask(values)  # NaN, or "" for text labels
    known = values[~missing]
    unit = "frames" if task.level == "frame" else "recordings"
    labelled = (
        f"; {known.size / max(values.size, 1):.0%} of {unit} labelled" if missing.any() else ""
    )
    if task.kind == CLASSIFICATION:
        classes, counts = np.unique(known, return_counts=True)
        shares = ", ".join(
            f"{c} ({n / known.size:.0%})" for c, n in zip(classes[:12], counts[:12], strict=True)
        )
        more = f", … ({len(classes)} classes)" if len(classes) > 12 else ""
        return f"{len(classes)} classes: {shares}{more}{labelled}"
    if known.size == 0:
        return f"no values{labelled}"
    return (
        f"from {known.min():.3g} to {known.max():.3g}, mean {known.mean():.3g}, "
        f"SD {known.std():.3g}{labelled}"
    )


def _evaluation_html(meta: dict) -> str:
    if not meta:
        return ""
    cfg = meta.get("config", {})
    split = (
        f"train on {cfg['train_size']:.0%} of units"
        if cfg.get("train_size")
        else f"test on {cfg.get('test_size', 0.5):.0%} of units"
    )
    seconds = meta.get("seconds")
    took = f" Evaluation took {seconds:.0f} s." if seconds is not None else ""
    return (
        f"<p>{len(meta.get('methods', {}))} representations, each read out with a "
        "cross-validated linear model (logistic regression for classes, ridge for "
        f"continuous labels); {len(cfg.get('seeds', []))} random splits ({split}), "
        f"seeds {cfg.get('seeds')}. Scores: mean ± SD over splits; best per column in "
        f"<b>bold</b>.{took}</p>"
    )


def _training_html(history: dict) -> str:
    epochs = history.get("epoch", [])
    if not epochs:
        return "<p>No training history recorded.</p>"
    final = ", ".join(f"{k} {v[-1]:.4g}" for k, v in history.items() if k != "epoch" and v)
    return f"<p>{len(epochs)} epochs. Final per-epoch losses: {escape(final)}.</p>"


class _Dumper(yaml.SafeDumper):
    """Lists of numbers on one line; everything else in block style."""


def _flow_lists(dumper: yaml.SafeDumper, data: list):
    flow = all(not isinstance(v, dict | list) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _flow_lists)


def _yaml(values: dict) -> str:
    return yaml.dump(values, Dumper=_Dumper, sort_keys=False)


_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#222;margin:0 auto;
max-width:1300px;padding:0 24px 48px;line-height:1.45;font-size:15px}
header{border-bottom:2px solid #0072B2;padding:12px 0 8px;margin-bottom:8px}
h1{margin:8px 0 4px;font-size:26px}h2{margin-top:32px;border-bottom:1px solid #ddd;
padding-bottom:4px;font-size:21px}h3{margin:22px 0 4px;font-size:16px}
.meta{color:#666;margin:0 0 6px;font-size:13px}nav a{color:#0072B2;text-decoration:none}
table{border-collapse:collapse;margin:8px 0 12px;font-size:14px}
th,td{padding:4px 10px;text-align:left;vertical-align:top}
table.kv th{color:#555;font-weight:600;padding-right:18px}
table.plain thead th,table.readout thead th{border-bottom:1px solid #999;background:#f4f6f8}
table.plain td,table.plain tbody th{border-bottom:1px solid #eee}
table.readout td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;
border-bottom:1px solid #eee}
table.readout thead th{text-align:center;font-weight:600}
table.readout th.task{border-bottom:1px solid #ccc}
table.readout th.method{text-align:left;font-weight:500;border-bottom:1px solid #eee;
white-space:nowrap}
table.readout thead th.method{font-weight:600}
table.readout tr.bams{background:#eef5fb}table.readout tr.bams th.method{font-weight:600}
table.readout td.best{color:#000;background:#fff3c4}
.metric{font-weight:400;color:#666;font-size:12px}
.tag{font-size:11px;color:#666;border:1px solid #ccc;border-radius:3px;padding:0 4px;
margin-left:4px;font-weight:400}.dims{font-size:12px;color:#888;font-weight:400}
.caption{color:#555;margin:0 0 4px;font-size:13px;max-width:1000px}
figure{margin:14px 0 20px}figure img{max-width:100%;height:auto;display:block}
figcaption{color:#555;font-size:13px;margin-top:4px}.file{color:#999}
ul.summary{padding-left:20px;max-width:1050px}ul.summary li{margin:4px 0}
.movies{display:flex;flex-wrap:wrap;gap:12px}figure.movie{margin:4px 0}
figure.movie img{max-width:480px}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:10px 14px;font-size:13px;
overflow-x:auto;column-width:26em;column-gap:2em}code{font-size:13px}
"""
