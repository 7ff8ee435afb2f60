"""Embedding throughput and memory in the MABe mouse configuration.

Measures, in the same run: streaming inference (`embed_recordings`) in fp32 and in the
automatic precision (bf16 where the CPU or GPU computes it natively), a baseline that sends
each batch of recordings through the encoders in one plain fp32 pass, and the full forward pass
including the HoA predictor on every frame (what the reference code runs to embed). A child
process then embeds a one-hour 30 Hz recording (108,000 frames) and reports its peak memory,
beside a child that embeds it in one whole-sequence pass; the same for ten hours.

    python benchmarks/embed_throughput.py [--recordings 192] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from bams.config import EmbedConfig, ModelConfig
from bams.embedding import embed_recordings
from bams.models import BAMSNetwork
from bams.preprocessing import Preprocessor
from common import BATCH, LENGTH, mabe_like, machine, peak_rss_mb, reset_peak_rss

HOUR = 108_000


def build(data):
    torch.manual_seed(0)
    config = ModelConfig()
    prep = Preprocessor(config.hoa_bins).fit(data)
    return BAMSNetwork.from_config(config, prep.n_inputs, prep.n_actions).eval(), prep


def timed(function, repeats: int = 3) -> float:
    function()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


@torch.inference_mode()
def plain_pass(network, prep, data, device, full: bool) -> None:
    """Baseline: batches of whole recordings through the network in fp32, no streaming."""
    for start in range(0, len(data), BATCH):
        seqs = data.sequences[start : start + BATCH]
        x = torch.from_numpy(np.stack([prep.transform_inputs(s).T for s in seqs])).to(device)
        features = network.forward_features(x)
        if full:
            frames = torch.arange(x.shape[-1], device=device).expand(len(seqs), -1)
            network.predict_hoa(features, x, frames)
        if device.type == "cuda":
            torch.cuda.synchronize()


def memory_child(mode: str, device: str, length: int) -> None:
    """Embed one recording of ``length`` frames and print the peak RSS (in a fresh process)."""
    data = mabe_like(1, length=length)
    network, prep = build(mabe_like(4))
    gc.collect()
    reset_peak_rss()  # count the peak of the embedding step only, data and model resident
    before = peak_rss_mb()
    if mode == "streaming":
        embed_recordings(
            network.encoders,
            prep,
            data,
            EmbedConfig(inference_device=device, inference_precision="32"),
        )
    else:
        plain_pass(network, prep, data, torch.device(device), full=False)
    print(json.dumps({"peak_rss_mb": peak_rss_mb(), "before_mb": before}))


def child_peak(mode: str, device: str, length: int) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__)),
            "--memory-child",
            mode,
            "--device",
            device,
            "--length",
            str(length),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=192)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--memory-child", choices=["streaming", "whole"])
    parser.add_argument("--length", type=int, default=HOUR)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.device, args.length)
        return

    data = mabe_like(args.recordings)
    network, prep = build(data)
    device = torch.device(args.device)
    frames = data.total_frames
    print(f"machine: {machine()}")
    print(
        f"configuration: {args.recordings} recordings x {LENGTH} frames, "
        f"{prep.n_inputs - 1} features; receptive fields {network.receptive_fields}"
    )
    rates = {}
    for precision in ("32", "auto"):
        config = EmbedConfig(inference_device=args.device, inference_precision=precision)
        seconds = timed(
            lambda config=config: embed_recordings(network.encoders, prep, data, config)
        )
        rates[precision] = frames / seconds
        print(f"bams embed_recordings (precision {precision}): {rates[precision]:>10,.0f} frames/s")
    network.to(device)
    encoders = frames / timed(lambda: plain_pass(network, prep, data, device, full=False))
    full = frames / timed(lambda: plain_pass(network, prep, data, device, full=True), repeats=1)
    print(f"baseline, encoders only, fp32 whole batches: {encoders:>10,.0f} frames/s")
    print(f"baseline, full forward with HoA predictor:   {full:>10,.0f} frames/s")
    best = max(rates.values())
    print(
        f"ratio best / encoders-only baseline: {best / encoders:.2f}x; "
        f"/ full-forward baseline: {best / full:.2f}x"
    )
    print(f"target >= 400,000 frames/s on 2 CPU cores -> {'met' if best >= 400_000 else 'NOT met'}")

    for hours in (1, 10):
        length = hours * HOUR
        streaming = child_peak("streaming", args.device, length)
        whole = child_peak("whole", args.device, length)
        ratio = whole["peak_rss_mb"] / streaming["peak_rss_mb"]
        print(
            f"{hours} h ({length:,} frames) streaming: peak RSS {streaming['peak_rss_mb']:,.0f} MiB"
            f" (resident before embedding: {streaming['before_mb']:,.0f} MiB); whole-sequence "
            f"pass: {whole['peak_rss_mb']:,.0f} MiB; ratio {ratio:.1f}x"
        )
        if hours == 1:
            verdict = "met" if streaming["peak_rss_mb"] < 1000 else "NOT met"
            print(f"target: one hour with peak RSS < 1 GB -> {verdict}")


if __name__ == "__main__":
    main()
