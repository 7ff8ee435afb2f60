"""The mouse section of the discovery benchmark (``discovery.py``): motifs against three raters.

Two open-field videos of Sturman et al. (2020; AGPL-3.0, read in place from
``../shared/data/real/sturman_oft``, never copied): DeepLabCut poses at 25 fps (80 s tracked
per video) and events scored by three raters on the whole video. For supported rearing,
unsupported rearing and grooming, each method's motifs are scored by the frame F1 of the
best-matching motif against each rater (the best over the motifs, on the rater's scored
frames of both videos pooled), beside the raters' F1 against each other (the human ceiling)
and the F1 of calling every frame the behavior (the floor). Methods: BAMS short-term (a small
model trained here on the two videos), the raw features and their PCA, all clustered by
``find_motifs`` with K = 10 and with K by BIC, and keypoint-MoSeq's syllables when it is
installed in its own environment (``python3.11 -m venv /tmp/kpms && /tmp/kpms/bin/pip install
keypoint-moseq``; fitted in a subprocess on the same keypoints minus the arena points).
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bams.datasets.sturman_oft import (
    BEHAVIORS,
    load_sturman_poses,
    rater_frame_labels,
    read_sturman_events,
    scored_frames,
    video_name,
)
from bams.discovery import find_motifs
from bams.evaluation.representations import build_representations

K_FIXED = 10
MIN_FRAMES = 25  # a rater's behavior with less than 1 s in the tracked frames is not scored
KPMS_PYTHON = Path("/tmp/kpms/bin/python")
KPMS_TIMEOUT_S = 900
KPMS_SCRIPT = """
import glob, os, sys
import jax
import numpy as np
import pandas as pd
import keypoint_moseq as kpms

folder, out, ar_iters, full_iters, seed = sys.argv[1:3] + [int(v) for v in sys.argv[3:6]]
arena = {"tl", "tr", "bl", "br", "centre"}
coordinates, confidences = {}, {}
for path in sorted(glob.glob(os.path.join(folder, "*DLC.csv"))):
    raw = pd.read_csv(path, header=None, low_memory=False)  # index column, 3 header rows
    parts, coords = raw.iloc[1, 2:].tolist(), raw.iloc[2, 2:].tolist()
    values = raw.iloc[3:, 2:].to_numpy(dtype=float)
    names = [p for p in dict.fromkeys(parts) if p not in arena]
    column = {(p, c): i for i, (p, c) in enumerate(zip(parts, coords))}
    key = os.path.basename(path)[: -len("DLC.csv")]
    coordinates[key] = np.stack([values[:, [column[p, "x"], column[p, "y"]]] for p in names], 1)
    confidences[key] = np.stack([values[:, column[p, "likelihood"]] for p in names], 1)
project = out + "_project"
skeleton = [["tailbase", "bodycentre"], ["bodycentre", "neck"], ["neck", "headcentre"],
            ["headcentre", "nose"], ["earl", "headcentre"], ["earr", "headcentre"]]
kpms.setup_project(project, overwrite=True, bodyparts=names,
                   use_bodyparts=[b for b in names if b not in ("tailcentre", "tailtip")],
                   skeleton=skeleton, anterior_bodyparts=["nose"],
                   posterior_bodyparts=["tailbase"], fps=25, video_dir=folder)
config = lambda: kpms.load_config(project)
data, metadata = kpms.format_data(coordinates, confidences, **config())
pca = kpms.fit_pca(**data, **config())
kpms.update_config(project, latent_dim=6)
model = kpms.init_model(data, pca=pca, seed=jax.random.PRNGKey(seed), **config())
model = kpms.update_hypparams(model, kappa=1e4)
model, name = kpms.fit_model(model, data, metadata, project, ar_only=True,
                             num_iters=ar_iters, generate_progress_plots=False)
model = kpms.update_hypparams(model, kappa=1e3)
model = kpms.fit_model(model, data, metadata, project, name, ar_only=False,
                       start_iter=ar_iters, num_iters=ar_iters + full_iters,
                       generate_progress_plots=False)[0]
