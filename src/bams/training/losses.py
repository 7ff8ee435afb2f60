"""Loss terms of the BAMS objective."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def hoa_loss(logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Weighted squared distance between predicted and target cumulative histograms.

    Parameters
    ----------
    logits
        Predicted scores ``(..., A, n_bins)``; softmax over bins gives the histogram.
    target
        Target histograms ``(..., A, n_bins)``.
    weight
        ``(..., A)``: fraction of the target's window that was observed (0 ignores the item).

    Returns
    -------
    torch.Tensor
        Scalar: weighted mean over items and actions of the mean over bins of
        ``(CDF_target - CDF_pred) ** 2`` (normalized by the weights of the items kept only);
        exactly 0, with zero gradient, when every weight is 0.
    """
    cdf_pred = torch.softmax(logits.float(), dim=-1).cumsum(dim=-1)
    cdf_target = target.cumsum(dim=-1)
    per_item = (cdf_target - cdf_pred).square().mean(dim=-1)
    return (per_item * weight).sum() / weight.sum().clamp(min=1e-6)


def bootstrap_loss(
    prediction: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None
) -> torch.Tensor:
    """Negative cosine similarity to a stop-gradient target, ``1 - cos``, averaged.

    Parameters
    ----------
    prediction
        ``(N, D)`` outputs of a bootstrap head.
    target
        ``(N, D)`` embeddings of the paired frames; no gradient flows into them.
    weight
        Optional ``(N,)`` weights (e.g. 0 for pairs with a missing frame).

    Returns
    -------
    torch.Tensor
        Scalar: the (weighted) mean over pairs, normalized by the weights of the pairs kept
        only; exactly 0, with zero gradient, when every weight is 0.
    """
    loss = 1.0 - F.cosine_similarity(prediction.float(), target.detach().float(), dim=-1)
    if weight is None:
        return loss.mean()
    return (loss * weight).sum() / weight.sum().clamp(min=1e-6)
