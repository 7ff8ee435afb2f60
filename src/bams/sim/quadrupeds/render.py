"""Render a simulated trajectory to an animated GIF with MuJoCo's offscreen renderer.

MuJoCo picks its OpenGL backend once, from the environment variable ``MUJOCO_GL``, when it is
first imported. So the rendering runs in a fresh Python process per backend tried: ``egl``
(GPU or Mesa's software EGL), then ``osmesa`` (software), or only ``MUJOCO_GL`` if it is set.
Each child checks that it can render before it simulates anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from bams.utils.atomic import atomic_path

__all__ = ["BACKENDS", "RenderError", "render_trajectory"]

BACKENDS = ("egl", "osmesa")
"""OpenGL backends tried in turn when ``MUJOCO_GL`` is not set."""
_NO_GL = 3  # exit status of a child whose backend cannot render
_MAX_SIZE = (640, 480)  # the models' offscreen framebuffer
# The child: check the backend with an empty scene, then render (only then import bams).
_CHILD = """
import sys
try:
    import mujoco
    mujoco.Renderer(mujoco.MjModel.from_xml_string("<mujoco/>"), 16, 16).close()
except Exception as err:
    sys.stderr.write("\\n" + f"{type(err).__name__}: {err}".strip().replace("\\n", " "))
    sys.exit(3)
