"""Random fixed-length training windows from preprocessed recordings of any length."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from bams.data import Recordings
from bams.preprocessing import Preprocessor


@dataclass
class PreparedRecordings:
    """Preprocessed recordings, concatenated along time.

    Attributes
    ----------
    inputs
        ``(C, N)`` float32 network inputs (channels first), ``N`` = total frames.
    bins
        ``(N, A)`` int16 action bins, -1 where missing.
    starts, lengths
        ``(n_recordings,)`` first frame and number of frames of each recording.
    """

    inputs: np.ndarray
    bins: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray

    @classmethod
    def build(cls, data: Recordings, preprocessor: Preprocessor) -> PreparedRecordings:
        """Preprocess every recording of ``data`` into one block of memory."""
        lengths = data.lengths
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        inputs = np.empty((preprocessor.n_inputs, int(lengths.sum())), dtype=np.float32)
        bins = np.empty((int(lengths.sum()), preprocessor.n_actions), dtype=np.int16)
        for seq, start, length in zip(data.sequences, starts, lengths, strict=True):
            inputs[:, start : start + length] = preprocessor.transform_inputs(seq).T
            bins[start : start + length] = preprocessor.quantize_actions(seq)
        return cls(inputs=inputs, bins=bins, starts=starts, lengths=lengths)


class WindowDataset(Dataset):
    """Windows of ``window_length`` frames at random positions, redrawn every epoch.

    Each epoch holds ``ceil(T_i / window_length)`` windows of recording ``i`` in a random
    order; a recording shorter than the window is padded at the end with invalid frames. The
    action bins extend ``hoa_window`` frames past the window so the targets of its last frames
    see their real future. Everything is a deterministic function of ``(seed, epoch, index)``,
    whatever the number of workers or processes.

    Items are dicts: ``inputs`` ``(C, window_length)`` float32 and ``bins``
    ``(window_length + hoa_window, A)`` int64.
    """

    def __init__(
        self, prepared: PreparedRecordings, window_length: int, hoa_window: int, seed: int = 0
    ):
        self.prepared = prepared
        self.window_length = window_length
        self.hoa_window = hoa_window
        self.seed = seed
        per_recording = np.ceil(prepared.lengths / window_length).astype(np.int64)
        self._owner = np.repeat(np.arange(len(prepared.lengths)), per_recording)
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        """Draw the windows of ``epoch``."""
        rng = np.random.default_rng([self.seed, epoch])
        owner = rng.permutation(self._owner)
        room = np.maximum(self.prepared.lengths[owner] - self.window_length, 0)
        self._recording = owner
        self._offset = np.floor(rng.random(len(owner)) * (room + 1)).astype(np.int64)

    def __len__(self) -> int:
        return len(self._owner)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rec = self._recording[index]
        start = self.prepared.starts[rec] + self._offset[index]
        end = self.prepared.starts[rec] + self.prepared.lengths[rec]
        n_in = min(self.window_length, end - start)
        n_bins = min(self.window_length + self.hoa_window, end - start)
        inputs = np.zeros((self.prepared.inputs.shape[0], self.window_length), dtype=np.float32)
        inputs[:, :n_in] = self.prepared.inputs[:, start : start + n_in]
        bins = np.full(
            (self.window_length + self.hoa_window, self.prepared.bins.shape[1]), -1, dtype=np.int64
        )
        bins[:n_bins] = self.prepared.bins[start : start + n_bins]
        return {"inputs": torch.from_numpy(inputs), "bins": torch.from_numpy(bins)}
