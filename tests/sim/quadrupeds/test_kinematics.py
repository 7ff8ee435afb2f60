import numpy as np
import pytest

from bams.sim.quadrupeds.kinematics import forward, inverse, jacobian
from bams.sim.quadrupeds.robots import LEG_SIDE, PRESETS


def leg_angles(rng, m, knee=(1.0, 1.0, 1.0, 1.0)):
    """Walking postures of ``m``: each knee bent as ``knee`` says, the foot below the hip.

    (A folded leg with its foot above the hip has the same foot position as another posture,
    so the inverse cannot tell them apart; the controller never asks for one.)
    """
    rows = []
    while len(rows) < len(knee):
        sign = knee[len(rows)]
        q = np.array(
            [rng.uniform(-0.4, 0.4), rng.uniform(-1.0, 1.0), -sign * rng.uniform(0.5, 2.4)]
        )
        height = -m.thigh_length * np.cos(q[1]) - m.calf_length * np.cos(q[1] + q[2])
        if height < -0.2 * m.leg_length:
            rows.append(q)
    return np.array(rows)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_inverse_undoes_forward(rng, name):
    m = PRESETS[name]
    offset = LEG_SIDE * m.thigh_offset
    knee = np.asarray(m.knee_direction, dtype=float)
    for _ in range(20):
        q = leg_angles(rng, m, knee)
        foot = forward(q, offset, m.thigh_length, m.calf_length)
        np.testing.assert_allclose(
            inverse(foot, offset, m.thigh_length, m.calf_length, knee=knee), q, atol=1e-9
        )


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_inverse_bends_each_knee_as_asked(rng, sign):
    m = PRESETS["anymal_c"]
    offset = LEG_SIDE * m.thigh_offset
    knee = np.full(4, sign)
    q = leg_angles(rng, m, knee)
    foot = forward(q, offset, m.thigh_length, m.calf_length)
    back = inverse(foot, offset, m.thigh_length, m.calf_length, knee=knee)
    np.testing.assert_allclose(back, q, atol=1e-9)
    assert np.all(np.sign(back[:, 2]) == -sign)
    # The other knee direction reaches the same feet with the mirrored posture.
    other = inverse(foot, offset, m.thigh_length, m.calf_length, knee=-knee)
    np.testing.assert_allclose(
        forward(other, offset, m.thigh_length, m.calf_length), foot, atol=1e-9
    )
    np.testing.assert_allclose(other[:, 2], -back[:, 2], atol=1e-9)


def test_backward_knees_are_the_default_bit_for_bit(rng):
    m = PRESETS["aliengo"]
    offset = LEG_SIDE * m.thigh_offset
    foot = forward(leg_angles(rng, m), offset, m.thigh_length, m.calf_length)
    plain = inverse(foot, offset, m.thigh_length, m.calf_length)
    assert np.array_equal(
        plain, inverse(foot, offset, m.thigh_length, m.calf_length, knee=np.ones(4))
    )


def test_inverse_writes_into_out(rng):
    m = PRESETS["a1"]
    offset = LEG_SIDE * m.thigh_offset
    foot = forward(leg_angles(rng, m), offset, m.thigh_length, m.calf_length)
    out = np.empty((4, 3))
    assert inverse(foot, offset, m.thigh_length, m.calf_length, out=out) is out


def test_unreachable_feet_are_pulled_into_reach():
    m = PRESETS["a1"]
    offset = LEG_SIDE * m.thigh_offset
    far = np.tile([0.0, 0.0, -2.0], (4, 1))  # 2 m below the hips: out of reach
    q = inverse(far, offset, m.thigh_length, m.calf_length)
    assert np.isfinite(q).all()
    reach = np.linalg.norm(forward(q, offset, m.thigh_length, m.calf_length), axis=1)
    assert np.all(reach <= np.hypot(m.thigh_length + m.calf_length, m.thigh_offset) + 1e-9)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_jacobian_matches_finite_differences(rng, name):
    m = PRESETS[name]
    offset = LEG_SIDE * m.thigh_offset
    q = leg_angles(rng, m, np.asarray(m.knee_direction, dtype=float))
    eps = 1e-6
    numeric = np.empty((4, 3, 3))
    for j in range(3):
        step = np.zeros_like(q)
        step[:, j] = eps
        plus = forward(q + step, offset, m.thigh_length, m.calf_length)
        minus = forward(q - step, offset, m.thigh_length, m.calf_length)
        numeric[:, :, j] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(
        jacobian(q, offset, m.thigh_length, m.calf_length), numeric, atol=1e-8
    )
