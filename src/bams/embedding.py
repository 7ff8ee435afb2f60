"""Streaming inference: embeddings of recordings of any length with bounded memory.

Each recording is cut into chunks of ``chunk_length`` output frames; a chunk also reads the
``receptive_field - 1`` frames before it, so every output frame sees exactly the context it
would see in one whole-sequence pass (the encoders are causal). Chunks are right-padded to a
common length and batched; causality makes the padding harmless.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from bams.config import EmbedConfig
from bams.config.checks import inference_precision
from bams.data import Recordings, atomic_savez
from bams.data.store_reader import release_pages
from bams.preprocessing import Preprocessor

Embedding = dict[str, np.ndarray]


def resolve_inference(device: str = "auto", precision: str = "auto") -> tuple[torch.device, bool]:
    """Pick the inference device and whether to compute in bfloat16.

    ``precision="auto"`` uses bf16 only where the hardware computes it natively (a CUDA GPU
    with bf16, or a CPU with AVX-512 BF16 / AMX); elsewhere bf16 would be slower than fp32.

    Raises
    ------
    ValueError
        If ``precision`` is not ``"auto"``, ``"bf16"`` or ``"32"`` (or a training alias of
        those, see :data:`bams.config.checks.INFERENCE_PRECISIONS`), or the device is unknown
        or absent.
    """
    precision = inference_precision(precision)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(device)
    except RuntimeError as err:
        raise ValueError(
            f"Expected an inference device such as 'auto', 'cpu' or 'cuda', but got {device!r}."
        ) from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"Expected a GPU for inference device {device!r}, but torch sees none; "
            "use 'cpu' or 'auto'."
        )
    if precision != "auto":
        return dev, precision == "bf16"
    if dev.type == "cuda":
        return dev, torch.cuda.is_bf16_supported()
    if dev.type == "cpu":
        return dev, bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return dev, False


def inference_encoders(encoders: nn.ModuleDict, device: torch.device) -> nn.ModuleDict:
    """A copy of the encoders on ``device`` in eval mode; the caller's modules are untouched.

    (Weight-norm parametrizations stay; :func:`embed_recordings` computes each weight once per
    call with ``parametrize.cached()``. Removing them from a deep copy would also remove them
    from the original, whose dynamically created class the copy shares.)
    """
    return copy.deepcopy(encoders).to(device).eval()


def embed_recordings(
    encoders: nn.ModuleDict,
    preprocessor: Preprocessor,
    data: Recordings,
    config: EmbedConfig | None = None,
) -> list[Embedding]:
    """Embed every recording of ``data`` with every encoder.

    Parameters
    ----------
    encoders
        ``{name: encoder}``, each mapping ``(B, C, T)`` to ``(B, D, T)`` causally with a
        ``receptive_field`` attribute.
    preprocessor
        The fitted preprocessing of the model.
    data
        Recordings with the features the model was trained on.
    config
        Chunking, batching, device and precision.

    Returns
    -------
    list of dict
        One ``{name: (T_i, D_name) float32}`` per recording, in order.
    """
    return list(iter_embeddings(encoders, preprocessor, data, config))


def iter_embeddings(
    encoders: nn.ModuleDict,
    preprocessor: Preprocessor,
    data: Recordings,
    config: EmbedConfig | None = None,
) -> Iterator[Embedding]:
    """Embed the recordings of ``data`` one after the other, in order, with bounded memory.

    Consecutive recordings are embedded together in blocks of about ``max_batch_frames``
    frames (a longer recording is a block of its own), so only one block's outputs are held
    at a time; with recordings from a store (:mod:`bams.data.store`) the frames read are
    released once embedded. The parameters are those of :func:`embed_recordings`.

    Yields
    ------
    dict
        ``{name: (T_i, D_name) float32}`` of recording ``i``, for ``i = 0, 1, ...``.
    """
    config = config or EmbedConfig()
    if config.chunk_length < 1 or config.max_batch_frames < 1:
        raise ValueError(
            "Expected chunk_length >= 1 and max_batch_frames >= 1, but got "
            f"{config.chunk_length} and {config.max_batch_frames}."
        )
    preprocessor.check_compatible(data)
    device, use_bf16 = resolve_inference(config.inference_device, config.inference_precision)
    models = inference_encoders(encoders, device)
    overlap = max(int(enc.receptive_field) for enc in models.values()) - 1
    for block in _plan_blocks(data.lengths, config.max_batch_frames):
        sequences = [data.sequences[rec] for rec in block]
        yield from _embed_block(models, preprocessor, sequences, config, overlap, device, use_bf16)
        release_pages(sequences)


@torch.inference_mode()
def _embed_block(
    models, preprocessor, sequences, config, overlap, device, use_bf16
) -> list[Embedding]:
    """The embeddings of ``sequences`` (one block), chunks batched across its recordings."""
    outputs = [
        {name: np.empty((len(seq), enc.out_channels), np.float32) for name, enc in models.items()}
        for seq in sequences
    ]
    lengths = np.array([len(seq) for seq in sequences])
    chunks = _plan_chunks(lengths, config.chunk_length, overlap)
    for batch in _plan_batches(chunks, config.max_batch_frames):
        width = max(out_end - in_start for _, in_start, _, out_end in batch)
        x = np.zeros((len(batch), preprocessor.n_inputs, width), dtype=np.float32)
        for row, (rec, in_start, _, out_end) in enumerate(batch):
            seq = sequences[rec][in_start:out_end]
            x[row, :, : out_end - in_start] = preprocessor.transform_inputs(seq).T
        inputs = torch.from_numpy(x).to(device)
        with (
            parametrize.cached(),
            torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16),
        ):
            result = {name: enc(inputs) for name, enc in models.items()}
        for name, z in result.items():
            z = z.float().cpu().numpy()
            for row, (rec, in_start, out_start, out_end) in enumerate(batch):
                outputs[rec][name][out_start:out_end] = z[
                    row, :, out_start - in_start : out_end - in_start
                ].T
    return outputs


def _plan_blocks(lengths: np.ndarray, block_frames: int) -> list[list[int]]:
    """Consecutive recordings grouped until a group holds at least ``block_frames`` frames."""
    blocks, current, frames = [], [], 0
    for rec, length in enumerate(lengths):
        current.append(rec)
        frames += int(length)
        if frames >= block_frames:
            blocks.append(current)
            current, frames = [], 0
    if current:
        blocks.append(current)
    return blocks


def _plan_chunks(lengths: np.ndarray, chunk_length: int, overlap: int) -> list[tuple]:
    """``(recording, input_start, output_start, output_end)`` of every chunk."""
    chunks = []
    for rec, length in enumerate(lengths):
        for out_start in range(0, int(length), chunk_length):
            out_end = min(int(length), out_start + chunk_length)
            chunks.append((rec, max(0, out_start - overlap), out_start, out_end))
    return chunks


def _plan_batches(chunks: list[tuple], max_batch_frames: int) -> list[list[tuple]]:
    """Group chunks of similar length so that ``n_chunks * longest <= max_batch_frames``."""
    ordered = sorted(chunks, key=lambda c: c[3] - c[1], reverse=True)
    batches, current = [], []
    for chunk in ordered:
        longest = (current[0][3] - current[0][1]) if current else chunk[3] - chunk[1]
        if current and (len(current) + 1) * longest > max_batch_frames:
            batches.append(current)
            current = []
        current.append(chunk)
    if current:
        batches.append(current)
    return batches


def save_embeddings(
    path: str | Path,
    embeddings: Sequence[Embedding],
    ids: Sequence[str],
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Save per-recording embeddings with their recording ids to one ``.npz`` (atomically).

    The file holds ``ids`` ``(n,)``, ``lengths`` ``(n,)``, per latent space the frames of all
    recordings concatenated, ``latent/NAME`` ``(sum T_i, D)``, and each ``metadata`` item as
    text under ``meta/KEY`` (e.g. which model and data produced them).
    """
    if len(embeddings) != len(ids):
        raise ValueError(f"Expected {len(embeddings)} ids, but got {len(ids)}.")
    names = list(embeddings[0]) if embeddings else []
    arrays = {
        "ids": np.array(list(ids), dtype=str),
        "lengths": np.array([len(e[names[0]]) for e in embeddings], dtype=np.int64),
    }
    for name in names:
        arrays[f"latent/{name}"] = np.concatenate([e[name] for e in embeddings])
    for key, value in (metadata or {}).items():
        arrays[f"meta/{key}"] = np.array(str(value))
    return atomic_savez(path, arrays)


def load_embeddings(path: str | Path) -> tuple[list[str], list[Embedding]]:
    """Read a file written by :func:`save_embeddings`: ``(ids, embeddings)``."""
    with np.load(path, allow_pickle=False) as npz:
        ids = npz["ids"].tolist()
        bounds = np.cumsum(npz["lengths"])[:-1]
        latents = {
            key.split("/", 1)[1]: np.split(npz[key], bounds)
            for key in npz.files
            if key.startswith("latent/")
        }
    return ids, [{name: parts[i] for name, parts in latents.items()} for i in range(len(ids))]


def embeddings_metadata(path: str | Path) -> dict[str, str]:
    """The ``metadata`` saved with :func:`save_embeddings` (empty if none)."""
    with np.load(path, allow_pickle=False) as npz:
        return {key[len("meta/") :]: str(npz[key]) for key in npz.files if key.startswith("meta/")}
