import numpy as np
import pytest

from bams.features.social import SOCIAL_FEATURES, social_features


def walkers(rng, n_animals=4, length=30):
    centres = np.cumsum(rng.normal(size=(length, n_animals, 2)), axis=0) * 3 + 50
    headings = rng.uniform(-np.pi, np.pi, size=(length, n_animals))
    return centres, headings


def features(centres, headings, focal=0, **kwargs):
    others = [j for j in range(centres.shape[1]) if j != focal]
    kwargs.setdefault("n_neighbors", len(others))
    return social_features(
        centres[:, focal],
        headings[:, focal],
        centres[:, others],
        headings[:, others],
        frame_rate=10.0,
        **kwargs,
    )


def test_values_do_not_depend_on_the_order_of_the_others(rng):
    centres, headings = walkers(rng)
    extra = {"size": rng.normal(size=(30, 3))}
    base, names = features(centres, headings, extra=extra)
    perm = [0, 3, 1, 2]
    extra_perm = {"size": extra["size"][:, [2, 0, 1]]}
    other, _ = features(centres[:, perm], headings[:, perm], extra=extra_perm)
    np.testing.assert_array_equal(other, base)
    assert names[: len(SOCIAL_FEATURES) + 1] == [f"neighbor1_{f}" for f in SOCIAL_FEATURES] + [
        "neighbor1_size"
    ]


def test_known_geometry():
    centre, heading = np.array([[0.0, 0.0]]), np.array([np.pi / 2])  # facing +y
    others = np.array([[[0.0, 2.0], [-3.0, 0.0]]])
    values, names = social_features(
        centre, heading, others, np.array([[np.pi / 2, 0.0]]), frame_rate=1.0, n_neighbors=2
    )
    col = dict(zip(names, values[0], strict=True))
    assert col["neighbor1_distance"] == pytest.approx(2.0)
    assert col["neighbor1_bearing_cos"] == pytest.approx(1.0)  # straight ahead
    assert col["neighbor1_relative_heading_cos"] == pytest.approx(1.0)
    assert col["neighbor2_distance"] == pytest.approx(3.0)
    assert col["neighbor2_bearing_sin"] == pytest.approx(1.0)  # at +90 degrees from +y
    assert col["neighbor2_relative_heading_sin"] == pytest.approx(-1.0)


def test_missing_neighbours_sort_last_and_missing_ranks_are_nan(rng):
    centres, headings = walkers(rng, n_animals=3)
    centres[4, 1] = np.nan
    values, names = features(centres, headings, n_neighbors=4)
    col = {n: values[:, i] for i, n in enumerate(names)}
    assert np.isfinite(col["neighbor1_distance"][4]) and np.isnan(col["neighbor2_distance"][4])
    assert (
        np.isnan(col["neighbor3_distance"]).all() and np.isnan(col["neighbor4_bearing_cos"]).all()
    )
    assert np.isfinite(col["neighbor2_distance"][5])


def test_distance_rate_is_continuous_when_ranks_change():
    t = np.arange(5.0)
    centre, heading = np.zeros((5, 2)), np.zeros(5)
    # one neighbour approaches from 4 to 0, the other recedes from 0 to 4: they cross at t = 2
    others = np.stack([np.stack([4 - t, 0 * t], 1), np.stack([0 * t, -0.5 - t], 1)], 1)
    values, names = social_features(
        centre, heading, others, np.zeros((5, 2)), frame_rate=1.0, n_neighbors=2
    )
    rate = values[1:, names.index("neighbor1_distance_rate")]
    assert np.all(np.abs(rate) <= 1.0 + 1e-6)


def test_bad_shapes_are_rejected(rng):
    centres, headings = walkers(rng)
    with pytest.raises(ValueError, match=r"Expected other_centers of shape \(30, N, 2\)"):
        social_features(
            centres[:, 0],
            headings[:, 0],
            centres[:5, 1:],
            headings[:, 1:],
            frame_rate=1.0,
            n_neighbors=1,
        )
    with pytest.raises(ValueError, match=r"Expected other_headings of shape \(30, 3\)"):
        social_features(
            centres[:, 0],
            headings[:, 0],
            centres[:, 1:],
            headings[:, 1:3],
            frame_rate=1.0,
            n_neighbors=1,
        )
    with pytest.raises(ValueError, match="Expected n_neighbors >= 1, but got 0"):
        features(centres, headings, n_neighbors=0)
    with pytest.raises(ValueError, match=r"Expected center \(T, 2\) and heading \(T,\)"):
        social_features(
            centres[:, 0, :1],
            headings[:, 0],
            centres[:, 1:],
            headings[:, 1:],
            frame_rate=1.0,
            n_neighbors=1,
        )
