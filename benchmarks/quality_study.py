"""The quality study: trained BAMS against its baselines on six domains, over training seeds.

For each domain (``quality_domains.py``), variant (the default, or one ablation) and training
budget (minutes on this machine), trains BAMS with each seed, builds every representation
(BAMS short-term, long-term and both; the untrained network; raw features, their PCA, their
window average; CEBRA-Time; for the bandit, the maximum-likelihood fit) and reads every task
out on the domain's fixed splits. Each run's scores go to
``OUTPUT/DOMAIN/VARIANT/mMINUTES/seedS/result.json``; a run whose result exists is skipped,
so the study can be interrupted and continued. ``--tables`` then writes docs/quality.md
from every result found (``quality_tables.py``).

Budgets are minutes on this machine (``--minutes``: the main study and the time curve) or a
fixed number of optimizer steps (``--steps``: the ablations). ``--steps auto`` takes, per
domain, the steps a default run trained in 2 minutes here (``STEPS_AT_2_MINUTES``): a variant
is then compared with the default at equal steps, which another job on the machine cannot
change (it only slows the run), and a variant's cost per step is reported beside it. The result
files (small JSON, ``--results``) are kept in the repository so that docs/quality.md can be
regenerated on another machine; the models stay under ``--output``.

    python benchmarks/quality_study.py --domains synthetic bandit --seeds 0 1 2 --minutes 2
    python benchmarks/quality_study.py --domains quadrupeds --minutes 1 2 5 10 20 --seeds 0
    python benchmarks/quality_study.py --domains larvae --variants default byol_ema_0.99 \
        --steps auto --latents-only
    python benchmarks/quality_study.py --tables
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import time
from pathlib import Path

import torch

from bams import BAMS, Recordings
from bams.config import RunConfig
from bams.evaluation import evaluate_readouts, summarize
from bams.evaluation.identity import (
    part_means,
    reidentification_accuracy,
    session_means,
    session_reidentification,
)
from bams.evaluation.representations import BASELINES, build_representations
from bams.utils.atomic import atomic_write
from common import cached_bandit_fit, with_halves
from quality_domains import DOMAINS, Domain
from quality_variants import VARIANTS

RESULTS = Path(__file__).parent / "results" / "quality"
# The ablations measured against the defaults before the study changed them
SCREEN = Path(__file__).parent / "results" / "quality_screen"

MAX_STEPS = 10**6  # the budget in minutes decides
STEPS_AT_2_MINUTES = {  # mean steps of the 3 default 2-minute runs per domain (docs/quality.md)
    "bandit": 539,
    "larvae": 345,
    "open_field": 380,
    "quadrupeds": 118,
    "synthetic": 86,
    "zebrafish": 141,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", nargs="+", default=list(DOMAINS), choices=list(DOMAINS))
    parser.add_argument("--variants", nargs="+", default=["default"], choices=list(VARIANTS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--minutes", type=float, nargs="+", default=[2.0])
    parser.add_argument(
        "--steps",
        nargs="+",
        help="fixed step budgets instead of minutes ('auto': per domain)",
    )
    parser.add_argument(
        "--steps-per-minute",
        type=float,
        help="--minutes as fixed steps: minutes x this speed (measured alone on this machine)",
    )
    parser.add_argument(
        "--label",
        help="name of the one --steps budget, e.g. 's2min+time': a variant's steps for the "
        "time the default trains s2min, compared with the default's s2min",
    )
    parser.add_argument("--cebra-iterations", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads")
    parser.add_argument("--max-train-frames", type=int, default=10_000, help="per readout fit")
    parser.add_argument("--max-test-frames", type=int, default=30_000, help="per readout test")
    parser.add_argument("--output", type=Path, default=Path("runs/quality"), help="models")
    parser.add_argument("--results", type=Path, default=RESULTS, help="result files")
    parser.add_argument(
        "--bams-only",
        action="store_true",
        help="no baselines but the untrained network",
    )
    parser.add_argument(
        "--latents-only", action="store_true", help="BAMS's latents only (ablations)"
    )
    parser.add_argument("--tables", action="store_true", help="write docs/quality.md and stop")
    parser.add_argument("--docs", type=Path, default=Path(__file__).resolve().parents[1] / "docs")
    parser.add_argument(
        "--screen", type=Path, default=SCREEN, help="result files of the ablation table"
    )
    args = parser.parse_args()
    if args.tables:
        from quality_tables import write_tables

        write_tables(args.results, args.docs, args.screen if args.screen.is_dir() else None)
        return
    torch.set_num_threads(args.threads)
    check_defaults(args.results)
    for name in args.domains:
        domain = DOMAINS[name]
        reason = domain.missing()
        if reason:
            print(f"{name}: SKIPPED, {reason}", flush=True)
            continue
        data = domain.load(args.output / "cache")
        print(f"{name}: {data}", flush=True)
        for variant in args.variants:
            for budget in budgets(args, name):
                for seed in args.seeds:
                    run_one(domain, data, variant, budget, seed, args)


def library_defaults() -> dict[str, object]:
    """The library's default configuration, flattened: ``{"model.hoa_bins": 16, ...}``."""
    config = dataclasses.asdict(RunConfig())
    flat: dict[str, object] = {}
    stack = [(section, config[section]) for section in ("model", "train")]
    while stack:
        prefix, value = stack.pop()
        if isinstance(value, dict):
            stack += [(f"{prefix}.{key}", item) for key, item in value.items()]
        else:
            flat[prefix] = value
    return json.loads(json.dumps(dict(sorted(flat.items())), default=str))  # as read back


