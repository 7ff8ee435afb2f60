"""The Lightning Fabric of a training run: devices, strategy, precision and logger."""

from __future__ import annotations

from pathlib import Path

import torch
from lightning_fabric import Fabric
from lightning_fabric.utilities.exceptions import MisconfigurationException

from bams.config import TrainConfig
from bams.config.checks import training_precision

__all__ = ["make_fabric"]


def make_fabric(train: TrainConfig, run_dir: str | Path | None = None) -> Fabric:
    """Create the :class:`~lightning_fabric.Fabric` for a run, with its logger in ``run_dir``.

    Raises
    ------
    ValueError
        If ``train.logger`` is unknown, a GPU is asked for but absent, or Fabric refuses the
        devices, strategy or precision.
    """
    if train.accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"Expected a GPU for accelerator={train.accelerator!r}, but torch sees none "
            "(a CPU-only build, or no CUDA device); use --accelerator cpu or auto."
        )
    try:
        return Fabric(
            accelerator=train.accelerator,
            devices=train.devices,
            num_nodes=train.num_nodes,
            strategy=train.strategy,
            precision=training_precision(train.precision),
            loggers=_loggers(train, run_dir),
        )
    except MisconfigurationException as err:
        raise ValueError(f"Expected settings Lightning Fabric accepts, but: {err}") from err


def _loggers(train: TrainConfig, run_dir: str | Path | None) -> list:
    if run_dir is None or train.logger == "none":
        return []
    if train.logger == "csv":
        from lightning_fabric.loggers import CSVLogger

        # Steps are logged every `log_every` steps: write each to disk at once so that a running
        # job can be followed (the default flushes only when step + 1 is a multiple of 100).
        return [CSVLogger(root_dir=str(run_dir), name="logs", flush_logs_every_n_steps=1)]
    if train.logger == "tensorboard":
        from lightning_fabric.loggers import TensorBoardLogger

        return [TensorBoardLogger(root_dir=str(run_dir), name="logs")]
    raise ValueError(f"Expected logger 'csv', 'tensorboard' or 'none', but got {train.logger!r}.")
