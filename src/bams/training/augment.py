"""Augmentation of the training windows: input noise and feature dropout."""

from __future__ import annotations

import torch

__all__ = ["augment_inputs"]


def augment_inputs(inputs: torch.Tensor, noise: float = 0.0, dropout: float = 0.0) -> torch.Tensor:
    """Add Gaussian noise to the features of a batch of windows and drop whole features.

    Only the valid frames change: the validity channel (the last one) and the frames it marks
    invalid (padding, missing values) are returned exactly as they are. Draws come from
    torch's global random generator (noise first, then dropout), and none at all when both
    settings are 0, in which case ``inputs`` itself is returned.

    Parameters
    ----------
    inputs
        ``(B, C, L)`` preprocessed windows: ``C - 1`` input channels, then the validity
        channel (1 where every required feature of the frame is observed). With optional
        features, the input channels include their observed/missing channels, which noise
        and dropout change like the others.
    noise
        Standard deviation of the noise added to each feature at each valid frame (in the
        units of the robust-normalized inputs).
    dropout
        Probability that a feature is set to 0 for a whole window, independently per window
        and feature.

    Returns
    -------
    torch.Tensor
        ``(B, C, L)``, a new tensor unless nothing is asked.

    Examples
    --------
    >>> x = torch.ones(2, 3, 4)
    >>> augment_inputs(x) is x
    True
    >>> out = augment_inputs(x, noise=0.1, dropout=0.5)
    >>> out.shape, bool((out[:, -1] == 1).all())
    (torch.Size([2, 3, 4]), True)
    """
    if noise == 0 and dropout == 0:
        return inputs
    features, validity = inputs[:, :-1], inputs[:, -1:]
    changed = features
    if noise > 0:
        changed = changed + noise * torch.randn_like(features)
    if dropout > 0:
        shape = (*features.shape[:2], 1)
        keep = torch.rand(shape, device=inputs.device) >= dropout
        changed = changed * keep.to(features.dtype)
    changed = torch.where(validity > 0.5, changed, features)
    return torch.cat([changed, validity], dim=1)
