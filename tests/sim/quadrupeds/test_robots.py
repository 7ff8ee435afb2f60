import hashlib

import numpy as np
import pytest

from bams.pipelines.quadrupeds import QuadrupedRun
from bams.sim.quadrupeds.dataset import GenerationConfig
from bams.sim.quadrupeds.episode import sample_params
from bams.sim.quadrupeds.robots import (
    DEFAULT_ROBOTS,
    LEG_SIDE,
    LEGS,
    PRESETS,
    ROBOT_PAIRS,
    get_morphology,
    model_xml,
    robot_population,
)

mujoco = pytest.importorskip("mujoco")

from bams.sim.quadrupeds.controller import TrotController  # noqa: E402
from bams.sim.quadrupeds.robots import build_model  # noqa: E402
from bams.sim.quadrupeds.terrain import flat_terrain  # noqa: E402

# docs/quadrupeds.md, from MuJoCo Menagerie's anybotics_anymal_b/anymal_b.xml and
# anybotics_anymal_c/anymal_c.xml: total mass, thigh, calf, lateral offset, torque limit.
DOCUMENTED = {
    "anymal_b": (33.33, 0.250, 0.3143, 0.130, 40.0),
    "anymal_c": (44.97, 0.285, 0.3275, 0.1972, 80.0),
}
# Measured: 4 s after a 1.5 s warm-up at 0.6 m/s on flat ground, ANYmal B walks 0.021 m/s and
# ANYmal C 0.024 m/s faster than commanded (the speed integral still settling after the ramp).
TRACKING_TOLERANCE = 0.05  # m/s
# sha256 of model_xml() of the two original presets, before the ANYmal presets were added.
XML_SHA256 = {
    "a1": "785a4d555df9d11f77e676bcce9eb44d91bd2e8d776920040c6df4596413cdeb",
    "aliengo": "a45635f5d35d9a00ff46eb4907eeeb4b8099cda6f528dfed58ca52cb357585c0",
}


@pytest.mark.parametrize("name", sorted(XML_SHA256))
def test_the_unitree_models_are_unchanged(name):
    digest = hashlib.sha256(model_xml(PRESETS[name]).encode()).hexdigest()
    assert digest == XML_SHA256[name]
    assert PRESETS[name].knee_direction == (1, 1, 1, 1)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_anymal_presets_build_with_the_documented_numbers(name):
    mass, thigh, calf, offset, torque = DOCUMENTED[name]
    m = get_morphology(name)
    assert m.total_mass == pytest.approx(mass, abs=0.01)
    assert (m.thigh_length, m.calf_length) == pytest.approx((thigh, calf), abs=5e-5)
    assert m.thigh_offset == pytest.approx(offset, abs=5e-5)
    model = build_model(m)
    assert float(model.body_mass.sum()) == pytest.approx(mass, abs=0.01)
    assert model.nu == 12
    np.testing.assert_allclose(model.actuator_forcerange, np.tile([-torque, torque], (12, 1)))
    # All zero joint angles: each foot straight below its thigh joint, one leg length down.
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    for leg, name_ in enumerate(LEGS):
        site = data.site(f"{name_}_foot").xpos - data.body("trunk").xpos
        hip = m.hip_offsets[leg] + (0.0, LEG_SIDE[leg] * m.thigh_offset, 0.0)
        np.testing.assert_allclose(site, hip - (0.0, 0.0, m.leg_length), atol=1e-6)


def test_the_pairs_name_existing_presets():
    assert ROBOT_PAIRS["unitree"] == ("a1", "aliengo")
    assert ROBOT_PAIRS["anymal"] == ("anymal_b", "anymal_c")
    assert {name for pair in ROBOT_PAIRS.values() for name in pair} <= set(PRESETS)


def test_the_default_population_is_the_papers_pair():
    assert ROBOT_PAIRS["anymal"] == DEFAULT_ROBOTS
    assert GenerationConfig().robot_types == DEFAULT_ROBOTS
    assert QuadrupedRun().robot_types == DEFAULT_ROBOTS
    params, _ = sample_params(0, 0)
    assert params.robot_type in DEFAULT_ROBOTS


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("unitree", ("a1", "aliengo")), ("anymal", ("anymal_b", "anymal_c")), (" a1 ,", ("a1",))],
)
def test_robot_population_reads_pairs_and_lists(spec, expected):
    assert robot_population(spec) == expected


@pytest.mark.parametrize("spec", ["anymal_d", "", "a1,,b2"])
def test_unknown_robots_are_named_by_the_generation_check(spec):
    problems = GenerationConfig(robot_types=robot_population(spec)).problems()
    assert any(p.startswith("Expected robot_types among") for p in problems)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_standing_knees_point_as_documented(name):
    """ANYmal: front knees behind the hip-foot line, hind knees in front (the "X" stance)."""
    m = PRESETS[name]
    expected = (1, 1, -1, -1) if name.startswith("anymal") else (1, 1, 1, 1)
    assert m.knee_direction == expected
    terrain = flat_terrain()
    model = build_model(m, terrain)
    data = mujoco.MjData(model)
    controller = TrotController(m, m.total_mass, 0.5, terrain)
    controller.reset(np.array([1.0, 0.0, m.nominal_height]))
    data.qpos[:3] = (1.0, 0.0, m.nominal_height)
    data.qpos[3:7] = (1.0, 0.0, 0.0, 0.0)
    data.qpos[7:] = controller.q_target.ravel()
    mujoco.mj_forward(model, data)
    for leg, leg_name in enumerate(LEGS):
        hip = data.body(f"{leg_name}_thigh").xpos
        knee = data.body(f"{leg_name}_calf").xpos
        foot = data.site(f"{leg_name}_foot").xpos
        # Knee's x relative to the straight line from the thigh joint to the foot.
        along = (knee[2] - hip[2]) / (foot[2] - hip[2])
        ahead = knee[0] - (hip[0] + along * (foot[0] - hip[0]))
        assert np.sign(ahead) == -expected[leg], leg_name
        assert np.sign(controller.q_target[leg, 2]) == -expected[leg], leg_name


@pytest.mark.parametrize("name", sorted(ROBOT_PAIRS["anymal"]))
def test_anymal_walks_on_flat_ground_at_the_commanded_speed(name):
    from bams.sim.quadrupeds.episode import TrajectoryParams, run_episode

    params = TrajectoryParams(0, 0, name, 0.6, 1.0, ("flat",) * 6, (0.0,) * 6)
    episode = run_episode(params, flat_terrain(), duration=4.0, warmup=1.5)
    assert episode.success, episode.reason
    assert episode.achieved_speed == pytest.approx(0.6, abs=TRACKING_TOLERANCE)
