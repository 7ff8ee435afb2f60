"""Small pose files written by the pose libraries' own writers (movement, sleap-io, pandas).

Shared by the tests of :mod:`bams.io.poses` and :mod:`bams.io.pose_formats`; the writers import
movement and sleap-io when called, so the test modules skip first if those are missing.
"""

import datetime

import numpy as np

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


def write_sleap_csv(folder, name="poses"):
    """SLEAP's analysis CSV export of one track (movement has no writer for it)."""
    position, confidence = walkers(1)
    header = ["track", "frame_idx", "instance.score"]
    header += [f"{k}.{c}" for k in KEYPOINTS for c in ("x", "y", "score")]
    rows = [",".join(header)]
    for t in range(T):
        points = [(*position[t, :, k, 0], confidence[t, k, 0]) for k in range(len(KEYPOINTS))]
        rows.append(",".join(["", str(t), "0.97", *(repr(float(v)) for p in points for v in p)]))
    path = folder / f"{name}.csv"
    path.write_text("\n".join(rows).replace("nan", "") + "\n")
    return path


# ---------------------------------------------------------------------- DeepLabCut as in labs
OLD_SCORER = "DeepCut_resnet50_Blockcourse1May9shuffle1_1030000"  # DeepLabCut 1.x's scorer names


def dlc_frame(n_individuals=2, scorer="movement"):
    """The walkers as movement's DeepLabCut DataFrame (4 column levels if several animals)."""
    from movement.io import save_poses

    ds = movement_dataset(n_individuals)
    frame = save_poses.to_dlc_style_df(ds, split_individuals=n_individuals == 1)
    frame = next(iter(frame.values())) if isinstance(frame, dict) else frame
    return frame.rename(columns={frame.columns[0][0]: scorer}, level="scorer")


def write_dlc_table(folder, key="tracks", fmt="table", n_individuals=2, name="table"):
    """A DeepLabCut .h5 table under ``key`` in pandas' ``fmt`` (multi-animal DLC: "tracks")."""
    path = folder / f"{name}.h5"
    dlc_frame(n_individuals).to_hdf(path, key=key, format=fmt, mode="w")
    return path


def write_resaved_csv(folder, n_individuals=1, header=0, name="resaved"):
    """A DeepLabCut CSV read by pandas with ``header`` and saved again with its index.

    ``header=0`` gives the layout of the Sturman et al. files: a leading index column, the
    level names in the second column and the repeated scorer renamed ``scorer.1``, ...
    """
    import io

    import pandas as pd

    text = dlc_frame(n_individuals, scorer=OLD_SCORER).to_csv()
    path = folder / f"{name}.csv"
    pd.read_csv(io.StringIO(text), header=header).to_csv(path)
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
    "sleap_csv": (write_sleap_csv, ["individual_0"], False),
}


def column(data, index, name):
    """Feature ``name`` of recording ``index``."""
    return data.sequences[index][:, data.feature_names.index(name)]
