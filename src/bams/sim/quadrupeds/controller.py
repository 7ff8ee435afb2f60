"""A scripted trot controller (no learning), vectorized over the four legs.

Every control step (100 Hz) it computes joint position targets for the 12 position actuators:

- **Gait**: a trot (diagonal legs FR+RL and FL+RR in phase, 50% duty) at step frequency
  ``2.0 + 1.4 v sqrt(0.2 / thigh_length)`` Hz.
- **Stance feet** move backward at the commanded speed plus an integral term on the measured
  forward speed, in a frame aligned with the trunk's heading, and rotate at a yaw rate that
  steers the robot back to the centre line ``y = 0``.
- **Swing feet** land at ``nominal + 0.5 stance_time v + k (v_measured - v_command)`` (Raibert's
  rule), along a cycloid, lifted ``0.12`` leg lengths above the highest terrain on their path.
- **Body height** targets the mean terrain height under the hips plus the nominal height; the
  feet's heights come from the terrain at touchdown. Leg vectors are computed from *level* hip
  positions, then expressed in the actual trunk frame: roll and pitch are corrected by
  lengthening the legs on the low side.
- **Touchdown from the measured foot**: a stance foot is held where it actually landed (forward
  kinematics), at the terrain height there.
- **Weight feed-forward** on stance legs, ``tau = -J^T [0, 0, m g / n_stance]``, added to the
  position targets as ``tau / kp`` (so the actuators' torque limits still apply).
- **Closed-form inverse kinematics** of each leg (:mod:`bams.sim.quadrupeds.kinematics`), with
  each knee bent the way the morphology's ``knee_direction`` says.
"""

from __future__ import annotations

import numpy as np

from bams.sim.quadrupeds import kinematics
from bams.sim.quadrupeds.robots import LEG_SIDE, Morphology
from bams.sim.quadrupeds.terrain import Terrain

GRAVITY = 9.81
PHASE_OFFSET = np.array([0.0, 0.5, 0.5, 0.0])  # FR, FL, RR, RL: diagonal pairs in phase
DUTY = 0.5
LIFT = 0.12  # swing height, in leg lengths
RAIBERT_GAIN = 1.0  # x sqrt(height / g), the inverted pendulum's time constant
LATERAL_RAIBERT_GAIN = 1.0  # x sqrt(height / g)
ATTITUDE_GAIN = 1.0  # extra leg-length correction per radian of roll/pitch (x hip offset)
ATTITUDE_DAMPING = 0.05  # s
SPEED_INTEGRAL_GAIN = 1.5  # 1/s
SPEED_FILTER = 0.25  # s, time constant of the measured speed
HEIGHT_FILTER = 0.08  # s, time constant of the body height target
LATERAL_GAIN = 0.6  # rad/m: heading reference per metre off the centre line
YAW_GAIN = 2.0  # 1/s
RAMP = 1.0  # s to reach the commanded speed
N_PATH = 6  # terrain samples along each swing path
VELOCITY_FEEDFORWARD = 1 / 40  # kv / kp: joint velocity targets folded into position targets
MAX_RATE = 20.0  # rad/s, bound of the joint velocity targets
BALANCE_KP = 3.0  # N m / rad per kg: roll and pitch stiffness of the stance forces
BALANCE_KD = 0.3  # N m s / rad per kg
HEIGHT_KP = 0.0  # 1/s^2: height correction of the stance forces
HEIGHT_KD = 0.0  # 1/s
FRICTION = 0.6  # bound of the horizontal / vertical stance forces
SWING_LEAD = 0.02  # s: swing targets are taken this far ahead, to make up for tracking lag
TOUCHDOWN_DEPTH = 0.0  # m: swing feet aim this far below the ground at touchdown


def step_frequency(speed: float, thigh_length: float) -> float:
    """Trot step frequency (Hz) for a forward speed (m/s)."""
    return 2.0 + 1.4 * speed * np.sqrt(0.2 / thigh_length)


