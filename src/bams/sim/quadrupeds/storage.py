"""Files of a quadruped dataset ``FILE.npz``: its resumable parts, outcome table and metadata.

- ``FILE.parts/``: one ``IIIIII.npz`` per finished attempt (kept or failed), written
  atomically, and ``generation.json``, the arguments the attempts were generated with;
- ``FILE.attempts.csv``: the outcome of every attempt (see :func:`read_attempts`);
- ``FILE.meta.json``: the generation arguments and ``n``, written last.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from bams.data import Recordings, atomic_savez
from bams.utils.atomic import atomic_write

FRAME_LABELS = ("terrain_type", "terrain_slope", "terrain_difficulty")
"""The frame labels of a kept attempt."""


@dataclass
class Attempt:
    """The outcome of one attempt; ``features`` and ``frame_labels`` only when it succeeded.

    The fields are those of :class:`bams.sim.quadrupeds.episode.TrajectoryParams` and
    :class:`bams.sim.quadrupeds.episode.Episode` (``end_segment`` is its ``segment``).
    """

    index: int
    robot_type: str
    command_speed: float
    mass_scale: float
    trunk_mass: float
    total_mass: float
    success: bool
    reason: str
    fail_time: float
    distance: float
    achieved_speed: float
    end_segment: int
    segment_types: tuple[str, ...]
    segment_difficulties: tuple[float, ...]
    features: np.ndarray | None = None
    frame_labels: dict[str, np.ndarray] | None = None


_SCALARS = [f.name for f in fields(Attempt)][:12]


class DatasetFiles:
    """The output file ``FILE.npz`` and its companions.

    Parameters
    ----------
    output
        The dataset's ``.npz`` path.
    """

    def __init__(self, output: str | os.PathLike) -> None:
        self.output = Path(output)
        name = self.output.name
        stem = name[: -len(".npz")] if name.endswith(".npz") else name
        self.parts = self.output.with_name(stem + ".parts")
        self.attempts = self.output.with_name(stem + ".attempts.csv")
        self.meta = self.output.with_name(stem + ".meta.json")
        self.generation = self.parts / "generation.json"

    def is_complete(self, meta: dict) -> bool:
        """Whether the output exists and was written with metadata ``meta``."""
        try:
            found = json.loads(self.meta.read_text())
        except (OSError, ValueError):
            return False
        found.pop("counts", None)
        return self.output.is_file() and found == meta

    def open_parts(self, generation: dict) -> dict[int, Attempt]:
        """Create the parts folder, or check that it holds attempts of ``generation``.

        Returns
        -------
        dict
            The attempts found, by index (unreadable parts are left out, to be redone).

        Raises
        ------
        ValueError
            If the folder cannot be written, or holds attempts of other arguments.
        """
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
            if not self.generation.is_file():
                atomic_write(self.generation, json.dumps(generation, indent=1))
        except OSError as err:
            raise ValueError(
                f"Expected a writable folder for {str(self.output)!r}, but got: {err}"
            ) from err
        try:
            found = json.loads(self.generation.read_text())
        except ValueError:
            found = {}
        differ = [
            f"{key} ({found.get(key)!r} != {value!r})"
            for key, value in generation.items()
            if found.get(key) != value
        ]
        if differ:
            raise ValueError(
                f"Expected the unfinished attempts in {str(self.parts)!r} to come from the same "
                f"generation arguments, but they differ in: {', '.join(differ)}. Rerun with the "
                "same arguments to resume, or delete that folder to start over."
            )
        done = {}
        for path in sorted(self.parts.glob("[0-9]*.npz")):
            attempt = _load_part(path)
            if attempt is not None:
                done[attempt.index] = attempt
        return done

    def save_part(self, attempt: Attempt) -> None:
        """Save one finished attempt in the parts folder, atomically."""
        arrays = {name: np.asarray(getattr(attempt, name)) for name in _SCALARS}
        arrays["segment_types"] = np.array(attempt.segment_types, dtype=str)
        arrays["segment_difficulties"] = np.array(attempt.segment_difficulties, dtype=np.float64)
        if attempt.success:
            arrays["features"] = attempt.features
            arrays.update({f"label_{k}": v for k, v in attempt.frame_labels.items()})
        atomic_savez(self.parts / f"{attempt.index:06d}.npz", arrays)

    def write(self, recordings: Recordings, attempts: list[Attempt], meta: dict) -> None:
        """Write the dataset, its attempts table and ``meta`` (last); remove the parts."""
        self.meta.unlink(missing_ok=True)
        recordings.save(self.output)
        recordings.source = str(self.output)
        n_segments = max((len(a.segment_types) for a in attempts), default=0)
        header = [*_SCALARS, "end_terrain"]
        for k in range(1, n_segments + 1):
            header += [f"segment{k}_type", f"segment{k}_difficulty"]
        rows = []
        for a in attempts:
            row = [getattr(a, name) for name in _SCALARS]
            row.append(["flat", *a.segment_types, "flat"][a.end_segment])
            for kind, d in zip(a.segment_types, a.segment_difficulties, strict=True):
                row += [kind, d]
            rows.append(row)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        atomic_write(self.attempts, buffer.getvalue())
        kept = sum(a.success for a in attempts)
        counts = {"attempts": len(attempts), "kept": kept, "failed": len(attempts) - kept}
        atomic_write(self.meta, json.dumps({**meta, "counts": counts}, indent=1))
        shutil.rmtree(self.parts, ignore_errors=True)


def read_attempts(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read the outcome table ``FILE.attempts.csv`` of a dataset ``FILE.npz``.

    Parameters
    ----------
    path
        The dataset's ``.npz`` file or its ``.attempts.csv`` file.

    Returns
    -------
    dict
        One array of shape ``(n_attempts,)`` per column: ``index``, ``robot_type``,
        ``command_speed``, ``mass_scale``, ``trunk_mass``, ``total_mass``, ``success``,
        ``reason`` (``""``, ``tilt``, ``low``, ``trunk_contact``, ``diverged`` or ``progress``),
        ``fail_time`` (NaN unless it fell), ``distance``, ``achieved_speed``, ``end_segment``
        (segment under the trunk at the end; 0 is the flat start), ``end_terrain`` (its type)
        and, per segment ``k = 1 .. n_segments``, ``segment{k}_type`` and
        ``segment{k}_difficulty``.

    Raises
    ------
    FileNotFoundError
        If the table does not exist.

    Examples
    --------
    >>> table = read_attempts("quadrupeds.npz")  # doctest: +SKIP
    >>> float(table["success"].mean())  # the keep rate  # doctest: +SKIP
    0.71
    """
    path = Path(path)
    if path.suffix == ".npz":
        path = DatasetFiles(path).attempts
    if not path.is_file():
        raise FileNotFoundError(f"Expected an attempts table, but {str(path)!r} does not exist.")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = {}
    for name in list(rows[0]) if rows else []:
        values = [row[name] for row in rows]
        if name in ("index", "end_segment"):
            out[name] = np.array(values, dtype=np.int64)
        elif name == "success":
            out[name] = np.array([v == "True" for v in values])
        elif name in ("robot_type", "reason", "end_terrain") or name.endswith("_type"):
            out[name] = np.array(values, dtype=str)
        else:
            out[name] = np.array(values, dtype=np.float64)
    return out


def _load_part(path: Path) -> Attempt | None:
    """The attempt saved in ``path``, or ``None`` if the file is unreadable."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            values = {name: npz[name].item() for name in _SCALARS}
            values["segment_types"] = tuple(npz["segment_types"].tolist())
            values["segment_difficulties"] = tuple(npz["segment_difficulties"].tolist())
            if values["success"]:
                values["features"] = npz["features"]
                values["frame_labels"] = {k: npz[f"label_{k}"] for k in FRAME_LABELS}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    return Attempt(**values)
