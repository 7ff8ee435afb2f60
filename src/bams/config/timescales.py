"""Timescales in seconds, converted to frames with the data's frame rate at fit time.

The defaults of :mod:`bams.config.schema` are durations (the paper's values at 30 Hz: receptive
fields of 61/30 s and 1365/30 s, a 1 s HoA window, 2 s warm-ups, ...). A frame field left unset
(``None``; ``"auto"`` for ``bootstrap_max_offset``, whose ``None`` means "any two frames") is
computed here from its ``*_s`` field; a frame field that is set wins and is kept as it is
(``bootstrap_min_offset`` stays ``None``, no minimum, when ``bootstrap_min_offset_s`` is
``None`` too).
:func:`resolve_timescales` returns a configuration with every frame field set: that is what the
estimator trains, saves and reloads.

Receptive fields: a TCN of ``n`` blocks, kernel size ``k`` and dilation base ``b`` sees
``1 + 2 (k - 1) (1 + b + ... + b^(n-1))`` frames. The unset ones among ``kernel_size`` (2 to
7) and ``dilation_base`` (1 or more) are chosen to make this closest to
``receptive_field_s * frame_rate`` (ties: the kernel size closest to the paper's 3, then the
smaller one, then the smaller base). For the
default encoders this gives exactly 61 and 1,365 frames at 30 Hz and is within 11% of the
target at 25, 50 and 150 Hz (the number of blocks fixes which fields can be reached).

Examples
--------
>>> from bams.config import ModelConfig
>>> resolved = resolve_timescales(ModelConfig(), 30.0)
>>> resolved.hoa_window, resolved.hoa_warmup, resolved.encoders["long_term"].dilation_base
(30, 60, 4)
>>> resolve_timescales(ModelConfig(), 50.0).hoa_window
50
"""

from __future__ import annotations

import dataclasses
import math

from bams.config.schema import AUTO, EncoderConfig, ModelConfig

__all__ = [
    "KERNEL_SIZES",
    "choose_tcn_shape",
    "resolve_encoder",
    "resolve_timescales",
    "tcn_receptive_field",
    "tcn_shape",
    "unresolved_fields",
]

KERNEL_SIZES = range(2, 8)
"""Kernel sizes tried when ``kernel_size`` is unset and a receptive field is asked in seconds."""
DEFAULT_KERNEL_SIZE = 3
"""Kernel size of an encoder that gives neither ``kernel_size`` nor ``receptive_field_s``."""
DEFAULT_DILATION_BASE = 2
"""Dilation base of an encoder that gives neither ``dilation_base`` nor ``receptive_field_s``."""


def tcn_receptive_field(n_blocks: int, kernel_size: int, dilation_base: int) -> int:
    """Frames (the current one included) that one output of a :class:`bams.models.TCN` sees.

    Examples
    --------
    >>> tcn_receptive_field(4, 3, 2), tcn_receptive_field(5, 3, 4)
    (61, 1365)
    """
    return 1 + 2 * (kernel_size - 1) * sum(dilation_base**i for i in range(n_blocks))


def choose_tcn_shape(
    n_blocks: int,
    target_frames: float,
    kernel_size: int | None = None,
    dilation_base: int | None = None,
) -> tuple[int, int]:
    """The ``(kernel_size, dilation_base)`` whose receptive field is closest to a target.

    Parameters
    ----------
    n_blocks
        Blocks of the TCN (``len(channels)``).
    target_frames
        The receptive field wanted, in frames (need not be whole).
    kernel_size, dilation_base
        Given ones are kept; the others are chosen (kernel sizes in :data:`KERNEL_SIZES`).

    Returns
    -------
    tuple of int
        Kernel size and dilation base; ties go to the kernel size closest to 3, then the
        smaller kernel, then the smaller base.

    Examples
    --------
    >>> choose_tcn_shape(4, 61.0), choose_tcn_shape(4, 101.7), choose_tcn_shape(4, 101.7, 3)
    ((3, 2), (4, 2), (3, 2))
    """
    kernels = [kernel_size] if kernel_size is not None else list(KERNEL_SIZES)
    candidates = [
        (abs(tcn_receptive_field(n_blocks, k, b) - target_frames), abs(k - 3), k, b)
        for k in kernels
        for b in (
            [dilation_base] if dilation_base is not None else _bases(n_blocks, k, target_frames)
        )
    ]
    _, _, kernel, base = min(candidates)
    return kernel, base


