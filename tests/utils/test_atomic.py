import os

import pytest

from bams.utils.atomic import atomic_path, atomic_write, temporary_sibling
from bams.utils.timing import Stopwatch


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_files_get_the_permissions_the_umask_gives(tmp_path, umask_022):
    for content in (b"bytes", "text", lambda tmp: tmp.write_text("by a function")):
        path = atomic_write(tmp_path / "sub" / "file", content)
        assert path.stat().st_mode & 0o777 == 0o644
    os.umask(0o077)
    assert atomic_write(tmp_path / "private", "x").stat().st_mode & 0o777 == 0o600


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = atomic_write(tmp_path / "file", "old")

    def broken(tmp):
        tmp.write_text("partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, broken)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["file"]


def test_temporary_names_are_unique(tmp_path):
    names = {temporary_sibling(tmp_path / "model.pt") for _ in range(20)}
    assert len(names) == 20 and all(n.name.startswith(".model.pt.") for n in names)


def test_atomic_path_publishes_only_on_success(tmp_path):
    with atomic_path(tmp_path / "a.txt") as tmp:
        tmp.write_text("done")
        assert not (tmp_path / "a.txt").exists()
    assert (tmp_path / "a.txt").read_text() == "done"


def test_stopwatch_adds_up_repeated_stages():
    watch = Stopwatch()
    for _ in range(2):
        with watch.stage("data"):
            pass
    with pytest.raises(RuntimeError), watch.stage("training"):
        raise RuntimeError
    assert list(watch.seconds) == ["data", "training"]
    assert watch.summary().endswith(" s.") and watch.total >= sum(watch.seconds.values())
