"""Tables, target checks and the time figure of the quality study, from its result files.

Reads every result file under the study's results folder and writes the generated parts of
``docs/quality.md`` (the main tables and the time curve between one pair of markers, the
ablations between another) and ``docs/figures/quality_vs_time.png``. A part with no results
leaves its text as it is.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from common import write_between_markers

START, END = "<!-- quality:start -->", "<!-- quality:end -->"
ABLATIONS = "<!-- quality-ablations:start -->", "<!-- quality-ablations:end -->"
CURRENT = "<!-- quality-ablations-current:start -->", "<!-- quality-ablations-current:end -->"
LATENTS = ("BAMS short_term", "BAMS long_term", "BAMS both")
UNTRAINED = tuple(f"untrained {m}" for m in LATENTS)
COLUMNS = {
    "BAMS short_term": "BAMS short",
    "BAMS long_term": "BAMS long",
    "BAMS both": "BAMS both",
    "untrained": "untrained (best)",
    "raw features": "raw",
    "PCA of raw features": "PCA",
    "window": "window avg",
    "CEBRA-Time": "CEBRA-Time",
    "MLE fit": "MLE fit (readout)",
}
REID = "re-identification top-1"


def load_results(root: Path) -> list[dict]:
    """Every run's result, in a stable order."""
    return [json.loads(p.read_text()) for p in sorted(root.glob("*/*/*/seed*.json"))]


def budget_of(result: dict) -> str:
    """The run's budget label: ``m2`` (minutes) or ``s118`` (steps)."""
    return result.get("budget") or f"m{result['minutes']:g}"


def measures(result: dict) -> dict[str, dict[str, float]]:
    """``{method: {measure: value}}`` of one run: readouts and re-identification."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for method, scores in result["scores"].items():
        for key, value in scores.items():
            task, protocol = key.split(":")
            if protocol == "frame_average":
                continue  # the table keeps single frames and the mean embedding
            out[_method(method)][f"{task} ({_protocol(protocol)})"] = value
    for method, value in result.get("reidentification", {}).items():
        out[_method(method)][REID] = value
    if "mle_direct" in result:
        out["MLE fit"][REID] = result["mle_direct"]["reidentification_of_its_readout"]
    return out


def _method(name: str) -> str:
    return "window" if name.startswith("raw averaged over") else name


def _protocol(protocol: str) -> str:
    return {"per_frame": "single frames", "mean_embedding": "mean embedding"}.get(
        protocol, "per frame"
    )


def aggregate(results: list[dict]) -> dict:
    """``{(domain, variant, budget label): {method: {measure: [values over seeds]}}}``."""
    out: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for result in results:
        key = (result["domain"], result["variant"], budget_of(result))
        for method, values in measures(result).items():
            for measure, value in values.items():
                out[key][method][measure].append(value)
    return out


def best_of(methods: dict, names: tuple[str, ...], measure: str) -> tuple[str, list[float]]:
    """The method among ``names`` with the highest mean on ``measure``, and its values."""
    found = [(np.mean(methods[n][measure]), n) for n in names if measure in methods.get(n, {})]
    if not found:
        return "", []
    name = max(found)[1]
    return name, methods[name][measure]


def cell(values: list[float]) -> str:
    if not values:
        return ""
    if len(set(values)) == 1:  # one run, or a method that does not depend on the seed
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def domain_table(methods: dict) -> str:
    """One row per measure, one column per method (mean ± std over training seeds)."""
    measures_ = sorted({m for values in methods.values() for m in values}, key=_measure_order)
    columns = [c for c in COLUMNS if c == "untrained" or c in methods]
    lines = [
        "| measure | " + " | ".join(COLUMNS[c] for c in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for measure in measures_:
        cells = []
        for c in columns:
            if c == "untrained":
                cells.append(cell(best_of(methods, UNTRAINED, measure)[1]))
            else:
                cells.append(cell(methods.get(c, {}).get(measure, [])))
        lines.append(f"| {measure} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _measure_order(measure: str) -> tuple:
    return (measure == REID, "per frame" in measure, measure)


def check_targets(domain: str, methods: dict, levels: dict, mle: dict | None) -> list[str]:
    """The issue's targets on one domain: one line per target, MET or MISSED with numbers."""
    lines = []
    all_measures = sorted({m for v in methods.values() for m in v})
    for measure in all_measures:
        best, trained = best_of(methods, LATENTS, measure)
        if not trained:
            continue
        _, untrained = best_of(methods, UNTRAINED, measure)
        rivals = {
            COLUMNS[n]: np.mean(methods[n][measure])
            for n in ("raw features", "PCA of raw features", "window")
            if measure in methods.get(n, {})
        }
        margin = np.mean(trained) - (np.mean(untrained) if untrained else -np.inf)
        ok_untrained = margin > np.std(trained)
        ok_rivals = all(np.mean(trained) > v for v in rivals.values())
        verdict = "MET" if ok_untrained and ok_rivals else "MISSED"
        rival_text = ", ".join(f"{k} {v:.3f}" for k, v in rivals.items())
        lines.append(
            f"{verdict}: {domain}, {measure}: trained ({COLUMNS[best]}) {cell(trained)} vs "
            f"untrained {cell(untrained)}{'; ' + rival_text if rival_text else ''}"
        )
    lines += _latent_order(domain, methods, levels)
    if mle:
        lines += _decision_targets(methods, mle)
    return lines


