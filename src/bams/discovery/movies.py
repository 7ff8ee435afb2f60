"""Grid movies of motifs: animated GIFs of example bouts drawn from the keypoints.

Like the grid movies of keypoint-MoSeq, each motif gets one GIF with a near-square grid of
example bouts, each from a little before its onset to its end (at most ``max_seconds``). The
keypoints are read back from the pose features written by ``bams poses`` (``{name}_forward``,
``{name}_left`` in the body frame, plus the body centre ``x, y`` and heading when present),
and each snippet is shown in the body frame of its first frame, so walking and turning show.
Figures use the Agg canvas (no pyplot state); Pillow (a matplotlib dependency) writes the GIFs.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from scipy.sparse.csgraph import minimum_spanning_tree

from bams.data import Recordings
from bams.discovery.motifs import Motifs, check_motifs
from bams.discovery.summaries import run_lengths
from bams.features.kinematics import rotate
from bams.utils.atomic import atomic_write

__all__ = ["example_bouts", "keypoint_names", "motif_movies", "pose_tracks", "skeleton_edges"]

CELL_PX = 150  # pixels per grid cell: keeps a 3 x 3 GIF of ~40 frames well under 1.5 MB
DPI = 75
MIN_BOUT_SECONDS = 0.3  # shorter bouts are barely visible; used only when too few are longer
BOUT_RGB = (214, 39, 40)
BOUT_COLOR = tuple(c / 255 for c in BOUT_RGB)
PRE_COLOR = "0.8"
CENTER = ("x", "y", "heading_cos", "heading_sin")
Bout = tuple[int, int, int]  # (recording index, start frame, n_frames)


def keypoint_names(data: Recordings) -> list[str]:
    """The keypoints of ``data`` that have both ``{name}_forward`` and ``{name}_left`` features.

    Parameters
    ----------
    data
        Recordings, typically written by ``bams poses``.

    Returns
    -------
    list of str
        In the order of the ``_forward`` features; empty without pose features (so ``if
        keypoint_names(data):`` tells whether movies can be made).
    """
    names = set(data.feature_names)
    return [
        f[: -len("_forward")]
        for f in data.feature_names
        if f.endswith("_forward") and f[: -len("_forward")] + "_left" in names
    ]


def _keypoint_columns(data: Recordings) -> tuple[np.ndarray, np.ndarray]:
    """Column indices ``(K,)`` of the ``_forward`` and the ``_left`` features."""
    keypoints = keypoint_names(data)
    if not keypoints:
        shown = ", ".join(data.feature_names[:8]) + (", ..." if data.n_features > 8 else "")
        raise ValueError(
            "Expected pose features named <keypoint>_forward and <keypoint>_left (from bams "
            f"poses), but got features {shown}."
        )
    index = {name: i for i, name in enumerate(data.feature_names)}
    forward = np.array([index[f"{k}_forward"] for k in keypoints])
    return forward, np.array([index[f"{k}_left"] for k in keypoints])


def pose_tracks(data: Recordings, recording: int, start: int, stop: int) -> np.ndarray:
    """The keypoints of frames ``start .. stop - 1`` of one recording.

    With the features ``x, y, heading_cos, heading_sin``, the keypoints are placed in the
    arena (centre + body-frame point rotated by the heading), then expressed in the body
    frame of the first frame where centre and heading are known: walking shows as moving
    along +x, turning as rotating. Without them, each frame is in its own body frame.

    Parameters
    ----------
    data
        Recordings with pose features (see :func:`keypoint_names`).
    recording
        Index of the recording.
    start, stop
        The frames, ``0 <= start < stop <= T``.

    Returns
    -------
    np.ndarray
        ``(stop - start, K, 2)`` float64: x forward, y to the left; NaN where missing.

    Raises
    ------
    ValueError
        If ``data`` has no pose features, or the recording or frames are out of range.
    """
    forward, left = _keypoint_columns(data)
    if not 0 <= recording < len(data):
        raise ValueError(f"Expected a recording in 0 .. {len(data) - 1}, but got {recording}.")
    length = int(data.lengths[recording])
    if not 0 <= start < stop <= length:
        raise ValueError(
            f"Expected frames 0 <= start < stop <= {length}, but got start={start}, stop={stop}."
        )
    frames = np.asarray(data.sequences[recording][start:stop], dtype=np.float64)
    body = np.stack([frames[:, forward], frames[:, left]], axis=-1)
    if not set(CENTER) <= set(data.feature_names):
        return body
    cx, cy, cos, sin = (frames[:, data.feature_names.index(name)] for name in CENTER)
    center, angle = np.stack([cx, cy], axis=1), np.arctan2(sin, cos)
    known = np.flatnonzero(np.isfinite(center).all(axis=1) & np.isfinite(angle))
    if len(known) == 0:
        return body
    # rotate(p, a) turns p by -a: rotating by -heading takes body points into the arena.
    arena = center[:, None] + rotate(body, -angle)
    return rotate(arena - center[known[0]], np.full(len(frames), angle[known[0]]))


def skeleton_edges(data: Recordings, max_frames: int = 5000) -> list[tuple[int, int]]:
    """A skeleton guessed from the data: the minimum spanning tree of keypoint distances.

    The distance of two keypoints is the median of their distance over at most ``max_frames``
    frames spaced evenly over the recordings, so keypoints that stay close are joined.

    Parameters
    ----------
    data
        Recordings with pose features.
    max_frames
        The most frames the median is taken over.

    Returns
    -------
    list of (int, int)
        ``K - 1`` edges (fewer if some keypoints are never seen together), each ``(i, j)``
        with ``i < j`` indexing :func:`keypoint_names`, sorted.
    """
    forward, left = _keypoint_columns(data)
    frames = np.concatenate(data.sequences)
    frames = frames[np.linspace(0, len(frames) - 1, min(max_frames, len(frames))).astype(int)]
    points = np.stack([frames[:, forward], frames[:, left]], axis=-1).astype(np.float64)
    distances = np.linalg.norm(points[:, :, None] - points[:, None, :], axis=-1)
    with warnings.catch_warnings():  # pairs never seen together: NaN, no edge
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(distances, axis=0)
    # The dense graph reads 0 as "no edge": shift distances so coincident points still join.
    graph = np.where(np.isfinite(median), median + 1e-9, 0.0)
    np.fill_diagonal(graph, 0.0)
    tree = minimum_spanning_tree(graph).tocoo()
    return sorted((int(i), int(j)) for i, j in np.sort(np.c_[tree.row, tree.col], axis=1))


def example_bouts(
    motifs: Motifs,
    motif: int,
    *,
    n_examples: int = 9,
    seed: int = 0,
    min_seconds: float = MIN_BOUT_SECONDS,
) -> list[Bout]:
    """Pick up to ``n_examples`` bouts of one motif, at random but reproducibly.

    Bouts of at least ``min_seconds`` come first (shorter ones fill in when there are too
    few), and within that, bouts from recordings not yet picked come first, so the examples
    show different animals where possible.

    Parameters
    ----------
    motifs
        The motifs.
    motif
        The motif, ``0 .. n_motifs - 1``.
    n_examples
        The most bouts to pick (>= 1).
    seed
        Seeds the choice (with ``motif``: each motif's choice is independent of the others).
    min_seconds
        Bouts shorter than this are picked last.

    Returns
    -------
    list of (int, int, int)
        ``(recording index, start frame, n_frames)`` per bout; empty when the motif has none.
    """
    if n_examples < 1:
        raise ValueError(f"Expected n_examples >= 1, but got {n_examples}.")
    bouts = []
    for i, labels in enumerate(motifs.labels):
        starts, lengths, values = run_lengths(labels)
        found = zip(starts[values == motif], lengths[values == motif], strict=True)
        bouts += [(i, int(s), int(n)) for s, n in found]
    if not bouts:
        return []
    order = np.random.default_rng([seed, motif]).permutation(len(bouts))
    short = np.array([bouts[j][2] < min_seconds * motifs.frame_rate for j in order])
    # The rank of a bout among the bouts of its recording already drawn (in its tier).
    seen: dict[tuple[bool, int], int] = {}
    rank = np.zeros(len(order), dtype=np.int64)
    for position, j in enumerate(order):
        key = (bool(short[position]), bouts[j][0])
        rank[position] = seen.get(key, 0)
        seen[key] = rank[position] + 1
    keep = np.lexsort((np.arange(len(order)), rank, short))[:n_examples]
    return [bouts[order[position]] for position in keep]


def motif_movies(
    motifs: Motifs,
    data: Recordings,
    directory: str | Path,
    *,
    n_examples: int = 9,
    max_seconds: float = 2.0,
    pre_seconds: float = 0.5,
    playback_fps: float = 15,
    seed: int = 0,
) -> dict[int, Path]:
    """Write one grid movie ``motif_{k}.gif`` per motif with at least one bout.

    Each cell shows one bout chosen by :func:`example_bouts`, from ``pre_seconds`` before its
    onset to its end or ``max_seconds`` after onset, whichever is first; onsets are aligned
    across cells. Keypoints are coloured dots (one colour per keypoint) joined by the skeleton
    of :func:`skeleton_edges`, in the body frame of the snippet's first frame (see
    :func:`pose_tracks`). A red border marks the bout (grey: before it); a cell whose snippet
    is over (or not begun) shows its last (first) pose faded. Frames are subsampled to about
    ``playback_fps`` and played in real time, looping forever.

    Parameters
    ----------
    motifs
        Motifs found in ``data``.
    data
        The recordings, with the pose features of ``bams poses``.
    directory
        The output folder; created if needed. Each file is written atomically.
    n_examples
        The most bouts per motif (>= 1), laid out in a near-square grid.
    max_seconds
        The most seconds shown after an onset (> 0).
    pre_seconds
        Seconds shown before an onset (>= 0).
    playback_fps
        About how many frames per second the GIF shows (> 0).
    seed
        Seeds the choice of bouts.

    Returns
    -------
    dict of int to Path
        ``{motif: path of its GIF}``, motifs without a bout left out.

    Raises
    ------
    ValueError
        If an argument is out of range, ``data`` has no pose features, or the motifs are not
        those of ``data``.
    """
    if n_examples < 1:
        raise ValueError(f"Expected n_examples >= 1, but got {n_examples}.")
    if not (max_seconds > 0 and pre_seconds >= 0 and playback_fps > 0):
        raise ValueError(
            "Expected max_seconds > 0, pre_seconds >= 0 and playback_fps > 0, but got "
            f"{max_seconds}, {pre_seconds} and {playback_fps}."
        )
    _keypoint_columns(data)
    check_motifs(motifs, data)
    rate = data.frame_rate
    step = max(1, round(rate / playback_fps))
    edges = skeleton_edges(data)
    movies = {}
    for k in range(motifs.n_motifs):
        bouts = example_bouts(motifs, k, n_examples=n_examples, seed=seed)
        if not bouts:
            continue
        cells = [
            _snippet(data, bout, round(pre_seconds * rate), max(1, round(max_seconds * rate)))
            for bout in bouts
        ]
        labels = [f"{data.ids[r]} {s / rate:.1f}s" for r, s, _ in bouts]
        frames = _render(cells, labels, edges, step)
        path = Path(directory) / f"motif_{k}.gif"
        atomic_write(path, _gif_bytes(frames, 1000.0 * step / rate))
        movies[k] = path
    return movies


def _snippet(data: Recordings, bout: Bout, pre: int, most: int) -> tuple[np.ndarray, int]:
    """The ``(L, K, 2)`` keypoints of one bout with its pre-roll, and the onset's index."""
    recording, onset, n_frames = bout
    first = max(0, onset - pre)
    return pose_tracks(data, recording, first, onset + min(n_frames, most)), onset - first


