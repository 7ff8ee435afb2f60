"""The pose format registry: every format read, detection, and the one-individual reader."""

import sys

import numpy as np
import pytest

pytest.importorskip("movement")
pytest.importorskip("sleap_io")

from pose_helpers import (  # noqa: E402
    FORMATS,
    FPS,
    KEYPOINTS,
    LOST,
    LOW,
    T,
    column,
    write_dlc,
    write_dlc_single,
    write_lightning_pose,
    write_sleap_csv,
)

from bams.io.pose_formats import read_keypoints  # noqa: E402
from bams.io.poses import load_poses  # noqa: E402


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_reads_every_format(tmp_path, fmt):
    writer, individuals, stores_rate = FORMATS[fmt]
    path = writer(tmp_path)
    data = load_poses(path, frame_rate=None if stores_rate else FPS)

    assert data.frame_rate == FPS
    assert data.ids == [f"{path.stem}/{name}" for name in individuals]
    assert data.groups == [path.stem] * len(individuals)
    assert data.actions == ["speed", "forward_velocity", "lateral_velocity", "turning_rate"]
    per_keypoint = [f"{k}_{side}" for k in KEYPOINTS for side in ("forward", "left")]
    assert set(per_keypoint) <= set(data.feature_names)
    assert ("nose_height" in data.feature_names) == (fmt == "anipose")
    assert all(len(s) == T for s in data.sequences)

    # individual 0: straight along +x at one unit per frame, nose ahead of the body
    body = column(data, 0, "body_forward")
    assert np.isnan(body[LOW]).all()  # low confidence -> missing
    assert np.isfinite(np.delete(body, LOW)).all()
    np.testing.assert_allclose(np.delete(body, LOW), 0.0, atol=1e-5)
    np.testing.assert_allclose(column(data, 0, "nose_forward"), 1.0, atol=1e-5)
    np.testing.assert_allclose(column(data, 0, "tail_base_forward"), -1.0, atol=1e-5)
    np.testing.assert_allclose(column(data, 0, "nose_left"), 0.0, atol=1e-5)
    np.testing.assert_allclose(column(data, 0, "heading_cos"), 1.0, atol=1e-6)
    np.testing.assert_allclose(column(data, 0, "speed")[1:], 1.0 * FPS, rtol=1e-5)
    np.testing.assert_allclose(column(data, 0, "forward_velocity")[1:], FPS, rtol=1e-5)
    np.testing.assert_allclose(column(data, 0, "turning_rate")[1:], 0.0, atol=1e-5)
    np.testing.assert_allclose(column(data, 0, "x"), 5.0 + np.arange(T), rtol=1e-5)
    if fmt == "anipose":
        np.testing.assert_allclose(column(data, 0, "nose_height"), 3.0)
    if len(individuals) > 1:  # individual 1: twice as fast, its nose lost at one frame
        nose = column(data, 1, "nose_forward")
        assert np.isnan(nose[LOST]) and np.isfinite(np.delete(nose, LOST)).all()
        speed = np.delete(column(data, 1, "speed"), [0, LOST, LOST + 1])  # centre shifts
        np.testing.assert_allclose(speed, 2.0 * FPS, rtol=1e-5)
        np.testing.assert_allclose(column(data, 1, "y"), 20.0, rtol=1e-5)


# ---------------------------------------------------------------------- format detection
def test_file_no_reader_accepts_names_the_formats_tried(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("a,b\n1,2\n")
    expected = r"(?s)Expected a pose file readable as one of \['DeepLabCut', 'SLEAP', "
    with pytest.raises(ValueError, match=expected + r".*Anipose: .*"):
        load_poses(path, frame_rate=FPS)
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    with pytest.raises(ValueError, match=expected + r".*expected suffix"):
        load_poses(notes, frame_rate=FPS)


def test_file_readable_by_two_formats_asks_for_source_software(tmp_path):
    import h5py

    path = write_dlc(tmp_path)
    with h5py.File(path, "a") as f:  # also looks like a SLEAP analysis file now
        f.create_dataset("tracks", data=np.zeros((1, 2, 3, T)))
    with pytest.raises(ValueError, match=r"readable as \['DeepLabCut', 'SLEAP'\]; pass source"):
        load_poses(path, frame_rate=FPS)
    data = load_poses(path, frame_rate=FPS, source_software="deeplabcut")
    assert data.ids == ["poses/a", "poses/b"]


def test_deeplabcut_and_lightning_pose_csv_read_alike(tmp_path):
    path = write_lightning_pose(tmp_path)
    detected = load_poses(path, frame_rate=FPS)
    explicit = load_poses(path, frame_rate=FPS, source_software="LightningPose")
    np.testing.assert_array_equal(detected.sequences[0], explicit.sequences[0])


def test_explicit_source_software_is_checked(tmp_path):
    path = write_dlc(tmp_path)
    with pytest.raises(ValueError, match=r"Expected a file in Anipose format \(.csv\), but"):
        load_poses(path, frame_rate=FPS, source_software="Anipose")
    with pytest.raises(ValueError, match=r"Expected source_software among \['DeepLabCut'"):
        load_poses(path, frame_rate=FPS, source_software="OpenPose")


# ---------------------------------------------------------------------- one individual
def test_read_keypoints_reads_the_one_individual(tmp_path):
    path = write_dlc_single(tmp_path)
    keypoints, confidence, names = read_keypoints(path, "DeepLabCut")
    assert names == KEYPOINTS and keypoints.shape == (T, 3, 2) and confidence.shape == (T, 3)
    assert keypoints.flags.c_contiguous and confidence.flags.c_contiguous
    np.testing.assert_allclose(keypoints[:, 0, 0], 6.0 + np.arange(T))  # the nose
    assert (confidence[LOW, 1] < 0.5).all()
    detected = read_keypoints(path)  # the format detected
    np.testing.assert_array_equal(detected[0], keypoints)
    with pytest.raises(ValueError, match=r"Expected one individual in .*, but got \['a', 'b'\]"):
        read_keypoints(write_dlc(tmp_path), "DeepLabCut")
    with pytest.raises(FileNotFoundError, match="Expected a pose file, but"):
        read_keypoints(tmp_path / "nope.csv", "DeepLabCut")


def test_sleap_csv_is_read_without_movement(tmp_path, monkeypatch):
    path = write_sleap_csv(tmp_path)
    monkeypatch.setitem(sys.modules, "movement", None)
    monkeypatch.setitem(sys.modules, "movement.validators.files", None)
    keypoints, confidence, names = read_keypoints(path, "SLEAP CSV")
    assert names == KEYPOINTS and keypoints.shape == (T, 3, 2)
    np.testing.assert_allclose(confidence[LOW, 1], 0.1)


def test_sleap_csv_with_several_tracks_fails(tmp_path):
    path = write_sleap_csv(tmp_path)
    lines = path.read_text().splitlines()
    lines[2] = "1" + lines[2]  # frame 1 of track 1, the others of no track
    lines[3] = "2" + lines[3]
    path.write_text("\n".join(lines) + "\n")
    expected = "Expected a readable SLEAP CSV file, but got Expected one track in"
    with pytest.raises(ValueError, match=expected):
        load_poses(path, frame_rate=FPS)
