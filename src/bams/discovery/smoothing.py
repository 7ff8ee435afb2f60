"""Sticky HMM smoothing of per-frame motif labels, through ``hmmlearn``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.mixture import GaussianMixture

__all__ = ["SELF_TRANSITION", "smooth_labels", "sticky_transitions"]

# Probability that a motif continues on the next frame: an expected bout of 1 / (1 - p) = 50
# frames before the evidence of the frames is taken into account.
SELF_TRANSITION = 0.98


def sticky_transitions(weights: np.ndarray, stay: float = SELF_TRANSITION) -> np.ndarray:
    """A ``(K, K)`` transition matrix with ``stay`` on the diagonal.

    Parameters
    ----------
    weights
        The ``(K,)`` mixture weights; leaving motif ``i``, the chain goes to ``j != i`` in
        proportion to ``weights[j]``.
    stay
        The self-transition probability, in ``(0, 1)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(K, K)``, rows summing to 1.
    """
    weights = np.asarray(weights, dtype=np.float64)
    k = len(weights)
    off = np.tile(np.maximum(weights, 1e-12), (k, 1))
    np.fill_diagonal(off, 0.0)
    off = off / off.sum(axis=1, keepdims=True) * (1.0 - stay)
    return off + np.eye(k) * stay


def smooth_labels(
    frames: Sequence[np.ndarray], mixture: GaussianMixture, covariance_type: str = "full"
) -> list[np.ndarray]:
    """The Viterbi labels of a sticky Gaussian HMM made from ``mixture``.

    The HMM's states are the mixture's components (their means and covariances as emissions,
    their weights as the initial distribution); its transitions are
    :func:`sticky_transitions` of the weights, a strong prior that a motif lasts. Nothing is
    re-estimated: each recording is decoded on its own.

    Parameters
    ----------
    frames
        One standardized ``(T_i, D)`` array per recording (as the mixture was fitted on).
    mixture
        A fitted :class:`~sklearn.mixture.GaussianMixture` of ``covariance_type``.
    covariance_type
        ``"full"`` or ``"diag"``.

    Returns
    -------
    list of numpy.ndarray
        One ``(T_i,)`` int array of states per recording.
    """
    from hmmlearn.hmm import GaussianHMM

    k = mixture.n_components
    hmm = GaussianHMM(n_components=k, covariance_type=covariance_type, init_params="", params="")
    hmm.n_features = mixture.means_.shape[1]
    hmm.startprob_ = mixture.weights_ / mixture.weights_.sum()
    hmm.transmat_ = sticky_transitions(mixture.weights_)
    hmm.means_ = mixture.means_
    hmm.covars_ = mixture.covariances_
    return [np.asarray(hmm.predict(x), dtype=np.int64) for x in frames]
