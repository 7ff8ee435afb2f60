"""Do the speed shortcuts cost readout quality? Measured on the demo's data.

Trains BAMS on the demo's synthetic data twice with the same seed: with the default HoA frame
subsample (25% of frames through the predictor) and with every frame through it; embeds each
model in fp32 and in bf16; prints the demo's readout table for each combination.

    python benchmarks/shortcut_quality.py [--steps 200]
"""

from __future__ import annotations

import argparse
import time

from bams import BAMS
from bams.demo import FULL, LR_DECAY_AT, representations
from bams.evaluation import readout_table
from bams.sim.synthetic import make_synthetic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=FULL.max_steps)
    args = parser.parse_args()
    data = make_synthetic(FULL.n_recordings, FULL.n_frames, seed=0)
    results = {}
    for fraction in (0.25, 1.0):
        start = time.perf_counter()
        model = BAMS(
            max_steps=args.steps,
            window_length=FULL.window_length,
            hoa_frame_fraction=fraction,
            lr_decay_at=LR_DECAY_AT,
            logger="none",
            verbose=False,
        ).fit(data)
        seconds = time.perf_counter() - start
        for precision in ("32", "bf16"):
            model.set_params(inference_precision=precision)
            rows = readout_table(data, representations(data, model.transform(data)))
            results[(fraction, precision)] = {
                (r["representation"], r["label"]): r["score"] for r in rows
            }
        print(f"trained with hoa_frame_fraction={fraction} in {seconds:.0f} s")
    keys = list(next(iter(results.values())))
    header = "".join(f"{f'frac {f} / {p}':>18}" for f, p in results)
    print(f"{'representation':14}{'label':8}{header}")
    for key in keys:
        cells = "".join(f"{results[combo][key]:>18.3f}" for combo in results)
        print(f"{key[0]:14}{key[1]:8}{cells}")


if __name__ == "__main__":
    main()
