"""Small helpers every stage uses: atomic file writes and stage timing."""

from bams.utils.atomic import atomic_path, atomic_write
from bams.utils.timing import Stopwatch

__all__ = ["Stopwatch", "atomic_path", "atomic_write"]
