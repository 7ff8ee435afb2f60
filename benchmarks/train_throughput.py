"""Training throughput in the MABe mouse configuration (batch 32 x 1800 frames).

Times the real training loop (Fabric, data loader, objective, optimizer) and, in the same run,
a baseline step without our shortcuts (HoA predictor on every frame, as the reference code
does, and PyTorch's own dropout). Prints frames per second, their ratio and peak memory.

    python benchmarks/train_throughput.py [--steps 8] [--accelerator cpu|gpu]
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from bams.config import RunConfig, resolve_timescales
from bams.models import BAMSNetwork
from bams.models.tcn import FastDropout
from bams.preprocessing import Preprocessor
from bams.presets import get_preset
from bams.training.loop import make_fabric, train_network
from bams.training.objective import bams_losses
from bams.training.windows import PreparedRecordings, WindowDataset
from common import BATCH, LENGTH, mabe_like, machine, peak_rss_mb


def loop_seconds_per_step(prepared, prep, config: RunConfig, steps: int) -> float:
    """Seconds per step of `train_network`, net of its set-up (difference of two runs)."""
    times = []
    for n in (2, 2 + steps):
        config.train.max_steps = n
        fabric = make_fabric(config.train)
        fabric.seed_everything(0, verbose=False)
        network = BAMSNetwork.from_config(config.model, prep.n_inputs, prep.n_actions)
        start = time.perf_counter()
        train_network(fabric, network, prepared, config, progress=False)
        times.append(time.perf_counter() - start)
    return (times[1] - times[0]) / steps


def baseline_seconds_per_step(prepared, prep, config: RunConfig, steps: int) -> float:
    """A plain step without shortcuts: predictor on all frames, torch dropout."""
    torch.manual_seed(0)
    network = BAMSNetwork.from_config(config.model, prep.n_inputs, prep.n_actions)
    for module in network.modules():
        for name, child in module.named_children():
            if isinstance(child, FastDropout):
                setattr(module, name, nn.Dropout(child.p))
    device = "cuda" if config.train.accelerator in ("gpu", "cuda") else "cpu"
    network = network.to(device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-3)
    dataset = WindowDataset(prepared, LENGTH, config.model.hoa_window)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH)
    batches = iter(loader)
    times = []
    for _ in range(steps + 1):
        batch = {k: v.to(device) for k, v in next(batches).items()}
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        losses = bams_losses(network, batch, config.model, hoa_frame_fraction=1.0)
        optimizer.zero_grad()
        losses["total"].backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sum(times[1:]) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--accelerator", default="cpu")
    args = parser.parse_args()

    data = mabe_like(BATCH * (args.steps + 3))
    config = get_preset("mabe_mice")  # the paper's network, whatever the defaults
    config.model = resolve_timescales(config.model, 30.0)  # the encoders' seconds at 30 Hz
    config.train.accelerator = args.accelerator
    config.train.logger = "none"
    prep = Preprocessor(config.model.hoa_bins).fit(data)
    prepared = PreparedRecordings.build(data, prep)
    frames_per_step = BATCH * LENGTH

    print(f"machine: {machine()}")
    print(
        f"configuration: batch {BATCH} x {LENGTH} frames, {prep.n_inputs - 1} features, "
        f"{prep.n_actions} actions x {config.model.hoa_bins} bins, {args.steps} timed steps"
    )
    results = {}
    for precision in ("32-true", "bf16-mixed"):
        config.train.precision = precision
        seconds = loop_seconds_per_step(prepared, prep, config, args.steps)
        results[precision] = frames_per_step / seconds
        print(
            f"training ({precision}, default shortcuts): {results[precision]:>9,.0f} frames/s"
            f"  ({seconds:.2f} s/step)"
        )
    config.train.precision = "32-true"
    baseline = frames_per_step / baseline_seconds_per_step(prepared, prep, config, args.steps)
    print(f"baseline (32-true, HoA on all frames, torch dropout): {baseline:>9,.0f} frames/s")
    print(
        f"ratio default fp32 / baseline: {results['32-true'] / baseline:.2f}x; "
        f"bf16 / baseline: {results['bf16-mixed'] / baseline:.2f}x"
    )
    print(
        "target on 2 CPU cores: >= 30,000 frames/s "
        f"-> {'met' if max(results.values()) >= 30_000 else 'NOT met'} "
        f"(fp32 {'met' if results['32-true'] >= 30_000 else 'not met'})"
    )
    print(f"peak RSS: {peak_rss_mb():,.0f} MiB")


if __name__ == "__main__":
    main()
