"""The data model (:class:`Recordings`), its checks and its file formats (.npz, .bams store)."""

from bams.data.npz import FORMAT_VERSION, atomic_savez
from bams.data.recordings import PART_LABEL, SOURCE_LABEL, Recordings, as_recordings
from bams.data.store import STORE_FORMAT, STORE_VERSION, StoreWriter, write_store
from bams.data.store_reader import convert, open_store

__all__ = [
    "FORMAT_VERSION",
    "PART_LABEL",
    "SOURCE_LABEL",
    "STORE_FORMAT",
    "STORE_VERSION",
    "Recordings",
    "StoreWriter",
    "as_recordings",
    "atomic_savez",
    "convert",
    "open_store",
    "write_store",
]
