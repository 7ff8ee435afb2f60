"""Quality against training time, from the quality study's runs at several budgets."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from quality_tables import LATENTS, UNTRAINED, measures

HEADLINE = ("(single frames)", "(per frame)", "re-identification")
TRAINED_S: dict = defaultdict(list)  # (domain, budget) -> seconds each run trained (fit)
STEPS: dict = defaultdict(list)


def headline_quality(methods: dict[str, dict[str, float]], names=LATENTS) -> float:
    """Mean over the headline measures (single-frame readouts, re-identification) of the best
    of ``names`` on each: one number per run, to follow over training time."""
    found = {m for n in names for m in methods.get(n, {}) if any(h in m for h in HEADLINE)}
    if not found:
        return np.nan
    return float(
        np.mean([max(methods[n][m] for n in names if m in methods.get(n, {})) for m in found])
    )


def curves(results: list[dict]) -> tuple[dict, dict]:
    """``{domain: {minutes: [quality per seed]}}`` of the default runs, and the untrained's."""
    trained: dict = defaultdict(lambda: defaultdict(list))
    untrained: dict = defaultdict(list)
    for r in results:
        if r["variant"] != "default":
            continue
        methods = measures(r)
        trained[r["domain"]][r["minutes"]].append(headline_quality(methods))
        spm = r.get("steps_per_minute")  # fixed steps standing for minutes alone here
        seconds = 60 * r["steps"] / spm if spm and r.get("steps") else r["training_s"]
        TRAINED_S[(r["domain"], r["minutes"])].append(seconds)
        STEPS[(r["domain"], r["minutes"])].append(r.get("steps") or 0)
        if any(n in methods for n in UNTRAINED):
            untrained[r["domain"]].append(headline_quality(methods, UNTRAINED))
    return {d: c for d, c in trained.items() if len(c) >= 2}, untrained


def time_block(results: list[dict], table: dict, docs: Path) -> str:
    """The Markdown of quality against training time, and its figure."""
    found, untrained = curves(results)
    if not found:
        return ""
    lines = [
        "## Quality against training time",
        "",
        "Quality here = the mean, over a domain's single-frame readouts and re-identification, "
        "of the best BAMS latent's score (mean ± std over seeds). 'gain' = the share of the "
        "final budget's gain over the untrained network reached.",
        "",
        "| domain | budget (min) | trained (min, fit) | steps | quality | ratio to final | gain "
        "reached |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    summary = []
    for domain, by_minutes in found.items():
        final_minutes = max(by_minutes)
        final = np.nanmean(by_minutes[final_minutes])
        base = np.nanmean(untrained[domain]) if untrained.get(domain) else np.nan
        first_95 = None
        for minutes in sorted(by_minutes):
            q = np.nanmean(by_minutes[minutes])
            gain = (q - base) / (final - base) if final != base else np.nan
            if first_95 is None and q >= 0.95 * final:
                first_95 = minutes
            spread = np.nanstd(by_minutes[minutes])
            fit_min = np.mean(TRAINED_S[(domain, minutes)]) / 60
            steps = np.mean(STEPS[(domain, minutes)])
            lines.append(
                f"| {domain} | {minutes:g} | {fit_min:.1f} | {steps:.0f} | {q:.3f} ± {spread:.3f} "
                f"(n={len(by_minutes[minutes])}) | {q / final:.1%} | {gain:.0%} |"
            )
        summary.append(
            f"- {domain}: 95% of the {final_minutes:g}-minute quality reached at {first_95:g} min"
            if first_95 is not None
            else f"- {domain}: not reached"
        )
    _figure(found, untrained, docs / "figures" / "quality_vs_time.png")
    return "\n".join([*lines, "", *summary, "", "![quality vs time](figures/quality_vs_time.png)"])


def _figure(found: dict, untrained: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for domain, by_minutes in found.items():
        minutes = sorted(by_minutes)
        mean = [np.nanmean(by_minutes[m]) for m in minutes]
        std = [np.nanstd(by_minutes[m]) for m in minutes]
        line = ax.errorbar(minutes, mean, yerr=std, marker="o", capsize=3, label=domain)
        if untrained.get(domain):
            ax.axhline(np.nanmean(untrained[domain]), ls=":", color=line[0].get_color())
    ax.set_xscale("log")
    ax.set_xticks(sorted({m for c in found.values() for m in c}))
    ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.set_xlabel("training budget on 2 CPU cores (max_minutes)")
    ax.set_ylabel("quality (best latent, headline mean)")
    ax.set_title("Quality against training time (dotted: untrained network)")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
