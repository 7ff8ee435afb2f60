"""The BAMS training objective on one batch of windows."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from bams.config import EncoderConfig, ModelConfig
from bams.config.schema import BOOTSTRAP_SAMPLINGS
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
        with disallowed ones, which callers weight out (``mask.gather(1, frames)``).

    Returns
    -------
    torch.Tensor
        ``(B, k)`` int64 frame indices.
    """
    keys = torch.rand(mask.shape, device=mask.device) + mask.to(torch.float32)
    return keys.topk(k, dim=1, sorted=False).indices


@dataclass
class Samples:
    """The frames of a batch that the loss terms look at, and which of them count.

    Attributes
    ----------
    hoa_frames
        ``(B, K)`` int64 frames sent through the HoA predictor.
    hoa_allowed
        ``(B, K)`` bool: the frame is valid and at or after ``hoa_warmup``.
    pairs
        ``{name: (first, second)}``, each ``(B, P)`` int64, the bootstrap pairs of each latent.
    pair_allowed
        ``{name: (B, P)}`` bool: both frames are valid and at or after that encoder's warm-up.
    """

    hoa_frames: torch.Tensor
    hoa_allowed: torch.Tensor
    pairs: dict[str, tuple[torch.Tensor, torch.Tensor]]
    pair_allowed: dict[str, torch.Tensor]

    def counts(self) -> dict[str, torch.Tensor]:
        """Allowed items per term: ``hoa`` (frames) and one per latent (pairs), int64 scalars."""
        counts = {"hoa": self.hoa_allowed.sum()}
        counts.update({name: allowed.sum() for name, allowed in self.pair_allowed.items()})
        return counts


def draw_samples(
    valid: torch.Tensor,
    config: ModelConfig,
    hoa_frame_fraction: float,
    bootstrap_pairs: int,
    sampling: str = "symmetric",
) -> Samples:
    """Draw the HoA frames and the bootstrap pairs of a batch.

    The numbers drawn depend on the window length only, not on how many frames are usable,
    so rows with too few usable frames (short recordings padded with invalid frames, missing
    values) are completed with disallowed frames; :attr:`Samples.hoa_allowed` and
    :attr:`Samples.pair_allowed` mark those so the losses give them weight 0.

    Parameters
    ----------
    valid
        ``(B, L)`` bool: every feature of the frame is observed (False in the padding).
    config
        Warm-ups (in frames from the start of the window) and bootstrap offsets; with a
        ``bootstrap_min_offset``, pairs closer than it (clamped at the window's end) are
        disallowed too.
    hoa_frame_fraction
        Fraction of post-warm-up frames sent through the HoA predictor.
    bootstrap_pairs
        Pairs per window and latent space.
    sampling
        ``"symmetric"``: ``bootstrap_pairs`` pairs of valid frames; ``"reference"``: one pair
        per window drawn as :func:`reference_pairs` does, whatever the validity (see
        :attr:`bams.config.TrainConfig.bootstrap_sampling`).

    Returns
    -------
    Samples

    Raises
    ------
    ValueError
        If ``sampling`` is unknown.
    """
    if sampling not in BOOTSTRAP_SAMPLINGS:
        raise ValueError(
            f"Expected a sampling among {list(BOOTSTRAP_SAMPLINGS)}, but got {sampling!r}."
        )
    length = valid.shape[1]
    position = torch.arange(length, device=valid.device)
    n_hoa = max(1, min(length, round(hoa_frame_fraction * (length - config.hoa_warmup))))
    allowed = valid & (position >= config.hoa_warmup)
    hoa_frames = sample_frames(allowed, n_hoa)
    pairs, pair_allowed = {}, {}
    # Keep the draws in this order (HoA, then first/second per latent): the training results
    # of a seed depend on it.
    for name, enc in config.encoders.items():
        if sampling == "reference":
            first, second, pair_allowed[name] = reference_pairs(*valid.shape, enc, valid.device)
        else:
            first, second, pair_allowed[name] = _valid_pairs(valid, enc, bootstrap_pairs)
        pairs[name] = (first, second)
    return Samples(hoa_frames, allowed.gather(1, hoa_frames), pairs, pair_allowed)


