"""The training loop, in one place, as a plain function that receives ``fabric``."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from lightning_fabric import Fabric

from bams.config import RunConfig, TrainConfig, to_dict
from bams.config.timescales import unresolved_fields
from bams.layout import CHECKPOINT_DIR, LAST_CHECKPOINT
from bams.models import BAMSNetwork
from bams.training.augment import augment_inputs
from bams.training.checkpoint import library_versions, save_checkpoint
from bams.training.clipping import ClipStats
from bams.training.ema import EmaTarget
from bams.training.fabric import make_fabric
from bams.training.objective import bams_losses
from bams.training.prepared import PreparedRecordings
from bams.training.progress import format_losses, plan, progress_bar
from bams.training.windows import WindowDataset, window_loader
from bams.utils.timing import format_duration

__all__ = ["lr_factor", "make_fabric", "train_network"]

ESTIMATE_AFTER_STEPS = 3
"""Steps timed (after the first) before the remaining training time is estimated."""


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
        A checkpoint to continue from (network, optimizer, epoch, step, history, RNG state,
        target encoders).
    extra_state
        Plain data stored in every checkpoint (e.g. the preprocessing state).
    progress
        Show a progress bar with the loss terms (rank 0 only).

    Returns
    -------
    state_dict : dict
        The trained network's weights, on CPU.
    history : dict
        Per-epoch mean of each loss term, ``{"epoch": [...], "total": [...], ...}``; with
        gradient clipping, also of the norm before clipping (``grad_norm``) and the fraction
        of steps where clipping bound (``clipped_fraction``).
    """
    _check_in_frames(config)
    train = config.train
    dataset = WindowDataset(prepared, train.window_length, config.model.hoa_window, seed=train.seed)
    # Each process draws its shard of the epoch's windows, batch_size / world_size a step, so
    # that a global step draws the same windows on any number of processes.
    loader = window_loader(
        dataset, train.batch_size, train.num_workers, fabric.global_rank, fabric.world_size
    )
    loader = fabric.setup_dataloaders(loader, use_distributed_sampler=False)
    optimizer = _optimizer(network, train)
    model, optimizer = fabric.setup(network, optimizer)  # moves network to the device
    run = _Run(
        fabric=fabric,
        model=model,
        optimizer=optimizer,
        config=config,
        base_lrs=[group["lr"] for group in optimizer.param_groups],
        total_steps=train.max_steps or train.epochs * len(loader),
        checkpoints=Path(run_dir, CHECKPOINT_DIR) if run_dir is not None else None,
        extra_state={"receptive_fields": network.receptive_fields, **(extra_state or {})},
        ema=None if train.target_ema is None else EmaTarget(network.encoders, train.target_ema),
        clip=None if train.grad_clip_norm is None else ClipStats(train.grad_clip_norm),
    )
    n_epochs = math.ceil(run.total_steps / len(loader))
    start_epoch = run.resume(resume_from) if resume_from is not None else 0
    show = progress and fabric.is_global_zero
    with progress_bar(n_epochs, show) as bar:
        if show:
            run.announce = bar.console.print
            bar.console.print(plan(run, len(loader), n_epochs - start_epoch))
        task = bar.add_task(
            "train", total=run.total_steps, completed=run.step, epoch=start_epoch, losses=""
        )
        for epoch in range(start_epoch, n_epochs):
            if run.step >= run.total_steps:
                break
            dataset.set_epoch(epoch)
            run.epoch(loader, epoch, lambda **fields: bar.update(task, **fields))
            run.end_epoch(epoch, last=run.step >= run.total_steps or epoch + 1 == n_epochs)
    for logger in fabric.loggers:
        logger.finalize("success")
    weights = {k: v.detach().cpu() for k, v in network.state_dict().items()}
    return weights, dict(run.history)


def _optimizer(network: BAMSNetwork, train: TrainConfig) -> torch.optim.Optimizer:
    """AdamW, with the bootstrap heads at ``head_lr_multiplier`` times the learning rate."""
    head_params = [p for n, p in network.named_parameters() if n.startswith("heads.")]
    other_params = [p for n, p in network.named_parameters() if not n.startswith("heads.")]
    return torch.optim.AdamW(
        [
            {"params": other_params, "lr": train.learning_rate},
            {"params": head_params, "lr": train.learning_rate * train.head_lr_multiplier},
        ],
        weight_decay=train.weight_decay,
    )


