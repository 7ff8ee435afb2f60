"""Metadata tables: one row per recording (condition, genotype, animal, session, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["RECORDING_COLUMN", "read_metadata"]

RECORDING_COLUMN = "recording"


def read_metadata(
    path: str | Path, ids: Sequence[str], columns: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """Read a CSV table of metadata, one row per recording id.

    Parameters
    ----------
    path
        A CSV file with a ``recording`` column holding the recording ids (as ``bams embed``
        and ``bams motifs`` write them) and one column per variable. Every value is read as
        text; rows of ids not in ``ids`` are ignored, and a repeated id keeps its first row.
    ids
        The recording ids, in order.
    columns
        The columns wanted (default: all but ``recording``).

    Returns
    -------
    dict
        ``{column: (len(ids),) str array}`` in the order of ``ids``.

    Raises
    ------
    ValueError
        If a column is missing or a recording has no row.
    """
    import pandas as pd

    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(
            f"Expected a CSV table of metadata in {path}, but got: {str(err).strip()}"
        ) from err
    wanted = [RECORDING_COLUMN, *(columns if columns is not None else [])]
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise ValueError(f"Expected columns {missing} in {path}, but got {list(table)}.")
    table = table.drop_duplicates(RECORDING_COLUMN).set_index(RECORDING_COLUMN)
    absent = [i for i in ids if i not in table.index]
    if absent:
        raise ValueError(f"Expected every recording in {path}, but got none for {absent[:5]}.")
    names = list(columns) if columns is not None else [c for c in table.columns if c.strip()]
    names = [c for c in names if not c.startswith("Unnamed: ")]  # a saved pandas index
    rows = table.loc[list(ids)]
    return {name: rows[name].to_numpy(dtype=str) for name in names}
