import numpy as np
import pytest

from bams.features.fly import FLY_KEYPOINTS, fly_features, fly_keypoint_names

BACK, FRONT = FLY_KEYPOINTS.index("tip_abdomen"), FLY_KEYPOINTS.index("antennae_midpoint")


def flies(rng, n_flies=11, n_present=9, n_keypoints=24, length=20):
    """Flies in mm with keypoints scattered around a body axis; padding flies all NaN."""
    kp = rng.normal(scale=0.3, size=(length, n_flies, n_keypoints, 2))
    if n_keypoints > BACK:
        kp[:, :, BACK] = [-1.2, 0.0]
        kp[:, :, FRONT] = [1.2, 0.0]
    kp += rng.uniform(-20, 20, size=(1, n_flies, 1, 2)) + np.cumsum(
        rng.normal(scale=0.1, size=(length, n_flies, 1, 2)), axis=0
    )
    kp[:, n_present:] = np.nan
    return kp


def test_padding_flies_are_nan_and_present_flies_have_neighbours(rng):
    features = fly_features(flies(rng))
    assert len(features) == 11
    assert all(np.isnan(f.values).all() for f in features[9:])
    col = {n: features[0].values[:, i] for i, n in enumerate(features[0].names)}
    for rank in (1, 2, 3):
        assert np.isfinite(col[f"neighbor{rank}_distance"]).all()
    assert features[0].actions == ["speed", "forward_velocity", "lateral_velocity", "turning_rate"]
    assert features[0].values.shape == (20, 2 + 2 + 2 * 24 + 4 + 3 * 6)


def test_heading_follows_the_body_axis(rng):
    kp = flies(rng)
    col = {n: fly_features(kp)[0].values[:, i] for i, n in enumerate(fly_features(kp)[0].names)}
    np.testing.assert_allclose(col["heading_cos"], 1.0, atol=1e-6)
    np.testing.assert_allclose(col["antennae_midpoint_left"], 0.0, atol=1.0)
    # Swapping the heading keypoints turns the fly around.
    reverse = fly_features(kp, heading=("antennae_midpoint", "tip_abdomen"))[0]
    np.testing.assert_allclose(
        reverse.values[:, reverse.names.index("heading_cos")], -1.0, atol=1e-6
    )


def test_keypoint_count_comes_from_the_array(rng):
    features = fly_features(flies(rng, n_keypoints=21), social=False)
    assert "keypoint20_forward" in features[0].names
    assert fly_keypoint_names(3) == ["wing_right", "wing_left", "antennae_midpoint"]
    with pytest.raises(ValueError, match="Expected keypoints among"):
        fly_features(flies(rng, n_keypoints=5))
    names = ["a", "b", "c", "d", "e"]
    ok = fly_features(
        flies(rng, n_keypoints=5),
        keypoint_names=names,
        heading=("b", "a"),
        origin=["c"],
        n_neighbors=2,
    )
    assert ok[0].names[-1] == "neighbor2_relative_heading_sin"


def test_bad_shape_is_rejected():
    with pytest.raises(ValueError, match=r"Expected fly keypoints of shape \(T, n_flies, K, 2\)"):
        fly_features(np.zeros((5, 9, 24)))
