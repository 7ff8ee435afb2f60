"""BAMS on decision making: a simulated population playing one bandit, and real choice data.

Simulated (``bams.sim.bandit``): N Q-learning agents with their own parameters and a hidden
explore / exploit strategy play the same restless 3-armed bandit for several sessions of 300
trials: one reward schedule for every session of everyone (``games="shared"``). One frame per
trial: one-hot choice, reward, log reaction time. BAMS is trained
without labels, then compared with baselines (raw features, their PCA, raw features averaged
over each receptive field, an untrained BAMS), CEBRA-Time (if installed) and the classical
anchor, a maximum-likelihood fit of the true model per session, on:

(a) each individual's six parameters read out linearly from per-session mean embeddings
    (ridge, R² on an unbounded scale), test individuals never seen by the readout;
(b) re-identification: each session's nearest other session (cosine similarity of
    standardized per-session means) belongs to the same individual; chance ~ 1/N; also
    top-5 (one of the 5 nearest sessions does), chance ~ 5/N;
(c) the hidden strategy decoded trial by trial (balanced accuracy), same splits.

Real (optional packages, read at run time; see ``bams.datasets.choices``): subject
re-identification across the two parts of each participant's data.

Writes figures to ``docs/figures/decision_making_*.png``, the tables between the markers of
``docs/decision_making.md``, and the rest (models, MLE fits, results.json) to ``--output``.

    python benchmarks/decision_making.py     # about 20 minutes on 2 shared CPU cores
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from bams import BAMS, Recordings
from bams.datasets.choices import CHOICE_DATASETS, choices_available, load_choices
from bams.evaluation.identity import (
    reidentification_chance,
    session_means,
    session_reidentification,
)
from bams.pipelines.decision_making import (
    MLE_METHOD,
    PARAMETER_SCALES,
    choice_study,
    halves_reidentification,
    mle_representation,
    mle_scores,
    model_params,
    to_unbounded,
    with_lookahead,
)
from bams.sim.bandit import GAMES, BanditFit, simulate_bandit
from common import cached_bandit_fit, run_reusing, write_between_markers
from decision_making_plots import write_figures

LOOKAHEAD = 5  # trials of future for a non-causal read of the causal short-term latent
TOP_K = 5  # the second re-identification score: a session of the same individual in the top 5
DOCS_START, DOCS_END = "<!-- decision-results:start -->", "<!-- decision-results:end -->"
SHORT = {
    "learning_rate": "α",
    "inverse_temperature": "β",
    "perseveration": "κ",
    "value_decay": "decay",
    "explore_rate": "→explore",
    "exploit_rate": "→exploit",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--individuals", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--games", choices=GAMES, default="shared", help="reward schedules")
    parser.add_argument("--steps", type=int, default=1200, help="BAMS training steps")
    parser.add_argument("--real-steps", type=int, default=600, help="steps on real data")
    parser.add_argument("--restarts", type=int, default=2, help="starts of each MLE fit")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="readout splits")
    parser.add_argument("--seed", type=int, default=0, help="seed of BAMS and the baselines")
    parser.add_argument("--cebra-iterations", type=int, default=2000)
    parser.add_argument("--no-cebra", action="store_true")
    parser.add_argument("--no-real", action="store_true", help="skip the real choice data")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads")
    parser.add_argument("--output", type=Path, default=Path("runs/decision_making"))
    parser.add_argument("--docs", type=Path, default=Path("docs"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cebra_iterations = None if args.no_cebra else args.cebra_iterations
    clock = {"start": time.perf_counter()}

    data = simulate_bandit(
        args.individuals, args.sessions, args.trials, seed=args.data_seed, games=args.games
    )
    print(data)
    fit, fit_s, fit_reused = mle_fit(data, args)
    clock["fitted"] = time.perf_counter()
    print(f"MLE fit: {fit_s:.0f} s, {fit.converged.mean():.0%} converged")
    study = simulated_study(data, fit, args, cebra_iterations)
    result, training_s, reused = run_reusing(study, args.output / f"model_{data_key(args)}")
    model, reps = result.model, result.evaluation.representations
    splits, summary = result.evaluation.splits, result.evaluation.summary
    reid = result.evaluation.reidentification
    direct = mle_scores(fit, data, splits)
    top5 = {
        name: session_reidentification(session_means(rep), data.groups, top_k=TOP_K)
        for name, rep in reps.items()
    }
    vectors = np.column_stack([to_unbounded(n, fit.parameters[n]) for n in PARAMETER_SCALES])
    direct["reidentification_top5"] = session_reidentification(vectors, data.groups, top_k=TOP_K)
    clock["evaluated"] = time.perf_counter()

    real = {} if args.no_real else real_data(args, cebra_iterations)
    clock["real"] = time.perf_counter()
    write_figures(args.docs / "figures", data, reps, fit, summary, reid, direct, model)
    clock["end"] = time.perf_counter()

    timing = {
        "mle_fit_s": fit_s,
        "mle_fit_reused": fit_reused,
        "training_s": training_s,
        "training_reused": reused,
        "embedding_s": result.seconds["embedding"],
        "baselines_and_readouts_s": result.seconds["evaluation"],
        "real_data_s": clock["real"] - clock["evaluated"],
        "total_s": clock["end"] - clock["start"],
    }
    chance = {k: reidentification_chance(data.groups, top_k=k) for k in (1, TOP_K)}
    results = {
        "settings": settings(args, model),
        "timing": timing,
        "reidentification": reid,
        "reidentification_top5": top5,
        "reidentification_chance": chance[1],
        "reidentification_top5_chance": chance[TOP_K],
        "mle_direct": direct,
        "mle_converged": float(fit.converged.mean()),
        "summary": summary,
        "real": real,
    }
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(results, indent=2, default=str))
    tables = simulation_table(summary, reid, top5, direct, list(reps), chance, len(data))
    tables += "\n\n" + real_table(real)
    print(tables)
    print(", ".join(f"{k} {v:.0f}" for k, v in timing.items()))
    write_docs(args.docs / "decision_making.md", tables, results)


def simulated_study(data: Recordings, fit: BanditFit, args, cebra_iterations: int | None):
    """The decision-making study of the simulated players, with the MLE fit as a method."""

    def extra(reps: dict) -> dict:
        ahead = with_lookahead(reps["BAMS short_term"], LOOKAHEAD)
        return {
            f"BAMS short_term, with {LOOKAHEAD} trials ahead": ahead,
            MLE_METHOD: mle_representation(fit),
        }

    return choice_study(
        data,
        args.steps,
        seed=args.seed,
        readout_seeds=args.seeds,
        cebra_iterations=cebra_iterations,
        extra=extra,
        checkpoint_every=10_000,
        verbose=False,
    )


def data_key(args) -> str:
    """Names the simulated data set in the cached fits' and model's paths."""
    return f"{args.individuals}x{args.sessions}x{args.trials}_seed{args.data_seed}_{args.games}"


def mle_fit(data: Recordings, args) -> tuple[BanditFit, float, bool]:
    """Fit every session, or reuse the fits of an earlier run on the same data."""
    path = args.output / f"mle_fit_{data_key(args)}_restarts{args.restarts}.npz"
    fit, seconds, reused = cached_bandit_fit(data, path, args.restarts, seed=args.seed)
    if reused:
        print(f"reusing {path}")
    return fit, seconds, reused


def real_data(args, cebra_iterations: int | None) -> dict:
    """Subject re-identification across the two parts of each participant's data."""
    out = {}
    for name, source in CHOICE_DATASETS.items():
        if not choices_available(name):
            out[name] = {"available": False, "install": source.install}
            print(f"{name}: not installed ({source.install})")
            continue
        start = time.perf_counter()
        data = load_choices(name)
        print(name, data)
        study = choice_study(
            data,
            args.real_steps,
            seed=args.seed,
            cebra_iterations=cebra_iterations,
            readouts=False,
            checkpoint_every=10_000,
            verbose=False,
        )
        result, training_s, reused = run_reusing(study, args.output / "real" / name)
        model, reps = result.model, result.evaluation.representations
        out[name] = {
            "available": True,
            "n_participants": len(set(data.groups)),
            "trials_per_part": [int(data.lengths.min()), int(data.lengths.max())],
            "n_trials": int(data.lengths.sum()),
            "receptive_fields": model.receptive_fields_,
            "training_s": training_s,
            "training_reused": reused,
            "seconds": time.perf_counter() - start,
            "reidentification": halves_reidentification(reps),
        }
    return out


