"""Parametric 12-DoF quadruped models: morphology presets and an MJCF builder.

The presets follow published robot descriptions (masses, trunk size, hip positions, link
lengths, foot radius, torque limits): ANYbotics ANYmal B and C (the paper's pair and the
dataset's default, from MuJoCo Menagerie) and Unitree A1 and Aliengo. Collision uses only
boxes, capsules and spheres, so no mesh assets ship and every number is a knob of a
:class:`Morphology`.

Coordinates: x forward, y left, z up. Legs are ordered FR, FL, RR, RL and each has a hip
abduction joint (about x), a thigh joint and a calf joint (both about y); a positive thigh angle
swings the foot backward. All zero angles is a straight leg pointing down. Each leg's knee bends
backward (negative calf angle: A1, Aliengo) or forward (positive: ANYmal's hind legs), as the
morphology's ``knee_direction`` says.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

LEGS = ("FR", "FL", "RR", "RL")
JOINTS = ("hip", "thigh", "calf")
# Sign of each leg along x (front +1) and y (left +1).
LEG_FORE = np.array([1.0, 1.0, -1.0, -1.0])
LEG_SIDE = np.array([-1.0, 1.0, -1.0, 1.0])


@dataclass(frozen=True)
class Morphology:
    """Dimensions, masses and actuator settings of a quadruped.

    Parameters
    ----------
    name
        Robot type label, e.g. ``"a1"``.
    trunk_mass
        Nominal trunk mass (kg); a trajectory scales it by 0.8-1.2.
    trunk_half_size
        Trunk box half-sizes ``(x, y, z)`` in m.
    hip_position
        ``(x, y)`` of the front-left hip joint relative to the trunk centre (m); the other hips
        mirror it.
    thigh_offset
        Lateral distance from the hip abduction joint to the thigh joint (m).
    thigh_length, calf_length
        Link lengths (m); the foot centre is at the end of the calf.
    hip_mass, thigh_mass, calf_mass
        Link masses (kg), per leg.
    foot_radius
        Foot sphere radius (m).
    torque_limit
        Actuator force limit of every joint (N m).
    kp
        Position gain of the joint actuators (N m / rad); the damping is ``kp / 40``.
    knee_direction
        Per leg (FR, FL, RR, RL), ``+1`` if the knee points backward (negative calf angle),
        ``-1`` if it points forward; the controller's inverse kinematics follows it.
    height_ratio
        Standing height of the trunk centre above the ground, in leg lengths.
    """

    name: str
    trunk_mass: float
    trunk_half_size: tuple[float, float, float]
    hip_position: tuple[float, float]
    thigh_offset: float
    thigh_length: float
    calf_length: float
    hip_mass: float
    thigh_mass: float
    calf_mass: float
    foot_radius: float
    torque_limit: float
    kp: float
    knee_direction: tuple[int, int, int, int] = (1, 1, 1, 1)
    height_ratio: float = 0.7

    @property
    def leg_mass(self) -> float:
        """Mass of one leg (kg)."""
        return self.hip_mass + self.thigh_mass + self.calf_mass

    @property
    def total_mass(self) -> float:
        """Nominal total mass (kg): trunk and four legs."""
        return self.trunk_mass + 4 * self.leg_mass

    @property
    def leg_length(self) -> float:
        """Thigh plus calf length (m)."""
        return self.thigh_length + self.calf_length

    @property
    def nominal_height(self) -> float:
        """Standing height of the trunk centre above the ground (m): ``height_ratio`` legs."""
        return self.height_ratio * self.leg_length

    @property
    def hip_offsets(self) -> np.ndarray:
        """Hip joint positions in the trunk frame, shape ``(4, 3)``, legs FR, FL, RR, RL."""
        x, y = self.hip_position
        return np.stack([LEG_FORE * x, LEG_SIDE * y, np.zeros(4)], axis=1)

    def with_trunk_mass(self, trunk_mass: float) -> Morphology:
        """Return a copy with another trunk mass."""
        return dataclasses.replace(self, trunk_mass=float(trunk_mass))


PRESETS: dict[str, Morphology] = {
    "a1": Morphology(
        name="a1",
        trunk_mass=4.7,
        trunk_half_size=(0.134, 0.097, 0.057),
        hip_position=(0.183, 0.047),
        thigh_offset=0.085,
        thigh_length=0.20,
        calf_length=0.20,
        hip_mass=0.70,
        thigh_mass=1.01,
        calf_mass=0.23,
        foot_radius=0.020,
        torque_limit=33.5,
        kp=80.0,
    ),
    "aliengo": Morphology(
        name="aliengo",
        trunk_mass=9.0,
        trunk_half_size=(0.324, 0.075, 0.056),
        hip_position=(0.240, 0.051),
        thigh_offset=0.083,
        thigh_length=0.25,
        calf_length=0.25,
        hip_mass=1.99,
        thigh_mass=0.64,
        calf_mass=0.27,
        foot_radius=0.0265,
        torque_limit=44.4,
        kp=150.0,
    ),
    # ANYmal B and C: google-deepmind/mujoco_menagerie, anybotics_anymal_b/anymal_b.xml and
    # anybotics_anymal_c/anymal_c.xml (body positions, inertial masses, position actuators'
    # forcerange); docs/quadrupeds.md tabulates them and how they map here. Hip x is the thigh
    # joint's (HFE) x; thigh_offset sums the lateral offsets from the abduction axis to the
    # foot; calf_length is the straight knee-foot distance (the real shank is crooked). Front
    # knees point backward, hind knees forward, as the "standing" keyframe of
    # anybotics_anymal_c/anymal_c_mjx.xml puts them.
    "anymal_b": Morphology(
        name="anymal_b",
        trunk_mass=19.2035,
        trunk_half_size=(0.2655, 0.135, 0.12),  # base collision box (centred at z +0.08)
        hip_position=(0.277 + 0.0635, 0.116),
        thigh_offset=0.041 + 0.109 - 0.02,
        thigh_length=0.25,
        calf_length=float(np.hypot(0.1, 0.298)),
        hip_mass=1.42462,
        thigh_mass=1.63498,
        calf_mass=0.472163,
        foot_radius=0.031,
        torque_limit=40.0,
        kp=250.0,
        knee_direction=(1, 1, -1, -1),
        height_ratio=0.8,
    ),
    "anymal_c": Morphology(
        name="anymal_c",
        trunk_mass=19.2035,
        trunk_half_size=(0.29, 0.16, 0.09),  # main box and its four side cylinders (r 0.09)
        hip_position=(0.2999 + 0.0599, 0.104),
        thigh_offset=0.08381 + 0.1003 + 0.01305,
        thigh_length=0.285,
        calf_length=float(np.hypot(0.08795, 0.31547)),
        hip_mass=2.781,
        thigh_mass=3.071,
        calf_mass=0.58842,
        foot_radius=0.03,
        torque_limit=80.0,
        kp=250.0,
        knee_direction=(1, 1, -1, -1),
        height_ratio=0.8,
    ),
}
"""The morphologies (robot types) by name: the ANYmal pair and the Unitree pair."""


ROBOT_PAIRS: dict[str, tuple[str, str]] = {
    "unitree": ("a1", "aliengo"),
    "anymal": ("anymal_b", "anymal_c"),
}
"""Named robot populations (``robot_types`` of a dataset)."""
DEFAULT_ROBOTS: tuple[str, ...] = ROBOT_PAIRS["anymal"]
"""The default ``robot_types`` of a dataset: the paper's pair, ANYmal B and ANYmal C."""


