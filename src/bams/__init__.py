"""bams: self-supervised multi-timescale behavior analysis (Bootstrap Across Multiple Scales)."""

from bams.data import Recordings, StoreWriter, open_store
from bams.estimator import BAMS

__version__ = "0.1.0"
__all__ = ["BAMS", "Recordings", "StoreWriter", "__version__", "open_store"]
