import numpy as np
import pytest

from bams.sim.quadrupeds.episode import sample_params
from bams.sim.quadrupeds.terrain import (
    END_LENGTH,
    SEGMENT_LENGTH,
    START_LENGTH,
    TERRAIN_TYPES,
    make_terrain,
)

TYPES = ["flat", "pits", "hills", "stairs_up", "stairs_down"]


@pytest.fixture
def terrain(rng):
    return make_terrain(TYPES, [0.5] * len(TYPES), rng)


def segment_x(k: int, n: int = 200) -> np.ndarray:
    """Positions inside segment ``k`` (1-based, 0 is the flat start), away from its edges."""
    start = START_LENGTH + SEGMENT_LENGTH * (k - 1)
    return np.linspace(start + 0.5, start + SEGMENT_LENGTH - 0.5, n)


def test_types_along_the_track(terrain):
    assert terrain.types == ["flat", *TYPES, "flat"]
    for k, kind in enumerate(TYPES, start=1):
        x = segment_x(k)
        labels = terrain.labels(x, np.zeros_like(x))
        assert set(labels["terrain_type"].tolist()) == {kind}
        assert labels["terrain_type"].dtype.kind == "U"
        expected = 0.0 if kind == "flat" else 0.5
        np.testing.assert_array_equal(labels["terrain_difficulty"], expected)
    ends = np.array([START_LENGTH / 2, terrain.edges[-1] - END_LENGTH / 2])
    labels = terrain.labels(ends, np.zeros(2))
    assert labels["terrain_type"].tolist() == ["flat", "flat"]
    np.testing.assert_array_equal(labels["terrain_difficulty"], 0.0)
    assert set(TYPES) == set(TERRAIN_TYPES)


def test_slope_sign_on_stairs(terrain):
    up, down = segment_x(TYPES.index("stairs_up") + 1), segment_x(TYPES.index("stairs_down") + 1)
    slope_up = terrain.labels(up, np.zeros_like(up))["terrain_slope"]
    slope_down = terrain.labels(down, np.zeros_like(down))["terrain_slope"]
    assert slope_up.mean() > 0.05
    assert slope_down.mean() < -0.05
    assert np.all(slope_up >= 0) and np.all(slope_down <= 0)
    flat = segment_x(TYPES.index("flat") + 1)
    np.testing.assert_allclose(terrain.labels(flat, np.zeros_like(flat))["terrain_slope"], 0.0)


def test_stairs_continue_from_the_previous_height(rng):
    terrain = make_terrain(["stairs_up", "stairs_down"], [1.0, 1.0], rng)
    top = terrain.height(START_LENGTH + SEGMENT_LENGTH - 0.05, 0.0)
    assert top > 1.0
    assert terrain.height(START_LENGTH + SEGMENT_LENGTH + 0.05, 0.0) == pytest.approx(top)
    assert terrain.height(terrain.edges[-1] - 0.5, 0.0) == pytest.approx(0.0, abs=1e-9)


def test_harder_stairs_have_higher_risers(rng):
    easy = make_terrain(["stairs_up"], [0.0], rng)
    hard = make_terrain(["stairs_up"], [1.0], rng)
    x = START_LENGTH + SEGMENT_LENGTH - 0.05
    assert hard.height(x, 0.0) > easy.height(x, 0.0) > 0


@pytest.mark.parametrize(
    ("types", "difficulties", "message"),
    [
        (["lava"], [0.5], "Expected terrain types among"),
        (["pits"], [1.5], r"Expected difficulties in \[0, 1\]"),
        (["pits", "hills"], [0.5], "Expected 2 difficulties"),
    ],
)
def test_invalid_terrain(rng, types, difficulties, message):
    with pytest.raises(ValueError, match=message):
        make_terrain(types, difficulties, rng)


def test_sample_params_is_a_function_of_seed_and_index():
    a, terrain_a = sample_params(3, 5)
    b, terrain_b = sample_params(3, 5)
    c, _ = sample_params(3, 6)
    assert a == b
    np.testing.assert_array_equal(terrain_a.heights, terrain_b.heights)
    assert a != c
    assert len(a.segment_types) == len(a.segment_difficulties) == 6
