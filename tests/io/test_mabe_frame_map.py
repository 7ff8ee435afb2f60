"""The official MABe 2022 frame number map: loading, comparing, laying clips out by it."""

import os
from pathlib import Path

import numpy as np
import pytest

from bams.io.mabe import validate_submission
from bams.io.mabe_frame_map import (
    check_frame_map,
    clips_in_map_order,
    compare_frame_maps,
    load_frame_map,
)
from bams.io.safe_pickle import UnsafePickleError

REAL_FRAME_MAP = (
    Path(__file__).resolve().parents[2]
    / "../shared/data/real/mabe22/mouse_triplet_frame_number_map.npy"
)


def official_map(lengths=(30, 20, 25, 40)):
    spans, start = {}, 0
    for i, length in enumerate(lengths):
        spans[f"clip{i}"] = (start, start + length)
        start += length
    return spans


def test_identical_maps_pass_in_any_dict_order():
    official = official_map()
    compare_frame_maps(dict(reversed(official.items())), official)


def test_a_map_in_another_order_is_named():
    official = official_map((30, 30, 30))
    other = {"clip1": (0, 30), "clip0": (30, 60), "clip2": (60, 90)}
    with pytest.raises(
        ValueError,
        match=r"Expected clip 'clip0' to span \(0, 30\) as in the official frame number map, but "
        r"the submission's frame number map gives \(30, 60\): it lays the clips out in another "
        r"order \(this clip is number 2 in frame order instead of 1\)",
    ):
        compare_frame_maps(other, official)


def test_a_map_with_another_span_is_named():
    official = official_map()
    other = {**official, "clip2": (50, 74), "clip3": (74, 115)}  # clip2 one frame short
    with pytest.raises(
        ValueError,
        match=r"Expected clip 'clip2' to span \(50, 75\) .*gives \(50, 74\) \(24 frames instead "
        r"of 25\)",
    ):
        compare_frame_maps(other, official)


def test_a_map_with_another_clip_id_is_named():
    official = official_map()
    other = dict(official)
    other["clip9"] = other.pop("clip1")
    with pytest.raises(
        ValueError,
        match=r"Expected every clip of the official frame number map in the submission's frame "
        r"number map, but 1 are missing \(the first: 'clip1'\)",
    ):
        compare_frame_maps(other, official)
    with pytest.raises(ValueError, match=r"Expected only the clips .* 1 others \(the first: 'x'\)"):
        compare_frame_maps({**official, "x": (115, 120)}, official)


def test_a_map_that_is_not_a_dict_or_has_bad_spans():
    official = official_map()
    with pytest.raises(ValueError, match="Expected the submission's frame number map to be a dict"):
        compare_frame_maps([("clip0", (0, 30))], official)
    with pytest.raises(ValueError, match=r"Expected \(start, end\) integers for clip 'clip0'"):
        compare_frame_maps({**official, "clip0": (0.5, 30)}, official)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({}, r"Expected the map to be a non-empty dict .*, but got dict \(empty\)"),
        ([1], "Expected the map to be a non-empty dict of clip -> \\(start, end\\), but got list"),
        ({"a": (0, 5), "b": (6, 9)}, r"clip 'b' spans \(6, 9\) where frame 5 comes next"),
        ({"a": (0, 5), "b": (4, 9)}, r"clip 'b' spans \(4, 9\) where frame 5 comes next"),
        ({"a": (1, 5)}, r"from frame 0, but clip 'a' spans \(1, 5\) where frame 0 comes next"),
        ({"a": (0, 5), "b": (5, 5)}, r"clip 'b' spans \(5, 5\)"),
        ({"a": "0-5"}, r"Expected \(start, end\) integers for clip 'a' in the map"),
    ],
)
def test_a_frame_map_must_tile_the_frames(content, message):
    with pytest.raises(ValueError, match=message):
        check_frame_map(content, "the map")


def test_load_frame_map_round_trip_in_frame_order(tmp_path):
    path = tmp_path / "mouse_frame_number_map.npy"
    np.save(path, {"b": (np.int64(4), np.int64(10)), "a": (0, 4)})
    loaded = load_frame_map(path)
    assert list(loaded.items()) == [("a", (0, 4)), ("b", (4, 10))]
    assert all(type(v) is int for span in loaded.values() for v in span)
    np.save(path, np.arange(3))
    with pytest.raises(ValueError, match="Expected the frame number map '.*' to be a non-empty"):
        load_frame_map(path)


def test_load_frame_map_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "frame_number_map.npy"
    np.save(path, np.asanyarray({"a": Exploit()}, dtype=object), allow_pickle=True)
    with pytest.raises(UnsafePickleError):
        load_frame_map(path)
    assert not marker.exists()


def test_clips_in_map_order():
    official = {"b": (0, 5), "c": (5, 12), "a": (12, 16)}
    assert list(clips_in_map_order({"a": 4, "b": 5, "c": 7}, official, "t")) == ["b", "c", "a"]
    with pytest.raises(ValueError, match=r"frame number map in t, but 1 are missing .*'c'"):
        clips_in_map_order({"a": 4, "b": 5}, official, "t")
    with pytest.raises(ValueError, match=r"Expected only clips .* in t, but 1 .*'d'"):
        clips_in_map_order({"a": 4, "b": 5, "c": 7, "d": 1}, official, "t")
    with pytest.raises(ValueError, match=r"clip 'c' of t to have the 7 frames .* but got 6"):
        clips_in_map_order({"a": 4, "b": 5, "c": 6}, official, "t")


@pytest.mark.skipif(
    not REAL_FRAME_MAP.exists(),
    reason=f"the real MABe 2022 frame number map is not at {REAL_FRAME_MAP} (../shared/data/real)",
)
def test_the_real_official_map():
    official = load_frame_map(REAL_FRAME_MAP)  # read in place, through the restricted unpickler
    spans = list(official.values())
    assert len(official) == 3736
    assert spans[0][0] == 0 and spans[-1][1] == 6_724_800
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))  # contiguous
    assert {end - start for start, end in spans} == {1800}
    submission = {
        "frame_number_map": dict(official),
        "embeddings": np.zeros((6_724_800, 1), np.float32),
    }
    validate_submission(submission, frame_map=official)
    first, second = list(official)[:2]
    swapped = {**official, first: official[second], second: official[first]}
    with pytest.raises(ValueError, match=f"Expected clip '{first}' .* in another order"):
        validate_submission({**submission, "frame_number_map": swapped}, frame_map=official)
