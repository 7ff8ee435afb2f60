"""Consistency checks of a whole configuration, run before anything is trained or written."""

from __future__ import annotations

import math

from bams.config.schema import (
    AUTO,
    BOOTSTRAP_SAMPLINGS,
    ENCODER_INITS,
    HEAD_FRAMES,
    PREDICTOR_ACTIVATIONS,
    PRELU_STYLES,
    PREPARED_BACKINGS,
    RESIDUAL_ACTIVATIONS,
    WEIGHT_NORMS,
    EncoderConfig,
    RunConfig,
)

__all__ = [
    "INFERENCE_PRECISIONS",
    "TRAINING_PRECISIONS",
    "check_config",
    "inference_precision",
    "seconds_problems",
    "training_precision",
]

# One precision vocabulary for training and inference: "32", "bf16" and "16" (and "auto" for
# inference) mean the same everywhere; Fabric's own names are accepted for training too.
TRAINING_PRECISIONS = {
    "32": "32-true",
    "32-true": "32-true",
    "bf16": "bf16-mixed",
    "bf16-mixed": "bf16-mixed",
    "16": "16-mixed",
    "16-mixed": "16-mixed",
    "64": "64-true",
    "64-true": "64-true",
}
"""Accepted training precisions and the name Lightning Fabric gives each."""
INFERENCE_PRECISIONS = {
    "auto": "auto",
    "32": "32",
    "32-true": "32",
    "bf16": "bf16",
    "bf16-mixed": "bf16",
    "bf16-true": "bf16",
}
"""Accepted inference precisions and the name :func:`bams.embedding.resolve_inference` uses."""


def training_precision(value: str) -> str:
    """Fabric's name for a training precision (``"bf16"`` -> ``"bf16-mixed"``).

    Raises
    ------
    ValueError
        If ``value`` is not a known precision.
    """
    if str(value) not in TRAINING_PRECISIONS:
        raise ValueError(
            f"Expected a training precision among {sorted(TRAINING_PRECISIONS)}, but got {value!r}."
        )
    return TRAINING_PRECISIONS[str(value)]


def inference_precision(value: str) -> str:
    """The inference precision ``auto``, ``32`` or ``bf16`` that ``value`` names.

    Raises
    ------
    ValueError
        If ``value`` is not a known precision.
    """
    if str(value) not in INFERENCE_PRECISIONS:
        raise ValueError(
            "Expected an inference precision among "
            f"{sorted(INFERENCE_PRECISIONS)}, but got {value!r}."
        )
    return INFERENCE_PRECISIONS[str(value)]


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
    problems = (
        _below_minimum(config)
        + _out_of_range(config)
        + _window_problems(config)
        + _encoder_problems(config)
        + seconds_problems(config)
        + _vocabulary_problems(config)
    )
    if problems:
        raise ValueError("Invalid configuration:\n- " + "\n- ".join(problems))


def _below_minimum(config: RunConfig) -> list[str]:
    m, t = config.model, config.train
    minimums = {
        "hoa_bins": (m.hoa_bins, 2),
        "hoa_window": (m.hoa_window, 1),
        "head_expansion": (m.head_expansion, 1),
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
        if value is not None and value < minimum  # None: from seconds, checked there
    ]


