"""Plot functions of the report: each draws on the ``ax`` it is given and returns it.

Nothing here creates figures, selects a backend or writes files; :mod:`bams.report.figures`
composes these functions into figures. The views of an embedding (scatter, principal
components, label strips) are in :mod:`bams.report.plots_embedding` and importable from here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from bams.report.plots_embedding import (
    plot_embedding_scatter,
    plot_label_band,
    plot_principal_components,
)
from bams.report.style import (
    HIGHLIGHT_COLORS,
    LOSS_COLORS,
    METRIC_NAMES,
    method_colors,
    plain_log_labels,
)

__all__ = [
    "plot_embedding_scatter",
    "plot_label_band",
    "plot_loss_curves",
    "plot_principal_components",
    "plot_readout_bars",
    "plot_receptive_fields",
]


def plot_readout_bars(
    ax: Axes,
    methods: Sequence[str],
    scores: Sequence[float],
    stds: Sequence[float] | None = None,
    *,
    colors: Mapping[str, str] | None = None,
    highlighted: Collection[str] = (),
    metric: str = "f1_macro",
    title: str | None = None,
) -> Axes:
    """Horizontal bars of one task's readout score per method, with error bars.

    Parameters
    ----------
    ax
        Where to draw.
    methods
        Method names, top to bottom.
    scores, stds
        Mean score of each method, shape ``(n_methods,)``, and its standard deviation over
        seeds (no error bars if ``None``).
    colors
        ``{method: color}`` (default: :func:`method_colors`).
    highlighted
        Methods drawn with a black edge and a bold label.
    metric
        Name of the score (``f1_macro``, ``r2``, ...) for the axis label.
    title
        Axes title.

    Returns
    -------
    Axes
        ``ax``, with one bar per method.
    """
    scores = np.asarray(scores, dtype=float)
    stds = np.zeros_like(scores) if stds is None else np.nan_to_num(np.asarray(stds, float))
    colors = colors or method_colors(methods, highlighted)
    y = np.arange(len(methods))
    # R² can be hugely negative; show down to -1 and write the value beside a clipped bar.
    low = -1.0 if np.nanmin(scores, initial=0.0) < -1 else min(0.0, np.nanmin(scores, initial=0.0))
    shown = np.clip(np.nan_to_num(scores, nan=0.0), low, None)
    ax.barh(
        y,
        shown,
        xerr=np.where(shown == scores, stds, 0.0),
        color=[colors[m] for m in methods],
        edgecolor=["black" if m in highlighted else "none" for m in methods],
        linewidth=1.0,
        error_kw={"ecolor": "#222222", "capsize": 3, "elinewidth": 1},
        height=0.72,
    )
    high = max(1.0, float(np.nanmax(scores + stds, initial=0.0)))
    ax.set_xlim(low - 0.02, high * 1.18)
    for yi, value, bar_end, err in zip(y, scores, shown, stds, strict=True):
        text = "n/a" if np.isnan(value) else f"{value:.3f}"
        ax.text(max(bar_end, 0) + err + 0.02, yi, text, va="center", fontsize=8)
    ax.set_yticks(y, labels=list(methods))
    for label in ax.get_yticklabels():
        if label.get_text() in highlighted:
            label.set_fontweight("bold")
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(METRIC_NAMES.get(metric, metric))
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title)
    return ax


def plot_loss_curves(
    ax: Axes,
    history: Mapping[str, Sequence[float]],
    terms: Sequence[str] | None = None,
    *,
    log: bool = True,
    title: str | None = None,
    colors: Mapping[str, str] | None = None,
) -> Axes:
    """Loss terms against the training epoch.

    Parameters
    ----------
    ax
        Where to draw.
    history
        ``{"epoch": [...], term: [...], ...}`` as in ``BAMS.history_``.
    terms
        Which terms to draw (default: all but ``epoch``).
    log
        Logarithmic loss axis (when every value is positive).
    title
        Axes title.
    colors
        ``{term: color}`` (default: black for ``total``, then the highlight colors).

    Returns
    -------
    Axes
        ``ax``, with one line per term.
    """
    terms = [t for t in history if t != "epoch"] if terms is None else list(terms)
    first = next(iter(history.values()), [])
    epochs = np.asarray(history.get("epoch", np.arange(1, len(first) + 1)))
    positive = True
    for i, term in enumerate(terms):
        values = np.asarray(history[term], dtype=float)
        positive &= bool(np.all(values[np.isfinite(values)] > 0))
        color = {**LOSS_COLORS, **(colors or {})}.get(
            term, HIGHLIGHT_COLORS[i % len(HIGHLIGHT_COLORS)]
        )
        ax.plot(epochs, values, label=term, color=color, marker="." if len(values) < 20 else None)
    if log and positive and terms:
        ax.set_yscale("log")
        plain_log_labels(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (per-epoch mean)")
    ax.grid(alpha=0.3, which="both")
    if len(terms) > 1:
        ax.legend(frameon=False, fontsize=9, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title:
        ax.set_title(title)
    return ax


def plot_receptive_fields(
    ax: Axes,
    fields: Mapping[str, int],
    frame_rate: float,
    *,
    hoa_window: int | None = None,
    window_length: int | None = None,
    colors: Mapping[str, str] | None = None,
) -> Axes:
    """Each latent's receptive field as a bar over the past, on a time axis in seconds.

    The current frame is at 0: a causal encoder sees the ``receptive_field`` frames up to it;
    the histogram-of-actions (HoA) target summarizes the ``hoa_window`` frames after it.

    Parameters
    ----------
    ax
        Where to draw.
    fields
        ``{latent: receptive field in frames}``.
    frame_rate
        Frames per second.
    hoa_window, window_length
        Drawn for reference (frames), if given.
    colors
        ``{latent: color}``.

    Returns
    -------
    Axes
        ``ax``, with one bar per latent and per reference.
    """
    colors = colors or method_colors(list(fields), highlighted=list(fields))
    rows = [
        (name, -(rf - 1) / frame_rate, rf / frame_rate, colors[name], f"{rf} frames")
        for name, rf in fields.items()
    ]
    if hoa_window:
        rows.append(
            (
                "HoA target",
                1 / frame_rate,
                hoa_window / frame_rate,
                "#999999",
                f"{hoa_window} frames (future)",
            )
        )
    if window_length:
        rows.append(
            (
                "training window",
                -(window_length - 1) / frame_rate,
                window_length / frame_rate,
                "#cccccc",
                f"{window_length} frames",
            )
        )
    extent = max(abs(start) for _, start, *_ in rows) or 1.0
    for y, (_, start, width, color, text) in enumerate(rows):
        ax.broken_barh([(start, width)], (y - 0.35, 0.7), facecolors=color)
        seconds = width
        ax.text(
            start + width + 0.01 * extent, y, f"{text} = {seconds:.3g} s", va="center", fontsize=9
        )
    ax.set_yticks(range(len(rows)), labels=[r[0] for r in rows])
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.axvline(0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xlim(-extent * 1.05, extent * 0.45)
    ax.set_xlabel("time relative to the current frame (s)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    return ax
