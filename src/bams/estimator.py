"""The :class:`BAMS` estimator: scikit-learn style ``fit`` / ``transform`` over the whole method."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from bams.config import (
    ModelConfig,
    RunConfig,
    from_dict,
    resolve_timescales,
    save_config,
    to_dict,
)
from bams.config.params import (
    config_from_params,
    parameter_defaults,
    parameter_signature,
    params_from_config,
)
from bams.data import as_recordings
from bams.embedding import Embedding, embed_recordings, iter_embeddings
from bams.layout import CHECKPOINT_DIR, CONFIG_FILE, LAST_CHECKPOINT, MODEL_FILE
from bams.models import BAMSNetwork
from bams.preprocessing import Preprocessor
from bams.training.checkpoint import check_network_weights, library_versions, load_checkpoint
from bams.training.checks import check_training_frames
from bams.training.loop import make_fabric, train_network
from bams.training.prepare_run import prepare_training_data
from bams.training.prepared import PreparedRecordings
from bams.training.run_dir import check_run_dir, claim_run_dir
from bams.utils.atomic import atomic_write

__all__ = ["BAMS", "CONFIG_FILE", "MODEL_FILE"]


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
    frame_rate_ : float
        Frame rate of the training data, with which durations given in seconds were
        converted to frames (see :func:`~bams.config.resolve_timescales`).
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

    def __init__(self, **params: Any):
        # The signature (below) is generated from the config dataclasses, so that every
        # default is written once; like any keyword-only __init__, it only stores the values.
        unknown = sorted(set(params) - set(_PARAMETER_NAMES))
        if unknown:
            raise TypeError(f"BAMS() got an unexpected keyword argument {unknown[0]!r}")
        for name, default in parameter_defaults().items():
            setattr(self, name, params.get(name, default))

    __init__.__signature__ = parameter_signature()

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> RunConfig:
        """The :class:`~bams.config.RunConfig` these parameters describe (validated).

        Once fitted, every timescale is in frames, converted with the training data's frame
        rate (``frame_rate_``); before, those given in seconds are ``None`` (or ``"auto"``).
        """
        config = config_from_params(
            self.get_params(deep=False), data=getattr(self, "data_source_", None)
        )
        frame_rate = getattr(self, "frame_rate_", None)
        if frame_rate is not None:
            config.model = resolve_timescales(config.model, frame_rate)
        return config

    @classmethod
    def from_config(cls, config: RunConfig, **overrides: Any) -> BAMS:
        """Estimator with the parameters of ``config`` (and ``overrides``)."""
        return cls(**{**params_from_config(config), **overrides})

    # ------------------------------------------------------------------ fit / transform
    def fit(self, X, y=None, *, resume: bool = False, overwrite: bool = False) -> BAMS:
        """Train on recordings, without labels.

        Everything is checked before anything is written: a run that fails to start leaves
        ``output_dir`` as it was.

        Parameters
        ----------
        X
            :class:`~bams.data.Recordings`, an array ``(n, T, F)`` or a list of ``(T_i, F)``
            arrays (NaN for missing values; all features are then actions).
        y
            Ignored.
        resume
            Continue the run saved in ``output_dir`` from its last checkpoint.
        overwrite
            Replace the run that ``output_dir`` holds (its model, checkpoint, embeddings,
            evaluation and report); without it, or ``resume``, such a directory is refused.

        Returns
        -------
        BAMS
            ``self``, fitted.

        Raises
        ------
        ValueError
            If the parameters are inconsistent, the data invalid or without usable frames,
            ``output_dir`` holds a run (or another process trains there), or ``resume`` is
            asked without a checkpoint of the same model.
        """
        data = as_recordings(X)
        # Every timescale in frames for these data, then checked (all problems at once).
        config = config_from_params(self.get_params(deep=False), frame_rate=data.frame_rate)
        config.data = str(Path(data.source).resolve()) if data.source else None
        run_dir = Path(self.output_dir) if self.output_dir is not None else None
        if run_dir is not None:
            check_run_dir(run_dir, resume=resume, overwrite=overwrite)
        resume_from, preprocessor = self._starting_state(data, config, run_dir, resume)
        fabric = make_fabric(config.train, run_dir)
        # On disk, rank 0 stages the prepared data and publishes them once the run has
        # claimed its directory; the other processes open them after launch.
        training = prepare_training_data(
            data, preprocessor, config.train, run_dir, fabric.is_global_zero
        )
        network = BAMSNetwork.from_config(
            config.model, preprocessor.n_inputs, preprocessor.n_actions
        )
        with contextlib.ExitStack() as cleanup:
            cleanup.callback(training.discard)
            if training.prepared is not None:
                self._check_frames(
                    training.prepared, config, network, data.frame_rate, fabric.is_global_zero
                )
            cleanup.enter_context(self._claimed(run_dir, fabric.is_global_zero, overwrite))
            training.publish(data, preprocessor)
            if fabric.is_global_zero and run_dir is not None:
                save_config(config, run_dir / CONFIG_FILE)
            if self.verbose and fabric.is_global_zero:
                _print_timescales(network.receptive_fields, config.model, data.frame_rate)
            weights, history = fabric.launch(
                _fit_worker,
                config,
                preprocessor,
                training,
                data,
                run_dir,
                resume_from,
                self.verbose,
            )
            network.load_state_dict(weights)
            self._set_fitted(network, preprocessor, data, history, config.data)
            if run_dir is not None and fabric.is_global_zero:
                self.save(run_dir / MODEL_FILE)
        return self

    def _starting_state(self, data, config, run_dir, resume: bool):
        """The checkpoint to resume from (or ``None``) and the fitted preprocessor.

        When resuming, the saved run's preprocessor (checked against ``data``); else one fitted
        on ``data``.
        """
        resume_from, preprocessor = None, None
        if resume:
            resume_from, preprocessor = self._resume_state(run_dir, config)
        if preprocessor is None:
            preprocessor = Preprocessor(
                config.model.hoa_bins, config.model.hoa_quantiles, config.model.optional_features
            ).fit(data)
        else:
            preprocessor.check_compatible(data)
        return resume_from, preprocessor

    def _set_fitted(self, network, preprocessor, data, history, data_source) -> None:
        """The fitted attributes (``network_``, ``preprocessor_``, ...) of a finished run."""
        self.network_ = network.eval()
        self.preprocessor_ = preprocessor
        self.receptive_fields_ = network.receptive_fields
        self.frame_rate_ = float(data.frame_rate)
        self.history_ = history
        self.n_features_in_ = data.n_features
        self.data_source_ = data_source

    @staticmethod
    def _claimed(run_dir: Path | None, is_global_zero: bool, overwrite: bool):
        if run_dir is None or not is_global_zero:
            return contextlib.nullcontext()
        return claim_run_dir(run_dir, overwrite=overwrite)

    @staticmethod
    def _check_frames(prepared, config, network, frame_rate, is_global_zero) -> None:
        """Refuse data without usable frames; warn about short recordings (rank 0 only)."""
        messages = check_training_frames(
            prepared, config.model, frame_rate, network.receptive_fields
        )
        if is_global_zero:
            _warn_if_few_complete_frames(prepared)
            for message in messages:
                warnings.warn(message, stacklevel=4)

    def _resume_state(self, run_dir, config) -> tuple[Path, Preprocessor]:
        if run_dir is None:
            raise ValueError("Expected output_dir to resume from, but got None.")
        path = run_dir / CHECKPOINT_DIR / LAST_CHECKPOINT
        state = load_checkpoint(path, resumable=True)
        if state["config"]["model"] != to_dict(config.model):
            raise ValueError(
                f"Expected the model configuration of the checkpoint {str(path)!r}, but the "
                "parameters describe a different model."
            )
        preprocessor = _preprocessor_of(state, path)
        network = BAMSNetwork.from_config(
            config.model, preprocessor.n_inputs, preprocessor.n_actions
        )
        check_network_weights(state["network"], network, path)
        return path, preprocessor

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

    def iter_transform(self, X) -> Iterator[Embedding]:
        """Embed recordings one at a time, in order: :meth:`transform` for data larger than memory.

        Only a block of recordings' embeddings is held at a time
        (:func:`bams.embedding.iter_embeddings`); pass the result to
        :func:`bams.io.exports.write_embeddings` with a ``.bams`` path to write them as they come.

        Yields
        ------
        dict
            ``{"short_term": (T_i, D1), "long_term": (T_i, D2), ...}`` of recording ``i``.
        """
        check_is_fitted(self, "network_")
        data = as_recordings(X)
        return iter_embeddings(
            self.network_.encoders, self.preprocessor_, data, self.get_config().embed
        )

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
            "frame_rate": self.frame_rate_,
            "metadata": library_versions(),
        }
        return atomic_write(path, lambda tmp: torch.save(state, tmp))

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
        fixed = sorted(set(overrides) & {f.name for f in fields(ModelConfig)})
        if fixed:
            raise ValueError(
                "Expected overrides of training or inference parameters, but got model "
                f"parameters {fixed}, which the saved weights fix."
            )
        state = load_checkpoint(path)
        config = from_dict(RunConfig, state["config"])
        model = cls.from_config(config, **overrides)
        preprocessor = _preprocessor_of(state, path)
        network = BAMSNetwork.from_config(
            config.model, preprocessor.n_inputs, preprocessor.n_actions
        )
        check_network_weights(state["network"], network, path)
        network.load_state_dict(state["network"])
        model.network_ = network.eval()
        model.preprocessor_ = preprocessor
        model.receptive_fields_ = network.receptive_fields
        model.frame_rate_ = state.get("frame_rate")  # None in files saved before it was stored
        model.history_ = dict(state.get("history", {}))
        model.n_features_in_ = len(preprocessor.feature_names_)
        model.data_source_ = config.data
        return model


def _fit_worker(fabric, config, preprocessor, training, data, run_dir, resume_from, verbose):
    """Runs on every process: seed, build the network, train; returns weights and history."""
    prepared = training.resolve(fabric, data, preprocessor)
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


def _preprocessor_of(state: dict, path) -> Preprocessor:
    try:
        return Preprocessor.from_state_dict(state["preprocessing"])
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"Expected a bams checkpoint with a valid preprocessing state, but {str(path)!r} "
            f"has a damaged one ({type(err).__name__}: {err})."
        ) from err


def _warn_if_few_complete_frames(prepared: PreparedRecordings, threshold: float = 0.5) -> None:
    complete = prepared.valid_fraction()  # in blocks: the data may not fit in memory
    if complete < threshold:
        warnings.warn(
            f"Only {complete:.0%} of frames have every feature observed; the others are never "
            "used as training samples (the network still sees them, masked). Consider dropping "
            "features that are often missing.",
            stacklevel=4,
        )


def _print_timescales(fields: dict[str, int], config: ModelConfig, frame_rate: float) -> None:
    """Print the receptive fields and the HoA window, in frames and seconds (to stderr)."""
    text = ", ".join(f"{name} {rf} frames ({rf / frame_rate:.1f} s)" for name, rf in fields.items())
    window = config.hoa_window
    Console(stderr=True).print(
        f"[bold]Receptive fields:[/bold] {text}; [bold]HoA window:[/bold] {window} frames "
        f"({window / frame_rate:.3g} s) at {frame_rate:g} Hz"
    )


_PARAMETER_NAMES = tuple(parameter_defaults())
