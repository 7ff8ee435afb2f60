"""Pure functions that turn keypoint trajectories into behavior features."""

from bams.features.egocentric import EgocentricFeatures, egocentric_features
from bams.features.kinematics import (
    angular_velocity,
    backward_difference,
    mark_missing,
    rotate,
    wrap_angle,
)

__all__ = [
    "EgocentricFeatures",
    "angular_velocity",
    "backward_difference",
    "egocentric_features",
    "mark_missing",
    "rotate",
    "wrap_angle",
]
