"""Datasets of simulated quadrupeds: the first ``n`` successful trajectories of a seed.

Attempt ``i`` of a dataset is a deterministic function of ``(seed, i)`` and the generation
arguments (see :func:`bams.sim.quadrupeds.episode.sample_params`). Attempts are simulated in
index order, in parallel if asked, and the dataset is made of the first ``n`` successful ones
by index, so it is the same whatever the number of workers.

When an output file is given the generation is resumable: every finished attempt (kept or
failed) is saved as ``FILE.parts/IIIIII.npz`` next to the output ``FILE.npz``, with the
generation arguments in ``FILE.parts/generation.json``, and a rerun with the same arguments
simulates only what is missing. At the end the dataset is written to ``FILE.npz``, the outcome
of every attempt to ``FILE.attempts.csv`` (see :func:`read_attempts`), the arguments to
``FILE.meta.json``, and the parts folder is removed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.sim.quadrupeds.episode import (
    ACTION_NAMES,
    FEATURE_NAMES,
    FRAME_RATE,
    run_episode,
    sample_params,
)
from bams.sim.quadrupeds.robots import DEFAULT_ROBOTS, PRESETS
from bams.sim.quadrupeds.storage import FRAME_LABELS, Attempt, DatasetFiles, read_attempts
from bams.sim.quadrupeds.terrain import TERRAIN_TYPES

__all__ = [
    "Attempt",
    "GenerationConfig",
    "KeepRateError",
    "generate_quadrupeds",
    "make_config",
    "read_attempts",
    "simulate_attempt",
    "simulator_version",
]
FORMAT_VERSION = 1
_SIMULATOR_FILES = ("controller.py", "episode.py", "kinematics.py", "robots.py", "terrain.py")


class KeepRateError(RuntimeError):
    """Too few attempts succeeded to keep ``n`` trajectories within ``max_attempts``."""


@dataclass(frozen=True)
class GenerationConfig:
    """The arguments that define every attempt of a dataset (not how many are kept).

    Attributes
    ----------
    seed
        Attempt ``i`` draws from ``np.random.default_rng([seed, i])``.
    duration, warmup
        Recorded and unrecorded simulated time per attempt (s).
    difficulty, robot_types, speed_range, mass_range, terrain_types, n_segments
        Passed to :func:`bams.sim.quadrupeds.episode.sample_params`.
    """

    seed: int = 0
    duration: float = 20.0
    warmup: float = 1.5
    difficulty: tuple[float, float] = (0.0, 1.0)
    robot_types: tuple[str, ...] = DEFAULT_ROBOTS
    speed_range: tuple[float, float] = (0.3, 1.0)
    mass_range: tuple[float, float] = (0.8, 1.2)
    terrain_types: tuple[str, ...] = TERRAIN_TYPES
    n_segments: int = 6

    def problems(self) -> list[str]:
        """Every problem with the arguments, as ``"Expected X, but got Y."`` messages."""
        out = []
        if not (np.isfinite(self.duration) and self.duration * FRAME_RATE >= 1):
            out.append(f"Expected duration >= {1 / FRAME_RATE} s, but got {self.duration}.")
        if not (np.isfinite(self.warmup) and self.warmup >= 0):
            out.append(f"Expected warmup >= 0 s, but got {self.warmup}.")
        for name, low, high in (("difficulty", 0, 1), ("speed_range", 0, 5), ("mass_range", 0, 5)):
            value = getattr(self, name)
            if len(value) != 2 or not low <= value[0] <= value[1] <= high:
                out.append(f"Expected {name} (min, max) within [{low}, {high}], but got {value}.")
        for name, known in (("robot_types", tuple(PRESETS)), ("terrain_types", TERRAIN_TYPES)):
            value = getattr(self, name)
            if not value or not set(value) <= set(known):
                out.append(f"Expected {name} among {known}, but got {value}.")
        if self.n_segments < 1:
            out.append(f"Expected n_segments >= 1, but got {self.n_segments}.")
        return out

    def sample(self, index: int):
        """The parameters and terrain of attempt ``index`` (see ``sample_params``)."""
        return sample_params(
            self.seed,
            index,
            difficulty=self.difficulty,
            robot_types=self.robot_types,
            speed_range=self.speed_range,
            mass_range=self.mass_range,
            terrain_types=self.terrain_types,
            n_segments=self.n_segments,
        )

    def metadata(self) -> dict:
        """The arguments as JSON values, with the simulator's version."""
        out = {"format_version": FORMAT_VERSION, "simulator": simulator_version()}
        out.update(json.loads(json.dumps(asdict(self))))
        return out


