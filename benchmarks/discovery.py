"""The discovery benchmark: do motifs and group comparisons find known structure?

Three sections, each printing its table with the baselines measured in the same run:

1. **synthetic** (``bams.sim.synthetic.make_synthetic``): BAMS trained with the ``synthetic``
   preset (one model per seed); motifs of BAMS short-term, raw features, their PCA, an
   untrained BAMS and CEBRA-Time, all clustered by the same :func:`bams.discovery.find_motifs`,
   scored against the hidden fast ``state`` by ARI and NMI, with K = 4 (the true number of
   states) and with K by BIC;
2. **quadrupeds** (the trained model and data of ``runs/demo``, not trained again): motifs
   against the terrain type (K = 5 and BIC) for BAMS short-term, raw and PCA; the group
   comparison (:func:`bams.discovery.compare_groups`) by robot type on the long-term latent
   and on random balanced two-group labelings (the fraction with p < 0.05 should be near
   0.05);
3. **mice** (Sturman et al. 2020 open field, read in place; see ``discovery_real.py``): the
   frame F1 of the best-matching motif against each of three raters, for supported and
   unsupported rearing and grooming, beside the raters' pairwise F1; BAMS, raw, PCA and
   keypoint-MoSeq (when it runs, in its own virtual environment).

Writes ``synthetic.csv``, ``quadrupeds_motifs.csv``, ``quadrupeds_groups.csv``,
``mice.csv`` and ``results.json`` to ``--output``.

    python benchmarks/discovery.py            # about 31 minutes on 2 shared CPU cores
    python benchmarks/discovery.py --seeds 0 1    # ~15 minutes more
    python benchmarks/discovery.py --quick --no-kpms    # a smoke test, about 5 minutes

One seed (training a BAMS on the synthetic data takes ~12 minutes on one shared core); each
further seed repeats BAMS's training and motifs only (the baselines do not change).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from threadpoolctl import threadpool_limits

from bams import BAMS
from bams.discovery import compare_groups, find_motifs
from bams.evaluation.representations import build_representations
from bams.presets import preset_params
from bams.sim.synthetic import N_STATES, make_synthetic

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "benchmarks" / "results" / "discovery"
FIT_FRAMES = 20_000  # frames each mixture is fitted on (find_motifs' max_fit_frames)
MAX_K = 10  # the largest K the BIC sweep tries
CEBRA_ITERATIONS = 1000
SYNTHETIC_METHODS = {
    "BAMS short_term": "BAMS short-term",
    "raw features": "raw features",
    "PCA of raw features": "PCA",
    "untrained BAMS short_term": "untrained BAMS short-term",
    "CEBRA-Time": "CEBRA-Time",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="synthetic seeds")
    parser.add_argument("--mice-seeds", type=int, nargs="+", default=[0, 1], help="mouse seeds")
    parser.add_argument("--no-kpms", action="store_true", help="skip keypoint-MoSeq")
    parser.add_argument("--sections", nargs="+", default=["synthetic", "quadrupeds", "mice"])
    parser.add_argument("--demo-run", type=Path, default=ROOT / "runs" / "demo")
    parser.add_argument("--mice", type=Path, default=ROOT.parent / "shared/data/real/sturman_oft")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="PyTorch and BLAS threads (1: fastest on 2 shared cores)",
    )
    args = parser.parse_args()
    if args.quick and args.output == OUTPUT:
        args.output = OUTPUT / "quick"  # never over the real numbers
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)  # BLAS threads spinning on a busy core slow sklearn 20x
    args.output.mkdir(parents=True, exist_ok=True)
    results: dict = {"settings": settings(args), "seconds": {}}
    start = time.perf_counter()
    for section in args.sections:
        begin = time.perf_counter()
        if section == "synthetic":
            results["synthetic"] = synthetic_section(args)
        elif section == "quadrupeds":
            results["quadrupeds"] = quadrupeds_section(args)
        elif section == "mice":
            from discovery_real import mice_section

            results["mice"] = mice_section(args, find_motifs_kwargs(), train_model)
        else:
            raise ValueError(
                f"Expected sections among synthetic, quadrupeds, mice, but got {section!r}."
            )
        results["seconds"][section] = time.perf_counter() - begin
        print(f"[{section}] {results['seconds'][section]:.0f} s\n", flush=True)
    results["seconds"]["total"] = time.perf_counter() - start
    write_results(args.output / "results.json", results)
    print("Times (s): " + ", ".join(f"{k} {v:.0f}" for k, v in results["seconds"].items()))


def settings(args: argparse.Namespace) -> dict:
    """The settings that produced the numbers, for ``results.json``."""
    return {
        "command": " ".join(["python", "benchmarks/discovery.py", *sys.argv[1:]]),
        "seeds": args.seeds,
        "mice_seeds": args.mice_seeds,
        "cebra_iterations": CEBRA_ITERATIONS,
        "max_fit_frames": FIT_FRAMES,
        "max_k": MAX_K,
        "torch_threads": args.threads,
    }


def write_results(path: Path, results: dict) -> None:
    """Write ``results``, keeping the sections of an earlier run that this one did not redo.

    ``seconds`` and ``commands`` (one per run) are merged; the sections run now replace theirs.
    """
    previous = json.loads(path.read_text()) if path.is_file() else {}
    merged = {**previous, **results}
    merged["seconds"] = {**previous.get("seconds", {}), **results["seconds"]}
    merged["seconds"].pop("total", None)
    merged["commands"] = [*previous.get("commands", []), results["settings"]["command"]]
    path.write_text(json.dumps(merged, indent=2, default=str))


def find_motifs_kwargs() -> dict:
    """The clustering every method gets: the same mixture, smoothing and sample."""
    return {"max_k": MAX_K, "max_fit_frames": FIT_FRAMES, "seed": 0, "smooth": True}


def train_model(data, params: dict, seed: int) -> tuple[BAMS, float]:
    """Fit BAMS on ``data`` without writing a run directory; returns it and its seconds."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        model = BAMS(**params, seed=seed, output_dir=folder, logger="none").fit(data)
    return model, time.perf_counter() - start


