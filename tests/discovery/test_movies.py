"""Grid movies of motifs: keypoints from pose features, alignment, bout choice and GIFs."""

import numpy as np
import pytest
from PIL import Image

from bams.data import Recordings
from bams.discovery.motifs import Motifs
from bams.discovery.movies import (
    BOUT_RGB,
    CELL_PX,
    example_bouts,
    keypoint_names,
    motif_movies,
    pose_tracks,
    skeleton_edges,
)

RATE = 10.0
BODY = {"nose": (2.0, 0.0), "neck": (1.0, 0.0), "tail": (-3.0, 0.0)}  # their mean: 0, 0


def _pose_features(center, heading, body=None, with_center=True):
    """Columns of ``bams poses``: x, y, heading, then every keypoint in the body frame."""
    n = len(heading)
    body = body if body is not None else {k: np.tile(v, (n, 1)) for k, v in BODY.items()}
    columns, names = [], []
    if with_center:
        columns += [center[:, 0], center[:, 1], np.cos(heading), np.sin(heading)]
        names += ["x", "y", "heading_cos", "heading_sin"]
    for name, points in body.items():
        columns += [points[:, 0], points[:, 1]]
        names += [f"{name}_forward", f"{name}_left"]
    columns.append(np.ones(n))
    names.append("speed")  # an action, not a keypoint
    return np.stack(columns, axis=1), names


