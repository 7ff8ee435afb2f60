"""Quality of a simulated quadruped dataset: speed tracking, survival per terrain, balance.

Reads a dataset written by ``bams simulate quadrupeds`` (or the benchmark's cache) and its
attempts table, prints the tables as markdown and writes two figures:
``docs/figures/quadrupeds_speed.png`` (achieved versus commanded speed per robot) and
``docs/figures/quadrupeds_survival.png`` (share of segments crossed without falling, per
terrain type and difficulty).

    python benchmarks/quadruped_data_quality.py runs/quadrupeds-benchmark-anymal/quadrupeds.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from bams.data import Recordings
from bams.sim.quadrupeds.quality import class_balance, segment_survival, speed_tracking
from bams.sim.quadrupeds.storage import read_attempts

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the dataset's .npz file")
    parser.add_argument("--figures", type=Path, default=FIGURES)
    args = parser.parse_args()
    table = read_attempts(args.data)
    data = Recordings.load(args.data)
    kept = table["success"].astype(bool)

    print(f"## Attempts\n\n{kept.sum()} kept of {len(kept)} attempts ({kept.mean():.0%}).\n")
    reasons, counts = np.unique(table["reason"][~kept], return_counts=True)
    print("Failures: " + ", ".join(f"{r} {c}" for r, c in zip(reasons, counts, strict=True)))
    print("\n| robot | attempts | kept |\n|---|---|---|")
    for robot in sorted(set(table["robot_type"].tolist())):
        mask = table["robot_type"] == robot
        print(f"| {robot} | {mask.sum()} | {kept[mask].mean():.0%} |")
    print("\n| commanded speed (m/s) | attempts | kept |\n|---|---|---|")
    edges = np.array([0.3, 0.475, 0.65, 0.825, 1.0])
    level = np.clip(np.digitize(table["command_speed"], edges[1:-1]), 0, 3)
    for b in range(4):
        mask = level == b
        print(f"| {edges[b]:.2f}-{edges[b + 1]:.2f} | {mask.sum()} | {kept[mask].mean():.0%} |")

    print("\n## Speed tracking (kept trajectories)\n")
    print("| robot | n | mean error | mean abs error | max abs error | rel. error | R² |")
    print("|---|---|---|---|---|---|---|")
    for r in speed_tracking(table):
        print(
            f"| {r['robot_type']} | {r['n']} | {r['mean_error']:+.3f} | "
            f"{r['mean_abs_error']:.3f} | {r['max_abs_error']:.3f} | "
            f"{r['relative_error']:.1%} | {r['r2']:.3f} |"
        )

    survival = segment_survival(table)
    print("\n## Segments crossed without falling\n")
    print("| terrain | difficulty | entered | fell | survival |\n|---|---|---|---|---|")
    for r in survival:
        print(
            f"| {r['terrain_type']} | {r['difficulty']} | {r['entered']} | {r['failed']} | "
            f"{r['survival']:.0%} |"
        )

    balance = class_balance(data)
    print("\n## Balance of the kept trajectories\n")
    print("Robot type: " + ", ".join(f"{k} {v:.0%}" for k, v in balance["robot_type"].items()))
    print(
        "Terrain type (share of frames): "
        + ", ".join(f"{k} {v:.0%}" for k, v in balance["terrain_type"].items())
    )
    for name in ("command_speed", "body_mass"):
        s = balance[name]
        print(f"{name}: min {s['min']:.2f}, mean {s['mean']:.2f}, max {s['max']:.2f}")

    args.figures.mkdir(parents=True, exist_ok=True)
    speed_figure(table).savefig(args.figures / "quadrupeds_speed.png", dpi=120)
    survival_figure(survival).savefig(args.figures / "quadrupeds_survival.png", dpi=120)
    print(f"\nFigures in {args.figures}")


def speed_figure(table: dict[str, np.ndarray]):
    kept = table["success"].astype(bool)
    fig, ax = plt.subplots(figsize=(4.5, 4.2), layout="constrained")
    for robot, color in zip(sorted(set(table["robot_type"].tolist())), ("C0", "C1"), strict=False):
        mask = kept & (table["robot_type"] == robot)
        ax.scatter(
            table["command_speed"][mask],
            table["achieved_speed"][mask],
            s=6,
            alpha=0.6,
            color=color,
            label=robot,
        )
    ax.plot([0.3, 1.0], [0.3, 1.0], color="black", lw=0.8, label="achieved = commanded")
    ax.set(xlabel="commanded speed (m/s)", ylabel="achieved speed (m/s)")
    ax.set_title("Speed tracking (kept trajectories)", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return fig


def survival_figure(rows: list[dict]):
    kinds = list(dict.fromkeys(r["terrain_type"] for r in rows if r["difficulty"] != "any"))
    levels = list(dict.fromkeys(r["difficulty"] for r in rows if r["difficulty"] != "any"))
    grid = np.full((len(kinds), len(levels)), np.nan)
    for r in rows:
        if r["difficulty"] != "any":
            grid[kinds.index(r["terrain_type"]), levels.index(r["difficulty"])] = r["survival"]
    fig, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
    image = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    for i in range(len(kinds)):
        for j in range(len(levels)):
            if np.isfinite(grid[i, j]):
                ax.text(
                    j,
                    i,
                    f"{grid[i, j]:.0%}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if grid[i, j] < 0.6 else "black",
                )
    ax.set_xticks(range(len(levels)), levels)
    ax.set_yticks(range(len(kinds)), kinds)
    ax.set_xlabel("difficulty")
    flat = next(r for r in rows if r["difficulty"] == "any")
    ax.set_title(f"Segments crossed without falling (flat: {flat['survival']:.0%})", fontsize=10)
    fig.colorbar(image, ax=ax, label="survival")
    return fig


if __name__ == "__main__":
    main()
