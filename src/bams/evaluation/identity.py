"""Re-identification: recognizing an individual from another part of its own recording.

Each recording is cut into parts that are embedded separately (so no part sees another's
frames), each part is summarized by its mean embedding, and every part of the first kind is
matched to its nearest part of the second kind (cosine similarity after standardizing every
dimension over all parts). Top-1 accuracy is the fraction matched to their own recording;
chance is ``1 / n_recordings``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from bams.data import Recordings

PART_LABEL = "part"
SOURCE_LABEL = "source"


def split_parts(data: Recordings, n_parts: int = 2) -> Recordings:
    """Cut every recording into ``n_parts`` consecutive parts of (nearly) equal length.

    Parameters
    ----------
    data
        Recordings with at least ``n_parts`` frames each.
    n_parts
        Parts per recording.

    Returns
    -------
    Recordings
        ``n_recordings * n_parts`` recordings, part ``k`` of recording ``i`` at position
        ``i * n_parts + k`` with id ``"<id>#<k>"``; frame labels are cut alike, sequence
        labels and groups repeated, plus sequence labels ``source`` (the original id) and
        ``part`` (``k``).

    Raises
    ------
    ValueError
        If ``n_parts < 1`` or a recording is shorter than ``n_parts`` frames.

    Examples
    --------
    >>> import numpy as np
    >>> parts = split_parts(Recordings([np.zeros((5, 1)), np.zeros((4, 1))], ids=["a", "b"]))
    >>> parts.ids, parts.lengths.tolist()
    (['a#0', 'a#1', 'b#0', 'b#1'], [2, 3, 2, 2])
    """
    short = [i for i, n in zip(data.ids, data.lengths, strict=True) if n < n_parts]
    if n_parts < 1 or short:
        raise ValueError(
            f"Expected n_parts >= 1 and recordings of at least n_parts frames, but got "
            f"n_parts={n_parts} and recordings {short[:5]} shorter."
        )
    bounds = [np.linspace(0, n, n_parts + 1).astype(np.int64) for n in data.lengths]
    pieces = [(i, k, b[k], b[k + 1]) for i, b in enumerate(bounds) for k in range(n_parts)]
    sequence_labels = {
        name: values[[p[0] for p in pieces]] for name, values in data.sequence_labels.items()
    }
    sequence_labels[SOURCE_LABEL] = np.array([data.ids[p[0]] for p in pieces])
    sequence_labels[PART_LABEL] = np.array([p[1] for p in pieces])
    return Recordings(
        [data.sequences[i][a:b] for i, _, a, b in pieces],
        feature_names=data.feature_names,
        actions=data.actions,
        frame_rate=data.frame_rate,
        ids=[f"{data.ids[i]}#{k}" for i, k, _, _ in pieces],
        groups=None if data.groups is None else [data.groups[p[0]] for p in pieces],
        frame_labels={
            name: [values[i][a:b] for i, _, a, b in pieces]
            for name, values in data.frame_labels.items()
        },
        sequence_labels=sequence_labels,
    )


def part_means(representation: Sequence[np.ndarray], n_parts: int = 2) -> np.ndarray:
    """Mean embedding of each part, arranged by recording.

    Parameters
    ----------
    representation
        One ``(T_j, D)`` array per part, in the order of :func:`split_parts`; rows with NaN
        are ignored.
    n_parts
        Parts per recording.

    Returns
    -------
    np.ndarray
        ``(n_parts, n_recordings, D)``.

    Raises
    ------
    ValueError
        If the number of parts is not a multiple of ``n_parts``.
    """
    if n_parts < 1 or len(representation) % n_parts:
        raise ValueError(
            f"Expected a multiple of n_parts={n_parts} parts, but got {len(representation)}."
        )
    with warnings.catch_warnings():  # an all-NaN part stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.stack(
            [np.nanmean(np.asarray(x, dtype=np.float64), axis=0) for x in representation]
        )
    return means.reshape(-1, n_parts, means.shape[1]).transpose(1, 0, 2)


def reidentification_accuracy(
    first: np.ndarray, second: np.ndarray, *, standardize: bool = True
) -> float:
    """Top-1 accuracy of matching each individual's two summaries, in both directions.

    Parameters
    ----------
    first, second
        ``(n, D)`` one summary per individual (e.g. the mean embedding of the first and of
        the second half of its recording); row ``i`` of both is individual ``i``.
    standardize
        Z-score every dimension over all ``2n`` summaries first (so no dimension dominates
        by scale); constant dimensions become 0.

    Returns
    -------
    float
        The fraction of the ``2n`` queries (each row of ``first`` among all rows of
        ``second``, and the reverse) whose most cosine-similar candidate is the same
        individual. Chance is ``1 / n``.

    Raises
    ------
    ValueError
        If the shapes differ, fewer than 2 individuals are given, or values are not finite.

    Examples
    --------
    >>> a = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> reidentification_accuracy(a, a + 0.1, standardize=False)
    1.0
    >>> reidentification_accuracy(a, a[[1, 2, 0]], standardize=False)
    0.0
    """
    first, second = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if first.ndim != 2 or first.shape != second.shape or len(first) < 2:
        raise ValueError(
            "Expected two arrays of the same shape (n >= 2, D), but got "
            f"{first.shape} and {second.shape}."
        )
    if not (np.isfinite(first).all() and np.isfinite(second).all()):
        raise ValueError("Expected finite summaries, but got NaN or infinite values.")
    both = np.concatenate([first, second])
    if standardize:
        std = both.std(axis=0)
        both = (both - both.mean(axis=0)) / np.where(std > 0, std, 1.0)
    norms = np.linalg.norm(both, axis=1, keepdims=True)
    unit = both / np.where(norms > 0, norms, 1.0)
    n = len(first)
    similarity = unit[:n] @ unit[n:].T
    truth = np.arange(n)
    hits = (similarity.argmax(axis=1) == truth).sum() + (similarity.argmax(axis=0) == truth).sum()
    return float(hits / (2 * n))