def make_config(**arguments) -> GenerationConfig:
    """A :class:`GenerationConfig` from keyword arguments (lists become tuples); not checked.

    Raises
    ------
    TypeError
        If an argument is not a field of :class:`GenerationConfig`.
    """
    names = {f.name for f in fields(GenerationConfig)}
    unknown = sorted(set(arguments) - names)
    if unknown:
        raise TypeError(f"Expected arguments among {sorted(names)}, but got {unknown}.")
    return GenerationConfig(
        **{k: tuple(v) if isinstance(v, list | tuple) else v for k, v in arguments.items()}
    )


def simulator_version() -> str:
    """MuJoCo's version and a hash of the simulator's sources (attempts depend on both)."""
    digest = hashlib.sha256()
    for name in _SIMULATOR_FILES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return f"mujoco {metadata.version('mujoco')}, sources {digest.hexdigest()[:16]}"


def simulate_attempt(index: int, config: GenerationConfig) -> Attempt:
    """Draw and simulate attempt ``index`` of the dataset defined by ``config``."""
    params, terrain = config.sample(index)
    episode = run_episode(params, terrain, duration=config.duration, warmup=config.warmup)
    return Attempt(
        index=index,
        robot_type=params.robot_type,
        command_speed=params.command_speed,
        mass_scale=params.mass_scale,
        segment_types=params.segment_types,
        segment_difficulties=params.segment_difficulties,
        trunk_mass=episode.trunk_mass,
        total_mass=episode.total_mass,
        success=bool(episode.success),
        reason=episode.reason,
        fail_time=episode.fail_time,
        distance=episode.distance,
        achieved_speed=episode.achieved_speed,
        end_segment=episode.segment,
        features=episode.features if episode.success else None,
        frame_labels=episode.frame_labels if episode.success else None,
    )


def generate_quadrupeds(
    n: int,
    *,
    seed: int = 0,
    workers: int = 1,
    output: str | os.PathLike | None = None,
    duration: float = 20.0,
    difficulty: tuple[float, float] = (0.0, 1.0),
    max_attempts: int | None = None,
    progress: bool = False,
    cache: bool = False,
    **options,
) -> Recordings:
    """Simulate attempts until ``n`` succeed; return the successful ones as recordings.

    Parameters
    ----------
    n
        Number of trajectories kept (successful attempts).
    seed
        Seed of the dataset; attempt ``i`` is a deterministic function of ``(seed, i)``.
    workers
        Processes simulating in parallel (the result does not depend on it).
    output
        ``.npz`` file to write; also makes the generation resumable (see the module's help).
    duration
        Recorded seconds per trajectory (50 frames per second).
    difficulty
        Range of the terrain segments' difficulties.
    max_attempts
        Attempts allowed before giving up; default ``5 n + 20``.
    progress
        Show a progress bar with the kept and failed counts.
    cache
        If ``output`` exists and was generated with the same arguments (``n`` included), load
        it instead of generating.
    **options
        Other fields of :class:`GenerationConfig` (``warmup``, ``robot_types``,
        ``speed_range``, ``mass_range``, ``terrain_types``, ``n_segments``).

    Returns
    -------
    Recordings
        ``n`` recordings of shape ``(round(duration * 50), 24)`` (joint positions then
        velocities; the velocities are the actions), ids ``q{index:06d}``; sequence labels
        ``robot_type`` (str), ``command_speed``, ``body_mass`` (total, kg), ``trunk_mass``,
        ``achieved_speed``; frame labels ``terrain_type`` (str), ``terrain_slope``,
        ``terrain_difficulty``.

    Raises
    ------
    ValueError
        If an argument is invalid, the output folder is not writable, or ``FILE.parts``
        holds attempts generated with other arguments.
    KeepRateError
        If fewer than ``n`` of ``max_attempts`` attempts succeed (the finished attempts stay
        in ``FILE.parts`` for a rerun with a larger ``max_attempts``).

    Examples
    --------
    >>> data = generate_quadrupeds(2, duration=0.5)
    >>> data.lengths.tolist(), sorted(data.frame_labels)
    ([25, 25], ['terrain_difficulty', 'terrain_slope', 'terrain_type'])
    """
    config = make_config(seed=seed, duration=duration, difficulty=difficulty, **options)
    max_attempts = 5 * n + 20 if max_attempts is None else max_attempts
    _check_arguments(config, n, workers, max_attempts, output, cache)
    files = None if output is None else DatasetFiles(output)
    if cache and files.is_complete({"n": n, **config.metadata()}):
        return Recordings.load(files.output)
    done = {} if files is None else files.open_parts(config.metadata())
    attempts = _simulate_until(n, config, workers, max_attempts, done, files, progress)
    recordings = _assemble([a for a in attempts if a.success])
    if files is not None:
        files.write(recordings, attempts, {"n": n, **config.metadata()})
    return recordings


