"""Embeddings files chosen by extension: ``.npz``, ``.csv``, ``.parquet``, ``.h5`` or ``.bams``.

``.npz`` is the package's own format (:func:`bams.embedding.save_embeddings`); ``.csv``,
``.parquet`` and ``.h5`` hold one table with a row per frame, for analysis in other tools:
``recording``, ``frame``, ``time_s``, then one column per latent dimension (``short_term_0``,
..., ``long_term_0``, ...). ``.bams`` is a recordings store (:mod:`bams.data.store`) whose
features are those columns: written one recording at a time, for embeddings larger than
memory, read back lazily, and usable as recordings itself. Every file is written atomically.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bams.data.store import META_FILE, StoreWriter
from bams.data.store_reader import open_store
from bams.embedding import Embedding, load_embeddings, save_embeddings
from bams.utils.atomic import atomic_write

if TYPE_CHECKING:  # pandas is imported when a table is made or read (not for .npz)
    import pandas as pd

__all__ = [
    "EMBEDDING_FORMATS",
    "embeddings_format",
    "embeddings_frame",
    "read_embeddings",
    "write_embeddings",
]

# Extension -> format name.
EMBEDDING_FORMATS = {
    ".npz": "npz",
    ".csv": "csv",
    ".parquet": "parquet",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    ".bams": "store",
}
HDF_KEY = "embeddings"
_INDEX_COLUMNS = ("recording", "frame", "time_s", "motif")


def embeddings_frame(
    embeddings: Sequence[Embedding],
    ids: Sequence[str],
    frame_rate: float,
    motifs: Sequence[np.ndarray] | None = None,
) -> pd.DataFrame:
    """One table row per frame of every recording.

    Parameters
    ----------
    embeddings
        One ``{latent: (T_i, D_latent) array}`` per recording, as :meth:`bams.BAMS.transform`
        returns.
    ids
        ``(n,)`` recording ids, one per recording.
    frame_rate
        Frames per second; ``time_s = frame / frame_rate``.
    motifs
        Optional ``(T_i,)`` integer motif per frame of each recording (a ``motif`` column).

    Returns
    -------
    pandas.DataFrame
        ``(sum T_i, 3 + sum D_latent [+ 1])``: ``recording``, ``frame``, ``time_s``, then
        ``{latent}_{d}`` for every latent and dimension, then ``motif`` if given.

    Raises
    ------
    ValueError
        If the numbers of ids, embeddings or motifs differ, a motif length differs from its
        recording's, or ``frame_rate`` is not positive.
    """
    import pandas as pd

    if len(embeddings) != len(ids):
        raise ValueError(f"Expected {len(embeddings)} ids, but got {len(ids)}.")
    if not frame_rate > 0:
        raise ValueError(f"Expected a positive frame rate, but got {frame_rate}.")
    names = list(embeddings[0]) if embeddings else []
    lengths = [len(e[names[0]]) if names else 0 for e in embeddings]
    empty = [np.zeros(0, np.int64)]
    frames = np.concatenate([np.arange(n, dtype=np.int64) for n in lengths] or empty)
    columns: dict[str, np.ndarray] = {
        "recording": np.repeat(np.array(list(ids), dtype=object), lengths),
        "frame": frames,
        "time_s": frames / float(frame_rate),
    }
    for name in names:
        values = np.concatenate([e[name] for e in embeddings])
        for d in range(values.shape[1]):
            columns[f"{name}_{d}"] = values[:, d]
    if motifs is not None:
        if len(motifs) != len(embeddings) or any(
            len(m) != n for m, n in zip(motifs, lengths, strict=True)
        ):
            raise ValueError(
                "Expected one motif per frame of every recording, but got "
                f"{[len(m) for m in motifs]} for lengths {lengths}."
            )
        columns["motif"] = np.concatenate([np.asarray(m, np.int64) for m in motifs] or empty)
    return pd.DataFrame(columns)


def embeddings_format(path: str | Path) -> str:
    """The format of an embeddings file from its extension: npz, csv, parquet, hdf5 or store.

    Raises
    ------
    IsADirectoryError
        If ``path`` is a directory other than a recordings store.
    ValueError
        If the extension is missing or unknown.
    """
    suffix = Path(path).suffix.lower()
    if Path(path).is_dir() and not (suffix == ".bams" and (Path(path) / META_FILE).is_file()):
        raise IsADirectoryError(f"Expected a file to write, but {str(path)!r} is a directory.")
    if suffix not in EMBEDDING_FORMATS:
        raise ValueError(
            "Expected an embeddings file ending in .npz, .csv, .parquet, .h5 or .bams, but got "
            f"{Path(path).name!r}."
        )
    return EMBEDDING_FORMATS[suffix]


def write_embeddings(
    path: str | Path,
    embeddings: Iterable[Embedding],
    ids: Sequence[str],
    frame_rate: float,
    metadata: Mapping[str, str] | None = None,
    groups: Sequence[str] | None = None,
) -> Path:
    """Write embeddings in the format the extension of ``path`` names, atomically.

    Parameters
    ----------
    path
        Ends in ``.npz`` (:func:`bams.embedding.save_embeddings`, with ``metadata``),
        ``.csv``, ``.parquet`` or ``.h5`` / ``.hdf5`` (key ``"embeddings"``, table format):
        the table of :func:`embeddings_frame`; or ``.bams``, a recordings store (an existing
        store is replaced once the new one is complete).
    embeddings
        One ``{latent: (T_i, D_latent) array}`` per recording, e.g. from
        :meth:`bams.BAMS.iter_transform`: a store takes them one at a time, the other
        formats gather them first.
    ids
        ``(n,)`` recording ids.
    frame_rate
        Frames per second (the ``time_s`` column of the tables).
    metadata
        Text items saved with a ``.npz`` or a store (the tables have no place for them).
    groups
        ``(n,)`` groups of the recordings, kept by a store.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If the extension is not one of those; nothing is written then.
    """
    path = Path(path)
    kind = embeddings_format(path)
    if kind == "store":
        return _write_store(path, embeddings, ids, frame_rate, metadata, groups)
    embeddings = list(embeddings)
    if kind == "npz":
        return save_embeddings(path, embeddings, ids, metadata)
    table = embeddings_frame(embeddings, ids, frame_rate)
    if kind == "csv":
        return atomic_write(path, lambda tmp: table.to_csv(tmp, index=False))
    if kind == "parquet":
        return atomic_write(path, lambda tmp: table.to_parquet(tmp, engine="pyarrow", index=False))
    return atomic_write(
        path, lambda tmp: table.to_hdf(tmp, key=HDF_KEY, mode="w", format="table", index=False)
    )


def read_embeddings(path: str | Path) -> tuple[list[str], list[Embedding]]:
    """Read a file written by :func:`write_embeddings` back: ``(ids, embeddings)``.

    Parameters
    ----------
    path
        A ``.npz``, ``.csv``, ``.parquet`` or ``.h5`` / ``.hdf5`` embeddings file.

    Returns
    -------
    ids : list of str
        ``(n,)`` recording ids, in the file's order.
    embeddings : list of dict
        One ``{latent: (T_i, D_latent) float32}`` per recording.

    Raises
    ------
    ValueError
        If the extension is unknown.
    """
    import pandas as pd

    kind = embeddings_format(path)
    if kind == "npz":
        return load_embeddings(path)
    if kind == "store":
        return _read_store(path)
    if kind == "csv":
        table = pd.read_csv(path, dtype={"recording": str}, keep_default_na=False)
    elif kind == "parquet":
        table = pd.read_parquet(path, engine="pyarrow")
    else:
        table = pd.read_hdf(path, key=HDF_KEY)
    return _split_table(table)


def _latent_columns(columns) -> dict[str, list[str]]:
    """``{latent: its columns NAME_0, NAME_1, ... in order}`` among ``columns``."""
    latents: dict[str, list[str]] = {}
    for column in columns:
        match = re.fullmatch(r"(.+)_(\d+)", str(column))
        if column not in _INDEX_COLUMNS and match:
            latents.setdefault(match.group(1), []).append(str(column))
    return {
        name: sorted(cols, key=lambda c: int(c.rsplit("_", 1)[1])) for name, cols in latents.items()
    }


def _split_table(table: pd.DataFrame) -> tuple[list[str], list[Embedding]]:
    """``(ids, embeddings)`` of an :func:`embeddings_frame` table (recordings in order)."""
    recording = table["recording"].astype(str).to_numpy()
    ids = list(dict.fromkeys(recording.tolist()))
    latents = _latent_columns(table.columns)
    embeddings = []
    for rid in ids:
        rows = table[recording == rid].sort_values("frame")
        embeddings.append(
            {
                name: rows[cols].to_numpy(np.float32).reshape(len(rows), len(cols))
                for name, cols in latents.items()
            }
        )
    return ids, embeddings


def _write_store(path, embeddings, ids, frame_rate, metadata, groups) -> Path:
    """Stream ``embeddings`` into the store ``path``, one recording at a time."""
    if path.exists() and not (path / META_FILE).is_file():
        raise FileExistsError(
            f"Expected a new path or a store to replace, but {str(path)!r} is something else."
        )
    embeddings = iter(embeddings)
    first = next(embeddings, None)
    if first is None:
        raise ValueError("Expected at least one embedding to write, but got none.")
    names = [f"{name}_{d}" for name, values in first.items() for d in range(values.shape[1])]
    writer = StoreWriter(
        path, feature_names=names, frame_rate=frame_rate, attributes=metadata, overwrite=True
    )
    with writer:
        for i, embedding in enumerate(itertools.chain([first], embeddings)):
            if i >= len(ids):
                raise ValueError(f"Expected {len(ids)} embeddings (one per id), but got more.")
            writer.append(
                np.concatenate([np.asarray(v, np.float32) for v in embedding.values()], axis=1),
                id=ids[i],
                group=None if groups is None else groups[i],
            )
        if len(writer) != len(ids):
            raise ValueError(f"Expected {len(ids)} embeddings (one per id), but got {len(writer)}.")
    return path


def _read_store(path) -> tuple[list[str], list[Embedding]]:
    """``(ids, embeddings)`` of an embeddings store, as read-only memory-mapped views."""
    data = open_store(path)
    index = {name: k for k, name in enumerate(data.feature_names)}
    latents = _latent_columns(data.feature_names)
    spans = {name: (index[cols[0]], index[cols[-1]] + 1) for name, cols in latents.items()}
    embeddings = [{name: seq[:, a:b] for name, (a, b) in spans.items()} for seq in data.sequences]
    return data.ids, embeddings
