"""BYOL's target network: encoders whose weights are a moving average of the online ones."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import torch
from torch import nn

__all__ = ["EmaTarget"]


class EmaTarget:
    """A copy of the online encoders that follows them slowly, for the bootstrap targets.

    After every optimizer step, :meth:`update` sets each weight ``w`` of the copy to
    ``momentum * w + (1 - momentum) * w_online`` (buffers are copied). The copy lives on the
    online encoders' device, is never wrapped for distributed training (every process updates
    its own copy from the same synchronized weights, so the copies stay equal), needs no
    gradient, and runs in evaluation mode (no dropout, no random draws).

    Parameters
    ----------
    online
        The online encoders, e.g. ``network.encoders`` of a
        :class:`bams.models.BAMSNetwork` (not a distributed wrapper).
    momentum
        ``m`` in ``[0, 1)``; 0 copies the online weights at each step.
    """

    def __init__(self, online: nn.ModuleDict, momentum: float):
        if not 0 <= momentum < 1:
            raise ValueError(f"Expected 0 <= target_ema < 1, but got {momentum}.")
        self.online = online
        self.momentum = float(momentum)
        self.target = copy.deepcopy(online).requires_grad_(False).eval()

    @torch.no_grad()
    def update(self) -> None:
        """Move the copy towards the online encoders by ``1 - momentum`` of the way."""
        m = self.momentum
        pairs = zip(self.target.parameters(), self.online.parameters(), strict=True)
        for target, online in pairs:
            target.mul_(m).add_(online.detach(), alpha=1 - m)
        buffers = zip(self.target.buffers(), self.online.buffers(), strict=True)
        for target, online in buffers:
            target.copy_(online)

    @torch.no_grad()
    def features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Embed ``x`` ``(B, C, T)`` with the copy: ``{name: (B, D, T)}``, without gradient."""
        dtype = next(self.target.parameters()).dtype
        return {name: enc(x.to(dtype)) for name, enc in self.target.items()}

    def reset(self) -> None:
        """Make the copy equal to the online encoders again."""
        self.target.load_state_dict(self.online.state_dict())

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The copy's weights and buffers (stored in checkpoints)."""
        return self.target.state_dict()

    def load_state_dict(self, state: Mapping[str, torch.Tensor]) -> None:
        """Restore the copy from :meth:`state_dict`."""
        self.target.load_state_dict(state)
