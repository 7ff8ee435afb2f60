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
