"""Behavior motifs ("syllables") from a latent of BAMS: a Gaussian mixture, smoothed by an HMM.

The frames of one latent (``short_term`` by default) are standardized, a Gaussian mixture with
full covariances is fitted on a seeded sample of them, its number of components is chosen by
BIC, and the per-frame labels are smoothed by a sticky hidden Markov model so that a motif
lasts for bouts instead of flickering from frame to frame (see ``docs/discovery.md``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from bams.data import Recordings
from bams.discovery import summaries
from bams.discovery.smoothing import smooth_labels

__all__ = ["COVARIANCE_TYPE", "Motifs", "check_motifs", "find_motifs"]

COVARIANCE_TYPE = "full"
REG_COVAR = 1e-4  # on standardized features


@dataclass
class Motifs:
    """Motifs found in recordings: one label per frame, and summaries of them.

    Attributes
    ----------
    labels
        One int array of shape ``(T_i,)`` per recording, values in ``0 .. n_motifs - 1``;
        motif 0 is the most used, motif 1 the next, and so on.
    n_motifs
        ``K``, the number of motifs.
    criterion
        ``{K: BIC}`` of every mixture fitted (one entry when ``K`` was given).
    ids
        The recording ids, one per array of ``labels``.
    frame_rate
        Frames per second.
    groups
        The group of each recording, or None (then groups are the recordings).
    latent
        The latent the motifs were found in.
    smoothed
        Whether the labels were smoothed by the sticky HMM.
    """

    labels: list[np.ndarray]
    n_motifs: int
    criterion: dict[int, float]
    ids: list[str]
    frame_rate: float
    groups: list[str] | None = None
    latent: str = "short_term"
    smoothed: bool = True

    def to_frame(self):
        """One row per frame: columns ``recording, frame, time_s, motif``."""
        return summaries.labels_frame(self)

    def bouts(self):
        """One row per bout: ``recording, motif, start_frame, n_frames, duration_s``."""
        return summaries.bouts_frame(self)

    def durations(self):
        """Bout durations per motif (s): ``motif, n_bouts, mean_s, median_s, total_s``."""
        return summaries.duration_summary(self)

    def usage(self, by: str = "recording"):
        """Fraction of frames in each motif, per ``"recording"`` or per ``"group"``.

        Returns
        -------
        pandas.DataFrame
            One row per recording (or group) indexed by its id, one column per motif; each
            row sums to 1. Without groups, ``by="group"`` gives the recordings.
        """
        return summaries.usage_frame(self, by)

    def transitions(self, normalize: bool = True) -> np.ndarray:
        """The ``(K, K)`` matrix of transitions between bouts (self-transitions excluded).

        Row ``i`` is the probability that a bout of motif ``i`` is followed by a bout of
        motif ``j``; the diagonal is 0 and each row sums to 1 (a motif never followed by
        another gets a uniform row). ``normalize=False`` gives the counts.
        """
        return summaries.transition_matrix(self, normalize)

    @property
    def digest(self) -> str:
        """SHA-256 of K and every label: ties results (comparisons) to these motifs."""
        h = hashlib.sha256(str(self.n_motifs).encode())
        for labels in self.labels:
            h.update(np.asarray(labels, dtype=np.int64).tobytes() + b"|")
        return h.hexdigest()

    def features(self, data: Recordings, top: int = 5):
        """The input features that most distinguish each motif (see :func:`motif_features`)."""
        return summaries.motif_features(self, data, top)


def find_motifs(
    embeddings: Sequence[Mapping[str, np.ndarray]],
    data: Recordings,
    *,
    n_motifs: int | None = None,
    latent: str = "short_term",
    smooth: bool = True,
    max_k: int = 12,
    seed: int = 0,
    max_fit_frames: int = 50_000,
) -> Motifs:
    """Find behavior motifs in one latent of the embeddings of ``data``.

    Each latent dimension is standardized (zero mean, unit variance over all frames). A
    :class:`sklearn.mixture.GaussianMixture` with full covariances is fitted on a seeded
    random sample of at most ``max_fit_frames`` frames. When ``n_motifs`` is None, one
    mixture is fitted for each ``K`` in ``2 .. max_k`` and the ``K`` of the smallest Bayesian
    information criterion on the sample, ``BIC = -2 log L + p log n`` (``p`` free parameters,
    ``n`` sampled frames), is kept. Every frame is then labelled with its most probable
    component; with ``smooth=True`` the labels are the Viterbi path of a sticky Gaussian HMM
    whose emissions are the mixture's components (see :func:`bams.discovery.smooth_labels`).

    Parameters
    ----------
    embeddings
        One ``{latent name: array of shape (T_i, D)}`` per recording, as returned by
        :meth:`bams.BAMS.transform`.
    data
        The recordings embedded, ``T_i`` frames each.
    n_motifs
        ``K`` (>= 2), or None to choose it by BIC.
    latent
        The latent to use.
    smooth
        Smooth the labels with the sticky HMM (needs ``hmmlearn``: ``pip install
        'bams[discovery]'``).
    max_k
        The largest ``K`` tried when ``n_motifs`` is None (>= 2).
    seed
        Seeds the frame sample and the mixtures.
    max_fit_frames
        The most frames the mixtures are fitted on (>= 1).

    Returns
    -------
    Motifs
        Labels of shape ``(T_i,)`` per recording, ``K`` and the BIC per ``K``.

    Raises
    ------
    ValueError
        If an argument is out of range, the latent is unknown, or the embeddings do not match
        the recordings.
    ImportError
        If ``smooth`` and ``hmmlearn`` is not installed.
    """
    _check_arguments(n_motifs, max_k, max_fit_frames)
    if smooth:
        _require_hmmlearn()
    frames = _latent_frames(embeddings, data, latent)
    z = _standardize(np.concatenate(frames))
    candidates = [n_motifs] if n_motifs is not None else list(range(2, max_k + 1))
    # Small D x D covariances: threaded BLAS made the sweep 60x slower on a busy 2-core machine.
    with threadpool_limits(limits=1, user_api="blas"):
        mixture, criterion = _fit_mixture(_sample(z, max_fit_frames, seed), candidates, seed)
        per_recording = np.split(z, np.cumsum([len(f) for f in frames])[:-1])
        if smooth:
            labels = smooth_labels(per_recording, mixture, COVARIANCE_TYPE)
        else:
            labels = [mixture.predict(x) for x in per_recording]
    return Motifs(
        labels=_order_by_usage(labels, mixture.n_components),
        n_motifs=int(mixture.n_components),
        criterion=criterion,
        ids=list(data.ids),
        frame_rate=float(data.frame_rate),
        groups=None if data.groups is None else list(data.groups),
        latent=latent,
        smoothed=smooth,
    )


def check_motifs(motifs: Motifs, data: Recordings) -> None:
    """Raise a ValueError naming the first recording where ``motifs`` and ``data`` differ.

    The motifs must have one label array per recording of ``data``, with its id and length,
    and labels in ``0 .. n_motifs - 1``.
    """
    if len(motifs.labels) != len(data):
        raise ValueError(
            f"Expected motifs of {len(data)} recordings (those of data), but got "
            f"{len(motifs.labels)}."
        )
    for i, (rid, labels) in enumerate(zip(motifs.ids, motifs.labels, strict=True)):
        if rid != data.ids[i] or len(labels) != data.lengths[i]:
            raise ValueError(
                f"Expected recording {i} of the motifs to be {data.ids[i]!r} with "
                f"{data.lengths[i]} frames, but got {rid!r} with {len(labels)} frames."
            )
        if len(labels) and not (np.min(labels) >= 0 and np.max(labels) < motifs.n_motifs):
            raise ValueError(
                f"Expected motif labels in 0..{motifs.n_motifs - 1}, but recording {rid!r} "
                f"has labels from {np.min(labels)} to {np.max(labels)}."
            )


def _check_arguments(n_motifs: int | None, max_k: int, max_fit_frames: int) -> None:
    if n_motifs is not None and n_motifs < 2:
        raise ValueError(f"Expected n_motifs >= 2 (or None), but got {n_motifs}.")
    if n_motifs is None and max_k < 2:
        raise ValueError(f"Expected max_k >= 2, but got {max_k}.")
    if max_fit_frames < 1:
        raise ValueError(f"Expected max_fit_frames >= 1, but got {max_fit_frames}.")


def _require_hmmlearn() -> None:
    try:
        import hmmlearn  # noqa: F401
    except ImportError as err:
        raise ImportError(
            "Expected hmmlearn for smoothing the motifs, but it is not installed: pip install "
            "'bams[discovery]' (or pass smooth=False / --no-smooth)."
        ) from err


def _latent_frames(
    embeddings: Sequence[Mapping[str, np.ndarray]], data: Recordings, latent: str
) -> list[np.ndarray]:
    """The ``(T_i, D)`` arrays of ``latent``, checked against the recordings."""
    if len(embeddings) != len(data):
        raise ValueError(
            f"Expected one embedding per recording ({len(data)}), but got {len(embeddings)}."
        )
    if len(embeddings) == 0:
        raise ValueError("Expected at least one recording, but got none.")
    if latent not in embeddings[0]:
        raise ValueError(f"Expected a latent in {sorted(embeddings[0])}, but got {latent!r}.")
    frames = []
    for i, (embedding, length) in enumerate(zip(embeddings, data.lengths, strict=True)):
        x = np.asarray(embedding[latent], dtype=np.float64)
        if x.ndim != 2 or len(x) != length:
            raise ValueError(
                f"Expected {latent!r} of recording {data.ids[i]!r} of shape ({length}, D), but "
                f"got {x.shape}."
            )
        if not np.isfinite(x).all():
            raise ValueError(
                f"Expected finite embeddings, but {latent!r} of recording {data.ids[i]!r} has "
                "NaN or infinite values."
            )
        frames.append(x)
    return frames


def _standardize(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per column of ``x`` of shape ``(N, D)``; constant columns 0."""
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