def _bases(n_blocks: int, kernel_size: int, target_frames: float) -> list[int]:
    """The two bases around the target: the largest below it and the smallest reaching it."""
    if n_blocks <= 1 or kernel_size <= 1:
        return [1]  # the receptive field does not depend on the base
    high = 1
    while tcn_receptive_field(n_blocks, kernel_size, high) < target_frames:
        high *= 2
    low = max(1, high // 2)
    while high - low > 1:  # the field grows with the base: bisect
        middle = (low + high) // 2
        if tcn_receptive_field(n_blocks, kernel_size, middle) < target_frames:
            low = middle
        else:
            high = middle
    return sorted({low, high})


def _frames(seconds: float, frame_rate: float, minimum: int) -> int:
    """``seconds`` in whole frames (half up), at least ``minimum``."""
    return max(minimum, math.floor(seconds * frame_rate + 0.5))


def tcn_shape(config: EncoderConfig, frame_rate: float | None) -> tuple[int, int]:
    """The ``(kernel_size, dilation_base)`` of an encoder: as given, chosen, or the defaults.

    Parameters
    ----------
    config
        An encoder; a given kernel size or dilation base is kept.
    frame_rate
        Frames per second; may be ``None`` when ``receptive_field_s`` is ``None`` or both
        fields are given.

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        If the receptive field must be converted from seconds and ``frame_rate`` is ``None``.

    Examples
    --------
    >>> tcn_shape(EncoderConfig(channels=[8, 8]), None)
    (3, 2)
    >>> tcn_shape(EncoderConfig(channels=[8] * 4, receptive_field_s=61 / 30), 30.0)
    (3, 2)
    """
    kernel, base = config.kernel_size, config.dilation_base
    if config.receptive_field_s is None:
        kernel = DEFAULT_KERNEL_SIZE if kernel is None else kernel
        base = DEFAULT_DILATION_BASE if base is None else base
    elif kernel is None or base is None:
        target = config.receptive_field_s * _need(frame_rate, "receptive_field_s")
        kernel, base = choose_tcn_shape(len(config.channels), target, kernel, base)
    return kernel, base


def resolve_encoder(config: EncoderConfig, frame_rate: float) -> EncoderConfig:
    """A copy of ``config`` with kernel size, dilation base, warm-up and offsets in frames.

    Parameters
    ----------
    config
        An encoder; its frame fields that are set are kept.
    frame_rate
        Frames per second.

    Returns
    -------
    EncoderConfig

    Examples
    --------
    >>> enc = resolve_encoder(EncoderConfig(channels=[8, 8]), 25.0)
    >>> enc.kernel_size, enc.dilation_base, enc.warmup, enc.bootstrap_max_offset
    (3, 2, 50, 4)
    """
    kernel, base = tcn_shape(config, frame_rate)
    warmup, offset = config.warmup, config.bootstrap_max_offset
    if warmup is None:
        warmup = _frames(config.warmup_s, frame_rate, 0)
    if offset == AUTO:
        seconds = config.bootstrap_max_offset_s
        offset = None if seconds is None else _frames(seconds, frame_rate, 1)
    min_offset = config.bootstrap_min_offset
    if min_offset is None and config.bootstrap_min_offset_s is not None:
        min_offset = _frames(config.bootstrap_min_offset_s, frame_rate, 1)
    return dataclasses.replace(
        config,
        kernel_size=kernel,
        dilation_base=base,
        warmup=warmup,
        bootstrap_max_offset=offset,
        bootstrap_min_offset=min_offset,
    )


def resolve_timescales(config: ModelConfig, frame_rate: float) -> ModelConfig:
    """A copy of ``config`` with every timescale in frames, for data at ``frame_rate``.

    Frame fields that are set are kept (so a resolved configuration resolves to itself);
    the ``*_s`` fields are kept too, as the record of what was asked.

    Parameters
    ----------
    config
        The model configuration (checked).
    frame_rate
        Frames per second of the training data.

    Returns
    -------
    ModelConfig

    Raises
    ------
    ValueError
        If ``frame_rate`` is not a positive number.

    Examples
    --------
    >>> resolved = resolve_timescales(ModelConfig(hoa_window=5), 50.0)
    >>> resolved.hoa_window, resolved.hoa_warmup, resolved.encoders["short_term"].kernel_size
    (5, 100, 4)
    """
    if not (isinstance(frame_rate, int | float) and math.isfinite(frame_rate) and frame_rate > 0):
        raise ValueError(f"Expected a positive frame rate, but got {frame_rate!r}.")
    hoa_window, hoa_warmup = config.hoa_window, config.hoa_warmup
    return dataclasses.replace(
        config,
        encoders={n: resolve_encoder(e, frame_rate) for n, e in config.encoders.items()},
        hoa_window=_frames(config.hoa_window_s, frame_rate, 1)
        if hoa_window is None
        else hoa_window,
        hoa_warmup=_frames(config.hoa_warmup_s, frame_rate, 0)
        if hoa_warmup is None
        else hoa_warmup,
    )


def unresolved_fields(config: ModelConfig) -> list[str]:
    """Names of the frame fields of ``config`` still to be computed from seconds.

    Examples
    --------
    >>> unresolved_fields(resolve_timescales(ModelConfig(), 30.0))
    []
    >>> unresolved_fields(ModelConfig())[:2]
    ['hoa_window', 'hoa_warmup']
    """
    names = [n for n in ("hoa_window", "hoa_warmup") if getattr(config, n) is None]
    for name, enc in config.encoders.items():
        unset = [n for n in ("kernel_size", "dilation_base", "warmup") if getattr(enc, n) is None]
        unset += ["bootstrap_max_offset"] if enc.bootstrap_max_offset == AUTO else []
        if enc.bootstrap_min_offset is None and enc.bootstrap_min_offset_s is not None:
            unset.append("bootstrap_min_offset")
        names += [f"{n} of {name}" for n in unset]
    return names


def _need(frame_rate: float | None, field: str) -> float:
    if frame_rate is None:
        raise ValueError(
            f"Expected a frame rate to convert {field} to frames, but got None (see "
            "bams.config.resolve_timescales)."
        )
    return frame_rate