class TrotController:
    """Joint targets for a quadruped trotting along +x over a known terrain.

    Parameters
    ----------
    morphology
        The robot.
    total_mass
        Mass supported by the stance legs (kg), trunk and legs.
    command_speed
        Forward speed to track (m/s).
    terrain
        The terrain (its heights are looked up for foot placement and body height).
    dt
        Control period (s).
    """

    def __init__(
        self,
        morphology: Morphology,
        total_mass: float,
        command_speed: float,
        terrain: Terrain,
        dt: float = 0.02,
    ) -> None:
        m = morphology
        self.morphology = m
        self.terrain = terrain
        self.dt = dt
        self.command_speed = float(command_speed)
        self.weight = total_mass * GRAVITY
        self.mass = total_mass
        self._wrench = np.zeros((6, 12))
        self._regularization = np.array([1e-3, 1e-3, 1e-3, 1e-4, 1e-4, 1e-4])
        self.l1, self.l2 = m.thigh_length, m.calf_length
        self.offset = LEG_SIDE * m.thigh_offset
        self.knee = np.asarray(m.knee_direction, dtype=float)
        self.hips = m.hip_offsets  # (4, 3)
        self.nominal = self.hips[:, :2] + np.stack([np.zeros(4), self.offset], axis=1)
        self.frequency = step_frequency(self.command_speed, m.thigh_length)
        self.stance_time = DUTY / self.frequency
        self.swing_time = (1 - DUTY) / self.frequency
        self.lift = LIFT * m.leg_length
        self.radius = m.foot_radius
        self.pendulum = np.sqrt(m.nominal_height / GRAVITY)
        self.inv_kp = 1.0 / m.kp
        self._path = np.linspace(0.0, 1.0, N_PATH)
        self._nominal_perp = self.nominal[:, ::-1] * (-1.0, 1.0)
        self.reset(np.zeros(3))

    def reset(self, base: np.ndarray) -> None:
        """Start a new episode with the trunk at ``base`` (world position, shape ``(3,)``)."""
        self.time = 0.0
        self.phase = 0.0
        self.speed_integral = 0.0
        self.speed_filtered = 0.0
        self.stance = self.leg_phase() < DUTY
        self.stance_xy = self.nominal.copy()
        self.command_xy = self.nominal.copy()
        self.swing_start = base[None, :2] + self.nominal
        feet = self.swing_start
        self.foot_z = self.terrain.height(feet[:, 0], feet[:, 1]) + self.radius
        self.swing_start_z = self.foot_z.copy()
        self.height = float(np.mean(self.foot_z)) - self.radius + self.morphology.nominal_height
        legs = np.column_stack([self.nominal - self.hips[:, :2], self.foot_z - self.height])
        self.q_target = kinematics.inverse(legs, self.offset, self.l1, self.l2, knee=self.knee)

    def leg_phase(self) -> np.ndarray:
        """Gait phase of each leg in [0, 1), shape ``(4,)``; below 0.5 is stance."""
        return (self.phase + PHASE_OFFSET) % 1.0

    def step(self, qpos: np.ndarray, qvel: np.ndarray) -> np.ndarray:
        """Advance one control period and return the 12 actuator targets.

        Parameters
        ----------
        qpos
            Generalized positions, shape ``(19,)``: base position, base quaternion (w, x, y, z),
            12 joint angles.
        qvel
            Generalized velocities, shape ``(18,)``: base linear velocity (world frame), base
            angular velocity, 12 joint velocities.

        Returns
        -------
        np.ndarray
            Position targets (rad) of the actuators, shape ``(12,)``, legs FR, FL, RR, RL x
            (hip, thigh, calf), with the weight feed-forward folded in.
        """
        self.time += self.dt
        rot = _quat_to_mat(qpos[3:7])
        yaw = np.arctan2(rot[1, 0], rot[0, 0])
        cy, sy = np.cos(yaw), np.sin(yaw)
        heading = np.array([[cy, sy], [-sy, cy]])  # row vectors: xy_world = xy_heading @ heading
        forward = cy * qvel[0] + sy * qvel[1]
        lateral = -sy * qvel[0] + cy * qvel[1]
        reference, speed = self._track_speed(forward)
        yaw_ref = min(max(-LATERAL_GAIN * qpos[1], -0.3), 0.3)
        yaw_rate = min(max(YAW_GAIN * (yaw_ref - yaw), -0.6), 0.6)
        leg_phase, stance = self._advance_gait(qpos, rot, heading)
        xy = self._move_stance_feet(speed, yaw_rate)
        swing_xy, swing_z = self._swing_feet(
            leg_phase, qpos[:2], heading, qvel, forward, lateral, reference, yaw_rate
        )
        self._update_height(qpos[:2], heading)
        self.command_xy = np.where(stance[:, None], xy, swing_xy)
        q_target, tilt = self._leg_targets(stance, swing_z, rot, qvel, cy, sy)
        self.q_target = q_target
        tau, q_rate = self._feedforward(qpos, qvel, rot, stance, speed, tilt)
        return (q_target + tau * self.inv_kp + VELOCITY_FEEDFORWARD * q_rate).ravel()

    def _track_speed(self, forward: float) -> tuple[float, float]:
        """The ramped reference speed, and the speed sent to the feet (with the integral term)."""
        dt = self.dt
        self.speed_filtered += dt / SPEED_FILTER * (forward - self.speed_filtered)
        reference = self.command_speed * min(1.0, self.time / RAMP)
        self.speed_integral = min(
            max(
                self.speed_integral + SPEED_INTEGRAL_GAIN * (reference - self.speed_filtered) * dt,
                -0.5 * self.command_speed,
            ),
            self.command_speed,
        )
        return reference, reference + self.speed_integral

    def _advance_gait(
        self, qpos: np.ndarray, rot: np.ndarray, heading: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Advance the gait phase and handle touchdowns and lift-offs; return phases, stance."""
        # Targets are for the end of this control period.
        self.phase = (self.phase + self.frequency * self.dt) % 1.0
        leg_phase = self.leg_phase()
        stance = leg_phase < DUTY
        touchdown = stance & ~self.stance
        liftoff = ~stance & self.stance
        self.stance = stance
        base_xy = qpos[:2]
        if touchdown.any():
            # Where the foot really is, not where it was sent: tracking lag must not leave a
            # stance leg aiming at the wrong stair tread.
            q_now = qpos[7:19].reshape(4, 3)
            rel = (self.hips + kinematics.forward(q_now, self.offset, self.l1, self.l2)) @ rot.T
            actual = rel[touchdown, :2] @ heading.T
            self.stance_xy[touchdown] = actual
            world = base_xy + actual @ heading
            self.foot_z[touchdown] = self.terrain.height(world[:, 0], world[:, 1]) + self.radius
        if liftoff.any():
            self.swing_start[liftoff] = base_xy + self.stance_xy[liftoff] @ heading
            self.swing_start_z[liftoff] = self.foot_z[liftoff]
        return leg_phase, stance

    def _move_stance_feet(self, speed: float, yaw_rate: float) -> np.ndarray:
        """Translate the stance feet backward and rotate them against the yaw rate, in place."""
        xy = self.stance_xy  # in the heading frame
        turn = yaw_rate * self.dt
        xy[:, 0] -= speed * self.dt
        xy[:] = xy + turn * xy[:, ::-1] * (1.0, -1.0)
        return xy

    def _swing_feet(
        self, leg_phase, base_xy, heading, qvel, forward, lateral, reference, yaw_rate
    ) -> tuple[np.ndarray, np.ndarray]:
        """Swing foot targets: horizontal (heading frame) ``(4, 2)`` and heights ``(4,)``.

        Raibert landing point; a cycloid between lift-off and landing points in the world (so
        feet touch down at ground speed); lifted over the terrain on the path.
        """
        lead = leg_phase + SWING_LEAD * self.frequency
        s = np.clip((lead - DUTY) / (1 - DUTY), 0.0, 1.0)
        land = self.nominal + (0.5 * self.stance_time * yaw_rate) * self._nominal_perp
        land[:, 0] += 0.5 * self.stance_time * reference + RAIBERT_GAIN * self.pendulum * (
            forward - reference
        )
        land[:, 1] += LATERAL_RAIBERT_GAIN * self.pendulum * lateral
        remaining = (1 - s)[:, None] * self.swing_time
        land_world = base_xy + land @ heading + remaining * qvel[:2]
        start = self.swing_start
        path = start[:, :, None] + (land_world - start)[:, :, None] * self._path
        path_top = self.terrain.height(path[:, 0], path[:, 1]).max(axis=1) + self.radius
        land_z = self.terrain.height(land_world[:, 0], land_world[:, 1]) + self.radius
        top = np.maximum(np.maximum(self.swing_start_z, land_z), path_top) + self.lift
        progress = s - np.sin(2 * np.pi * s) / (2 * np.pi)
        swing_world = start + (land_world - start) * progress[:, None]
        swing_xy = (swing_world - base_xy) @ heading.T
        bump = 0.5 - 0.5 * np.cos(2 * np.pi * s)
        swing_z = np.where(
            s < 0.5,
            self.swing_start_z + (top - self.swing_start_z) * bump,
            land_z - TOUCHDOWN_DEPTH + (top - land_z + TOUCHDOWN_DEPTH) * bump,
        )
        return swing_xy, swing_z

    def _update_height(self, base_xy: np.ndarray, heading: np.ndarray) -> None:
        """Low-pass the body height towards the terrain under the hips plus the nominal height."""
        hips_world = base_xy + self.hips[:, :2] @ heading
        ground = float(np.mean(self.terrain.height(hips_world[:, 0], hips_world[:, 1])))
        target_height = ground + self.morphology.nominal_height
        self.height += self.dt / HEIGHT_FILTER * (target_height - self.height)

    def _leg_targets(self, stance, swing_z, rot, qvel, cy, sy) -> tuple[np.ndarray, np.ndarray]:
        """Joint targets ``(4, 3)`` of the commanded feet, and the trunk's tilt from its heading.

        Leg vectors are taken from level hips (plus an attitude correction), then expressed in
        the actual trunk frame.
        """
        legs = np.empty((4, 3))
        legs[:, :2] = self.command_xy - self.hips[:, :2]
        legs[:, 2] = np.where(stance, self.foot_z, swing_z) - self.height
        roll = np.arctan2(rot[2, 1], rot[2, 2])
        pitch = -np.arcsin(min(max(rot[2, 0], -1.0), 1.0))
        lift = ATTITUDE_GAIN * (roll + ATTITUDE_DAMPING * qvel[3])
        dive = ATTITUDE_GAIN * (pitch + ATTITUDE_DAMPING * qvel[4])
        legs[:, 2] += self.hips[:, 1] * lift - self.hips[:, 0] * dive
        tilt = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]]).T @ rot
        q = kinematics.inverse(legs @ tilt, self.offset, self.l1, self.l2, knee=self.knee)
        return q, tilt

    def _feedforward(self, qpos, qvel, rot, stance, speed, tilt) -> tuple[np.ndarray, np.ndarray]:
        """Stance joint torques ``(4, 3)`` and joint velocity targets ``(4, 3)``.

        The torques give the forces that carry the weight and hold the attitude; the velocities
        sweep the stance feet backward (so the actuators' damping does not brake them).
        """
        q_now = qpos[7:19].reshape(4, 3)
        jac = kinematics.jacobian(q_now, self.offset, self.l1, self.l2)
        feet = (self.hips + kinematics.forward(q_now, self.offset, self.l1, self.l2)) @ rot.T
        forces = self._distribute(feet, stance, rot, qpos, qvel)
        tau = -np.einsum("lij,li->lj", jac, forces @ rot)
        sweep = np.broadcast_to(-speed * tilt[0], (4, 3))[..., None]
        q_rate = np.linalg.solve(jac, sweep)[..., 0] * stance[:, None]
        q_rate = np.clip(q_rate, -MAX_RATE, MAX_RATE)
        return tau, q_rate

    def _distribute(self, feet, stance, rot, qpos, qvel) -> np.ndarray:
        """Ground forces of the stance feet (world frame), shape ``(4, 3)``.

        The least-norm forces whose total is the weight plus a height correction, and whose
        moment about the trunk holds roll and pitch at zero (a PD law); swing feet get none.
        """
        mask = stance.astype(float)
        a = self._wrench
        a[:3] = np.kron(mask, np.eye(3))
        x, y, z = feet[:, 0] * mask, feet[:, 1] * mask, feet[:, 2] * mask
        zero = np.zeros(4)
        skew = np.stack([[zero, -z, y], [z, zero, -x], [-y, x, zero]])  # (3, 3, 4)
        a[3:] = skew.transpose(0, 2, 1).reshape(3, 12)
        roll = np.arctan2(rot[2, 1], rot[2, 2])
        pitch = -np.arcsin(min(max(rot[2, 0], -1.0), 1.0))
        torque = -BALANCE_KP * np.array([roll, pitch, 0.0]) - BALANCE_KD * np.array(
            [qvel[3], qvel[4], 0.0]
        )
        lift = HEIGHT_KP * (self.height - qpos[2]) - HEIGHT_KD * qvel[2]
        target = np.array([0.0, 0.0, self.weight * (1 + lift / GRAVITY), 0, 0, 0])
        target[3:] = rot @ torque * self.mass
        gram = a @ a.T + np.diag(self._regularization)
        forces = (a.T @ np.linalg.solve(gram, target)).reshape(4, 3)
        forces[:, 2] = np.maximum(forces[:, 2], 0.0)
        horizontal = np.linalg.norm(forces[:, :2], axis=1)
        scale = np.minimum(1.0, FRICTION * forces[:, 2] / np.maximum(horizontal, 1e-9))
        forces[:, :2] *= scale[:, None]
        return forces


def _quat_to_mat(q: np.ndarray) -> np.ndarray:
    """Rotation matrix of a unit quaternion ``(w, x, y, z)``, shape ``(3, 3)``."""
    w, x, y, z = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )
