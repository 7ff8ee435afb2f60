import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colors import is_color_like, to_hex
from matplotlib.figure import Figure

from bams.report.plots import (
    plot_embedding_scatter,
    plot_label_band,
    plot_loss_curves,
    plot_principal_components,
    plot_readout_bars,
    plot_receptive_fields,
)
from bams.report.style import MISSING_COLOR, category_colors, class_codes, method_colors

METHODS = ["BAMS short_term", "BAMS long_term", "raw features", "PCA of raw features"]
BAMS = METHODS[:2]


@pytest.fixture
def ax() -> Axes:
    return Figure().subplots()


def test_method_colors_are_fixed_and_distinct_for_highlighted():
    colors = method_colors(METHODS, highlighted=BAMS)
    assert list(colors) == METHODS
    assert all(is_color_like(c) for c in colors.values())
    assert len({colors[m] for m in BAMS}) == len(BAMS)
    # The others are greys: equal channels.
    for method in METHODS[2:]:
        hex_color = to_hex(colors[method])
        assert hex_color[1:3] == hex_color[3:5] == hex_color[5:7]
    assert method_colors(METHODS, BAMS) == colors


@pytest.mark.parametrize("n", [1, 4, 12, 25])
def test_category_colors_are_distinct(n):
    colors = category_colors(n)
    assert len(colors) == n == len(set(colors))


def test_class_codes_mark_missing_and_unknown_values():
    values = np.array([2.0, np.nan, 1.0, 7.0])
    classes, codes = class_codes(values, np.isnan(values), classes=[1.0, 2.0])
    assert classes == [1.0, 2.0]
    assert codes.tolist() == [1, -1, 0, -1]


def test_readout_bars_draw_one_bar_per_method(ax):
    scores, stds = [0.9, 0.7, 0.5, 0.4], [0.01, 0.02, 0.0, 0.05]
    out = plot_readout_bars(ax, METHODS, scores, stds, highlighted=BAMS, title="state")
    assert out is ax
    assert len(ax.patches) == len(METHODS)
    assert [p.get_width() for p in ax.patches] == pytest.approx(scores)
    labels = {t.get_text(): t.get_fontweight() for t in ax.get_yticklabels()}
    assert set(labels) == set(METHODS)
    assert labels["BAMS short_term"] == "bold" and labels["raw features"] == "normal"
    assert ax.get_title() == "state" and ax.get_xlabel() == "macro-F1"
    assert {t.get_text() for t in ax.texts} >= {"0.900", "0.400"}


def test_readout_bars_clip_very_negative_r2_and_show_its_value(ax):
    plot_readout_bars(ax, ["a", "b"], [0.5, -12.0], [0.0, 0.0], metric="r2")
    assert ax.get_xlabel() == "R²"
    assert ax.get_xlim()[0] >= -1.1
    assert min(p.get_width() for p in ax.patches) == pytest.approx(-1.0)
    assert "-12.000" in {t.get_text() for t in ax.texts}


def test_scatter_categorical_has_a_legend_of_classes(ax, rng):
    points = rng.normal(size=(50, 2))
    values = rng.integers(0, 3, 50)
    out = plot_embedding_scatter(ax, points, values, categorical=True, label="state")
    assert out is ax
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["0", "1", "2"]
    assert legend.get_title().get_text() == "state"
    assert sum(len(c.get_offsets()) for c in ax.collections) == 50


def test_scatter_continuous_has_a_colorbar_and_greys_out_missing(ax, rng):
    points = rng.normal(size=(40, 2))
    values = rng.normal(size=40)
    values[:5] = np.nan
    plot_embedding_scatter(ax, points, values, categorical=False, label="style")
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(c.get_offsets()) for c in scatters] == [5, 35]
    assert to_hex(scatters[0].get_facecolor()[0]) == MISSING_COLOR
    assert ax.get_legend() is None
    (colorbar_ax,) = ax.child_axes
    assert colorbar_ax.get_ylabel() == "style"


def test_scatter_without_legend_or_colorbar(ax, rng):
    points = rng.normal(size=(10, 2))
    plot_embedding_scatter(ax, points, np.arange(10) % 2, categorical=True, legend=False)
    plot_embedding_scatter(ax, points, np.linspace(0, 1, 10), categorical=False, colorbar=False)
    assert ax.get_legend() is None and not ax.child_axes


def test_loss_curves_draw_one_line_per_term(ax):
    history = {
        "epoch": [1, 2, 3],
        "total": [10.0, 5.0, 4.0],
        "hoa": [0.1, 0.05, 0.04],
        "short_term": [0.5, 0.4, 0.3],
    }
    out = plot_loss_curves(ax, history, ["hoa", "short_term"])
    assert out is ax
    assert len(ax.lines) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["hoa", "short_term"]
    assert ax.get_yscale() == "log"
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3]
    ax2 = Figure().subplots()
    plot_loss_curves(ax2, history)
    assert len(ax2.lines) == 3


def test_loss_curves_stay_linear_with_non_positive_values(ax):
    plot_loss_curves(ax, {"epoch": [1, 2], "a": [0.5, -0.1], "b": [1.0, 2.0]})
    assert ax.get_yscale() == "linear"


def test_receptive_fields_draw_each_latent_and_the_references(ax):
    fields = {"short_term": 61, "long_term": 1365}
    out = plot_receptive_fields(ax, fields, 30.0, hoa_window=30, window_length=1800)
    assert out is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["short_term", "long_term", "HoA target", "training window"]
    assert len(ax.collections) == 4
    widths = [c.get_paths()[0].get_extents().width for c in ax.collections]
    assert widths == pytest.approx([61 / 30, 1365 / 30, 1.0, 60.0])
    assert any("1365 frames = 45.5 s" in t.get_text() for t in ax.texts)
    assert "(s)" in ax.get_xlabel()


def test_principal_components_draw_one_line_per_component(ax, rng):
    times = np.arange(100) / 30
    out = plot_principal_components(ax, times, rng.normal(size=(100, 3)), title="short_term")
    assert out is ax
    assert len(ax.lines) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["PC 1", "PC 2", "PC 3"]


def test_label_band_spans_the_recording_in_seconds(ax):
    values = np.repeat([0, 1, 2, 1], 15)
    out = plot_label_band(ax, values, 30.0, categorical=True, label="state")
    assert out is ax
    (image,) = ax.images
    assert image.get_extent()[:2] == [0.0, 2.0]
    assert np.asarray(image.get_array()).ravel().tolist() == values.tolist()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["state"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2"]


def test_label_band_continuous_with_missing_values(ax):
    values = np.array([0.1, np.nan, 0.5, 0.9])
    plot_label_band(ax, values, 2.0, categorical=False, label="speed")
    (image,) = ax.images
    assert np.ma.is_masked(image.get_array()) or np.isnan(image.get_array()).any()
    assert ax.get_legend() is None