def _check_arguments(
    config: GenerationConfig,
    n: int,
    workers: int,
    max_attempts: int,
    output: str | os.PathLike | None,
    cache: bool,
) -> None:
    """Raise one ValueError listing every invalid argument of :func:`generate_quadrupeds`."""
    problems = config.problems()
    if n < 1:
        problems.append(f"Expected n >= 1, but got {n}.")
    if workers < 1:
        problems.append(f"Expected workers >= 1, but got {workers}.")
    if max_attempts < n:
        problems.append(f"Expected max_attempts >= n = {n}, but got {max_attempts}.")
    if output is not None and Path(output).suffix != ".npz":
        problems.append(f"Expected an output path ending in .npz, but got {str(output)!r}.")
    if cache and output is None:
        problems.append("Expected an output path with cache=True, but got None.")
    if problems:
        raise ValueError("Invalid quadruped dataset arguments:\n- " + "\n- ".join(problems))


# ---------------------------------------------------------------------- the loop
def _simulate_until(n, config, workers, max_attempts, done, files, progress) -> list[Attempt]:
    """Attempts ``0 .. i`` where ``i`` is the ``n``-th success; ``done`` holds reused ones."""
    from rich import progress as rp

    columns = (
        rp.TextColumn("quadrupeds kept"),
        rp.BarColumn(),
        rp.MofNCompleteColumn(),
        rp.TextColumn("failed {task.fields[failed]}"),
        rp.TimeElapsedColumn(),
        rp.TimeRemainingColumn(),
    )
    bar = rp.Progress(*columns, disable=not progress)
    task = bar.add_task("", total=n, failed=0)
    executor = _InlineExecutor() if workers == 1 else _pool(workers)
    pending: dict[Future, int] = {}
    frontier, kept, next_index = 0, 0, 0
    n_ok = sum(a.success for a in done.values())
    bar.update(task, completed=min(n_ok, n), failed=len(done) - n_ok)
    try:
        with bar:
            while True:
                while kept < n and frontier in done:
                    kept += done[frontier].success
                    frontier += 1
                if kept == n:
                    break
                if frontier >= max_attempts:
                    raise KeepRateError(_keep_rate_message(n, kept, max_attempts, files))
                while len(pending) < 2 * workers and next_index < max_attempts:
                    if next_index not in done:
                        future = executor.submit(simulate_attempt, next_index, config)
                        pending[future] = next_index
                    next_index += 1
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    del pending[future]
                    attempt = future.result()
                    done[attempt.index] = attempt
                    if files is not None:
                        files.save_part(attempt)
                    n_ok += attempt.success
                    bar.update(task, completed=min(n_ok, n), failed=len(done) - n_ok)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return [done[i] for i in range(frontier)]


def _keep_rate_message(n: int, kept: int, max_attempts: int, files) -> str:
    where = "" if files is None else f" The finished attempts stay in {str(files.parts)!r}."
    return (
        f"Expected {n} successful trajectories within max_attempts={max_attempts}, but got "
        f"{kept} (keep rate {kept / max_attempts:.0%}); raise max_attempts or lower the "
        f"difficulty.{where}"
    )


class _InlineExecutor:
    """Runs each task at once in this process (``workers=1``)."""

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except Exception as err:
            future.set_exception(err)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def _pool(workers: int) -> ProcessPoolExecutor:
    """A pool of fresh processes (no fork of this one, which may hold threads or GL state)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which stops them cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _assemble(kept: list[Attempt]) -> Recordings:
    def column(name, dtype=np.float64):
        return np.array([getattr(a, name) for a in kept], dtype=dtype)

    return Recordings(
        [a.features for a in kept],
        feature_names=FEATURE_NAMES,
        actions=ACTION_NAMES,
        frame_rate=FRAME_RATE,
        ids=[f"q{a.index:06d}" for a in kept],
        frame_labels={name: [a.frame_labels[name] for a in kept] for name in FRAME_LABELS},
        sequence_labels={
            "robot_type": column("robot_type", str),
            "command_speed": column("command_speed"),
            "body_mass": column("total_mass"),
            "trunk_mass": column("trunk_mass"),
            "achieved_speed": column("achieved_speed"),
        },
    )
