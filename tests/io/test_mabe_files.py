import pytest

from bams.io.mabe_files import find_mabe_files
from bams.sim.mabe_like import make_mouse_triplets

N_FRAMES = 240


@pytest.fixture(scope="module")
def files():
    """8 clips of 3 mice: NaN and (0, 0) keypoints, identity swaps in half of the clips."""
    return make_mouse_triplets(8, n_frames=N_FRAMES, seed=0, swap_fraction=0.5)


def test_find_files_names_what_is_expected(tmp_path, files):
    with pytest.raises(FileNotFoundError, match="Expected mouse_triplet_train.npy and mouse_"):
        find_mabe_files(tmp_path)
    files.save(tmp_path)
    (tmp_path / "mouse_triplet_test.npy").unlink()
    with pytest.raises(
        FileNotFoundError, match=r"but mouse_triplet_test.npy is missing; the folder holds \["
    ):
        find_mabe_files(tmp_path)
    with pytest.raises(FileNotFoundError, match="Expected fly_group_train.npy and fly_group_"):
        find_mabe_files(tmp_path, "fly")
    paths = files.save(tmp_path)
    found = find_mabe_files(tmp_path)
    assert (found.train, found.test, found.labels, found.split) == (
        paths["train"],
        paths["test"],
        paths["labels"],
        paths["split"],
    )
    (tmp_path / "mouse_triplet_split.npy").rename(tmp_path / "other_split.json")
    (tmp_path / "x_split.npy").write_bytes(b"")
    with pytest.raises(ValueError, match="Expected at most one split file"):
        find_mabe_files(tmp_path)


@pytest.mark.parametrize(
    "name",
    [
        "mouse_triplet_frame_number_map.npy",
        "mouse_frame_number_map.npy",
        "mouse_triplets_frame_number_map.npy",
        "frame_number_map.npy",
    ],
)
def test_find_files_finds_the_official_frame_map(tmp_path, files, name):
    files.save(tmp_path)
    assert find_mabe_files(tmp_path).frame_map is None
    (tmp_path / name).write_bytes(b"")
    (tmp_path / "flies_frame_number_map.npy").write_bytes(b"")  # the other species' map
    assert find_mabe_files(tmp_path).frame_map == tmp_path / name


def test_find_files_refuses_two_frame_maps(tmp_path, files):
    files.save(tmp_path)
    for name in ("mouse_frame_number_map.npy", "frame_number_map.npy"):
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(ValueError, match="Expected at most one frame number map file"):
        find_mabe_files(tmp_path)
    (tmp_path / "mouse_triplet_frame_number_map.npy").write_bytes(b"")  # the prefix wins
    assert find_mabe_files(tmp_path).frame_map.name == "mouse_triplet_frame_number_map.npy"


def test_find_fly_files_and_their_frame_map(tmp_path):
    for name in ("fly_group_train.npy", "fly_group_test.npy", "flies_frame_number_map.npy"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "mouse_frame_number_map.npy").write_bytes(b"")
    found = find_mabe_files(tmp_path, "fly")
    assert found.frame_map == tmp_path / "flies_frame_number_map.npy"
    assert found.labels is None and found.split is None
