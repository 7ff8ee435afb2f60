"""The official MABe 2022 frame number map: read it, lay clips out by it, compare with it.

The public evaluator ships a frame number map per species (``{clip_id: (start, end)}`` into the
concatenated frame axis; the mouse-triplet one holds 3,736 clips, 6,724,800 frames). It requires
a submission's ``frame_number_map`` to equal it exactly, then indexes the embeddings with it.
:func:`load_frame_map` reads such a file through the restricted unpickler
(:func:`bams.io.safe_pickle.load_pickled_npy`), :func:`compare_frame_maps` names the first
difference between a submission's map and the official one, and :func:`clips_in_map_order`
orders the clips of a test file as the map lays them out.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from bams.io.safe_pickle import load_pickled_npy

__all__ = [
    "check_frame_map",
    "clip_span",
    "clips_in_map_order",
    "compare_frame_maps",
    "load_frame_map",
]

Span = tuple[int, int]


def clip_span(value: object, clip: str, where: str) -> Span:
    """Read a ``(start, end)`` pair of integers from a frame number map (``where``, in errors)."""
    try:
        start, end = value  # type: ignore[misc]
        if int(start) != start or int(end) != end:
            raise TypeError
        return int(start), int(end)
    except (TypeError, ValueError):
        raise ValueError(
            f"Expected (start, end) integers for clip '{clip}' in {where}, but got {value!r}."
        ) from None


def check_frame_map(content: object, source: str = "the frame number map") -> dict[str, Span]:
    """Check that a frame number map lays its clips out one after the other from frame 0.

    Parameters
    ----------
    content
        ``{clip_id: (start, end)}``.
    source
        Named in error messages.

    Returns
    -------
    dict of str to (int, int)
        The spans as plain integers, in frame order (the order of the official map).

    Raises
    ------
    ValueError
        If ``content`` is not a non-empty dict of ``(start, end)`` integer pairs, or its spans
        do not tile frames ``0 .. total`` without gaps or overlaps (the evaluator requires as
        many embedding rows as the clips have frames).

    Examples
    --------
    >>> check_frame_map({"b": (4, 10), "a": (0, 4)})
    {'a': (0, 4), 'b': (4, 10)}
    """
    if not isinstance(content, Mapping) or not content:
        raise ValueError(
            f"Expected {source} to be a non-empty dict of clip -> (start, end), but got "
            f"{type(content).__name__}{' (empty)' if isinstance(content, Mapping) else ''}."
        )
    spans = {str(clip): clip_span(value, str(clip), source) for clip, value in content.items()}
    ordered = dict(sorted(spans.items(), key=lambda item: item[1]))
    frame = 0
    for clip, (start, end) in ordered.items():
        if start != frame or end <= start:
            raise ValueError(
                f"Expected the clips of {source} to follow one another from frame 0, but clip "
                f"'{clip}' spans ({start}, {end}) where frame {frame} comes next."
            )
        frame = end
    return ordered


def load_frame_map(path: str | os.PathLike[str]) -> dict[str, Span]:
    """Load a frame number map file (e.g. ``mouse_triplet_frame_number_map.npy``).

    Parameters
    ----------
    path
        ``np.save`` of ``{clip_id: (start, end)}``; read without running code from it.

    Returns
    -------
    dict of str to (int, int)
        The spans in frame order (see :func:`check_frame_map`).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is unreadable or unsafe, or is not a frame number map.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "frame_number_map.npy"
    >>> np.save(path, {"a": (0, 1800), "b": (1800, 3600)})
    >>> load_frame_map(path)["b"]
    (1800, 3600)
    """
    source = os.fspath(path)
    return check_frame_map(load_pickled_npy(source), f"the frame number map '{source}'")


def compare_frame_maps(
    frame_map: object,
    official: Mapping[str, Span],
    where: str = "the submission's frame number map",
) -> None:
    """Check that ``frame_map`` equals the official map; name the first difference.

    Parameters
    ----------
    frame_map
        The map to check, e.g. a submission's ``frame_number_map``.
    official
        The official map, checked (see :func:`check_frame_map`).
    where
        What ``frame_map`` is, in error messages.

    Raises
    ------
    ValueError
        Naming the first difference: a clip of the official map is missing, a clip is not in
        the official map, or, in frame order, the first clip whose span differs (another
        length, or the same length at another place: the clips are in another order).

    Examples
    --------
    >>> compare_frame_maps({"a": (0, 4), "b": (4, 9)}, {"a": (0, 4), "b": (4, 9)})
    >>> compare_frame_maps({"b": (0, 5), "a": (5, 9)}, {"a": (0, 4), "b": (4, 9)})
    Traceback (most recent call last):
    ...
    ValueError: Expected clip 'a' to span (0, 4) as in the official frame number map, ...
    """
    if not isinstance(frame_map, Mapping):
        raise ValueError(
            f"Expected {where} to be a dict of clip -> (start, end), but got "
            f"{type(frame_map).__name__}."
        )
    missing = [clip for clip in official if clip not in frame_map]
    if missing:
        raise ValueError(
            f"Expected every clip of the official frame number map in {where}, but "
            f"{len(missing)} are missing (the first: '{missing[0]}')."
        )
    extra = [str(clip) for clip in frame_map if str(clip) not in official]
    if extra:
        raise ValueError(
            f"Expected only the clips of the official frame number map in {where}, but got "
            f"{len(extra)} others (the first: '{extra[0]}')."
        )
    spans = {str(clip): clip_span(value, str(clip), where) for clip, value in frame_map.items()}
    for clip, span in sorted(official.items(), key=lambda item: item[1]):
        if spans[clip] != span:
            raise ValueError(_difference(clip, span, spans, official, where))


def _difference(
    clip: str, span: Span, spans: Mapping[str, Span], official: Mapping[str, Span], where: str
) -> str:
    """The error message for the first clip whose span differs from the official one."""
    got = spans[clip]
    expected = f"Expected clip '{clip}' to span {span} as in the official frame number map"
    if got[1] - got[0] != span[1] - span[0]:
        return (
            f"{expected}, but {where} gives {got} ({got[1] - got[0]} frames instead of "
            f"{span[1] - span[0]})."
        )
    position = sorted(official, key=official.__getitem__).index(clip)
    got_position = sorted(spans, key=spans.__getitem__).index(clip)
    if position != got_position:
        return (
            f"{expected}, but {where} gives {got}: it lays the clips out in another order "
            f"(this clip is number {got_position + 1} in frame order instead of {position + 1})."
        )
    return f"{expected}, but {where} gives {got}."


def clips_in_map_order(
    clip_lengths: Mapping[str, int], official: Mapping[str, Span], source: str
) -> dict[str, int]:
    """The clips of a test file in the official map's order, checked against it.

    Parameters
    ----------
    clip_lengths
        ``{clip: n_frames}`` of the test file.
    official
        The official map (see :func:`check_frame_map`).
    source
        The test file, in error messages.

    Returns
    -------
    dict of str to int
        ``{clip: n_frames}`` in the map's frame order.

    Raises
    ------
    ValueError
        If a clip of the map is not in the test file, a clip of the test file is not in the
        map, or a clip's length differs from its span in the map.

    Examples
    --------
    >>> clips_in_map_order({"a": 4, "b": 5}, {"b": (0, 5), "a": (5, 9)}, "test.npy")
    {'b': 5, 'a': 4}
    """
    missing = [clip for clip in official if clip not in clip_lengths]
    if missing:
        raise ValueError(
            f"Expected every clip of the frame number map in {source}, but {len(missing)} are "
            f"missing (the first: '{missing[0]}'); is it the map of this species' test file?"
        )
    extra = [clip for clip in clip_lengths if clip not in official]
    if extra:
        raise ValueError(
            f"Expected only clips of the frame number map in {source}, but {len(extra)} are "
            f"not in it (the first: '{extra[0]}')."
        )
    ordered = {}
    for clip, (start, end) in sorted(official.items(), key=lambda item: item[1]):
        if clip_lengths[clip] != end - start:
            raise ValueError(
                f"Expected clip '{clip}' of {source} to have the {end - start} frames of its "
                f"span {(start, end)} in the frame number map, but got {clip_lengths[clip]}."
            )
        ordered[clip] = end - start
    return ordered
