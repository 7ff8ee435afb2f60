"""Re-identification: recognizing an individual from another recording or part of its own.

Two protocols, one similarity (cosine, after standardizing every dimension over all
summaries):

- two parts (:func:`reidentification_accuracy`): each recording is cut into parts that are
  embedded separately (:meth:`bams.data.Recordings.split_parts`, so no part sees another's
  frames), each part is summarized by its mean embedding (:func:`part_means`), and every first
  part is matched to its nearest second part and the reverse; chance is ``1 / n_recordings``;
- sessions (:func:`session_reidentification`): every session (e.g. :func:`session_means`) is
  a query among all other sessions of everyone; a hit is a session of the same individual
  among the ``top_k`` nearest; chance is :func:`reidentification_chance`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np


def part_means(representation: Sequence[np.ndarray], n_parts: int = 2) -> np.ndarray:
    """Mean embedding of each part, arranged by recording.

    Parameters
    ----------
    representation
        One ``(T_j, D)`` array per part, in the order of
        :meth:`bams.data.Recordings.split_parts`; rows with NaN are ignored.
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
    unit = _unit_rows(np.concatenate([first, second]), standardize)
    n = len(first)
    similarity = unit[:n] @ unit[n:].T
    truth = np.arange(n)
    hits = (similarity.argmax(axis=1) == truth).sum() + (similarity.argmax(axis=0) == truth).sum()
    return float(hits / (2 * n))


def session_means(representation: Sequence[np.ndarray]) -> np.ndarray:
    """``(n_recordings, D)`` mean of each recording's finite rows."""
    return np.stack(
        [np.nanmean(np.where(np.isfinite(x), x, np.nan), axis=0) for x in representation]
    )


def _similarity(summaries: np.ndarray, standardize: bool) -> np.ndarray:
    """Cosine similarity between sessions, ``-inf`` on the diagonal; validates ``summaries``."""
    x = np.asarray(summaries, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"Expected summaries of shape (n >= 2, D), but got {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError("Expected finite summaries, but got NaN or infinite values.")
    unit = _unit_rows(x, standardize)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    return similarity


def nearest_sessions(summaries: np.ndarray, *, standardize: bool = True) -> np.ndarray:
    """Index ``(n_sessions,)`` of each session's most cosine-similar other session.

    ``summaries`` is ``(n_sessions, D)``, finite; with ``standardize`` every dimension is
    z-scored over all sessions first (constant dimensions become 0).

    Raises
    ------
    ValueError
        If ``summaries`` is not 2-D with at least 2 rows, or has non-finite values.

    Examples
    --------
    >>> nearest_sessions(np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]]), standardize=False)
    array([2, 2, 0])
    """
    return _similarity(summaries, standardize).argmax(axis=1)


def session_reidentification(
    summaries: np.ndarray, individuals: Sequence, *, standardize: bool = True, top_k: int = 1
) -> float:
    """Top-k re-identification of individuals across their sessions (leave one out).

    Every session is a query; its candidates are all the other sessions (of everyone). A hit
    is a session of the same individual among the ``top_k`` most cosine-similar candidates
    (``top_k=1``: the nearest one, :func:`nearest_sessions`). Chance is
    :func:`reidentification_chance`, about ``top_k / n_individuals``.

    Parameters
    ----------
    summaries, standardize
        As in :func:`nearest_sessions` (e.g. each session's mean embedding).
    individuals
        ``(n_sessions,)`` individual of each session; each must have at least 2 sessions.
    top_k
        Number of nearest candidates that may hold a hit, ``1 <= top_k < n_sessions``.

    Returns
    -------
    float
        Fraction of sessions with a session of the same individual among their ``top_k``
        nearest other sessions.

    Raises
    ------
    ValueError
        If the shapes disagree, an individual has a single session, values are not finite,
        or ``top_k`` is out of range.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> session_reidentification(x, ["a", "a", "b", "b"], standardize=False)
    1.0
    """
    x = np.asarray(summaries, dtype=np.float64)
    who = np.asarray(individuals)
    _, counts = np.unique(who, return_counts=True)
    fewest = int(counts.min()) if len(counts) else 0
    if x.ndim != 2 or len(x) != len(who) or fewest < 2:
        raise ValueError(
            "Expected summaries (n, D) and n individuals with at least 2 sessions each, but "
            f"got summaries {x.shape}, {len(who)} individuals, fewest sessions {fewest}."
        )
    if not 1 <= top_k < len(x):
        raise ValueError(f"Expected 1 <= top_k < {len(x)} (the sessions), but got {top_k}.")
    similarity = _similarity(x, standardize)
    nearest = np.argpartition(-similarity, top_k - 1, axis=1)[:, :top_k]
    return float(np.mean((who[nearest] == who[:, None]).any(axis=1)))


def reidentification_chance(individuals: Sequence, *, top_k: int = 1) -> float:
    """Expected :func:`session_reidentification` of ``top_k`` random candidates.

    Examples
    --------
    >>> round(reidentification_chance(["a", "a", "b", "b"]), 3)  # 1 of 3 candidates
    0.333
    >>> round(reidentification_chance(["a", "a", "b", "b"], top_k=2), 3)  # 1 - 2/3 * 1/2
    0.667
    """
    who = np.asarray(individuals)
    _, inverse, counts = np.unique(who, return_inverse=True, return_counts=True)
    others, same = len(who) - 1, counts[inverse] - 1
    # 1 - P(all top_k candidates are of other individuals), drawn without replacement
    miss = np.ones(len(who))
    for j in range(top_k):
        miss *= np.clip(others - same - j, 0, None) / (others - j)
    return float(np.mean(1.0 - miss))


def _unit_rows(x: np.ndarray, standardize: bool) -> np.ndarray:
    """Rows of ``x`` scaled to unit norm, after z-scoring every column if ``standardize``.

    Constant columns become 0; all-zero rows stay 0.
    """
    if standardize:
        std = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)