def _sample(z: np.ndarray, max_frames: int, seed: int) -> np.ndarray:
    """At most ``max_frames`` rows of ``z`` drawn without replacement."""
    if len(z) <= max_frames:
        return z
    rng = np.random.default_rng(seed)
    return z[np.sort(rng.choice(len(z), size=max_frames, replace=False))]


def _fit_mixture(
    sample: np.ndarray, candidates: Sequence[int], seed: int
) -> tuple[GaussianMixture, dict[int, float]]:
    """Fit one mixture per ``K`` of ``candidates``; return the one of smallest BIC, and BICs."""
    if len(sample) < max(candidates):
        raise ValueError(
            f"Expected at least {max(candidates)} frames to fit {max(candidates)} motifs, but "
            f"got {len(sample)}."
        )
    best, criterion = None, {}
    for k in candidates:
        mixture = GaussianMixture(
            n_components=k,
            covariance_type=COVARIANCE_TYPE,
            reg_covar=REG_COVAR,
            n_init=2,
            random_state=seed,
        ).fit(sample)
        criterion[k] = float(mixture.bic(sample))
        if best is None or criterion[k] < criterion[best.n_components]:
            best = mixture
    return best, criterion


def _order_by_usage(labels: list[np.ndarray], k: int) -> list[np.ndarray]:
    """Rename the motifs so that motif 0 has the most frames, then motif 1, ..."""
    counts = np.bincount(np.concatenate(labels), minlength=k)
    order = np.argsort(-counts, kind="stable")
    rename = np.empty(k, dtype=np.int64)
    rename[order] = np.arange(k)
    return [rename[np.asarray(x, dtype=np.int64)] for x in labels]
