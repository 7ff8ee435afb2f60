"""Run-level functions behind the command line: train from a config, embed a data file."""

from __future__ import annotations

from pathlib import Path

from bams.config import RunConfig
from bams.data import Recordings
from bams.estimator import BAMS


def train_run(config: RunConfig, resume: bool = False, verbose: bool = True) -> BAMS:
    """Train on ``config.data``, writing everything to ``config.output_dir``.

    The run directory receives ``config.yaml`` (the resolved configuration),
    ``checkpoints/last.ckpt``, ``logs/`` and ``model.pt``.

    Raises
    ------
    ValueError
        If ``config.data`` is not set.
    """
    if not config.data:
        raise ValueError("Expected a data file (--data or 'data:' in the config), but got none.")
    data = Recordings.load(config.data)
    if not config.output_dir:
        raise ValueError("Expected an output directory, but got an empty one.")
    model = BAMS.from_config(config, verbose=verbose)
    return model.fit(data, resume=resume)


def embed_run(
    model_path: str | Path,
    data_path: str | Path,
    output: str | Path,
    **overrides,
) -> Path:
    """Embed the recordings of ``data_path`` with a saved model; write ``output`` (.npz).

    ``overrides`` set inference parameters (``chunk_length``, ``inference_precision``, ...).
    """
    model = BAMS.load(model_path, **overrides)
    return model.embed_to_file(Recordings.load(data_path), output)
