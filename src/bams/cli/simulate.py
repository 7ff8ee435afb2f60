"""``bams simulate``: datasets with known ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bams.cli.common import fail, or_exit

app = typer.Typer(help="Generate datasets with known ground truth.", no_args_is_help=True)


@app.command("synthetic")
def simulate_synthetic(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Recordings file (.npz) or store (.bams).")
    ],
    n: Annotated[int, typer.Option("-n", help="Number of recordings.")] = 100,
    frames: Annotated[int, typer.Option(help="Frames per recording.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
) -> None:
    """Synthetic recordings with known slow (class, style) and fast (state) factors."""
    from bams.sim.synthetic import make_synthetic

    data = or_exit(make_synthetic, n, frames, seed=seed)
    typer.echo(f"{data} saved to {or_exit(data.save, output)}")


@app.command("quadrupeds")
def simulate_quadrupeds(
    output: Annotated[Path, typer.Option("--output", "-o", help="Recordings file (.npz).")],
    n: Annotated[int, typer.Option("-n", help="Number of trajectories kept.")] = 100,
    workers: Annotated[int, typer.Option(help="Simulating processes.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    duration: Annotated[float, typer.Option(help="Recorded seconds per trajectory.")] = 20.0,
    difficulty_max: Annotated[float, typer.Option(help="Largest terrain difficulty.")] = 1.0,
    max_attempts: Annotated[
        int | None, typer.Option(help="Attempts allowed (default 5 n + 20).")
    ] = None,
    robots: Annotated[
        str,
        typer.Option(
            help="Robot types: 'anymal' (anymal_b,anymal_c, the paper's pair), 'unitree' "
            "(a1,aliengo) or a comma-separated list of them."
        ),
    ] = "anymal",
    render: Annotated[
        Path | None, typer.Option(help="Also render the first trajectory to this .gif.")
    ] = None,
    render_seconds: Annotated[
        float, typer.Option(help="Seconds of the trajectory rendered.", min=0.1)
    ] = 6.0,
) -> None:
    """Quadrupeds walking over terrain (MuJoCo); only successful trajectories are kept.

    Resumable: rerun the same command after an interruption.
    """
    from collections import Counter

    from bams.sim.quadrupeds.dataset import KeepRateError, generate_quadrupeds, read_attempts
    from bams.sim.quadrupeds.render import RenderError, render_trajectory

    if render is not None and render.suffix.lower() != ".gif":
        fail(f"Expected a --render path ending in .gif, but got {str(render)!r}.", code=2)
    from bams.sim.quadrupeds.robots import robot_population

    robot_types = robot_population(robots)
    options = {
        "seed": seed,
        "duration": duration,
        "difficulty": (0.0, difficulty_max),
        "robot_types": robot_types,
    }
    try:
        data = or_exit(
            generate_quadrupeds,
            n,
            workers=workers,
            output=output,
            max_attempts=max_attempts,
            progress=True,
            **options,
        )
    except KeepRateError as err:
        fail(str(err), code=1)
    table = read_attempts(output)
    reasons = Counter(table["reason"][~table["success"]].tolist())
    failed = ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
    typer.echo(
        f"Kept {len(data)} of {len(table['index'])} attempts (failed: {failed or 'none'}); "
        f"{data} saved to {output}"
    )
    if render is not None:
        try:
            short = {**options, "duration": min(duration, render_seconds)}
            path = render_trajectory(int(data.ids[0][1:]), render, **short)
        except RenderError as err:
            fail(str(err), code=1)
        typer.echo(f"{data.ids[0]} rendered to {path}")


@app.command("bandit")
def simulate_bandit_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Recordings file (.npz) or store (.bams).")
    ],
    n: Annotated[int, typer.Option("-n", help="Number of individuals.")] = 50,
    sessions: Annotated[int, typer.Option(help="Sessions per individual.")] = 4,
    trials: Annotated[int, typer.Option(help="Trials per session.")] = 300,
    arms: Annotated[int, typer.Option(help="Number of arms.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    rt: Annotated[bool, typer.Option("--rt/--no-rt", help="Add reaction times.")] = True,
    games: Annotated[
        str,
        typer.Option(help="'shared': one game for all sessions; 'per_session': one per session."),
    ] = "shared",
) -> None:
    """Agents with known learning parameters and explore/exploit states play a shared bandit."""
    from bams.sim.bandit import simulate_bandit

    options = {"n_arms": arms, "seed": seed, "reaction_times": rt, "games": games}
    data = or_exit(simulate_bandit, n, sessions, trials, **options)
    typer.echo(f"{data} saved to {or_exit(data.save, output)}")