def _out_of_range(config: RunConfig) -> list[str]:
    """Real-valued settings: finite, and inside the range where they mean something."""
    m, t = config.model, config.train
    positive = {
        "learning_rate": t.learning_rate,
        "lr_decay_factor": t.lr_decay_factor,
        "head_lr_multiplier": t.head_lr_multiplier,
    }
    non_negative = {"hoa_weight": m.hoa_weight, "weight_decay": t.weight_decay}
    non_negative |= {f"bootstrap_weight of {n}": e.bootstrap_weight for n, e in m.encoders.items()}
    problems = [
        f"Expected a finite {name} > 0, but got {value}."
        for name, value in positive.items()
        if not (math.isfinite(value) and value > 0)
    ]
    problems += [
        f"Expected a finite {name} >= 0, but got {value}."
        for name, value in non_negative.items()
        if not (math.isfinite(value) and value >= 0)
    ]
    head_rate = t.learning_rate * t.head_lr_multiplier
    if not head_rate <= 1e6:  # larger rates overflow AdamW's float32 state (inf included)
        problems.append(
            "Expected learning_rate x head_lr_multiplier <= 1e6, but got "
            f"{t.learning_rate} x {t.head_lr_multiplier}."
        )
    if t.grad_clip_norm is not None and not (
        math.isfinite(t.grad_clip_norm) and t.grad_clip_norm > 0
    ):
        problems.append(f"Expected grad_clip_norm > 0 or None, but got {t.grad_clip_norm}.")
    low, high = m.hoa_quantiles
    if not 0 <= low < high <= 100:
        problems.append(
            "Expected hoa_quantiles (low, high) with 0 <= low < high <= 100, but got "
            f"{m.hoa_quantiles}."
        )
    outside = [f for f in t.lr_decay_at if not 0 <= f <= 1]
    if outside:
        problems.append(f"Expected lr_decay_at fractions in [0, 1], but got {t.lr_decay_at}.")
    if m.hoa_warmup is not None and m.hoa_warmup < 0:
        problems.append(f"Expected hoa_warmup >= 0, but got {m.hoa_warmup}.")
    return problems + _augmentation_problems(config)


def _augmentation_problems(config: RunConfig) -> list[str]:
    """Input noise and dropout, and the momentum of the target encoders."""
    t, problems = config.train, []
    if not (math.isfinite(t.input_noise) and t.input_noise >= 0):
        problems.append(f"Expected a finite input_noise >= 0, but got {t.input_noise}.")
    if not 0 <= t.input_dropout < 1:
        problems.append(f"Expected 0 <= input_dropout < 1, but got {t.input_dropout}.")
    if t.target_ema is not None and not 0 <= t.target_ema < 1:
        problems.append(f"Expected 0 <= target_ema < 1 or None, but got {t.target_ema}.")
    return problems


def _choice_problems(config: RunConfig) -> list[str]:
    """The options between this library's choices and the reference implementation's."""
    m, t = config.model, config.train
    settings = [
        ("predictor_activation", m.predictor_activation, PREDICTOR_ACTIVATIONS),
        ("head_frames", m.head_frames, HEAD_FRAMES),
        ("bootstrap_sampling", t.bootstrap_sampling, BOOTSTRAP_SAMPLINGS),
        ("prepared", t.prepared, PREPARED_BACKINGS),
    ]
    for name, enc in m.encoders.items():
        settings += [
            (f"weight_norm of {name}", enc.weight_norm, WEIGHT_NORMS),
            (f"init of {name}", enc.init, ENCODER_INITS),
            (f"prelu of {name}", enc.prelu, PRELU_STYLES),
            (f"residual_activation of {name}", enc.residual_activation, RESIDUAL_ACTIVATIONS),
        ]
    problems = [
        f"Expected {field} among {list(choices)}, but got {value!r}."
        for field, value, choices in settings
        if value not in choices
    ]
    if t.bootstrap_sampling == "reference" and m.head_frames == "sampled" and t.batch_size == 1:
        problems.append(
            "Expected batch_size >= 2 with bootstrap_sampling 'reference' and head_frames "
            "'sampled' (one pair per window: the bootstrap heads' batch norm needs two), "
            f"but got {t.batch_size}."
        )
    return problems


def _vocabulary_problems(config: RunConfig) -> list[str]:
    problems = _choice_problems(config)
    if config.train.logger not in ("csv", "tensorboard", "none"):
        problems.append(
            f"Expected logger 'csv', 'tensorboard' or 'none', but got {config.train.logger!r}."
        )
    for check, value in (
        (training_precision, config.train.precision),
        (inference_precision, config.embed.inference_precision),
    ):
        try:
            check(value)
        except ValueError as err:
            problems.append(str(err))
    return problems


def _window_problems(config: RunConfig) -> list[str]:
    m, t, problems = config.model, config.train, []
    # Warm-ups given in seconds are checked again once in frames (at fit time).
    warmups = [w for w in [m.hoa_warmup] + [e.warmup for e in m.encoders.values()] if w is not None]
    if warmups and t.window_length <= max(warmups):
        problems.append(
            f"Expected window_length longer than every warm-up ({max(warmups)} frames), "
            f"but got {t.window_length}."
        )
    if not 0 < t.hoa_frame_fraction <= 1:
        problems.append(f"Expected 0 < hoa_frame_fraction <= 1, but got {t.hoa_frame_fraction}.")
    if t.max_steps is not None and t.max_steps < 1:
        problems.append(f"Expected max_steps >= 1 or None, but got {t.max_steps}.")
    if t.max_minutes is not None and not t.max_minutes > 0:
        problems.append(f"Expected max_minutes > 0 or None, but got {t.max_minutes}.")
    return problems