def _valid_pairs(
    valid: torch.Tensor, enc: EncoderConfig, bootstrap_pairs: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``bootstrap_pairs`` pairs per row among valid frames past the warm-up, and which count."""
    length = valid.shape[1]
    allowed_pair = valid & (torch.arange(length, device=valid.device) >= enc.warmup)
    n_pairs = min(bootstrap_pairs, length)
    first = sample_frames(allowed_pair, n_pairs)
    low = enc.bootstrap_min_offset
    if enc.bootstrap_max_offset is None and low is None:
        second = sample_frames(allowed_pair, n_pairs)
    elif enc.bootstrap_max_offset is None:
        second = far_frames(first, low, enc.warmup, length)
    else:
        offset = torch.randint_like(first, low or 0, enc.bootstrap_max_offset + 1)
        second = (first + offset).clamp(max=length - 1)
    # Both frames: with any-pair sampling the second can be a refill in the warm-up.
    ok = allowed_pair.gather(1, first) & allowed_pair.gather(1, second)
    if low is not None:  # clamped at the window's end, or no position far enough
        ok &= (second - first).abs() >= low
    return first, second, ok


def reference_pairs(
    batch: int, length: int, enc: EncoderConfig, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One bootstrap pair per window, drawn as the reference implementation draws it.

    The reference (nerdslab/bams, ``mouse_triplets.py``, ``train_loop``) draws, per sequence,
    a first frame uniformly in ``[warmup, length - 1 - max_offset]`` and the second
    ``d ~ U{0..max_offset}`` frames later for the short-term latent, and two independent
    uniform frames in ``[warmup, length - 1]`` for the long-term one; validity plays no part.
    Here ``d`` starts at ``bootstrap_min_offset`` if set; without a maximum offset and with a
    minimum, the second frame is drawn by :func:`far_frames`.

    Parameters
    ----------
    batch, length
        Windows and frames per window.
    enc
        Warm-up and offsets of the latent space (in frames).
    device
        Where the indices go.

    Returns
    -------
    first, second : torch.Tensor
        ``(batch, 1)`` int64 frame indices.
    allowed : torch.Tensor
        ``(batch, 1)`` bool: all True, except pairs closer than ``bootstrap_min_offset``
        (only where no position is far enough, or clamped at the window's end).
    """
    low, high = enc.bootstrap_min_offset, enc.bootstrap_max_offset
    shape = (batch, 1)
    if high is None:
        first = torch.randint(enc.warmup, length, shape, device=device)
        if low is None:
            second = torch.randint(enc.warmup, length, shape, device=device)
        else:
            second = far_frames(first, low, enc.warmup, length)
    else:
        last = max(enc.warmup, length - 1 - high)  # the pair fits in the window
        first = torch.randint(enc.warmup, last + 1, shape, device=device)
        second = (first + torch.randint_like(first, low or 0, high + 1)).clamp(max=length - 1)
    allowed = torch.ones(shape, dtype=torch.bool, device=device)
    if low is not None:
        allowed &= (second - first).abs() >= low
    return first, second, allowed


def far_frames(first: torch.Tensor, min_offset: int, warmup: int, length: int) -> torch.Tensor:
    """Draw, for each frame, one uniformly among the positions at least ``min_offset`` away.

    The positions are ``p`` with ``warmup <= p < length`` and ``|p - first| >= min_offset``:
    those left and right of ``first`` are counted, an integer is drawn uniformly below their
    total, and mapped to the position it numbers (so both sides are covered exactly
    uniformly).

    Parameters
    ----------
    first
        ``(B, P)`` int64 frame indices in ``[0, length)``.
    min_offset
        Smallest distance, ``>= 1``.
    warmup
        First position allowed.
    length
        Window length.

    Returns
    -------
    torch.Tensor
        ``(B, P)`` int64 positions; ``first`` itself where no position is far enough (the
        caller marks those pairs as disallowed).
    """
    left = (first - min_offset - warmup + 1).clamp(min=0)  # warmup .. first - min_offset
    right = (length - first - min_offset).clamp(min=0)  # first + min_offset .. length - 1
    total = left + right
    draw = torch.rand(first.shape, dtype=torch.float64, device=first.device) * total
    index = torch.minimum(draw.floor().to(torch.int64), (total - 1).clamp(min=0))
    second = torch.where(index < left, warmup + index, first + min_offset + index - left)
    return torch.where(total > 0, second, first)


def bams_losses(
    network: nn.Module,
    batch: dict[str, torch.Tensor],
    config: ModelConfig,
    hoa_frame_fraction: float = 1.0,
    bootstrap_pairs: int = 64,
    counts: dict[str, torch.Tensor] | None = None,
    target_features: dict[str, torch.Tensor] | None = None,
    bootstrap_sampling: str = "symmetric",
) -> dict[str, torch.Tensor]:
    """Compute every loss term on a batch.

    Only allowed samples count (see :func:`draw_samples`): each term is a weighted mean over
    them, and a term without any allowed sample in the batch is exactly 0 (no NaN, zero
    gradient).

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
    counts
        If given, filled with the number of allowed items of each term (int64 scalars):
        ``hoa`` (HoA frames) and one per latent space (bootstrap pairs); 0 tells that the
        term is 0 because nothing in the batch could be used. Kept out of the returned dict,
        whose every entry is logged and plotted as a loss.
    target_features
        Optional ``{name: (B, D, L)}`` embeddings of ``inputs`` by target encoders (see
        :class:`bams.training.ema.EmaTarget`) from which the bootstrap targets are taken;
        ``None``: the network's own embeddings (stop-gradient).
    bootstrap_sampling
        ``"symmetric"`` or ``"reference"`` (one pair per window, one direction; see
        :func:`draw_samples`).

    Returns
    -------
    dict
        ``total`` (differentiable), ``hoa`` and one term per latent space.
    """
    x, bins = batch["inputs"], batch["bins"]
    valid = x[:, -1] > 0.5
    samples = draw_samples(valid, config, hoa_frame_fraction, bootstrap_pairs, bootstrap_sampling)
    symmetric = bootstrap_sampling == "symmetric"
    extra: dict = {} if target_features is None else {"target_features": target_features}
    if not symmetric:
        extra["symmetric"] = False
    out = network(x, hoa_frames=samples.hoa_frames, pairs=samples.pairs, **extra)
    target, weight = hoa_targets(bins, config.hoa_bins, config.hoa_window, samples.hoa_frames)
    weight = weight * samples.hoa_allowed.unsqueeze(-1)
    losses = {"hoa": hoa_loss(out["hoa_logits"], target, weight)}
    total = config.hoa_weight * losses["hoa"]
    for name, enc in config.encoders.items():
        prediction, paired = out[name]
        ok = samples.pair_allowed[name].flatten().to(torch.float32)
        # Symmetric: both directions of each pair, (first -> second, second -> first).
        losses[name] = bootstrap_loss(prediction, paired, torch.cat([ok, ok]) if symmetric else ok)
        total = total + enc.bootstrap_weight * losses[name]
    losses["total"] = total
    if counts is not None:
        counts.update(samples.counts())
    return losses
