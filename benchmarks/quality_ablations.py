"""The ablation table of the quality study: each variant against the default, seed by seed."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from quality_tables import LATENTS
from quality_time import HEADLINE


def paired_deltas(table: dict, domain: str, variant: str, minutes: float) -> list[list[float]]:
    """Per headline measure, the best latent's change (variant - default) for each seed."""
    base, other = table.get((domain, "default", minutes)), table.get((domain, variant, minutes))
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
    """Rows: variants; columns: domains; cells: mean change of the headline scores."""
    keys = [k for k in table if k[1] != "default"]
    if not keys:
        return ""
    domains = list(dict.fromkeys(k[0] for k in table))
    variants = list(dict.fromkeys(k[1] for k in keys))
    cells: dict = defaultdict(dict)
    for domain, variant, minutes in keys:
        deltas = paired_deltas(table, domain, variant, minutes)
        if not deltas:
            continue
        per_seed = np.mean(np.array([d[: min(map(len, deltas))] for d in deltas]), axis=0)
        wins = sum(np.mean(d) > 0 for d in deltas)
        cells[variant][domain] = (
            f"{np.mean(per_seed):+.3f} ± {np.std(per_seed):.3f} ({wins}/{len(deltas)}, "
            f"n={len(per_seed)})"
        )
    lines = [
        "## Ablations",
        "",
        "Each cell: the change of the best latent's headline scores (variant - default, mean over "
        "the domain's single-frame readouts and re-identification; mean ± std over seeds, paired "
        "by seed), then in how many of those measures the variant's mean is higher.",
        "",
        "| variant | " + " | ".join(domains) + " |",
        "|---|" + "---:|" * len(domains),
    ]
    for variant in variants:
        lines.append(
            f"| {variant} | " + " | ".join(cells[variant].get(d, "") for d in domains) + " |"
        )
    return "\n".join(lines)
