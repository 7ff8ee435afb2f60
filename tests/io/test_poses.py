"""load_poses on small files written by the pose libraries' own writers."""

import datetime
import sys

import numpy as np
import pytest

pytest.importorskip("movement")
pytest.importorskip("sleap_io")

from typer.testing import CliRunner  # noqa: E402

from bams.cli import app  # noqa: E402
from bams.data import Recordings  # noqa: E402
from bams.io.poses import load_poses  # noqa: E402

KEYPOINTS = ["nose", "body", "tail_base"]
FPS = 10.0
T = 12
LOW = [3, 7]  # frames where individual 0's "body" has a low confidence
LOST = 5  # frame where individual 1's nose is NaN


def walkers(n_individuals=2, n_dims=2):
    """Straight animals walking along x, nose first: (T, D, K, I) positions and (T, K, I) scores.

    Individual ``i`` moves ``i + 1`` units per frame at ``y = 10 * (i + 1)``; the nose is one
    unit ahead of the body and the tail base one unit behind.
    """
    t = np.arange(T, dtype=float)
    position = np.zeros((T, n_dims, len(KEYPOINTS), n_individuals))
    for i in range(n_individuals):
        x = 5.0 + (i + 1) * t
        for k, offset in enumerate([1.0, 0.0, -1.0]):
            position[:, 0, k, i] = x + offset
            position[:, 1, k, i] = 10.0 * (i + 1)
            if n_dims == 3:
                position[:, 2, k, i] = [3.0, 2.0, 1.0][k]
    confidence = np.full((T, len(KEYPOINTS), n_individuals), 0.9)
    confidence[LOW, 1, 0] = 0.1
    if n_individuals > 1:
        position[LOST, :, 0, 1] = np.nan
        confidence[LOST, 0, 1] = np.nan
    return position, confidence


def movement_dataset(n_individuals=2, fps=None, keypoints=KEYPOINTS):
    from movement.io import load_poses as mload

    position, confidence = walkers(n_individuals)
    return mload.from_numpy(
        position,
        confidence,
        individual_names=["a", "b"][:n_individuals],
        keypoint_names=keypoints,
        fps=fps,
        source_software="DeepLabCut",
    )


# ---------------------------------------------------------------------- writers
def write_dlc(folder, suffix=".h5", n_individuals=2, name="poses"):
    from movement.io import save_poses

    path = folder / f"{name}{suffix}"
    save_poses.to_dlc_file(movement_dataset(n_individuals), path, split_individuals=False)
    return path


def write_dlc_single(folder):
    from movement.io import save_poses

    save_poses.to_dlc_file(movement_dataset(1), folder / "single.csv", split_individuals=True)
    return folder / "single_a.csv"  # movement appends the individual's name


def write_sleap_analysis(folder):
    from movement.io import save_poses

    path = folder / "poses.analysis.h5"
    save_poses.to_sleap_analysis_file(movement_dataset(2), path)
    return path


def write_slp(folder):
    import sleap_io as sio

    position, confidence = walkers(2)
    skeleton = sio.Skeleton(list(KEYPOINTS))  # sleap-io turns the list into Nodes in place
    video = sio.Video("video.mp4", backend_metadata={"fps": FPS}, open_backend=False)
    tracks = [sio.Track("a"), sio.Track("b")]
    frames = [
        sio.LabeledFrame(
            video=video,
            frame_idx=t,
            instances=[
                sio.PredictedInstance.from_numpy(
                    position[t, :, :, i].T,
                    skeleton=skeleton,
                    point_scores=confidence[t, :, i],
                    score=1.0,
                    track=track,
                )
                for i, track in enumerate(tracks)
            ],
        )
        for t in range(T)
    ]
    path = folder / "poses.slp"
    labels = sio.Labels(labeled_frames=frames, videos=[video], skeletons=[skeleton], tracks=tracks)
    sio.save_slp(labels, path.as_posix())
    return path


def write_lightning_pose(folder):
    from movement.io import save_poses

    save_poses.to_lp_file(movement_dataset(1), folder / "lp.csv")
    return folder / "lp_a.csv"


def write_nwb(folder, fps=FPS, name="poses"):
    from movement.io import save_poses
    from movement.io.nwb import NWBFileSaveConfig
    from pynwb import NWBHDF5IO

    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    config = NWBFileSaveConfig(nwbfile_kwargs={"session_start_time": start})
    nwb_file = save_poses.to_nwb_file(movement_dataset(1, fps=fps), config)
    path = folder / f"{name}.nwb"
    with NWBHDF5IO(path, "w") as io:
        io.write(nwb_file)
    return path


