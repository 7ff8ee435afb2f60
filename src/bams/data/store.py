"""The recordings store: a directory ``NAME.bams`` of memory-mapped ``.npy`` shards.

For recordings too large to hold in memory (1,000 h of tracking is ~26 GB of float32). A
store is written once, in a stream (:class:`StoreWriter`, one recording at a time), and read
lazily (:func:`~bams.data.store_reader.open_store`): the recordings are read-only
``np.memmap`` views, opened without a pass over the values (they were validated when
written).

Layout, format ``bams-recordings-store`` version 1:

- ``meta.json``: format and version, feature names, actions, frame rate, ids, optional
  groups, the source the recordings came from, the shards (file and frames), where each
  recording lies (shard, offset, length), and the names and kinds (numpy dtype kind) of the
  labels.
- ``frames-00000.npy``, ...: float32 ``(N_shard, F)``, recordings one after the other along
  time. Each recording lies in one shard; a shard is closed once it holds about
  ``shard_bytes`` (default 256 MiB); a larger recording gets a shard of its own.
- ``label-000-00000.npy``, ...: frame label ``k`` of shard ``s``, ``(N_shard,)``, cut like
  the frames; text labels are fixed-width unicode (the width of that shard's longest text).
- ``sequence_labels.npz``: sequence label ``k`` under key ``label-k``, ``(n_recordings,)``.

Why memory-mapped ``.npy`` rather than zarr (or HDF5): a training window is one contiguous
slice of one recording, which a memmap reads with no decoding and no copy; the operating
system's page cache does the caching; numpy alone reads the files (no new dependency, no
format version churn); and behavior features, float noise, compress poorly. The price: no
compression, a store takes 4 bytes per value on disk.

A store is written into a temporary sibling directory and renamed into place when complete,
so a store under its final name is always whole; an existing store is replaced only when
asked (``overwrite=True``).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bams.data.checks import (
    check_actions,
    check_frame_labels,
    check_frame_rate,
    check_names,
    check_sequence_labels,
    check_sequences,
)
from bams.utils.atomic import publish_directory, temporary_directory

if TYPE_CHECKING:
    from bams.data.recordings import Recordings

__all__ = [
    "SHARD_BYTES",
    "STORE_FORMAT",
    "STORE_SUFFIX",
    "STORE_VERSION",
    "StoreWriter",
    "write_store",
]

STORE_FORMAT = "bams-recordings-store"
STORE_VERSION = 1
STORE_SUFFIX = ".bams"
SHARD_BYTES = 256 * 2**20
"""Default size at which a shard is closed (a larger recording gets a shard of its own)."""
META_FILE = "meta.json"
SEQUENCE_LABELS_FILE = "sequence_labels.npz"
_HEADER_BYTES = 128  # a fixed .npy header, rewritten with the final shape when a shard closes


def frames_file(shard: int) -> str:
    """File name of the frames of shard ``shard``."""
    return f"frames-{shard:05d}.npy"


def label_file(label: int, shard: int) -> str:
    """File name of frame label number ``label`` in shard ``shard``."""
    return f"label-{label:03d}-{shard:05d}.npy"


class StoreWriter:
    """Write a recordings store one recording at a time, never holding more than a shard.

    Use it as a context manager (or end with :meth:`close`, or :meth:`abort`): until then the
    store is a hidden temporary directory beside ``path``; an exception inside the ``with``
    block discards it.

    Parameters
    ----------
    path
        The store to write, a directory ending in ``.bams``.
    feature_names, actions, frame_rate, source
        As for :class:`~bams.data.Recordings` (names default to ``f0, f1, ...``, actions to
        all features).
    overwrite
        Replace an existing store at ``path`` (only once the new one is complete).
    shard_bytes
        Close a shard once it holds this many bytes of frames.
    attributes
        Text items kept in the meta file (e.g. which model made embeddings);
        :func:`~bams.data.store_reader.store_attributes` reads them.

    Raises
    ------
    FileExistsError
        If ``path`` exists and not ``overwrite``.
    ValueError
        If ``path`` does not end in ``.bams`` or the frame rate is not positive.

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile
    >>> from bams.data import Recordings, StoreWriter
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "data.bams"
    >>> with StoreWriter(path, feature_names=["speed"], frame_rate=25.0) as writer:
    ...     for i in range(3):
    ...         writer.append(np.full((10, 1), i), id=f"mouse{i}")
    >>> Recordings.load(path).ids
    ['mouse0', 'mouse1', 'mouse2']
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        feature_names: list[str] | None = None,
        actions: list[str] | None = None,
        frame_rate: float = 30.0,
        source: str | os.PathLike | None = None,
        overwrite: bool = False,
        shard_bytes: int = SHARD_BYTES,
        attributes: Mapping[str, object] | None = None,
    ) -> None:
        self.path = Path(path)
        if self.path.suffix != STORE_SUFFIX:
            raise ValueError(f"Expected a store path ending in .bams, but got {str(path)!r}.")
        if not overwrite and (self.path.exists() or self.path.is_symlink()):
            raise FileExistsError(
                f"Expected a new path to write, but {str(path)!r} exists (pass overwrite=True "
                "to replace it)."
            )
        problems: list[str] = []
        self.frame_rate = check_frame_rate(frame_rate, problems)
        if problems:
            raise ValueError(problems[0])
        self._names, self._actions = feature_names, actions
        self.source = None if source is None else str(source)
        self.attributes = {str(k): str(v) for k, v in (attributes or {}).items()}
        self.overwrite, self.shard_bytes = overwrite, int(shard_bytes)
        self._tmp: Path | None = temporary_directory(self.path)
        self._ids: list[str] = []
        self._seen: set[str] = set()
        self._groups: list[str | None] = []
        self._where: list[tuple[int, int, int]] = []  # (shard, offset, length) per recording
        self._shards: list[dict] = []
        self._frame_kinds: dict[str, str] | None = None
        self._sequence_kinds: dict[str, str] | None = None
        self._sequence_values: dict[str, list[np.ndarray]] = {}
        self._handle = None
        self._rows = 0
        self._shard_labels: dict[str, list[np.ndarray]] = {}

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def __len__(self) -> int:
        return len(self._ids)

    def append(
        self,
        sequence: np.ndarray,
        *,
        id: str | None = None,
        group: str | None = None,
        frame_labels: Mapping[str, np.ndarray] | None = None,
        sequence_labels: Mapping[str, object] | None = None,
    ) -> None:
        """Validate one recording ``(T, F)`` like :class:`~bams.data.Recordings` and write it.

        Every recording must have the features, frame labels and sequence labels of the
        first (the same names and kinds: text or not), and a group if the first has one.
        ``id`` defaults to the recording's position; ``sequence_labels`` holds one value each.

        Raises
        ------
        ValueError
            Listing every problem of the recording (nothing of it is written then).
        """
        if self._tmp is None:
            raise ValueError("Expected an open StoreWriter, but it is closed.")
        problems: list[str] = []
        name = check_names([len(self._ids) if id is None else id], 1, "ids", "", problems)[0]
        arr = self._check_values(sequence, problems)
        if name in self._seen:
            problems.append(f"Expected unique ids, but got {name!r} again.")
        if self._groups and (group is None) != (self._groups[0] is None):
            problems.append("Expected a group for every recording or for none, but got a mix.")
        # Copies: the labels wait in memory until their shard closes, the caller may reuse them.
        frames = {str(k): np.array(v) for k, v in (frame_labels or {}).items()}
        values = {str(k): np.asarray(v).reshape(-1) for k, v in (sequence_labels or {}).items()}
        if arr is not None:
            frames = check_frame_labels({k: [v] for k, v in frames.items()}, [arr], problems)
            frames = {k: v[0] for k, v in frames.items()}
        values = check_sequence_labels(values, 1, problems)
        self._frame_kinds = _check_kinds("frame", frames, self._frame_kinds, problems)
        self._sequence_kinds = _check_kinds("sequence", values, self._sequence_kinds, problems)
        if problems:
            raise ValueError(f"Invalid recording {name!r}:\n- " + "\n- ".join(problems))
        self._write(arr, frames)
        self._ids.append(name)
        self._seen.add(name)
        self._groups.append(None if group is None else str(group))
        for key, value in values.items():
            self._sequence_values.setdefault(key, []).append(value)

    def _check_values(self, sequence, problems: list[str]) -> np.ndarray | None:
        """The recording as float32 ``(T, F)``; on the first one, the names and actions."""
        found: list[str] = []
        arr = check_sequences([sequence], found)
        # check_sequences numbers the recordings of a list: here there is only this one.
        problems.extend(p.removeprefix("recording 0: ") for p in found)
        if found:
            return None
        arr = arr[0]
        if not self._ids:
            names = check_names(self._names, arr.shape[1], "feature_names", "f", problems)
            actions = check_actions(self._actions, names, problems)
            if not problems:
                self._names, self._actions, self._n_features = names, actions, arr.shape[1]
        elif arr.shape[1] != self._n_features:
            problems.append(
                f"Expected {self._n_features} features like the first recording, "
                f"but got {arr.shape[1]}."
            )
        return arr

    def _write(self, arr: np.ndarray, frames: dict[str, np.ndarray]) -> None:
        if self._handle is not None and self._rows * 4 * self._n_features + arr.nbytes > (
            self.shard_bytes
        ):
            self._close_shard()
        if self._handle is None:
            self._handle = (self._tmp / frames_file(len(self._shards))).open("wb")
            self._handle.write(_npy_header((0, self._n_features)))
        self._handle.write(arr.data)
        self._where.append((len(self._shards), self._rows, len(arr)))
        self._rows += len(arr)
        for key, value in frames.items():
            self._shard_labels.setdefault(key, []).append(value)
        if self._rows * 4 * self._n_features >= self.shard_bytes:
            self._close_shard()

    def _close_shard(self) -> None:
        shard = len(self._shards)
        self._handle.seek(0)
        self._handle.write(_npy_header((self._rows, self._n_features)))
        self._handle.close()
        self._handle = None
        for k, name in enumerate(self._frame_kinds or {}):
            np.save(self._tmp / label_file(k, shard), np.concatenate(self._shard_labels[name]))
        self._shards.append({"file": frames_file(shard), "frames": self._rows})
        self._rows, self._shard_labels = 0, {}

    def close(self) -> Path:
        """Finish the store and rename it into place; return its path.

        Raises
        ------
        ValueError
            If no recording was appended (nothing is written then).
        FileExistsError
            If a store appeared at the path meanwhile and not ``overwrite``.
        """
        if self._tmp is None:
            return self.path
        try:
            if not self._ids:
                raise ValueError("Expected at least one recording, but got none.")
            if self._handle is not None:
                self._close_shard()
            names = list(self._sequence_kinds or {})
            if names:
                values = self._sequence_values
                arrays = {f"label-{k}": np.concatenate(values[n]) for k, n in enumerate(names)}
                np.savez(self._tmp / SEQUENCE_LABELS_FILE, **arrays)
            text = json.dumps(self._meta(), indent=1, allow_nan=False)
            (self._tmp / META_FILE).write_text(text, encoding="utf-8")
            publish_directory(self._tmp, self.path, self.overwrite)
        except BaseException:
            self.abort()
            raise
        self._tmp = None
        return self.path

    def abort(self) -> None:
        """Discard everything written; the path is left as it was."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _meta(self) -> dict:
        shard, offset, length = (list(column) for column in zip(*self._where, strict=True))
        return {
            "format": STORE_FORMAT,
            "format_version": STORE_VERSION,
            "feature_names": self._names,
            "actions": self._actions,
            "frame_rate": self.frame_rate,
            "ids": self._ids,
            "groups": None if self._groups[0] is None else self._groups,
            "source": self.source,
            "attributes": self.attributes,
            "shards": self._shards,
            "recordings": {"shard": shard, "offset": offset, "length": length},
            "frame_labels": [{"name": n, "kind": k} for n, k in self._frame_kinds.items()],
            "sequence_labels": [{"name": n, "kind": k} for n, k in self._sequence_kinds.items()],
        }


def _check_kinds(what: str, labels: dict, kinds: dict[str, str] | None, problems: list[str]):
    """The label names and dtype kinds of the first recording; a problem if these differ."""
    found = {name: np.asarray(value).dtype.kind for name, value in labels.items()}
    if kinds is None:
        return found if not problems else None
    if sorted(found) != sorted(kinds):
        problems.append(
            f"Expected the {what} labels {sorted(kinds)} of the first recording, "
            f"but got {sorted(found)}."
        )
        return kinds
    for name, kind in found.items():
        if (kind == "U") != (kinds[name] == "U"):  # text and numbers do not concatenate
            problems.append(
                f"{what} label {name!r}: Expected dtype kind {kinds[name]!r} like the first "
                f"recording, but got {kind!r}."
            )
    return kinds


def _npy_header(shape: tuple[int, int]) -> bytes:
    """A .npy version 1.0 header of float32 ``shape``, always ``_HEADER_BYTES`` long."""
    descr = np.lib.format.dtype_to_descr(np.dtype(np.float32))
    text = repr({"descr": descr, "fortran_order": False, "shape": tuple(int(n) for n in shape)})
    body = text.encode("latin1").ljust(_HEADER_BYTES - 11) + b"\n"
    assert len(body) == _HEADER_BYTES - 10, shape  # 117 characters hold any real shape
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


def write_store(
    data: Recordings,
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    shard_bytes: int = SHARD_BYTES,
) -> Path:
    """Write ``data`` as a store at ``path``, one recording at a time; return the path.

    ``data`` may itself be store-backed: its recordings are read and written one by one, never
    all in memory.

    Raises
    ------
    FileExistsError
        If ``path`` exists and not ``overwrite``.
    """
    with StoreWriter(
        path,
        feature_names=data.feature_names,
        actions=data.actions,
        frame_rate=data.frame_rate,
        source=data.source,
        overwrite=overwrite,
        shard_bytes=shard_bytes,
    ) as writer:
        for i, sequence in enumerate(data.sequences):
            writer.append(
                sequence,
                id=data.ids[i],
                group=None if data.groups is None else data.groups[i],
                frame_labels={name: values[i] for name, values in data.frame_labels.items()},
                sequence_labels={name: values[i] for name, values in data.sequence_labels.items()},
            )
    return writer.path
