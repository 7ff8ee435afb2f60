"""The recordings file: one uncompressed ``.npz`` holding every recording and its labels.

Keys: ``format_version``; ``data`` ``(sum T_i, F)`` float32, the recordings one after the
other; ``lengths`` ``(n,)``; ``feature_names``, ``actions``, ``ids`` and optional ``groups``
as text arrays; ``frame_rate``; ``frame_labels/NAME`` ``(sum T_i,)`` and
``sequence_labels/NAME`` ``(n,)``. Nothing is pickled.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bams.utils.atomic import atomic_write

if TYPE_CHECKING:
    from bams.data.recordings import Recordings

__all__ = [
    "FORMAT_VERSION",
    "atomic_savez",
    "check_npz_file",
    "read_recordings",
    "recordings_arrays",
]

FORMAT_VERSION = 1
_FRAME_PREFIX = "frame_labels/"
_SEQUENCE_PREFIX = "sequence_labels/"
_REQUIRED = {"data", "lengths", "feature_names", "frame_rate", "ids"}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_POSE_SUFFIXES = {".csv", ".h5", ".hdf5", ".slp", ".nwb", ".json"}


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
    check_npz_file(path, "a recordings file")
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


def check_npz_file(path: Path, what: str) -> None:
    """Raise a clear error unless ``path`` is a file that starts like a ``.npz`` archive.

    ``what`` names the expected content in the messages (e.g. ``"a recordings file"``). A
    directory, a pose-tracking file or any other file gets a message that says what it is and,
    for pose files, how to convert them (``bams poses``).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If it is a directory or not a zip archive.
    """
    if path.is_dir():
        hint = ""
        if any(p.suffix.lower() in _POSE_SUFFIXES for p in path.iterdir() if p.is_file()):
            hint = f"; it holds pose files: convert them with `bams poses {path} -o data.npz`"
        raise ValueError(f"Expected {what} (.npz), but {str(path)!r} is a directory{hint}.")
    if not path.is_file():
        raise FileNotFoundError(f"Expected {what}, but {str(path)!r} does not exist.")
    with path.open("rb") as handle:
        start = handle.read(8)
    if start[:4] in _ZIP_MAGIC:
        return
    if path.suffix.lower() in _POSE_SUFFIXES or start == _HDF5_MAGIC:
        raise ValueError(
            f"Expected {what} (.npz), but {str(path)!r} looks like a pose-tracking file; "
            f"convert it first with `bams poses {path} -o data.npz`."
        )
    raise ValueError(
        f"Expected {what} (a .npz archive), but {str(path)!r} is not one "
        f"(it starts with {start[:4]!r})."
    )


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            content = {key: npz[key] for key in npz.files}
    except ValueError as err:
        if "allow_pickle" not in str(err):
            raise _corrupted(path, err) from err
        raise ValueError(
            f"Expected a .npz recordings file of plain arrays, but {str(path)!r} holds pickled "
            "(object) arrays, which are never loaded."
        ) from err
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise _corrupted(path, err) from err
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


def _corrupted(path: Path, err: Exception) -> ValueError:
    return ValueError(
        f"Expected a .npz recordings file, but {str(path)!r} is truncated or corrupted "
        f"({type(err).__name__}: {err})."
    )


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
    if path.is_dir():
        raise IsADirectoryError(f"Expected a file to write, but {str(path)!r} is a directory.")
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")

    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:  # np.savez on a path would append ".npz" to it
            np.savez(handle, **arrays)

    return atomic_write(path, write)
