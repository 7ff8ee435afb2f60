"""Find data files shipped inside an installed package, without importing the package."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_folder(package: str) -> Path | None:
    """The installed folder of a top-level ``package``, or ``None`` if it is not installed.

    Uses :func:`importlib.util.find_spec`, which locates a top-level package without running
    its ``__init__`` (the packages that ship these data sets pin old versions of numpy and
    cannot be imported next to ours; ``pip install --no-deps`` is enough to read the files).
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def package_data(package: str, relative: str, install: str) -> Path:
    """The folder ``relative`` inside the installed ``package``.

    Parameters
    ----------
    package
        Top-level package name, e.g. ``"larvaworld"``.
    relative
        Path of the data folder inside the package.
    install
        The command that installs the package, for the error message.

    Returns
    -------
    Path
        The data folder.

    Raises
    ------
    ImportError
        If the package is not installed.
    FileNotFoundError
        If the package is installed but has no such folder (another version).
    """
    folder = package_folder(package)
    if folder is None:
        raise ImportError(
            f"Expected the {package} package, which ships this data set, but it is not "
            f"installed: {install}"
        )
    path = folder / relative
    if not path.is_dir():
        raise FileNotFoundError(
            f"Expected the folder {relative!r} inside the installed {package} package, but "
            f"{str(path)!r} does not exist; install the version that ships it: {install}"
        )
    return path