def robot_population(spec: str) -> tuple[str, ...]:
    """Robot types from a name of :data:`ROBOT_PAIRS` or a comma-separated list of presets.

    The names are not checked here: :meth:`GenerationConfig.problems
    <bams.sim.quadrupeds.dataset.GenerationConfig.problems>` names unknown ones.

    Examples
    --------
    >>> robot_population("anymal"), robot_population("anymal_c, a1")
    (('anymal_b', 'anymal_c'), ('anymal_c', 'a1'))
    """
    if spec in ROBOT_PAIRS:
        return ROBOT_PAIRS[spec]
    return tuple(name.strip() for name in spec.split(",") if name.strip())


def get_morphology(name: str) -> Morphology:
    """Return the preset called ``name`` (``"a1"``, ``"aliengo"``, ``"anymal_b"``, ``"anymal_c"``).

    Raises
    ------
    ValueError
        If there is no such preset.
    """
    if name not in PRESETS:
        raise ValueError(f"Expected a robot type among {sorted(PRESETS)}, but got {name!r}.")
    return PRESETS[name]


def _fmt(*values: float) -> str:
    return " ".join(f"{v:.6g}" for v in values)


def _box_inertia(mass: float, half: tuple[float, float, float]) -> tuple[float, float, float]:
    a, b, c = (2 * h for h in half)
    return (mass * (b * b + c * c) / 12, mass * (a * a + c * c) / 12, mass * (a * a + b * b) / 12)