def _latent_order(domain: str, methods: dict, levels: dict) -> list[str]:
    """Long-term ahead on per-recording factors from single frames; short-term on frame ones."""
    lines = []
    short, long_ = methods.get(LATENTS[0], {}), methods.get(LATENTS[1], {})
    for task, level in levels.items():
        measure = f"{task} (single frames)" if level == "sequence" else f"{task} (per frame)"
        if measure not in short or measure not in long_:
            continue
        s, lt = np.mean(short[measure]), np.mean(long_[measure])
        wanted = lt > s if level == "sequence" else s > lt
        which = "long > short" if level == "sequence" else "short > long"
        lines.append(
            f"{'MET' if wanted else 'MISSED'}: {domain}, {measure}: {which} "
            f"(short {s:.3f}, long {lt:.3f})"
        )
    return lines


def _decision_targets(methods: dict, mle: dict) -> list[str]:
    _, reid = best_of(methods, LATENTS, REID)
    fit_reid = mle["reidentification_of_its_readout"]  # 116/800 in decision_making.md
    params = [m for m in methods.get("MLE fit", {}) if m.endswith("(mean embedding)")]
    params = [m for m in params if not m.startswith("strategy")]
    fit_r2 = np.mean([np.mean(methods["MLE fit"][m]) for m in params]) if params else np.nan
    per_latent = {
        n: np.mean([np.mean(methods[n][m]) for m in params]) for n in LATENTS if n in methods
    }
    best_r2 = max(per_latent.values()) if per_latent else np.nan
    return [
        f"{'MET' if np.mean(reid) >= fit_reid / 2 else 'MISSED'}: bandit, re-identification "
        f"{np.mean(reid):.3f} vs half the fit's readout {fit_reid / 2:.3f}",
        f"{'MET' if best_r2 >= fit_r2 else 'MISSED'}: bandit, parameter R² (mean of 6, mean "
        f"embedding) {best_r2:.3f} vs the fit's readout {fit_r2:.3f}",
    ]


def write_tables(root: Path, docs: Path, screen: Path | None = None) -> None:
    """Write the generated parts of docs/quality.md and the time figure; print the targets.

    The main tables and the time curve come from ``root``; the ablation table from ``screen``
    when given (the ablations measured against earlier defaults), else from ``root``; with a
    ``screen``, the variants run in ``root`` (against the current defaults) get a table of
    their own.
    """
    results = load_results(root)
    if not results:
        raise SystemExit(f"no result files under {root}")
    table = aggregate(results)
    from quality_ablations import ablation_block

    screened = aggregate(load_results(screen)) if screen is not None else table
    timed = [r for r in results if r.get("minutes") is not None]
    main = "\n\n".join(
        b for b in (_main_block(results, table), _time_block(timed, table, docs)) if b
    )
    path = docs / "quality.md"
    for (start, end), body in (
        ((START, END), main),
        (ABLATIONS, ablation_block(screened)),
        (CURRENT, ablation_block(table) if screen is not None else ""),
    ):
        if not body:
            print(f"no results for {start}: that part of {path} is left as it is")
            continue
        print(body)
        if not write_between_markers(path, start, end, body):
            print(f"{path} has no markers {start} ... {end}; nothing written there")


def _main_block(results: list[dict], table: dict) -> str:
    """Per domain: the table at the main budget, and the targets."""
    main = _main_budget(results)
    if main is None:
        return ""
    parts, targets = [], []
    for domain in dict.fromkeys(r["domain"] for r in results):
        key = (domain, "default", main)
        if key not in table:
            continue
        runs = [r for r in results if (r["domain"], r["variant"], budget_of(r)) == key]
        steps = [r["steps"] for r in runs if r.get("steps")]
        levels, mle = runs[0]["levels"], runs[0].get("mle_direct")
        parts.append(
            f"### {domain}\n\n{len(runs)} training seeds of {_budget_words(main)} "
            f"({int(np.mean(steps)) if steps else '?'} steps on average); receptive fields "
            f"{runs[0]['receptive_fields']} frames.\n\n{domain_table(table[key])}"
            + (_mle_line(mle) if mle else "")
        )
        targets += check_targets(domain, table[key], levels, mle)
    met = sum(t.startswith("MET") for t in targets)
    return (
        f"## Results at {_budget_words(main)} of training\n\n"
        + "\n\n".join(parts)
        + f"\n\n## Targets ({met} of {len(targets)} met)\n\n"
        + "\n".join(f"- {t}" for t in targets)
    )


def _mle_line(mle: dict) -> str:
    r2 = ", ".join(f"{k} {v:.2f}" for k, v in mle["r2"].items())
    return (
        f"\n\nThe fit used directly (not read out): parameter R² {r2}; strategy balanced "
        f"accuracy {mle['strategy']:.3f}; re-identification {mle['reidentification']:.3f}."
    )


def _main_budget(results: list[dict]) -> str | None:
    """The budget of most default runs with the baselines (the main study), or ``None``."""
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        if r["variant"] == "default" and "raw features" in r["scores"]:
            counts[budget_of(r)] += 1
    if not counts:
        return None
    return max(counts, key=lambda b: (counts[b], b))


def _budget_words(budget: str) -> str:
    """``m2`` -> "2 min", ``s2min`` -> "the steps of a 2-minute default run", ``s100``."""
    if budget == "s2min":
        return "the steps a default run trained in 2 minutes"
    if budget.startswith("m"):
        return f"{budget[1:]} min"
    return f"{budget[1:]} steps"


def _time_block(results: list[dict], table: dict, docs: Path) -> str:
    from quality_time import time_block

    return time_block(results, table, docs)
