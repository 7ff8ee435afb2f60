"""Presets: complete run configurations by name, from one explicit registry (like timm's models).

Each preset is a function registered with :func:`register_preset` that returns keyword
arguments of :class:`bams.BAMS` on top of the defaults of :mod:`bams.config`; its docstring's
first line describes it. :func:`get_preset` turns one into a checked :class:`RunConfig`,
``bams presets`` lists them and ``bams train --preset NAME`` starts from one.

Examples
--------
>>> "quadrupeds" in list_presets()
True
>>> get_preset("mabe_mice").train.window_length
1800
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from bams.config import RunConfig, config_from_params, parameter_defaults
from bams.config.schema import default_encoders

__all__ = [
    "bandit_params",
    "describe_presets",
    "get_preset",
    "list_presets",
    "preset_params",
    "register_preset",
]

_REGISTRY: dict[str, Callable[[], dict[str, Any]]] = {}


def register_preset(function: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Register ``function`` as the preset named after it (a decorator).

    Raises
    ------
    ValueError
        If a preset of that name exists already.
    """
    name = function.__name__
    if name in _REGISTRY:
        raise ValueError(f"Expected a new preset name, but {name!r} is registered already.")
    _REGISTRY[name] = function
    return function


def list_presets() -> list[str]:
    """The registered preset names, sorted."""
    return sorted(_REGISTRY)


def describe_presets() -> dict[str, str]:
    """``{name: the first line of its description}`` of every preset, sorted by name."""
    return {n: (_REGISTRY[n].__doc__ or "").strip().splitlines()[0] for n in list_presets()}


def preset_params(name: str) -> dict[str, Any]:
    """The keyword arguments of :class:`bams.BAMS` that preset ``name`` sets (a fresh copy).

    Raises
    ------
    ValueError
        If no preset has that name.
    """
    if name not in _REGISTRY:
        raise ValueError(f"Expected a preset among {list_presets()}, but got {name!r}.")
    return _REGISTRY[name]()


def get_preset(name: str) -> RunConfig:
    """The complete, checked run configuration of preset ``name``.

    Raises
    ------
    ValueError
        If no preset has that name.
    """
    return config_from_params({**parameter_defaults(), **preset_params(name)})


# ---------------------------------------------------------------------- the presets
@register_preset
def default() -> dict[str, Any]:
    """The paper's settings in seconds: receptive fields 2 s, 45.5 s (61, 1,365 frames at 30 Hz)."""
    return {}


@register_preset
def quick() -> dict[str, Any]:
    """A tiny network (16 channels, 2-3 blocks) for smoke tests and first looks, in seconds."""
    return {
        "encoders": {
            "short_term": {"channels": [16, 16], "dilation_base": 2, "warmup": 10},
            "long_term": {
                "channels": [16, 16, 16],
                "dilation_base": 4,
                "warmup": 40,
                "bootstrap_max_offset": None,
            },
        },
        "predictor_hidden": [64],
    }


@register_preset
def synthetic() -> dict[str, Any]:
    """The synthetic demo: 300 steps (about 5 minutes on 2 CPU cores), lr decay at 80%."""
    # The paper lowers the learning rate at 40% of a 500-epoch run; in a run this short,
    # lowering it at 80% learns the slow factors much better (measured on this data).
    return {"max_steps": 300, "window_length": 1800, "lr_decay_at": [0.8]}


def _paper_encoders_in_frames() -> dict[str, dict[str, Any]]:
    """The paper's encoders pinned in frames (receptive fields 61 and 1,365 frames).

    With the default 64-channel latents (the paper's are 32 wide).
    """
    return {
        "short_term": {
            "channels": [64, 64, 32, 64],
            "dilation_base": 2,
            "bootstrap_max_offset": 5,
            "warmup": 60,
        },
        "long_term": {
            "channels": [64, 64, 64, 32, 64],
            "dilation_base": 4,
            "bootstrap_max_offset": None,
            "warmup": 100,
        },
    }


def _paper_encoders() -> dict[str, dict[str, Any]]:
    """The paper's encoders exactly, in seconds: 32-channel latents."""
    encoders = {name: asdict(enc) for name, enc in default_encoders().items()}
    for enc in encoders.values():
        enc["channels"] = [*enc["channels"][:-1], 32]
    return encoders


@register_preset
def quadrupeds() -> dict[str, Any]:
    """Simulated legged robots at 50 Hz: one 20 s trajectory per window, 3,000 steps."""
    # A trajectory is 1,000 frames: one whole trajectory per window. The encoders are the
    # paper's in frames, as in docs/benchmarks/quadrupeds.md: 61 frames (1.2 s, about two trot
    # cycles) and 1,365 frames (the whole trajectory), warm-ups of 60 and 100 frames; the
    # future-action histogram covers 1 s. Short runs learn the slow factors better when the
    # learning rate is lowered late (measured on the synthetic demo).
    return {
        "encoders": _paper_encoders_in_frames(),
        "window_length": 1000,
        "batch_size": 32,
        "hoa_window": 50,
        "hoa_warmup": 60,
        "lr_decay_at": [0.8],
        "max_steps": 3000,
    }