def _limits(cells: list[tuple[np.ndarray, int]]) -> tuple[float, float, float, float]:
    """Square axis limits holding the central 98% of every coordinate of the cells."""
    points = np.concatenate([tracks.reshape(-1, 2) for tracks, _ in cells])
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) == 0:
        return -1.0, 1.0, -1.0, 1.0
    low, high = np.percentile(points, [1, 99], axis=0)
    middle, half = (low + high) / 2, max(float((high - low).max()) / 2 * 1.15, 1e-6)
    return middle[0] - half, middle[0] + half, middle[1] - half, middle[1] + half


def _render(
    cells: list[tuple[np.ndarray, int]],
    labels: list[str],
    edges: list[tuple[int, int]],
    step: int,
) -> list[np.ndarray]:
    """Draw the grid at every ``step``-th frame of the aligned timeline; RGB ``(H, W, 3)``."""
    n_keypoints = cells[0][0].shape[1]
    colors = colormaps["viridis"](np.linspace(0, 1, n_keypoints))  # no red: that is the bout
    cols = int(np.ceil(np.sqrt(len(cells))))
    rows = int(np.ceil(len(cells) / cols))
    fig = Figure(figsize=(cols * CELL_PX / DPI, rows * CELL_PX / DPI), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99, wspace=0.05, hspace=0.05)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    x0, x1, y0, y1 = _limits(cells)
    artists = []
    for ax, label in zip(axes, labels, strict=False):
        ax.set(xlim=(x0, x1), ylim=(y0, y1), xticks=[], yticks=[], aspect="equal")
        ax.text(0.03, 0.03, label, transform=ax.transAxes, fontsize=6, color="0.4",
                parse_math=False)  # fmt: skip
        bones = ax.add_collection(LineCollection([], colors="0.45", linewidths=1.2))
        dots = ax.scatter(np.zeros(n_keypoints), np.zeros(n_keypoints), s=14, c=colors, zorder=3)
        artists.append((ax, bones, dots))
    for ax in axes[len(cells) :]:
        ax.set_axis_off()
    # Times relative to the onsets, with t = 0 on the grid so every onset is shown.
    pre = max(onset for _, onset in cells) // step * step
    end = max(len(tracks) - onset for tracks, onset in cells)
    frames = []
    for t in range(-pre, end, step):
        for (ax, bones, dots), (tracks, onset) in zip(artists, cells, strict=True):
            index = t + onset
            shown = 0 <= index < len(tracks)
            pose = tracks[min(max(index, 0), len(tracks) - 1)]
            dots.set_offsets(pose)
            dots.set_alpha(1.0 if shown else 0.25)
            bones.set_segments([pose[[i, j]] for i, j in edges])
            bones.set_alpha(1.0 if shown else 0.25)
            in_bout = shown and t >= 0
            for spine in ax.spines.values():
                spine.set_color(BOUT_COLOR if in_bout else PRE_COLOR)
                spine.set_linewidth(3.0 if in_bout else 1.0)
        canvas.draw()
        frames.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    return frames


def _gif_bytes(frames: list[np.ndarray], duration_ms: float) -> bytes:
    """Encode RGB frames as a looping GIF with one shared palette (keeps colours and size)."""
    from PIL import Image

    images = [Image.fromarray(frame) for frame in frames]
    # One palette from a few frames, so a colour never shifts between frames and unchanged
    # pixels stay identical (the encoder then stores only what moved).
    swatch = np.full((4, frames[0].shape[1], 3), BOUT_RGB, dtype=np.uint8)  # may be rare
    sample = np.concatenate([frames[0], frames[len(frames) // 2], frames[-1], swatch], axis=0)
    palette = Image.fromarray(sample).quantize(colors=96, method=Image.Quantize.MEDIANCUT)
    quantized = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    # GIF delays are whole centiseconds: round the running time, not each delay, so the
    # movie keeps real time on average (e.g. 66.7 ms per frame: 70, 60, 70, ...).
    ends = np.round(np.arange(1, len(frames) + 1) * duration_ms / 10.0) * 10
    durations = [max(int(d), 20) for d in np.diff(ends, prepend=0.0)]
    buffer = io.BytesIO()
    quantized[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=quantized[1:],
        duration=durations,
        loop=0,
    )
    return buffer.getvalue()
