"""Histogram-of-actions (HoA) targets, computed vectorized on a batch in torch."""

from __future__ import annotations

import torch


def hoa_targets(
    bins: torch.Tensor, n_bins: int, window: int, frames: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalized histogram of each action's bins over the *future* window of each frame.

    The target at frame ``t`` counts the bins of frames ``t+1 .. t+window`` where the action
    is observed; frames past the end of ``bins`` count as missing.

    Parameters
    ----------
    bins
        Bin index per frame and action, shape ``(B, T, A)``, integer, ``-1`` where missing.
    n_bins
        Number of bins.
    window
        Future frames summarized by each target.
    frames
        Optional frame indices ``(B, K)`` at which to return targets (default: all ``T``).

    Returns
    -------
    histogram : torch.Tensor
        ``(B, K, A, n_bins)`` float32, summing to 1 over bins where ``weight > 0``, else 0.
    weight : torch.Tensor
        ``(B, K, A)`` float32: fraction of the window's frames where the action is observed.

    Examples
    --------
    >>> bins = torch.tensor([[[0], [1], [0], [-1]]])
    >>> histogram, weight = hoa_targets(bins, n_bins=2, window=2)
    >>> histogram[0, :, 0].tolist(), weight[0, :, 0].tolist()
    ([[0.5, 0.5], [1.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [1.0, 0.5, 0.0, 0.0])
    """
    batch, length, n_actions = bins.shape
    if frames is None:
        frames = torch.arange(length, device=bins.device).expand(batch, length)
    n_frames = frames.shape[1]
    future = frames.unsqueeze(-1) + torch.arange(1, window + 1, device=bins.device)  # (B, K, W)
    inside = future < length
    index = future.clamp(max=length - 1).flatten(1).unsqueeze(-1).expand(-1, -1, n_actions)
    future_bins = bins.gather(1, index).view(batch, n_frames, window, n_actions).long()
    observed = (future_bins >= 0) & inside.unsqueeze(-1)
    # Count each bin over the window: scatter the window's frames into (B, K, A, n_bins).
    counts = torch.zeros(batch, n_frames, n_actions, n_bins, device=bins.device)
    counts.scatter_add_(
        3,
        future_bins.clamp(min=0).transpose(2, 3),
        observed.transpose(2, 3).to(torch.float32),
    )
    total = counts.sum(dim=-1)
    histogram = counts / total.clamp(min=1.0).unsqueeze(-1)
    return histogram, total / window
