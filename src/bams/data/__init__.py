"""The data model (:class:`Recordings`), its checks and its file format."""

from bams.data.npz import FORMAT_VERSION, atomic_savez
from bams.data.recordings import PART_LABEL, SOURCE_LABEL, Recordings, as_recordings

__all__ = [
    "FORMAT_VERSION",
    "PART_LABEL",
    "SOURCE_LABEL",
    "Recordings",
    "as_recordings",
    "atomic_savez",
]
