"""One trajectory: draw its parameters, simulate it, record it, judge it.

A trajectory is a deterministic function of ``(seed, index)``: every parameter (robot type,
commanded speed, trunk mass, terrain segments and their difficulties, the pits and roughness) is
drawn from ``np.random.default_rng([seed, index])``, and MuJoCo's simulation is deterministic.

Physics runs at 200 Hz, control at 100 Hz and recording at 50 Hz. After an unrecorded warm-up
(1.5 s, during which the speed ramps up) the joint positions and velocities are recorded for
``duration`` seconds. A trajectory fails (and is not kept) if the trunk's roll or pitch exceeds
0.7 rad, the trunk drops below 0.45 x its nominal height above the ground, the trunk touches the
terrain, the simulation diverges, or its forward progress over the recorded period is below
0.7 x command x duration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bams.sim.quadrupeds.controller import TrotController
from bams.sim.quadrupeds.robots import DEFAULT_ROBOTS, JOINTS, LEGS, build_model, get_morphology
from bams.sim.quadrupeds.terrain import TERRAIN_TYPES, Terrain, make_terrain

PHYSICS_DT = 0.005
FRAME_RATE = 50.0
SUBSTEPS = 4  # physics steps per recorded frame
CONTROL_PER_FRAME = 2  # control updates per recorded frame (100 Hz)
START_X = 1.0
MAX_TILT = 0.7  # rad
MIN_HEIGHT = 0.45  # x nominal height
MIN_PROGRESS = 0.7  # x command x duration

FEATURE_NAMES = [f"{leg}_{joint}_pos" for leg in LEGS for joint in JOINTS] + [
    f"{leg}_{joint}_vel" for leg in LEGS for joint in JOINTS
]
"""The 24 recorded features: 12 joint angles (rad) then 12 joint velocities (rad/s)."""
ACTION_NAMES = FEATURE_NAMES[12:]
"""The actions (histogram-of-actions targets): the 12 joint velocities."""


@dataclass(frozen=True)
class TrajectoryParams:
    """Everything that defines one trajectory (besides its duration).

    Attributes
    ----------
    seed, index
        The pair the parameters were drawn from.
    robot_type
        Name of the morphology preset.
    command_speed
        Commanded forward speed (m/s).
    mass_scale
        Factor applied to the preset's trunk mass.
    segment_types
        Type of each terrain segment.
    segment_difficulties
        Difficulty of each segment in [0, 1].
    """

    seed: int
    index: int
    robot_type: str
    command_speed: float
    mass_scale: float
    segment_types: tuple[str, ...]
    segment_difficulties: tuple[float, ...]


@dataclass
class Episode:
    """A simulated trajectory and its outcome.

    Attributes
    ----------
    params
        Its parameters.
    features
        Joint positions then velocities, shape ``(T, 24)`` float32 (``T`` frames recorded
        before the end or the failure).
    frame_labels
        ``terrain_type``, ``terrain_slope``, ``terrain_difficulty``, each of shape ``(T,)``.
    trunk_mass, total_mass
        Masses of the simulated robot (kg).
    success
        Whether it passed the success filter.
    reason
        ``""`` on success, else the first failure: ``"tilt"``, ``"low"``, ``"trunk_contact"``,
        ``"diverged"`` or ``"progress"``.
    fail_time
        Recorded time (s) of the failure (negative: during warm-up), NaN on success.
    distance
        Forward progress over the recorded frames (m).
    achieved_speed
        ``distance`` divided by the recorded time (m/s).
    segment
        Index of the terrain segment under the trunk at the end (0: flat start).
    qpos
        Generalized positions at every recorded frame, shape ``(T, 19)``, if requested.
    """

    params: TrajectoryParams
    features: np.ndarray
    frame_labels: dict[str, np.ndarray]
    trunk_mass: float
    total_mass: float
    success: bool
    reason: str
    fail_time: float
    distance: float
    achieved_speed: float
    segment: int
    qpos: np.ndarray | None = field(default=None, repr=False)


def sample_params(
    seed: int,
    index: int,
    *,
    difficulty: tuple[float, float] = (0.0, 1.0),
    robot_types: tuple[str, ...] = DEFAULT_ROBOTS,
    speed_range: tuple[float, float] = (0.3, 1.0),
    mass_range: tuple[float, float] = (0.8, 1.2),
    terrain_types: tuple[str, ...] = TERRAIN_TYPES,
    n_segments: int = 6,
) -> tuple[TrajectoryParams, Terrain]:
    """Draw the parameters and the terrain of trajectory ``index`` of a dataset of ``seed``.

    Parameters
    ----------
    seed, index
        The random stream is ``np.random.default_rng([seed, index])``.
    difficulty
        Range of the segments' difficulties (uniform).
    robot_types
        Morphology presets to choose from (uniform); the default is the paper's pair
        (ANYmal B and C), ``ROBOT_PAIRS["unitree"]`` of :mod:`bams.sim.quadrupeds.robots`
        the Unitree A1 and Aliengo.
    speed_range
        Range of commanded speeds (m/s, uniform).
    mass_range
        Range of the trunk mass factor (uniform).
    terrain_types
        Segment types to choose from (uniform, independently per segment).
    n_segments
        Number of terrain segments between the flat start and end.

    Returns
    -------
    tuple
        The :class:`TrajectoryParams` and the :class:`Terrain`.

    Examples
    --------
    >>> params, terrain = sample_params(0, 3)
    >>> params.robot_type in ("anymal_b", "anymal_c"), len(terrain.types)
    (True, 8)
    """
    rng = np.random.default_rng([seed, index])
    robot = str(robot_types[int(rng.integers(len(robot_types)))])
    speed = float(rng.uniform(*speed_range))
    mass_scale = float(rng.uniform(*mass_range))
    types = tuple(str(terrain_types[i]) for i in rng.integers(len(terrain_types), size=n_segments))
    difficulties = tuple(float(d) for d in rng.uniform(*difficulty, size=n_segments))
    terrain = make_terrain(types, difficulties, rng)
    params = TrajectoryParams(seed, index, robot, speed, mass_scale, types, difficulties)
    return params, terrain


def run_episode(
    params: TrajectoryParams,
    terrain: Terrain,
    *,
    duration: float = 20.0,
    warmup: float = 1.5,
    keep_qpos: bool = False,
) -> Episode:
    """Simulate one trajectory and record it at 50 Hz.

    Parameters
    ----------
    params, terrain
        From :func:`sample_params`.
    duration
        Recorded time (s); ``round(duration * 50)`` frames when the trajectory succeeds.
    warmup
        Unrecorded time before it (s).
    keep_qpos
        Also return the generalized positions of the recorded frames (for rendering).

    Returns
    -------
    Episode
        The recording (cut at the failure, if any) and the outcome.
    """
    import mujoco

    morphology = get_morphology(params.robot_type)
    morphology = morphology.with_trunk_mass(morphology.trunk_mass * params.mass_scale)
    model = build_model(morphology, terrain)
    data = mujoco.MjData(model)
    total_mass = float(model.body_mass.sum())
    trunk_geom = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, "trunk")

    controller = _start(model, data, morphology, params, terrain, total_mass)
    n_frames = round(duration * FRAME_RATE)
    features, positions, base_xy, reason, fail_frame, recorded = _record(
        model,
        data,
        controller,
        terrain,
        morphology.nominal_height,
        trunk_geom,
        round(warmup * FRAME_RATE),
        n_frames,
        keep_qpos,
    )
    distance = float(base_xy[recorded - 1, 0] - base_xy[0, 0]) if recorded else 0.0
    elapsed = max(recorded - 1, 1) / FRAME_RATE
    if not reason and distance < MIN_PROGRESS * params.command_speed * duration:
        reason = "progress"
    labels = terrain.labels(base_xy[:recorded, 0], base_xy[:recorded, 1])
    return Episode(
        params=params,
        features=features[:recorded],
        frame_labels=labels,
        trunk_mass=morphology.trunk_mass,
        total_mass=total_mass,
        success=not reason,
        reason=reason,
        fail_time=fail_frame / FRAME_RATE if reason and reason != "progress" else float("nan"),
        distance=distance,
        achieved_speed=distance / elapsed,
        segment=int(terrain.segment_index(data.qpos[0])),
        qpos=None if positions is None else positions[:recorded],
    )


def _start(model, data, morphology, params, terrain, total_mass) -> TrotController:
    """Place the robot standing at the start and return its controller, reset there."""
    import mujoco

    base = np.array([START_X, 0.0, 0.0])
    base[2] = float(terrain.height(START_X, 0.0)) + morphology.nominal_height
    control_dt = 1 / (FRAME_RATE * CONTROL_PER_FRAME)
    controller = TrotController(morphology, total_mass, params.command_speed, terrain, control_dt)
    controller.reset(base)
    joints = controller.q_target
    data.qpos[:3] = base
    data.qpos[3:7] = (1.0, 0.0, 0.0, 0.0)
    data.qpos[7:] = joints.ravel()
    data.ctrl[:] = joints.ravel()
    mujoco.mj_forward(model, data)
    return controller


def _record(
    model, data, controller, terrain, nominal, trunk_geom, n_warm, n_frames, keep_qpos
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, str, int, int]:
    """Warm up, then simulate and record ``n_frames`` frames or until the robot fails.

    Returns
    -------
    tuple
        The features ``(n_frames, 24)``, the positions ``(n_frames, 19)`` (or ``None``) and the
        trunk's ``(n_frames, 2)`` horizontal positions (valid up to the frames recorded), the
        failure reason (or ``""``), the frame after the failure (0 if none) and the number of
        frames recorded.
    """
    import mujoco

    features = np.empty((n_frames, 24), dtype=np.float32)
    positions = np.empty((n_frames, 19)) if keep_qpos else None
    base_xy = np.empty((n_frames, 2))
    qpos, qvel, ctrl = data.qpos, data.qvel, data.ctrl
    reason, fail_frame, recorded = "", 0, 0
    for k in range(n_warm + n_frames):
        frame = k - n_warm
        if frame >= 0:
            features[frame, :12] = qpos[7:]
            features[frame, 12:] = qvel[6:]
            base_xy[frame] = qpos[:2]
            if positions is not None:
                positions[frame] = qpos
            recorded = frame + 1
        for _ in range(CONTROL_PER_FRAME):
            ctrl[:] = controller.step(qpos, qvel)
            mujoco.mj_step(model, data, nstep=SUBSTEPS // CONTROL_PER_FRAME)
        reason = _failure(qpos, data, terrain, nominal, trunk_geom)
        if reason:
            fail_frame = frame + 1
            break
    return features, positions, base_xy, reason, fail_frame, recorded


def _failure(qpos, data, terrain: Terrain, nominal: float, trunk_geom: int) -> str:
    """The reason the trajectory fails now, or ``""``."""
    if not np.isfinite(qpos[:3]).all():
        return "diverged"
    w, x, y, z = qpos[3:7]
    roll = np.arctan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = np.arcsin(np.clip(2 * (w * y - z * x), -1.0, 1.0))
    if abs(roll) > MAX_TILT or abs(pitch) > MAX_TILT:
        return "tilt"
    if qpos[2] - terrain.height(qpos[0], qpos[1]) < MIN_HEIGHT * nominal:
        return "low"
    if data.ncon and (data.contact.geom == trunk_geom).any():
        return "trunk_contact"
    return ""
