"""Random fixed-length training windows from preprocessed recordings of any length.

The windows of an epoch are drawn from ``(seed, epoch)`` alone; under DDP each process takes
its shard of them (:class:`RankShard`, from its rank), so one global step draws the same
windows whatever the number of processes.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from bams.data.store_reader import release_pages
from bams.training.prepared import PreparedRecordings

__all__ = ["PreparedRecordings", "RankShard", "WindowDataset", "window_loader"]


class WindowDataset(Dataset):
    """Windows of ``window_length`` frames at random positions, redrawn every epoch.

    Each epoch holds ``ceil(T_i / window_length)`` windows of recording ``i`` in a random
    order; a recording shorter than the window is padded at the end with invalid frames. The
    action bins extend ``hoa_window`` frames past the window so the targets of its last frames
    see their real future. Everything is a deterministic function of ``(seed, epoch, index)``,
    whatever the number of workers or processes. An item reads only its window from
    ``prepared`` (one contiguous slice, from disk when the prepared data are memory-mapped).

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
        prepared = self.prepared
        rec = self._recording[index]
        start = prepared.starts[rec] + self._offset[index]
        end = prepared.starts[rec] + prepared.lengths[rec]
        n_in = min(self.window_length, end - start)
        n_bins = min(self.window_length + self.hoa_window, end - start)
        inputs = np.zeros((prepared.n_inputs, self.window_length), dtype=np.float32)
        inputs[:, :n_in] = prepared.inputs[start : start + n_in].T  # stored (N, C)
        bins = np.full(
            (self.window_length + self.hoa_window, prepared.n_actions), -1, dtype=np.int64
        )
        bins[:n_bins] = prepared.bins[start : start + n_bins]
        if prepared.directory is not None:  # a memmap: read pages would stay in memory
            release_pages(
                [prepared.inputs[start : start + n_in], prepared.bins[start : start + n_bins]]
            )
        return {"inputs": torch.from_numpy(inputs), "bins": torch.from_numpy(bins)}


class RankShard(Sampler[int]):
    """The items of process ``rank`` of ``world_size``: ``rank``, ``rank + W``, ...

    Every process gets ``ceil(n / W)`` items (the last wrap around to the first items, so all
    take the same number of steps), as :class:`torch.utils.data.DistributedSampler` without
    shuffling does, but stated here: with ``b`` items per process and step, step ``s`` of all
    processes together draws items ``s b W .. (s + 1) b W - 1``, the items of step ``s`` of one
    process with a batch of ``b W`` (the last step excepted when ``W`` does not divide ``n``).
    With ``W = 1``: ``0, 1, ..., n - 1``, a sequential sampler.
    """

    def __init__(self, n_items: int, rank: int = 0, world_size: int = 1) -> None:
        if not 0 <= rank < world_size:
            raise ValueError(f"Expected 0 <= rank < {world_size}, but got rank {rank}.")
        self.n_items, self.rank, self.world_size = int(n_items), int(rank), int(world_size)

    def __len__(self) -> int:
        return math.ceil(self.n_items / self.world_size) if self.n_items else 0

    def __iter__(self):
        for k in range(len(self)):
            yield (self.rank + k * self.world_size) % self.n_items


def window_loader(
    dataset: WindowDataset,
    batch_size: int,
    num_workers: int = 0,
    rank: int = 0,
    world_size: int = 1,
) -> DataLoader:
    """The loader of process ``rank``: its shard, ``batch_size / world_size`` windows a step.

    Raises
    ------
    ValueError
        If ``world_size`` does not divide ``batch_size`` (the global batch).
    """
    if batch_size % world_size:
        raise ValueError(
            f"Expected batch_size (the global batch) divisible by the {world_size} processes "
            f"(devices x num_nodes), but got {batch_size}."
        )
    sampler = RankShard(len(dataset), rank, world_size)
    return DataLoader(
        dataset, batch_size=batch_size // world_size, sampler=sampler, num_workers=num_workers
    )
