"""Label-free summaries of the report: data quality, colorings, variance between recordings."""

import numpy as np
import pytest

from bams.data import Recordings
from bams.report.overview import between_recording_share, colorings, map_points, recording_means
from bams.report.quality import MAX_QUALITY_ROWS, data_quality, quality_figure


def _pose_data(n_recordings=3, n_frames=100):
    names = ["nose_forward", "nose_left", "tail_forward", "tail_left", "speed"]
    sequences = [np.zeros((n_frames, 5), dtype=np.float32) for _ in range(n_recordings)]
    sequences[0][:10, 0] = np.nan  # nose missing in 10% of recording 0
    sequences[1][:50, 3] = np.nan  # tail missing in half of recording 1
    sequences[1][:20, 4] = np.nan  # speed (no keypoint) in the first 20 frames
    return Recordings(sequences, feature_names=names, groups=["a", "a", "b"][:n_recordings])


def test_quality_counts_missing_per_keypoint_and_masked_frames():
    q = data_quality(_pose_data(), long_term_field=150)
    assert q.keypoints and q.columns == ["nose", "tail"]
    np.testing.assert_allclose(q.missing, [[0.1, 0.0], [0.0, 0.5], [0.0, 0.0]])
    np.testing.assert_allclose(q.masked, [0.1, 0.5, 0.0])
    assert q.masked_overall == pytest.approx(0.2)
    assert q.short == ["0", "1", "2"]  # 100 frames < a field of 150
    assert q.group_masked() == pytest.approx({"a": 0.3, "b": 0.0})
    assert data_quality(_pose_data(), long_term_field=100).short == []


def test_quality_without_keypoints_is_per_feature():
    data = Recordings([np.array([[np.nan, 1.0], [2.0, 3.0]])], feature_names=["u", "v"])
    q = data_quality(data)
    assert not q.keypoints and q.columns == ["u", "v"]
    np.testing.assert_allclose(q.missing, [[0.5, 0.0]])
    assert q.short == []


def test_quality_figure_aggregates_many_recordings_by_group():
    n = MAX_QUALITY_ROWS + 5
    data = Recordings([np.zeros((20, 2)) for _ in range(n)], groups=[f"g{i % 3}" for i in range(n)])
    fig = quality_figure(data_quality(data))
    heatmap = fig.axes[0]
    assert heatmap.get_ylabel() == "group"
    assert [t.get_text() for t in heatmap.get_yticklabels()] == ["g0", "g1", "g2"]


def test_share_between_recordings_separates_slow_from_fast_latents():
    rng = np.random.default_rng(0)
    embeddings = []
    for _ in range(10):
        level = rng.normal(size=4)
        embeddings.append(
            {
                "short_term": rng.normal(size=(500, 4)),  # changes every frame
                "long_term": level + 0.01 * rng.normal(size=(500, 4)),  # one value per recording
            }
        )
    shares = between_recording_share(embeddings)
    assert shares["long_term"] > 0.99
    assert shares["short_term"] < 0.05


def test_recording_means_skip_missing_frames_and_map_points_keep_nan_rows():
    a = np.array([[1.0, 2.0], [np.nan, 0.0], [3.0, 4.0]])
    means = recording_means(
        [{"long_term": a}, {"long_term": np.full((2, 2), np.nan)}, {"long_term": -a}],
        "long_term",
    )
    np.testing.assert_allclose(means[0], [2.0, 3.0])
    assert np.isnan(means[1]).all()
    points = map_points(means)
    assert np.isnan(points[1]).all() and np.isfinite(points[[0, 2]]).all()


def test_colorings_cover_recording_group_time_metadata_and_labels():
    data = _pose_data()
    paint = colorings(data, metadata={"dose": np.array(["1", "2", "3"]), "line": ["x", "y", "x"]})
    names = [t.name for t in paint]
    assert names == ["recording", "group", "time in session (s)", "dose", "line"]
    time = paint[2]
    assert time.level == "frame" and time.values[0][30] == pytest.approx(30 / data.frame_rate)
    assert paint[3].kind == "classification"  # three numbers are few: classes
    many = colorings(data.subset([0, 1]), metadata={"w": np.array([str(v) for v in range(2)])})
    assert "group" in [t.name for t in many]


def test_colorings_read_many_numbers_as_continuous():
    data = Recordings([np.zeros((5, 1)) for _ in range(12)])
    paint = colorings(data, metadata={"weight": np.array([f"{20 + i / 3:.2f}" for i in range(12)])})
    weight = next(t for t in paint if t.name == "weight")
    assert weight.kind == "regression" and weight.values.dtype.kind == "f"
    assert "group" not in [t.name for t in paint]  # no groups


def test_quality_section_of_complete_data_is_one_sentence():
    from bams.report.sections import quality_html

    data = Recordings([np.zeros((50, 2)) for _ in range(3)])
    html = quality_html(data_quality(data, long_term_field=60))
    assert "No feature is missing in any frame." in html and "<table" not in html
    assert "3 of 3 recordings are shorter than the long-term receptive field (60 frames" in html
    gappy = quality_html(data_quality(_pose_data(), long_term_field=10))
    assert "<tr><th>1</th>" in gappy and "<tr><th>0</th>" in gappy
    assert "<tr><th>2</th>" not in gappy  # recording 2 has no gap
