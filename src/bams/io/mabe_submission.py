"""Write a MABe 2022 submission: one embedding per clip and frame, from per-animal embeddings.

The challenge wants one ``(frames, D)`` float32 embedding per clip (D <= 128 for mice, 256 for
flies) and a frame number map; a submission file is ``np.save`` of
``{'frame_number_map': {clip: (start, end)}, 'embeddings': (total_frames, D)}``. Each animal
of a clip is embedded separately; the clip's embedding is the permutation-invariant
``[mean, max - min]`` over its animals of their concatenated latents (as
:meth:`bams.evaluation.representations.GroupView.aggregate`), so 2 x 64 = 128 dimensions
for BAMS's two 32-dimensional latents.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.io.mabe import validate_submission
from bams.io.mabe_frame_map import check_frame_map
from bams.utils.atomic import atomic_write

__all__ = [
    "DEFAULT_NORMALIZATION",
    "NORMALIZATIONS",
    "build_submission",
    "normalization_mode",
    "write_submission",
]

_BATCH_CLIPS = 128  # clips embedded at once when a model is given, to bound memory
NORMALIZATIONS = ("global", "per_frame_index", "none")
"""How a submission's embeddings can be normalized (see :func:`build_submission`)."""
DEFAULT_NORMALIZATION = "global"
"""The default, chosen by measurement (docs/mabe.md#normalization)."""


def _concatenated(embedding) -> np.ndarray:
    """One recording's latents side by side, ``(T, D)`` float32."""
    if isinstance(embedding, Mapping):
        return np.concatenate([np.asarray(v, np.float32) for v in embedding.values()], axis=1)
    return np.asarray(embedding, dtype=np.float32)


def _aggregate(members: Sequence[np.ndarray]) -> np.ndarray:
    stack = np.stack(members)
    return np.concatenate([stack.mean(axis=0), stack.max(axis=0) - stack.min(axis=0)], axis=1)


def build_submission(
    model_or_embeddings: object,
    data: Recordings,
    *,
    clips: Mapping[str, int] | Sequence[str] | None = None,
    max_dims: int = 128,
    standardize: bool | str = DEFAULT_NORMALIZATION,
    frame_map: Mapping[str, tuple[int, int]] | None = None,
) -> dict:
    """The submission dict for ``data``'s groups (clips), checked by ``validate_submission``.

    Parameters
    ----------
    model_or_embeddings
        A fitted :class:`bams.BAMS` (it embeds the recordings of the requested clips, a
        batch of clips at a time), or one embedding per recording of ``data``: a dict of
        ``(T_i, D_k)`` latents (concatenated in order) or a ``(T_i, D)`` array.
    data
        Recordings with ``groups`` (the clip of each animal; recordings of a clip have the
        same length).
    clips
        The clips of the submission, in order: clip ids, or ``{clip: n_frames}``, which also
        allows clips without recordings (every animal dropped); their rows are zeros, with
        a warning. Default: every group of ``data`` in order of appearance. Recordings of
        other groups are ignored.
    max_dims
        The largest embedding size allowed (128 mice, 256 flies).
    standardize
        How the embeddings are normalized (:data:`NORMALIZATIONS`): ``"global"`` z-scores
        each dimension over all frames of the submission's clips; ``"per_frame_index"``
        z-scores each dimension at each frame index of a clip (frame ``t`` of every clip)
        over the clips, as the reference code does; ``"none"`` (or ``False``) leaves them.
        ``True`` means ``"global"``. Constant dimensions are only centred. Zero rows of
        clips without recordings stay out of the statistics.
    frame_map
        The official frame number map (:func:`~bams.io.mabe_frame_map.load_frame_map`): the
        clips are laid out exactly as it says (its clips without recordings get zeros, as
        in ``clips``), and the result is checked against it. Give ``clips`` or
        ``frame_map``, not both.

    Returns
    -------
    dict
        ``{'frame_number_map': {clip: (start, end)}, 'embeddings': (total_frames, D)
        float32}``, clips laid out one after the other in the order of ``clips`` (or of
        ``frame_map``).

    Raises
    ------
    ValueError
        If ``data`` has no groups, the embeddings do not match the recordings, the members
        of a clip differ in length or from the length given in ``clips`` or ``frame_map``,
        a clip is neither in ``data`` nor given a length, the result has more than
        ``max_dims`` dimensions, or both ``clips`` and ``frame_map`` are given.

    Examples
    --------
    >>> data = Recordings([np.zeros((4, 1))] * 3, ids=["a/0", "a/1", "b/0"],
    ...                   groups=["a", "a", "b"])
    >>> embeddings = [np.full((4, 2), v) for v in (1.0, 3.0, 5.0)]
    >>> sub = build_submission(embeddings, data, standardize=False)
    >>> sub["frame_number_map"], sub["embeddings"][0].tolist(), sub["embeddings"][4].tolist()
    ({'a': (0, 4), 'b': (4, 8)}, [2.0, 2.0, 2.0, 2.0], [5.0, 5.0, 0.0, 0.0])
    >>> official = {"b": (0, 4), "a": (4, 8)}
    >>> build_submission(embeddings, data, frame_map=official)["frame_number_map"]
    {'b': (0, 4), 'a': (4, 8)}
    """
    members, lengths, spans = _layout(data, clips, frame_map)
    order, start = list(spans), sum(lengths.values())
    present = [c for c in order if c in members]
    embeddings = _filled(model_or_embeddings, data, present, members, spans, start, max_dims)
    mode = normalization_mode(standardize)
    spans_present = [spans[c] for c in present]
    if mode == "global":
        _standardize(embeddings, spans_present)
    elif mode == "per_frame_index":
        _standardize_per_frame_index(embeddings, spans_present)
    submission = {"frame_number_map": spans, "embeddings": embeddings}
    validate_submission(submission, lengths, max_dims=max_dims, frame_map=frame_map)
    return submission


