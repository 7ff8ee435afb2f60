"""DeepLabCut files as they exist in labs: the layouts movement's own validators reject."""

import numpy as np
import pytest

pytest.importorskip("movement")
pytest.importorskip("sleap_io")
pytest.importorskip("tables")  # pandas' HDF5 reader

from pose_helpers import (  # noqa: E402
    FPS,
    LOW,
    OLD_SCORER,
    T,
    column,
    dlc_frame,
    write_dlc,
    write_dlc_single,
    write_dlc_table,
    write_resaved_csv,
)

from bams.io.dlc_tables import read_dlc_table  # noqa: E402
from bams.io.pose_formats import detect_format, read_keypoints  # noqa: E402
from bams.io.poses import load_poses  # noqa: E402


def assert_same_recordings(data, reference):
    assert [i.split("/")[1] for i in data.ids] == [i.split("/")[1] for i in reference.ids]
    assert data.feature_names == reference.feature_names
    for ours, theirs in zip(data.sequences, reference.sequences, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, equal_nan=True)


# ---------------------------------------------------------------------- HDF5
@pytest.mark.parametrize(
    ("key", "fmt"),
    [("tracks", "table"), ("other", "table"), ("other", "fixed"), ("df_with_missing", "table")],
)
def test_multi_animal_tables_under_any_key_and_format(tmp_path, key, fmt):
    # Before: "tracks" fooled movement's SLEAP validator (h5py: "Accessing a group is done
    # with bytes or str, not <class 'slice'>") and other keys had no reader.
    path = write_dlc_table(tmp_path, key=key, fmt=fmt)
    assert detect_format(path).name == "DeepLabCut"
    data = load_poses(path, frame_rate=FPS)
    assert data.ids == ["table/a", "table/b"]  # one recording per individual
    assert_same_recordings(data, load_poses(write_dlc(tmp_path), frame_rate=FPS))
    assert np.isnan(column(data, 0, "body_forward")[LOW]).all()  # likelihood read


def test_single_animal_table_under_another_key(tmp_path):
    path = write_dlc_table(tmp_path, key="other", n_individuals=1)
    keypoints, confidence, names = read_keypoints(path, "DeepLabCut")
    expected = read_keypoints(write_dlc_single(tmp_path), "DeepLabCut")
    np.testing.assert_array_equal(keypoints, expected[0])
    np.testing.assert_array_equal(confidence, expected[1])
    assert names == expected[2]


def test_table_without_likelihood_keeps_every_point(tmp_path):
    frame = dlc_frame(2).drop(columns="likelihood", level="coords")  # as the MABe clips
    path = tmp_path / "xy.h5"
    frame.to_hdf(path, key="tracks", format="table")
    data = load_poses(path, frame_rate=FPS, min_likelihood=0.99)
    assert np.isfinite(column(data, 0, "body_forward")).all()


def test_h5_with_two_tables_fails(tmp_path):
    path = write_dlc_table(tmp_path, key="first")
    dlc_frame(2).to_hdf(path, key="second", format="table")
    with pytest.raises(ValueError, match=r"Expected one pandas table with the column levels"):
        load_poses(path, frame_rate=FPS, source_software="DeepLabCut")


def test_h5_unique_bodyparts_fail_clearly(tmp_path):
    import pandas as pd

    frame = dlc_frame(2)
    extra = frame.loc[:, (slice(None), "a", "nose")].copy()
    extra.columns = pd.MultiIndex.from_tuples(
        [(s, "single", "led", c) for s, _, _, c in extra.columns], names=frame.columns.names
    )
    path = tmp_path / "unique.h5"
    pd.concat([frame, extra], axis=1).to_hdf(path, key="tracks", format="table")
    expected = r"unique.h5: Expected a readable DeepLabCut file, but got Expected every individual"
    expected += r" of 'unique.h5' to have the bodyparts \['nose', 'body', 'tail_base'\] of 'a'"
    with pytest.raises(ValueError, match=expected + r".*but 'single' has \['led'\]\."):
        load_poses(path, frame_rate=FPS)


# ---------------------------------------------------------------------- CSV
@pytest.mark.parametrize("header", [0, None])
def test_csv_resaved_with_an_index_column(tmp_path, header):
    # Before: "header rows do not match the known format" (movement wants them in column 0).
    path = write_resaved_csv(tmp_path, header=header)
    data = load_poses(path, frame_rate=FPS)
    assert data.ids == ["resaved/individual_0"]
    reference = load_poses(write_dlc_single(tmp_path), frame_rate=FPS)
    assert_same_recordings(data, reference)
    assert len(data.sequences[0]) == T


def test_csv_resaved_keeps_the_old_scorer_name(tmp_path):
    frame = read_dlc_table(write_resaved_csv(tmp_path))  # its scorer row was renamed X.1, ...
    assert list(frame.columns.get_level_values("scorer").unique()) == [OLD_SCORER]
    assert list(frame.columns.names) == ["scorer", "bodyparts", "coords"]


def test_multi_animal_csv_resaved(tmp_path):
    path = write_resaved_csv(tmp_path, n_individuals=2)
    data = load_poses(path, frame_rate=FPS)
    assert data.ids == ["resaved/a", "resaved/b"]
    assert_same_recordings(data, load_poses(write_dlc(tmp_path, ".csv"), frame_rate=FPS))


def test_csv_resaved_with_text_in_the_values_fails(tmp_path):
    path = write_resaved_csv(tmp_path)
    lines = path.read_text().splitlines()
    cells = lines[5].split(",")
    cells[3] = "oops"
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"Expected numbers below the DeepLabCut header of"):
        load_poses(path, frame_rate=FPS)


def test_csv_with_unknown_coords_fails(tmp_path):
    path = write_resaved_csv(tmp_path)
    path.write_text(path.read_text().replace("likelihood", "score"))
    with pytest.raises(ValueError, match=r"Expected the coords of 'resaved.csv' to be one of"):
        load_poses(path, frame_rate=FPS)


def test_csv_that_is_no_dlc_table_is_told_apart(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(",file,from,to,type\n0,a.csv,1.0,2.0,Grooming\n")
    with pytest.raises(ValueError, match=r"(?s)DeepLabCut: .*Expected DeepLabCut header rows"):
        load_poses(path, frame_rate=FPS)


def test_h5_with_a_missing_column_fails(tmp_path):
    frame = dlc_frame(2).drop(columns=[("movement", "b", "body", "likelihood")])
    path = tmp_path / "holes.h5"
    frame.to_hdf(path, key="tracks", format="table")
    expected = r"Expected each bodypart of 'holes.h5' to have the coords \['x', 'y', 'likelihood'\]"
    with pytest.raises(ValueError, match=expected + r" once, but got 1 missing columns"):
        load_poses(path, frame_rate=FPS)