def write_anipose(folder):
    """A triangulated 3-D file laid out as Anipose writes it (movement has no Anipose writer)."""
    import pandas as pd

    position, confidence = walkers(1, n_dims=3)
    columns = {}
    for k, name in enumerate(KEYPOINTS):
        for d, axis in enumerate("xyz"):
            columns[f"{name}_{axis}"] = position[:, d, k, 0]
        columns[f"{name}_error"] = np.full(T, 0.5)
        columns[f"{name}_ncams"] = np.full(T, 2)
        columns[f"{name}_score"] = confidence[:, k, 0]
    for i in range(3):
        for j in range(3):
            columns[f"M_{i}{j}"] = np.full(T, float(i == j))
    for i in range(3):
        columns[f"center_{i}"] = np.zeros(T)
    columns["fnum"] = np.arange(T)
    path = folder / "poses.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


# (writer, expected individuals, whether the file stores the frame rate)
FORMATS = {
    "dlc_h5": (write_dlc, ["a", "b"], False),
    "dlc_csv": (lambda f: write_dlc(f, ".csv"), ["a", "b"], False),
    "dlc_single_csv": (write_dlc_single, ["individual_0"], False),
    "sleap_analysis": (write_sleap_analysis, ["a", "b"], False),
    "sleap_slp": (write_slp, ["a", "b"], True),
    "lightning_pose": (write_lightning_pose, ["individual_0"], False),
    "nwb": (write_nwb, ["a"], True),
    "anipose": (write_anipose, ["id_0"], False),
}


def column(data, index, name):
    return data.sequences[index][:, data.feature_names.index(name)]


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


def test_result_saves_for_bams_train(tmp_path):
    data = load_poses(write_dlc(tmp_path), frame_rate=FPS)
    loaded = Recordings.load(data.save(tmp_path / "data.npz"))
    assert loaded.ids == data.ids and loaded.groups == data.groups
    assert loaded.actions == data.actions


def test_confidence_threshold_none_keeps_every_keypoint(tmp_path):
    data = load_poses(write_dlc(tmp_path), frame_rate=FPS, confidence_threshold=None)
    assert np.isfinite(column(data, 0, "body_forward")).all()


def test_zero_is_missing(tmp_path):
    from movement.io import save_poses

    ds = movement_dataset(1)
    ds["position"].loc[{"time": 2, "keypoints": "body"}] = 0.0
    save_poses.to_dlc_file(ds, tmp_path / "z.h5", split_individuals=False)
    assert np.isnan(column(load_poses(tmp_path / "z.h5", frame_rate=FPS), 0, "body_left")[2])
    kept = load_poses(tmp_path / "z.h5", frame_rate=FPS, zero_is_missing=False)
    assert np.isfinite(column(kept, 0, "body_left")[2])


def test_origin_and_heading(tmp_path):
    path = write_dlc(tmp_path)
    data = load_poses(path, frame_rate=FPS, origin=["nose"], heading=("nose", "tail_base"))
    np.testing.assert_allclose(column(data, 0, "tail_base_forward"), 2.0, atol=1e-5)
    np.testing.assert_allclose(column(data, 0, "heading_cos"), -1.0, atol=1e-6)
    with pytest.raises(ValueError, match=r"Expected origin and heading keypoints .*\['ear'\]"):
        load_poses(path, frame_rate=FPS, heading=("ear", "nose"))
    with pytest.raises(ValueError, match="Expected heading as \\(back, front\\) keypoints"):
        load_poses(path, frame_rate=FPS, heading="nose")
    with pytest.raises(ValueError, match="Expected origin as a list of keypoint names"):
        load_poses(path, frame_rate=FPS, origin="nose")


def test_unknown_keypoint_names_use_generic_heading_with_warning(tmp_path):
    from movement.io import save_poses

    ds = movement_dataset(1, keypoints=["p0", "p1", "p2"])
    save_poses.to_dlc_file(ds, tmp_path / "g.h5", split_individuals=False)
    with pytest.warns(UserWarning, match="from 'p2' to 'p0'"):
        data = load_poses(tmp_path / "g.h5", frame_rate=FPS)
    np.testing.assert_allclose(column(data, 0, "p0_forward"), 1.0, atol=1e-5)


def test_individual_never_observed_is_skipped(tmp_path):
    from movement.io import save_poses

    ds = movement_dataset(2)
    ds["position"].loc[{"individuals": "b"}] = np.nan
    save_poses.to_dlc_file(ds, tmp_path / "p.h5", split_individuals=False)
    with pytest.warns(UserWarning, match="Skipped 'b' of p.h5"):
        data = load_poses(tmp_path / "p.h5", frame_rate=FPS)
    assert data.ids == ["p/a"]


