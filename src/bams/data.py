"""The data model: a validated collection of behavior recordings.

A :class:`Recordings` object holds everything BAMS needs to know about a dataset: one float32
array ``(T, F)`` per recording (NaN marks a missing value; ``T`` may differ between recordings),
the names of the ``F`` features, which of them are *actions* (the features whose future
histogram is predicted), the frame rate, recording ids, optional group ids (e.g. the three mice
of one video) and optional labels at the frame level and at the recording level.

All checks happen once, in the constructor, and every problem found is reported at once.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
_FRAME_PREFIX = "frame_labels/"
_SEQUENCE_PREFIX = "sequence_labels/"


class Recordings:
    """A collection of behavior recordings with feature names, actions and labels.

    Parameters
    ----------
    sequences
        One array of shape ``(T_i, F)`` per recording; NaN marks missing values. Converted to
        float32.
    feature_names
        ``F`` unique feature names. Default ``f0, f1, ...``.
    actions
        Names of the features used as actions (the histogram-of-actions targets). Default: all
        features.
    frame_rate
        Frames per second, > 0.
    ids
        Unique recording ids. Default ``"0", "1", ...``.
    groups
        Optional group id per recording (recordings of one group are kept on the same side of
        every train/test split, and can be aggregated, e.g. the animals of one video).
    frame_labels
        Optional ``{name: [array of shape (T_i,), ...]}``, one array per recording. Float labels
        may use NaN and text labels ``""`` for unlabeled frames.
    sequence_labels
        Optional ``{name: array of shape (n_recordings,)}``.

    Raises
    ------
    ValueError
        Listing every problem found: wrong shapes or dtypes, empty or all-NaN recordings,
        infinite values, duplicate names or ids, unknown actions, labels of the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> from bams import Recordings
    >>> data = Recordings(
    ...     [np.zeros((100, 2)), np.ones((80, 2))],
    ...     feature_names=["speed", "turn"],
    ...     frame_rate=30.0,
    ...     sequence_labels={"strain": np.array(["a", "b"])},
    ... )
    >>> len(data), data.n_features, data.lengths.tolist()
    (2, 2, [100, 80])
    """

    def __init__(
        self,
        sequences: Sequence[np.ndarray],
        *,
        feature_names: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        frame_rate: float = 30.0,
        ids: Sequence[str] | None = None,
        groups: Sequence[str] | None = None,
        frame_labels: Mapping[str, Sequence[np.ndarray]] | None = None,
        sequence_labels: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        problems: list[str] = []
        self.sequences = _check_sequences(sequences, problems)
        n = len(self.sequences)
        n_features = self.sequences[0].shape[1] if n and self.sequences[0].ndim == 2 else 0
        self.feature_names = _check_names(feature_names, n_features, "feature_names", "f", problems)
        self.actions = list(self.feature_names) if actions is None else [str(a) for a in actions]
        unknown = sorted(set(self.actions) - set(self.feature_names))
        if unknown:
            problems.append(f"Expected actions among the feature names, but got unknown {unknown}.")
        if not self.actions:
            problems.append("Expected at least one action feature, but got none.")
        if len(set(self.actions)) != len(self.actions):
            problems.append(f"Expected unique actions, but got {self.actions}.")
        try:
            self.frame_rate = float(frame_rate)
        except (TypeError, ValueError):
            self.frame_rate = float("nan")
        if not (np.isfinite(self.frame_rate) and self.frame_rate > 0):
            problems.append(f"Expected a positive frame_rate, but got {frame_rate!r}.")
        self.ids = _check_names(ids, n, "ids", "", problems)
        self.groups = None if groups is None else [str(g) for g in groups]
        if self.groups is not None and len(self.groups) != n:
            problems.append(f"Expected {n} groups (one per recording), but got {len(self.groups)}.")
        self.frame_labels = _check_frame_labels(frame_labels or {}, self.sequences, problems)
        self.sequence_labels = _check_sequence_labels(sequence_labels or {}, n, problems)
        self.source: str | None = None  # the file these recordings were loaded from, if any
        if problems:
            raise ValueError("Invalid recordings:\n- " + "\n- ".join(problems))

    # ------------------------------------------------------------------ properties
    def __len__(self) -> int:
        return len(self.sequences)

    def __repr__(self) -> str:
        return (
            f"Recordings(n={len(self)}, frames={self.total_frames}, features={self.n_features}, "
            f"actions={len(self.actions)}, frame_rate={self.frame_rate:g}, "
            f"frame_labels={list(self.frame_labels)}, sequence_labels={list(self.sequence_labels)})"
        )

    @property
    def n_features(self) -> int:
        """Number of features ``F``."""
        return len(self.feature_names)

    @property
    def lengths(self) -> np.ndarray:
        """Number of frames of each recording, shape ``(n_recordings,)``."""
        return np.array([len(s) for s in self.sequences], dtype=np.int64)

    @property
    def total_frames(self) -> int:
        """Total number of frames over all recordings."""
        return int(self.lengths.sum())

    @property
    def action_indices(self) -> np.ndarray:
        """Column index of each action feature, shape ``(n_actions,)``."""
        position = {name: i for i, name in enumerate(self.feature_names)}
        return np.array([position[a] for a in self.actions], dtype=np.int64)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_arrays(cls, arrays: np.ndarray | Sequence[np.ndarray], **kwargs) -> Recordings:
        """Build recordings from an array ``(n, T, F)`` or a list of ``(T_i, F)`` arrays.

        Examples
        --------
        >>> import numpy as np
        >>> Recordings.from_arrays(np.zeros((3, 50, 4))).lengths.tolist()
        [50, 50, 50]
        """
        if isinstance(arrays, np.ndarray):
            if arrays.ndim != 3:
                raise ValueError(
                    "Expected an array of shape (n_recordings, n_frames, n_features), "
                    f"but got shape {arrays.shape}."
                )
            arrays = list(arrays)
        return cls(list(arrays), **kwargs)

    def subset(self, indices: Sequence[int] | np.ndarray) -> Recordings:
        """Return the recordings at ``indices`` (integer positions), labels included."""
        idx = [int(i) for i in np.asarray(indices).reshape(-1)]
        return Recordings(
            [self.sequences[i] for i in idx],
            feature_names=self.feature_names,
            actions=self.actions,
            frame_rate=self.frame_rate,
            ids=[self.ids[i] for i in idx],
            groups=None if self.groups is None else [self.groups[i] for i in idx],
            frame_labels={k: [v[i] for i in idx] for k, v in self.frame_labels.items()},
            sequence_labels={k: v[idx] for k, v in self.sequence_labels.items()},
        )

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Save to one ``.npz`` file, atomically (a partial file never replaces a good one).

        Returns
        -------
        Path
            The path written.
        """
        arrays: dict[str, np.ndarray] = {
            "format_version": np.array(FORMAT_VERSION),
            "data": np.concatenate(self.sequences, axis=0),
            "lengths": self.lengths,
            "feature_names": np.array(self.feature_names, dtype=str),
            "actions": np.array(self.actions, dtype=str),
            "frame_rate": np.array(self.frame_rate),
            "ids": np.array(self.ids, dtype=str),
        }
        if self.groups is not None:
            arrays["groups"] = np.array(self.groups, dtype=str)
        for name, values in self.frame_labels.items():
            arrays[_FRAME_PREFIX + name] = np.concatenate(values)
        for name, values in self.sequence_labels.items():
            arrays[_SEQUENCE_PREFIX + name] = values
        return atomic_savez(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Recordings:
        """Load recordings saved by :meth:`save`, validating the file's content.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            If the file is not a valid recordings file.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"Expected a recordings file, but {str(path)!r} does not exist."
            )
        try:
            with np.load(path, allow_pickle=False) as npz:
                content = {key: npz[key] for key in npz.files}
        except (OSError, ValueError, EOFError) as err:
            raise ValueError(
                f"Expected a .npz recordings file, but could not read {str(path)!r}: {err}"
            ) from err
        missing = {"data", "lengths", "feature_names", "frame_rate", "ids"} - set(content)
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
        lengths = content["lengths"]
        data = content["data"]
        if lengths.ndim != 1 or lengths.dtype.kind not in "iu" or np.any(lengths < 0):
            raise ValueError(f"Expected non-negative integer lengths, but got {lengths!r}.")
        if data.ndim != 2 or lengths.sum() != data.shape[0]:
            raise ValueError(
                f"Expected data with sum(lengths) = {int(lengths.sum())} rows, "
                f"but got shape {data.shape}."
            )
        bounds = np.cumsum(lengths)[:-1]
        frame_labels = {
            key[len(_FRAME_PREFIX) :]: _split_rows(value, lengths, bounds, key)
            for key, value in content.items()
            if key.startswith(_FRAME_PREFIX)
        }
        recordings = cls(
            np.split(data, bounds),
            feature_names=content["feature_names"].tolist(),
            actions=content["actions"].tolist() if "actions" in content else None,
            frame_rate=float(content["frame_rate"]),
            ids=content["ids"].tolist(),
            groups=content["groups"].tolist() if "groups" in content else None,
            frame_labels=frame_labels,
            sequence_labels={
                key[len(_SEQUENCE_PREFIX) :]: value
                for key, value in content.items()
                if key.startswith(_SEQUENCE_PREFIX)
            },
        )
        recordings.source = str(path)
        return recordings


def as_recordings(data: Recordings | np.ndarray | Sequence[np.ndarray]) -> Recordings:
    """Return ``data`` as :class:`Recordings`; arrays get default names and all features as actions.

    Raises
    ------
    TypeError
        If ``data`` is none of the accepted types.
    """
    if isinstance(data, Recordings):
        return data
    if isinstance(data, np.ndarray) or (
        isinstance(data, Sequence) and not isinstance(data, str | bytes)
    ):
        return Recordings.from_arrays(data)
    raise TypeError(
        "Expected Recordings, an array (n_recordings, n_frames, n_features) or a list of "
        f"(n_frames, n_features) arrays, but got {type(data).__name__}."
    )


def atomic_savez(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` to an uncompressed ``.npz`` at ``path`` via a temporary file and rename."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        # mkstemp makes the file private (0600); give it the permissions of a normal file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------- validation helpers
def _split_rows(values: np.ndarray, lengths: np.ndarray, bounds: np.ndarray, key: str):
    if values.shape[:1] != (int(lengths.sum()),):
        raise ValueError(
            f"Expected {key!r} with {int(lengths.sum())} frames, but got shape {values.shape}."
        )
    return np.split(values, bounds)


def _check_sequences(sequences, problems: list[str]) -> list[np.ndarray]:
    if isinstance(sequences, np.ndarray) or not isinstance(sequences, Sequence):
        problems.append(
            "Expected a list of (n_frames, n_features) arrays, "
            f"but got {type(sequences).__name__} (use Recordings.from_arrays for one array)."
        )
        return []
    if len(sequences) == 0:
        problems.append("Expected at least one recording, but got none.")
        return []
    out = []
    n_features = None
    for i, seq in enumerate(sequences):
        arr = np.asarray(seq)
        if arr.dtype.kind not in "fiub":
            problems.append(f"recording {i}: Expected a numeric array, but got dtype {arr.dtype}.")
            out.append(arr)
            continue
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        out.append(arr)
        if arr.ndim != 2:
            problems.append(
                f"recording {i}: Expected shape (n_frames, n_features), but got {arr.shape}."
            )
            continue
        if n_features is None:
            n_features = arr.shape[1]
        elif arr.shape[1] != n_features:
            problems.append(
                f"recording {i}: Expected {n_features} features like recording 0, "
                f"but got {arr.shape[1]}."
            )
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            problems.append(f"recording {i}: Expected a non-empty array, but got {arr.shape}.")
        elif np.isinf(arr).any():
            problems.append(f"recording {i}: Expected finite values or NaN, but got infinities.")
        elif np.isnan(arr).all():
            problems.append(f"recording {i}: Expected some observed values, but all are NaN.")
    return out


def _check_names(names, count: int, what: str, prefix: str, problems: list[str]) -> list[str]:
    if names is None:
        return [f"{prefix}{i}" for i in range(count)]
    names = [str(n) for n in names]
    if len(names) != count:
        problems.append(f"Expected {count} {what}, but got {len(names)}.")
    if len(set(names)) != len(names):
        duplicates = sorted({n for n in names if names.count(n) > 1})
        problems.append(f"Expected unique {what}, but got duplicates {duplicates}.")
    return names


def _check_label_array(name: str, values, problems: list[str]) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "fiubU":
        problems.append(
            f"label {name!r}: Expected numbers, booleans or strings, but got dtype {arr.dtype}."
        )
    elif arr.dtype.kind == "f" and np.isinf(arr).any():
        problems.append(f"label {name!r}: Expected finite values or NaN, but got infinities.")
    return arr


def _check_frame_labels(labels, sequences, problems: list[str]) -> dict[str, list[np.ndarray]]:
    out = {}
    for name, per_recording in labels.items():
        name = str(name)
        if isinstance(per_recording, np.ndarray) or len(per_recording) != len(sequences):
            got = len(per_recording) if isinstance(per_recording, Sequence) else "an array"
            problems.append(
                f"frame label {name!r}: Expected a list of {len(sequences)} arrays "
                f"(one per recording), but got {got}."
            )
            continue
        arrays = [_check_label_array(name, v, problems) for v in per_recording]
        for i, (arr, seq) in enumerate(zip(arrays, sequences, strict=True)):
            if arr.shape != (len(seq),):
                problems.append(
                    f"frame label {name!r}, recording {i}: Expected shape ({len(seq)},), "
                    f"but got {arr.shape}."
                )
        out[name] = arrays
    return out


def _check_sequence_labels(labels, n: int, problems: list[str]) -> dict[str, np.ndarray]:
    out = {}
    for name, values in labels.items():
        arr = _check_label_array(str(name), values, problems)
        if arr.shape != (n,):
            problems.append(f"sequence label {name!r}: Expected shape ({n},), but got {arr.shape}.")
        out[str(name)] = arr
    return out
