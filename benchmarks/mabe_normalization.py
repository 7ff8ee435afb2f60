"""Which normalization of a MABe submission scores better through the official protocol.

Generates MABe 2022 mouse-triplet files with :mod:`bams.sim.mabe_like` (official layout,
labels of the 13 tasks, split), trains BAMS on every clip as ``bams mabe run`` does (the
``mabe_mice`` preset, a fixed number of steps per training seed), builds one submission per
normalization of :data:`bams.io.mabe_submission.NORMALIZATIONS` from the same model and
scores each with :func:`bams.evaluation.mabe.score_submission` (the public evaluator's
protocol: ridge on SubmissionTrain, 3 split seeds, alpha = 1 reported, private + public
test frames). Prints each task's score per normalization (mean ± std over training seeds)
and how many tasks each normalization wins (lower MSE, higher F1).

    python benchmarks/mabe_normalization.py [--clips 120] [--steps 100] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np
import torch

from bams import BAMS
from bams.datasets.mabe import mabe_recordings
from bams.evaluation.mabe import score_submission
from bams.io.mabe_keypoints import load_mabe_keypoints
from bams.io.mabe_submission import NORMALIZATIONS, build_submission
from bams.pipelines.mabe import SOCIAL_OPTIONAL
from bams.presets import preset_params
from bams.sim.mabe_like import make_mouse_triplets


def scores_by_normalization(files, steps: int, seed: int) -> tuple[dict, dict[str, str]]:
    """``{normalization: {task: reported private score}}`` for one training seed, and
    ``{task: metric}``."""
    train = load_mabe_keypoints(files.train, "mouse")
    test = load_mabe_keypoints(files.test, "mouse")
    data = mabe_recordings([train, test], "mouse")
    params = preset_params("mabe_mice")
    params.update(
        seed=seed,
        max_steps=steps,
        optional_features=list(SOCIAL_OPTIONAL),
        logger="none",
        verbose=False,
    )
    start = time.perf_counter()
    model = BAMS(**params).fit(data)
    print(f"  seed {seed}: {steps} steps in {time.perf_counter() - start:.0f} s", flush=True)
    test_clips = set(test.clip_lengths)
    keep = [i for i, g in enumerate(data.groups) if g in test_clips]
    test_data = data.subset(keep)
    embeddings = model.transform(test_data)  # once; each normalization works on a copy
    out, metrics = {}, {}
    frame_map = files.labels["frame_number_map"]
    for mode in NORMALIZATIONS:
        sub = build_submission(embeddings, test_data, frame_map=frame_map, standardize=mode)
        scores = [s for s in score_submission(sub, files.labels, files.split) if s.reported]
        out[mode] = {s.task: s.private_score for s in scores}
        metrics = {s.task: s.metric for s in scores}
    return out, metrics


def summarize(runs: list[dict], metrics: dict[str, str]) -> None:
    """Print the per-task table and the wins of each normalization."""
    values: dict = defaultdict(lambda: defaultdict(list))
    for run in runs:
        for mode in NORMALIZATIONS:
            for task in metrics:
                values[task][mode].append(run[mode][task])
    print(f"\n{'task':24s} {'metric':9s}" + "".join(f"{m:>22s}" for m in NORMALIZATIONS))
    wins = dict.fromkeys(NORMALIZATIONS, 0)
    for task, metric in metrics.items():
        means = {m: float(np.mean(values[task][m])) for m in NORMALIZATIONS}
        cells = "".join(
            f"{means[m]:>14.4f} ± {np.std(values[task][m]):.4f}" for m in NORMALIZATIONS
        )
        print(f"{task:24s} {metric:9s}{cells}")
        best = (min if metric == "mean_mse" else max)(means, key=means.get)
        wins[best] += 1
    print("\ntasks won: " + ", ".join(f"{m} {n}" for m, n in wins.items()))
    f1 = {
        m: np.mean([np.mean(values[t][m]) for t, k in metrics.items() if k == "f1_score"])
        for m in NORMALIZATIONS
    }
    print(
        "mean F1 of the classification tasks: " + ", ".join(f"{m} {v:.4f}" for m, v in f1.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=120, help="generated clips in all")
    parser.add_argument("--steps", type=int, default=100, help="training steps per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    files = make_mouse_triplets(args.clips, seed=0)
    print(
        f"{args.clips} generated clips ({len(files.train['sequences'])} train, "
        f"{len(files.test['sequences'])} test); {args.steps} steps of the mabe_mice preset "
        f"per training seed",
        flush=True,
    )
    results = [scores_by_normalization(files, args.steps, seed) for seed in args.seeds]
    summarize([r[0] for r in results], results[0][1])


if __name__ == "__main__":
    main()
