"""Group comparisons on disk: what ``bams compare`` writes and ``bams report`` reads back."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.discovery.compare import Comparison
from bams.utils.atomic import atomic_write

__all__ = ["SavedComparison", "comparison_folder", "load_comparison", "save_comparison"]

TESTS_FILE = "comparison.csv"
MOTIFS_FILE = "motif_usage.csv"
GROUPS_FILE = "groups.csv"
META_FILE = "comparison.json"


@dataclass
class SavedComparison:
    """A comparison with the grouping it tested.

    Attributes
    ----------
    by
        The metadata column that gave the groups (e.g. ``"genotype"``).
    comparison
        The tests (:class:`~bams.discovery.compare.Comparison`).
    labels
        The group of each recording, in the order of the recordings.
    units
        The unit (animal) of each recording, or None (each recording its own unit).
    motifs_digest
        :attr:`Motifs.digest` of the motifs whose usage was compared, or None.
    """

    by: str
    comparison: Comparison
    labels: list[str]
    units: list[str] | None = None
    motifs_digest: str | None = None


def comparison_folder(run_dir: str | Path, by: str) -> Path:
    """``RUN/comparison/<by>``, the column name made safe for a folder name."""
    from bams.layout import COMPARISON_DIR

    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", by).strip("._") or "groups"
    if name != by:  # two columns must not share a folder ("dose mg", "dose/mg")
        name += "-" + hashlib.sha256(by.encode()).hexdigest()[:6]
    return Path(run_dir) / COMPARISON_DIR / name


def save_comparison(saved: SavedComparison, data: Recordings, directory: str | Path) -> Path:
    """Write a comparison into ``directory``.

    Files: ``comparison.csv`` (one row per test, :meth:`Comparison.to_frame`),
    ``motif_usage.csv`` (per motif, when motifs were compared), ``groups.csv`` (``recording,
    group, unit``) and ``comparison.json`` (the column, the settings and the recordings'
    fingerprint). Each file is written atomically.

    Returns
    -------
    Path
        ``directory``.
    """
    import pandas

    directory = Path(directory)
    result = saved.comparison
    atomic_write(directory / TESTS_FILE, result.to_frame().to_csv(index=False))
    if result.motifs is not None:
        atomic_write(directory / MOTIFS_FILE, result.motif_frame().to_csv(index=False))
    elif (directory / MOTIFS_FILE).exists():
        (directory / MOTIFS_FILE).unlink()  # from an earlier comparison with motifs
    groups = pandas.DataFrame(
        {"recording": data.ids, "group": saved.labels, "unit": saved.units or data.ids}
    )
    atomic_write(directory / GROUPS_FILE, groups.to_csv(index=False))
    meta = {
        "by": saved.by,
        "groups": list(result.groups),
        "fingerprint": data.fingerprint,
        "units": saved.units is not None,
        "motifs_digest": saved.motifs_digest,
    }
    atomic_write(directory / META_FILE, json.dumps(meta, indent=2))
    return directory


def load_comparison(directory: str | Path, data: Recordings | None = None) -> SavedComparison:
    """Read a comparison :func:`save_comparison` wrote.

    Raises
    ------
    FileNotFoundError
        If a file is missing.
    ValueError
        If the comparison was made on recordings other than ``data``.
    """
    import pandas

    directory = Path(directory)
    for name in (TESTS_FILE, GROUPS_FILE, META_FILE):
        if not (directory / name).is_file():
            raise FileNotFoundError(
                f"Expected a comparison file at {str(directory / name)!r}, but it does not exist."
            )
    meta = json.loads((directory / META_FILE).read_text())
    if data is not None and meta.get("fingerprint") != data.fingerprint:
        raise ValueError(
            f"Expected a comparison of the recordings shown, but the one in {directory} was "
            "made on other recordings; run `bams compare` on them again."
        )
    tests = pandas.read_csv(directory / TESTS_FILE).set_index("test")
    groups = pandas.read_csv(directory / GROUPS_FILE, dtype=str, keep_default_na=False)
    motif_path = directory / MOTIFS_FILE
    first = tests.iloc[0]
    comparison = Comparison(
        groups=[str(g) for g in meta["groups"]],
        latent=str(first["latent"]),
        n_recordings=int(first["n_recordings"]),
        n_units=int(first["n_units"]),
        n_splits=int(first["n_splits"]),
        n_permutations=int(first["n_permutations"]),
        scheme=str(first["scheme"]),
        accuracy=float(tests.loc["classification", "value"]),
        accuracy_p=float(tests.loc["classification", "p_value"]),
        distance=float(tests.loc["distance", "value"]),
        distance_p=float(tests.loc["distance", "p_value"]),
        motifs=pandas.read_csv(motif_path) if motif_path.is_file() else None,
    )
    units = groups["unit"].tolist() if meta.get("units") else None
    labels = groups["group"].tolist()
    return SavedComparison(meta["by"], comparison, labels, units, meta.get("motifs_digest"))


def group_labels(saved: Sequence[SavedComparison]) -> dict[str, np.ndarray]:
    """``{column: (n_recordings,) group labels}`` of saved comparisons (for coloring)."""
    return {s.by: np.asarray(s.labels, dtype=str) for s in saved}
