"""What is read out: BAMS latents, baselines, the CEBRA peer, and group aggregates.

Every function returns one ``(T_i, D)`` float32 array per recording, aligned with the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA

from bams.data import Recordings
from bams.embedding import Embedding, embed_recordings
from bams.evaluation.tasks import Task
from bams.models import BAMSNetwork

Representation = list[np.ndarray]


def bams_latents(
    embeddings: Sequence[Embedding], prefix: str = "BAMS"
) -> dict[str, Representation]:
    """Each latent space of a BAMS model, and all of them concatenated (``both``)."""
    names = list(embeddings[0])
    out = {f"{prefix} {name}": [e[name] for e in embeddings] for name in names}
    if len(names) > 1:
        out[f"{prefix} both"] = [np.concatenate([e[n] for n in names], axis=1) for e in embeddings]
    return out


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


@dataclass
class GroupView:
    """Recordings gathered by group (e.g. the animals of one video).

    Attributes
    ----------
    ids
        Group ids.
    members
        Recording indices of each group.
    tasks
        The labels that are the same for every member of a group, one value per group.
    """

    ids: list[str]
    members: list[list[int]]
    tasks: list[Task]

    @classmethod
    def build(cls, data: Recordings, tasks: Sequence[Task]) -> GroupView:
        """Group ``data`` by ``data.groups``.

        Raises
        ------
        ValueError
            If ``data`` has no groups, or members of a group differ in length.
        """
        if data.groups is None:
            raise ValueError("Expected recordings with groups, but data.groups is None.")
        ids = list(dict.fromkeys(data.groups))
        members = [[i for i, g in enumerate(data.groups) if g == gid] for gid in ids]
        lengths = data.lengths
        uneven = [gid for gid, m in zip(ids, members, strict=True) if len(set(lengths[m])) > 1]
        if uneven:
            raise ValueError(
                f"Expected members of a group to have the same length, but groups {uneven[:5]} "
                "do not."
            )
        group_tasks = []
        for task in tasks:
            if task.level == "sequence":
                values = np.asarray(task.values)
                if all(len(set(values[m].tolist())) == 1 for m in members):
                    group_tasks.append(
                        Task(
                            task.name,
                            "sequence",
                            task.kind,
                            np.array([values[m[0]] for m in members]),
                        )
                    )
            else:
                same = all(
                    all(
                        np.array_equal(task.values[m[0]], task.values[j], equal_nan=True)
                        for j in m[1:]
                    )
                    for m in members
                )
                if same:
                    group_tasks.append(
                        Task(task.name, "frame", task.kind, [task.values[m[0]] for m in members])
                    )
        return cls(ids, members, group_tasks)

    def aggregate(self, representation: Representation) -> Representation:
        """Permutation-invariant group embedding per frame: ``[mean, max - min]`` over members."""
        out = []
        for m in self.members:
            stack = np.stack([representation[i] for i in m])
            out.append(
                np.concatenate([stack.mean(axis=0), stack.max(axis=0) - stack.min(axis=0)], axis=1)
            )
        return out
