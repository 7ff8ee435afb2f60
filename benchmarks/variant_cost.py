"""Cost per training step of the quality study's variants against the default, in one run.

For each domain, times ``BAMS.fit`` with the domain's preset (the default) and with each
variant, as the difference between a ``2 + steps`` and a 2-step run (so set-up and data
preparation cancel), and prints seconds per step and the ratio to the default. Run it with
nothing else on the machine; the ratio is what the quality study's adoption rule needs (a
variant that costs more per step must also win at equal minutes).

    python benchmarks/variant_cost.py [--domains quadrupeds synthetic] \
        [--variants latent_width_x2_bins_16] [--steps 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from bams import BAMS
from quality_domains import DOMAINS
from quality_variants import VARIANTS


def seconds_per_step(params: dict, data, steps: int, folder: Path) -> float:
    """Seconds per optimizer step of ``BAMS(**params).fit(data)``, net of its set-up."""
    times = []
    for n in (2, 2 + steps):
        run = {**params, "max_steps": n, "max_minutes": None, "seed": 0, "verbose": False}
        model = BAMS(**run, output_dir=folder / f"run{n}", checkpoint_every=10**6)
        start = time.perf_counter()
        model.fit(data, overwrite=True)
        times.append(time.perf_counter() - start)
    return (times[1] - times[0]) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", nargs="+", default=["quadrupeds"], choices=list(DOMAINS))
    parser.add_argument(
        "--variants", nargs="+", default=["latent_width_x2_bins_16"], choices=list(VARIANTS)
    )
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path("runs/quality/cache"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.cache.mkdir(parents=True, exist_ok=True)
    for name in args.domains:
        domain = DOMAINS[name]
        if domain.missing():
            print(f"{name}: skipped ({domain.missing()})")
            continue
        data = domain.load(args.cache)
        with tempfile.TemporaryDirectory() as tmp:
            default = seconds_per_step(domain.params(data), data, args.steps, Path(tmp))
            print(f"{name}: default {default:.3f} s/step ({60 / default:.1f} steps/min)")
            for variant in args.variants:
                changed = VARIANTS[variant](domain.params(data), data)
                if changed is None:
                    print(f"  {variant}: does not apply")
                    continue
                cost = seconds_per_step(*changed, args.steps, Path(tmp))
                print(
                    f"  {variant}: {cost:.3f} s/step ({60 / cost:.1f} steps/min), "
                    f"{cost / default:.2f}x the default"
                )


if __name__ == "__main__":
    main()