@register_preset
def mabe_mice() -> dict[str, Any]:
    """MABe 2022 mouse triplets as in the paper: 32 whole 1,800-frame clips a batch, 500 epochs."""
    # lr x 0.1 at 40% (epoch 200), and the paper's encoders and 32 HoA bins rather than the
    # defaults: two 32-channel latents make the 128 dimensions the challenge allows (mean and
    # max - min over the 3 mice); 64-channel latents would make 256.
    return {
        "encoders": _paper_encoders(),
        "hoa_bins": 32,
        "batch_size": 32,
        "window_length": 1800,
        "epochs": 500,
    }


@register_preset
def mabe_flies() -> dict[str, Any]:
    """MABe 2022 fly groups (not in the paper): whole 4,500-frame clips, as for the mice."""
    # The encoders stay in frames (61 and 1,365: 0.4 s and 9 s at 150 Hz), as before the
    # defaults moved to seconds: at 150 Hz the seconds defaults give a 6,249-frame long-term
    # field, longer than a whole 30 s clip, and a larger network. Not measured either way.
    return {
        "encoders": _paper_encoders_in_frames(),
        "hoa_window": 30,
        "hoa_warmup": 60,
        "batch_size": 32,
        "window_length": 4500,
        "epochs": 500,
    }


@register_preset
def bandit() -> dict[str, Any]:
    """Decision making, one frame per trial, for sessions of 300 trials (see bandit_params)."""
    return bandit_params(300)


@register_preset
def larvae() -> dict[str, Any]:
    """Drosophila larvae at 16 fps (larvaworld): receptive fields 1.8 s and 30 s, 1,200 steps."""
    # Short term: 3 blocks of base 2 -> 29 frames = 1.8 s (the paper's 61 frames are 2 s at
    # 30 Hz). Long term: 5 blocks of base 3 -> 485 frames = 30 s (the paper's 1365 frames are
    # 45 s; 30 s is two thirds of the shortest track, 717 frames, and fits in its halves).
    return {
        "encoders": {
            "short_term": {
                "channels": [64, 64, 64],
                "dilation_base": 2,
                "bootstrap_max_offset": 3,  # 0.19 s, as the paper's 5 frames at 30 Hz
                "warmup": 30,
            },
            "long_term": {
                "channels": [64, 64, 64, 32, 64],
                "dilation_base": 3,
                "bootstrap_max_offset": None,
                "warmup": 100,
            },
        },
        "hoa_window": 16,  # 1 s of future, as the paper's 30 frames at 30 Hz
        "hoa_warmup": 30,
        "window_length": 720,  # 45 s: about the shortest track (717 frames)
        "batch_size": 16,
        "lr_decay_at": [0.8],
        "inference_precision": "32",
        "max_steps": 1200,
    }


def bandit_params(session_length: int = 300) -> dict:
    """BAMS settings for sessions of ``session_length`` trials (one frame per trial).

    The short-term encoder sees 15 trials (7 for sessions shorter than 60): a few strategy
    bouts. The long-term encoder (kernel 3, dilation base 4) has the fewest blocks whose
    receptive field covers the whole session (341 trials for 300). The HoA target is the
    histogram of the next 8 trials (4 for short sessions); bootstrap pairs of the short-term
    latent are at most 2 trials apart; a training window is a whole session (the longest
    one, if they differ). Returns keyword arguments of :class:`bams.BAMS`.

    Raises
    ------
    ValueError
        If ``session_length < 16``.

    Examples
    --------
    >>> params = bandit_params(300)
    >>> params["window_length"], params["encoders"]["long_term"]["channels"]
    (300, [64, 64, 64, 64])
    """
    if session_length < 16:
        raise ValueError(f"Expected sessions of at least 16 trials, but got {session_length}.")
    short_blocks = 3 if session_length >= 60 else 2  # receptive field 1 + 2 (2^n - 1)
    long_blocks = 2
    while 1 + 4 * (4**long_blocks - 1) // 3 < session_length:
        long_blocks += 1
    short_warmup = 2**short_blocks - 1
    return {
        "encoders": {
            "short_term": {
                "channels": [64] * short_blocks,
                "kernel_size": 2,
                "dilation_base": 2,
                "bootstrap_max_offset": 2,
                "warmup": short_warmup,
            },
            "long_term": {
                "channels": [64] * long_blocks,
                "kernel_size": 3,
                "dilation_base": 4,
                "bootstrap_max_offset": None,
                "warmup": min(30, session_length // 4),
            },
        },
        "hoa_bins": 16,
        "hoa_window": 8 if session_length >= 60 else 4,
        "hoa_warmup": short_warmup,
        "predictor_hidden": [256, 256],
        "window_length": int(session_length),
        "batch_size": 32,
        "lr_decay_at": [0.8],
        "inference_precision": "32",
    }