def _walker(n_frames=60, speed=1.0, seed=0):
    """An animal walking along +y of the arena (heading pi/2), wobbling a little."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames)
    center = np.c_[np.full(n_frames, 5.0), 3.0 + speed * t]
    body = {k: np.array(v) + 0.1 * rng.normal(size=(n_frames, 2)) for k, v in BODY.items()}
    return _pose_features(center, np.full(n_frames, np.pi / 2), body)


def _data(n_recordings=4, n_frames=60, with_center=True):
    sequences, names = [], None
    for i in range(n_recordings):
        values, names = _walker(n_frames, seed=i)
        if not with_center:
            values, names = values[:, 4:], names[4:]
        sequences.append(values)
    return Recordings(sequences, feature_names=names, frame_rate=RATE)


def _motifs(labels, n_motifs, ids=None):
    ids = ids if ids is not None else [str(i) for i in range(len(labels))]
    return Motifs(labels=labels, n_motifs=n_motifs, criterion={}, ids=ids, frame_rate=RATE)


def _bout_labels(n_frames=60):
    """Motif 1 from frame 10 to 39, motif 0 elsewhere."""
    labels = np.zeros(n_frames, dtype=np.int64)
    labels[10:40] = 1
    return labels


# ---------------------------------------------------------------------- keypoints
def test_keypoint_names_need_both_columns_in_feature_order():
    values = np.zeros((5, 6))
    names = ["x", "b_forward", "b_left", "a_forward", "a_left", "c_forward"]
    assert keypoint_names(Recordings([values], feature_names=names)) == ["b", "a"]
    assert keypoint_names(Recordings([values])) == []


def test_walking_along_y_is_walking_forward_in_the_first_frames_body_frame():
    values, names = _pose_features(
        np.c_[np.full(20, 5.0), 3.0 + 0.5 * np.arange(20)], np.full(20, np.pi / 2)
    )
    tracks = pose_tracks(Recordings([values], feature_names=names), 0, 4, 14)
    assert tracks.shape == (10, 3, 2)
    center = tracks.mean(axis=1)  # the keypoints' mean is the body centre
    np.testing.assert_allclose(center[0], [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(center[:, 0], 0.5 * np.arange(10), atol=1e-9)
    np.testing.assert_allclose(center[:, 1], 0.0, atol=1e-9)
    np.testing.assert_allclose(tracks[0, 0], [2.0, 0.0], atol=1e-9)  # nose on the +x axis


def test_turning_left_rotates_the_pose_counterclockwise():
    heading = 0.3 + 0.1 * np.arange(10)
    values, names = _pose_features(np.zeros((10, 2)), heading)
    tracks = pose_tracks(Recordings([values], feature_names=names), 0, 0, 10)
    turned = 0.1 * np.arange(10)
    np.testing.assert_allclose(tracks[:, 0], 2.0 * np.c_[np.cos(turned), np.sin(turned)], atol=1e-9)


def test_the_first_frame_with_a_centre_is_the_reference_and_nan_stays_nan():
    values, names = _pose_features(
        np.c_[np.arange(10.0), np.zeros(10)], np.zeros(10)
    )  # walking along +x at heading 0
    values[0, names.index("x")] = np.nan
    values[5, names.index("tail_left")] = np.nan
    tracks = pose_tracks(Recordings([values], feature_names=names), 0, 0, 10)
    assert np.isnan(tracks[0]).all()  # its centre is unknown
    np.testing.assert_allclose(tracks[1, 0], [2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(tracks[3, 0], [4.0, 0.0], atol=1e-9)
    assert np.isnan(tracks[5, 2]).all() and np.isfinite(tracks[5, :2]).all()


def test_without_centre_and_heading_each_frame_is_its_own_body_frame():
    data = _data(n_recordings=1, with_center=False)
    tracks = pose_tracks(data, 0, 7, 12)
    raw = data.sequences[0][7:12]
    np.testing.assert_array_equal(tracks[:, 1], raw[:, 2:4])  # neck_forward, neck_left
    assert not set(data.feature_names) & {"x", "y", "heading_cos", "heading_sin"}


def test_pose_tracks_rejects_frames_out_of_range():
    with pytest.raises(ValueError, match="0 <= start < stop <= 60"):
        pose_tracks(_data(1), 0, 50, 61)
    with pytest.raises(ValueError, match="recording in 0 .. 0"):
        pose_tracks(_data(1), 1, 0, 5)


def test_the_skeleton_joins_nearest_keypoints_in_a_chain():
    n = 30
    body = {k: np.tile([f, 0.0], (n, 1)) for k, f in [("a", 0.0), ("c", 3.0), ("b", 1.0)]}
    body["d"] = np.tile([6.0, 0.0], (n, 1))
    values, names = _pose_features(None, np.zeros(n), body, with_center=False)
    # a-b (1), b-c (2), c-d (3): names in order a, c, b, d are indices 0, 1, 2, 3.
    assert skeleton_edges(Recordings([values], feature_names=names)) == [(0, 2), (1, 2), (1, 3)]


# ---------------------------------------------------------------------- choice of bouts
def test_the_same_seed_picks_the_same_bouts():
    rng = np.random.default_rng(0)
    labels = [np.repeat(rng.integers(0, 2, 40), 5) for _ in range(6)]
    motifs = _motifs(labels, 2)
    first = example_bouts(motifs, 1, n_examples=9, seed=3)
    assert first == example_bouts(motifs, 1, n_examples=9, seed=3)
    assert len(first) == 9 and len(set(first)) == 9
    others = [example_bouts(motifs, 1, n_examples=9, seed=s) for s in range(4, 8)]
    assert any(sorted(o) != sorted(first) for o in others)


def test_bouts_of_distinct_recordings_and_long_bouts_come_first():
    # Every recording: long bouts (1 s) of motif 1, and short ones (0.2 s) in between.
    pattern = np.r_[np.ones(10), np.zeros(3), np.ones(2), np.zeros(3)].astype(np.int64)
    motifs = _motifs([np.tile(pattern, 4) for _ in range(5)], 2)
    picked = example_bouts(motifs, 1, n_examples=5, seed=0)
    assert sorted(r for r, _, _ in picked) == [0, 1, 2, 3, 4]
    assert all(n == 10 for _, _, n in picked)
    more = example_bouts(motifs, 1, n_examples=25, seed=0)
    assert [n for _, _, n in more] == [10] * 20 + [2] * 5  # short ones only to fill in
    assert example_bouts(motifs, 3) == []


# ---------------------------------------------------------------------- movies
def _frames(path):
    """The RGB frames of a GIF, its size, loop count and per-frame delays (ms)."""
    with Image.open(path) as image:
        frames, durations = [], []
        for i in range(image.n_frames):
            image.seek(i)
            frames.append(np.asarray(image.convert("RGB")))
            durations.append(image.info["duration"])
        return frames, image.size, image.info["loop"], durations


def _red_pixels(frame):
    return int((np.abs(frame.astype(int) - BOUT_RGB).sum(axis=-1) < 30).sum())


def _in_bout(frame):
    # The red borders of four cells are thousands of pixels (a dot is a few dozen).
    return _red_pixels(frame) > 1000


def test_a_gif_per_motif_with_bouts_of_the_expected_frames_and_grid(tmp_path):
    data = _data(n_recordings=4)
    motifs = _motifs([_bout_labels() for _ in range(4)], n_motifs=3)
    paths = motif_movies(motifs, data, tmp_path, playback_fps=5.0)
    assert set(paths) == {0, 1}  # motif 2 has no bout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["motif_0.gif", "motif_1.gif"]
    frames, size, loop, durations = _frames(paths[1])
    # Bouts of 30 frames from frame 10: 0.5 s (5 frames) before, at most 2 s (20) after;
    # every 2nd frame, and the onsets on the grid of shown frames: t = -4, -2, ..., 18.
    assert len(frames) == 12
    assert size == (2 * CELL_PX, 2 * CELL_PX)  # 4 bouts, 2 x 2
    assert loop == 0  # forever
    assert sum(durations) == pytest.approx(12 * 200, abs=20)  # real time
    assert [_in_bout(f) for f in frames] == [False] * 2 + [True] * 10
    # Motif 0: two bouts per recording (8 cells: 3 x 3), one without pre-roll.
    assert _frames(paths[0])[1] == (3 * CELL_PX, 3 * CELL_PX)
    assert all(p.stat().st_size < 1_500_000 for p in paths.values())


def test_movies_are_reproducible(tmp_path):
    data = _data(n_recordings=4)
    motifs = _motifs([_bout_labels() for _ in range(4)], n_motifs=2)
    kwargs = {"n_examples": 2, "max_seconds": 0.5, "pre_seconds": 0.2}
    first = motif_movies(motifs, data, tmp_path / "a", **kwargs)[1].read_bytes()
    assert first == motif_movies(motifs, data, tmp_path / "b", **kwargs)[1].read_bytes()


def test_movies_need_pose_features(tmp_path):
    data = Recordings([np.zeros((60, 2))], feature_names=["speed", "turn"], frame_rate=RATE)
    expected = "Expected pose features named <keypoint>_forward and <keypoint>_left .* speed, turn"
    with pytest.raises(ValueError, match=expected):
        motif_movies(_motifs([_bout_labels()], 2), data, tmp_path)
    with pytest.raises(ValueError, match="Expected pose features"):
        pose_tracks(data, 0, 0, 5)


@pytest.mark.parametrize(
    ("labels", "ids", "message"),
    [
        ([_bout_labels()], ["0"], "Expected motifs of 2 recordings .* but got 1"),
        ([_bout_labels(), _bout_labels()], ["0", "x"], "recording 1 .* '1' .* got 'x'"),
        ([_bout_labels(), _bout_labels(50)], ["0", "1"], "60 frames, but got '1' with 50"),
    ],
)
def test_motifs_must_be_those_of_the_data(tmp_path, labels, ids, message):
    with pytest.raises(ValueError, match=message):
        motif_movies(_motifs(labels, 2, ids), _data(n_recordings=2), tmp_path)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_n_examples_must_be_positive(tmp_path):
    motifs = _motifs([_bout_labels()], 2)
    with pytest.raises(ValueError, match="Expected n_examples >= 1, but got 0"):
        motif_movies(motifs, _data(n_recordings=1), tmp_path, n_examples=0)
    with pytest.raises(ValueError, match="n_examples >= 1"):
        example_bouts(motifs, 1, n_examples=0)
