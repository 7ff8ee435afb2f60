"""Write motifs to a folder: CSV tables and PNG figures (Agg canvas, no pyplot state)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from bams.data import Recordings
from bams.discovery.motifs import Motifs, check_motifs
from bams.discovery.movies import keypoint_names, motif_movies
from bams.layout import MOVIES_DIR
from bams.report.figures import render_png
from bams.utils.atomic import atomic_write

__all__ = [
    "MAX_ETHOGRAM_RECORDINGS",
    "MOTIFS_META",
    "durations_figure",
    "ethogram_figure",
    "load_motifs",
    "save_motifs",
    "transitions_figure",
    "usage_figure",
]

MAX_ETHOGRAM_RECORDINGS = 20
MOTIFS_META = "motifs.json"


def save_motifs(
    motifs: Motifs, data: Recordings, directory: str | Path, *, movies: bool = True
) -> Path:
    """Write the motifs of ``data`` as tables and figures into ``directory``.

    Files: ``labels.csv`` (recording, frame, time_s, motif), ``usage.csv`` (level, unit, one
    column per motif: the fraction of frames, per recording and, when the recordings have
    groups, per group), ``durations.csv`` (one row per bout), ``transitions.csv`` (the
    ``K x K`` bout-to-bout probabilities, rows ``from``, columns ``to``), ``features.csv``
    (the five most distinctive input features per motif), ``motifs.json`` (K, the criterion,
    the settings and :attr:`Recordings.fingerprint`, for :func:`load_motifs`) and
    ``usage.png``, ``durations.png``, ``transitions.png``, ``ethogram.png`` (the first 20
    recordings); for pose
    data, ``movies/motif_K.gif``, example snippets of each motif drawn from the keypoints
    (:func:`bams.discovery.movies.motif_movies`). Every file is written atomically.

    Parameters
    ----------
    motifs
        Motifs found in ``data`` by :func:`bams.discovery.find_motifs`.
    data
        The recordings (their features for ``features.csv``).
    directory
        The output folder; created if needed.
    movies
        Draw the example movies when ``data`` has pose keypoints.

    Returns
    -------
    Path
        ``directory``.
    """
    directory = Path(directory)
    # motifs.json is written last: it marks a finished save (load_motifs needs it), so a save
    # that fails midway never pairs new labels with an earlier K; old movies go too.
    (directory / MOTIFS_META).unlink(missing_ok=True)
    for old in (directory / MOVIES_DIR).glob("motif_*.gif"):
        old.unlink()
    tables = {
        "labels.csv": motifs.to_frame(),
        "usage.csv": _usage_table(motifs),
        "durations.csv": motifs.bouts(),
        "transitions.csv": _transitions_table(motifs),
        "features.csv": motifs.features(data),
    }
    for name, table in tables.items():
        atomic_write(directory / name, table.to_csv(index=False))
    render_png(usage_figure(motifs), directory / "usage.png")
    render_png(durations_figure(motifs), directory / "durations.png")
    render_png(transitions_figure(motifs), directory / "transitions.png")
    render_png(ethogram_figure(motifs), directory / "ethogram.png")
    if movies and keypoint_names(data):
        motif_movies(motifs, data, directory / MOVIES_DIR)
    meta = {
        "n_motifs": motifs.n_motifs,
        "criterion": {str(k): v for k, v in motifs.criterion.items()},
        "latent": motifs.latent,
        "smoothed": motifs.smoothed,
        "frame_rate": motifs.frame_rate,
        "ids": list(motifs.ids),
        "groups": None if motifs.groups is None else list(motifs.groups),
        "fingerprint": data.fingerprint,
        "digest": motifs.digest,
    }
    atomic_write(directory / MOTIFS_META, json.dumps(meta, indent=2))
    return directory


def load_motifs(directory: str | Path, data: Recordings | None = None) -> Motifs:
    """Read the motifs :func:`save_motifs` wrote to ``directory``.

    Parameters
    ----------
    directory
        A folder with ``labels.csv`` and ``motifs.json``.
    data
        If given, the recordings the motifs must belong to (same ids, lengths, features).

    Returns
    -------
    Motifs

    Raises
    ------
    FileNotFoundError
        If a file is missing.
    ValueError
        If the files disagree with each other or the motifs belong to other recordings.
    """
    import pandas

    directory = Path(directory)
    for name in ("labels.csv", MOTIFS_META):
        if not (directory / name).is_file():
            raise FileNotFoundError(
                f"Expected motifs at {str(directory / name)!r}, but the file does not exist; "
                "run `bams motifs RUN_DIR` first."
            )
    meta = json.loads((directory / MOTIFS_META).read_text())
    if data is not None and meta.get("fingerprint") != data.fingerprint:
        raise ValueError(
            f"Expected motifs of the recordings {data.source or 'given'}, but the motifs in "
            f"{directory} were found in other recordings; run `bams motifs` on them again."
        )
    table = pandas.read_csv(
        directory / "labels.csv", dtype={"recording": str}, keep_default_na=False
    )
    by_id = {key: part["motif"].to_numpy(np.int64) for key, part in table.groupby("recording")}
    missing = [i for i in meta["ids"] if i not in by_id]
    if missing:
        raise ValueError(f"Expected labels of every recording, but got none for {missing[:5]}.")
    motifs = Motifs(
        labels=[by_id[i] for i in meta["ids"]],
        n_motifs=int(meta["n_motifs"]),
        criterion={int(k): float(v) for k, v in meta["criterion"].items()},
        ids=list(meta["ids"]),
        frame_rate=float(meta["frame_rate"]),
        groups=meta["groups"],
        latent=meta["latent"],
        smoothed=bool(meta["smoothed"]),
    )
    if data is not None:
        check_motifs(motifs, data)
    return motifs


def _usage_table(motifs: Motifs):
    import pandas

    levels = ["recording"] + (["group"] if motifs.groups is not None else [])
    parts = []
    for level in levels:
        usage = motifs.usage(level)
        usage.columns = [f"motif_{k}" for k in usage.columns]
        usage.insert(0, "unit", usage.index.astype(str))
        usage.insert(0, "level", level)
        parts.append(usage.reset_index(drop=True))
    return pandas.concat(parts, ignore_index=True)


def _transitions_table(motifs: Motifs):
    import pandas

    names = [f"motif_{k}" for k in range(motifs.n_motifs)]
    table = pandas.DataFrame(motifs.transitions(), columns=names)
    table.insert(0, "from", names)
    return table


def _motif_colors(k: int) -> ListedColormap:
    from matplotlib import colormaps

    base = colormaps["tab20" if k > 10 else "tab10"]
    return ListedColormap([base(i % base.N) for i in range(k)])


def usage_figure(motifs: Motifs) -> Figure:
    """Bars of the fraction of all frames in each motif, one dot per recording."""
    k = motifs.n_motifs
    counts = np.bincount(np.concatenate(motifs.labels), minlength=k)
    per_recording = motifs.usage("recording").to_numpy()
    fig = Figure(figsize=(1.0 + 0.45 * k, 3.0), layout="constrained")
    ax = fig.subplots()
    colors = _motif_colors(k)
    ax.bar(np.arange(k), counts / counts.sum(), color=[colors(i) for i in range(k)])
    for i in range(k):
        jitter = np.linspace(-0.2, 0.2, len(per_recording)) if len(per_recording) > 1 else [0]
        ax.scatter(i + np.asarray(jitter), per_recording[:, i], s=6, color="0.2", zorder=3)
    ax.set_xticks(np.arange(k))
    ax.set_xlabel("motif")
    ax.set_ylabel("fraction of frames")
    ax.set_title("Motif usage")
    return fig


def durations_figure(motifs: Motifs) -> Figure:
    """Box plots of the bout durations of each motif (log scale), every bout a dot."""
    k = motifs.n_motifs
    bouts = motifs.bouts()
    per_motif = [bouts.loc[bouts["motif"] == i, "duration_s"].to_numpy() for i in range(k)]
    fig = Figure(figsize=(max(3.4, 1.2 + 0.45 * k), 3.0), layout="constrained")
    ax = fig.subplots()
    colors = _motif_colors(k)
    shown = [i for i in range(k) if len(per_motif[i])]
    parts = ax.boxplot([per_motif[i] for i in shown], positions=shown, widths=0.6,
                       showfliers=False, patch_artist=True)  # fmt: skip
    for patch, i in zip(parts["boxes"], shown, strict=True):
        patch.set(facecolor=colors(i), alpha=0.5)
    rng = np.random.default_rng(0)
    for i in shown:
        jitter = (rng.random(len(per_motif[i])) - 0.5) * 0.3
        ax.scatter(i + jitter, per_motif[i], s=4, color="0.2", zorder=3)
    ax.set_yscale("log")
    ax.set_xticks(np.arange(k))
    ax.set_xlim(-0.6, k - 0.4)
    ax.set_xlabel("motif")
    ax.set_ylabel("bout duration (s)")
    ax.set_title("Bout durations")
    return fig


def transitions_figure(motifs: Motifs) -> Figure:
    """The bout-to-bout transition matrix as a heatmap (rows: from, columns: to)."""
    k = motifs.n_motifs
    matrix = motifs.transitions()
    size = 1.8 + 0.35 * k
    fig = Figure(figsize=(size + 0.8, size), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="viridis", vmin=0.0, vmax=max(float(matrix.max()), 1e-9))
    ax.set_xticks(np.arange(k))
    ax.set_yticks(np.arange(k))
    ax.set_xlabel("to motif")
    ax.set_ylabel("from motif")
    ax.set_title("Transitions between bouts")
    fig.colorbar(image, ax=ax, label="probability")
    return fig


def ethogram_figure(motifs: Motifs, max_recordings: int = MAX_ETHOGRAM_RECORDINGS) -> Figure:
    """One row per recording (the first ``max_recordings``), the motif of each frame as color."""
    k = motifs.n_motifs
    shown = motifs.labels[:max_recordings]
    width = max(len(x) for x in shown)
    grid = np.full((len(shown), width), np.nan)
    for row, labels in enumerate(shown):
        grid[row, : len(labels)] = labels
    # Tall enough for a colorbar tick per motif, however few the recordings.
    fig = Figure(figsize=(8.0, max(1.0 + 0.3 * len(shown), 0.8 + 0.18 * k)), layout="constrained")
    ax = fig.subplots()
    cmap = _motif_colors(k).with_extremes(bad="white")
    norm = BoundaryNorm(np.arange(-0.5, k), cmap.N)
    image = ax.imshow(
        np.ma.masked_invalid(grid),
        aspect="auto",
        interpolation="nearest",
        cmap=cmap,
        norm=norm,
        extent=(0.0, width / motifs.frame_rate, len(shown) - 0.5, -0.5),
    )
    ax.set_yticks(np.arange(len(shown)))
    ax.set_yticklabels(motifs.ids[:max_recordings], fontsize=7)
    ax.set_xlabel("time (s)")
    ax.set_title("Ethogram")
    fig.colorbar(image, ax=ax, ticks=np.arange(k), label="motif")
    return fig
