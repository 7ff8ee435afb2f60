"""Every representation read out in an evaluation, built in one place.

The trained model's latents (each latent space, and ``both`` concatenated), the baselines of
:mod:`bams.evaluation.baselines` and the CEBRA-Time peer, under the names that tables show.
The evaluation, the decision-making study and the benchmarks all build theirs here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bams.data import Recordings
from bams.embedding import Embedding
from bams.evaluation.baselines import (
    cebra_time,
    pca_features,
    raw_features,
    untrained_bams,
    window_average,
)
from bams.evaluation.groups import GroupView
from bams.evaluation.latents import Representation, bams_latents

__all__ = [
    "BASELINES",
    "PEERS",
    "GroupView",
    "Representation",
    "bams_latents",
    "build_representations",
    "check_methods",
]

BASELINES = ("raw", "pca", "window_average", "untrained")
"""Baselines by name: the raw (normalized) features, their PCA, their causal moving average
over a receptive field, and an untrained network of the same architecture."""
PEERS = ("cebra",)
"""Other self-supervised methods: CEBRA-Time (needs the ``peers`` extra)."""


def check_methods(baselines: Sequence[str], peers: Sequence[str]) -> None:
    """Raise ``ValueError`` if a baseline or peer name is unknown."""
    unknown = sorted(set(baselines) - set(BASELINES)) + sorted(set(peers) - set(PEERS))
    if unknown:
        raise ValueError(
            f"Expected baselines among {list(BASELINES)} and peers among {list(PEERS)}, "
            f"but got {unknown}."
        )


def build_representations(
    model,
    data: Recordings,
    *,
    embeddings: Sequence[Embedding] | None = None,
    baselines: Sequence[str] = BASELINES,
    peers: Sequence[str] = (),
    window: str = "longest",
    seed: int = 0,
    cebra_iterations: int = 2000,
    optional_peers: bool = False,
    log: Callable[[str], object] = print,
) -> dict[str, Representation]:
    """The trained model's latents, then the baselines and peers asked for, in that order.

    Parameters
    ----------
    model
        A fitted :class:`bams.BAMS`.
    data
        The recordings to represent.
    embeddings
        ``model.transform(data)`` if already computed (it is not computed again).
    baselines, peers
        Names among :data:`BASELINES` and :data:`PEERS`.
    window
        The window average's window: ``"longest"`` receptive field (one baseline named
        ``raw averaged over N frames``) or ``"each"`` encoder's (``raw averaged over the
        NAME field``).
    seed
        Seed of the PCA sample, the untrained network and CEBRA-Time.
    cebra_iterations
        Training iterations of CEBRA-Time.
    optional_peers
        Skip (with a message) a peer whose package is not installed, instead of failing.
    log
        Where progress messages go.

    Returns
    -------
    dict
        ``{name: one (T_i, D) array per recording}``.

    Raises
    ------
    ValueError
        If a name is unknown.
    ImportError
        If a peer's package is missing and ``optional_peers`` is False.
    """
    check_methods(baselines, peers)
    reps = bams_latents(embeddings if embeddings is not None else model.transform(data))
    n_dims = sum(e.out_channels for e in model.network_.encoders.values())
    raw = raw_features(data, model.preprocessor_)
    if "raw" in baselines:
        reps["raw features"] = raw
    if "pca" in baselines:
        reps["PCA of raw features"] = pca_features(raw, n_dims, seed=seed)
    if "window_average" in baselines:
        reps.update(_window_averages(raw, model.receptive_fields_, window))
    if "untrained" in baselines:
        reps.update(untrained_bams(model, data, seed=seed))
    if "cebra" in peers:
        start = time.perf_counter()
        try:
            reps["CEBRA-Time"] = cebra_time(raw, n_dims, max_iterations=cebra_iterations, seed=seed)
            log(f"CEBRA-Time trained in {time.perf_counter() - start:.0f} s")
        except ImportError as err:
            if not optional_peers:
                raise
            log(f"CEBRA-Time skipped: {err}")
    return reps


def _window_averages(raw: Representation, fields: dict[str, int], window: str) -> dict:
    if window == "longest":
        longest = max(fields.values())
        return {f"raw averaged over {longest} frames": window_average(raw, longest)}
    if window == "each":
        return {
            f"raw averaged over the {name} field": window_average(raw, rf)
            for name, rf in fields.items()
        }
    raise ValueError(f"Expected window 'longest' or 'each', but got {window!r}.")
