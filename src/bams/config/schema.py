"""The configuration dataclasses: the one place where every default lives.

Every field name is unique across :class:`ModelConfig`, :class:`TrainConfig` and
:class:`EmbedConfig`, so the :class:`bams.BAMS` estimator takes them all as flat keyword
arguments, scikit-learn style (its signature is generated from these fields, see
:mod:`bams.config.params`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EncoderConfig:
    """One latent space: a causal encoder and its bootstrap loss.

    Attributes
    ----------
    channels
        Output channels of each temporal block; the last one is the embedding size.
    dilation_base
        Dilation of block ``i`` is ``dilation_base ** i``.
    kernel_size
        Convolution kernel size.
    dropout
        Dropout probability inside the blocks.
    architecture
        Name of the encoder in :mod:`bams.models.registry`.
    bootstrap_max_offset
        Bootstrap pairs are frames ``t`` and ``t + d`` with ``0 <= d <= bootstrap_max_offset``;
        ``None`` pairs any two frames of a training window.
    bootstrap_weight
        Weight of this latent's bootstrap loss in the total loss.
    warmup
        Frames at the start of each training window not used as bootstrap samples, because the
        encoder has not seen enough context there.
    """

    channels: list[int]
    dilation_base: int = 2
    kernel_size: int = 3
    dropout: float = 0.2
    architecture: str = "tcn"
    bootstrap_max_offset: int | None = 5
    bootstrap_weight: float = 0.5
    warmup: int = 60


def default_encoders() -> dict[str, EncoderConfig]:
    """The paper's two latent spaces (receptive fields of 61 and 1365 frames)."""
    return {
        "short_term": EncoderConfig(
            channels=[64, 64, 32, 32], dilation_base=2, bootstrap_max_offset=5, warmup=60
        ),
        "long_term": EncoderConfig(
            channels=[64, 64, 64, 32, 32], dilation_base=4, bootstrap_max_offset=None, warmup=100
        ),
    }


@dataclass
class ModelConfig:
    """The network and the objective.

    Attributes
    ----------
    encoders
        Named latent spaces.
    hoa_bins
        Bins per action feature in the histogram-of-actions (HoA) target.
    hoa_window
        Future frames ``t+1 .. t+hoa_window`` summarized by the HoA target at frame ``t``.
    hoa_quantiles
        Percentiles (0-100) of each action on the training data that bound the bins; values
        beyond fall in the end bins.
    hoa_weight
        Weight of the HoA loss in the total loss.
    hoa_warmup
        Frames at the start of each training window left out of the HoA loss.
    predictor_hidden
        Hidden sizes of the HoA predictor MLP.
    head_expansion
        Hidden width of each bootstrap head, as a multiple of its latent size.
    """

    encoders: dict[str, EncoderConfig] = field(default_factory=default_encoders)
    hoa_bins: int = 32
    hoa_window: int = 30
    hoa_quantiles: tuple[float, float] = (0.5, 99.5)
    hoa_weight: float = 500.0
    hoa_warmup: int = 60
    predictor_hidden: list[int] = field(default_factory=lambda: [256, 512, 512])
    head_expansion: int = 4


@dataclass
class TrainConfig:
    """Optimization, sampling, devices and bookkeeping.

    Attributes
    ----------
    epochs
        One epoch draws about one window per ``window_length`` frames of data.
    max_steps
        If set, stop after this many optimizer steps (overrides ``epochs``).
    batch_size
        Windows per optimizer step (per device).
    window_length
        Frames per training window.
    learning_rate, weight_decay
        AdamW parameters.
    head_lr_multiplier
        Learning-rate multiplier of the bootstrap heads.
    lr_decay_at, lr_decay_factor
        The learning rate is multiplied by ``lr_decay_factor`` at each of these fractions of
        training.
    grad_clip_norm
        Clip the global gradient norm to this value (``None``: no clipping).
    hoa_frame_fraction
        Fraction of each window's frames (after warm-up) that go through the HoA predictor; an
        unbiased subsample of the loss that saves most of the predictor's cost.
    bootstrap_pairs
        Frame pairs sampled per window and latent space for the bootstrap losses.
    seed
        Seed of every random choice.
    accelerator, devices, num_nodes, strategy, precision
        Passed to :class:`lightning_fabric.Fabric` (e.g. ``"gpu"``, ``4``, ``2``, ``"ddp"``,
        ``"bf16-mixed"``).
    checkpoint_every
        Write a checkpoint every this many epochs (and always at the end).
    logger
        ``"csv"``, ``"tensorboard"`` or ``"none"``.
    log_every
        Log the loss terms every this many steps.
    num_workers
        DataLoader worker processes.
    """

    epochs: int = 100
    max_steps: int | None = None
    batch_size: int = 32
    window_length: int = 1800
    learning_rate: float = 1e-3
    weight_decay: float = 4e-5
    head_lr_multiplier: float = 10.0
    lr_decay_at: list[float] = field(default_factory=lambda: [0.4])
    lr_decay_factor: float = 0.1
    grad_clip_norm: float | None = 1.0
    hoa_frame_fraction: float = 0.25
    bootstrap_pairs: int = 64
    seed: int = 0
    accelerator: str = "auto"
    devices: int | str = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    checkpoint_every: int = 50
    logger: str = "csv"
    log_every: int = 10
    num_workers: int = 0


@dataclass
class EmbedConfig:
    """Streaming inference.

    Attributes
    ----------
    chunk_length
        Output frames per chunk; each chunk also reads ``receptive_field - 1`` earlier frames,
        so results equal whole-sequence inference while memory stays bounded.
    max_batch_frames
        Chunks are batched up to this many input frames per forward pass.
    inference_precision
        ``"auto"`` (bf16 where the hardware computes it natively, else fp32), ``"bf16"`` or
        ``"32"``.
    inference_device
        ``"auto"`` (a GPU if present), ``"cpu"``, ``"cuda"``, ...
    """

    chunk_length: int = 16384
    max_batch_frames: int = 65536
    inference_precision: str = "auto"
    inference_device: str = "auto"


@dataclass
class RunConfig:
    """A whole run: where the data is, where outputs go, and the three parts above."""

    data: str | None = None
    output_dir: str = "runs/bams"
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
