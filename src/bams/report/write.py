"""The report of a trained and evaluated model, written from objects in memory.

:func:`write_report` takes the model, its recordings, their evaluation and (optionally)
their embeddings, draws every figure (:mod:`bams.report.figures`) and writes one
self-contained ``index.html`` (:mod:`bams.report.html`) plus each figure as a PNG file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.embedding import Embedding
from bams.evaluation.evaluate import Evaluation
from bams.evaluation.tasks import tasks_from
from bams.report.figures import (
    fit_projections,
    loss_figure,
    pca_figure,
    readout_bars_figure,
    receptive_field_figure,
    render_png,
    sample_frames,
    timeline_figure,
)
from bams.report.html import PageContext, render_page
from bams.report.style import method_colors
from bams.report.tables import order_methods
from bams.utils.atomic import atomic_write

__all__ = ["MAX_EMBEDDED_FRAMES", "PCA_FRAMES", "write_report"]

PCA_FRAMES = 20_000
MAX_EMBEDDED_FRAMES = 500_000

Figures = dict[str, tuple[str, bytes]]


def write_report(
    model,
    data: Recordings,
    evaluation: Evaluation,
    output: str | Path,
    *,
    embeddings: Sequence[Embedding] | None = None,
    run_dir: str | Path | None = None,
) -> Path:
    """Write the visual report of an evaluated model.

    Writes ``index.html`` (one self-contained page: figures are embedded PNG data URIs, the
    style is inline, no JavaScript) and every figure as its own PNG file.

    Parameters
    ----------
    model
        A fitted :class:`bams.BAMS`.
    data
        The recordings the evaluation read out.
    evaluation
        Their evaluation (:func:`bams.evaluation.evaluate`).
    output
        Directory of the report.
    embeddings
        ``model.transform(data)``, if already computed (else up to
        :data:`MAX_EMBEDDED_FRAMES` frames are embedded for the figures).
    run_dir
        The run directory the model belongs to, if any (named on the page).

    Returns
    -------
    Path
        The ``index.html`` written.

    Examples
    --------
    >>> from bams.report import write_report
    >>> write_report(model, data, evaluate(model, data), "report")  # doctest: +SKIP
    PosixPath('report/index.html')
    """
    out = Path(output)
    rows = evaluation.summary
    latents = list(model.receptive_fields_)
    highlighted = [f"BAMS {name}" for name in [*latents, "both"]]
    methods = order_methods([r["method"] for r in rows], highlighted)
    colors = method_colors(list(dict.fromkeys([*highlighted, *methods])), highlighted)
    labels = set(data.frame_labels) | set(data.sequence_labels)
    tasks = tasks_from(data, {r["task"]: r["kind"] for r in rows if r["task"] in labels})
    figures: Figures = {}

    def add(name: str, fig, caption: str) -> None:
        figures[name] = (caption, render_png(fig, out / f"{name}.png"))

    for unit in dict.fromkeys(r.get("unit", "recording") for r in rows):
        unit_rows = [r for r in rows if r.get("unit", "recording") == unit]
        add(
            f"readout_bars_{unit}",
            readout_bars_figure(unit_rows, methods, colors, highlighted),
            f"Readout score per task (split by {unit}); error bars: SD over seeds.",
        )
    _embedding_figures(add, model, data, tasks, embeddings)
    _training_figures(add, model, data, {n: colors[f"BAMS {n}"] for n in latents})
    run_dir = Path(run_dir) if run_dir is not None else None
    context = PageContext(
        name=(run_dir or out.parent).resolve().name,
        model=model,
        data=data,
        tasks=tasks,
        rows=rows,
        meta=evaluation.meta,
        methods=methods,
        highlighted=highlighted,
        run_dir=run_dir,
    )
    return atomic_write(out / "index.html", render_page(context, figures))


def _embedding_figures(add, model, data: Recordings, tasks, embeddings) -> None:
    """PCA of each latent over sampled frames, and one recording's components over time."""
    timeline_index = _timeline_recording(data)
    chosen = _embedded_recordings(data.lengths, MAX_EMBEDDED_FRAMES, timeline_index)
    if embeddings is None:
        shown = model.transform(data.subset(chosen))
    else:
        shown = [embeddings[i] for i in chosen]
    recording, frame = sample_frames([len(next(iter(e.values()))) for e in shown], PCA_FRAMES)
    projections, keep = fit_projections(shown, recording, frame)
    recording, frame = np.asarray(chosen)[recording[keep]], frame[keep]
    add(
        "pca",
        pca_figure(projections, tasks, recording, frame),
        f"Each latent space projected on its first two principal components ({keep.sum():,} "
        "frames sampled across recordings, standardized), colored by each label.",
    )
    add(
        "timeline",
        timeline_figure(
            projections,
            shown[chosen.index(timeline_index)],
            tasks,
            timeline_index,
            data.frame_rate,
            data.ids[timeline_index],
        ),
        "The first three principal components of each latent over one recording, with its "
        "frame labels underneath (components in units of their SD over the sampled frames). A "
        "latent that encodes slow factors changes little within a recording.",
    )


def _training_figures(add, model, data: Recordings, latent_colors: dict[str, str]) -> None:
    """Loss curves and receptive fields."""
    config = model.get_config()
    add(
        "loss",
        loss_figure(model.history_, latent_colors),
        "Per-epoch mean of each loss term. The total weighs the HoA term by "
        f"{config.model.hoa_weight:g} and each bootstrap term by its encoder's weight.",
    )
    add(
        "receptive_fields",
        receptive_field_figure(
            model.receptive_fields_,
            data.frame_rate,
            config.model.hoa_window,
            config.train.window_length,
            colors=latent_colors,
        ),
        "Frames each latent space sees up to the current frame (causal encoders), with the "
        "future window the histogram-of-actions (HoA) target summarizes and the training "
        "window length.",
    )


def _timeline_recording(data: Recordings) -> int:
    """The first recording with any frame label, else the first."""
    for i in range(len(data)):
        for values in data.frame_labels.values():
            v = np.asarray(values[i])
            if len(v) and not (v.dtype.kind == "f" and np.isnan(v).all()):
                return i
    return 0


def _embedded_recordings(lengths: np.ndarray, max_frames: int, must: int) -> list[int]:
    """All recordings, or a random subset of about ``max_frames`` frames including ``must``."""
    if lengths.sum() <= max_frames:
        return list(range(len(lengths)))
    order = [i for i in np.random.default_rng(0).permutation(len(lengths)) if i != must]
    chosen, total = [must], int(lengths[must])
    for i in order:
        if total >= max_frames:
            break
        chosen.append(int(i))
        total += int(lengths[i])
    return sorted(chosen)