from bams.sim.quadrupeds.render import _render
_render(sys.argv[1])
"""


class RenderError(RuntimeError):
    """No OpenGL backend can render offscreen on this machine."""


def render_trajectory(
    index: int,
    path: str | os.PathLike,
    *,
    seed: int = 0,
    duration: float = 20.0,
    difficulty: tuple[float, float] = (0.0, 1.0),
    fps: float = 25.0,
    width: int = 480,
    height: int = 360,
    backends: tuple[str, ...] | None = None,
    timeout: float | None = None,
    **options,
) -> Path:
    """Re-simulate attempt ``index`` of a quadruped dataset and write it as an animated GIF.

    The camera follows the trunk from its rear left. The trajectory is the one
    :func:`bams.sim.quadrupeds.dataset.generate_quadrupeds` records with the same ``seed``,
    ``difficulty`` and ``options`` (its first ``duration`` seconds; up to its fall, if it falls).

    Parameters
    ----------
    index
        The attempt (a dataset id ``q000123`` is attempt 123).
    path
        The ``.gif`` file to write (atomically).
    seed, duration, difficulty, **options
        As in :func:`bams.sim.quadrupeds.dataset.generate_quadrupeds`.
    fps
        Frames per second of the GIF, at most 50 (every ``round(50 / fps)``-th frame is drawn).
    width, height
        Image size in pixels, at most 640 x 480.
    backends
        OpenGL backends to try (``MUJOCO_GL`` values); default ``MUJOCO_GL`` if it is set, else
        :data:`BACKENDS`.
    timeout
        Seconds allowed per backend tried (default: no limit).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        If an argument is invalid.
    RenderError
        If no backend can render offscreen here (e.g. neither EGL nor OSMesa is installed).
    RuntimeError
        If the rendering process fails otherwise.

    Examples
    --------
    >>> render_trajectory(0, "walk.gif", duration=2.0)  # doctest: +SKIP
    PosixPath('walk.gif')
    """
    from bams.sim.quadrupeds.dataset import make_config

    path = Path(path)
    config = make_config(seed=seed, duration=duration, difficulty=difficulty, **options)
    _check_arguments(config.problems(), index, path, fps, width, height)
    if backends is None:
        backends = (os.environ["MUJOCO_GL"],) if os.environ.get("MUJOCO_GL") else BACKENDS
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = {
        "config": json.loads(json.dumps(asdict(config))),
        "index": int(index),
        "path": str(path.resolve()),
        "step": max(1, round(50 / fps)),
        "size": [int(width), int(height)],
    }
    return _render_with(backends, spec, index, path, timeout)


def _check_arguments(
    problems: list[str], index: int, path: Path, fps: float, width: int, height: int
) -> None:
    """Raise one ValueError listing ``problems`` and every invalid rendering argument."""
    if path.suffix.lower() != ".gif":
        problems.append(f"Expected a path ending in .gif, but got {str(path)!r}.")
    if not 0 < fps <= 50:
        problems.append(f"Expected 0 < fps <= 50, but got {fps}.")
    if not (16 <= width <= _MAX_SIZE[0] and 16 <= height <= _MAX_SIZE[1]):
        problems.append(f"Expected a size within 16 x 16 .. 640 x 480, but got {width} x {height}.")
    if index < 0:
        problems.append(f"Expected index >= 0, but got {index}.")
    if problems:
        raise ValueError("Invalid rendering arguments:\n- " + "\n- ".join(problems))


def _render_with(
    backends: tuple[str, ...], spec: dict, index: int, path: Path, timeout: float | None
) -> Path:
    """Render ``spec`` in a child process per backend, until one can render; return ``path``."""
    errors = []
    for backend in backends:
        env = dict(os.environ, MUJOCO_GL=backend)
        if backend in ("egl", "osmesa"):
            env["PYOPENGL_PLATFORM"] = backend
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(spec)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if child.returncode == 0:
            return path
        if child.returncode != _NO_GL:
            raise RuntimeError(f"Rendering attempt {index} failed:\n{child.stderr[-3000:]}")
        reason = (child.stderr.strip().splitlines() or ["unknown error"])[-1]
        errors.append(f"MUJOCO_GL={backend}: {reason}")
    raise RenderError(
        "Expected an OpenGL backend that renders offscreen, but none works here ("
        + "; ".join(errors)
        + "). Install EGL (e.g. libegl1) or OSMesa (libosmesa6), or set MUJOCO_GL."
    )


def _render(spec_json: str) -> None:
    """Simulate and render in this process (its ``MUJOCO_GL`` is already chosen)."""
    import mujoco

    from bams.sim.quadrupeds.dataset import make_config
    from bams.sim.quadrupeds.episode import run_episode
    from bams.sim.quadrupeds.robots import build_model, get_morphology

    spec = json.loads(spec_json)
    config = make_config(**spec["config"])
    params, terrain = config.sample(spec["index"])
    episode = run_episode(
        params, terrain, duration=config.duration, warmup=config.warmup, keep_qpos=True
    )
    morphology = get_morphology(params.robot_type)
    morphology = morphology.with_trunk_mass(morphology.trunk_mass * params.mass_scale)
    model = build_model(morphology, terrain)
    data = mujoco.MjData(model)
    width, height = spec["size"]
    camera = mujoco.MjvCamera()
    camera.type = mujoco.mjtCamera.mjCAMERA_FREE
    camera.distance, camera.azimuth, camera.elevation = 2.2, 120.0, -20.0
    smooth = 1 - np.exp(-spec["step"] / 50 / 0.3)  # the view follows the trunk within 0.3 s
    frames = []
    with mujoco.Renderer(model, height, width) as renderer:
        for k, qpos in enumerate(episode.qpos[:: spec["step"]]):
            data.qpos[:] = qpos
            mujoco.mj_forward(model, data)
            target = qpos[:3] if k == 0 else camera.lookat + smooth * (qpos[:3] - camera.lookat)
            camera.lookat[:] = target
            renderer.update_scene(data, camera=camera)
            frames.append(renderer.render().copy())
    _save_gif(frames, Path(spec["path"]), 50 / spec["step"])


def _save_gif(frames: list[np.ndarray], path: Path, fps: float) -> None:
    """Write ``(height, width, 3)`` uint8 frames as a looping GIF, atomically."""
    from PIL import Image

    images = [Image.fromarray(frame) for frame in frames]
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        images[0].save(
            handle,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=round(1000 / fps),
            loop=0,
        )