def _rod_inertia(mass: float, length: float, radius: float) -> tuple[float, float, float]:
    across = mass * (3 * radius**2 + length**2) / 12
    return (across, across, mass * radius**2 / 2)


def _leg_xml(m: Morphology, leg: int) -> str:
    """MJCF of one leg (hip, thigh and calf bodies) attached to the trunk."""
    name = LEGS[leg]
    hx, hy, _ = m.hip_offsets[leg]
    side = LEG_SIDE[leg]
    l1, l2, r = m.thigh_length, m.calf_length, m.foot_radius
    hip_inertia = _box_inertia(m.hip_mass, (0.04, 0.04, 0.04))
    thigh_inertia = _rod_inertia(m.thigh_mass, l1, 0.03)
    calf_inertia = _rod_inertia(m.calf_mass, l2, 0.015)
    return f"""
      <body name="{name}_hip" pos="{_fmt(hx, hy, 0)}">
        <inertial pos="0 {side * 0.01:.4g} 0" mass="{m.hip_mass:.6g}"
          diaginertia="{_fmt(*hip_inertia)}"/>
        <joint name="{name}_hip_joint" axis="1 0 0"/>
        <geom class="link" type="cylinder" size="0.045 0.025" zaxis="0 1 0"/>
        <body name="{name}_thigh" pos="{_fmt(0, side * m.thigh_offset, 0)}">
          <inertial pos="{_fmt(0, 0, -l1 / 2)}" mass="{m.thigh_mass:.6g}"
            diaginertia="{_fmt(*thigh_inertia)}"/>
          <joint name="{name}_thigh_joint" axis="0 1 0"/>
          <geom class="visual" type="capsule" size="0.022"
            fromto="{_fmt(0, 0, 0, 0, 0, -l1)}"/>
          <body name="{name}_calf" pos="{_fmt(0, 0, -l1)}">
            <inertial pos="{_fmt(0, 0, -l2 / 2)}" mass="{m.calf_mass:.6g}"
              diaginertia="{_fmt(*calf_inertia)}"/>
            <joint name="{name}_calf_joint" axis="0 1 0"/>
            <geom class="link" type="capsule" size="0.012"
              fromto="{_fmt(0, 0, 0, 0, 0, -(l2 - r))}"/>
            <geom name="{name}_foot" class="foot" type="sphere" size="{r:.6g}"
              pos="{_fmt(0, 0, -l2)}"/>
            <site name="{name}_foot" pos="{_fmt(0, 0, -l2)}" size="0.005"/>
          </body>
        </body>
      </body>"""


