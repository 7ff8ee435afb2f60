"""Open a recordings store (:mod:`bams.data.store`) lazily; convert between .npz and .bams.

Opening reads ``meta.json``, the small sequence labels and the header of every ``.npy`` file,
and checks that each file exists, has the shape and dtype the meta says, is as long as its
header says (not truncated), and that each recording's span fits in its shard. The values
were validated when the store was written; they are read only when used, through read-only
``np.memmap`` views.
"""

from __future__ import annotations

import json
import mmap
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bams.data.store import (
    META_FILE,
    SEQUENCE_LABELS_FILE,
    STORE_FORMAT,
    STORE_SUFFIX,
    STORE_VERSION,
    label_file,
)

if TYPE_CHECKING:
    from bams.data.recordings import Recordings

__all__ = ["convert", "is_store", "open_store", "release_pages", "store_attributes"]


def is_store(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a store: it ends in ``.bams`` or is a directory with a meta file."""
    path = Path(path)
    return path.suffix == ".bams" or (path / META_FILE).is_file()


def open_store(path: str | os.PathLike) -> Recordings:
    """The recordings of the store at ``path``, as read-only memory-mapped views.

    Opening takes about the same time whatever the size of the store.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        In one line naming the file, if the meta file is invalid or a shard or label file is
        missing, truncated or of the wrong shape or dtype.
    """
    from bams.data.recordings import Recordings

    path = Path(path)
    meta = _read_meta(path)
    n_features = len(meta["feature_names"])
    shards = [
        _open_npy(path / s["file"], (int(s["frames"]), n_features), "f") for s in meta["shards"]
    ]
    where = _spans(meta, [len(s) for s in shards], path)
    sequences = [shards[s][a:b] for s, a, b in where]
    frame_labels = {}
    for k, label in enumerate(meta["frame_labels"]):
        # Recordings' numeric labels may differ in kind (int, float) from shard to shard; text
        # stays text.
        kinds = "U" if label.get("kind") == "U" else "fiub"
        columns = [
            _open_npy(path / label_file(k, i), (len(shard),), kinds)
            for i, shard in enumerate(shards)
        ]
        frame_labels[label["name"]] = [columns[s][a:b] for s, a, b in where]
    return Recordings._from_validated(
        sequences,
        feature_names=meta["feature_names"],
        actions=meta["actions"],
        frame_rate=meta["frame_rate"],
        ids=meta["ids"],
        groups=meta["groups"],
        frame_labels=frame_labels,
        sequence_labels=_sequence_labels(path, meta),
        source=str(path),
    )


def store_attributes(path: str | os.PathLike) -> dict[str, str]:
    """The text items a store was written with (``StoreWriter(attributes=)``; empty if none).

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`open_store`, if ``path`` is not a readable store.
    """
    attributes = _read_meta(Path(path)).get("attributes") or {}
    return {str(k): str(v) for k, v in dict(attributes).items()}


def release_pages(arrays) -> None:
    """Drop the pages of ``arrays`` (views of a store's memmaps) from this process's memory.

    Pages of a file mapping that were read stay resident, and count in the process's RSS,
    until the system needs the memory; a pass over a store larger than memory would show an
    RSS as large as what it read. The data stay in the operating system's page cache and are
    mapped again, unchanged, on the next read. Arrays that are not memmap views are skipped.
    """
    for array in arrays:
        base, mapped = array, None
        while base is not None and mapped is None:
            mapped = getattr(base, "_mmap", None)
            base = getattr(base, "base", None)
        if mapped is None or not isinstance(array, np.ndarray) or array.nbytes == 0:
            continue
        start = array.__array_interface__["data"][0]
        origin = np.frombuffer(mapped, np.uint8).__array_interface__["data"][0]
        first = (start - origin) // mmap.PAGESIZE * mmap.PAGESIZE
        end = min(len(mapped), start - origin + array.nbytes)
        if end > first:
            mapped.madvise(mmap.MADV_DONTNEED, first, end - first)


def _read_meta(path: Path) -> dict:
    file = path / META_FILE
    if not path.exists():
        raise FileNotFoundError(f"Expected a recordings store, but {str(path)!r} does not exist.")
    if not path.is_dir():
        raise ValueError(f"Expected a recordings store (a directory), but {str(path)!r} is a file.")
    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ValueError(
            f"Expected the store's meta file {str(file)!r}, but it is missing."
        ) from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"Expected JSON in {str(file)!r}, but it is damaged ({err}).") from err
    if not isinstance(meta, dict) or meta.get("format") != STORE_FORMAT:
        raise ValueError(f"Expected a {STORE_FORMAT} meta file, but got {str(file)!r}.")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > STORE_VERSION:
        raise ValueError(
            f"Expected format version <= {STORE_VERSION}, but {str(file)!r} has {version!r}; "
            "upgrade bams to read it."
        )
    keys = ["feature_names", "actions", "frame_rate", "ids", "groups", "shards", "recordings"]
    keys += ["frame_labels", "sequence_labels"]
    missing = [key for key in keys if key not in meta]
    if missing:
        raise ValueError(f"Expected the keys {missing} in {str(file)!r}, but they are missing.")
    return meta


def _spans(meta: dict, shard_rows: list[int], path: Path) -> list[tuple[int, int, int]]:
    """``(shard, start, stop)`` of every recording; each must lie inside its shard."""
    file = path / META_FILE
    try:
        keys = ("shard", "offset", "length")
        columns = [np.asarray(meta["recordings"][key], dtype=np.int64) for key in keys]
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"Expected recordings' shard, offset and length in {str(file)!r}, but got {err}."
        ) from err
    shard, offset, length = columns
    n = len(meta["ids"])
    if not all(column.shape == (n,) for column in columns):
        raise ValueError(
            f"Expected a shard, offset and length for each of the {n} recordings in "
            f"{str(file)!r}, but got {[len(c) for c in columns]}."
        )
    rows = np.asarray(shard_rows + [0], dtype=np.int64)[np.clip(shard, -1, len(shard_rows))]
    bad = (shard < 0) | (shard >= len(shard_rows)) | (offset < 0) | (length < 1)
    bad |= offset + length > rows
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"Expected recording {meta['ids'][i]!r} inside its shard, but {str(file)!r} puts it "
            f"at shard {int(shard[i])}, frames {int(offset[i])}..{int(offset[i] + length[i])}."
        )
    return [(int(s), int(a), int(a + b)) for s, a, b in zip(shard, offset, length, strict=True)]


def _open_npy(file: Path, shape: tuple[int, ...], kinds: str) -> np.memmap:
    """A read-only memmap of the ``.npy`` at ``file`` after checking its header and size."""
    if not file.is_file():
        raise ValueError(f"Expected the store file {str(file)!r}, but it is missing.")
    try:
        with file.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }.get(version)
            if read_header is None:
                raise ValueError(f"unsupported .npy version {version}")
            found, fortran, dtype = read_header(handle)
            offset = handle.tell()
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(
            f"Expected a .npy array in {str(file)!r}, but it is damaged ({err})."
        ) from err
    wanted = {"f": "float32", "U": "text"}.get(kinds, "numbers or booleans")
    wrong_float = kinds == "f" and dtype != np.float32
    if found != shape or fortran or dtype.kind not in kinds or wrong_float:
        raise ValueError(
            f"Expected {wanted} of shape {shape} in {str(file)!r}, but got {dtype} of shape "
            f"{found}{' (Fortran order)' if fortran else ''}."
        )
    size, needed = file.stat().st_size, offset + int(np.prod(shape)) * dtype.itemsize
    if size != needed:
        raise ValueError(
            f"Expected {needed} bytes in {str(file)!r}, but it has {size} (truncated or damaged)."
        )
    return np.memmap(file, dtype=dtype, mode="r", offset=offset, shape=shape)


def _sequence_labels(path: Path, meta: dict) -> dict[str, np.ndarray]:
    names = [label["name"] for label in meta["sequence_labels"]]
    if not names:
        return {}
    file = path / SEQUENCE_LABELS_FILE
    try:
        with np.load(file, allow_pickle=False) as npz:
            return {name: npz[f"label-{k}"] for k, name in enumerate(names)}
    except FileNotFoundError as err:
        raise ValueError(f"Expected the store file {str(file)!r}, but it is missing.") from err
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(
            f"Expected the sequence labels {names} in {str(file)!r}, but it is damaged "
            f"({type(err).__name__}: {err})."
        ) from err


def convert(
    source: str | os.PathLike, output: str | os.PathLike, *, overwrite: bool = False
) -> Path:
    """Convert a recordings file between ``.npz`` and ``.bams`` (a store); return the output.

    Reading a ``.npz`` holds it in memory; a store is read one recording at a time when the
    output is a store, and in full when it is a ``.npz``.

    Raises
    ------
    ValueError
        If ``output`` ends in neither ``.npz`` nor ``.bams``, or is ``source`` itself.
    FileExistsError
        If ``output`` exists and not ``overwrite``.
    """
    from bams.data.recordings import Recordings

    output = Path(output)
    if output.suffix not in (".npz", STORE_SUFFIX):
        raise ValueError(f"Expected an output ending in .npz or .bams, but got {str(output)!r}.")
    if output.exists() and output.resolve() == Path(source).resolve():
        raise ValueError(f"Expected an output other than the input, but got {str(output)!r}.")
    if output.exists() and not overwrite:
        raise FileExistsError(
            f"Expected a new path to write, but {str(output)!r} exists (pass overwrite=True "
            "to replace it)."
        )
    return Recordings.load(source).save(output, overwrite=overwrite)
