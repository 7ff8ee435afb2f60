import numpy as np
import pytest

from bams.features.mouse import (
    MOUSE_ACTIONS,
    MOUSE_KEYPOINTS,
    mouse_features,
    order_mouse_keypoints,
)

# A mouse in its body frame (forward, lateral) in pixels: body centre (mean of neck, center
# back, tail base) at the origin, body axis along +x; left and right paws differ on purpose.
TEMPLATE = np.array(
    [
        [55, 0],  # nose
        [35, -10],  # left ear
        [35, 10],  # right ear
        [30, 0],  # neck
        [20, -10],  # left forepaw
        [24, 12],  # right forepaw
        [0, 0],  # center back
        [-30, -16],  # left hindpaw
        [-26, 20],  # right hindpaw
        [-30, 0],  # tail base
        [-60, 10],  # tail middle
        [-90, 10],  # tail tip
    ],
    dtype=float,
)
EGOCENTRIC_EXCLUDED = ("head_x", "head_y", "body_x", "body_y", "head_cos", "head_sin")
EGOCENTRIC_EXCLUDED += ("body_cos", "body_sin")


def place(template, centre, angle):
    """Keypoints (T, 12, 2) of ``template`` rotated by ``angle`` (T,) around ``centre`` (T, 2)."""
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x, y = template[..., 0], template[..., 1]
    return np.stack([cos * x - sin * y, sin * x + cos * y], -1) + centre[:, None]


def triplet(rng, length=40):
    """Three mice walking and turning around the arena, (T, 3, 12, 2)."""
    mice = []
    for start in ([200.0, 300.0], [500.0, 400.0], [350.0, 650.0]):
        angle = rng.uniform(-np.pi, np.pi) + np.cumsum(rng.normal(scale=0.1, size=length))
        step = 3.0 * np.stack([np.cos(angle), np.sin(angle)], 1)
        template = TEMPLATE + rng.normal(scale=1.0, size=(length, 12, 2))
        mice.append(place(template, np.array(start) + np.cumsum(step, 0), angle))
    return np.stack(mice, axis=1)


def columns(features):
    return {name: features.values[:, i] for i, name in enumerate(features.names)}


def test_names_shapes_and_actions(rng):
    features = mouse_features(triplet(rng))
    assert len(features) == 3
    assert all(f.names == features[0].names for f in features)
    assert features[0].values.shape == (40, 66) and features[0].values.dtype == np.float32
    assert features[0].actions == list(MOUSE_ACTIONS)
    assert set(MOUSE_ACTIONS) <= set(features[0].names)
    alone = mouse_features(triplet(rng), social=False)[0]
    assert alone.values.shape == (40, 48)
    assert not any(n.startswith("neighbor") for n in alone.names)


@pytest.mark.parametrize("theta", [np.pi / 2, -2.3])
def test_rotated_and_moved_mice_have_the_same_egocentric_features(rng, theta):
    keypoints = triplet(rng)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    moved = (keypoints - 425.0) @ rotation.T + 425.0 + np.array([10.0, -20.0])
    for before, after in zip(mouse_features(keypoints), mouse_features(moved), strict=True):
        keep = [i for i, n in enumerate(before.names) if n not in EGOCENTRIC_EXCLUDED]
        np.testing.assert_allclose(after.values[:, keep], before.values[:, keep], atol=2e-4)


