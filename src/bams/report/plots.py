"""Plot functions of the report: each draws on the ``ax`` it is given and returns it.

Nothing here creates figures, selects a backend or writes files; :mod:`bams.report.figures`
composes these functions into figures.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap

from bams.report.style import (
    CONTINUOUS_CMAP,
    HIGHLIGHT_COLORS,
    LOSS_COLORS,
    METRIC_NAMES,
    MISSING_COLOR,
    category_colors,
    class_codes,
    class_legend,
    method_colors,
    missing_mask,
    plain_log_labels,
)


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


def plot_embedding_scatter(
    ax: Axes,
    points: np.ndarray,
    values: np.ndarray,
    *,
    categorical: bool,
    label: str = "",
    title: str | None = None,
    classes: Sequence | None = None,
    legend: bool = True,
    colorbar: bool = True,
    point_size: float = 3.0,
) -> Axes:
    """Scatter of 2-D projected frames colored by a label.

    Parameters
    ----------
    ax
        Where to draw.
    points
        ``(n, 2)`` projected frames (e.g. the first two principal components).
    values
        ``(n,)`` label of each frame; NaN (float labels) is drawn in light grey underneath.
    categorical
        Discrete palette and a legend (classes) or a colormap and a colorbar (continuous).
    label
        Name of the label (legend title, colorbar label).
    title
        Axes title.
    classes
        The classes in legend order (default: the sorted unique values).
    legend, colorbar
        Whether to draw the legend (categorical) or colorbar (continuous).
    point_size
        Marker area in points².

    Returns
    -------
    Axes
        ``ax``, with one scatter collection per class (categorical) or one in all.
    """
    points, values = np.asarray(points), np.asarray(values)
    missing = missing_mask(values)
    if missing.any():
        ax.scatter(
            *points[missing].T, s=point_size, color=MISSING_COLOR, linewidths=0, rasterized=True
        )
    keep = ~missing
    if categorical:
        classes, codes = class_codes(values, missing, classes)
        palette = category_colors(len(classes))
        # One color array in random frame order, so no class is systematically drawn on top.
        colors = np.array(palette + [MISSING_COLOR])[codes[keep]]
        ax.scatter(
            *points[keep].T, s=point_size, c=colors, linewidths=0, alpha=0.7, rasterized=True
        )
        if legend:
            class_legend(ax, classes, palette, title=label, bbox_to_anchor=(1.01, 1.0))
    else:
        mappable = ax.scatter(
            *points[keep].T,
            s=point_size,
            c=values[keep].astype(float),
            cmap=CONTINUOUS_CMAP,
            linewidths=0,
            alpha=0.8,
            rasterized=True,
        )
        if colorbar:
            cax = ax.inset_axes((1.04, 0.1, 0.04, 0.8))
            ax.figure.colorbar(mappable, cax=cax, label=label)
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_xticks([])
    ax.set_yticks([])
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


def plot_principal_components(
    ax: Axes,
    times: np.ndarray,
    components: np.ndarray,
    *,
    title: str | None = None,
    colors: Sequence[str] = ("#222222", "#CC79A7", "#56B4E9"),
) -> Axes:
    """Principal components of an embedding over time.

    Parameters
    ----------
    ax
        Where to draw.
    times
        ``(T,)`` time of each frame in seconds.
    components
        ``(T, k)`` component scores; one line each.
    title
        Axes title.
    colors
        Line colors, one per component (cycled).

    Returns
    -------
    Axes
        ``ax``, with ``k`` lines.
    """
    components = np.asarray(components)
    for k in range(components.shape[1]):
        ax.plot(
            times,
            components[:, k],
            color=colors[k % len(colors)],
            linewidth=0.8,
            label=f"PC {k + 1}",
        )
    ax.set_xlim(times[0], times[-1])
    ax.set_ylabel("score (SD)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    return ax


def plot_label_band(
    ax: Axes,
    values: np.ndarray,
    frame_rate: float,
    *,
    categorical: bool,
    label: str = "",
    classes: Sequence | None = None,
    legend: bool = True,
) -> Axes:
    """A frame label as a colored strip over time (seconds).

    Parameters
    ----------
    ax
        Where to draw.
    values
        ``(T,)`` label per frame (NaN = unlabeled, drawn light grey).
    frame_rate
        Frames per second.
    categorical
        Discrete palette and a legend, or a colormap.
    label
        Name of the label (y axis).
    classes
        The classes in legend order (default: the sorted unique values).
    legend
        Whether to draw the class legend.

    Returns
    -------
    Axes
        ``ax``, with one image.
    """
    values = np.asarray(values)
    missing = missing_mask(values)
    extent = (0.0, len(values) / frame_rate, 0.0, 1.0)
    if categorical:
        classes, codes = class_codes(values, missing, classes)
        palette = category_colors(len(classes))
        codes[codes < 0] = len(classes)  # the last color: missing
        norm = BoundaryNorm(np.arange(len(classes) + 2) - 0.5, len(classes) + 1)
        cmap = ListedColormap(palette + [MISSING_COLOR])
        ax.imshow(codes[None, :], aspect="auto", extent=extent, cmap=cmap, norm=norm)
        if legend and classes:
            ncols = max(1, (min(len(classes), 30) + 1) // 2)
            class_legend(ax, classes, palette, bbox_to_anchor=(1.0, 1.3), ncols=ncols)
    else:
        cmap = colormaps[CONTINUOUS_CMAP].with_extremes(bad=MISSING_COLOR)
        ax.imshow(values.astype(float)[None, :], aspect="auto", extent=extent, cmap=cmap)
    ax.set_yticks([0.5], labels=[label])
    ax.tick_params(axis="y", length=0)
    return ax
