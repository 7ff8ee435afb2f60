"""Consistency checks of a whole configuration, run before anything is trained or written."""

from __future__ import annotations

from bams.config.schema import RunConfig

__all__ = ["check_config"]


def check_config(config: RunConfig) -> None:
    """Raise ``ValueError`` listing every inconsistent setting of ``config``.

    Examples
    --------
    >>> from bams.config import RunConfig
    >>> config = RunConfig()
    >>> config.train.batch_size = 0
    >>> check_config(config)
    Traceback (most recent call last):
    ...
    ValueError: Invalid configuration:
    - Expected batch_size >= 1, but got 0.
    """
    problems = _below_minimum(config) + _window_problems(config) + _encoder_problems(config)
    if problems:
        raise ValueError("Invalid configuration:\n- " + "\n- ".join(problems))


def _below_minimum(config: RunConfig) -> list[str]:
    m, t = config.model, config.train
    minimums = {
        "hoa_bins": (m.hoa_bins, 2),
        "hoa_window": (m.hoa_window, 1),
        "epochs": (t.epochs, 1),
        "batch_size": (t.batch_size, 1),
        "window_length": (t.window_length, 2),
        "bootstrap_pairs": (t.bootstrap_pairs, 1),
        "checkpoint_every": (t.checkpoint_every, 1),
        "log_every": (t.log_every, 1),
        "chunk_length": (config.embed.chunk_length, 1),
        "max_batch_frames": (config.embed.max_batch_frames, 1),
    }
    return [
        f"Expected {name} >= {minimum}, but got {value}."
        for name, (value, minimum) in minimums.items()
        if value < minimum
    ]


def _window_problems(config: RunConfig) -> list[str]:
    m, t, problems = config.model, config.train, []
    warmups = [m.hoa_warmup] + [e.warmup for e in m.encoders.values()]
    if t.window_length <= max(warmups):
        problems.append(
            f"Expected window_length longer than every warm-up ({max(warmups)} frames), "
            f"but got {t.window_length}."
        )
    if not 0 < t.hoa_frame_fraction <= 1:
        problems.append(f"Expected 0 < hoa_frame_fraction <= 1, but got {t.hoa_frame_fraction}.")
    if t.max_steps is not None and t.max_steps < 1:
        problems.append(f"Expected max_steps >= 1 or None, but got {t.max_steps}.")
    return problems


def _encoder_problems(config: RunConfig) -> list[str]:
    problems = []
    if not config.model.encoders:
        problems.append("Expected at least one encoder, but got none.")
    for name, enc in config.model.encoders.items():
        if not enc.channels or min(enc.channels) < 1:
            problems.append(f"Expected positive channels for {name}, but got {enc.channels}.")
        if enc.bootstrap_max_offset is not None and enc.bootstrap_max_offset < 0:
            problems.append(
                f"Expected bootstrap_max_offset >= 0 for {name}, "
                f"but got {enc.bootstrap_max_offset}."
            )
    return problems
