"""The readout protocols and how every table and figure names them: one table.

A frame-level task is read out frame by frame (``frame``). A sequence-level task (one value
per recording) is read out three ways: from single frames (``per_frame``), by averaging the
per-frame predictions over each recording (``frame_average``), and from each recording's mean
embedding (``mean_embedding``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FRAME",
    "FRAME_AVERAGE",
    "MEAN_EMBEDDING",
    "PER_FRAME",
    "PROTOCOLS",
    "SINGLE_FRAME",
    "WHOLE_RECORDING",
    "Protocol",
    "headline_protocol",
]


@dataclass(frozen=True)
class Protocol:
    """One way of reading a task out.

    Attributes
    ----------
    name
        The value of the ``protocol`` column of readout rows.
    column
        Its line in a terminal table's column header (empty where the task says it all).
    title
        Its name in the report's tables and figures.
    """

    name: str
    column: str
    title: str


FRAME = "frame"
PER_FRAME = "per_frame"
FRAME_AVERAGE = "frame_average"
MEAN_EMBEDDING = "mean_embedding"

PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol(FRAME, "", "per frame"),
        Protocol(PER_FRAME, "per frame", "single frames"),
        Protocol(FRAME_AVERAGE, "frame avg", "frame predictions averaged"),
        Protocol(MEAN_EMBEDDING, "mean emb", "mean embedding"),
    )
}
"""Every protocol, in display order."""
SINGLE_FRAME = (FRAME, PER_FRAME)
"""Protocols that read one frame at a time (the headline of each task)."""
WHOLE_RECORDING = (FRAME_AVERAGE, MEAN_EMBEDDING)
"""Protocols that read a whole recording (sequence-level tasks only)."""


def headline_protocol(level: str) -> str:
    """The single-frame protocol of a task level: ``frame`` or, for sequence labels, ``per_frame``.

    Examples
    --------
    >>> headline_protocol("frame"), headline_protocol("sequence")
    ('frame', 'per_frame')
    """
    return FRAME if level == "frame" else PER_FRAME
