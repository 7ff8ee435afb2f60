"""Real pose files, read in place from ../shared/data/real (never copied: see its README)."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("movement")
pytest.importorskip("sleap_io")
pytest.importorskip("tables")

from pose_helpers import OLD_SCORER, column  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from bams.cli import app  # noqa: E402
from bams.data import Recordings  # noqa: E402
from bams.io.dlc_tables import read_dlc_table  # noqa: E402
from bams.io.poses import load_poses  # noqa: E402

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
STURMAN = REAL / "sturman_oft"  # AGPL-3.0: read in place only
MABE = REAL / "mabe22" / "mouse_triplet_EGS8X2MN4SSUGFWAV976.h5"
STURMAN_FILES = ["12_01_A_190507144429DLC.csv", "8_01_A_190507134142DLC.csv"]
BODY = ["nose", "headcentre", "neck", "earl", "earr", "bodycentre", "bcl", "bcr", "hipl", "hipr"]
BODY += ["tailbase", "tailcentre", "tailtip"]

needs_sturman = pytest.mark.skipif(
    not all((STURMAN / name).is_file() for name in STURMAN_FILES),
    reason=f"the Sturman et al. open-field files are not in {STURMAN} (shared real data)",
)
needs_mabe = pytest.mark.skipif(
    not MABE.is_file(), reason=f"the MABe 2022 clip {MABE.name} is not in {MABE.parent}"
)


@needs_sturman
def test_sturman_open_field_csv_files_are_read():
    # DeepLabCut CSV re-saved by pandas: index column, scorer DeepCut_resnet50_... (X.1, X.2, ...)
    data = load_poses(STURMAN, frame_rate=25.0, pattern="*DLC.csv", origin=["bodycentre"])
    assert data.ids == [f"{Path(name).stem}/individual_0" for name in STURMAN_FILES]
    assert [len(s) for s in data.sequences] == [1998, 1998]
    arena = ["tl", "tr", "bl", "br", "centre"]
    assert {f"{k}_forward" for k in arena + BODY} <= set(data.feature_names)
    nose = column(data, 0, "nose_forward")
    assert np.nanmedian(nose) > 0  # the heading found by name: tailbase -> nose
    assert 0 < np.isnan(nose).mean() < 0.1  # a few low-likelihood noses become missing
    frame = read_dlc_table(STURMAN / STURMAN_FILES[0])
    assert list(frame.columns.get_level_values("scorer").unique()) == [OLD_SCORER]


@needs_sturman
def test_sturman_folder_skips_the_label_files_with_a_note(tmp_path):
    out = tmp_path / "oft.npz"
    args = ["poses", str(STURMAN), "-o", str(out), "--fps", "25", "--origin", "bodycentre"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Note: Skipped files no pose format reads: ['12_01_A_190507144429_labels.csv'," in (
        result.output
    )
    assert Recordings.load(out).groups == [Path(name).stem for name in STURMAN_FILES]


@needs_sturman
def test_sturman_arena_points_excluded_mask_fewer_frames():
    """The 5 arena points are the most often missing: left out, fewer frames are masked."""
    arena = ["tl", "tr", "bl", "br", "centre"]
    options = {"frame_rate": 25.0, "pattern": "*DLC.csv", "origin": ["bodycentre"]}
    every = load_poses(STURMAN, **options)
    body = load_poses(STURMAN, **options, exclude=arena)
    assert not any(n.split("_")[0] in arena for n in body.feature_names)
    masked = [np.mean([np.isnan(x).any(axis=1).mean() for x in d.sequences]) for d in (every, body)]
    assert masked[1] < masked[0] - 0.05


@needs_sturman
def test_sturman_min_likelihood_masks_points():
    path = STURMAN / STURMAN_FILES[0]
    strict = load_poses(path, frame_rate=25.0, min_likelihood=0.99)
    loose = load_poses(path, frame_rate=25.0, min_likelihood=None)
    missing = [np.isnan(column(d, 0, "nose_forward")).mean() for d in (strict, loose)]
    assert missing[0] > missing[1]


@needs_mabe
def test_mabe_triplet_clip_gives_one_recording_per_mouse():
    data = load_poses(MABE, frame_rate=30.0)
    assert data.ids == [f"{MABE.stem}/mouse{i}" for i in (1, 2, 3)]
    assert data.groups == [MABE.stem] * 3
    assert [len(s) for s in data.sequences] == [1800] * 3
    assert "tail base_forward" in data.feature_names and "left ear_left" in data.feature_names
    assert len([n for n in data.feature_names if n.endswith("_forward")]) == 12
    assert np.nanmedian(column(data, 0, "nose_forward")) > 0  # heading: tail base -> nose


@needs_mabe
def test_mabe_clip_on_the_command_line(tmp_path):
    out = tmp_path / "mabe.npz"
    args = ["poses", str(MABE), "-o", str(out), "--fps", "30", "--heading", "tail base,nose"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(Recordings.load(out).ids) == 3
