"""The recordings file: one uncompressed ``.npz`` holding every recording and its labels.

Keys: ``format_version``; ``data`` ``(sum T_i, F)`` float32, the recordings one after the
other; ``lengths`` ``(n,)``; ``feature_names``, ``actions``, ``ids`` and optional ``groups``
as text arrays; ``frame_rate``; ``frame_labels/NAME`` ``(sum T_i,)`` and
``sequence_labels/NAME`` ``(n,)``. Nothing is pickled.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bams.utils.atomic import atomic_write

if TYPE_CHECKING:
    from bams.data.recordings import Recordings

__all__ = ["FORMAT_VERSION", "atomic_savez", "read_recordings", "recordings_arrays"]

FORMAT_VERSION = 1
_FRAME_PREFIX = "frame_labels/"
_SEQUENCE_PREFIX = "sequence_labels/"
_REQUIRED = {"data", "lengths", "feature_names", "frame_rate", "ids"}


def recordings_arrays(data: Recordings) -> dict[str, np.ndarray]:
    """The arrays of the recordings file of ``data`` (see the module's description)."""
    arrays: dict[str, np.ndarray] = {
        "format_version": np.array(FORMAT_VERSION),
        "data": np.concatenate(data.sequences, axis=0),
        "lengths": data.lengths,
        "feature_names": np.array(data.feature_names, dtype=str),
        "actions": np.array(data.actions, dtype=str),
        "frame_rate": np.array(data.frame_rate),
        "ids": np.array(data.ids, dtype=str),
    }
    if data.groups is not None:
        arrays["groups"] = np.array(data.groups, dtype=str)
    for name, values in data.frame_labels.items():
        arrays[_FRAME_PREFIX + name] = np.concatenate(values)
    for name, values in data.sequence_labels.items():
        arrays[_SEQUENCE_PREFIX + name] = values
    return arrays


def read_recordings(path: str | os.PathLike) -> dict:
    """The keyword arguments of :class:`~bams.data.Recordings` stored in the file at ``path``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a valid recordings file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Expected a recordings file, but {str(path)!r} does not exist.")
    content = _read_npz(path)
    lengths, data = content["lengths"], content["data"]
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu" or np.any(lengths < 0):
        raise ValueError(f"Expected non-negative integer lengths, but got {lengths!r}.")
    if data.ndim != 2 or lengths.sum() != data.shape[0]:
        raise ValueError(
            f"Expected data with sum(lengths) = {int(lengths.sum())} rows, "
            f"but got shape {data.shape}."
        )
    bounds = np.cumsum(lengths)[:-1]
    return {
        "sequences": np.split(data, bounds),
        "feature_names": content["feature_names"].tolist(),
        "actions": content["actions"].tolist() if "actions" in content else None,
        "frame_rate": float(content["frame_rate"]),
        "ids": content["ids"].tolist(),
        "groups": content["groups"].tolist() if "groups" in content else None,
        "frame_labels": {
            key[len(_FRAME_PREFIX) :]: _split_rows(value, lengths, bounds, key)
            for key, value in content.items()
            if key.startswith(_FRAME_PREFIX)
        },
        "sequence_labels": {
            key[len(_SEQUENCE_PREFIX) :]: value
            for key, value in content.items()
            if key.startswith(_SEQUENCE_PREFIX)
        },
        "source": str(path),
    }


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            content = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(
            f"Expected a .npz recordings file, but could not read {str(path)!r}: {err}"
        ) from err
    missing = _REQUIRED - set(content)
    if missing:
        raise ValueError(
            f"Expected a recordings file with keys {sorted(missing)}, but {str(path)!r} "
            f"has only {sorted(content)}."
        )
    version = int(content.get("format_version", FORMAT_VERSION))
    if version > FORMAT_VERSION:
        raise ValueError(
            f"Expected format version <= {FORMAT_VERSION}, but {str(path)!r} has {version}; "
            "upgrade bams to read it."
        )
    return content


def _split_rows(values: np.ndarray, lengths: np.ndarray, bounds: np.ndarray, key: str):
    if values.shape[:1] != (int(lengths.sum()),):
        raise ValueError(
            f"Expected {key!r} with {int(lengths.sum())} frames, but got shape {values.shape}."
        )
    return np.split(values, bounds)


def atomic_savez(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` to an uncompressed ``.npz`` at ``path`` atomically.

    ``.npz`` is appended to a path without it. The file gets the permissions the umask gives.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")

    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:  # np.savez on a path would append ".npz" to it
            np.savez(handle, **arrays)

    return atomic_write(path, write)