def _encoder_problems(config: RunConfig) -> list[str]:
    problems = []
    if not config.model.encoders:
        problems.append("Expected at least one encoder, but got none.")
    for name, enc in config.model.encoders.items():
        if not enc.channels or min(enc.channels) < 1:
            problems.append(f"Expected positive channels for {name}, but got {enc.channels}.")
        for field, value in (
            ("kernel_size", enc.kernel_size),
            ("dilation_base", enc.dilation_base),
        ):
            if value is not None and value < 1:
                problems.append(f"Expected {field} >= 1 for {name}, but got {value}.")
        if not (math.isfinite(enc.dropout) and 0 <= enc.dropout < 1):
            problems.append(f"Expected 0 <= dropout < 1 for {name}, but got {enc.dropout}.")
        if enc.warmup is not None and enc.warmup < 0:
            problems.append(f"Expected warmup >= 0 for {name}, but got {enc.warmup}.")
        offset = enc.bootstrap_max_offset
        if isinstance(offset, str) and offset != AUTO:
            problems.append(
                f"Expected bootstrap_max_offset >= 0, {AUTO!r} or None for {name}, "
                f"but got {offset!r}."
            )
        elif isinstance(offset, int) and offset < 0:
            problems.append(f"Expected bootstrap_max_offset >= 0 for {name}, but got {offset}.")
        problems += _min_offset_problems(name, enc, config.train.window_length)
    return problems


def _min_offset_problems(name: str, enc: EncoderConfig, window_length: int) -> list[str]:
    """``bootstrap_min_offset``: at least 1, at most the maximum, shorter than the window."""
    low, high = enc.bootstrap_min_offset, enc.bootstrap_max_offset
    if low is None:  # no minimum, or in seconds: checked again in frames at fit time
        return []
    if low < 1:
        return [f"Expected bootstrap_min_offset >= 1 for {name}, but got {low}."]
    if isinstance(high, int) and low > high:
        return [
            f"Expected bootstrap_min_offset <= bootstrap_max_offset ({high}) for {name}, "
            f"but got {low}."
        ]
    if enc.warmup is not None and low >= window_length - enc.warmup:
        return [
            f"Expected bootstrap_min_offset < window_length - warmup ({window_length} - "
            f"{enc.warmup}) for {name}, so that pairs so far apart fit in a window, but got {low}."
        ]
    return []


def seconds_problems(config: RunConfig) -> list[str]:
    """Durations in seconds: finite, > 0 (a warm-up may be 0); ``None`` where it means none.

    Examples
    --------
    >>> from bams.config import RunConfig
    >>> config = RunConfig()
    >>> config.model.hoa_window_s = 0.0
    >>> seconds_problems(config)
    ['Expected hoa_window_s > 0 seconds, but got 0.0.']
    """
    m = config.model
    positive: dict[str, float | None] = {"hoa_window_s": m.hoa_window_s}
    non_negative: dict[str, float | None] = {"hoa_warmup_s": m.hoa_warmup_s}
    for name, enc in m.encoders.items():
        positive[f"receptive_field_s of {name}"] = enc.receptive_field_s
        positive[f"bootstrap_max_offset_s of {name}"] = enc.bootstrap_max_offset_s
        positive[f"bootstrap_min_offset_s of {name}"] = enc.bootstrap_min_offset_s
        non_negative[f"warmup_s of {name}"] = enc.warmup_s
    problems = [
        f"Expected {name} > 0 seconds, but got {value}."
        for name, value in positive.items()
        if value is not None and not (math.isfinite(value) and value > 0)
    ]
    problems += [
        f"Expected {name} >= 0 seconds, but got {value}."
        for name, value in non_negative.items()
        if value is not None and not (math.isfinite(value) and value >= 0)
    ]
    return problems
