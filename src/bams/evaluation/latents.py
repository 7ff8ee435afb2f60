"""BAMS latents as representations: one ``(T_i, D)`` float32 array per recording."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bams.embedding import Embedding

__all__ = ["Representation", "bams_latents"]

Representation = list[np.ndarray]
"""One ``(T_i, D)`` array per recording, aligned with the data."""


def bams_latents(
    embeddings: Sequence[Embedding], prefix: str = "BAMS"
) -> dict[str, Representation]:
    """Each latent space of a BAMS model, and all of them concatenated (``both``)."""
    names = list(embeddings[0])
    out = {f"{prefix} {name}": [e[name] for e in embeddings] for name in names}
    if len(names) > 1:
        out[f"{prefix} both"] = [np.concatenate([e[n] for n in names], axis=1) for e in embeddings]
    return out