def settings(args, model: BAMS) -> dict:
    """What a reader needs to reproduce the run."""
    command = (
        f"python benchmarks/decision_making.py --individuals {args.individuals} "
        f"--sessions {args.sessions} --trials {args.trials} --games {args.games} "
        f"--data-seed {args.data_seed} --steps {args.steps} "
        f"--real-steps {args.real_steps} --restarts {args.restarts} "
        f"--seeds {' '.join(map(str, args.seeds))} --seed {args.seed} --threads {args.threads}"
    )
    return {
        "command": command + (" --no-cebra" if args.no_cebra else ""),
        "receptive_fields": model.receptive_fields_,
        "bams": {**model_params(args.trials), "max_steps": args.steps, "seed": args.seed},
        "readout_seeds": args.seeds,
        "cebra_iterations": None if args.no_cebra else args.cebra_iterations,
    }


def _score(summary, method, task, protocol, metric, std=True):
    row = next(
        (r for r in summary if (r["method"], r["task"], r["protocol"]) == (method, task, protocol)),
        None,
    )
    if row is None or metric not in row:
        return "n/a"
    return f"{row[metric]:.2f} ± {row[f'{metric}_std']:.2f}" if std else f"{row[metric]:.2f}"


def mean_r2(summary, method) -> float:
    """Mean over the six parameters of the per-session readout R²."""
    index = {(r["method"], r["task"], r["protocol"]): r for r in summary}
    values = [index.get((method, n, "mean_embedding"), {}).get("r2", np.nan) for n in SHORT]
    return float(np.mean(values))