def check_defaults(results: Path) -> None:
    """Stop if the library's defaults differ from those the results in ``results`` ran with.

    Results are keyed by variant name, so a run of ``default`` after a default changed would
    be skipped, or mixed with the older seeds, without a word. ``results/defaults.json``
    records the defaults of the first run; a later run under other defaults stops here.
    """
    path = results / "defaults.json"
    now = library_defaults()
    if not path.is_file():
        atomic_write(path, json.dumps(now, indent=1))
        return
    before = json.loads(path.read_text())
    for key in sorted(set(before) | set(now)):
        if before.get(key) != now.get(key):
            raise SystemExit(
                f"Expected the defaults the results in {results} were run with, but {key} is "
                f"{now.get(key)!r} now and was {before.get(key)!r}; give another --results."
            )


def budgets(args, domain: str) -> list[dict]:
    """``[{"minutes": M} or {"steps": N}]``: the training budgets asked for on ``domain``.

    ``auto`` steps are labelled ``s2min`` on every domain (their number differs per domain),
    so that a variant's row of the ablation table spans the domains.
    """
    if not args.steps and args.steps_per_minute:
        spm = args.steps_per_minute
        return [
            {
                "steps": round(m * spm),
                "minutes": m,
                "label": f"m{m:g}",
                "steps_per_minute": spm,
            }
            for m in args.minutes
        ]
    if not args.steps:
        return [{"minutes": m} for m in args.minutes]
    if "auto" in args.steps and domain not in STEPS_AT_2_MINUTES:
        raise SystemExit(
            f"--steps auto: no 2-minute step count is measured for {domain}; give --steps N."
        )
    if args.label:
        if len(args.steps) != 1 or args.steps[0] == "auto":
            raise SystemExit("--label names one --steps N budget.")
        return [{"steps": int(args.steps[0]), "label": args.label}]
    return [
        {"steps": STEPS_AT_2_MINUTES[domain], "label": "s2min"}
        if s == "auto"
        else {"steps": int(s)}
        for s in args.steps
    ]


def budget_label(budget: dict) -> str:
    """``m2`` (minutes), ``s118`` (steps) or ``s2min`` (the steps of a 2-minute default run)."""
    if "label" in budget:
        return budget["label"]
    return f"m{budget['minutes']:g}" if "minutes" in budget else f"s{budget['steps']}"


def run_one(domain: Domain, data: Recordings, variant: str, budget: dict, seed: int, args):
    """Train, represent, read out; write the result file (skipped if it exists)."""
    label = budget_label(budget)
    folder = args.output / domain.name / variant / label / f"seed{seed}"
    result_file = args.results / domain.name / variant / label / f"seed{seed}.json"
    if result_file.is_file():
        print(f"  {result_file}: done before", flush=True)
        return
    changed = VARIANTS[variant](domain.params(data), data)
    if changed is None:
        print(f"  {variant} does not apply to {domain.name}", flush=True)
        return
    params, data = changed
    params.update(
        seed=seed,
        max_steps=budget.get("steps", MAX_STEPS),
        max_minutes=None if "steps" in budget else budget.get("minutes"),
        output_dir=folder / "model",
        logger="csv",
        log_every=10,
        checkpoint_every=10**6,
        verbose=False,
    )
    start = time.perf_counter()
    model = BAMS(**params).fit(data, overwrite=True)
    training_s = time.perf_counter() - start
    methods = methods_of(variant, seed == args.seeds[0], args.bams_only, args.latents_only)
    reps, reid = representations(model, data, domain, seed, args.cebra_iterations, methods)
    extra = {} if args.latents_only else domain_extras(domain, data, reps, args.output / "cache")
    tasks, splits = domain.tasks(data), domain.splits(data)
    rows = evaluate_readouts(
        reps,
        tasks,
        splits,
        groups=data.groups if domain.groups else None,
        max_train_frames=args.max_train_frames,
        max_test_frames=args.max_test_frames,
    )
    summary = summarize(rows)
    result = {
        "domain": domain.name,
        "variant": variant,
        "minutes": budget.get("minutes"),
        "budget": label,
        "seed": seed,
        "training_s": training_s,
        "steps_per_minute": budget.get("steps_per_minute"),
        "steps": trained_steps(folder / "model"),
        "receptive_fields": model.receptive_fields_,
        "scores": scores_of(summary),
        "reidentification": reid,
        "levels": {t.name: t.level for t in tasks},
        **extra,
        "seconds": time.perf_counter() - start,
    }
    atomic_write(result_file, json.dumps(result, indent=1, default=float))
    print(
        f"  {folder}: {result['steps']} steps in {training_s:.0f} s, "
        f"total {result['seconds']:.0f} s",
        flush=True,
    )


