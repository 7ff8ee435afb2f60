"""The data model: a validated collection of behavior recordings.

A :class:`Recordings` object holds everything BAMS needs to know about a dataset: one float32
array ``(T, F)`` per recording (NaN marks a missing value; ``T`` may differ between recordings),
the names of the ``F`` features, which of them are *actions* (the features whose future
histogram is predicted), the frame rate, recording ids, optional group ids (e.g. the three mice
of one video) and optional labels at the frame level and at the recording level.

All checks happen once, in the constructor, and every problem found is reported at once.
Recordings are saved to one ``.npz`` file (:mod:`bams.data.npz`) or, when too large for
memory, to a store ``NAME.bams`` (:mod:`bams.data.store`) that is read lazily.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from bams.data.checks import (
    check_actions,
    check_frame_labels,
    check_frame_rate,
    check_names,
    check_sequence_labels,
    check_sequences,
)
from bams.data.npz import atomic_savez, read_recordings, recordings_arrays
from bams.data.store import STORE_SUFFIX, write_store
from bams.data.store_reader import is_store, open_store

__all__ = ["PART_LABEL", "SOURCE_LABEL", "Recordings", "as_recordings"]

PART_LABEL = "part"
"""Sequence label of :meth:`Recordings.split_parts`: the index of the part."""
SOURCE_LABEL = "source"
"""Sequence label of :meth:`Recordings.split_parts`: the id of the recording cut."""


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
    source
        The file these recordings were read from, if any (shown in reports; a command never
        writes its output over it).

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
        source: str | os.PathLike | None = None,
    ) -> None:
        self._setup(
            sequences,
            False,
            feature_names=feature_names,
            actions=actions,
            frame_rate=frame_rate,
            ids=ids,
            groups=groups,
            frame_labels=frame_labels,
            sequence_labels=sequence_labels,
            source=source,
        )

    @classmethod
    def _from_validated(cls, sequences: Sequence[np.ndarray], **kwargs) -> Recordings:
        """Recordings whose values were validated before: a store's, or a subset's.

        ``kwargs`` are the constructor's. The sequences and frame labels are taken as they are
        (float32 ``(T_i, F)`` and ``(T_i,)`` arrays, e.g. memory-mapped), with no pass over
        their values; the names, actions, frame rate, ids, groups and sequence labels, all
        small, are checked as usual.
        """
        self = cls.__new__(cls)
        self._setup(sequences, True, **kwargs)
        return self

    def _setup(
        self,
        sequences,
        validated: bool,
        *,
        feature_names=None,
        actions=None,
        frame_rate=30.0,
        ids=None,
        groups=None,
        frame_labels=None,
        sequence_labels=None,
        source=None,
    ) -> None:
        problems: list[str] = []
        if validated:
            self.sequences = list(sequences)
            if not self.sequences:  # the one check of check_sequences that needs no values
                problems.append("Expected at least one recording, but got none.")
        else:
            self.sequences = check_sequences(sequences, problems)
        n = len(self.sequences)
        n_features = self.sequences[0].shape[1] if n and self.sequences[0].ndim == 2 else 0
        self.feature_names = check_names(feature_names, n_features, "feature_names", "f", problems)
        self.actions = check_actions(actions, self.feature_names, problems)
        self.frame_rate = check_frame_rate(frame_rate, problems)
        self.ids = check_names(ids, n, "ids", "", problems)
        self.groups = None
        if groups is not None:
            self.groups = check_names(groups, n, "groups (one per recording)", "", problems, False)
        if validated:
            self.frame_labels = {str(k): list(v) for k, v in (frame_labels or {}).items()}
        else:
            self.frame_labels = check_frame_labels(frame_labels or {}, self.sequences, problems)
        self.sequence_labels = check_sequence_labels(sequence_labels or {}, n, problems)
        self.source: str | None = None if source is None else str(source)
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
    def fingerprint(self) -> str:
        """SHA-256 of the recording ids, their lengths, the feature names and the frame rate.

        Results saved beside a run (evaluation, motifs, comparisons) carry it, so a report
        shows them only with the recordings they were computed on. It covers no values: it
        costs nothing on a store of any size, and a store and the ``.npz`` of the same
        recordings (see :func:`bams.data.convert`) share it. Two files of recordings that
        differ only in their values share it too.
        """
        text = json.dumps(
            [list(self.ids), self.lengths.tolist(), list(self.feature_names), self.frame_rate]
        )
        return hashlib.sha256(text.encode()).hexdigest()

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
        """Return the recordings at ``indices`` (integer positions), labels included.

        The recordings are the same arrays (views of a store stay memory-mapped) and are not
        checked again.
        """
        idx = [int(i) for i in np.asarray(indices).reshape(-1)]
        return Recordings._from_validated(
            [self.sequences[i] for i in idx],
            feature_names=self.feature_names,
            actions=self.actions,
            frame_rate=self.frame_rate,
            ids=[self.ids[i] for i in idx],
            groups=None if self.groups is None else [self.groups[i] for i in idx],
            frame_labels={k: [v[i] for i in idx] for k, v in self.frame_labels.items()},
            sequence_labels={k: v[idx] for k, v in self.sequence_labels.items()},
        )

    def split_parts(self, n_parts: int = 2) -> Recordings:
        """Cut every recording into ``n_parts`` consecutive parts of (nearly) equal length.

        Parameters
        ----------
        n_parts
            Parts per recording; every recording needs at least ``n_parts`` frames.

        Returns
        -------
        Recordings
            ``n_recordings * n_parts`` recordings, part ``k`` of recording ``i`` at position
            ``i * n_parts + k`` with id ``"<id>#<k>"``; frame labels are cut alike, sequence
            labels and groups repeated, plus sequence labels ``source`` (the original id) and
            ``part`` (``k``). The parts are views of the recordings (memory-mapped for a
            store); they are checked like new recordings, which reads each once.

        Raises
        ------
        ValueError
            If ``n_parts < 1`` or a recording is shorter than ``n_parts`` frames.

        Examples
        --------
        >>> import numpy as np
        >>> data = Recordings([np.zeros((5, 1)), np.zeros((4, 1))], ids=["a", "b"])
        >>> parts = data.split_parts(2)
        >>> parts.ids, parts.lengths.tolist()
        (['a#0', 'a#1', 'b#0', 'b#1'], [2, 3, 2, 2])
        """
        short = [i for i, n in zip(self.ids, self.lengths, strict=True) if n < n_parts]
        if n_parts < 1 or short:
            raise ValueError(
                f"Expected n_parts >= 1 and recordings of at least n_parts frames, but got "
                f"n_parts={n_parts} and recordings {short[:5]} shorter."
            )
        bounds = [np.linspace(0, n, n_parts + 1).astype(np.int64) for n in self.lengths]
        pieces = [(i, k, b[k], b[k + 1]) for i, b in enumerate(bounds) for k in range(n_parts)]
        origin = [p[0] for p in pieces]
        sequence_labels = {name: values[origin] for name, values in self.sequence_labels.items()}
        sequence_labels[SOURCE_LABEL] = np.array([self.ids[i] for i in origin])
        sequence_labels[PART_LABEL] = np.array([p[1] for p in pieces])
        return Recordings(
            [self.sequences[i][a:b] for i, _, a, b in pieces],
            feature_names=self.feature_names,
            actions=self.actions,
            frame_rate=self.frame_rate,
            ids=[f"{self.ids[i]}#{k}" for i, k, _, _ in pieces],
            groups=None if self.groups is None else [self.groups[i] for i in origin],
            frame_labels={
                name: [values[i][a:b] for i, _, a, b in pieces]
                for name, values in self.frame_labels.items()
            },
            sequence_labels=sequence_labels,
        )

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Save to one ``.npz`` file (:mod:`bams.data.npz`) or to a store ``.bams``, atomically.

        A path ending in ``.bams`` gets a store (:mod:`bams.data.store`), written one
        recording at a time; any other path a ``.npz`` file, which holds every recording in
        memory while it is written.

        Parameters
        ----------
        path
            The file or store to write.
        overwrite
            Replace an existing store (a ``.npz`` file is always replaced).

        Returns
        -------
        Path
            The path written (``.npz`` is appended to a path without a suffix of the two).

        Raises
        ------
        FileExistsError
            If ``path`` is an existing store and not ``overwrite``.
        """
        if Path(path).suffix == STORE_SUFFIX:
            return write_store(self, path, overwrite=overwrite)
        return atomic_savez(path, recordings_arrays(self))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Recordings:
        """Load recordings saved by :meth:`save`, validating the file's content.

        A store (a path ending in ``.bams``) is opened lazily (:func:`bams.data.open_store`):
        the recordings are read-only memory-mapped views, validated when it was written.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            If the file is not a valid recordings file.
        """
        if is_store(path):
            return open_store(path)
        return cls(**read_recordings(path))


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
