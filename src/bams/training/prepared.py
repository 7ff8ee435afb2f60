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

    @classmethod
    def build(cls, data: Recordings, preprocessor: Preprocessor) -> PreparedRecordings:
        """Preprocess every recording of ``data`` into one block of memory."""
        lengths, starts = _layout(data)
        total = int(lengths.sum())
        inputs = np.empty((total, preprocessor.n_inputs), dtype=np.float32)
        bins = np.empty((total, preprocessor.n_actions), dtype=np.int16)
        _fill(inputs, bins, data, starts, preprocessor)
        return cls(inputs=inputs, bins=bins, starts=starts, lengths=lengths)

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
        """Fraction of frames with every (not optional) feature observed, read in blocks."""
        total = len(self.inputs)
        if not total:
            return 0.0
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
    return PreparedRecordings(inputs, bins, starts, lengths, directory=directory)


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
    """Write the arrays and ``meta.json`` into the existing, empty folder ``directory``."""
    lengths, starts = _layout(data)
    total = int(lengths.sum())
    inputs = np.lib.format.open_memmap(
        directory / _INPUTS, mode="w+", dtype=np.float32, shape=(total, preprocessor.n_inputs)
    )
    bins = np.lib.format.open_memmap(
        directory / _BINS, mode="w+", dtype=np.int16, shape=(total, preprocessor.n_actions)
    )
    _fill(inputs, bins, data, starts, preprocessor)
    inputs.flush()
    bins.flush()
    del inputs, bins
    key = json.dumps(prepared_key(data, preprocessor), indent=1)
    atomic_write(directory / _META, key)  # last: a folder with its meta is complete


def _layout(data: Recordings) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.asarray(data.lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return lengths, starts


def _fill(inputs, bins, data: Recordings, starts: np.ndarray, preprocessor: Preprocessor):
    """Preprocess each recording into its rows, ``BLOCK_FRAMES`` frames at a time.

    Both steps are per frame, so blocks give the values of one whole-recording pass.
    """
    for seq, start in zip(data.sequences, starts, strict=True):
        for a in range(0, len(seq), BLOCK_FRAMES):
            block = seq[a : a + BLOCK_FRAMES]
            rows = slice(int(start) + a, int(start) + a + len(block))
            inputs[rows] = preprocessor.transform_inputs(block)
            bins[rows] = preprocessor.quantize_actions(block)


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