def test_known_pose_gives_known_polar_coordinates_without_left_right_swaps():
    angle = np.full(3, 0.7)  # any heading: coordinates are relative to the body axis
    kp = place(TEMPLATE, np.full((3, 2), 400.0), angle)[:, None]
    col = columns(mouse_features(kp, arena_size=1.0)[0])
    expected = {
        "left_forepaw": (np.hypot(20, 10), np.arctan2(-10, 20)),
        "right_forepaw": (np.hypot(24, 12), np.arctan2(12, 24)),
        # hindpaws: from the backward axis, lateral side positive as for the forepaws
        "left_hindpaw": (np.hypot(30, 16), np.arctan2(-16, 30)),
        "right_hindpaw": (np.hypot(26, 20), np.arctan2(20, 26)),
    }
    for paw, (distance, paw_angle) in expected.items():
        np.testing.assert_allclose(col[f"{paw}_distance"], distance, rtol=1e-5)
        np.testing.assert_allclose(col[f"{paw}_angle_cos"], np.cos(paw_angle), atol=1e-5)
        np.testing.assert_allclose(col[f"{paw}_angle_sin"], np.sin(paw_angle), atol=1e-5)
    np.testing.assert_allclose(col["body_cos"], np.cos(0.7), atol=1e-6)
    np.testing.assert_allclose(col["head_body_angle_cos"], 1.0, atol=1e-6)
    np.testing.assert_allclose(col["head_body_angle_sin"], 0.0, atol=1e-6)
    np.testing.assert_allclose(col["spine_length"], 60.0, rtol=1e-6)
    np.testing.assert_allclose(col["body_bend_sin"], 0.0, atol=1e-6)
    tail = np.arctan2(10, 30)
    np.testing.assert_allclose(col["tail_proximal_angle_cos"], np.cos(tail), atol=1e-6)
    np.testing.assert_allclose(col["tail_proximal_angle_sin"], np.sin(tail), atol=1e-6)
    np.testing.assert_allclose(col["tail_distal_angle_sin"], 0.0, atol=1e-6)
    np.testing.assert_allclose(col["head_x"], 400 + np.mean([55, 35, 35, 30]) * np.cos(0.7))


def test_velocities_in_units_per_second_in_the_body_frame():
    t = np.arange(10.0)
    # Body axis along +y (pi/2); the mouse moves 2 px/frame along +x, i.e. sideways.
    centre = np.stack([300 + 2 * t, np.full(10, 300.0)], 1)
    kp = place(TEMPLATE, centre, np.full(10, np.pi / 2))[:, None]
    col = columns(mouse_features(kp, frame_rate=30.0)[0])
    unit = 2 * 30.0 / 850.0  # arena units per second
    for part in ("head", "body"):
        np.testing.assert_allclose(col[f"{part}_forward_velocity"][1:], 0.0, atol=1e-6)
        np.testing.assert_allclose(np.abs(col[f"{part}_lateral_velocity"][1:]), unit, rtol=1e-5)
        np.testing.assert_allclose(col[f"{part}_speed"][1:], unit, rtol=1e-5)
        assert np.isnan(col[f"{part}_speed"][0])  # causal: no frame before the first
    # Moving along -x with the body axis at +y is towards the -90 degree side.
    assert (col["body_lateral_velocity"][1:] < 0).all()
    # Head moving along y only: its velocity must not come from x (a reference-code bug).
    centre = np.stack([np.full(10, 300.0), 300 + 2 * t], 1)
    kp = place(TEMPLATE, centre, np.zeros(10))[:, None]
    col = columns(mouse_features(kp, frame_rate=30.0)[0])
    np.testing.assert_allclose(col["head_lateral_velocity"][1:], unit, rtol=1e-5)
    np.testing.assert_allclose(col["head_forward_velocity"][1:], 0.0, atol=1e-6)


def test_turning_rates_are_wrapped_and_per_second():
    angle = np.pi - 0.25 + 0.1 * np.arange(6)  # crosses +-pi
    kp = place(TEMPLATE, np.full((6, 2), 400.0), angle)[:, None]
    col = columns(mouse_features(kp, frame_rate=30.0)[0])
    np.testing.assert_allclose(col["body_turning_rate"][1:], 3.0, rtol=1e-4)
    np.testing.assert_allclose(col["head_turning_rate"][1:], 3.0, rtol=1e-4)
    np.testing.assert_allclose(col["spine_length_rate"][1:], 0.0, atol=1e-5)


def test_paw_rates_follow_the_right_paw(rng):
    kp = place(TEMPLATE, np.full((5, 2), 400.0), np.zeros(5))[:, None].copy()
    kp[:, 0, MOUSE_KEYPOINTS.index("right_forepaw"), 0] += np.arange(5.0)  # only the right paw
    col = columns(mouse_features(kp, frame_rate=1.0, arena_size=1.0)[0])
    assert np.all(col["right_forepaw_distance_rate"][1:] > 0.5)
    np.testing.assert_allclose(col["left_forepaw_distance_rate"][1:], 0.0, atol=1e-6)


def test_features_are_causal(rng):
    keypoints = triplet(rng)
    changed = keypoints.copy()
    changed[25:] += rng.normal(scale=5.0, size=changed[25:].shape)
    for a, b in zip(mouse_features(keypoints), mouse_features(changed), strict=True):
        np.testing.assert_array_equal(a.values[:25], b.values[:25])


