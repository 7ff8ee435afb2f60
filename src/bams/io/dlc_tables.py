"""DeepLabCut tables as they exist in labs, where ``movement``'s own validators reject them.

``movement`` reads DeepLabCut output saved the way DeepLabCut saves it: an HDF5 file whose
DataFrame is under the key ``df_with_missing``, or a CSV file whose first column holds the
header names ``scorer``, (``individuals``), ``bodyparts``, ``coords``. Real files also come

- as HDF5 tables under another key (multi-animal DeepLabCut stores its tracks under
  ``"tracks"``, in pandas' ``"table"`` format), and
- as CSV files re-saved by pandas, with an extra leading index column (and the repeated scorer
  names renamed ``scorer.1``, ``scorer.2``, ... when pandas read the file with one header row),
  as in the open-field data of Sturman et al. 2020 (scorer ``DeepCut_resnet50_...``).

:class:`ValidDeepLabCutTable` accepts those files (it follows the protocol of ``movement``'s
file validators, so :mod:`bams.io.pose_formats` detects them like any other file) and
:func:`read_dlc_table` reads them into the DataFrame that ``movement`` converts
(``movement.io.load_poses.from_dlc_style_df``). :class:`ValidSleapAnalysisH5` keeps
``movement``'s SLEAP analysis validator from taking a DeepLabCut table stored under
``"tracks"`` for a SLEAP analysis file. pandas, h5py and PyTables come with ``movement``.
"""

from __future__ import annotations

import csv
import os
import re
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

LEVELS = ("scorer", "individuals", "bodyparts", "coords")
SINGLE_LEVELS = ("scorer", "bodyparts", "coords")
COORDS = (("x", "y"), ("x", "y", "likelihood"), ("x", "y", "z"), ("x", "y", "z", "likelihood"))
_PROBE_ROWS = 6  # enough to find the header rows below one junk row of a re-saved file


class ValidDeepLabCutTable:
    """Accepts DeepLabCut ``.h5`` and ``.csv`` files in the layouts ``movement`` does not read.

    Parameters
    ----------
    file
        Path to the ``.h5`` or ``.csv`` file.

    Attributes
    ----------
    suffixes
        The file suffixes accepted: ``{".h5", ".csv"}``.
    file
        The file, as a :class:`~pathlib.Path`.
    key
        ``.h5``: the HDF5 key of the one DeepLabCut table in the file; ``.csv``: None.
    header
        ``.csv``: ``(row, column, levels)``, the first header row, the column holding the
        level names (0, or 1 after an index column) and those names; ``.h5``: None.

    Raises
    ------
    ValueError
        If the file holds no DeepLabCut table (or several), or is not HDF5 or CSV.
    OSError
        If the file cannot be read.
    """

    suffixes: ClassVar[set[str]] = {".h5", ".csv"}

    def __init__(self, file: str | os.PathLike) -> None:
        self.file = Path(file)
        self.key: str | None = None
        self.header: tuple[int, int, tuple[str, ...]] | None = None
        if self.file.suffix == ".h5":
            self.key = _h5_key(self.file)
        else:
            self.header = _csv_header(self.file)


class ValidSleapAnalysisH5:
    """``movement``'s SLEAP analysis validator, which also requires ``tracks`` to be an array.

    A pandas table stored under the key ``"tracks"`` (as multi-animal DeepLabCut does) is an
    HDF5 *group* named ``tracks``: ``movement``'s validator only checks the name, and reading
    the file as SLEAP then fails inside h5py.

    Parameters
    ----------
    file
        Path to the ``.h5`` file.

    Raises
    ------
    ValueError
        If ``movement``'s validator rejects the file or ``tracks`` is not an array.
    """

    suffixes: ClassVar[set[str]] = {".h5"}

    def __init__(self, file: str | os.PathLike) -> None:
        import h5py
        from movement.validators.files import ValidSleapAnalysis  # imported by pose_formats

        self.file = ValidSleapAnalysis(file=file).file
        with h5py.File(self.file, "r") as handle:
            if not isinstance(handle["tracks"], h5py.Dataset):
                raise ValueError(
                    f"Expected 'tracks' to be an array in a SLEAP analysis file, but it is a "
                    f"group in {self.file.name!r} (a pandas table, as DeepLabCut writes)."
                )


def read_dlc_table(path: str | os.PathLike) -> Any:
    """Read a DeepLabCut table that :class:`ValidDeepLabCutTable` accepts.

    Parameters
    ----------
    path
        The ``.h5`` or ``.csv`` file.

    Returns
    -------
    pandas.DataFrame
        Float values, one row per frame, columns ``(scorer, [individuals,] bodyparts, coords)``
        ordered individual by individual, bodypart by bodypart, as
        ``movement.io.load_poses.from_dlc_style_df`` expects them.

    Raises
    ------
    ValueError
        If the file is not such a table, its values are not numbers, or its columns do not
        give every individual the same bodyparts and every bodypart the same coords.
    """
    import pandas as pd

    table = ValidDeepLabCutTable(path)
    if table.key is not None:
        frame = pd.read_hdf(table.file, key=table.key)
    else:
        frame = _read_csv(table.file, *table.header)
    return _canonical(frame, table.file.name)


