import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bams.features import egocentric_features, mark_missing
from bams.features.kinematics import angular_velocity, backward_difference, rotate, wrap_angle

NAMES = ["nose", "neck", "tail"]


def walker(rng, length=50):
    """An animal walking and turning, keypoints along its body axis."""
    angle = np.cumsum(rng.normal(scale=0.1, size=length))
    center = np.cumsum(np.stack([np.cos(angle), np.sin(angle)], 1), axis=0) + 10.0
    offsets = np.array([1.0, 0.3, -1.0])  # nose ahead, tail behind
    axis = np.stack([np.cos(angle), np.sin(angle)], 1)
    return center[:, None] + offsets[None, :, None] * axis[:, None], angle, center


def test_body_frame_is_invariant_to_rotation_and_translation(rng):
    kp, _, _ = walker(rng)
    base = egocentric_features(kp, NAMES, frame_rate=30.0, include_position=False)
    theta = 1.234
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    moved = kp @ rot.T + np.array([5.0, -7.0])
    other = egocentric_features(moved, NAMES, frame_rate=30.0, include_position=False)
    keep = [i for i, n in enumerate(base.names) if not n.startswith("heading")]
    np.testing.assert_allclose(other.values[:, keep], base.values[:, keep], atol=1e-4)


def test_known_motion(rng):
    kp, angle, center = walker(rng)
    f = egocentric_features(kp, NAMES, frame_rate=10.0, origin=["neck"], heading=("tail", "nose"))
    col = {n: f.values[:, i] for i, n in enumerate(f.names)}
    np.testing.assert_allclose(col["nose_forward"], 0.7, atol=1e-5)  # nose 0.7 ahead of neck
    np.testing.assert_allclose(col["nose_left"], 0.0, atol=1e-5)
    np.testing.assert_allclose(col["turning_rate"][1:], wrap_angle(np.diff(angle)) * 10, atol=1e-4)
    step = np.diff(center + 0.3 * np.stack([np.cos(angle), np.sin(angle)], 1), axis=0)
    np.testing.assert_allclose(col["speed"][1:], np.hypot(*step.T) * 10, rtol=1e-4)
    assert np.isnan(col["speed"][0])
    assert f.actions == ["speed", "forward_velocity", "lateral_velocity", "turning_rate"]


def test_missing_points_give_nan_not_errors(rng):
    kp, _, _ = walker(rng)
    kp[5, 0] = 0.0  # tracker's lost point
    kp[6, :] = np.nan  # whole animal lost
    f = egocentric_features(kp, NAMES, frame_rate=30.0)
    col = {n: f.values[:, i] for i, n in enumerate(f.names)}
    assert np.isnan(col["nose_forward"][5]) and np.isnan(col["heading_cos"][5])
    assert np.isnan(f.values[6]).all()
    assert np.isfinite(f.values[10]).all()


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match=r"Expected keypoints of shape \(T, 3, 2\)"):
        egocentric_features(np.zeros((5, 2, 2)), NAMES, frame_rate=1.0)
    with pytest.raises(ValueError, match="Expected keypoints among"):
        egocentric_features(np.zeros((5, 3, 2)), NAMES, frame_rate=1.0, heading=("tail", "ear"))


def test_mark_missing():
    out = mark_missing(np.array([[0.0, 0.0], [0.0, 1.0], [np.nan, 1.0]]))
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all() and np.isnan(out[2]).all()
    kept = mark_missing(np.array([[0.0, 0.0]]), zero_is_missing=False)
    assert np.isfinite(kept).all()


@settings(max_examples=50, deadline=None)
@given(st.floats(-10, 10), st.floats(-10, 10))
def test_angular_velocity_takes_the_short_way(a, b):
    w = angular_velocity(np.array([a, b]))[1]
    assert -np.pi <= w < np.pi
    assert np.isclose(np.cos(a + w), np.cos(b), atol=1e-9)
    assert np.isclose(np.sin(a + w), np.sin(b), atol=1e-9)


def test_rotate_and_difference():
    pts = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    out = rotate(pts, np.array([0.0, np.pi / 2]))
    np.testing.assert_allclose(out[:, 0], [[1.0, 0.0], [1.0, 0.0]], atol=1e-12)
    d = backward_difference(np.array([1.0, 3.0, np.nan, 4.0]), frame_rate=2.0)
    assert np.isnan(d[0]) and d[1] == 4.0 and np.isnan(d[2]) and np.isnan(d[3])
