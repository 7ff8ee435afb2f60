"""Procedural heightfield terrain: a flat start, segments of five types, a flat end.

The robot walks along +x on the centre line ``y = 0`` of a strip 4 m wide. The strip starts
with 3 m of flat ground, then has ``n_segments`` segments of 4 m, each of a type among
:data:`TERRAIN_TYPES` with a difficulty ``d`` in [0, 1], then 3 m of flat ground:

- ``flat``: level ground (its difficulty label is 0: nothing in it is harder or easier);
- ``pits``: 6-12 rectangular pits of depth ``0.02 + 0.10 d`` near the centre line;
- ``hills``: a cosine hill of maximum slope ``0.05 + 0.25 d`` with blocky roughness
  ``+-(0.005 + 0.025 d)`` m;
- ``stairs_up`` / ``stairs_down``: 0.30 m treads, risers of ``0.02 + 0.10 d`` m.

Each segment starts at the height where the previous one ended (stairs change it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TERRAIN_TYPES = ("flat", "pits", "hills", "stairs_up", "stairs_down")
"""The five segment types (the frame label ``terrain_type``)."""

START_LENGTH = 3.0
SEGMENT_LENGTH = 4.0
END_LENGTH = 3.0
WIDTH = 4.0
RESOLUTION = 0.04
TREAD = 0.30
SLOPE_HALF_WINDOW = 0.3


@dataclass
class Terrain:
    """A heightfield and the segments it is made of.

    Attributes
    ----------
    heights
        Terrain heights (m), shape ``(n_y, n_x)``: rows along y, columns along x.
    resolution
        Grid spacing (m).
    x0, y0
        World position of ``heights[0, 0]``.
    edges
        Segment boundaries along x (m), shape ``(n_segments + 3,)``, including the flat start
        and end areas, which are segments 0 and -1.
    types
        Type of each segment (start and end are ``"flat"``), length ``n_segments + 2``.
    difficulties
        Difficulty of each segment in [0, 1] (0 for flat ones), shape ``(n_segments + 2,)``.
    """

    heights: np.ndarray
    resolution: float
    x0: float
    y0: float
    edges: np.ndarray
    types: list[str]
    difficulties: np.ndarray

    def height(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Bilinear terrain height at world points (clamped to the strip), same shape as ``x``."""
        h = self.heights
        u = np.clip((np.asarray(x, dtype=float) - self.x0) / self.resolution, 0, h.shape[1] - 1.001)
        v = np.clip((np.asarray(y, dtype=float) - self.y0) / self.resolution, 0, h.shape[0] - 1.001)
        i, j = v.astype(np.intp), u.astype(np.intp)
        fv, fu = v - i, u - j
        top = h[i, j] * (1 - fu) + h[i, j + 1] * fu
        bottom = h[i + 1, j] * (1 - fu) + h[i + 1, j + 1] * fu
        return top * (1 - fv) + bottom * fv

    def segment_index(self, x: np.ndarray | float) -> np.ndarray:
        """Index of the segment containing each ``x`` (0 = flat start, -1 = flat end)."""
        index = np.searchsorted(self.edges, np.asarray(x, dtype=float), side="right") - 1
        return np.clip(index, 0, len(self.types) - 1)

    def labels(self, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """Frame labels at base positions ``(x, y)``, each of shape ``(T,)``.

        Returns
        -------
        dict
            ``terrain_type`` (str), ``terrain_difficulty`` (float in [0, 1]) and
            ``terrain_slope`` (float: height difference over +-0.3 m along x, divided by 0.6).
        """
        index = self.segment_index(x)
        slope = (self.height(x + SLOPE_HALF_WINDOW, y) - self.height(x - SLOPE_HALF_WINDOW, y)) / (
            2 * SLOPE_HALF_WINDOW
        )
        return {
            "terrain_type": np.array(self.types, dtype=str)[index],
            "terrain_difficulty": self.difficulties[index].astype(np.float64),
            "terrain_slope": slope.astype(np.float64),
        }


def make_terrain(
    types: list[str] | tuple[str, ...],
    difficulties: np.ndarray | list[float],
    rng: np.random.Generator,
) -> Terrain:
    """Build a terrain from its segment types and difficulties.

    Parameters
    ----------
    types
        Type of each segment, among :data:`TERRAIN_TYPES` (the flat start and end are added).
    difficulties
        Difficulty of each segment in [0, 1], shape ``(len(types),)``.
    rng
        Draws the pits and the roughness.

    Returns
    -------
    Terrain
        Heights of shape ``(101, n_x)`` at 0.04 m resolution.

    Raises
    ------
    ValueError
        If a type is unknown, or the difficulties do not match the types or leave [0, 1].

    Examples
    --------
    >>> terrain = make_terrain(["stairs_up"], [1.0], np.random.default_rng(0))
    >>> terrain.types, round(float(terrain.height(8.0, 0.0)), 2)
    (['flat', 'stairs_up', 'flat'], 1.56)
    """
    types = [str(t) for t in types]
    difficulties = np.asarray(difficulties, dtype=float)
    unknown = sorted(set(types) - set(TERRAIN_TYPES))
    if unknown:
        raise ValueError(f"Expected terrain types among {TERRAIN_TYPES}, but got {unknown}.")
    if difficulties.shape != (len(types),):
        raise ValueError(
            f"Expected {len(types)} difficulties (one per segment), but got shape "
            f"{difficulties.shape}."
        )
    if np.any((difficulties < 0) | (difficulties > 1)) or not np.isfinite(difficulties).all():
        raise ValueError(f"Expected difficulties in [0, 1], but got {difficulties.tolist()}.")
    length = START_LENGTH + SEGMENT_LENGTH * len(types) + END_LENGTH
    n_x = round(length / RESOLUTION) + 1
    n_y = round(WIDTH / RESOLUTION) + 1
    x = np.arange(n_x) * RESOLUTION
    y = np.arange(n_y) * RESOLUTION - WIDTH / 2
    heights = np.zeros((n_y, n_x))
    edges = np.concatenate(
        [[0.0], START_LENGTH + SEGMENT_LENGTH * np.arange(len(types) + 1), [length]]
    )
    base = 0.0
    for k, (kind, d) in enumerate(zip(types, difficulties, strict=True)):
        start = edges[k + 1]
        inside = (x >= start) & (x < start + SEGMENT_LENGTH)
        local = x[inside] - start
        heights[:, inside] = base + _segment(kind, d, local, y, rng)
        if kind in ("stairs_up", "stairs_down"):
            base = float(heights[0, inside][-1])
        heights[:, x >= start + SEGMENT_LENGTH] = base
    all_types = ["flat", *types, "flat"]
    labels = np.array([0.0, *difficulties, 0.0])
    labels[[t == "flat" for t in all_types]] = 0.0
    return Terrain(heights, RESOLUTION, 0.0, -WIDTH / 2, edges, all_types, labels)


def flat_terrain(n_segments: int = 6) -> Terrain:
    """Level ground of the usual length (every segment ``flat``)."""
    return make_terrain(["flat"] * n_segments, np.zeros(n_segments), np.random.default_rng(0))


def _segment(
    kind: str, d: float, x: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Heights of one segment relative to its start height, shape ``(len(y), len(x))``."""
    shape = (len(y), len(x))
    if kind == "flat":
        return np.zeros(shape)
    if kind == "pits":
        out = np.zeros(shape)
        depth = 0.02 + 0.10 * d
        for _ in range(int(rng.integers(6, 13))):
            cx, cy = rng.uniform(0.3, SEGMENT_LENGTH - 0.3), rng.uniform(-0.8, 0.8)
            hx, hy = rng.uniform(0.1, 0.4), rng.uniform(0.15, 0.6)
            mask = (np.abs(y - cy)[:, None] <= hy) & (np.abs(x - cx)[None, :] <= hx)
            out[mask] = -depth
        return out
    if kind == "hills":
        slope = 0.05 + 0.25 * d
        amplitude = slope * SEGMENT_LENGTH / np.pi  # max slope of A/2 (1 - cos) is A pi / L
        hill = amplitude / 2 * (1 - np.cos(2 * np.pi * x / SEGMENT_LENGTH))
        rough = 0.005 + 0.025 * d
        block = 4  # 0.16 m blocks
        blocks = rng.uniform(-rough, rough, size=(-(-len(y) // block), -(-len(x) // block)))
        noise = np.kron(blocks, np.ones((block, block)))[: len(y), : len(x)]
        return hill[None, :] + noise
    riser = 0.02 + 0.10 * d
    sign = 1.0 if kind == "stairs_up" else -1.0
    first = 0.2  # the first riser is 0.2 m into the segment
    steps = np.clip(np.floor((x - first) / TREAD) + 1, 0, None)
    steps = np.minimum(steps, np.floor((SEGMENT_LENGTH - first) / TREAD) + 1)
    return np.broadcast_to(sign * riser * steps, shape).copy()