def motif_scores(rep: list[np.ndarray], data, truth: np.ndarray, k: int | None) -> dict:
    """ARI and NMI of the motifs of one representation against frame labels ``truth``."""
    begin = time.perf_counter()
    motifs = find_motifs([{"short_term": x} for x in rep], data, n_motifs=k, **find_motifs_kwargs())
    labels = np.concatenate(motifs.labels)
    return {
        "K": motifs.n_motifs,
        "ARI": float(adjusted_rand_score(truth, labels)),
        "NMI": float(normalized_mutual_info_score(truth, labels)),
        "cluster_s": time.perf_counter() - begin,
    }


def synthetic_section(args: argparse.Namespace) -> list[dict]:
    """Motifs of every method against the hidden state, per training seed."""
    n, length = (8, 600) if args.quick else (40, 2400)
    data = make_synthetic(n_recordings=n, n_frames=length, seed=0)
    truth = np.concatenate(data.frame_labels["state"]).astype(int)
    print(f"synthetic: {data}")
    params = preset_params("synthetic")
    if args.quick:
        params.update(max_steps=4, window_length=300)
    rows = []
    for seed in args.seeds:
        model, seconds = train_model(data, params, seed)
        print(f"seed {seed}: trained in {seconds:.0f} s", flush=True)
        first = seed == args.seeds[0]  # baselines once: the seeds repeat BAMS's training
        reps = build_representations(
            model,
            data,
            baselines=("raw", "pca", "untrained") if first else (),
            peers=("cebra",) if first else (),
            seed=seed,
            cebra_iterations=100 if args.quick else CEBRA_ITERATIONS,
            optional_peers=True,
        )
        for name, label in SYNTHETIC_METHODS.items():
            if name not in reps:
                if first:
                    print(f"  {label}: not available")
                continue
            for k in (N_STATES, None):
                score = motif_scores(reps[name], data, truth, k)
                row = {"seed": seed, "method": label, "K_rule": str(k or "BIC"), **score}
                row["training_s"] = seconds if name == "BAMS short_term" else np.nan
                rows.append(row)
                print(f"  {label:28s} K={row['K_rule']:>3s} -> {score['K']:2d}: ARI "
                      f"{score['ARI']:.3f} NMI {score['NMI']:.3f} ({score['cluster_s']:.0f} s)",
                      flush=True)  # fmt: skip
    table = pd.DataFrame(rows)
    table.to_csv(args.output / "synthetic.csv", index=False)
    print(markdown_scores(table, ("ARI", "NMI"), f"K = {N_STATES} (true)"))
    return rows


def markdown_scores(table: pd.DataFrame, metrics: tuple[str, ...], fixed: str) -> str:
    """Method rows; per K rule mean ± SD over seeds of each metric, and the K chosen by BIC."""
    lines = [
        "| method | seeds | "
        + " | ".join(f"{m} ({fixed})" for m in metrics)
        + " | "
        + " | ".join(f"{m} (BIC)" for m in metrics)
        + " | K by BIC |",
        "|---" * (3 + 2 * len(metrics)) + "|",
    ]
    for method, rows in table.groupby("method", sort=False):
        fixed_rows, bic_rows = rows[rows["K_rule"] != "BIC"], rows[rows["K_rule"] == "BIC"]
        cells = [_mean_sd(fixed_rows[m]) for m in metrics] + [
            _mean_sd(bic_rows[m]) for m in metrics
        ]
        chosen = ", ".join(str(int(k)) for k in bic_rows["K"])
        lines.append(f"| {method} | {len(bic_rows)} | " + " | ".join(cells) + f" | {chosen} |")
    return "\n".join(lines)


