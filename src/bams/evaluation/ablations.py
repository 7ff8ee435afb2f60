"""BAMS ablations: the same run with one latent space, without the HoA or the bootstrap loss."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.evaluation.latents import Representation
from bams.layout import MODEL_FILE

__all__ = ["ABLATIONS", "train_ablations"]

ABLATIONS = {
    "short_term only": {"keep": ["short_term"]},
    "long_term only": {"keep": ["long_term"]},
    "bootstrap only (no HoA)": {"hoa_weight": 0.0},
    "HoA only (no bootstrap)": {"bootstrap_weight": 0.0},
}
"""Each ablation's change to the run's settings."""


def train_ablations(
    model, data: Recordings, directory: str | Path | None = None
) -> dict[str, Representation]:
    """Train each ablation with the settings of ``model``; return its concatenated latents.

    Parameters
    ----------
    model
        The fitted :class:`bams.BAMS` whose settings are ablated.
    data
        The recordings to train on and embed.
    directory
        Where ablation ``NAME`` keeps its model (``directory/ablations/NAME/model.pt``); a model
        found there is reused instead of trained again. ``None`` keeps nothing.

    Returns
    -------
    dict
        ``{ablation name: one (T_i, D) array per recording}``; one-latent ablations are left
        out for a model with fewer than two latent spaces.
    """
    from bams.estimator import BAMS

    out = {}
    for name, change in ABLATIONS.items():
        params = _ablated_params(model, change)
        if params is None:
            continue
        path = None
        if directory is not None:
            folder = name.split(" (")[0].replace(" ", "_")
            path = Path(directory) / "ablations" / folder / MODEL_FILE
        if path is not None and path.is_file():
            ablation = BAMS.load(path)
        else:
            params.update(output_dir=None if path is None else path.parent, logger="none")
            ablation = BAMS(**params).fit(data, overwrite=True)  # an unfinished one is redone
        latents = ablation.transform(data)
        out[name] = [np.concatenate(list(e.values()), axis=1) for e in latents]
    return out


def _ablated_params(model, change: dict) -> dict | None:
    params = model.get_params()
    encoders = model.get_config().model.encoders
    if "keep" in change:
        if not set(change["keep"]) <= set(encoders) or len(encoders) < 2:
            return None
        encoders = {k: v for k, v in encoders.items() if k in change["keep"]}
    if "bootstrap_weight" in change:
        for enc in encoders.values():
            enc.bootstrap_weight = change["bootstrap_weight"]
    params.update(encoders=encoders, hoa_weight=change.get("hoa_weight", params["hoa_weight"]))
    return params
