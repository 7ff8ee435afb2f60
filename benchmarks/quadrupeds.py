"""The legged-robot benchmark: BAMS against every baseline on 1,000 simulated quadrupeds.

Simulates (or loads from its cache) 1,000 successful trajectories of ``bams.sim.quadrupeds``
(20 s at 50 Hz, 24 joint features), trains BAMS on all of them without labels, and reads out
the six factors with the paper's split: linear readouts trained on 20% of the trajectories
and tested on the other 80% (``random_state`` 42). Compared: BAMS short-term, long-term and
both; raw features, their PCA, raw features averaged over the long-term receptive field, an
untrained BAMS; CEBRA-Time with ``--peers cebra``; the BAMS ablations with ``--ablations``
(each trains another model as long as the main one).

``--robots`` picks the population: ``anymal`` (ANYmal B and C, the paper's pair and the
dataset's default) or ``unitree`` (A1 and Aliengo). Writes the tables to
``docs/benchmarks/quadrupeds.md`` (between the population's markers) and the report's figures
to ``docs/benchmarks/quadrupeds_{robots}_*.png``; the run itself (data, model, embeddings,
evaluation, report) goes to ``--output`` (default ``runs/quadrupeds-benchmark-{robots}``).

    python benchmarks/quadrupeds.py --peers cebra     # about 20 min simulation, 40 min training
    python benchmarks/quadrupeds.py --peers cebra --robots unitree
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from bams.evaluation.run import EvaluationConfig
from bams.pipelines.quadrupeds import FRAME_TASKS, SEQUENCE_TASKS, QuadrupedRun, run_quadrupeds
from bams.sim.quadrupeds.robots import ROBOT_PAIRS
from common import write_between_markers

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks"
FIGURES = ("readout_bars_recording", "pca", "timeline", "loss")
LATENTS = ("BAMS short_term", "BAMS long_term", "BAMS both")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="trajectories kept")
    parser.add_argument("--steps", type=int, default=3000, help="training steps")
    parser.add_argument("--workers", type=int, default=2, help="simulation processes")
    parser.add_argument("--robots", choices=sorted(ROBOT_PAIRS), default="anymal")
    parser.add_argument("--output", type=Path, help="default runs/quadrupeds-benchmark-ROBOTS")
    parser.add_argument("--peers", nargs="*", default=[], help="e.g. cebra")
    parser.add_argument("--ablations", action="store_true", help="train the BAMS ablations")
    parser.add_argument("--docs", type=Path, default=DOCS, help="where tables and figures go")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run")
    parser.add_argument("--overwrite", action="store_true", help="replace a finished run")
    args = parser.parse_args()
    args.output = args.output or Path(f"runs/quadrupeds-benchmark-{args.robots}")

    tasks = [*SEQUENCE_TASKS, *FRAME_TASKS]
    evaluation = EvaluationConfig.paper(tasks=tasks, peers=args.peers, ablations=args.ablations)
    run = QuadrupedRun(
        n_trajectories=args.n,
        max_steps=args.steps,
        workers=args.workers,
        robot_types=ROBOT_PAIRS[args.robots],
        evaluation=evaluation,
    )
    start = time.perf_counter()
    result = run_quadrupeds(
        args.output,
        run,
        data_path=args.output / "quadrupeds.npz",
        resume=args.resume,
        overwrite=args.overwrite,
    )
    summary, times = result.summary, dict(result.seconds)
    times["total"] = time.perf_counter() - start
    rows = [r for r in summary if r.get("unit", "recording") == "recording"]
    table = markdown_table(rows)
    verdict = verdict_lines(rows)
    print(table, *verdict, sep="\n")
    print("Times (s): " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()))

    args.docs.mkdir(parents=True, exist_ok=True)
    for name in FIGURES:
        source = args.output / "report" / f"{name}.png"
        if source.is_file():
            shutil.copyfile(source, args.docs / f"quadrupeds_{args.robots}_{name}.png")
    settings = (
        f"{', '.join(ROBOT_PAIRS[args.robots])}: {args.n} trajectories, {args.steps} "
        "training steps, readouts trained on 20% of the "
        f"trajectories and tested on 80% (random_state 42). Times (s, 2 CPU cores): "
        + ", ".join(f"{k} {v:.0f}" for k, v in times.items())
        + "."
    )
    block = "\n".join([settings, "", table, "", *[f"- {line}" for line in verdict]])
    write_block(args.docs / "quadrupeds.md", block, args.robots)
    (args.output / "benchmark.json").write_text(json.dumps({"times": times, "rows": rows}))


def columns(rows: list[dict]) -> list[tuple[str, str]]:
    """(task, protocol) columns: single frames for every task, mean embedding for sequences."""
    present = {(r["task"], r["protocol"]) for r in rows}
    wanted = [(t, "per_frame") for t in SEQUENCE_TASKS]
    wanted += [(t, "mean_embedding") for t in SEQUENCE_TASKS]
    wanted += [(t, "frame") for t in FRAME_TASKS]
    return [c for c in wanted if c in present]


def score(rows: list[dict], method: str, task: str, protocol: str) -> float:
    """The primary score of one cell (NaN when absent)."""
    for r in rows:
        if (r["method"], r["task"], r["protocol"]) == (method, task, protocol):
            return float(r["score"])
    return float("nan")


def markdown_table(rows: list[dict]) -> str:
    """Methods by (task, protocol), the best of each column in bold."""
    cols = columns(rows)
    methods = list(dict.fromkeys([m for m in LATENTS if any(r["method"] == m for r in rows)]))
    methods += list(dict.fromkeys(r["method"] for r in rows if r["method"] not in methods))
    metric = {(r["task"], r["protocol"]): r["metric"] for r in rows}
    names = {"per_frame": "single frames", "mean_embedding": "mean embedding", "frame": "frames"}
    head = "| method | " + " | ".join(f"{t} ({names[p]}, {metric[(t, p)]})" for t, p in cols) + " |"
    lines = [head, "|---" * (len(cols) + 1) + "|"]
    best = {c: max(score(rows, m, *c) for m in methods) for c in cols}
    for m in methods:
        cells = []
        for c in cols:
            value = score(rows, m, *c)
            text = f"{value:.3f}"
            cells.append(f"**{text}**" if round(value, 3) == round(best[c], 3) else text)
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict_lines(rows: list[dict]) -> list[str]:
    """The benchmark's goals, each checked: yes or no, with the numbers."""
    lines = []
    others = sorted({r["method"] for r in rows} - set(LATENTS))
    for task, protocol in columns(rows):
        bams = max(score(rows, m, task, protocol) for m in LATENTS)
        rival = max(others, key=lambda m: score(rows, m, task, protocol))
        value = score(rows, rival, task, protocol)
        lines.append(
            f"{'yes' if bams > value else 'NO'}: BAMS ahead of every baseline on {task} "
            f"({protocol}): {bams:.3f} vs {value:.3f} ({rival})"
        )
    for task in SEQUENCE_TASKS:
        long, short = (score(rows, m, task, "per_frame") for m in LATENTS[1::-1])
        lines.append(
            f"{'yes' if long > short else 'NO'}: long-term beats short-term on {task} "
            f"(single frames): {long:.3f} vs {short:.3f}"
        )
    short, long = (score(rows, m, "terrain_type", "frame") for m in LATENTS[:2])
    lines.append(
        f"{'yes' if short > long else 'NO'}: short-term beats long-term on terrain_type: "
        f"{short:.3f} vs {long:.3f}"
    )
    return lines


def write_block(path: Path, block: str, robots: str) -> None:
    """Put ``block`` between the result markers of ``robots`` in ``path`` (created if missing)."""
    begin, end = f"<!-- results-{robots}:begin -->", f"<!-- results-{robots}:end -->"
    if not path.is_file():
        path.write_text(f"# Quadrupeds benchmark\n\n{begin}\n{end}\n")
    elif begin not in (text := path.read_text()) or end not in text:
        path.write_text(f"{text}\n{begin}\n{end}\n")
    write_between_markers(path, begin, end, block)


if __name__ == "__main__":
    main()