@pytest.mark.parametrize("missing", [np.nan, 0.0])
def test_missing_keypoints_give_nan_and_nothing_else(rng, missing):
    keypoints = triplet(rng)
    keypoints[5, 0, MOUSE_KEYPOINTS.index("nose")] = missing
    col = columns(mouse_features(keypoints)[0])
    for name in ("head_x", "head_cos", "head_body_angle_sin"):
        assert np.isnan(col[name][5]) and np.isfinite(col[name][4]) and np.isfinite(col[name][6])
    assert np.isnan(col["head_speed"][5]) and np.isnan(col["head_speed"][6])  # t and t + 1
    assert np.isnan(col["neighbor1_nose_nose_distance"][5])
    for name in ("body_x", "body_speed", "left_forepaw_distance", "neighbor1_distance"):
        assert np.isfinite(col[name][5])
    # The other mice only lose what depends on mouse 0's nose.
    other = columns(mouse_features(keypoints)[1])
    assert np.isfinite(other["head_x"][5]) and np.isfinite(other["neighbor1_distance"][5])


def test_zero_is_a_position_when_asked(rng):
    keypoints = triplet(rng)
    keypoints[:, 0] -= keypoints[3, 0, MOUSE_KEYPOINTS.index("nose")]  # nose at (0, 0) once
    default = columns(mouse_features(keypoints)[0])
    kept = columns(mouse_features(keypoints, zero_is_missing=False)[0])
    assert np.isnan(default["head_x"][3]) and np.isfinite(kept["head_x"][3])


def test_social_features_do_not_depend_on_the_order_of_the_other_mice(rng):
    keypoints = triplet(rng)
    base = mouse_features(keypoints)
    swapped = mouse_features(keypoints[:, [0, 2, 1]])
    np.testing.assert_array_equal(swapped[0].values, base[0].values)
    np.testing.assert_array_equal(swapped[1].values, base[2].values)
    np.testing.assert_array_equal(swapped[2].values, base[1].values)
    col = columns(base[0])
    assert (col["neighbor1_distance"] <= col["neighbor2_distance"]).all()


def test_social_values_for_a_known_layout():
    # Focal mouse at (400, 400) facing +x; another 85 px ahead facing back (-x), a third
    # 170 px away on the +90 degree side facing +x.
    n = 3
    focal = place(TEMPLATE, np.full((n, 2), 400.0), np.zeros(n))
    ahead = place(TEMPLATE, np.tile([485.0, 400.0], (n, 1)), np.full(n, np.pi))
    side = place(TEMPLATE, np.tile([400.0, 570.0], (n, 1)), np.zeros(n))
    col = columns(mouse_features(np.stack([focal, side, ahead], 1))[0])
    np.testing.assert_allclose(col["neighbor1_distance"], 0.1, rtol=1e-5)
    np.testing.assert_allclose(col["neighbor1_bearing_cos"], 1.0, atol=1e-6)
    np.testing.assert_allclose(col["neighbor1_relative_heading_cos"], -1.0, atol=1e-6)
    np.testing.assert_allclose(col["neighbor1_nose_nose_distance"], 25 / 850, rtol=1e-5)
    np.testing.assert_allclose(col["neighbor2_distance"], 0.2, rtol=1e-5)
    np.testing.assert_allclose(col["neighbor2_bearing_sin"], 1.0, atol=1e-6)
    np.testing.assert_allclose(col["neighbor2_relative_heading_cos"], 1.0, atol=1e-6)
    np.testing.assert_allclose(col["neighbor1_distance_rate"][1:], 0.0, atol=1e-6)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match=r"Expected mouse keypoints of shape \(T, n_mice, 12, 2\)"):
        mouse_features(np.zeros((5, 3, 7, 2)))
    with pytest.raises(ValueError, match="Expected positive arena_size and frame_rate"):
        mouse_features(np.ones((5, 3, 12, 2)), arena_size=0.0)


