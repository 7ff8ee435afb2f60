"""Wall-clock timing of the stages of a run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Stopwatch", "format_duration"]


class Stopwatch:
    """Seconds spent in named stages, in the order they first ran.

    Examples
    --------
    >>> watch = Stopwatch()
    >>> with watch.stage("data"):
    ...     pass
    >>> list(watch.seconds)
    ['data']
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block; repeated stages add up."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    @property
    def total(self) -> float:
        """Seconds since the stopwatch was created."""
        return time.perf_counter() - self._start

    def summary(self) -> str:
        """One line: each stage's seconds, then the total."""
        parts = [f"{name} {seconds:.0f} s" for name, seconds in self.seconds.items()]
        return ", ".join([*parts, f"total {self.total:.0f} s"]) + "."


def format_duration(seconds: float) -> str:
    """Seconds as ``"1 h 02 min 05 s"`` or ``"7 min 16 s"`` (rounded to the second).

    Examples
    --------
    >>> format_duration(80), format_duration(3725.4)
    ('1 min 20 s', '1 h 02 min 05 s')
    """
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min {s:02d} s" if h else f"{m} min {s:02d} s"
