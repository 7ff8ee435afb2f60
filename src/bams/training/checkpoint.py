"""Checkpoints: plain dicts written atomically, read with ``torch.load(weights_only=True)``."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import numpy as np
import torch

import bams
from bams.layout import LAST_CHECKPOINT
from bams.utils.atomic import publish, temporary_sibling

__all__ = [
    "LAST_CHECKPOINT",
    "check_network_weights",
    "library_versions",
    "load_checkpoint",
    "save_checkpoint",
]


def library_versions() -> dict[str, str]:
    """Versions recorded in every checkpoint, to explain differences between runs."""
    import lightning_fabric
    import sklearn

    versions = {
        "bams": bams.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "lightning-fabric": lightning_fabric.__version__,
        "python": platform.python_version(),
    }
    # torch.__version__ is a str subclass that weights-only loading refuses
    return {name: str(version) for name, version in versions.items()}


def save_checkpoint(fabric, path: str | Path, state: dict[str, Any]) -> None:
    """Save ``state`` with ``fabric.save`` to a temporary file, then rename it into place.

    A crash while writing never leaves a truncated checkpoint at ``path``, and the temporary
    name is unique, so two runs never write into each other's file. Must be called on every
    process (Fabric writes from rank 0 only; rank 0 chooses the name).
    """
    path = Path(path)
    tmp = temporary_sibling(path) if fabric.is_global_zero else None
    tmp = fabric.broadcast(tmp, src=0)
    fabric.save(tmp, state)
    fabric.barrier()
    if fabric.is_global_zero:
        publish(tmp, path)
    fabric.barrier()


def load_checkpoint(path: str | Path, resumable: bool = False) -> dict[str, Any]:
    """Read a checkpoint or saved model safely (tensors and plain containers only).

    Parameters
    ----------
    path
        ``model.pt`` or a training checkpoint.
    resumable
        Also require what resuming needs (optimizer state, epoch and step).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a bams checkpoint, or lacks a part.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"Expected a checkpoint file, but {str(path)!r} is a directory.")
    if not path.is_file():
        raise FileNotFoundError(f"Expected a checkpoint file, but {str(path)!r} does not exist.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for foreign or corrupt files
        reason = " ".join(str(err).split())[:300]
        raise ValueError(
            f"Expected a bams checkpoint, but could not read {str(path)!r}: {reason}"
        ) from err
    required = {"config", "network", "preprocessing"}
    if resumable:
        required |= {"optimizer", "epoch", "step"}
    missing = required - set(state if isinstance(state, dict) else {})
    if missing:
        raise ValueError(
            f"Expected a bams checkpoint with {sorted(missing)}, but {str(path)!r} lacks them."
        )
    return state


def check_network_weights(weights: Any, network: torch.nn.Module, path: str | Path) -> None:
    """Raise unless ``weights`` has exactly the tensors (names and shapes) of ``network``.

    Raises
    ------
    ValueError
        Naming the first missing, unexpected and mis-shaped tensors.
    """
    expected = {k: tuple(v.shape) for k, v in network.state_dict().items()}
    if not isinstance(weights, dict) or not all(
        isinstance(v, torch.Tensor) for v in weights.values()
    ):
        raise ValueError(f"Expected a dict of tensors as the weights of {str(path)!r}.")
    found = {k: tuple(v.shape) for k, v in weights.items()}
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    shapes = [
        f"{k} {found[k]} instead of {expected[k]}"
        for k in sorted(set(found) & set(expected))
        if found[k] != expected[k]
    ]
    problems = [
        f"{label} {items[:3]}{' ...' if len(items) > 3 else ''}"
        for label, items in (("missing", missing), ("unexpected", unexpected), ("shapes", shapes))
        if items
    ]
    if problems:
        raise ValueError(
            f"Expected weights that fit the model configuration of {str(path)!r}, but got "
            + "; ".join(problems)
            + "."
        )
