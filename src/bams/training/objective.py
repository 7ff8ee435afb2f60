"""The BAMS training objective on one batch of windows."""

from __future__ import annotations

import torch
from torch import nn

from bams.config import ModelConfig
from bams.training.losses import bootstrap_loss, hoa_loss
from bams.training.targets import hoa_targets


def sample_frames(mask: torch.Tensor, k: int) -> torch.Tensor:
    """Draw ``k`` distinct frames per row uniformly among those where ``mask`` is True.

    Parameters
    ----------
    mask
        ``(B, T)`` bool.
    k
        Frames per row (``<= T``). Rows with fewer than ``k`` allowed frames are completed
        with disallowed ones, which callers weight out.

    Returns
    -------
    torch.Tensor
        ``(B, k)`` int64 frame indices.
    """
    keys = torch.rand(mask.shape, device=mask.device) + mask.to(torch.float32)
    return keys.topk(k, dim=1, sorted=False).indices


def bams_losses(
    network: nn.Module,
    batch: dict[str, torch.Tensor],
    config: ModelConfig,
    hoa_frame_fraction: float = 1.0,
    bootstrap_pairs: int = 64,
) -> dict[str, torch.Tensor]:
    """Compute every loss term on a batch.

    Parameters
    ----------
    network
        A :class:`bams.models.BAMSNetwork` (possibly wrapped for distributed training).
    batch
        ``inputs`` ``(B, C, L)`` with the validity channel last, and ``bins``
        ``(B, L + hoa_window, A)``.
    config
        Objective settings (bins, window, warm-ups, weights, latent spaces).
    hoa_frame_fraction
        Fraction of post-warm-up frames sent through the HoA predictor.
    bootstrap_pairs
        Pairs per window and latent space.

    Returns
    -------
    dict
        ``total`` (differentiable), ``hoa`` and one term per latent space.
    """
    x, bins = batch["inputs"], batch["bins"]
    length = x.shape[-1]
    valid = x[:, -1] > 0.5
    position = torch.arange(length, device=x.device)

    n_hoa = max(1, min(length, round(hoa_frame_fraction * (length - config.hoa_warmup))))
    hoa_frames = sample_frames(valid & (position >= config.hoa_warmup), n_hoa)
    pairs, pair_weights = {}, {}
    for name, enc in config.encoders.items():
        allowed = valid & (position >= enc.warmup)
        n_pairs = min(bootstrap_pairs, length)
        first = sample_frames(allowed, n_pairs)
        if enc.bootstrap_max_offset is None:
            second = sample_frames(allowed, n_pairs)
        else:
            offset = torch.randint_like(first, 0, enc.bootstrap_max_offset + 1)
            second = (first + offset).clamp(max=length - 1)
        pairs[name] = (first, second)
        ok = (allowed.gather(1, first) & valid.gather(1, second)).flatten().to(torch.float32)
        pair_weights[name] = torch.cat([ok, ok])

    out = network(x, hoa_frames=hoa_frames, pairs=pairs)
    target, weight = hoa_targets(bins, config.hoa_bins, config.hoa_window, hoa_frames)
    weight = weight * valid.gather(1, hoa_frames).unsqueeze(-1)
    losses = {"hoa": hoa_loss(out["hoa_logits"], target, weight)}
    total = config.hoa_weight * losses["hoa"]
    for name, enc in config.encoders.items():
        prediction, paired = out[name]
        losses[name] = bootstrap_loss(prediction, paired, pair_weights[name])
        total = total + enc.bootstrap_weight * losses[name]
    losses["total"] = total
    return losses
