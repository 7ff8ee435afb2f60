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

__all__ = ["LAST_CHECKPOINT", "library_versions", "load_checkpoint", "save_checkpoint"]


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


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint or saved model safely (tensors and plain containers only).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a bams checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Expected a checkpoint file, but {str(path)!r} does not exist.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for foreign or corrupt files
        raise ValueError(
            f"Expected a bams checkpoint, but could not read {str(path)!r}: {err}"
        ) from err
    missing = {"config", "network", "preprocessing"} - set(state if isinstance(state, dict) else {})
    if missing:
        raise ValueError(
            f"Expected a bams checkpoint with {sorted(missing)}, but {str(path)!r} lacks them."
        )
    return state