def simulation_table(summary, reid, top5, direct, methods, chance, n_sessions) -> str:
    """One row per method: the six R², their mean, re-identification (top-1, top-5), strategy."""
    head = " | ".join(SHORT[n] for n in SHORT)
    lines = [
        f"| method | {head} | mean R² | re-identification top-1 (chance {chance[1]:.3f}) | "
        f"top-{TOP_K} (chance {chance[TOP_K]:.3f}) | strategy bal. acc. |",
        "|---|" + "---:|" * (len(SHORT) + 4),
    ]
    for m in methods:
        r2 = " | ".join(_score(summary, m, n, "mean_embedding", "r2", std=False) for n in SHORT)
        lines.append(
            f"| {m} (linear readout) | {r2} | {mean_r2(summary, m):.2f} | "
            f"{reid[m]:.3f} ({round(reid[m] * n_sessions)}/{n_sessions}) | "
            f"{top5[m]:.3f} | {_score(summary, m, 'strategy', 'frame', 'balanced_accuracy')} |"
        )
    r2 = " | ".join(f"{direct['r2'][n][0]:.2f}" for n in SHORT)
    mean = np.mean([direct["r2"][n][0] for n in SHORT])
    d = direct["reidentification"]
    lines.append(
        f"| {MLE_METHOD} (direct estimate) | {r2} | {mean:.2f} | "
        f"{d:.3f} ({round(d * n_sessions)}/{n_sessions}) | {direct['reidentification_top5']:.3f} | "
        f"{direct['strategy'][0]:.2f} ± {direct['strategy'][1]:.2f} |"
    )
    return "\n".join(lines)


def real_table(real: dict) -> str:
    """Re-identification across parts, one column per real data set."""
    present = {k: v for k, v in real.items() if v["available"]}
    notes = [
        f"- `{k}`: not installed here (`{v['install']}`)"
        for k, v in real.items()
        if not v["available"]
    ]
    if not present:
        return "No real choice data set is installed." + ("\n" + "\n".join(notes) if notes else "")
    head = " | ".join(
        f"{k} ({v['n_participants']} participants, chance {1 / v['n_participants']:.3f})"
        for k, v in present.items()
    )
    lines = [f"| method | {head} |", "|---|" + "---:|" * len(present)]
    methods = list(next(iter(present.values()))["reidentification"])
    for m in methods:
        cells = []
        for v in present.values():
            acc, n = v["reidentification"][m], 2 * v["n_participants"]
            cells.append(f"{acc:.3f} ({round(acc * n)}/{n})")
        lines.append(f"| {m} | {' | '.join(cells)} |")
    return "\n".join(lines + ([""] + notes if notes else []))


def write_docs(path: Path, tables: str, results: dict) -> None:
    """Replace the text between the result markers of ``path`` (if it has them)."""
    t = results["timing"]
    reused = " (reused from an earlier run)"
    block = (
        f"Generated by `{results['settings']['command']}`; receptive fields "
        f"{results['settings']['receptive_fields']} trials; MLE fits "
        f"{t['mle_fit_s'] / 60:.1f} min{reused if t['mle_fit_reused'] else ''} "
        f"({results['mle_converged']:.0%} converged), BAMS training "
        f"{t['training_s'] / 60:.1f} min{reused if t['training_reused'] else ''}, embedding "
        f"{t['embedding_s'] / 60:.1f} min, baselines and readouts "
        f"{t['baselines_and_readouts_s'] / 60:.1f} min, real data "
        f"{t['real_data_s'] / 60:.1f} min, total of this run {t['total_s'] / 60:.1f} min."
        f"\n\n{tables}"
    )
    if write_between_markers(path, DOCS_START, DOCS_END, block):
        print(f"tables written to {path}")
    else:
        print(f"{path} has no result markers; tables not written there")


if __name__ == "__main__":
    main()
