"""Plot functions of the report that show an embedding: projected frames, components, labels.

Like :mod:`bams.report.plots`, each draws on the ``ax`` it is given and returns it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap

from bams.report.style import (
    CONTINUOUS_CMAP,
    MISSING_COLOR,
    category_colors,
    class_codes,
    class_legend,
    missing_mask,
)

__all__ = ["plot_embedding_scatter", "plot_label_band", "plot_principal_components"]


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