results = kpms.extract_results(model, metadata, project, name)
np.savez(out, **{str(k): np.asarray(v["syllable"]) for k, v in results.items()})
"""


def mouse_params(quick: bool) -> dict:
    """BAMS for 80 s at 25 fps: receptive fields 29 frames (1.2 s) and 485 frames (19 s)."""
    return {
        "encoders": {
            "short_term": {"channels": [64, 64, 32], "dilation_base": 2,
                           "bootstrap_max_offset": 3, "warmup": 30},
            "long_term": {"channels": [64, 64, 64, 32, 32], "dilation_base": 3,
                          "bootstrap_max_offset": None, "warmup": 100},
        },
        "hoa_window": 25,  # 1 s of future
        "hoa_warmup": 30,
        "window_length": 300 if quick else 720,
        "batch_size": 16,
        "lr_decay_at": [0.8],
        "inference_precision": "32",
        "max_steps": 4 if quick else 300,
    }  # fmt: skip


def mice_section(args: argparse.Namespace, cluster: dict, train_model) -> dict:
    """Best-motif F1 per behavior and rater for every method, and the raters' own F1."""
    if not args.mice.is_dir():
        print(f"mice: SKIPPED, no data folder at {args.mice}")
        return {"skipped": f"no folder {args.mice}"}
    data = load_sturman_poses(args.mice)
    videos = [video_name(i) for i in data.ids]
    raters, scored = rater_labels(args.mice, videos, [len(s) for s in data.sequences])
    print(f"mice: {data}; raters {sorted(raters)}")
    rows = rater_rows(raters, scored)
    for seed in args.mice_seeds:
        model, seconds = train_model(data, mouse_params(args.quick), seed)
        print(f"seed {seed}: trained in {seconds:.0f} s", flush=True)
        baselines = ("raw", "pca") if seed == args.mice_seeds[0] else ()
        reps = build_representations(model, data, baselines=baselines, peers=())
        names = {"BAMS short_term": "BAMS short-term", "raw features": "raw features",
                 "PCA of raw features": "PCA"}  # fmt: skip
        for name, label in names.items():
            if name not in reps:
                continue
            for k in (K_FIXED, None):
                motifs = find_motifs([{"short_term": x} for x in reps[name]], data,
                                     n_motifs=k, **cluster)  # fmt: skip
                labels = np.concatenate(motifs.labels)
                meta = {"method": label, "seed": seed, "K_rule": str(k or "BIC"),
                        "K": motifs.n_motifs}  # fmt: skip
                rows += f1_rows(labels, raters, scored, meta)
    rows += kpms_rows(args, videos, raters, scored)
    table = pd.DataFrame(rows)
    table.to_csv(args.output / "mice.csv", index=False)
    print(markdown_mice(table))
    return {"rows": rows}


def rater_labels(folder: Path, videos: list[str], lengths: list[int]) -> tuple[dict, dict]:
    """``{rater: {behavior: pooled bool}}`` and ``{rater: pooled scored mask}`` over videos."""
    per_video = []
    for video, n in zip(videos, lengths, strict=True):
        events = read_sturman_events(folder / f"{video}_labels.csv")
        per_video.append((rater_frame_labels(events, n, 25.0), scored_frames(events, n, 25.0)))
    names = sorted(set.intersection(*[set(s) for _, s in per_video]))
    labels = {
        r: {b: np.concatenate([lab[r][b] for lab, _ in per_video]) for b in BEHAVIORS.values()}
        for r in names
    }
    scored = {r: np.concatenate([s[r] for _, s in per_video]) for r in names}
    return labels, scored


