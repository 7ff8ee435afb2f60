"""The :class:`BAMS` estimator: scikit-learn style ``fit`` / ``transform`` over the whole method."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from bams.config import (
    EmbedConfig,
    EncoderConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
    from_dict,
    save_config,
    to_dict,
)
from bams.data import as_recordings
from bams.embedding import Embedding, embed_recordings, save_embeddings
from bams.models import BAMSNetwork
from bams.preprocessing import Preprocessor
from bams.training.checkpoint import LAST_CHECKPOINT, library_versions, load_checkpoint
from bams.training.loop import make_fabric, train_network
from bams.training.windows import PreparedRecordings

_SECTIONS = {"model": ModelConfig, "train": TrainConfig, "embed": EmbedConfig}
MODEL_FILE = "model.pt"
CONFIG_FILE = "config.yaml"


class BAMS(TransformerMixin, BaseEstimator):
    """Learn short-term and long-term embeddings of behavior without labels.

    Every parameter is a field of :class:`~bams.config.ModelConfig`,
    :class:`~bams.config.TrainConfig` or :class:`~bams.config.EmbedConfig` (see them for
    meanings), plus ``output_dir`` (checkpoints, logs, the resolved config and the model are
    written there; ``None`` writes nothing) and ``verbose``.

    Attributes
    ----------
    network_ : BAMSNetwork
        The trained network.
    preprocessor_ : Preprocessor
        Normalization and quantization fitted on the training data.
    receptive_fields_ : dict
        Receptive field of each latent space, in frames.
    history_ : dict
        Per-epoch mean of each loss term.
    data_source_ : str or None
        The file the training recordings were loaded from, if any.

    Examples
    --------
    >>> import numpy as np
    >>> from bams import BAMS
    >>> x = np.random.default_rng(0).normal(size=(4, 200, 3)).astype("float32")
    >>> model = BAMS(max_steps=2, batch_size=2, window_length=150, hoa_warmup=10,
    ...              encoders={"short_term": {"channels": [8], "warmup": 5},
    ...                        "long_term": {"channels": [8, 8], "dilation_base": 4,
    ...                                      "bootstrap_max_offset": None, "warmup": 20}},
    ...              predictor_hidden=(16,), accelerator="cpu", verbose=False).fit(x)
    >>> emb = model.transform(x)
    >>> emb[0]["short_term"].shape, emb[0]["long_term"].shape
    ((200, 8), (200, 8))
    """

    def __init__(
        self,
        *,
        encoders: dict[str, EncoderConfig | dict] | None = None,
        hoa_bins: int = 32,
        hoa_window: int = 30,
        hoa_quantiles: tuple[float, float] = (0.5, 99.5),
        hoa_weight: float = 500.0,
        hoa_warmup: int = 60,
        predictor_hidden: Sequence[int] = (256, 512, 512),
        head_expansion: int = 4,
        epochs: int = 100,
        max_steps: int | None = None,
        batch_size: int = 32,
        window_length: int = 1800,
        learning_rate: float = 1e-3,
        weight_decay: float = 4e-5,
        head_lr_multiplier: float = 10.0,
        lr_decay_at: Sequence[float] = (0.4,),
        lr_decay_factor: float = 0.1,
        grad_clip_norm: float | None = 1.0,
        hoa_frame_fraction: float = 0.25,
        bootstrap_pairs: int = 64,
        seed: int = 0,
        accelerator: str = "auto",
        devices: int | str = 1,
        num_nodes: int = 1,
        strategy: str = "auto",
        precision: str = "32-true",
        checkpoint_every: int = 50,
        logger: str = "csv",
        log_every: int = 10,
        num_workers: int = 0,
        chunk_length: int = 16384,
        max_batch_frames: int = 65536,
        inference_precision: str = "auto",
        inference_device: str = "auto",
        output_dir: str | os.PathLike | None = None,
        verbose: bool = True,
    ):
        self.encoders = encoders
        self.hoa_bins = hoa_bins
        self.hoa_window = hoa_window
        self.hoa_quantiles = hoa_quantiles
        self.hoa_weight = hoa_weight
        self.hoa_warmup = hoa_warmup
        self.predictor_hidden = predictor_hidden
        self.head_expansion = head_expansion
        self.epochs = epochs
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.window_length = window_length
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.head_lr_multiplier = head_lr_multiplier
        self.lr_decay_at = lr_decay_at
        self.lr_decay_factor = lr_decay_factor
        self.grad_clip_norm = grad_clip_norm
        self.hoa_frame_fraction = hoa_frame_fraction
        self.bootstrap_pairs = bootstrap_pairs
        self.seed = seed
        self.accelerator = accelerator
        self.devices = devices
        self.num_nodes = num_nodes
        self.strategy = strategy
        self.precision = precision
        self.checkpoint_every = checkpoint_every
        self.logger = logger
        self.log_every = log_every
        self.num_workers = num_workers
        self.chunk_length = chunk_length
        self.max_batch_frames = max_batch_frames
        self.inference_precision = inference_precision
        self.inference_device = inference_device
        self.output_dir = output_dir
        self.verbose = verbose

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> RunConfig:
        """The :class:`~bams.config.RunConfig` these parameters describe (validated)."""
        params = self.get_params(deep=False)
        sections = {}
        for section, cls in _SECTIONS.items():
            values = {}
            for f in dataclasses.fields(cls):
                value = params[f.name]
                if f.name == "encoders":
                    if value is None:  # the dataclass default: short_term and long_term
                        continue
                    value = {
                        k: to_dict(v) if dataclasses.is_dataclass(v) else v
                        for k, v in value.items()
                    }
                values[f.name] = value
            sections[section] = from_dict(cls, values, section)
        config = RunConfig(
            data=getattr(self, "data_source_", None),
            output_dir=str(self.output_dir) if self.output_dir is not None else "",
            **sections,
        )
        check_config(config)
        return config

    @classmethod
    def from_config(cls, config: RunConfig, **overrides: Any) -> BAMS:
        """Estimator with the parameters of ``config`` (and ``overrides``)."""
        params: dict[str, Any] = {}
        for section in _SECTIONS:
            for f in dataclasses.fields(getattr(config, section)):
                params[f.name] = getattr(getattr(config, section), f.name)
        params["output_dir"] = config.output_dir or None
        params.update(overrides)
        return cls(**params)

    # ------------------------------------------------------------------ fit / transform
    def fit(self, X, y=None, *, resume: bool = False) -> BAMS:
        """Train on recordings, without labels.

        Parameters
        ----------
        X
            :class:`~bams.data.Recordings`, an array ``(n, T, F)`` or a list of ``(T_i, F)``
            arrays (NaN for missing values; all features are then actions).
        y
            Ignored.
        resume
            Continue the run saved in ``output_dir`` from its last checkpoint.

        Returns
        -------
        BAMS
            ``self``, fitted.

        Raises
        ------
        ValueError
            If the parameters are inconsistent, the data invalid, or ``resume`` is asked
            without a checkpoint of the same model.
        """
        data = as_recordings(X)
        config = self.get_config()
        config.data = data.source
        run_dir = Path(self.output_dir) if self.output_dir is not None else None
        resume_from, preprocessor = None, None
        if resume:
            resume_from, preprocessor = self._resume_state(run_dir, config)
        if preprocessor is None:
            preprocessor = Preprocessor(config.model.hoa_bins, config.model.hoa_quantiles).fit(data)
        else:
            preprocessor.check_compatible(data)
        prepared = PreparedRecordings.build(data, preprocessor)
        _warn_if_few_complete_frames(prepared)
        fabric = make_fabric(config.train, run_dir)
        if fabric.is_global_zero and run_dir is not None:
            save_config(config, run_dir / CONFIG_FILE)
        network = BAMSNetwork.from_config(
            config.model, preprocessor.n_inputs, preprocessor.n_actions
        )
        if self.verbose and fabric.is_global_zero:
            _print_receptive_fields(network.receptive_fields, data.frame_rate)
        weights, history = fabric.launch(
            _fit_worker,
            config,
            preprocessor,
            prepared,
            run_dir,
            resume_from,
            self.verbose,
        )
        network.load_state_dict(weights)
        self.network_ = network.eval()
        self.preprocessor_ = preprocessor
        self.receptive_fields_ = network.receptive_fields
        self.history_ = history
        self.n_features_in_ = data.n_features
        self.data_source_ = data.source
        if run_dir is not None and fabric.is_global_zero:
            self.save(run_dir / MODEL_FILE)
        return self

    def _resume_state(self, run_dir, config) -> tuple[Path, Preprocessor]:
        if run_dir is None:
            raise ValueError("Expected output_dir to resume from, but got None.")
        path = run_dir / "checkpoints" / LAST_CHECKPOINT
        state = load_checkpoint(path)
        if state["config"]["model"] != to_dict(config.model):
            raise ValueError(
                f"Expected the model configuration of the checkpoint {str(path)!r}, but the "
                "parameters describe a different model."
            )
        return path, Preprocessor.from_state_dict(state["preprocessing"])

    def transform(self, X) -> list[Embedding]:
        """Embed recordings with the trained encoders (streaming, bounded memory).

        Parameters
        ----------
        X
            Recordings (or arrays) with the features the model was trained on.

        Returns
        -------
        list of dict
            Per recording ``{"short_term": (T_i, D1), "long_term": (T_i, D2), ...}``.
        """
        check_is_fitted(self, "network_")
        data = as_recordings(X)
        return embed_recordings(
            self.network_.encoders, self.preprocessor_, data, self.get_config().embed
        )

    def embed_to_file(self, X, path: str | os.PathLike) -> Path:
        """Embed ``X`` and save the result with the recording ids (see :func:`save_embeddings`)."""
        data = as_recordings(X)
        return save_embeddings(path, self.transform(data), data.ids)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Save config, weights and preprocessing to one file (atomically)."""
        check_is_fitted(self, "network_")
        state = {
            "config": to_dict(self.get_config()),
            "network": {k: v.detach().cpu() for k, v in self.network_.state_dict().items()},
            "preprocessing": self.preprocessor_.state_dict(),
            "history": self.history_,
            "receptive_fields": self.receptive_fields_,
            "metadata": library_versions(),
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            torch.save(state, tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, **overrides: Any) -> BAMS:
        """Load a model saved by :meth:`save`, or the last checkpoint of a run.

        ``overrides`` change parameters that do not affect the trained model (e.g.
        ``inference_device="cuda"``, ``chunk_length=4096``).

        Raises
        ------
        ValueError
            If the file is not a bams model, or ``overrides`` name model parameters.
        """
        fixed = sorted(set(overrides) & {f.name for f in dataclasses.fields(ModelConfig)})
        if fixed:
            raise ValueError(
                "Expected overrides of training or inference parameters, but got model "
                f"parameters {fixed}, which the saved weights fix."
            )
        state = load_checkpoint(path)
        config = from_dict(RunConfig, state["config"])
        model = cls.from_config(config, **overrides)
        preprocessor = Preprocessor.from_state_dict(state["preprocessing"])
        network = BAMSNetwork.from_config(
            config.model, preprocessor.n_inputs, preprocessor.n_actions
        )
        network.load_state_dict(state["network"])
        model.network_ = network.eval()
        model.preprocessor_ = preprocessor
        model.receptive_fields_ = network.receptive_fields
        model.history_ = dict(state.get("history", {}))
        model.n_features_in_ = len(preprocessor.feature_names_)
        model.data_source_ = config.data
        return model


def check_config(config: RunConfig) -> None:
    """Raise ``ValueError`` listing every inconsistent setting of ``config``."""
    m, t, problems = config.model, config.train, []
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
    for name, (value, minimum) in minimums.items():
        if value < minimum:
            problems.append(f"Expected {name} >= {minimum}, but got {value}.")
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
    if not m.encoders:
        problems.append("Expected at least one encoder, but got none.")
    for name, enc in m.encoders.items():
        if not enc.channels or min(enc.channels) < 1:
            problems.append(f"Expected positive channels for {name}, but got {enc.channels}.")
        if enc.bootstrap_max_offset is not None and enc.bootstrap_max_offset < 0:
            problems.append(
                f"Expected bootstrap_max_offset >= 0 for {name}, "
                f"but got {enc.bootstrap_max_offset}."
            )
    if problems:
        raise ValueError("Invalid configuration:\n- " + "\n- ".join(problems))


def _fit_worker(fabric, config, preprocessor, prepared, run_dir, resume_from, verbose):
    """Runs on every process: seed, build the network, train; returns weights and history."""
    fabric.seed_everything(config.train.seed, verbose=False)
    network = BAMSNetwork.from_config(config.model, preprocessor.n_inputs, preprocessor.n_actions)
    return train_network(
        fabric,
        network,
        prepared,
        config,
        run_dir=run_dir,
        resume_from=resume_from,
        extra_state={"preprocessing": preprocessor.state_dict()},
        progress=verbose,
    )


def _warn_if_few_complete_frames(prepared: PreparedRecordings, threshold: float = 0.5) -> None:
    complete = float(prepared.inputs[-1].mean())
    if complete < threshold:
        warnings.warn(
            f"Only {complete:.0%} of frames have every feature observed; the others are never "
            "used as training samples (the network still sees them, masked). Consider dropping "
            "features that are often missing.",
            stacklevel=3,
        )


def _print_receptive_fields(fields: dict[str, int], frame_rate: float) -> None:
    text = ", ".join(f"{name} {rf} frames ({rf / frame_rate:.1f} s)" for name, rf in fields.items())
    Console(stderr=True).print(f"[bold]Receptive fields:[/bold] {text}")
