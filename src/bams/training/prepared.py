"""Preprocessed training recordings, in memory or memory-mapped from a folder on disk.

Both backings hold the same arrays: ``inputs`` ``(N, C)`` float32 (frames first, so a training
window is one contiguous read) and ``bins`` ``(N, A)`` int16. On disk they are ``inputs.npy``
and ``bins.npy`` in a folder, with ``meta.json`` saying what they were made from (the
recordings' fingerprint, source and its modification time, and a digest of the preprocessing
state): a folder that matches is reused, one that does not is rebuilt. It is written one
recording at a time (in blocks of ``BLOCK_FRAMES``) into a temporary sibling folder, renamed
into place when complete, so memory does not grow with the data.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bams.data import Recordings
from bams.data.store_reader import release_pages
from bams.preprocessing import Preprocessor
from bams.utils.atomic import atomic_write, publish_directory, temporary_directory

__all__ = [
    "BLOCK_FRAMES",
    "PreparedRecordings",
    "open_prepared",
    "prepared_key",
    "write_prepared",
]

PREPARED_FORMAT = "bams-prepared"
PREPARED_VERSION = 1
BLOCK_FRAMES = 1 << 18
"""Frames preprocessed at a time when writing to disk (a long recording goes in blocks)."""
_INPUTS, _BINS, _META = "inputs.npy", "bins.npy", "meta.json"


@dataclass
class PreparedRecordings:
    """Preprocessed recordings, concatenated along time.

    Attributes
    ----------
    inputs
        ``(N, C)`` float32 network inputs (frames first; validity channel last), ``N`` =
        total frames.
    bins
        ``(N, A)`` int16 action bins, -1 where missing.
    starts, lengths
        ``(n_recordings,)`` first frame and number of frames of each recording.
    directory
        The folder the arrays are memory-mapped from, or ``None`` in memory. Pickling a
        memory-mapped one (e.g. to a DataLoader worker) sends the path, not the values: the
        arrays are reopened where it is unpickled.
    """

    inputs: np.ndarray
    bins: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    directory: Path | None = None
    valid_frames: int | None = None

    @classmethod
    def build(cls, data: Recordings, preprocessor: Preprocessor) -> PreparedRecordings:
        """Preprocess every recording of ``data`` into one block of memory."""
        lengths, starts = _layout(data)
        total = int(lengths.sum())
        inputs = np.empty((total, preprocessor.n_inputs), dtype=np.float32)
        bins = np.empty((total, preprocessor.n_actions), dtype=np.int16)
        valid, row = 0, 0
        for block_inputs, block_bins in _blocks(data, preprocessor):
            rows = slice(row, row + len(block_inputs))
            inputs[rows], bins[rows] = block_inputs, block_bins
            valid += int(block_inputs[:, -1].sum(dtype=np.float64))
            row = rows.stop
        return cls(inputs, bins, starts, lengths, valid_frames=valid)

    @property
    def n_inputs(self) -> int:
        """Input channels ``C``."""
        return int(self.inputs.shape[1])

    @property
    def n_actions(self) -> int:
        """Action features ``A``."""
        return int(self.bins.shape[1])

    def recording(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """``(inputs, bins)`` of recording ``index``: views, ``(T_i, C)`` and ``(T_i, A)``."""
        start, length = int(self.starts[index]), int(self.lengths[index])
        return self.inputs[start : start + length], self.bins[start : start + length]

    def valid_fraction(self) -> float:
        """Fraction of frames with every (not optional) feature observed.

        Counted when the data were prepared; read in blocks otherwise.
        """
        total = len(self.inputs)
        if not total:
            return 0.0
        if self.valid_frames is not None:
            return self.valid_frames / total
        valid = sum(
            float(self.inputs[a : a + BLOCK_FRAMES, -1].sum(dtype=np.float64))
            for a in range(0, total, BLOCK_FRAMES)
        )
        return valid / total

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        if self.directory is not None:  # reopen by path: never copy a memory map
            state["inputs"] = state["bins"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.directory is not None:
            self.inputs = np.load(Path(self.directory, _INPUTS), mmap_mode="r")
            self.bins = np.load(Path(self.directory, _BINS), mmap_mode="r")


def prepared_key(data: Recordings, preprocessor: Preprocessor) -> dict:
    """What a prepared folder is made from; a folder is reused only when this matches."""
    source, modified = None, None
    if data.source:
        path = Path(data.source).resolve()
        stamp = path / "meta.json" if path.is_dir() else path  # a store's meta, or the file
        source = str(path)
        modified = stamp.stat().st_mtime_ns if stamp.exists() else None
    return {
        "format": PREPARED_FORMAT,
        "version": PREPARED_VERSION,
        "fingerprint": data.fingerprint,
        "source": source,
        "source_mtime_ns": modified,
        "preprocessing": _state_digest(preprocessor),
        "shape": [int(data.lengths.sum()), preprocessor.n_inputs, preprocessor.n_actions],
    }


def open_prepared(
    directory: str | os.PathLike, data: Recordings, preprocessor: Preprocessor
) -> PreparedRecordings | None:
    """The prepared folder ``directory`` memory-mapped, or ``None`` if absent or out of date."""
    directory = Path(directory)
    try:
        meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        valid = meta.pop("valid_frames", None)
        if meta != prepared_key(data, preprocessor):
            return None
        inputs = np.load(directory / _INPUTS, mmap_mode="r")
        bins = np.load(directory / _BINS, mmap_mode="r")
    except (OSError, ValueError):  # missing, unreadable or truncated: rebuilt
        return None
    total, n_inputs, n_actions = meta["shape"]
    if inputs.shape != (total, n_inputs) or bins.shape != (total, n_actions):
        return None
    lengths, starts = _layout(data)
    return PreparedRecordings(
        inputs, bins, starts, lengths, directory=directory, valid_frames=valid
    )


def write_prepared(
    directory: str | os.PathLike, data: Recordings, preprocessor: Preprocessor
) -> PreparedRecordings:
    """Preprocess ``data`` into the folder ``directory`` (replaced) and memory-map it.

    Written into a temporary sibling folder, one block of frames at a time, then renamed into
    place: memory stays bounded by a block, whatever the size of ``data``.
    """
    directory = Path(directory)
    tmp = temporary_directory(directory)
    try:
        write_prepared_into(tmp, data, preprocessor)
        publish_directory(tmp, directory, overwrite=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    prepared = open_prepared(directory, data, preprocessor)
    if prepared is None:  # replaced under us by a writer of other recordings
        raise ValueError(
            f"Expected the prepared training data just written in {str(directory)!r}, but "
            "another run replaced them; give each run its own prepared_dir."
        )
    return prepared


def write_prepared_into(directory: Path, data: Recordings, preprocessor: Preprocessor) -> None:
    """Write the arrays and ``meta.json`` into the existing, empty folder ``directory``.

    The arrays are written as a stream of blocks, never mapped: neither the recordings read
    (store pages are released, :func:`~bams.data.store_reader.release_pages`) nor the rows
    written stay in this process's memory.
    """
    total = int(np.sum(data.lengths))
    layouts = [
        ((total, preprocessor.n_inputs), np.float32),
        ((total, preprocessor.n_actions), np.int16),
    ]
    valid = 0
    with (directory / _INPUTS).open("wb") as inputs, (directory / _BINS).open("wb") as bins:
        for handle, (shape, dtype) in zip((inputs, bins), layouts, strict=True):
            header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "shape": shape}
            np.lib.format.write_array_header_2_0(handle, {**header, "fortran_order": False})
        for block_inputs, block_bins in _blocks(data, preprocessor):
            inputs.write(np.ascontiguousarray(block_inputs, np.float32).data)
            bins.write(np.ascontiguousarray(block_bins, np.int16).data)
            valid += int(block_inputs[:, -1].sum(dtype=np.float64))
    key = {**prepared_key(data, preprocessor), "valid_frames": valid}
    atomic_write(directory / _META, json.dumps(key, indent=1))  # last: the folder is complete


def _layout(data: Recordings) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.asarray(data.lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return lengths, starts


def _blocks(data: Recordings, preprocessor: Preprocessor):
    """``(inputs, bins)`` of each recording in order, ``BLOCK_FRAMES`` frames at a time.

    Both steps are per frame, so blocks give the values of one whole-recording pass.
    """
    for seq in data.sequences:
        for a in range(0, len(seq), BLOCK_FRAMES):
            block = seq[a : a + BLOCK_FRAMES]
            yield preprocessor.transform_inputs(block), preprocessor.quantize_actions(block)
            release_pages([block])


def _state_digest(preprocessor: Preprocessor) -> str:
    """SHA-256 of the preprocessing state (its tensors by value)."""
    digest = hashlib.sha256()
    for key, value in sorted(preprocessor.state_dict().items()):
        digest.update(key.encode())
        if isinstance(value, torch.Tensor):
            digest.update(str(value.dtype).encode() + value.numpy().tobytes())
        else:
            digest.update(json.dumps(value).encode())
    return digest.hexdigest()
