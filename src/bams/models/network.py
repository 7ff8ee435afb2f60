"""The BAMS network: named causal encoders (the backbone), a HoA predictor and bootstrap heads."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from bams.config import EncoderConfig, ModelConfig
from bams.config.schema import HEAD_FRAMES, PREDICTOR_ACTIVATIONS
from bams.models.registry import build_encoder


def mlp(sizes: Sequence[int], activation: str = "relu") -> nn.Sequential:
    """Linear layers of the given sizes with an activation between them (none after the last).

    Parameters
    ----------
    sizes
        Input size, hidden sizes, output size.
    activation
        ``"relu"``, or ``"prelu"``: a PReLU with one slope (from 0.25) per layer.

    Raises
    ------
    ValueError
        If ``activation`` is unknown.

    Examples
    --------
    >>> mlp([4, 8, 2], "prelu")
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): PReLU(num_parameters=1)
      (2): Linear(in_features=8, out_features=2, bias=True)
    )
    """
    if activation not in PREDICTOR_ACTIVATIONS:
        raise ValueError(
            f"Expected an activation among {list(PREDICTOR_ACTIVATIONS)}, but got {activation!r}."
        )
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU() if activation == "relu" else nn.PReLU())
    return nn.Sequential(*layers)


class BootstrapHead(nn.Sequential):
    """Linear - BatchNorm - ReLU - Linear predictor of a paired frame's embedding."""

    def __init__(self, dim: int, expansion: int = 4):
        super().__init__(
            nn.Linear(dim, expansion * dim),
            nn.BatchNorm1d(expansion * dim),
            nn.ReLU(),
            nn.Linear(expansion * dim, dim),
        )


