"""Encoders built by name from an explicit registry."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from torch import nn

from bams.config import EncoderConfig
from bams.config.timescales import tcn_shape
from bams.models.tcn import TCN

EncoderFactory = Callable[[int, EncoderConfig], nn.Module]
_ENCODERS: dict[str, EncoderFactory] = {}


def register_encoder(name: str) -> Callable[[EncoderFactory], EncoderFactory]:
    """Register ``factory(in_channels, config) -> module`` under ``name``.

    The module maps ``(B, C, T)`` to ``(B, D, T)`` causally and has the attributes
    ``receptive_field`` and ``out_channels``.
    """

    def decorator(factory: EncoderFactory) -> EncoderFactory:
        if name in _ENCODERS:
            raise ValueError(f"Expected a new encoder name, but {name!r} is already registered.")
        _ENCODERS[name] = factory
        return factory

    return decorator


def list_encoders() -> list[str]:
    """Names of the registered encoder architectures."""
    return sorted(_ENCODERS)


def build_encoder(in_channels: int, config: EncoderConfig) -> nn.Module:
    """Build the encoder named ``config.architecture``.

    The factory receives ``config`` with its kernel size and dilation base set (see
    :func:`bams.config.timescales.tcn_shape`).

    Raises
    ------
    ValueError
        If the architecture is not registered, or the receptive field is given in seconds
        only (resolve the model configuration with the frame rate first).
    """
    if config.architecture not in _ENCODERS:
        raise ValueError(
            f"Expected an encoder architecture among {list_encoders()}, "
            f"but got {config.architecture!r}."
        )
    if config.kernel_size is None or config.dilation_base is None:
        kernel_size, dilation_base = tcn_shape(config, frame_rate=None)
        config = dataclasses.replace(config, kernel_size=kernel_size, dilation_base=dilation_base)
    return _ENCODERS[config.architecture](in_channels, config)


@register_encoder("tcn")
def _tcn(in_channels: int, config: EncoderConfig) -> TCN:
    return TCN(
        in_channels,
        channels=config.channels,
        kernel_size=config.kernel_size,
        dilation_base=config.dilation_base,
        dropout=config.dropout,
        weight_norm=config.weight_norm,
        init=config.init,
        prelu=config.prelu,
        residual_activation=config.residual_activation,
    )
