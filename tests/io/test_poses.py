"""load_poses on small files written by the pose libraries' own writers."""

import sys

import numpy as np
import pytest

pytest.importorskip("movement")
pytest.importorskip("sleap_io")

from pose_helpers import (  # noqa: E402
    FPS,
    KEYPOINTS,
    LOW,
    column,
    movement_dataset,
    write_dlc,
    write_lightning_pose,
    write_nwb,
)
from typer.testing import CliRunner  # noqa: E402

from bams.cli import app  # noqa: E402
from bams.data import Recordings  # noqa: E402
from bams.io.poses import load_poses  # noqa: E402


def test_result_saves_for_bams_train(tmp_path):
    data = load_poses(write_dlc(tmp_path), frame_rate=FPS)
    loaded = Recordings.load(data.save(tmp_path / "data.npz"))
    assert loaded.ids == data.ids and loaded.groups == data.groups
    assert loaded.actions == data.actions


DEPRECATED_ALIAS = "ignore:confidence_threshold is deprecated:DeprecationWarning"


@pytest.mark.filterwarnings(DEPRECATED_ALIAS)
def test_confidence_threshold_none_keeps_every_keypoint(tmp_path):
    data = load_poses(write_dlc(tmp_path), frame_rate=FPS, confidence_threshold=None)
    assert np.isfinite(column(data, 0, "body_forward")).all()
    data = load_poses(tmp_path / "poses.h5", frame_rate=FPS, min_likelihood=None)
    assert np.isfinite(column(data, 0, "body_forward")).all()


def test_min_likelihood(tmp_path):
    path = write_dlc(tmp_path)
    kept = load_poses(path, frame_rate=FPS, min_likelihood=0.05)
    assert np.isfinite(column(kept, 0, "body_forward")).all()
    default = load_poses(path, frame_rate=FPS)  # 0.5: the points at 0.1 become missing
    assert np.isnan(column(default, 0, "body_forward")[LOW]).all()
    with pytest.warns(DeprecationWarning, match="confidence_threshold is deprecated"):
        alias = load_poses(path, frame_rate=FPS, confidence_threshold=0.05)
    np.testing.assert_array_equal(alias.sequences[0], kept.sequences[0])
    both = "Expected min_likelihood or its alias confidence_threshold, but got both"
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match=both):
        load_poses(path, frame_rate=FPS, min_likelihood=0.2, confidence_threshold=0.3)


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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"heading": ("ear", "nose")},
            "Expected origin and heading keypoints among the keypoints "
            "of poses.h5 ['nose', 'body', 'tail_base'], but got unknown ['ear'].",
        ),
        ({"origin": ["hip", "nose"]}, "but got unknown ['hip']."),
        (
            {"heading": ("nose",)},
            "Expected heading as (back, front) keypoints among the "
            "keypoints of poses.h5 ['nose', 'body', 'tail_base'], but got ('nose',).",
        ),
        (
            {"heading": ("nose", "nose")},
            "Expected two different heading keypoints (back, front) of poses.h5, but got "
            "('nose', 'nose').",
        ),
        (
            {"origin": []},
            "Expected origin to name at least one keypoint among the keypoints of poses.h5",
        ),
    ],
)
def test_bad_keypoint_choice_names_the_file_and_its_keypoints(tmp_path, kwargs, message):
    with pytest.raises(ValueError) as error:
        load_poses(write_dlc(tmp_path), frame_rate=FPS, **kwargs)
    assert message in str(error.value)


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
        ({"min_likelihood": "high"}, "Expected min_likelihood to be a number or None"),
        ({"frame_rate": -1.0}, "Expected a positive frame_rate or None, but got -1.0"),
    ],
)
@pytest.mark.filterwarnings(DEPRECATED_ALIAS)
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


def test_cli_heading_origin_and_min_likelihood(tmp_path):
    path = write_dlc(tmp_path)
    out = tmp_path / "data.npz"
    options = ["--fps", "10", "--heading", "nose, tail_base", "--origin", "nose"]
    result = CliRunner().invoke(app, ["poses", str(path), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    expected = load_poses(path, frame_rate=FPS, origin=["nose"], heading=("nose", "tail_base"))
    np.testing.assert_array_equal(Recordings.load(out).sequences[0], expected.sequences[0])

    result = CliRunner().invoke(
        app, ["poses", str(path), "-o", str(out), "--fps", "10", "--min-likelihood", "0.05"]
    )
    assert result.exit_code == 0, result.output
    assert np.isfinite(column(Recordings.load(out), 0, "body_forward")).all()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--heading", "ear,nose"],
            f"among the keypoints of poses.h5 {KEYPOINTS}, but got unknown ['ear'].",
        ),
        (["--heading", "nose"], "Expected heading as (back, front) keypoints among"),
        (["--origin", "nose,hip"], "but got unknown ['hip']."),
        (
            ["--min-likelihood", "0.1", "--confidence", "0.2"],
            "Expected --min-likelihood or --confidence (its old name), but got both.",
        ),
    ],
)
def test_cli_bad_options_give_one_error(tmp_path, options, message):
    path = write_dlc(tmp_path)
    args = ["poses", str(path), "-o", str(tmp_path / "x.npz"), "--fps", "10", *options]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.output.count("Error:") == 1
    assert message in " ".join(result.output.split())  # the terminal may wrap the line


def test_cli_confidence_is_a_deprecated_alias(tmp_path):
    path = write_dlc(tmp_path)
    out = tmp_path / "data.npz"
    args = ["poses", str(path), "-o", str(out), "--fps", "10", "--confidence", "0.05"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Note: --confidence is deprecated; use --min-likelihood." in result.output
    assert np.isfinite(column(Recordings.load(out), 0, "body_forward")).all()
    assert "--confidence" not in CliRunner().invoke(app, ["poses", "--help"]).output


def test_cli_notes_the_files_it_skips(tmp_path):
    write_dlc(tmp_path)
    (tmp_path / "video_labels.csv").write_text(",file,from,to\n0,a.csv,1.0,2.0\n")
    out = tmp_path / "data.npz"
    result = CliRunner().invoke(app, ["poses", str(tmp_path), "-o", str(out), "--fps", "10"])
    assert result.exit_code == 0, result.output
    assert "Note: Skipped files no pose format reads: ['video_labels.csv']" in result.output
    assert "UserWarning" not in result.output
    assert Recordings.load(out).ids == ["poses/a", "poses/b"]


def test_exclude_leaves_keypoints_out_of_the_features(tmp_path):
    path = write_dlc(tmp_path)
    data = load_poses(path, frame_rate=FPS, exclude=["body"], heading=("tail_base", "nose"))
    assert not any(n.startswith("body_") for n in data.feature_names)
    assert "nose_forward" in data.feature_names and "tail_base_left" in data.feature_names
    with pytest.raises(ValueError, match=r"Expected keypoints to exclude among .*\['paw'\]"):
        load_poses(path, frame_rate=FPS, exclude=["paw"])
    with pytest.raises(ValueError, match=r"heading keypoints among .* got unknown \['nose'\]"):
        load_poses(path, frame_rate=FPS, exclude=["nose"], heading=("tail_base", "nose"))
    with pytest.raises(ValueError, match="Expected exclude as a list"):
        load_poses(path, frame_rate=FPS, exclude="body")
    out = tmp_path / "d.npz"
    args = ["poses", str(path), "-o", str(out), "--fps", str(FPS), "--exclude", "body"]
    result = CliRunner().invoke(app, [*args, "--heading", "tail_base,nose"])
    assert result.exit_code == 0, result.output
    assert "body_left" not in Recordings.load(out).feature_names
