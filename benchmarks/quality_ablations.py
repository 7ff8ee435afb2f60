"""The ablation table of the quality study: each variant against the default, seed by seed."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from quality_tables import LATENTS
from quality_time import HEADLINE


def paired_deltas(table: dict, domain: str, variant: str, budget: str) -> list[list[float]]:
    """Per headline measure, the best latent's change (variant - default) for each seed.

    A budget ``B+time`` (the variant trained for as long as the default trains ``B``, its
    steps scaled by its measured cost per step) is compared with the default's ``B``.
    """
    base = table.get((domain, "default", budget.split("+")[0]))
    other = table.get((domain, variant, budget))
    if not base or not other:
        return []
    out = []
    headline = {m for n in LATENTS for m in other.get(n, {}) if any(h in m for h in HEADLINE)}
    for measure in sorted(headline):
        a = _best_per_seed(base, measure)
        b = _best_per_seed(other, measure)
        n = min(len(a), len(b))  # seeds in the same order: results are sorted by seed
        if n:
            out.append([b[i] - a[i] for i in range(n)])
    return out


def _best_per_seed(methods: dict, measure: str) -> list[float]:
    values = [methods[n][measure] for n in LATENTS if measure in methods.get(n, {})]
    return [max(v) for v in zip(*values, strict=False)] if values else []


def ablation_block(table: dict) -> str:
    """Rows: variant and budget; columns: domains, then the number of domains ahead."""
    keys = [k for k in table if k[1] != "default"]
    if not keys:
        return ""
    domains = sorted(dict.fromkeys(k[0] for k in table))
    rows: dict = defaultdict(dict)
    for domain, variant, budget in keys:
        deltas = paired_deltas(table, domain, variant, budget)
        if deltas:
            per_seed = np.mean(np.array([d[: min(map(len, deltas))] for d in deltas]), axis=0)
            wins = sum(np.mean(d) > 0 for d in deltas)
            rows[(variant, budget)][domain] = (per_seed, wins, deltas)
    lines = [
        "| variant | budget | " + " | ".join(domains) + " | domains ahead |",
        "|---|---|" + "---:|" * (len(domains) + 1),
    ]
    for (variant, budget), cells in sorted(rows.items()):
        text = [_cell(*cells[d]) if d in cells else "" for d in domains]
        ahead = sum(np.mean(c[0]) > 0 for c in cells.values())
        lines.append(f"| {variant} | {budget} | " + " | ".join(text) + f" | {ahead}/{len(cells)} |")
    return "\n".join(
        [
            "Each cell: the change of the best latent's headline score (variant - default, the "
            "mean over the domain's single-frame readouts and re-identification; mean ± std "
            "over seeds, paired by seed), then in how many of those measures the variant's "
            "mean is higher, and the seeds. Budget `s2min`: a fixed number of optimizer steps "
            "per domain, those a default run trains in 2 minutes on this machine; `sN`: N "
            "steps; `mM`: M minutes; `s2min+time`: the variant's steps for the time the "
            "default trains `s2min` (the steps divided by the variant's cost per step, measured "
            "alone by benchmarks/variant_cost.py), against the default's `s2min`. At equal "
            "steps a variant that costs more per step (wider latents, more HoA frames, the EMA "
            "target) is favoured; runs shared the machine, so their times are not compared "
            "here.",
            "",
            *lines,
        ]
    )


def _cell(per_seed: np.ndarray, wins: int, deltas: list) -> str:
    return (
        f"{np.mean(per_seed):+.3f} ± {np.std(per_seed):.3f} ({wins}/{len(deltas)}, "
        f"n={len(per_seed)})"
    )
