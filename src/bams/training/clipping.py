"""How often gradient clipping binds: the norm before clipping and the fraction of steps clipped."""

from __future__ import annotations

import torch

HISTORY_KEYS = ("grad_norm", "clipped_fraction")
"""The entries :class:`ClipStats` adds to a training history: diagnostics, not loss terms."""


class ClipStats:
    """Count the steps whose gradient norm (before clipping) exceeds ``max_norm``.

    Parameters
    ----------
    max_norm
        The clipping threshold (``TrainConfig.grad_clip_norm``).

    Examples
    --------
    >>> stats = ClipStats(1.0)
    >>> for norm in (0.5, 2.0, 3.0):
    ...     step = stats.record(torch.tensor(norm))
    >>> step["clipped_fraction"].item(), stats.since_last_log()
    (1.0, {'grad_norm': 3.0, 'clipped_fraction': 0.6666666666666666})
    """

    def __init__(self, max_norm: float):
        self.max_norm = max_norm
        self.last_norm = torch.zeros(())
        self.clipped = torch.zeros(())
        self.steps = 0

    def record(self, norm: torch.Tensor) -> dict[str, torch.Tensor]:
        """Add one step's total norm (a scalar tensor, left on its device: no sync).

        Returns
        -------
        dict
            ``grad_norm`` (the norm) and ``clipped_fraction`` (1.0 if clipping bound at this
            step, else 0.0), scalar tensors whose means over an epoch go into the history.
        """
        norm = norm.detach().to(torch.float32)
        clipped = (norm > self.max_norm).to(torch.float32)
        self.last_norm = norm
        self.clipped = self.clipped.to(norm.device) + clipped
        self.steps += 1
        return {"grad_norm": norm, "clipped_fraction": clipped}

    def since_last_log(self) -> dict[str, float]:
        """The last step's norm, and the fraction of the steps clipped since the last call."""
        values = {
            "grad_norm": float(self.last_norm),
            "clipped_fraction": float(self.clipped) / max(self.steps, 1),
        }
        self.clipped, self.steps = torch.zeros((), device=self.clipped.device), 0
        return values
