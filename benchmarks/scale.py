"""Scale: a recordings store larger than memory trains and embeds with bounded memory.

Writes a synthetic store of ``--gigabytes`` (about 30 GB, more than this machine's memory) in
chunks, then measures, each phase in a fresh process whose peak memory (the process and its
data-loader workers together, sampled every 0.1 s as their summed PSS, "peak RSS" below) is
its own:

- **open**: ``Recordings.load`` of the store (target < 1 s);
- **prepare**: the preprocessed training windows written to disk (one pass, in blocks);
- **train**: seconds per step of the training loop from the store's prepared folder, against
  the same loop on recordings of the store that fit in memory (``--memory-gigabytes``), same
  configuration and workers, in the same run (targets: peak RSS < 4 GB, >= 90% of the
  in-memory frames/s);
- **embed**: every recording of the store embedded and written, one recording at a time, to
  an embeddings store (target: peak RSS < 2 GB); two recordings are checked against the
  whole-recording embedding in memory.

The model is the paper's MABe mouse configuration (preset ``mabe_mice``: 68 features, 32
latent dimensions each; whole 1,800-frame windows, batch 32), untrained: speed and memory do
not depend on the weights. Results go to ``benchmarks/results/scale.json``.

    python benchmarks/scale.py [--gigabytes 30] [--folder runs/scale] [--steps 20] \
        [--phases generate open prepare train_memory train_disk embed]

The phases that time training and embedding want the machine to themselves; ``--phases``
runs some of them now and the others later (each result is kept in the results file).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "scale.json"
N_FEATURES, N_ACTIONS = 68, 9
RECORDING_FRAMES = 108_000  # one hour at 30 Hz
PHASES = ("generate", "open", "prepare", "train_memory", "train_disk", "embed")
TARGETS = {"open_s": 1.0, "train_rss_gb": 4.0, "train_ratio": 0.9, "embed_rss_gb": 2.0}


def generate(path: Path, gigabytes: float, seed: int = 0) -> dict:
    """Write the store: one-hour recordings of smooth random features, 1% missing frames."""
    from bams.data import Recordings, StoreWriter

    n = max(2, round(gigabytes * 2**30 / (RECORDING_FRAMES * N_FEATURES * 4)))
    if path.exists():
        data = Recordings.load(path)
        if len(data) == n and data.n_features == N_FEATURES:
            return {"recordings": n, "frames": int(data.lengths.sum()), "reused": True}
    names = [f"f{i}" for i in range(N_FEATURES)]
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with StoreWriter(path, feature_names=names, actions=names[:N_ACTIONS], overwrite=True) as w:
        for i in range(n):
            x = rng.standard_normal(size=(RECORDING_FRAMES, N_FEATURES), dtype=np.float32)
            np.cumsum(x, axis=0, out=x)
            x *= 0.01
            x[rng.random(RECORDING_FRAMES) < 0.01] = np.nan
            w.append(x, id=f"hour{i:05d}", group=f"g{i % 4}")
    seconds = time.perf_counter() - start
    return {"recordings": n, "frames": n * RECORDING_FRAMES, "seconds": seconds, "reused": False}


def config(steps: int, workers: int, accelerator: str = "cpu"):
    from bams.presets import get_preset

    run = get_preset("mabe_mice")
    run.train.max_steps, run.train.num_workers = steps, workers
    run.train.accelerator, run.train.precision = accelerator, "32"
    run.embed.inference_device = "cuda" if accelerator == "gpu" else "cpu"
    return run


def preprocessor(data, run):
    from bams.preprocessing import Preprocessor

    model = run.model
    return Preprocessor(model.hoa_bins, model.hoa_quantiles, model.optional_features).fit(data)


def child(phase: str, args: argparse.Namespace) -> dict:
    """One phase in this (fresh) process; its result as a dict."""
    import torch

    from bams.data import Recordings
    from bams.training.prepared import PreparedRecordings, open_prepared, write_prepared

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    data = Recordings.load(args.folder / "data.bams")
    opened = time.perf_counter() - start
    if phase == "open":
        return {"seconds": opened, "recordings": len(data), "frames": int(data.lengths.sum())}
    run = config(args.steps, args.workers, args.accelerator)
    prep = preprocessor(data, run)
    if phase == "prepare":
        start = time.perf_counter()
        write_prepared(args.folder / "prepared", data, prep)
        return {"seconds": time.perf_counter() - start}
    if phase in ("train_memory", "train_disk"):
        if phase == "train_memory":
            fits = int(args.memory_gigabytes * 2**30 / (RECORDING_FRAMES * N_FEATURES * 4))
            small = data.subset(list(range(max(1, fits))))
            small = Recordings([np.array(s) for s in small.sequences], **_same(small))
            prepared = PreparedRecordings.build(small, prep)
        else:
            prepared = open_prepared(args.folder / "prepared", data, prep)
            if prepared is None:
                raise SystemExit("Expected the prepared folder of the prepare phase.")
        from bams.config import resolve_timescales
        from train_throughput import loop_seconds_per_step

        run.model = resolve_timescales(run.model, data.frame_rate)
        seconds = loop_seconds_per_step(prepared, prep, run, args.steps)
        frames = run.train.batch_size * run.train.window_length
        return {"seconds_per_step": seconds, "frames_per_s": frames / seconds}
    return embed(data, prep, run, args)


def _same(data) -> dict:
    return {
        "feature_names": data.feature_names,
        "actions": data.actions,
        "frame_rate": data.frame_rate,
        "ids": data.ids,
    }


def embed(data, prep, run, args) -> dict:
    """Embed the whole store into an embeddings store; check two recordings in memory."""
    import torch

    from bams.config import resolve_timescales
    from bams.data import Recordings
    from bams.embedding import embed_recordings, iter_embeddings
    from bams.io.exports import read_embeddings, write_embeddings
    from bams.models import BAMSNetwork

    torch.manual_seed(0)
    run.model = resolve_timescales(run.model, data.frame_rate)
    network = BAMSNetwork.from_config(run.model, prep.n_inputs, prep.n_actions).eval()
    output = args.folder / "embeddings.bams"
    start = time.perf_counter()
    stream = iter_embeddings(network.encoders, prep, data, run.embed)
    write_embeddings(output, stream, data.ids, data.frame_rate, groups=data.groups)
    seconds = time.perf_counter() - start
    check = [0, len(data) - 1]
    small = Recordings([np.array(data.sequences[i]) for i in check], **_same(data.subset(check)))
    want = embed_recordings(network.encoders, prep, small, run.embed)
    _, got = read_embeddings(output)
    error = max(
        float(np.max(np.abs(np.asarray(got[i][name]) - want[k][name])))
        for k, i in enumerate(check)
        for name in want[k]
    )
    frames = int(data.lengths.sum())
    return {"seconds": seconds, "frames_per_s": frames / seconds, "max_abs_difference": error}


def tree_memory_kib(pid: int) -> int:
    """Memory of ``pid`` and its descendants (Linux /proc), in KiB.

    The sum of their proportional set sizes (PSS: a page shared by k processes counts 1/k in
    each), so the pages data-loader workers share with their parent count once, as they take
    memory once; summed RSS would count them once per worker.
    """
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()
            total += next(int(x.split()[1]) for x in rollup if x.startswith("Pss:"))
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total


def run_phase(phase: str, args: argparse.Namespace) -> dict:
    """Run ``phase`` in a child process; its result with the peak memory of its process tree."""
    command = [sys.executable, __file__, "--child", phase, *sys.argv[1:]]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_memory_kib(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"Expected phase {phase} to succeed, but it exited {process.returncode}.")
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "peak_rss_gb": peak[0] / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=30.0, help="size of the store")
    parser.add_argument("--folder", type=Path, default=Path("runs/scale"))
    parser.add_argument("--memory-gigabytes", type=float, default=1.0, help="in-memory baseline")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps")
    parser.add_argument("--workers", type=int, default=2, help="data-loader workers")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads")
    parser.add_argument("--accelerator", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--keep", action="store_true", help="keep the prepared folder")
    parser.add_argument(
        "--phases",
        nargs="+",
        choices=PHASES,
        default=list(PHASES),
        help="phases to run (the results of earlier ones are kept in --results)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args)))
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    results = json.loads(args.results.read_text()) if args.results.is_file() else {}
    if results.get("gigabytes") != args.gigabytes:
        results = {}  # another store: earlier phases do not count
    results.update(gigabytes=args.gigabytes, steps=args.steps, workers=args.workers)
    results["machine"] = _machine()
    for phase in args.phases:
        if phase == "generate":
            start = time.perf_counter()
            results[phase] = generate(args.folder / "data.bams", args.gigabytes)
            results[phase]["wall_s"] = time.perf_counter() - start
        else:
            if phase == "embed" and not args.keep:  # room on disk for the embeddings
                shutil.rmtree(args.folder / "prepared", ignore_errors=True)
            results[phase] = run_phase(phase, args)
        print(phase, results[phase], flush=True)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(results, indent=1) + "\n")
    if all(phase in results for phase in PHASES):
        report(results)
        args.results.write_text(json.dumps(results, indent=1) + "\n")


def _machine() -> str:
    from common import machine

    return machine()


def report(results: dict) -> None:
    """Print the measures against their targets."""
    ratio = results["train_disk"]["frames_per_s"] / results["train_memory"]["frames_per_s"]
    results["train_ratio"] = ratio
    rows = [
        ("store opens", results["open"]["seconds"], "s", TARGETS["open_s"], "<"),
        (
            "training peak RSS",
            results["train_disk"]["peak_rss_gb"],
            "GB",
            TARGETS["train_rss_gb"],
            "<",
        ),
        ("training frames/s vs in memory", ratio, "x", TARGETS["train_ratio"], ">="),
        ("embedding peak RSS", results["embed"]["peak_rss_gb"], "GB", TARGETS["embed_rss_gb"], "<"),
    ]
    frames = results["generate"]["frames"]
    print(f"\nstore: {results['gigabytes']:g} GB, {frames:,} frames x {N_FEATURES} features")
    print(
        f"training: {results['train_disk']['frames_per_s']:,.0f} frames/s from the store, "
        f"{results['train_memory']['frames_per_s']:,.0f} in memory (same run)"
    )
    print(f"embedding: {results['embed']['frames_per_s']:,.0f} frames/s, written to a store")
    for name, value, unit, target, sense in rows:
        met = value < target if sense == "<" else value >= target
        verdict = "met" if met else "NOT met"
        print(f"{name}: {value:.3g} {unit} (target {sense} {target:g}) -> {verdict}")


if __name__ == "__main__":
    main()