def _layout(data: Recordings, clips, frame_map) -> tuple[dict, dict, dict]:
    """``(recordings of each clip, frames of each clip, {clip: (start, end)})`` in order."""
    if data.groups is None:
        raise ValueError("Expected recordings with groups (one per clip), but data.groups is None.")
    if frame_map is not None:
        if clips is not None:
            raise ValueError("Expected either clips or a frame map, but got both.")
        official = check_frame_map(frame_map, "the official frame number map")
        clips = {clip: end - start for clip, (start, end) in official.items()}
    members: dict[str, list[int]] = {}
    for i, group in enumerate(data.groups):
        members.setdefault(group, []).append(i)
    given = dict(clips) if isinstance(clips, Mapping) else {}
    order = list(clips) if clips is not None else list(members)
    lengths = _clip_lengths(data, order, members, given)
    absent = [clip for clip in order if clip not in members]
    if absent:
        warnings.warn(
            f"{len(absent)} clips have no recordings (e.g. {absent[:3]}); their embeddings are "
            "zeros.",
            stacklevel=3,
        )
    spans, start = {}, 0
    for clip in order:
        spans[clip] = (start, start + lengths[clip])
        start += lengths[clip]
    return members, lengths, spans


def _clip_lengths(
    data: Recordings,
    order: Sequence[str],
    members: Mapping[str, list[int]],
    given: Mapping[str, int],
) -> dict[str, int]:
    """The frames of every clip: its recordings' common length, else the length given."""
    lengths = {}
    for clip in order:
        if clip in members:
            found = {int(data.lengths[i]) for i in members[clip]}
            if len(found) > 1 or given.get(clip, min(found)) != min(found):
                raise ValueError(
                    f"Expected the recordings of clip '{clip}' to have "
                    f"{given.get(clip, 'the same number of')} frames, but got {sorted(found)}."
                )
            lengths[clip] = found.pop()
        elif clip in given:
            lengths[clip] = int(given[clip])
        else:
            raise ValueError(
                f"Expected recordings of clip '{clip}' (or its length in clips), but data has none."
            )
    return lengths


def _filled(
    source: object,
    data: Recordings,
    clips: list[str],
    members: Mapping[str, list[int]],
    spans: Mapping[str, tuple[int, int]],
    n_frames: int,
    max_dims: int,
) -> np.ndarray:
    """The ``(n_frames, D)`` embeddings, zeros except at the spans of ``clips``."""
    embeddings = None  # allocated at the first clip, filled clip by clip (bounded memory)
    for clip, emb in _clip_embeddings(source, data, clips, members):
        if embeddings is None:
            if emb.shape[1] > max_dims:
                raise ValueError(
                    f"Expected at most {max_dims} embedding dimensions ([mean, max - min] of "
                    f"the animals' latents), but got {emb.shape[1]}; use smaller latents."
                )
            embeddings = np.zeros((n_frames, emb.shape[1]), dtype=np.float32)
        elif emb.shape[1] != embeddings.shape[1]:
            raise ValueError(
                f"Expected {embeddings.shape[1]} embedding dimensions in every clip, but clip "
                f"'{clip}' has {emb.shape[1]}."
            )
        embeddings[spans[clip][0] : spans[clip][1]] = emb
    if embeddings is None:
        raise ValueError("Expected at least one clip with recordings, but got none.")
    return embeddings


def normalization_mode(standardize: bool | str) -> str:
    """The normalization mode ``standardize`` names (``True``: global, ``False``: none).

    Raises
    ------
    ValueError
        If ``standardize`` is not a bool or one of :data:`NORMALIZATIONS`.
    """
    if standardize is True or standardize is False:
        return "global" if standardize else "none"
    if standardize not in NORMALIZATIONS:
        raise ValueError(
            f"Expected a normalization among {list(NORMALIZATIONS)}, but got {standardize!r}."
        )
    return standardize


