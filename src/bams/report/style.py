"""Colors, palettes and axis formatting shared by the report's plots."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

# Okabe-Ito: distinguishable with the common color-vision deficiencies.
HIGHLIGHT_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442"]
CONTINUOUS_CMAP = "viridis"
MISSING_COLOR = "#d9d9d9"
METRIC_NAMES = {"f1_macro": "macro-F1", "r2": "R²", "accuracy": "accuracy", "mse": "MSE"}
LOSS_COLORS = {"total": "#333333", "hoa": "#CC79A7"}


def method_colors(methods: Sequence[str], highlighted: Collection[str] = ()) -> dict[str, str]:
    """A fixed color per method: saturated colors for ``highlighted``, greys for the others.

    Parameters
    ----------
    methods
        Method names, in display order.
    highlighted
        The methods to stand out (the BAMS latents).

    Returns
    -------
    dict
        ``{method: hex color}``.

    Examples
    --------
    >>> method_colors(["BAMS short_term", "raw features"], highlighted=["BAMS short_term"])
    {'BAMS short_term': '#0072B2', 'raw features': '#6e6e6e'}
    """
    bright = [m for m in methods if m in highlighted]
    muted = [m for m in methods if m not in highlighted]
    colors = {m: HIGHLIGHT_COLORS[i % len(HIGHLIGHT_COLORS)] for i, m in enumerate(bright)}
    greys = np.linspace(0.43, 0.78, max(len(muted), 2))
    colors.update({m: to_hex((g, g, g)) for m, g in zip(muted, greys, strict=False)})
    return colors


def category_colors(n: int) -> list[str]:
    """``n`` distinct colors for the classes of a categorical label."""
    if n <= 10:
        return [to_hex(c) for c in colormaps["tab10"].colors[:n]]
    if n <= 20:
        return [to_hex(c) for c in colormaps["tab20"].colors[:n]]
    return [to_hex(c) for c in colormaps["turbo"](np.linspace(0.05, 0.95, n))]


def class_codes(
    values: np.ndarray, missing: np.ndarray, classes: Sequence | None = None
) -> tuple[list, np.ndarray]:
    """The classes of a label and the class index of each value.

    Parameters
    ----------
    values, missing
        ``(n,)`` label values and which of them are unlabeled.
    classes
        The classes, in order (default: the sorted unique labeled values).

    Returns
    -------
    classes : list
        The classes.
    codes : np.ndarray
        ``(n,)`` index of each value's class; -1 where unlabeled or not among ``classes``.
    """
    classes = list(np.unique(values[~missing]) if classes is None else classes)
    index = {c: i for i, c in enumerate(classes)}
    codes = np.array([index.get(v, -1) for v in values.tolist()], dtype=np.int64)
    codes[missing] = -1
    return classes, codes


def class_legend(ax: Axes, classes: Sequence, palette: Sequence[str], **kwargs) -> None:
    """A legend of colored patches, one per class (the first 30), outside the axes."""
    handles = [Patch(color=c, label=str(k)) for k, c in zip(classes[:30], palette, strict=False)]
    ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=8, **kwargs)


def plain_log_labels(ax: Axes) -> None:
    """Plain numbers on the log y axis of ``ax``; beyond a decade, minor labels at 2 and 5."""
    low, high = ax.get_ylim()
    decades = np.log10(high / low)
    keep = {2, 5} if decades <= 2.5 else set()

    def minor(value, _):
        mantissa = round(value / 10 ** np.floor(np.log10(value) + 1e-9))
        return f"{value:g}" if decades <= 0.8 or mantissa in keep else ""

    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))
    ax.tick_params(axis="y", which="minor", labelsize=8)


def missing_mask(values: np.ndarray) -> np.ndarray:
    """Unlabeled entries of ``values`` ``(n,)``: NaN in float labels, empty text labels."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind in "US":
        return values == values.dtype.type("")
    return np.zeros(values.shape, dtype=bool)