def methods_of(
    variant: str, first_seed: bool, bams_only: bool = False, latents_only: bool = False
) -> dict:
    """The baselines and peers a run builds besides BAMS's latents.

    The default run of the first seed builds them all; the deterministic baselines (raw
    features, their PCA and window average) are the same for every training seed, so the
    other seeds build only those that have a seed of their own (the untrained network and
    CEBRA-Time). Ablations compare BAMS with BAMS: no baselines. ``bams_only`` (runs that
    follow quality over training time) keeps only the untrained network; ``latents_only``
    (ablations at fixed steps, the default among them) nothing but BAMS.
    """
    if latents_only:
        return {"baselines": (), "peers": ()}
    if bams_only:
        return {"baselines": ("untrained",), "peers": ()}
    if variant != "default":
        return {"baselines": (), "peers": ()}
    if first_seed:
        return {"baselines": BASELINES, "peers": ("cebra",)}
    return {"baselines": ("untrained",), "peers": ("cebra",)}


def representations(
    model,
    data: Recordings,
    domain: Domain,
    seed: int,
    cebra_iterations: int,
    methods: dict,
):
    """Every method's representation of ``data``, and its re-identification top-1."""
    build = dict(seed=seed, cebra_iterations=cebra_iterations, optional_peers=True, **methods)
    if domain.reidentification != "halves":
        reps = build_representations(model, data, **build)
        reid = {}
        if domain.reidentification == "sessions":
            reid = {
                k: session_reidentification(session_means(v), data.groups) for k, v in reps.items()
            }
        return reps, reid
    both = with_halves(data)  # each half embedded on its own
    reps = build_representations(model, both, **build)
    n = len(data)
    reid = {k: reidentification_accuracy(*part_means(v[n:], 2)) for k, v in reps.items()}
    return {k: v[:n] for k, v in reps.items()}, reid


def domain_extras(domain: Domain, data: Recordings, reps: dict, cache: Path) -> dict:
    """The bandit's maximum-likelihood fit: as a representation, and used directly."""
    if domain.name != "bandit":
        return {}
    from bams.pipelines.decision_making import (
        MLE_METHOD,
        mle_representation,
        mle_scores,
    )

    fit = cached_bandit_fit(data, cache / "bandit_200x4x300_mle.npz", restarts=2)[0]
    reps[MLE_METHOD] = mle_representation(fit)
    reps_reid = session_reidentification(session_means(reps[MLE_METHOD]), data.groups)
    direct = mle_scores(fit, data, domain.splits(data))
    return {
        "mle_direct": {
            "r2": {k: v[0] for k, v in direct["r2"].items()},
            "strategy": direct["strategy"][0],
            "reidentification": direct["reidentification"],
            "reidentification_of_its_readout": reps_reid,
        }
    }


def scores_of(summary: list[dict]) -> dict:
    """``{method: {"task:protocol": primary score}}`` (mean over the readout splits)."""
    out: dict[str, dict[str, float]] = {}
    for row in summary:
        out.setdefault(row["method"], {})[f"{row['task']}:{row['protocol']}"] = row["score"]
    return out


def trained_steps(model_dir: Path) -> int | None:
    """The last step the CSV logger recorded (the final step is always logged)."""
    files = sorted(model_dir.glob("logs/*/metrics.csv"))
    if not files:
        return None
    with files[-1].open() as f:
        steps = [int(row["step"]) for row in csv.DictReader(f) if row.get("step")]
    return max(steps) if steps else None


if __name__ == "__main__":
    main()
