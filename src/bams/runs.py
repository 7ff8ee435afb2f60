"""Run directories: train into one, embed with its model, and read one back.

The layout is :mod:`bams.layout`. The in-memory stages (:func:`bams.evaluation.evaluate`,
:func:`bams.report.write_report`) never read files; the commands that work on a run directory
(``bams evaluate RUN``, ``bams report RUN``) load it with :func:`load_run`, which reuses the
run's saved embeddings when they were made by its model from the same recordings file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bams.config import RunConfig, check_config
from bams.data import Recordings
from bams.embedding import Embedding, embeddings_metadata, load_embeddings, save_embeddings
from bams.estimator import BAMS
from bams.layout import EMBEDDINGS_FILE, MODEL_FILE
from bams.utils.paths import check_outputs_apart

__all__ = [
    "LoadedRun",
    "embed_run",
    "load_run",
    "run_data_file",
    "save_run_embeddings",
    "train_run",
]


def train_run(
    config: RunConfig, resume: bool = False, verbose: bool = True, overwrite: bool = False
) -> BAMS:
    """Train on ``config.data``, writing everything to ``config.output_dir``.

    The run directory receives ``config.yaml`` (the resolved configuration),
    ``checkpoints/last.ckpt``, ``logs/`` and ``model.pt``; one that holds a run is refused
    unless ``resume`` or ``overwrite`` (see :meth:`bams.BAMS.fit`).

    Raises
    ------
    ValueError
        If ``config.data`` or ``config.output_dir`` is not set, or training cannot start.
    """
    check_config(config)  # settings changed after loading (e.g. command-line flags): fail first
    if not config.data:
        raise ValueError("Expected a data file (--data or 'data:' in the config), but got none.")
    data = Recordings.load(config.data)
    if not config.output_dir:
        raise ValueError("Expected an output directory, but got an empty one.")
    model = BAMS.from_config(config, verbose=verbose)
    return model.fit(data, resume=resume, overwrite=overwrite)


def embed_run(
    run: str | Path,
    output: str | Path,
    data_path: str | Path | None = None,
    **overrides,
) -> Path:
    """Embed recordings with the model of a run; write ``output`` (any embeddings format).

    Parameters
    ----------
    run
        A run directory (its ``model.pt``), or a model or checkpoint file.
    output
        The embeddings file, in the format of its extension
        (:func:`bams.io.exports.write_embeddings`); never one of the inputs. A ``.bams``
        store is written recording by recording, so its size is not bounded by memory.
    data_path
        The recordings (default: the file the run was trained on).
    **overrides
        Inference parameters (``chunk_length``, ``inference_precision``, ...).

    Raises
    ------
    ValueError
        If ``output`` is an input, the run does not know its data file and none is given, or
        a file is invalid.
    """
    run = Path(run)
    model_path = run / MODEL_FILE if run.is_dir() else run
    check_outputs_apart({"-o": output}, {"--data": data_path, "model": model_path})
    model = BAMS.load(model_path, **overrides)
    if data_path is None:
        data_path = run_data_file(model, run)
        check_outputs_apart({"-o": output}, {"run's data": data_path})
    from bams.io.exports import embeddings_format, write_embeddings  # pandas: tables only

    embeddings_format(output)  # an unknown extension is refused before any work
    data = Recordings.load(data_path)
    metadata = {"model": str(model_path.resolve()), "data": str(Path(data_path).resolve())}
    return write_embeddings(
        output, model.iter_transform(data), data.ids, data.frame_rate, metadata, data.groups
    )


@dataclass
class LoadedRun:
    """A run directory read back: its model, recordings and their embeddings."""

    run_dir: Path
    model: BAMS
    data: Recordings
    embeddings: list[Embedding]


def load_run(run_dir: str | Path, data: Recordings | None = None) -> LoadedRun:
    """Load the model of ``run_dir``, its recordings, and their embeddings.

    Parameters
    ----------
    run_dir
        A training run directory (holds ``model.pt``).
    data
        The recordings (default: the file the run was trained on, from its config).

    Returns
    -------
    LoadedRun
        The embeddings are read from ``run_dir/embeddings.npz`` when that file was written
        by this model for the same recordings file (:func:`save_run_embeddings`); otherwise
        they are computed.

    Raises
    ------
    FileNotFoundError
        If the run has no model, or its data file is gone.
    ValueError
        If ``data`` is not given and the run does not know its data file.
    """
    run_dir = Path(run_dir)
    model = BAMS.load(run_dir / MODEL_FILE)
    if data is None:
        data = Recordings.load(run_data_file(model, run_dir))
    saved = _saved_embeddings(run_dir, data)
    embeddings = saved if saved is not None else model.transform(data)
    return LoadedRun(run_dir, model, data, embeddings)


def run_data_file(model: BAMS, run: str | Path) -> str:
    """The recordings file a run was trained on, from its model's config.

    Raises
    ------
    ValueError
        If the run does not know it (trained on arrays in memory).
    """
    source = model.get_config().data
    if not source:
        raise ValueError(
            f"Expected the data file of the run {str(run)!r} in its config, but got none; pass "
            "the recordings (--data FILE)."
        )
    return source


def save_run_embeddings(run_dir: str | Path, embeddings: Sequence[Embedding], data: Recordings):
    """Write ``run_dir/embeddings.npz``, stamped with the run's model and the data file."""
    return save_embeddings(
        Path(run_dir) / EMBEDDINGS_FILE, embeddings, data.ids, _stamp(Path(run_dir), data)
    )


def _stamp(run_dir: Path, data: Recordings) -> dict[str, str]:
    model = run_dir / MODEL_FILE
    digest = hashlib.sha256(model.read_bytes()).hexdigest() if model.is_file() else ""
    lengths = ",".join(str(n) for n in data.lengths)
    return {
        "model_sha256": digest,
        "data_source": str(Path(data.source).resolve()) if data.source else "",
        "lengths_sha256": hashlib.sha256(lengths.encode()).hexdigest(),
    }


def _saved_embeddings(run_dir: Path, data: Recordings) -> list[Embedding] | None:
    path = run_dir / EMBEDDINGS_FILE
    if not path.is_file() or not data.source:
        return None
    expected = _stamp(run_dir, data)
    if not expected["model_sha256"] or embeddings_metadata(path) != expected:
        return None
    ids, embeddings = load_embeddings(path)
    return embeddings if ids == data.ids else None