def _check_in_frames(config: RunConfig) -> None:
    """Raise ``ValueError`` if a timescale of ``config.model`` is still in seconds only."""
    unresolved = unresolved_fields(config.model)
    if unresolved:
        raise ValueError(
            "Expected a model configuration with every timescale in frames (see "
            f"bams.config.resolve_timescales), but got {', '.join(unresolved)} unset."
        )


@dataclass
class _Run:
    """The state of one training run: optimizer steps, per-epoch history and checkpoints."""

    fabric: Fabric
    model: Any
    optimizer: Any
    config: RunConfig
    base_lrs: list[float]
    total_steps: int
    checkpoints: Path | None
    extra_state: dict[str, Any]
    step: int = 0
    announce: Callable[[str], object] | None = None
    first_step: tuple[int, float] | None = None  # (step, time) of the first step timed
    budget_clock: list[float] = field(default_factory=list)  # start, then after the 1st step
    budget_start_step: int = 0
    step_cap: int | None = None  # the step count before the budget fitted it
    history: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sums: dict[str, torch.Tensor] = field(default_factory=dict)
    n_batches: int = 0
    ema: EmaTarget | None = None  # the target encoders, with target_ema
    clip: ClipStats | None = None  # how often clipping binds, with grad_clip_norm

    def resume(self, path: str | Path) -> int:
        """Load network, optimizer, step, history, RNG and target; return the epoch to start."""
        rest = self.fabric.load(
            path,
            {"network": self.model, "optimizer": self.optimizer},
            strict=False,
            weights_only=True,
        )
        self.step = int(rest["step"])
        self.history.update({k: list(v) for k, v in rest.get("history", {}).items()})
        if "rng" in rest:
            torch.set_rng_state(rest["rng"])
        if self.ema is not None and "target_ema" in rest:
            self.ema.load_state_dict(rest["target_ema"])
        elif self.ema is not None:  # trained without target_ema so far: start from the weights
            self.ema.reset()
        return int(rest["epoch"])

    def _losses(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The loss terms of a batch, after augmentation, with the target encoders if any."""
        train = self.config.train
        inputs = augment_inputs(batch["inputs"], train.input_noise, train.input_dropout)
        target_features = None
        if self.ema is not None:
            with self.fabric.autocast():
                target_features = self.ema.features(inputs)
        return bams_losses(
            self.model,
            {**batch, "inputs": inputs},  # the HoA targets (bins) stay those of the clean data
            self.config.model,
            train.hoa_frame_fraction,
            train.bootstrap_pairs,
            target_features=target_features,
            bootstrap_sampling=train.bootstrap_sampling,
        )

    def epoch(self, loader, epoch: int, show) -> None:
        """One pass over ``loader`` (or until the last step); ``show`` updates the progress bar."""
        train, fabric = self.config.train, self.fabric
        self.model.train()
        if not self.budget_clock:
            self.budget_clock.append(_now())
            self.budget_start_step = self.step
        self.sums = defaultdict(lambda: torch.zeros((), device=fabric.device))
        self.n_batches = 0
        for batch in loader:
            factor = lr_factor(
                self.step, self.total_steps, train.lr_decay_at, train.lr_decay_factor
            )
            for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
                group["lr"] = base * factor
            losses = self._losses(batch)
            self.optimizer.zero_grad(set_to_none=True)
            _check_finite(losses["total"], self.step + 1)
            fabric.backward(losses["total"])
            grads = self._clip_gradients()
            self.optimizer.step()
            if self.ema is not None:
                self.ema.update()
            self.step += 1
            self.n_batches += 1
            self._keep_to_budget(show)
            self._estimate()
            for key, value in {**losses, **grads}.items():
                self.sums[key] += value.detach()
            if self.step % train.log_every == 0 or self.step == self.total_steps:
                # The mean over the processes: the loss of the whole global batch.
                detached = {k: v.detach() for k, v in losses.items()}
                mean = fabric.all_reduce(detached, reduce_op="mean")
                values = {k: float(v) for k, v in mean.items()}
                fabric.log_dict({f"train/{k}": v for k, v in values.items()}, step=self.step)
                fabric.log("train/lr", self.base_lrs[0] * factor, step=self.step)
                if self.clip is not None:  # per log interval: the steps since the last log
                    clip = self.clip.since_last_log()
                    fabric.log_dict({f"train/{k}": v for k, v in clip.items()}, step=self.step)
                show(losses=format_losses(values))
            show(completed=self.step, epoch=epoch + 1)
            if self.step >= self.total_steps:
                break

    def _clip_gradients(self) -> dict[str, torch.Tensor]:
        """With ``grad_clip_norm``, clip; return the norm before and whether clipping bound."""
        if self.clip is None:
            return {}
        try:
            norm = self.fabric.clip_gradients(
                self.model, self.optimizer, max_norm=self.clip.max_norm
            )
        except RuntimeError as err:  # a non-finite gradient norm
            raise ValueError(_diverged(self.step + 1)) from err
        return self.clip.record(norm)

    def _keep_to_budget(self, show) -> None:
        """With ``max_minutes``, fit the step count to the budget; stop once it is spent.

        The mean speed since step 1 (the first step is warm-up) sets the number of steps, so
        the learning-rate schedule spans the budget: fitted after ``1 + ESTIMATE_AFTER_STEPS``
        steps and fitted again each time the steps measured double, until the first
        learning-rate decay (a later change would move a decay already passed). One slow
        moment early on therefore no longer shortens the whole run. Rank 0 decides.
        """
        minutes = self.config.train.max_minutes
        if minutes is None:
            return
        if self.step_cap is None:
            self.step_cap = self.total_steps  # max_steps or the epochs: never exceeded
        budget, now = 60.0 * minutes, _now()
        spent = now - self.budget_clock[0]
        done = self.step - self.budget_start_step
        total = self.total_steps
        if done == 1:
            self.budget_clock.append(now)
        elif _is_refit_point(done - 1) and self.step < self._first_decay():
            per_step = (now - self.budget_clock[1]) / (done - 1)
            total = min(self.step_cap, self.step + max(0, int((budget - spent) / per_step)))
        if spent >= budget:
            total = min(total, self.step)
        total = int(self.fabric.broadcast(total, src=0))
        if total != self.total_steps:
            self.total_steps = total
            show(total=total)

    def _first_decay(self) -> int:
        """The step of the first learning-rate decay under the current step count."""
        decay_at = self.config.train.lr_decay_at
        return round(min(decay_at) * self.total_steps) if decay_at else self.total_steps

    def _estimate(self) -> None:
        """After a few steps, say how long the rest will take (the first step is warm-up)."""
        if self.announce is None:
            return
        if self.first_step is None:
            self.first_step = (self.step, time.perf_counter())
            return
        first, started = self.first_step
        if self.step - first < ESTIMATE_AFTER_STEPS:
            return
        per_step = (time.perf_counter() - started) / ESTIMATE_AFTER_STEPS
        left = self.total_steps - self.step
        if left > 0:
            self.announce(
                f"About {format_duration(per_step * left)} for the {left:,} remaining steps "
                f"({per_step:.2f} s per step over steps {first + 1}-{self.step})."
            )
        self.announce = None

    def end_epoch(self, epoch: int, last: bool) -> None:
        """Record the epoch's mean losses (over every process); checkpoint when due."""
        means = {
            k: float(self.fabric.all_reduce(v / max(self.n_batches, 1), reduce_op="mean"))
            for k, v in self.sums.items()
        }
        self.history["epoch"].append(epoch + 1)
        for key, value in means.items():
            self.history[key].append(value)
        due = (epoch + 1) % self.config.train.checkpoint_every == 0 or last
        if self.checkpoints is None or not due:
            return
        state = {
            "network": self.model,
            "optimizer": self.optimizer,
            "epoch": epoch + 1,
            "step": self.step,
            "history": dict(self.history),
            "config": to_dict(self.config),
            "metadata": library_versions(),
            "rng": torch.get_rng_state(),
            **self.extra_state,
        }
        if self.ema is not None:
            state["target_ema"] = self.ema.state_dict()
        save_checkpoint(self.fabric, self.checkpoints / LAST_CHECKPOINT, state)


def _is_refit_point(measured: int) -> bool:
    """Whether the step count is fitted again after ``measured`` timed steps (3, 6, 12, ...)."""
    ratio, rest = divmod(measured, ESTIMATE_AFTER_STEPS)
    return measured > 0 and rest == 0 and ratio & (ratio - 1) == 0


def _now() -> float:
    """Seconds on a monotonic clock (one place, so tests can drive the training budget)."""
    return time.perf_counter()


def _diverged(step: int) -> str:
    return (
        f"Expected finite losses and gradients, but training diverged at step {step}; lower "
        "the learning rate or the loss weights (hoa_weight, bootstrap_weight)."
    )


def _check_finite(total: torch.Tensor, step: int) -> None:
    """Stop with one clear error instead of training on an infinite or NaN loss."""
    if not bool(torch.isfinite(total.detach())):
        raise ValueError(_diverged(step))