class BAMSNetwork(nn.Module):
    """Multi-timescale encoders plus the heads used only for training.

    Parameters
    ----------
    n_inputs
        Input channels ``C`` (features plus the validity channel).
    n_actions
        Action features ``A`` whose future histograms are predicted.
    encoders
        Named latent spaces, e.g. ``{"short_term": ..., "long_term": ...}``.
    n_bins
        Bins per action.
    predictor_hidden
        Hidden sizes of the HoA predictor.
    head_expansion
        Hidden width of the bootstrap heads, as a multiple of the latent size.
    predictor_activation
        Activation of the HoA predictor, ``"prelu"`` or ``"relu"`` (see :func:`mlp`).
    head_frames
        ``"sampled"``: the bootstrap heads see the sampled frames only; ``"all"``: every frame
        of the batch, as in the reference implementation, so that their batch norm
        statistics come from all frames (only the sampled ones enter the loss).
    """

    def __init__(
        self,
        n_inputs: int,
        n_actions: int,
        encoders: dict[str, EncoderConfig],
        n_bins: int = 32,
        predictor_hidden: Sequence[int] = (256, 512, 512),
        head_expansion: int = 4,
        predictor_activation: str = "prelu",
        head_frames: str = "sampled",
    ):
        super().__init__()
        if not encoders:
            raise ValueError("Expected at least one encoder, but got none.")
        if head_frames not in HEAD_FRAMES:
            raise ValueError(
                f"Expected head_frames among {list(HEAD_FRAMES)}, but got {head_frames!r}."
            )
        self.head_frames = head_frames
        self.n_inputs, self.n_actions, self.n_bins = n_inputs, n_actions, n_bins
        self.encoders = nn.ModuleDict(
            {name: build_encoder(n_inputs, cfg) for name, cfg in encoders.items()}
        )
        latent = sum(enc.out_channels for enc in self.encoders.values())
        self.predictor = mlp(
            [latent + n_inputs, *predictor_hidden, n_actions * n_bins], predictor_activation
        )
        self.heads = nn.ModuleDict(
            {
                name: BootstrapHead(enc.out_channels, head_expansion)
                for name, enc in self.encoders.items()
            }
        )

    @classmethod
    def from_config(cls, config: ModelConfig, n_inputs: int, n_actions: int) -> BAMSNetwork:
        """Build the network a :class:`~bams.config.ModelConfig` describes."""
        return cls(
            n_inputs,
            n_actions,
            config.encoders,
            n_bins=config.hoa_bins,
            predictor_hidden=config.predictor_hidden,
            head_expansion=config.head_expansion,
            predictor_activation=config.predictor_activation,
            head_frames=config.head_frames,
        )

    @property
    def receptive_fields(self) -> dict[str, int]:
        """Receptive field of each encoder, in frames."""
        return {name: int(enc.receptive_field) for name, enc in self.encoders.items()}

    def forward_features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Embed a batch with every encoder.

        Parameters
        ----------
        x
            ``(B, C, T)`` preprocessed inputs.

        Returns
        -------
        dict
            ``{name: (B, D_name, T)}``.
        """
        return {name: enc(x) for name, enc in self.encoders.items()}

    def predict_hoa(
        self, features: dict[str, torch.Tensor], x: torch.Tensor, frames: torch.Tensor
    ) -> torch.Tensor:
        """HoA logits at selected frames from all latents and the current input.

        Parameters
        ----------
        features
            Output of :meth:`forward_features`, ``{name: (B, D, T)}``.
        x
            ``(B, C, T)`` inputs.
        frames
            ``(B, K)`` frame indices.

        Returns
        -------
        torch.Tensor
            ``(B, K, A, n_bins)`` logits.
        """
        parts = [*(features[name] for name in self.encoders), x]
        picked = torch.cat([gather_frames(p, frames) for p in parts], dim=-1)
        return self.predictor(picked).view(*frames.shape, self.n_actions, self.n_bins)

    def forward(
        self,
        x: torch.Tensor,
        hoa_frames: torch.Tensor | None = None,
        pairs: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
        target_features: dict[str, torch.Tensor] | None = None,
        symmetric: bool = True,
    ) -> dict:
        """Embed ``x``; with sampled frames, also compute what the training losses need.

        Everything a training step needs goes through this one call, so that distributed
        wrappers (DDP) see the whole computation.

        Parameters
        ----------
        x
            ``(B, C, T)`` inputs.
        hoa_frames
            Optional ``(B, K)`` frames at which to predict the HoA.
        pairs
            Optional ``{name: (first, second)}`` frame indices ``(B, P)`` of bootstrap pairs.
        target_features
            Optional ``{name: (B, D, T)}`` embeddings of ``x`` by other (target) encoders, e.g.
            a moving average of these; the targets of a latent found there are taken from
            them instead of from this network's embeddings.
        symmetric
            Use each pair in both directions (the default), or only from its first frame to
            its second (``False``: the head sees first frames only).

        Returns
        -------
        dict
            Without samples: ``{name: (B, D, T)}`` embeddings. With samples: ``hoa_logits``
            ``(B, K, A, n_bins)`` and, per latent ``name``, ``(prediction, target)`` each
            ``(2 B P, D)``: the head's output for each frame of a pair and the embedding of the
            other frame (symmetric loss), from ``target_features`` where given; ``(B P, D)``
            for the first frames and the second ones if not ``symmetric``.
        """
        features = self.forward_features(x)
        if hoa_frames is None and pairs is None:
            return features
        out: dict = {}
        if hoa_frames is not None:
            out["hoa_logits"] = self.predict_hoa(features, x, hoa_frames)
        for name, (first, second) in (pairs or {}).items():
            prediction = self._head(name, features[name], first, second, symmetric)
            targets = (target_features or {}).get(name, features[name])
            z_second = gather_frames(targets, second).flatten(0, 1)
            if symmetric:
                z_second = torch.cat([z_second, gather_frames(targets, first).flatten(0, 1)])
            out[name] = (prediction, z_second)
        return out

    def _head(
        self,
        name: str,
        z: torch.Tensor,
        first: torch.Tensor,
        second: torch.Tensor,
        symmetric: bool,
    ) -> torch.Tensor:
        """The head's predictions from the first frames (then the second ones if symmetric)."""
        if self.head_frames == "all":  # every frame through the head, then pick
            everywhere = self.heads[name](z.transpose(1, 2).flatten(0, 1))
            z = everywhere.view(z.shape[0], z.shape[2], -1).transpose(1, 2)
            picked = [gather_frames(z, frames).flatten(0, 1) for frames in (first, second)]
            return torch.cat(picked) if symmetric else picked[0]
        z_first = gather_frames(z, first).flatten(0, 1)
        if not symmetric:
            return self.heads[name](z_first)
        return self.heads[name](torch.cat([z_first, gather_frames(z, second).flatten(0, 1)]))


def gather_frames(z: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
    """Pick frames of a channels-first batch: ``(B, D, T)``, ``(B, K)`` -> ``(B, K, D)``."""
    index = frames.unsqueeze(1).expand(-1, z.shape[1], -1)
    return z.gather(2, index).transpose(1, 2)