def _standardize(x: np.ndarray, spans: Sequence[tuple[int, int]]) -> None:
    """Z-score the columns of ``x`` in place over the rows of ``spans``, a span at a time."""
    n = sum(end - start for start, end in spans)
    mean = sum(x[a:b].sum(axis=0, dtype=np.float64) for a, b in spans) / n
    var = sum(((x[a:b] - mean) ** 2).sum(axis=0) for a, b in spans) / n
    scale = np.where(var > 1e-16, np.sqrt(var), 1.0)
    for a, b in spans:
        x[a:b] = (x[a:b] - mean) / scale


def _standardize_per_frame_index(x: np.ndarray, spans: Sequence[tuple[int, int]]) -> None:
    """Z-score in place each column at each frame index of a clip, over the clips.

    Frame ``t`` of every clip shares one mean and scale per dimension (a clip shorter than
    ``t + 1`` frames does not count at ``t``): what the reference does on its
    ``(clips, 1800, D)`` array, with the population std, but over the submission's clips
    only, and a constant column at some index is only centred there.
    """
    longest = max(end - start for start, end in spans)
    total = np.zeros((longest, x.shape[1]))
    squares = np.zeros_like(total)
    count = np.zeros((longest, 1))
    for a, b in spans:
        total[: b - a] += x[a:b]
        squares[: b - a] += np.square(x[a:b], dtype=np.float64)
        count[: b - a] += 1
    mean = total / count
    var = np.maximum(squares / count - mean**2, 0.0)
    scale = np.where(var > 1e-12, np.sqrt(var), 1.0)
    for a, b in spans:
        x[a:b] = (x[a:b] - mean[: b - a]) / scale[: b - a]


def _clip_embeddings(source, data, clips, members) -> Iterator[tuple[str, np.ndarray]]:
    """``(clip, (T, 2 D))`` for the clips of ``data``, embedded by a model or given."""
    if hasattr(source, "transform"):
        for first in range(0, len(clips), _BATCH_CLIPS):
            batch = clips[first : first + _BATCH_CLIPS]
            indices = [i for clip in batch for i in members[clip]]
            embedded = dict(zip(indices, source.transform(data.subset(indices)), strict=True))
            for clip in batch:
                yield clip, _aggregate([_concatenated(embedded[i]) for i in members[clip]])
        return
    embeddings = list(source)
    if len(embeddings) != len(data):
        raise ValueError(
            f"Expected one embedding per recording ({len(data)}), but got {len(embeddings)}."
        )
    for clip in clips:
        arrays = [_concatenated(embeddings[i]) for i in members[clip]]
        if any(
            a.ndim != 2 or len(a) != data.lengths[i]
            for a, i in zip(arrays, members[clip], strict=True)
        ):
            raise ValueError(
                f"Expected embeddings of shape (n_frames, D) matching the recordings of clip "
                f"'{clip}', but got {[a.shape for a in arrays]}."
            )
        yield clip, _aggregate(arrays)


def write_submission(
    path: str | os.PathLike,
    model_or_embeddings: object,
    data: Recordings,
    *,
    clips: Mapping[str, int] | Sequence[str] | None = None,
    max_dims: int = 128,
    standardize: bool | str = DEFAULT_NORMALIZATION,
    frame_map: Mapping[str, tuple[int, int]] | None = None,
) -> Path:
    """Build a submission (see :func:`build_submission`) and save it, atomically.

    The file is ``np.save`` of the dict, the challenge's format; it is written to a
    temporary file in the same folder and renamed, so a failure never leaves a partial file.

    Parameters
    ----------
    path
        Where to write; must end in ``.npy`` and must not be the recordings' own file.
    model_or_embeddings, data, clips, max_dims, standardize, frame_map
        As for :func:`build_submission`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If ``path`` does not end in ``.npy`` or is ``data``'s source file, or as
        :func:`build_submission`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> data = Recordings([np.zeros((4, 1))] * 2, ids=["a/0", "a/1"], groups=["a", "a"])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "submission.npy"
    >>> write_submission(path, [np.ones((4, 2))] * 2, data).name
    'submission.npy'
    """
    path = Path(path)
    if path.suffix != ".npy":
        raise ValueError(f"Expected a submission path ending in .npy, but got '{path}'.")
    if data.source is not None and path.resolve() == Path(data.source).resolve():
        raise ValueError(
            f"Expected a submission path other than the recordings file, but got '{path}'."
        )
    submission = build_submission(
        model_or_embeddings,
        data,
        clips=clips,
        max_dims=max_dims,
        standardize=standardize,
        frame_map=frame_map,
    )
    return atomic_write(path, lambda tmp: _save(tmp, submission))


def _save(tmp: Path, submission: dict) -> None:
    # Through an open file: np.save given a path not ending in .npy would append .npy to it.
    with open(tmp, "wb") as handle:
        np.save(handle, submission, allow_pickle=True)