# ---------------------------------------------------------------------- HDF5
def _h5_key(path: Path) -> str:
    """The key of the one DataFrame with DeepLabCut column levels in ``path``."""
    import h5py
    import pandas as pd

    if not h5py.is_hdf5(path):
        raise ValueError(f"Expected an HDF5 file, but {path.name!r} is not one.")
    with pd.HDFStore(path, "r") as store:
        keys = store.keys()
        # One row is enough to see the columns, in the "fixed" format as in "table".
        found = [k for k in keys if _has_dlc_levels(store.select(k, stop=1))]
    if len(found) != 1:
        raise ValueError(
            f"Expected one pandas table with the column levels {list(LEVELS)} (individuals "
            f"optional) in {path.name!r}, but got {len(found)} among the keys {keys}."
        )
    return found[0]


def _has_dlc_levels(stored: Any) -> bool:
    names = tuple(getattr(getattr(stored, "columns", None), "names", ()))
    return names in (LEVELS, SINGLE_LEVELS)


# ---------------------------------------------------------------------- CSV
def _csv_header(path: Path) -> tuple[int, int, tuple[str, ...]]:
    """``(row, column, levels)`` of the header rows, found in the first two rows and columns."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(islice(csv.reader(handle), _PROBE_ROWS))
    for column in range(2):
        cells = [row[column].strip() if len(row) > column else "" for row in rows]
        for row in range(2):
            for levels in (LEVELS, SINGLE_LEVELS):
                if tuple(cells[row : row + len(levels)]) == levels:
                    return row, column, levels
    first = [",".join(row[:3]) for row in rows[:4]]
    raise ValueError(
        f"Expected DeepLabCut header rows starting {list(SINGLE_LEVELS)} (after 'individuals' "
        f"in multi-animal files) in the first or second column of {path.name!r}, but got {first}."
    )


def _read_csv(path: Path, row: int, column: int, levels: tuple[str, ...]) -> Any:
    """The header rows as column levels over the values of every later row, as floats."""
    import pandas as pd

    try:
        raw = pd.read_csv(
            path, header=None, skiprows=row, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        header = (
            raw.iloc[: len(levels), column + 1 :].fillna("").apply(lambda cells: cells.str.strip())
        )
        values = raw.iloc[len(levels) :, column + 1 :].replace("", np.nan).astype(np.float64)
    except ValueError as err:  # pandas' ParserError is one
        raise ValueError(
            f"Expected numbers below the DeepLabCut header of {path.name!r}, but got: {err}."
        ) from err
    named = (header != "").any(axis=0).to_numpy()  # a trailing comma adds an unnamed column
    arrays = [list(header.iloc[i, named]) for i in range(len(levels))]
    # pandas renames repeated cells of the row it read as a header (X, X.1, X.2, ...): in a
    # re-saved file that is the scorer row, and the scorer is one name.
    scorers = arrays[0]
    arrays[0] = [re.sub(r"\.\d+$", "", s) if s.rsplit(".", 1)[0] in scorers else s for s in scorers]
    values = values.loc[:, named]
    values.columns = pd.MultiIndex.from_arrays(arrays, names=list(levels))
    return values.reset_index(drop=True)


# ---------------------------------------------------------------------- columns
def _canonical(frame: Any, name: str) -> Any:
    """``frame`` with one scorer and its columns in the order movement reshapes them in."""
    import pandas as pd

    columns = frame.columns.droplevel("scorer")
    bodyparts = list(dict.fromkeys(columns.get_level_values("bodyparts")))
    coords = tuple(dict.fromkeys(columns.get_level_values("coords")))
    if coords not in COORDS:
        raise ValueError(
            f"Expected the coords of {name!r} to be one of {[list(c) for c in COORDS]}, "
            f"but got {list(coords)}."
        )
    wanted = [(b, c) for b in bodyparts for c in coords]
    if "individuals" in columns.names:
        _check_same_bodyparts(columns, name)
        individuals = dict.fromkeys(columns.get_level_values("individuals"))
        wanted = [(i, *column) for i in individuals for column in wanted]
    present = set(columns)
    missing = [column for column in wanted if column not in present]
    repeated = list(columns[columns.duplicated()])
    if missing or repeated:
        raise ValueError(
            f"Expected each bodypart of {name!r} to have the coords {list(coords)} once, but "
            f"got {len(missing)} missing columns {missing[:3]} and {len(repeated)} repeated "
            f"{repeated[:3]}."
        )
    try:
        values = frame.set_axis(columns, axis=1)[wanted].astype(np.float64)
    except (ValueError, TypeError) as err:
        raise ValueError(f"Expected numbers in {name!r}, but got: {err}.") from err
    scorer = str(frame.columns.get_level_values("scorer")[0])
    return pd.concat({scorer: values}, axis=1, names=["scorer"])


def _check_same_bodyparts(columns: Any, name: str) -> None:
    """Raise unless every individual has the first one's bodyparts (movement needs them)."""
    individuals = columns.get_level_values("individuals")
    per = {
        i: list(dict.fromkeys(columns.get_level_values("bodyparts")[individuals == i]))
        for i in dict.fromkeys(individuals)
    }
    (first, expected), *others = per.items()
    for individual, bodyparts in others:
        if bodyparts != expected:
            raise ValueError(
                f"Expected every individual of {name!r} to have the bodyparts {expected} of "
                f"{first!r} (movement reads no unique bodyparts), but {individual!r} has "
                f"{bodyparts}."
            )