# ---------------------------------------------------------------------- folders
def test_folder_reads_every_pose_file_sorted(tmp_path):
    write_dlc(tmp_path, name="s2")
    write_lightning_pose(tmp_path)
    (tmp_path / "notes.txt").write_text("not a pose file")  # unknown suffix: ignored
    (tmp_path / "table.csv").write_text("a,b\n1,2\n")  # no reader accepts it: skipped
    with pytest.warns(UserWarning, match=r"Skipped files no pose format reads: \['table.csv'\]"):
        data = load_poses(tmp_path, frame_rate=FPS)
    assert data.ids == ["lp_a/individual_0", "s2/a", "s2/b"]
    assert data.groups == ["lp_a", "s2", "s2"]
    assert data.source == str(tmp_path)

    only_h5 = load_poses(tmp_path, frame_rate=FPS, pattern="*.h5")
    assert only_h5.ids == ["s2/a", "s2/b"]


def test_folder_groups_stay_unique_when_stems_collide(tmp_path):
    write_dlc(tmp_path, ".h5", name="x")
    write_dlc(tmp_path, ".csv", name="x")
    data = load_poses(tmp_path, frame_rate=FPS)
    assert data.groups == ["x.csv", "x.csv", "x.h5", "x.h5"]
    assert data.ids[0] == "x.csv/a"


def test_folder_pattern_reads_subfolders(tmp_path):
    for day in ("day1", "day2"):
        (tmp_path / day).mkdir()
        write_dlc(tmp_path / day, name="mouse")
    data = load_poses(tmp_path, frame_rate=FPS, pattern="**/*.h5")
    assert data.groups == ["day1/mouse.h5"] * 2 + ["day2/mouse.h5"] * 2


def test_folder_with_different_keypoints_fails(tmp_path):
    from movement.io import save_poses

    write_dlc(tmp_path, name="a")
    ds = movement_dataset(1, keypoints=["nose", "neck", "tail_base"])
    save_poses.to_dlc_file(ds, tmp_path / "b.h5", split_individuals=False)
    with pytest.raises(ValueError, match=r"b.h5: Expected the keypoints \['nose', 'body'"):
        load_poses(tmp_path, frame_rate=FPS)


def test_folder_without_pose_files_fails(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="Expected pose files .* but found none"):
        load_poses(tmp_path, frame_rate=FPS)
    (tmp_path / "table.csv").write_text("a,b\n1,2\n")
    with (
        pytest.warns(UserWarning),
        pytest.raises(ValueError, match="Expected pose files in .* none of 1 files"),
    ):
        load_poses(tmp_path, frame_rate=FPS)


def test_missing_path_fails(tmp_path):
    with pytest.raises(FileNotFoundError, match="Expected a pose file or a folder"):
        load_poses(tmp_path / "nope.h5")


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


# ---------------------------------------------------------------------- frame rate, arguments
def test_missing_frame_rate_fails(tmp_path):
    path = write_dlc(tmp_path)
    with pytest.raises(ValueError, match=r"Expected a frame_rate for files that store none"):
        load_poses(path)


def test_frame_rate_must_match_the_file(tmp_path):
    path = write_nwb(tmp_path)
    with pytest.raises(ValueError, match="Expected frame_rate to match the file's 10 frames"):
        load_poses(path, frame_rate=30.0)


def test_files_must_share_one_frame_rate(tmp_path):
    write_nwb(tmp_path, fps=10.0, name="n10")
    write_nwb(tmp_path, fps=20.0, name="n20")
    with pytest.raises(ValueError, match="Expected one frame rate for all files"):
        load_poses(tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"confidence_threshold": "high"}, "Expected confidence_threshold to be a number or None"),
        ({"frame_rate": -1.0}, "Expected a positive frame_rate or None, but got -1.0"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_poses(write_dlc(tmp_path), **kwargs)


def test_missing_pose_extra_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "movement", None)
    with pytest.raises(ImportError, match=r'pip install "bams\[pose\]"'):
        load_poses(tmp_path, frame_rate=FPS)


# ---------------------------------------------------------------------- command line
def test_cli_converts_pose_files(tmp_path):
    path = write_dlc(tmp_path)
    out = tmp_path / "data.npz"
    result = CliRunner().invoke(app, ["poses", str(path), "-o", str(out), "--fps", "10"])
    assert result.exit_code == 0, result.output
    assert Recordings.load(out).ids == ["poses/a", "poses/b"]


def test_cli_reports_missing_frame_rate(tmp_path):
    result = CliRunner().invoke(app, ["poses", str(write_dlc(tmp_path)), "-o", "x.npz"])
    assert result.exit_code == 2
    assert "Expected a frame_rate" in result.output