def f1(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Frame F1 of boolean arrays; NaN when neither has a positive frame."""
    tp = np.sum(predicted & truth)
    total = predicted.sum() + truth.sum()
    return float(2 * tp / total) if total else float("nan")


def best_motif_f1(labels: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    """The largest F1 of one motif against ``truth`` on ``mask``; NaN if under MIN_FRAMES."""
    if truth[mask].sum() < MIN_FRAMES:
        return float("nan")
    return max(f1(labels[mask] == m, truth[mask]) for m in np.unique(labels[mask]))


def f1_rows(labels: np.ndarray, raters: dict, scored: dict, meta: dict) -> list[dict]:
    """One row per (behavior, rater): the best motif's F1."""
    return [
        {**meta, "behavior": b, "rater": r, "F1": best_motif_f1(labels, raters[r][b], scored[r])}
        for r in raters
        for b in BEHAVIORS.values()
    ]


def rater_rows(raters: dict, scored: dict) -> list[dict]:
    """The raters' pairwise F1 (human ceiling) and every-frame F1 (floor) per behavior."""
    rows = []
    for b in BEHAVIORS.values():
        for first, second in itertools.combinations(sorted(raters), 2):
            both = scored[first] & scored[second]
            value = f1(raters[first][b][both], raters[second][b][both])
            if min(raters[first][b][both].sum(), raters[second][b][both].sum()) < MIN_FRAMES:
                value = float("nan")  # one rater saw (almost) none: no agreement to measure
            rows.append({"method": "raters (pairwise)", "behavior": b,
                         "rater": f"{first} vs {second}", "F1": value})  # fmt: skip
        for r in raters:
            truth = raters[r][b][scored[r]]
            value = f1(np.ones_like(truth), truth) if truth.sum() >= MIN_FRAMES else np.nan
            rows.append({"method": "every frame", "behavior": b, "rater": r, "F1": value})
        print(f"  {b}: frames per rater "
              + ", ".join(f"{r} {int(raters[r][b].sum())}" for r in sorted(raters)))  # fmt: skip
    return rows


def kpms_rows(args: argparse.Namespace, videos: list[str], raters: dict, scored: dict) -> list:
    """keypoint-MoSeq's syllables scored like the motifs, or one row saying why not."""
    python = Path(getattr(args, "kpms_python", KPMS_PYTHON))
    meta = {"method": "keypoint-MoSeq", "seed": 0, "K_rule": "kpms"}
    if args.no_kpms:
        return [{**meta, "note": "skipped (--no-kpms)"}]
    if not python.is_file():
        reason = f"not installed: no {python} (python3.11 -m venv /tmp/kpms && pip install ...)"
        print(f"  keypoint-MoSeq: {reason}")
        return [{**meta, "note": reason}]
    ar_iters, full_iters = (3, 3) if args.quick else (50, 50)
    begin = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        script, out = Path(folder) / "fit_kpms.py", Path(folder) / "syllables.npz"
        script.write_text(KPMS_SCRIPT)
        command = [str(python), str(script), str(args.mice), str(out)]
        command += [str(ar_iters), str(full_iters), "0"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=KPMS_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return [{**meta, "note": f"timed out after {KPMS_TIMEOUT_S} s"}]
        if done.returncode != 0 or not out.is_file():
            lines = [x for x in done.stderr.splitlines() if x.strip()] or ["no output"]
            print(f"  keypoint-MoSeq failed: {lines[-1]}", file=sys.stderr)
            return [{**meta, "note": f"failed: {lines[-1]}"}]
        saved = np.load(out)
        labels = np.concatenate([saved[v] for v in videos])
    seconds = time.perf_counter() - begin
    n_used = len(np.unique(labels))
    print(f"  keypoint-MoSeq: {ar_iters} AR-HMM + {full_iters} full iterations in {seconds:.0f} "
          f"s, {n_used} syllables used")  # fmt: skip
    return f1_rows(labels, raters, scored, {**meta, "K": n_used, "fit_s": seconds})


def markdown_mice(table: pd.DataFrame) -> str:
    """Per method and K rule: the F1 per behavior, mean over raters (± SD over seeds)."""
    behaviors = list(BEHAVIORS.values())
    head = "| method | K | " + " | ".join(behaviors) + " |"
    lines = [head, "|---" * (2 + len(behaviors)) + "|"]
    table = table.copy()
    table["K_rule"] = table["K_rule"].fillna("") if "K_rule" in table else ""
    table["seed"] = table["seed"].fillna(0) if "seed" in table else 0
    for (method, rule), rows in table.groupby(["method", "K_rule"], sort=False):
        if "note" in rows and rows["note"].notna().any():
            lines.append(f"| {method} | n/a | {rows['note'].dropna().iloc[0]} |" + " |" * 2)
            continue
        cells = []
        for b in behaviors:
            own = rows[rows["behavior"] == b]
            per_seed = own.groupby("seed")["F1"].mean().dropna()
            if len(per_seed) == 0:
                cells.append("n/a")
            elif len(per_seed) == 1:
                cells.append(f"{per_seed.iloc[0]:.3f}")
            else:
                cells.append(f"{per_seed.mean():.3f} ± {per_seed.std(ddof=1):.3f}")
        ks = sorted({int(k) for k in rows["K"].dropna()}) if "K" in rows else []
        k_text = f"{rule} ({', '.join(map(str, ks))})" if ks else (rule or "-")
        lines.append(f"| {method} | {k_text} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
