"""BAMS on real Drosophila larvae: re-identification, dish and crawl / turn / pause readouts.

Trains BAMS (without labels) on the 38 larva tracks that larvaworld ships (16 fps), embeds
every track and each half of every track separately, and compares BAMS's latents with the
baselines (raw features, their PCA, raw features averaged over the long-term receptive field,
an untrained BAMS) and CEBRA-Time (if installed) on three measures:

(a) re-identification: each larva's first-half mean embedding matched to the second halves of
    all 38 larvae (and the reverse), cosine similarity after standardization; chance 1/38;
(b) dish: linear readout of the dish from single frames and from per-larva mean embeddings,
    test larvae never seen in training (5 random half/half splits by larva);
(c) derived states: crawl / turn / pause read out from single frames, same splits.

Writes figures to ``docs/figures/``, the result tables between the markers of
``docs/real_data.md``, and everything else (model, results.json) to ``--output``.

    pip install --no-deps larvaworld==2.5.1
    python benchmarks/larvae.py            # about 25 minutes on 2 CPU cores
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from bams import BAMS, Recordings
from bams.datasets import STATES, load_larvae
from bams.evaluation import Task, evaluate_readouts, make_splits, summarize
from bams.evaluation.identity import part_means, reidentification_accuracy
from bams.evaluation.representations import build_representations
from bams.pipelines.study import Study, StudyContext
from bams.presets import preset_params
from common import run_reusing, with_halves, write_between_markers
from larvae_plots import write_figures

DOCS_START, DOCS_END = "<!-- larvae-results:start -->", "<!-- larvae-results:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200, help="BAMS training steps")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--seed", type=int, default=0, help="seed of BAMS and the baselines")
    parser.add_argument("--cebra-iterations", type=int, default=2000)
    parser.add_argument("--no-cebra", action="store_true")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="PyTorch threads; 1 avoids oversubscription on a shared machine (4x faster here)",
    )
    parser.add_argument("--output", type=Path, default=Path("runs/larvae"))
    parser.add_argument("--docs", type=Path, default=Path("docs"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    clock = {"start": time.perf_counter()}
    data = load_larvae()
    states = np.concatenate(data.frame_labels["state"])
    print(data)
    print("derived states:", {s: f"{np.mean(states == s):.1%}" for s in (*STATES, "")})
    study = larvae_study(data, args)
    result, training_s, reused = run_reusing(study, args.output / "model")
    model, reps = result.model, result.evaluation
    clock["embedded"] = time.perf_counter()
    n = len(data)
    full = {name: rep[:n] for name, rep in reps.items()}
    half = {name: rep[n:] for name, rep in reps.items()}

    reid = {}
    for name, rep in half.items():
        first, second = part_means(rep, 2)
        reid[name] = reidentification_accuracy(first, second)
    tasks = [
        Task("dish", "sequence", "classification", data.sequence_labels["dish"]),
        Task("state", "frame", "classification", data.frame_labels["state"]),
    ]
    splits = make_splits(data.ids, seeds=args.seeds, test_size=0.5)
    rows = evaluate_readouts(full, tasks, splits)
    summary = summarize(rows)
    clock["evaluated"] = time.perf_counter()

    write_figures(args.docs / "figures", data, full, reid, summary, model.receptive_fields_)
    clock["end"] = time.perf_counter()
    timing = {
        "training_s": training_s,
        "training_reused": reused,
        "embedding_and_baselines_s": result.seconds["evaluation"],
        "readouts_s": clock["evaluated"] - clock["embedded"],
        "total_s": clock["end"] - clock["start"],
    }
    results = {
        "settings": settings(args, model),
        "timing": timing,
        "reidentification": reid,
        "summary": summary,
        "rows": rows,
    }
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(results, indent=2, default=str))
    tables = markdown_tables(reid, summary, list(full), len(data))
    print(tables)
    print(", ".join(f"{k} {v:.0f}" for k, v in timing.items()))
    write_docs(args.docs / "real_data.md", tables, results)


def larvae_study(data: Recordings, args) -> Study:
    """Train on the tracks; represent the tracks, then their halves (embedded apart)."""
    both = with_halves(data)

    def representations(context: StudyContext) -> dict:
        return build_representations(
            context.model,
            both,
            peers=() if args.no_cebra else ("cebra",),
            seed=args.seed,
            cebra_iterations=args.cebra_iterations,
            optional_peers=True,
        )

    return Study(
        name="BAMS: Drosophila larvae (larvaworld)",
        load_data=lambda _: data,
        params={**params(args), "logger": "csv", "checkpoint_every": 10_000},
        evaluate=representations,
        embed=False,  # the representations embed the tracks and their halves
    )


def params(args) -> dict:
    """The ``larvae`` preset, with the run's steps and seed."""
    return {**preset_params("larvae"), "max_steps": args.steps, "seed": args.seed}


def settings(args, model: BAMS) -> dict:
    """What a reader needs to reproduce the run."""
    return {
        "command": "python benchmarks/larvae.py "
        + f"--steps {args.steps} --seeds {' '.join(map(str, args.seeds))} --seed {args.seed} "
        + f"--threads {args.threads}",
        "receptive_fields": model.receptive_fields_,
        "bams": params(args),
        "readout_seeds": args.seeds,
        "cebra_iterations": None if args.no_cebra else args.cebra_iterations,
    }


def _score(summary, method, task, protocol, metric):
    row = next(
        (r for r in summary if (r["method"], r["task"], r["protocol"]) == (method, task, protocol)),
        None,
    )
    if row is None or metric not in row:
        return "n/a"
    return f"{row[metric]:.3f} ± {row[f'{metric}_std']:.3f}"


def markdown_tables(reid: dict, summary: list[dict], methods: list[str], n_larvae: int) -> str:
    """The results as Markdown: one row per method, one column per measure."""
    lines = [
        "| method | re-identification top-1 (chance "
        f"{1 / n_larvae:.3f}) | dish, single frames (bal. acc.) | dish, mean embedding "
        "(bal. acc.) | state macro-F1 | state bal. acc. |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in methods:
        lines.append(
            f"| {m} | {reid[m]:.3f} ({round(reid[m] * 2 * n_larvae)}/{2 * n_larvae}) | "
            f"{_score(summary, m, 'dish', 'per_frame', 'balanced_accuracy')} | "
            f"{_score(summary, m, 'dish', 'mean_embedding', 'balanced_accuracy')} | "
            f"{_score(summary, m, 'state', 'frame', 'f1_macro')} | "
            f"{_score(summary, m, 'state', 'frame', 'balanced_accuracy')} |"
        )
    return "\n".join(lines)


def write_docs(path: Path, tables: str, results: dict) -> None:
    """Replace the text between the result markers of ``path`` (if it has them)."""
    t = results["timing"]
    block = (
        f"Generated by `{results['settings']['command']}`; receptive fields "
        f"{results['settings']['receptive_fields']} frames; "
        f"training {t['training_s'] / 60:.1f} min"
        f"{' (when the model was trained; reused in this run)' if t['training_reused'] else ''}, "
        "embedding and baselines "
        f"{t['embedding_and_baselines_s'] / 60:.1f} min, readouts "
        f"{t['readouts_s'] / 60:.1f} min, total of this run {t['total_s'] / 60:.1f} min.\n\n"
        f"{tables}"
    )
    if write_between_markers(path, DOCS_START, DOCS_END, block):
        print(f"tables written to {path}")
    else:
        print(f"{path} has no result markers; tables not written there")


if __name__ == "__main__":
    main()
