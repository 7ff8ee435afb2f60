import re

import numpy as np
import pytest

pytest.importorskip("mujoco")

from bams.data import Recordings  # noqa: E402
from bams.evaluation.tasks import CLASSIFICATION, REGRESSION, tasks_from  # noqa: E402
from bams.sim.quadrupeds.dataset import (  # noqa: E402
    KeepRateError,
    generate_quadrupeds,
    read_attempts,
)
from bams.sim.quadrupeds.episode import ACTION_NAMES, FEATURE_NAMES  # noqa: E402
from bams.sim.quadrupeds.terrain import TERRAIN_TYPES  # noqa: E402


def assert_same(a: Recordings, b: Recordings) -> None:
    assert a.ids == b.ids
    for x, y in zip(a.sequences, b.sequences, strict=True):
        np.testing.assert_array_equal(x, y)
    assert a.frame_labels.keys() == b.frame_labels.keys()
    for name in a.frame_labels:
        for x, y in zip(a.frame_labels[name], b.frame_labels[name], strict=True):
            np.testing.assert_array_equal(x, y)
    assert a.sequence_labels.keys() == b.sequence_labels.keys()
    for name in a.sequence_labels:
        np.testing.assert_array_equal(a.sequence_labels[name], b.sequence_labels[name])


@pytest.fixture(scope="module")
def simulated():
    """Three real trajectories of 1 s (one worker)."""
    return generate_quadrupeds(3, duration=1.0, seed=4, max_attempts=40)


# ---------------------------------------------------------------------- real physics
def test_recordings_names_shapes_and_labels(simulated):
    assert len(simulated) == 3
    assert simulated.feature_names == FEATURE_NAMES
    assert simulated.actions == ACTION_NAMES
    assert simulated.frame_rate == 50.0
    assert all(re.fullmatch(r"q\d{6}", i) for i in simulated.ids)
    assert simulated.ids == sorted(simulated.ids)
    for x in simulated.sequences:
        assert x.shape == (50, 24) and x.dtype == np.float32
        assert np.isfinite(x).all()
    for name in ("terrain_type", "terrain_slope", "terrain_difficulty"):
        assert [len(v) for v in simulated.frame_labels[name]] == [50, 50, 50]
    assert set(np.concatenate(simulated.frame_labels["terrain_type"])) <= set(TERRAIN_TYPES)
    labels = simulated.sequence_labels
    assert set(labels["robot_type"].tolist()) <= {"anymal_b", "anymal_c"}  # the default pair
    assert np.all((labels["command_speed"] >= 0.3) & (labels["command_speed"] <= 1.0))
    assert np.all(labels["body_mass"] > labels["trunk_mass"])
    kinds = {task.name: task.kind for task in tasks_from(simulated)}
    assert kinds["robot_type"] == kinds["terrain_type"] == CLASSIFICATION
    for name in ("command_speed", "body_mass", "terrain_slope", "terrain_difficulty"):
        assert kinds[name] == REGRESSION


def test_same_data_whatever_the_number_of_workers(simulated):
    parallel = generate_quadrupeds(3, duration=1.0, seed=4, max_attempts=40, workers=2)
    assert_same(simulated, parallel)


# ---------------------------------------------------------------------- selection, files
def test_keeps_the_first_n_successes_in_index_order(fake, tmp_path):
    data = generate_quadrupeds(4, duration=0.2, output=tmp_path / "q.npz")
    assert data.ids == ["q000000", "q000002", "q000003", "q000005"]
    assert fake.calls == [0, 1, 2, 3, 4, 5]
    assert data.source == str(tmp_path / "q.npz")
    assert_same(data, Recordings.load(tmp_path / "q.npz"))
    assert not (tmp_path / "q.parts").exists()
    table = read_attempts(tmp_path / "q.npz")
    assert table["index"].tolist() == [0, 1, 2, 3, 4, 5]
    assert table["success"].tolist() == [True, False, True, True, False, True]
    assert table["reason"].tolist() == ["", "tilt", "", "", "tilt", ""]
    assert np.isnan(table["fail_time"][0]) and table["fail_time"][1] == 0.5
    assert table["segment1_type"].dtype.kind == "U" and len(table["segment6_difficulty"]) == 6
    np.testing.assert_array_equal(
        table["command_speed"][table["success"]], data.sequence_labels["command_speed"]
    )


