"""The Sturman open-field event tables: small files in the published layout, and the real ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pandas")

from bams.datasets.sturman_oft import (  # noqa: E402
    ARENA_KEYPOINTS,
    count_events,
    rater_frame_labels,
    read_sturman_events,
    scored_frames,
    video_name,
)

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "sturman_oft"
HEADER = ",file,Experimenter,from,to,type,ID,DLCFile"


def _write_events(path: Path, events: list[tuple[str, float, float, str]]) -> Path:
    """An event table in the published layout: unnamed index, file, rater, times, type, ids."""
    lines = [HEADER]
    for i, (rater, start, end, kind) in enumerate(events):
        lines.append(f"{100 + i},OFT_1_{rater}.csv,{rater},{start},{end},{kind},OFT_1,v1DLC.csv")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def events(tmp_path):
    return read_sturman_events(
        _write_events(
            tmp_path / "v1_labels.csv",
            [
                ("Jin", 0.4, 0.6, "Start/End"),
                ("Jin", 1.0, 1.5, "Supported"),
                ("Jin", 2.0, 2.2, "Unsupported"),
                ("Jin", 3.0, 3.4, "Grooming"),
                ("Jin", 3.6, 3.8, "Start/End"),
                ("Jin", 3.7, 3.9, "Supported"),  # the span ends at 3.8 s
                ("Oliver", 0.2, 0.3, "StartEnd"),
                ("Oliver", 1.1, 1.5, "Supported"),
                ("Oliver", 0.0, 0.2, "Supported"),  # before the span: not scored
                ("Oliver", 2.5, 3.0, "_DEFAULT"),  # ignored
            ],
        )
    )


def test_read_keeps_columns_and_types(events):
    assert list(events.columns[:4]) == ["file", "Experimenter", "from", "to"]
    assert events["from"].dtype == np.float64 and events["to"].dtype == np.float64
    assert set(events["type"]) >= {"Supported", "Unsupported", "Grooming", "Start/End"}
    assert len(events) == 10


def test_frame_labels_follow_the_events_and_the_span(events):
    labels = rater_frame_labels(events, n_frames=50, frame_rate=10.0)
    assert sorted(labels) == ["Jin", "Oliver"]
    jin = labels["Jin"]
    assert sorted(jin) == ["grooming", "supported_rearing", "unsupported_rearing"]
    # from <= t / rate < to: frames 10..14 for 1.0-1.5 s, and 37, 38 for 3.7-3.9 s (span ends 3.8)
    assert np.flatnonzero(jin["supported_rearing"]).tolist() == [10, 11, 12, 13, 14, 37, 38]
    assert np.flatnonzero(jin["unsupported_rearing"]).tolist() == [20, 21]
    assert np.flatnonzero(jin["grooming"]).tolist() == [30, 31, 32, 33]
    span = scored_frames(events, 50, 10.0)
    assert np.flatnonzero(span["Jin"]).tolist() == list(range(4, 39))
    # Oliver has one marker: scored from 0.2 s to the end; his 0.0-0.2 s event is outside
    assert np.flatnonzero(span["Oliver"]).tolist() == list(range(2, 50))
    assert np.flatnonzero(labels["Oliver"]["supported_rearing"]).tolist() == [11, 12, 13, 14]
    assert (
        not labels["Oliver"]["grooming"].any() and not labels["Oliver"]["unsupported_rearing"].any()
    )
    assert count_events(jin) == {"supported_rearing": 2, "unsupported_rearing": 1, "grooming": 1}


def test_events_past_the_recording_are_cut(events):
    labels = rater_frame_labels(events, n_frames=12, frame_rate=10.0)
    assert all(m.shape == (12,) for r in labels.values() for m in r.values())
    assert np.flatnonzero(labels["Jin"]["supported_rearing"]).tolist() == [10, 11]


def test_rater_without_markers_is_scored_everywhere(tmp_path):
    table = read_sturman_events(_write_events(tmp_path / "a.csv", [("Ann", 0.0, 0.1, "Grooming")]))
    assert scored_frames(table, 5, 10.0)["Ann"].all()
    assert rater_frame_labels(table, 5, 10.0)["Ann"]["grooming"].tolist() == [
        True,
        False,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("Jin", 2.0, 1.0, "Supported")], "Expected from <= to"),
        ([("Jin", "x", 1.0, "Supported")], "Expected finite times"),
    ],
)
def test_bad_tables_are_refused(tmp_path, rows, message):
    with pytest.raises(ValueError, match=message):
        read_sturman_events(_write_events(tmp_path / "bad.csv", rows))


def test_missing_column_and_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(",Experimenter,from,to\n0,Jin,1.0,2.0\n")
    with pytest.raises(ValueError, match="Expected columns"):
        read_sturman_events(path)
    with pytest.raises(FileNotFoundError):
        read_sturman_events(tmp_path / "none.csv")


def test_bad_sizes(events):
    with pytest.raises(ValueError, match="Expected n_frames >= 1"):
        rater_frame_labels(events, 0, 25.0)
    with pytest.raises(ValueError, match="Expected frame_rate > 0"):
        scored_frames(events, 10, 0.0)


def test_video_name_and_arena():
    assert video_name("8_01_A_190507134142DLC/individual_0") == "8_01_A_190507134142"
    assert "centre" in ARENA_KEYPOINTS and "bodycentre" not in ARENA_KEYPOINTS


@pytest.mark.skipif(not REAL.is_dir(), reason=f"Sturman open-field data not found at {REAL}")
@pytest.mark.parametrize(
    ("video", "supported", "unsupported"),
    [("8_01_A_190507134142", (12, 13), (3, 4)), ("12_01_A_190507144429", (9, 11), (1, 2))],
)
def test_real_tables_inside_the_tracked_80_s(video, supported, unsupported):
    events = read_sturman_events(REAL / f"{video}_labels.csv")
    assert sorted(events["Experimenter"].unique()) == ["Furkan", "Jin", "Oliver"]
    labels = rater_frame_labels(events, n_frames=2000, frame_rate=25.0)
    for rater, behaviors in labels.items():
        counts = count_events(behaviors)
        assert supported[0] <= counts["supported_rearing"] <= supported[1], (rater, counts)
        assert unsupported[0] <= counts["unsupported_rearing"] <= unsupported[1], (rater, counts)
        assert counts["grooming"] <= 1, (rater, counts)
        assert not behaviors["supported_rearing"][:50].any()  # before the start marker (> 2 s)
