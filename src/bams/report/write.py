"""The report of a trained model, written from objects in memory.

:func:`write_report` takes the model, its recordings and whatever else is known about them (an
evaluation, motifs, group comparisons, metadata), draws every figure and writes one
self-contained ``index.html`` (:mod:`bams.report.html`) plus each figure as a PNG file. Without
labels or an evaluation the report still shows the data, their quality, the embeddings, the
recordings' map and the training; readout sections appear when an evaluation is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.embedding import Embedding
from bams.evaluation.evaluate import Evaluation
from bams.evaluation.tasks import CLASSIFICATION, Task, tasks_from
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
from bams.report.figures_discovery import comparison_figure
from bams.report.html import PageContext, render_page
from bams.report.overview import (
    between_recording_share,
    colorings,
    recording_map_figure,
    recording_means,
)
from bams.report.quality import data_quality, quality_figure
from bams.report.style import method_colors
from bams.report.tables import order_methods
from bams.report.umap import UMAP_FRAMES, umap_available, umap_figure
from bams.utils.atomic import atomic_write

__all__ = ["MAX_EMBEDDED_FRAMES", "PCA_FRAMES", "write_report"]

PCA_FRAMES = 20_000
MAX_EMBEDDED_FRAMES = 500_000

Figures = dict[str, tuple[str, bytes]]


def write_report(
    model,
    data: Recordings,
    evaluation: Evaluation | None,
    output: str | Path,
    *,
    embeddings: Sequence[Embedding] | None = None,
    run_dir: str | Path | None = None,
    motifs=None,
    comparisons: Sequence = (),
    metadata: Mapping[str, np.ndarray] | None = None,
    movies: Mapping[int, Path] | None = None,
    notes: Sequence[str] = (),
    umap: bool = False,
) -> Path:
    """Write the visual report of a trained model, with or without labels.

    Writes ``index.html`` (one self-contained page: figures as data URIs, inline style, no
    JavaScript) and every figure as its own PNG file.

    Parameters
    ----------
    model
        A fitted :class:`bams.BAMS`.
    data
        The recordings shown (those of the evaluation, motifs and comparisons).
    evaluation
        Their evaluation (:func:`bams.evaluation.evaluate`), or None: no readout sections.
    output
        Directory of the report.
    embeddings
        ``model.transform(data)``, if computed (else up to :data:`MAX_EMBEDDED_FRAMES` frames
        are embedded).
    run_dir
        The run directory of the model, if any (named on the page).
    motifs, movies
        Motifs of ``data`` (:func:`bams.discovery.find_motifs`) and ``{motif: GIF path}``
        (:func:`bams.discovery.movies.motif_movies`): a motifs section and an ethogram.
    comparisons
        :class:`~bams.discovery.compare_io.SavedComparison` of ``data``, one section each.
    metadata, notes
        ``{column: (n_recordings,) values}`` to color by; results left out and why.
    umap
        Also draw UMAP views (``umap-learn``; it compiles for about a minute first).

    Returns
    -------
    Path
        The ``index.html`` written, e.g. ``write_report(model, data, None, "report")``.
    """
    _check_inputs(data, umap, motifs, comparisons, metadata)
    out = Path(output)
    rows = evaluation.summary if evaluation is not None else []
    latents = list(model.receptive_fields_)
    highlighted, methods, colors = _methods(rows, latents)
    labels = set(data.frame_labels) | set(data.sequence_labels)
    kinds = {r["task"]: r["kind"] for r in rows if r["task"] in labels}
    tasks = tasks_from(data, kinds)
    figures: Figures = {}

    def add(name: str, fig, caption: str) -> None:
        figures[name] = (caption, render_png(fig, out / f"{name}.png"))

    _readout_figures(add, rows, methods, colors, highlighted)
    quality = _quality_figure(add, model, data)
    shown, chosen = _embedded(model, data, embeddings)
    paint = colorings(data.subset(chosen), tasks_from(data.subset(chosen), kinds), _subset(
        metadata, chosen))  # fmt: skip
    _embedding_figures(add, shown, chosen, data, tasks, paint, motifs, umap)
    _discovery_figures(add, shown, chosen, data, paint, motifs, comparisons)
    _training_figures(add, model, data, {n: colors[f"BAMS {n}"] for n in latents})
    run_dir = Path(run_dir) if run_dir is not None else None
    context = PageContext(
        name=(run_dir or out.parent).resolve().name, model=model, data=data, tasks=tasks,
        rows=rows, meta=evaluation.meta if evaluation is not None else {}, methods=methods,
        highlighted=highlighted, run_dir=run_dir, quality=quality,
        shares=between_recording_share(shown), motifs=motifs, comparisons=list(comparisons),
        movies=dict(movies or {}), notes=list(notes),
    )  # fmt: skip
    return atomic_write(out / "index.html", render_page(context, figures))


def _quality_figure(add, model, data: Recordings):
    """The data-quality figure; returns the :class:`~bams.report.quality.DataQuality`."""
    fields = model.receptive_fields_
    quality = data_quality(data, fields.get("long_term"))
    if quality.masked_overall == 0:
        return quality  # nothing to draw: the page says so
    add(
        "data_quality",
        quality_figure(quality),
        "Missing data: the fraction of frames where each keypoint (or feature) is missing, and "
        "the fraction of masked frames (any feature missing) of each recording.",
    )
    return quality


def _check_inputs(data: Recordings, umap: bool, motifs, comparisons, metadata) -> None:
    """Everything is checked before the first figure is written."""
    from bams.discovery.motifs import check_motifs

    if motifs is not None:
        check_motifs(motifs, data)
    for saved in comparisons:
        if len(saved.labels) != len(data):
            raise ValueError(
                f"Expected a group label per recording ({len(data)}) in the comparison by "
                f"{saved.by!r}, but got {len(saved.labels)}."
            )
    for name, values in (metadata or {}).items():
        if len(values) != len(data):
            raise ValueError(
                f"Expected a value per recording ({len(data)}) in metadata column {name!r}, "
                f"but got {len(values)}."
            )
    if umap and not umap_available():
        raise ImportError(
            "Expected umap-learn for the UMAP views, but it is not installed; install it with "
            "`pip install 'bams[umap]'`, or leave out --umap."
        )


def _methods(rows: list[dict], latents: list[str]) -> tuple[list[str], list[str], dict]:
    """The BAMS methods, every method in display order, and their colors."""
    highlighted = [f"BAMS {name}" for name in [*latents, "both"]]
    methods = order_methods([r["method"] for r in rows], highlighted)
    colors = method_colors(list(dict.fromkeys([*highlighted, *methods])), highlighted)
    return highlighted, methods, colors


def _readout_figures(add, rows: list[dict], methods, colors, highlighted) -> None:
    """One bar chart of readout scores per unit (recording, group) of the evaluation."""
    for unit in dict.fromkeys(r.get("unit", "recording") for r in rows):
        unit_rows = [r for r in rows if r.get("unit", "recording") == unit]
        add(
            f"readout_bars_{unit}",
            readout_bars_figure(unit_rows, methods, colors, highlighted),
            f"Readout score per task (split by {unit}); error bars: SD over seeds.",
        )


def _subset(metadata: Mapping[str, np.ndarray] | None, chosen: list[int]) -> dict:
    return {k: np.asarray(v)[chosen] for k, v in (metadata or {}).items()}


def _embedded(model, data: Recordings, embeddings) -> tuple[list, list[int]]:
    """The embeddings shown (all, or about :data:`MAX_EMBEDDED_FRAMES` frames) and whose."""
    chosen = _embedded_recordings(data.lengths, MAX_EMBEDDED_FRAMES, _timeline_recording(data))
    if embeddings is None:
        return model.transform(data.subset(chosen)), chosen
    return [embeddings[i] for i in chosen], chosen


def _embedding_figures(add, shown, chosen, data, tasks, paint, motifs, umap) -> None:
    """PCA (and UMAP) of each latent over sampled frames; one recording over time."""
    timeline_index = _timeline_recording(data)
    recording, frame = sample_frames([len(next(iter(e.values()))) for e in shown], PCA_FRAMES)
    projections, keep = fit_projections(shown, recording, frame)
    recording, frame = recording[keep], frame[keep]
    add(
        "pca",
        pca_figure(projections, paint, recording, frame),
        f"Each latent space projected on its first two principal components ({keep.sum():,} "
        "frames sampled across recordings, standardized), colored by recording, group, time "
        "in the session, metadata and labels. A latent of slow factors separates recordings; "
        "one of momentary behavior mixes them.",
    )
    if umap:
        n = min(UMAP_FRAMES, len(recording))
        sampled = {
            name: np.stack(
                [shown[r][name][f] for r, f in zip(recording[:n], frame[:n], strict=True)]
            )
            for name in projections
        }
        add(
            "umap",
            umap_figure(sampled, paint, recording[:n], frame[:n]),
            f"UMAP of each latent ({n:,} of the sampled frames, standardized; 15 neighbours), "
            "colored as above. UMAP keeps neighbourhoods, not distances.",
        )
    bands = list(tasks)
    if motifs is not None:
        bands.insert(0, Task("motif", "frame", CLASSIFICATION, list(motifs.labels)))
    subset = [Task(t.name, t.level, t.kind, _pick(t, chosen)) for t in bands]
    position = chosen.index(timeline_index)
    add(
        "timeline",
        timeline_figure(
            projections,
            shown[position],
            subset,
            position,
            data.frame_rate,
            data.ids[timeline_index],
        ),  # fmt: skip
        "The first three principal components of each latent over one recording, with its "
        "motifs (ethogram) and frame labels underneath (components in units of their SD over "
        "the sampled frames). A latent that encodes slow factors changes little within a "
        "recording.",
    )


def _pick(task: Task, chosen: list[int]):
    """The values of ``task`` for the recordings at ``chosen``."""
    if task.level == "sequence":
        return np.asarray(task.values)[chosen]
    return [task.values[i] for i in chosen]


def _discovery_figures(add, shown, chosen, data, paint, motifs, comparisons) -> None:
    """The map of recordings, motif figures and one figure per comparison."""
    from bams.discovery.save import (
        durations_figure,
        ethogram_figure,
        transitions_figure,
        usage_figure,
    )

    latent = "long_term" if "long_term" in shown[0] else list(shown[0])[-1]
    ids = [data.ids[i] for i in chosen]
    by_recording = [t for t in paint if t.level == "sequence" and t.name != "recording"]
    add(
        "recording_map",
        recording_map_figure(recording_means(shown, latent), ids, by_recording, latent),
        f"Map of recordings: each recording's mean {latent} embedding, on the first two "
        "principal components of the standardized means, colored by group, metadata and "
        "recording labels. Recordings close together behave alike over the long term.",
    )
    if motifs is not None:
        add("motif_usage", usage_figure(motifs), "Fraction of frames in each motif (bars: all "
            "frames; dots: recordings).")  # fmt: skip
        add("motif_durations", durations_figure(motifs), "Bout durations of each motif (s, "
            "log scale; boxes: quartiles; dots: bouts).")  # fmt: skip
        add("motif_transitions", transitions_figure(motifs), "Probability that a bout of one "
            "motif (row) is followed by a bout of another (column).")  # fmt: skip
        add("motif_ethogram", ethogram_figure(motifs), "Ethogram: the motif of every frame, "
            "one row per recording (the first 20).")  # fmt: skip
    for i, saved in enumerate(comparisons):
        # Only the recordings embedded for the figures (all but for very large data).
        saved = replace(saved, labels=[saved.labels[j] for j in chosen])
        usage = None
        if motifs is not None and saved.comparison.motifs is not None:
            usage = motifs.usage("recording").loc[ids].to_numpy(float)
        means = recording_means(shown, saved.comparison.latent)
        add(
            f"comparison_{i}",
            comparison_figure(saved, means, usage),
            f"Recordings by {saved.by}: each recording's mean {saved.comparison.latent} "
            "embedding (left) and, with motifs, each motif's usage per recording by group.",
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