def test_resume_reuses_kept_and_failed_attempts(fake_episodes, tmp_path):
    fake_episodes(interrupt_at=4)
    with pytest.raises(KeyboardInterrupt):
        generate_quadrupeds(4, duration=0.2, output=tmp_path / "q.npz")
    parts = sorted(p.name for p in (tmp_path / "q.parts").glob("*.npz"))
    assert parts == ["000000.npz", "000001.npz", "000002.npz", "000003.npz"]
    assert not (tmp_path / "q.npz").exists()

    resumed = fake_episodes()
    data = generate_quadrupeds(4, duration=0.2, output=tmp_path / "q.npz")
    assert resumed.calls == [4, 5]  # the failed attempt 1 is not simulated again

    uninterrupted = generate_quadrupeds(4, duration=0.2, output=tmp_path / "other.npz")
    assert_same(data, uninterrupted)
    first, second = read_attempts(tmp_path / "q.npz"), read_attempts(tmp_path / "other.npz")
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_unreadable_parts_are_simulated_again(fake_episodes, tmp_path):
    fake_episodes(interrupt_at=2)
    with pytest.raises(KeyboardInterrupt):
        generate_quadrupeds(2, duration=0.2, output=tmp_path / "q.npz")
    (tmp_path / "q.parts" / "000000.npz").write_bytes(b"not a zip file")
    resumed = fake_episodes()
    generate_quadrupeds(2, duration=0.2, output=tmp_path / "q.npz")
    assert resumed.calls == [0, 2]


def test_other_arguments_cannot_resume_the_parts(fake_episodes, tmp_path):
    fake_episodes(interrupt_at=2)
    with pytest.raises(KeyboardInterrupt):
        generate_quadrupeds(3, duration=0.2, output=tmp_path / "q.npz")
    with pytest.raises(ValueError, match=r"differ in: seed \(0 != 1\), duration"):
        generate_quadrupeds(3, seed=1, duration=0.4, output=tmp_path / "q.npz")


def test_cache_loads_a_complete_file_with_the_same_arguments(fake, tmp_path):
    path = tmp_path / "q.npz"
    first = generate_quadrupeds(2, duration=0.2, output=path, cache=True)
    fake.calls.clear()
    assert_same(first, generate_quadrupeds(2, duration=0.2, output=path, cache=True))
    assert fake.calls == []
    more = generate_quadrupeds(3, duration=0.2, output=path, cache=True)  # n differs
    assert len(more) == 3 and fake.calls == [0, 1, 2, 3]


def test_too_few_successes(fake_episodes, tmp_path):
    fake_episodes(fail=lambda i: i > 0)
    with pytest.raises(KeepRateError, match=r"Expected 2 successful trajectories within "):
        generate_quadrupeds(2, duration=0.2, max_attempts=3, output=tmp_path / "q.npz")
    assert len(list((tmp_path / "q.parts").glob("*.npz"))) == 3


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n": 0}, r"Expected n >= 1, but got 0\."),
        ({"workers": 0}, r"Expected workers >= 1, but got 0\."),
        ({"output": "data.h5"}, r"Expected an output path ending in \.npz"),
        ({"difficulty": (0.5, 2.0)}, r"Expected difficulty \(min, max\) within \[0, 1\]"),
        ({"duration": 0.0}, r"Expected duration >= 0.02 s"),
        ({"robot_types": ("spot",)}, r"Expected robot_types among"),
        ({"max_attempts": 1}, r"Expected max_attempts >= n = 2"),
        ({"cache": True}, r"Expected an output path with cache=True"),
    ],
)
def test_invalid_arguments(arguments, message):
    arguments = {"n": 2, **arguments}
    with pytest.raises(ValueError, match=message):
        generate_quadrupeds(arguments.pop("n"), **arguments)


def test_unknown_option():
    with pytest.raises(TypeError, match=r"Expected arguments among .*, but got \['speed'\]"):
        generate_quadrupeds(2, speed=1.0)


def test_unwritable_output_folder(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="Expected a writable folder"):
        generate_quadrupeds(2, output=tmp_path / "file" / "q.npz")
