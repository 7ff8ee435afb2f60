import numpy as np
import pytest

from bams.datasets import _package
from bams.datasets.zebrafish import load_zebrafish, zebrafish_available
from bams.io.pose_formats import read_keypoints

SLEAP_POINTS = ["left_eye", "right_eye", "tail0", "tail1", "tail2", "tail3", "tail4"]
DLC_POINTS = ["head_rostral", "head_caudal"] + [f"tail{i}" for i in range(11)]


def fish(n_frames: int, n_points: int, rng) -> np.ndarray:
    """A fish along -y (head at the top), swimming towards +y, with a little noise."""
    points = np.stack([np.zeros(n_points), -10.0 * np.arange(n_points)], axis=1)
    drift = np.arange(n_frames)[:, None, None] * np.array([0.0, 2.0])
    return 500 + points[None] + drift + 0.01 * rng.normal(size=(n_frames, n_points, 2))


def write_sleap(path, keypoints, frames, scores=None):
    """The SLEAP analysis CSV layout: an empty track column, frame_idx, scores per point."""
    scores = np.full(keypoints.shape[:2], 0.9) if scores is None else scores
    header = ["track", "frame_idx", "instance.score"]
    header += [f"{n}.{k}" for n in SLEAP_POINTS for k in ("x", "y", "score")]
    rows = [",".join(header)]
    for f, kp, sc in zip(frames, keypoints, scores, strict=True):
        values = [repr(float(v)) for p, s in zip(kp, sc, strict=True) for v in (*p, s)]
        rows.append(",".join(["", str(f), "0.97", *values]).replace("nan", ""))
    path.write_text("\n".join(rows) + "\n")
    return path


def write_dlc(path, keypoints):
    """The DeepLabCut single-animal CSV layout: scorer, bodyparts and coords header lines."""
    n = len(DLC_POINTS)
    lines = [
        ",".join(["scorer"] + ["DLC_resnet50_Zebrafish"] * 3 * n),
        ",".join(["bodyparts"] + [p for p in DLC_POINTS for _ in range(3)]),
        ",".join(["coords"] + ["x", "y", "likelihood"] * n),
    ]
    for i, kp in enumerate(keypoints):
        lines.append(",".join([str(i + 1)] + [repr(float(v)) for p in kp for v in (*p, 0.99)]))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_sleap_fills_missing_frames(tmp_path, rng):
    keypoints = fish(5, 7, rng)
    path = write_sleap(tmp_path / "s.csv", keypoints, frames=[0, 1, 2, 4, 5])
    kp, scores, names = read_keypoints(path, "SLEAP CSV")
    assert names == SLEAP_POINTS and kp.shape == (6, 7, 2) and scores.shape == (6, 7)
    assert np.isnan(kp[3]).all() and np.isnan(scores[3]).all()
    np.testing.assert_allclose(kp[[0, 1, 2, 4, 5]], keypoints)


def test_load_sleap_features(tmp_path, rng):
    keypoints = fish(40, 7, rng)
    scores = np.full((40, 7), 0.9)
    scores[10, 6] = 0.1
    path = write_sleap(tmp_path / "s.csv", keypoints, frames=range(40), scores=scores)
    data = load_zebrafish("sleap", path=path, min_score=0.5)
    assert data.frame_rate == 350.0 and len(data) == 1 and data.ids == ["sleap"]
    assert data.actions == [
        "speed",
        "forward_velocity",
        "lateral_velocity",
        "turning_rate",
        "tail_angle_rate",
    ]
    x = data.sequences[0]
    forward = x[5:, data.feature_names.index("forward_velocity")]
    np.testing.assert_allclose(forward, 2.0 * 0.025 * 350, rtol=0.05)  # 2 px/frame in mm/s
    assert np.isnan(x[10, data.feature_names.index("tail4_forward")])
    tail_angle = x[:, data.feature_names.index("tail_angle")]
    assert np.nanmax(np.abs(tail_angle)) < 0.05  # a straight fish
    assert "mid_eye_forward" in data.feature_names
    halves = load_zebrafish("sleap", path=path, step=2, segment_length=10)
    assert halves.frame_rate == 175.0 and halves.lengths.tolist() == [10, 10]


def test_load_dlc_head_restrained(tmp_path, rng):
    pytest.importorskip("movement")  # DeepLabCut files are read through movement
    keypoints = fish(30, 13, rng)[:, :, :] * 0 + fish(1, 13, rng)  # the head does not move
    keypoints[:, -1, 0] += np.linspace(0, 5, 30)  # the tail tip swings to the fish's right
    data = load_zebrafish("dlc", path=write_dlc(tmp_path / "d.csv", keypoints))
    assert data.frame_rate == 250.0 and data.actions == ["tail_angle_rate"]
    assert "speed" not in data.feature_names and len(data.feature_names) == 28
    tail_angle = data.sequences[0][:, data.feature_names.index("tail_angle")]
    assert abs(tail_angle[0]) < 0.01
    assert tail_angle[-1] == pytest.approx(-np.arctan2(5, 10), abs=0.01)  # right is negative
    kp, likelihood, names = read_keypoints(tmp_path / "d.csv", "DeepLabCut")
    assert names == DLC_POINTS and kp.shape == (30, 13, 2) and (likelihood == 0.99).all()


def test_zebrafish_errors(tmp_path, monkeypatch, rng):
    with pytest.raises(ValueError, match="Expected kind among \\['dlc', 'sleap'\\], but got 'x'"):
        load_zebrafish("x")
    with pytest.raises(ValueError, match="Expected step >= 1"):
        load_zebrafish("sleap", step=0)
    path = write_sleap(tmp_path / "s.csv", fish(5, 7, rng), frames=range(5))
    with pytest.raises(ValueError, match="Expected segment_length <= 5 frames, but got 9"):
        load_zebrafish("sleap", path=path, segment_length=9)
    with pytest.raises(ValueError, match="Expected a SLEAP CSV header"):
        read_keypoints(write_dlc(tmp_path / "d.csv", fish(3, 13, rng)), "SLEAP CSV")
    monkeypatch.setattr(_package.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match="pip install --no-deps megabouts==0.1.2"):
        load_zebrafish("dlc")
    assert not zebrafish_available()


def test_files_of_the_other_kind_fail(tmp_path, rng):
    pytest.importorskip("movement")  # DeepLabCut files are read through movement
    path = write_sleap(tmp_path / "s.csv", fish(5, 7, rng), frames=range(5))
    with pytest.raises(ValueError, match="Expected a DeepLabCut CSV"):
        load_zebrafish("dlc", path=path)
    dlc = write_dlc(tmp_path / "d.csv", fish(3, 13, rng))
    with pytest.raises(ValueError, match="Expected a SLEAP analysis CSV .*SLEAP CSV header"):
        load_zebrafish("sleap", path=dlc)
    with pytest.raises(FileNotFoundError):
        load_zebrafish("sleap", path=tmp_path / "nope.csv")


@pytest.mark.skipif(not zebrafish_available(), reason="megabouts is not installed")
@pytest.mark.slow
def test_real_zebrafish():
    dlc = load_zebrafish("dlc")
    assert dlc.total_frames == 69997 and dlc.n_features == 28
    sleap = load_zebrafish("sleap", step=7, segment_length=3000)
    assert sleap.frame_rate == 50.0 and len(sleap) == 7 and sleap.n_features == 22
