"""Causal dilated temporal convolutional network (TCN) encoder."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm


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


class TemporalBlock(nn.Module):
    """Two weight-normalized causal convolutions with PReLU and dropout, plus a residual path."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, dilation: int, dropout: float
    ):
        super().__init__()
        self.conv1 = weight_norm(CausalConv1d(in_channels, out_channels, kernel_size, dilation))
        self.conv2 = weight_norm(CausalConv1d(out_channels, out_channels, kernel_size, dilation))
        self.act1 = nn.PReLU(out_channels)
        self.act2 = nn.PReLU(out_channels)
        self.dropout = FastDropout(dropout)
        self.residual = (
            nn.Conv1d(in_channels, out_channels, 1)
            if in_channels != out_channels
            else nn.Identity()
        )
        self.lookback = 2 * (kernel_size - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C_in, T)`` -> ``(B, C_out, T)``, causally."""
        h = self.dropout(self.act1(self.conv1(x)))
        h = self.dropout(self.act2(self.conv2(h)))
        return h + self.residual(x)


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
    ):
        super().__init__()
        if not channels:
            raise ValueError("Expected at least one block in channels, but got none.")
        sizes = [in_channels, *channels]
        self.blocks = nn.Sequential(
            *(
                TemporalBlock(sizes[i], sizes[i + 1], kernel_size, dilation_base**i, dropout)
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
