"""bams: self-supervised multi-timescale behavior analysis (Bootstrap Across Multiple Scales)."""

from bams.data import Recordings
from bams.estimator import BAMS

__version__ = "0.1.0"
__all__ = ["BAMS", "Recordings", "__version__"]