def model_xml(
    morphology: Morphology,
    hfield_shape: tuple[int, int] = (101, 751),
    hfield_size: tuple[float, float, float, float] = (15.0, 2.0, 1.0, 0.2),
    hfield_pos: tuple[float, float, float] = (15.0, 0.0, 0.0),
) -> str:
    """MJCF text of the robot on a heightfield terrain (heights are written after compiling).

    Parameters
    ----------
    morphology
        The robot; its ``trunk_mass`` is used as is.
    hfield_shape
        ``(nrow, ncol)`` of the heightfield: rows along y, columns along x.
    hfield_size
        MuJoCo heightfield size ``(half length x, half width y, elevation range, base depth)``.
    hfield_pos
        Position of the heightfield's centre (its lowest elevation is at this z).

    Returns
    -------
    str
        The model; the free joint is first, then the 12 leg joints in the order FR, FL, RR, RL
        x (hip, thigh, calf), then 12 position actuators in the same order.
    """
    m = morphology
    trunk_inertia = _box_inertia(m.trunk_mass, m.trunk_half_size)
    legs = "".join(_leg_xml(m, i) for i in range(4))
    kv = m.kp / 40.0
    actuators = "\n".join(
        f'    <position name="{leg}_{joint}" joint="{leg}_{joint}_joint" kp="{m.kp:.6g}" '
        f'kv="{kv:.6g}" forcerange="{_fmt(-m.torque_limit, m.torque_limit)}"/>'
        for leg in LEGS
        for joint in JOINTS
    )
    nrow, ncol = hfield_shape
    z0 = m.nominal_height + 0.05
    return f"""<mujoco model="quadruped_{m.name}">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="0.005" integrator="implicitfast"/>
  <visual><global offwidth="640" offheight="480"/><quality shadowsize="2048"/></visual>
  <asset>
    <texture name="grid" type="2d" builtin="checker" rgb1="0.55 0.6 0.65" rgb2="0.45 0.5 0.55"
      width="300" height="300"/>
    <material name="ground" texture="grid" texrepeat="30 4" texuniform="false"/>
    <texture name="sky" type="skybox" builtin="gradient" rgb1="0.7 0.8 0.95" rgb2="0.2 0.3 0.4"
      width="64" height="64"/>
    <hfield name="terrain" nrow="{nrow}" ncol="{ncol}" size="{_fmt(*hfield_size)}"/>
  </asset>
  <default>
    <joint armature="0.01" damping="0.1"/>
    <geom contype="2" conaffinity="1" friction="1.0 0.02 0.01" rgba="0.25 0.25 0.3 1"/>
    <default class="link"><geom rgba="0.3 0.3 0.35 1"/></default>
    <default class="visual"><geom contype="0" conaffinity="0" rgba="0.35 0.35 0.4 1"/></default>
    <default class="foot"><geom rgba="0.1 0.1 0.1 1"/></default>
  </default>
  <worldbody>
    <light pos="0 0 6" dir="0 0 -1" directional="true"/>
    <geom name="terrain" type="hfield" hfield="terrain" pos="{_fmt(*hfield_pos)}"
      contype="1" conaffinity="2" material="ground"/>
    <body name="trunk" pos="{_fmt(1.0, 0, z0)}">
      <camera name="track" mode="trackcom" pos="-0.6 -1.6 0.7" xyaxes="0.94 -0.34 0 0.15 0.4 0.9"/>
      <freejoint name="root"/>
      <inertial pos="0 0 0" mass="{m.trunk_mass:.6g}" diaginertia="{_fmt(*trunk_inertia)}"/>
      <geom name="trunk" type="box" size="{_fmt(*m.trunk_half_size)}" rgba="0.8 0.55 0.2 1"/>
{legs}
    </body>
  </worldbody>
  <actuator>
{actuators}
  </actuator>
</mujoco>
"""


def build_model(morphology: Morphology, terrain=None):
    """Compile the robot (and the terrain's heights, when given) into a ``mujoco.MjModel``.

    Parameters
    ----------
    morphology
        The robot.
    terrain
        A :class:`bams.sim.quadrupeds.terrain.Terrain`; ``None`` gives flat ground.

    Returns
    -------
    mujoco.MjModel
        The compiled model with the terrain heights written into ``hfield_data``.

    Examples
    --------
    >>> model = build_model(PRESETS["a1"])  # doctest: +SKIP
    >>> round(float(model.body_mass.sum()), 2)  # doctest: +SKIP
    12.46
    """
    import mujoco

    if terrain is None:
        from bams.sim.quadrupeds.terrain import flat_terrain

        terrain = flat_terrain()
    heights = terrain.heights
    low = float(heights.min())
    span = max(float(heights.max()) - low, 0.01)
    nrow, ncol = heights.shape
    half_x = (ncol - 1) * terrain.resolution / 2
    half_y = (nrow - 1) * terrain.resolution / 2
    xml = model_xml(
        morphology,
        hfield_shape=(nrow, ncol),
        hfield_size=(half_x, half_y, span, 0.2),
        hfield_pos=(terrain.x0 + half_x, terrain.y0 + half_y, low),
    )
    model = mujoco.MjModel.from_xml_string(xml)
    model.hfield_data[:] = ((heights - low) / span).astype(np.float32).ravel()
    return model
