"""Causal dilated temporal convolutional network (TCN) encoder."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from bams.config.schema import ENCODER_INITS, PRELU_STYLES, RESIDUAL_ACTIVATIONS, WEIGHT_NORMS


class CausalConv1d(nn.Conv1d):
    """1-D convolution whose output at ``t`` depends only on inputs at ``<= t``.

    Pads ``(kernel_size - 1) * dilation`` zeros on the left; input and output ``(B, C, T)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int):
        super().__init__(in_channels, out_channels, kernel_size, dilation=dilation)
        self.left_padding = (kernel_size - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C_in, T)`` -> ``(B, C_out, T)``."""
        return super().forward(F.pad(x, (self.left_padding, 0)))


class FastDropout(nn.Module):
    """Element-wise dropout with the mask drawn from random bytes (4x faster on CPU).

    ``p`` is rounded to a multiple of 1/256; other devices use :func:`torch.nn.functional.dropout`.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Expected a dropout probability in [0, 1), but got {p}.")
        self.p = p
        self.threshold = round(p * 256)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Zero each element with probability ``p`` and rescale the rest (training only)."""
        if not self.training or self.threshold == 0:
            return x
        if x.device.type != "cpu":
            return F.dropout(x, self.p, training=True)
        # 8 uniform random bytes per int64; the full range keeps the top byte uniform too.
        words = torch.empty(x.numel() // 8 + 1, dtype=torch.int64).random_(-(2**63), 2**63 - 1)
        noise = words.view(torch.uint8)[: x.numel()].view(x.shape)
        keep = (noise >= self.threshold).to(x.dtype)
        return x * keep * (256.0 / (256 - self.threshold))

    def extra_repr(self) -> str:
        """The effective probability, after rounding to 1/256."""
        return f"p={self.threshold / 256:.4f}"


INIT_STD = 0.01
"""Standard deviation of the convolution weights with ``init="reference"`` or ``"normal_0.01"``."""


def _conv(
    in_channels: int, out_channels: int, kernel_size: int, dilation: int, normed: bool, draw: bool
) -> nn.Module:
    """A causal convolution, its weight drawn from N(0, INIT_STD^2) if ``draw``, then normed."""
    conv = CausalConv1d(in_channels, out_channels, kernel_size, dilation)
    if draw:  # before weight norm: the norm g then starts at the drawn weight's norm
        with torch.no_grad():
            conv.weight.normal_(0.0, INIT_STD)
    return weight_norm(conv) if normed else conv


def _prelu(channels: int, style: str) -> nn.PReLU:
    """One slope per channel (from 0.25), or one shared slope from 0.1 (``"shared"``)."""
    return nn.PReLU(channels) if style == "channel" else nn.PReLU(1, init=0.1)


def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"Expected {name} among {list(choices)}, but got {value!r}.")


class TemporalBlock(nn.Module):
    """Two causal convolutions with PReLU and dropout, plus a residual path.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, dilation, dropout
        Shape of the block.
    weight_norm, init, prelu, residual_activation
        As :class:`~bams.config.EncoderConfig` describes them; the defaults are this
        library's choices, and ``weight_norm="second"``, ``init="reference"``,
        ``prelu="shared"``, ``residual_activation="prelu"`` the reference implementation's.

    Raises
    ------
    ValueError
        If an option has an unknown value.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        dilation: int,
        dropout: float,
        *,
        weight_norm: str = "both",
        init: str = "default",
        prelu: str = "channel",
        residual_activation: str = "none",
    ):
        super().__init__()
        for name, value, choices in (
            ("weight_norm", weight_norm, WEIGHT_NORMS),
            ("init", init, ENCODER_INITS),
            ("prelu", prelu, PRELU_STYLES),
            ("residual_activation", residual_activation, RESIDUAL_ACTIVATIONS),
        ):
            _check_choice(name, value, choices)
        normed = (weight_norm == "both", weight_norm in ("both", "second"))
        draw = [init == "normal_0.01" or (init == "reference" and not n) for n in normed]
        shape = (kernel_size, dilation)
        self.conv1 = _conv(in_channels, out_channels, *shape, normed[0], draw[0])
        self.conv2 = _conv(out_channels, out_channels, *shape, normed[1], draw[1])
        self.act1 = _prelu(out_channels, prelu)
        self.act2 = _prelu(out_channels, prelu)
        self.dropout = FastDropout(dropout)
        self.residual = (
            nn.Conv1d(in_channels, out_channels, 1)
            if in_channels != out_channels
            else nn.Identity()
        )
        if init != "default" and isinstance(self.residual, nn.Conv1d):
            with torch.no_grad():
                self.residual.weight.normal_(0.0, INIT_STD)
        # No module at all by default, so that the weights' names stay those of earlier models.
        self.act_out: nn.Module | None = None
        if residual_activation == "relu":
            self.act_out = nn.ReLU()
        elif residual_activation == "prelu":
            self.act_out = _prelu(out_channels, prelu)
        self.lookback = 2 * (kernel_size - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C_in, T)`` -> ``(B, C_out, T)``, causally."""
        h = self.dropout(self.act1(self.conv1(x)))
        h = self.dropout(self.act2(self.conv2(h)))
        out = h + self.residual(x)
        return out if self.act_out is None else self.act_out(out)


class TCN(nn.Module):
    """Stack of :class:`TemporalBlock` with dilations ``dilation_base ** i``.

    Parameters
    ----------
    in_channels
        Input channels ``C``.
    channels
        Output channels of each block; the embedding has ``channels[-1]`` dimensions.
    kernel_size, dilation_base, dropout
        Block parameters.
    **options
        ``weight_norm``, ``init``, ``prelu`` and ``residual_activation`` of every block (see
        :class:`TemporalBlock`).

    Examples
    --------
    >>> tcn = TCN(5, channels=[8, 4], dilation_base=2)
    >>> tcn.receptive_field, tcn(torch.zeros(2, 5, 30)).shape
    (13, torch.Size([2, 4, 30]))
    """

    def __init__(
        self,
        in_channels: int,
        channels: Sequence[int],
        kernel_size: int = 3,
        dilation_base: int = 2,
        dropout: float = 0.2,
        **options: str,
    ):
        super().__init__()
        if not channels:
            raise ValueError("Expected at least one block in channels, but got none.")
        sizes = [in_channels, *channels]
        self.blocks = nn.Sequential(
            *(
                TemporalBlock(
                    sizes[i], sizes[i + 1], kernel_size, dilation_base**i, dropout, **options
                )
                for i in range(len(channels))
            )
        )
        self.out_channels = int(channels[-1])

    @property
    def receptive_field(self) -> int:
        """Number of input frames (current one included) that each output frame depends on."""
        return 1 + sum(block.lookback for block in self.blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Embed a batch: ``(B, C, T)`` -> ``(B, channels[-1], T)``, causally."""
        return self.blocks(x)
