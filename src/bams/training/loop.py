"""The training loop, in one place, as a plain function that receives ``fabric``."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch
from lightning_fabric import Fabric
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch.utils.data import DataLoader

from bams.config import RunConfig, TrainConfig, to_dict
from bams.models import BAMSNetwork
from bams.training.checkpoint import LAST_CHECKPOINT, library_versions, save_checkpoint
from bams.training.objective import bams_losses
from bams.training.windows import PreparedRecordings, WindowDataset


def make_fabric(train: TrainConfig, run_dir: str | Path | None = None) -> Fabric:
    """Create the :class:`~lightning_fabric.Fabric` for a run, with its logger in ``run_dir``.

    Raises
    ------
    ValueError
        If ``train.logger`` is unknown.
    """
    loggers = []
    if run_dir is not None and train.logger != "none":
        if train.logger == "csv":
            from lightning_fabric.loggers import CSVLogger

            # Steps are logged every `log_every` steps: write each to disk at once so that a running
            # job can be followed (the default flushes only when step + 1 is a multiple of 100).
            loggers.append(
                CSVLogger(root_dir=str(run_dir), name="logs", flush_logs_every_n_steps=1)
            )
        elif train.logger == "tensorboard":
            from lightning_fabric.loggers import TensorBoardLogger

            loggers.append(TensorBoardLogger(root_dir=str(run_dir), name="logs"))
        else:
            raise ValueError(
                f"Expected logger 'csv', 'tensorboard' or 'none', but got {train.logger!r}."
            )
    return Fabric(
        accelerator=train.accelerator,
        devices=train.devices,
        num_nodes=train.num_nodes,
        strategy=train.strategy,
        precision=train.precision,
        loggers=loggers,
    )


def lr_factor(step: int, total_steps: int, decay_at: list[float], factor: float) -> float:
    """Step schedule: multiply by ``factor`` at each fraction ``decay_at`` of training."""
    passed = sum(step >= round(fraction * total_steps) for fraction in decay_at)
    return factor**passed


def train_network(
    fabric: Fabric,
    network: BAMSNetwork,
    prepared: PreparedRecordings,
    config: RunConfig,
    run_dir: str | Path | None = None,
    resume_from: str | Path | None = None,
    extra_state: dict[str, Any] | None = None,
    progress: bool = True,
) -> tuple[dict[str, torch.Tensor], dict[str, list[float]]]:
    """Train ``network`` on random windows of ``prepared``; runs on every process.

    Parameters
    ----------
    fabric
        Launched Fabric (devices, strategy, precision).
    network
        The (untrained or partially trained) network.
    prepared
        Preprocessed training recordings.
    config
        The run configuration.
    run_dir
        Where checkpoints go (``run_dir/checkpoints``); ``None`` writes none.
    resume_from
        A checkpoint to continue from (network, optimizer, epoch, step, history, RNG state).
    extra_state
        Plain data stored in every checkpoint (e.g. the preprocessing state).
    progress
        Show a progress bar with the loss terms (rank 0 only).

    Returns
    -------
    state_dict : dict
        The trained network's weights, on CPU.
    history : dict
        Per-epoch mean of each loss term, ``{"epoch": [...], "total": [...], ...}``.
    """
    train = config.train
    dataset = WindowDataset(prepared, train.window_length, config.model.hoa_window, seed=train.seed)
    loader = fabric.setup_dataloaders(
        DataLoader(dataset, batch_size=train.batch_size, num_workers=train.num_workers)
    )
    head_params = [p for n, p in network.named_parameters() if n.startswith("heads.")]
    other_params = [p for n, p in network.named_parameters() if not n.startswith("heads.")]
    optimizer = torch.optim.AdamW(
        [
            {"params": other_params, "lr": train.learning_rate},
            {"params": head_params, "lr": train.learning_rate * train.head_lr_multiplier},
        ],
        weight_decay=train.weight_decay,
    )
    base_lrs = [group["lr"] for group in optimizer.param_groups]
    model, optimizer = fabric.setup(network, optimizer)

    steps_per_epoch = len(loader)
    total_steps = train.max_steps or train.epochs * steps_per_epoch
    n_epochs = math.ceil(total_steps / steps_per_epoch)
    step, start_epoch = 0, 0
    history: dict[str, list[float]] = defaultdict(list)
    if resume_from is not None:
        rest = fabric.load(
            resume_from, {"network": model, "optimizer": optimizer}, strict=False, weights_only=True
        )
        step, start_epoch = int(rest["step"]), int(rest["epoch"])
        history.update({k: list(v) for k, v in rest.get("history", {}).items()})
        if "rng" in rest:
            torch.set_rng_state(rest["rng"])

    checkpoints = Path(run_dir, "checkpoints") if run_dir is not None else None
    show = progress and fabric.is_global_zero
    with Progress(
        TextColumn(f"[bold]epoch {{task.fields[epoch]}}/{n_epochs}"),
        BarColumn(bar_width=16),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[losses]}"),
        disable=not show,
    ) as bar:
        task = bar.add_task(
            "train", total=total_steps, completed=step, epoch=start_epoch, losses=""
        )
        for epoch in range(start_epoch, n_epochs):
            if step >= total_steps:
                break
            dataset.set_epoch(epoch)
            model.train()
            sums: dict[str, torch.Tensor] = defaultdict(
                lambda: torch.zeros((), device=fabric.device)
            )
            n_batches = 0
            for batch in loader:
                factor = lr_factor(step, total_steps, train.lr_decay_at, train.lr_decay_factor)
                for group, base in zip(optimizer.param_groups, base_lrs, strict=True):
                    group["lr"] = base * factor
                losses = bams_losses(
                    model, batch, config.model, train.hoa_frame_fraction, train.bootstrap_pairs
                )
                optimizer.zero_grad(set_to_none=True)
                fabric.backward(losses["total"])
                if train.grad_clip_norm is not None:
                    fabric.clip_gradients(model, optimizer, max_norm=train.grad_clip_norm)
                optimizer.step()
                step += 1
                n_batches += 1
                for key, value in losses.items():
                    sums[key] += value.detach()
                if step % train.log_every == 0 or step == total_steps:
                    values = {k: float(v.detach()) for k, v in losses.items()}
                    fabric.log_dict({f"train/{k}": v for k, v in values.items()}, step=step)
                    fabric.log("train/lr", base_lrs[0] * factor, step=step)
                    bar.update(task, losses=_format_losses(values))
                bar.update(task, completed=step, epoch=epoch + 1)
                if step >= total_steps:
                    break
            means = {
                k: float(fabric.all_reduce(v / max(n_batches, 1), reduce_op="mean"))
                for k, v in sums.items()
            }
            history["epoch"].append(epoch + 1)
            for key, value in means.items():
                history[key].append(value)
            last = step >= total_steps or epoch + 1 == n_epochs
            if checkpoints is not None and ((epoch + 1) % train.checkpoint_every == 0 or last):
                state = {
                    "network": model,
                    "optimizer": optimizer,
                    "epoch": epoch + 1,
                    "step": step,
                    "history": dict(history),
                    "config": to_dict(config),
                    "receptive_fields": network.receptive_fields,
                    "metadata": library_versions(),
                    "rng": torch.get_rng_state(),
                    **(extra_state or {}),
                }
                save_checkpoint(fabric, checkpoints / LAST_CHECKPOINT, state)
    for logger in fabric.loggers:
        logger.finalize("success")
    weights = {k: v.detach().cpu() for k, v in network.state_dict().items()}
    return weights, dict(history)


def _format_losses(values: dict[str, float]) -> str:
    return " ".join(f"{k.removesuffix('_term')} {v:.3g}" for k, v in values.items())
