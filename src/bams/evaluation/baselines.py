"""The baselines BAMS is compared with, and the CEBRA-Time peer.

Every function returns one ``(T_i, D)`` float32 array per recording, aligned with the data.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.decomposition import PCA

from bams.data import Recordings
from bams.embedding import embed_recordings
from bams.evaluation.latents import Representation, bams_latents
from bams.models import BAMSNetwork

__all__ = ["cebra_time", "pca_features", "raw_features", "untrained_bams", "window_average"]


def raw_features(data: Recordings, preprocessor) -> Representation:
    """The network's input: robustly normalized features, 0 where missing, plus validity."""
    return [preprocessor.transform_inputs(seq) for seq in data.sequences]


def pca_features(raw: Representation, n_components: int, seed: int = 0) -> Representation:
    """PCA of the raw features (fitted on up to 200,000 frames of all recordings)."""
    frames = np.concatenate(raw)
    n_components = int(min(n_components, frames.shape[1]))
    rng = np.random.default_rng(seed)
    sample = frames[rng.choice(len(frames), min(len(frames), 200_000), replace=False)]
    pca = PCA(n_components=n_components, random_state=seed).fit(sample)
    return [pca.transform(x).astype(np.float32) for x in raw]


def window_average(raw: Representation, window: int) -> Representation:
    """Causal moving average of the raw features over the last ``window`` frames."""
    out = []
    for x in raw:
        total = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), x.astype(np.float64)]), axis=0)
        end = np.arange(1, len(x) + 1)
        start = np.maximum(end - window, 0)
        out.append(((total[end] - total[start]) / (end - start)[:, None]).astype(np.float32))
    return out


def untrained_bams(model, data: Recordings, seed: int = 0) -> dict[str, Representation]:
    """The latents of a randomly initialized network with the architecture of ``model``."""
    config = model.get_config()
    torch.manual_seed(seed)
    network = BAMSNetwork.from_config(
        config.model, model.preprocessor_.n_inputs, model.preprocessor_.n_actions
    ).eval()
    embeddings = embed_recordings(network.encoders, model.preprocessor_, data, config.embed)
    return bams_latents(embeddings, prefix="untrained BAMS")


def cebra_time(
    raw: Representation,
    n_dims: int,
    *,
    max_iterations: int = 2000,
    batch_size: int = 512,
    time_offset: int = 10,
    seed: int = 0,
    device: str = "cpu",
) -> Representation:
    """CEBRA-Time embeddings (time-contrastive, no labels): the peer self-supervised method.

    Fits one single-session model on all recordings concatenated (positive pairs are frames
    ``time_offset`` apart, so a few pairs straddle recording boundaries), then embeds each
    recording separately.

    Raises
    ------
    ImportError
        If ``cebra`` (the ``peers`` extra) is not installed.
    """
    try:
        import cebra
    except ImportError as err:
        raise ImportError(
            "Expected the 'cebra' package for the CEBRA-Time peer, but it is not installed: "
            "pip install 'bams[peers]'"
        ) from err
    torch.manual_seed(seed)
    model = cebra.CEBRA(
        model_architecture="offset10-model",
        batch_size=batch_size,
        learning_rate=3e-4,
        temperature=1.0,
        output_dimension=n_dims,
        max_iterations=max_iterations,
        distance="cosine",
        conditional="time",
        time_offsets=time_offset,
        device=device,
        verbose=False,
    )
    model.fit(np.concatenate(raw).astype(np.float32))
    return [np.asarray(model.transform(x.astype(np.float32)), dtype=np.float32) for x in raw]