def test_a_missing_neighbour_invalidates_only_the_features_that_use_it(rng):
    keypoints = triplet(rng)
    complete = mouse_features(keypoints)[0]
    distance = np.linalg.norm(keypoints[:, 1:, 6] - keypoints[:, :1, 6], axis=-1)  # center back
    # The rank of mouse 1 among mouse 0's neighbours at frame 5 (the body centres are close
    # to the center backs, and the test needs the ranks to be clear).
    assert abs(distance[5, 0] - distance[5, 1]) > 20
    rank = 1 if distance[5, 0] < distance[5, 1] else 2
    nose = keypoints.copy()
    nose[5, 1, MOUSE_KEYPOINTS.index("nose")] = np.nan
    changed = mouse_features(nose)[0]
    uses_its_nose = {
        f"neighbor{rank}_nose_nose_distance",
        f"neighbor{rank}_tail_base_nose_distance",
    }
    for j, name in enumerate(complete.names):
        if name in uses_its_nose:
            assert np.isnan(changed.values[5, j]), name
            np.testing.assert_array_equal(
                np.delete(changed.values[:, j], 5), np.delete(complete.values[:, j], 5)
            )
        else:
            np.testing.assert_array_equal(changed.values[:, j], complete.values[:, j], err_msg=name)


def test_an_untracked_neighbour_leaves_the_own_features_and_the_other_neighbour(rng):
    keypoints = triplet(rng)
    complete = columns(mouse_features(keypoints)[0])
    gone = keypoints.copy()
    gone[5, 2] = 0.0  # mouse 2 untracked at frame 5, as trackers write it
    changed = columns(mouse_features(gone)[0])
    alone = columns(mouse_features(keypoints[:, :2])[0])  # mouse 1 as the only neighbour
    for name, values in complete.items():
        if not name.startswith("neighbor"):
            np.testing.assert_array_equal(changed[name], values, err_msg=name)
        elif name.startswith("neighbor2"):
            assert np.isnan(changed[name][5]), name
        else:
            np.testing.assert_allclose(changed[name][5], alone[name][5], rtol=1e-6)
    # Frames 0-4 and 7 on (frame 6's distance rates use frame 5) are as without the gap.
    keep = np.r_[0:5, 7:40]
    for name, values in complete.items():
        np.testing.assert_array_equal(changed[name][keep], values[keep], err_msg=name)


def test_angles_are_cos_and_sin_continuous_across_pi():
    # A curled tail: the distal segment sweeps through pointing forward, where the tail
    # angle (from the backward body axis) crosses +-pi, and every other angle is fixed.
    n = 9
    kp = np.repeat(TEMPLATE[None], n, axis=0)
    swing = np.pi + np.linspace(-0.4, 0.4, n)  # from the backward axis, through +-pi
    middle = TEMPLATE[MOUSE_KEYPOINTS.index("tail_middle")]
    kp[:, MOUSE_KEYPOINTS.index("tail_tip")] = middle + 30 * np.stack(
        [-np.cos(swing), np.sin(swing)], axis=1
    )
    features = mouse_features(place(kp, np.full((n, 2), 400.0), np.zeros(n))[:, None])[0]
    col = columns(features)
    raw = np.arctan2(col["tail_distal_angle_sin"], col["tail_distal_angle_cos"])
    assert np.abs(np.diff(raw)).max() > 6  # what a raw angle feature would do
    np.testing.assert_allclose(col["tail_distal_angle_cos"], np.cos(swing), atol=1e-5)
    np.testing.assert_allclose(col["tail_distal_angle_sin"], np.sin(swing), atol=1e-5)
    steps = np.abs(np.diff(features.values[1:], axis=0))  # velocities start at frame 1
    assert steps.max() < 0.2 * 30  # no feature jumps (the angle moves 0.1 rad per frame)
    np.testing.assert_allclose(col["tail_distal_angle_rate"][1:], 0.1 * 30, rtol=1e-4)
    assert not any(n.endswith("angle") or n == "body_bend" for n in features.names)


def test_keypoints_are_ordered_by_name():
    names = [k.replace("_", " ").upper() for k in MOUSE_KEYPOINTS][::-1] + ["arena corner"]
    position = np.arange(13.0)[None, None, :, None].repeat(2, axis=-1)
    ordered = order_mouse_keypoints(position, names)
    assert ordered.shape == (1, 1, 12, 2)
    assert ordered[0, 0, :, 0].tolist() == list(range(11, -1, -1))
    with pytest.raises(ValueError, match=r"Expected the MABe mouse keypoints .* but \['nose'\]"):
        order_mouse_keypoints(position, names[:-2] + ["tail", "snout"])
    with pytest.raises(ValueError, match=r"Expected positions of shape \(T, n_mice, 13, 2\)"):
        order_mouse_keypoints(position[0], names)
