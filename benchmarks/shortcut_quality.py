"""Do the speed shortcuts cost readout quality? Measured on the demo's data.

Trains BAMS on the demo's synthetic data with the default HoA frame subsample (25% of frames
through the predictor) and with every frame through it, for each seed; embeds each model in
fp32 and in bf16; prints the single-frame readout scores (macro-F1 or R², on held-out
recordings) of each combination, mean and std over seeds.

    python benchmarks/shortcut_quality.py [--variants 0.25:300 1.0:300 1.0:150] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

from bams import BAMS
from bams.evaluation import evaluate_readouts, make_splits, summarize, tasks_from
from bams.evaluation.protocols import SINGLE_FRAME
from bams.evaluation.representations import bams_latents
from bams.pipelines.synthetic import FULL
from bams.presets import preset_params
from bams.sim.synthetic import make_synthetic

PRECISIONS = ("32", "bf16")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variants",
        nargs="+",
        default=[f"0.25:{FULL.max_steps}", f"1.0:{FULL.max_steps}", f"1.0:{FULL.max_steps // 2}"],
        help="hoa_frame_fraction:steps pairs (the last one takes about as long as the first)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    variants = [(float(v.split(":")[0]), int(v.split(":")[1])) for v in args.variants]
    scores = defaultdict(list)  # (fraction, precision, representation, label) -> per seed
    for seed in args.seeds:
        data = make_synthetic(FULL.n_recordings, FULL.n_frames, seed=seed)
        for fraction, steps in variants:
            start = time.perf_counter()
            settings = {
                **preset_params("synthetic"),
                "max_steps": steps,
                "window_length": FULL.window_length,
                "hoa_frame_fraction": fraction,
                "seed": seed,
                "logger": "none",
                "verbose": False,
            }
            model = BAMS(**settings).fit(data)
            seconds = time.perf_counter() - start
            splits = make_splits(data.ids, seeds=[seed])
            for precision in PRECISIONS:
                model.set_params(inference_precision=precision)
                reps = bams_latents(model.transform(data))
                for r in summarize(evaluate_readouts(reps, tasks_from(data), splits)):
                    if r["protocol"] in SINGLE_FRAME:
                        key = (f"{fraction}x{steps}", precision, r["method"], r["task"])
                        scores[key].append(r["score"])
            print(
                f"seed {seed}: hoa_frame_fraction={fraction}, {steps} steps: {seconds:.0f} s",
                flush=True,
            )
    combos = [(f"{f}x{n}", p) for f, n in variants for p in PRECISIONS]
    tasks = list(dict.fromkeys(key[2:] for key in scores))
    print(
        f"{'representation':14}{'label':7}"
        + "".join(f"{f'{f} steps / {p}':>22}" for f, p in combos)
    )
    for rep, label in tasks:
        cells = []
        for f, p in combos:
            values = np.array(scores[(f, p, rep, label)])
            cells.append(f"{values.mean():.3f} ± {values.std():.3f} (n={len(values)})")
        print(f"{rep:18}{label:7}" + "".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