def _mean_sd(values: pd.Series) -> str:
    values = values.dropna()
    if len(values) == 0:
        return "n/a"
    if len(values) == 1:
        return f"{values.iloc[0]:.3f}"
    return f"{values.mean():.3f} ± {values.std(ddof=1):.3f}"


def quadrupeds_section(args: argparse.Namespace) -> dict:
    """Motifs against terrain, and group comparisons by robot type and by random labels."""
    if not (args.demo_run / "model.pt").is_file():
        print(f"quadrupeds: SKIPPED, no trained run at {args.demo_run} (run `make demo`)")
        return {"skipped": f"no model.pt in {args.demo_run}"}
    from bams.runs import load_run

    run = load_run(args.demo_run)
    data, embeddings = run.data, run.embeddings
    if args.quick:
        keep = list(range(0, len(data), 10))
        data, embeddings = data.subset(keep), [embeddings[i] for i in keep]
    print(f"quadrupeds: {data}")
    reps = build_representations(
        run.model, data, embeddings=embeddings, baselines=("raw", "pca"), peers=()
    )
    terrain = np.concatenate(data.frame_labels["terrain_type"]).astype(str)
    n_terrains = len(np.unique(terrain))
    rows = []
    for name, label in list(SYNTHETIC_METHODS.items())[:3]:
        for k in (n_terrains, None):
            score = motif_scores(reps[name], data, terrain, k)
            rows.append({"method": label, "K_rule": str(k or "BIC"), **score})
            print(f"  {label:20s} K={rows[-1]['K_rule']:>3s} -> {score['K']:2d}: ARI "
                  f"{score['ARI']:.3f} NMI {score['NMI']:.3f}", flush=True)  # fmt: skip
    motifs_table = pd.DataFrame(rows)
    motifs_table.to_csv(args.output / "quadrupeds_motifs.csv", index=False)
    print(markdown_scores(motifs_table, ("ARI", "NMI"), f"K = {n_terrains} (true)"))
    groups = group_tests(data, embeddings, reps["raw features"], n_random=4 if args.quick else 20)
    groups.to_csv(args.output / "quadrupeds_groups.csv", index=False)
    print(markdown_groups(groups))
    return {"motifs": rows, "groups": groups.to_dict("records")}


def group_tests(data, embeddings, raw: list[np.ndarray], n_random: int) -> pd.DataFrame:
    """``compare_groups`` by robot type and on ``n_random`` balanced random labelings.

    Every recording is its own unit (one trajectory per robot instance). BAMS long-term and
    the raw features' recording means (the baseline) are tested on the same labelings.
    """
    robot = np.asarray(data.sequence_labels["robot_type"]).astype(str)
    rng = np.random.default_rng(0)
    labelings = [("robot type", robot)]
    for i in range(n_random):
        half = np.array(["A", "B"] * (len(data) // 2) + ["A"] * (len(data) % 2))
        labelings.append((f"random {i}", rng.permutation(half)))
    methods = {
        "BAMS long-term": embeddings,
        "raw features": [{"long_term": x} for x in raw],
    }
    rows = []
    for method, emb in methods.items():
        for name, labels in labelings:
            n_permutations = 1000 if name == "robot type" else 100  # 100: p resolution 0.01
            result = compare_groups(
                emb, data, labels, latent="long_term", n_permutations=n_permutations
            )
            rows.append({
                "method": method, "labels": name, "accuracy": result.accuracy,
                "accuracy_p": result.accuracy_p, "pseudo_F": result.distance,
                "distance_p": result.distance_p, "n_recordings": result.n_recordings,
                "n_permutations": n_permutations,
            })  # fmt: skip
    return pd.DataFrame(rows)


def markdown_groups(groups: pd.DataFrame) -> str:
    """Robot type (accuracy, p-values) and the random labelings (fraction with p < 0.05)."""
    lines = [
        "| method | robot type: accuracy | p (accuracy) | p (PERMANOVA) | random labels: "
        "n | mean accuracy | fraction p < 0.05 (accuracy) | fraction p < 0.05 (PERMANOVA) |",
        "|---" * 8 + "|",
    ]
    for method, rows in groups.groupby("method", sort=False):
        real = rows[rows["labels"] == "robot type"].iloc[0]
        rand = rows[rows["labels"] != "robot type"]
        lines.append(
            f"| {method} | {real['accuracy']:.3f} | {real['accuracy_p']:.4f} | "
            f"{real['distance_p']:.4f} | {len(rand)} | {rand['accuracy'].mean():.3f} | "
            f"{(rand['accuracy_p'] < 0.05).mean():.2f} | {(rand['distance_p'] < 0.05).mean():.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
