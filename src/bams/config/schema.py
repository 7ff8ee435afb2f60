"""The configuration dataclasses: the one place where every default lives.

Every field name is unique across :class:`ModelConfig`, :class:`TrainConfig` and
:class:`EmbedConfig`, so the :class:`bams.BAMS` estimator takes them all as flat keyword
arguments, scikit-learn style (its signature is generated from these fields, see
:mod:`bams.config.params`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

AUTO = "auto"
"""The value of ``bootstrap_max_offset`` that means "from ``bootstrap_max_offset_s``"."""

# Options between this library's choices (the first value of each, the dataclass default)
# and those of the reference implementation (github.com/nerdslab/bams), for ablations.
WEIGHT_NORMS = ("both", "second", "none")
"""Values of :attr:`EncoderConfig.weight_norm`."""
ENCODER_INITS = ("default", "reference", "normal_0.01")
"""Values of :attr:`EncoderConfig.init`."""
PRELU_STYLES = ("channel", "shared")
"""Values of :attr:`EncoderConfig.prelu`."""
RESIDUAL_ACTIVATIONS = ("none", "prelu", "relu")
"""Values of :attr:`EncoderConfig.residual_activation`."""
PREDICTOR_ACTIVATIONS = ("prelu", "relu")
"""Values of :attr:`ModelConfig.predictor_activation`."""
HEAD_FRAMES = ("sampled", "all")
"""Values of :attr:`ModelConfig.head_frames`."""
BOOTSTRAP_SAMPLINGS = ("symmetric", "reference")
"""Values of :attr:`TrainConfig.bootstrap_sampling`."""
PREPARED_BACKINGS = ("auto", "memory", "disk")
"""Values of :attr:`TrainConfig.prepared`."""


@dataclass
class EncoderConfig:
    """One latent space: a causal encoder and its bootstrap loss.

    Timescales are given in frames or in seconds: a frame field left unset (``None``, or
    ``"auto"`` for ``bootstrap_max_offset``) is computed from its ``*_s`` field with the data's
    frame rate when :meth:`bams.BAMS.fit` starts (see :mod:`bams.config.timescales`); a frame
    field that is set wins.

    Attributes
    ----------
    channels
        Output channels of each temporal block; the last one is the embedding size.
    dilation_base
        Dilation of block ``i`` is ``dilation_base ** i``. ``None``: chosen (with an unset
        ``kernel_size``) so that the receptive field is closest to ``receptive_field_s``, or 2
        if that is ``None`` too.
    kernel_size
        Convolution kernel size. ``None``: chosen (2 to 7) like ``dilation_base``, or 3.
    dropout
        Dropout probability inside the blocks.
    architecture
        Name of the encoder in :mod:`bams.models.registry`.
    bootstrap_max_offset
        Bootstrap pairs are frames ``t`` and ``t + d`` with ``0 <= d <= bootstrap_max_offset``;
        ``None`` pairs any two frames of a training window; ``"auto"``: from
        ``bootstrap_max_offset_s``.
    bootstrap_weight
        Weight of this latent's bootstrap loss in the total loss.
    warmup
        Frames at the start of each training window not used as bootstrap samples, because the
        encoder has not seen enough context there. ``None``: from ``warmup_s``.
    receptive_field_s
        Receptive field wanted, in seconds, when ``dilation_base`` or ``kernel_size`` is unset;
        ``None``: no target (dilation base 2, kernel size 3).
    warmup_s
        ``warmup`` in seconds (rounded to frames).
    bootstrap_max_offset_s
        ``bootstrap_max_offset`` in seconds (rounded, at least 1 frame); ``None``: any two
        frames.
    bootstrap_min_offset
        If set, the two frames of a pair are at least this many frames apart: with any-pair
        sampling the second frame is drawn uniformly among the positions after the warm-up at
        ``|p - first| >= bootstrap_min_offset``; with a maximum offset, ``d`` is drawn in
        ``[bootstrap_min_offset, bootstrap_max_offset]``. Makes a long-term latent match
        distant moments rather than neighbours it can match by the input alone. ``None``:
        from ``bootstrap_min_offset_s``, or no minimum if that is ``None`` too.
    bootstrap_min_offset_s
        ``bootstrap_min_offset`` in seconds (rounded, at least 1 frame); ``None``: no minimum.
    weight_norm
        Which convolutions of each temporal block are weight-normalized: ``"both"``,
        ``"second"`` (the reference implementation) or ``"none"``.
    init
        Initial convolution weights (biases keep PyTorch's default). ``"default"``: PyTorch's
        (Kaiming uniform). ``"reference"``: what the reference's ``init_weights`` amounts to:
        weights drawn from N(0, 0.01^2) for the block convolutions that are *not*
        weight-normalized and for the 1x1 residual convolution, while the weight-normalized
        ones keep the default (the reference draws into their computed weight after weight
        norm is applied, which the next forward pass overwrites). ``"normal_0.01"``: every
        convolution weight drawn from N(0, 0.01^2) *before* weight norm is applied, so the
        norm ``g`` starts at the drawn weight's norm and the effective weight is the draw.
    prelu
        The PReLU of the blocks: ``"channel"``, one slope per channel starting at 0.25;
        ``"shared"``, one slope per activation starting at 0.1 (the reference).
    residual_activation
        Activation applied to the sum of a block's output and its residual path:
        ``"none"``, ``"prelu"`` (the reference, in the style of ``prelu``) or ``"relu"``.
    """

    channels: list[int]
    dilation_base: int | None = None
    kernel_size: int | None = None
    dropout: float = 0.2
    architecture: str = "tcn"
    bootstrap_max_offset: int | str | None = AUTO
    bootstrap_weight: float = 0.5
    warmup: int | None = None
    receptive_field_s: float | None = None
    warmup_s: float = 2.0
    bootstrap_max_offset_s: float | None = 5 / 30
    bootstrap_min_offset: int | None = None
    bootstrap_min_offset_s: float | None = None
    weight_norm: str = "both"
    init: str = "default"
    prelu: str = "channel"
    residual_activation: str = "none"


def default_encoders() -> dict[str, EncoderConfig]:
    """Two 64-channel latent spaces, in seconds (receptive fields 61 and 1365 frames at 30 Hz).

    The paper's encoders, with the last block (the latent) 64 channels wide instead of 32:
    wider latents read out better on all six domains of the quality study (docs/quality.md).

    Examples
    --------
    >>> from bams.config.timescales import resolve_encoder
    >>> [resolve_encoder(e, 30.0).dilation_base for e in default_encoders().values()]
    [2, 4]
    """
    return {
        "short_term": EncoderConfig(
            channels=[64, 64, 32, 64],
            receptive_field_s=61 / 30,
            warmup_s=2.0,
            bootstrap_max_offset_s=5 / 30,
        ),
        "long_term": EncoderConfig(
            channels=[64, 64, 64, 32, 64],
            receptive_field_s=1365 / 30,
            warmup_s=100 / 30,
            bootstrap_max_offset=None,
            bootstrap_max_offset_s=None,
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
        Bins per action feature in the histogram-of-actions (HoA) target (the paper: 32; 16
        read out as well or better on every domain of the quality study, docs/quality.md).
    hoa_window
        Future frames ``t+1 .. t+hoa_window`` summarized by the HoA target at frame ``t``;
        ``None``: from ``hoa_window_s`` (rounded, at least 1 frame) at fit time.
    hoa_quantiles
        Percentiles (0-100) of each action on the training data that bound the bins; values
        beyond fall in the end bins.
    hoa_weight
        Weight of the HoA loss in the total loss.
    hoa_warmup
        Frames at the start of each training window left out of the HoA loss; ``None``: from
        ``hoa_warmup_s`` at fit time.
    predictor_hidden
        Hidden sizes of the HoA predictor MLP.
    predictor_activation
        Activation between the layers of the HoA predictor: ``"prelu"`` (one slope per layer
        starting at 0.25, as in the reference implementation; better than ReLU in the quality
        study, docs/method.md), or ``"relu"`` (the default until December 2026).
    head_expansion
        Hidden width of each bootstrap head, as a multiple of its latent size.
    head_frames
        Frames that go through the bootstrap heads in training: ``"sampled"``, those of the
        bootstrap pairs; ``"all"``, every frame of the batch (valid or not), as the reference
        implementation does, so that the heads' batch norm statistics come from all frames;
        only the sampled frames enter the loss either way.
    hoa_window_s, hoa_warmup_s
        ``hoa_window`` and ``hoa_warmup`` in seconds, used where those are ``None``.
    optional_features
        Features that may be missing without making the frame invalid: names or
        shell-style patterns (``"neighbor*"``). Each gets an extra input channel that says
        whether it was observed; a frame counts as valid when every other feature is
        observed. Default: none (a frame is valid only when every feature is observed).
    """

    encoders: dict[str, EncoderConfig] = field(default_factory=default_encoders)
    hoa_bins: int = 16
    hoa_window: int | None = None
    hoa_quantiles: tuple[float, float] = (0.5, 99.5)
    hoa_weight: float = 500.0
    hoa_warmup: int | None = None
    predictor_hidden: list[int] = field(default_factory=lambda: [256, 512, 512])
    predictor_activation: str = "prelu"
    head_expansion: int = 4
    head_frames: str = "sampled"
    hoa_window_s: float = 1.0
    hoa_warmup_s: float = 2.0
    optional_features: list[str] = field(default_factory=list)


@dataclass
class TrainConfig:
    """Optimization, sampling, devices and bookkeeping.

    Attributes
    ----------
    epochs
        One epoch draws about one window per ``window_length`` frames of data.
    max_steps
        If set, stop after this many optimizer steps (overrides ``epochs``).
    max_minutes
        If set, also stop after about this many minutes of training (wall clock from the
        first step; each call of ``fit`` gets its own budget). The speed of the first steps
        sets the number of steps, and with it the learning-rate schedule, so that training
        ends in time; a run that slows down later still stops at the budget.
    batch_size
        Windows per optimizer step, over all processes together (the global batch): with
        ``W`` processes (``devices`` x ``num_nodes``) each draws ``batch_size / W`` windows
        per step, so ``batch_size`` must be a multiple of ``W``, and the steps per epoch,
        the learning-rate schedule and the windows of each step do not depend on ``W`` (see
        README, "Training on GPUs and clusters"). On one process: windows per step, as always.
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
        Clip the global gradient norm to this value (``None``: no clipping). While clipping,
        the norm before clipping is logged (``train/grad_norm``) with the fraction of the
        steps since the previous log where it exceeded this value
        (``train/clipped_fraction``); the history gets their per-epoch means (``grad_norm``,
        ``clipped_fraction``).
    hoa_frame_fraction
        Fraction of each window's frames (after warm-up) that go through the HoA predictor; an
        unbiased subsample of the loss that saves most of the predictor's cost.
    bootstrap_pairs
        Frame pairs sampled per window and latent space for the bootstrap losses.
    bootstrap_sampling
        ``"symmetric"``: ``bootstrap_pairs`` pairs per window, both frames valid and past the
        warm-up, each pair used in both directions (each frame's head predicts the other's
        embedding). ``"reference"``: as the reference implementation, one pair per window
        and latent space, used in one direction (the first frame's head predicts the second's
        embedding), with no regard to validity (missing or padded frames can be drawn);
        ``bootstrap_pairs`` is not used. The first frame is uniform after the warm-up, the
        second ``d`` frames later (``d`` uniform in ``[bootstrap_min_offset or 0,
        bootstrap_max_offset]``; the first frame is drawn no later than ``window_length - 1 -
        bootstrap_max_offset`` so the pair fits), or, without a maximum offset, uniform after
        the warm-up too (at ``|d| >= bootstrap_min_offset`` if set).
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
        DataLoader worker processes (a prepared cache on disk is reopened by path in each).
    prepared
        Where the preprocessed training windows are read from: ``"memory"``, one block in
        memory; ``"disk"``, memory-mapped ``.npy`` files in ``prepared_dir``, written one
        recording at a time, so memory does not grow with the data; ``"auto"``: ``"disk"``
        when the recordings come from a store (``.bams``), else ``"memory"``. Both give the
        same windows, bit for bit.
    prepared_dir
        The folder of the ``"disk"`` cache; reused (by a resumed run, say) when it was made
        from the same recordings with the same preprocessing, else rebuilt. ``None``:
        ``RUN/prepared`` in the run directory, or a temporary folder removed after training
        when there is none.
    input_noise
        Standard deviation of Gaussian noise added to the features of each training window at
        its valid frames (inputs are robust-normalized, so about one feature's spread); the
        validity channel is never changed. Makes the embedding robust to tracking jitter.
        ``0``: none.
    input_dropout
        Probability that a feature is zeroed for a whole training window, drawn per window
        and feature (the validity channel is never dropped), like keypoint dropout: the
        embedding cannot rely on any single feature. ``0``: none.
    target_ema
        ``None``: the bootstrap targets are the online embeddings with a stop-gradient. A
        momentum ``m`` in ``[0, 1)``: they come from a copy of the encoders whose weights
        follow the online ones, ``w <- m w + (1 - m) w_online`` after every optimizer step
        (BYOL's target network), run without gradient or dropout; slower-moving targets
        guard against collapse.
    """

    epochs: int = 100
    max_steps: int | None = None
    max_minutes: float | None = None
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
    bootstrap_sampling: str = "symmetric"
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
    prepared: str = "auto"
    prepared_dir: str | None = None
    input_noise: float = 0.0
    input_dropout: float = 0.0
    target_ema: float | None = None


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
