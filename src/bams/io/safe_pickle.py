"""Read ``.npy`` files that hold pickled Python objects without running code from them.

The MABe 2022 files are written with ``np.save`` of a ``dict``: NumPy wraps the dict in a 0-d
object array and pickles it. ``np.load(path, allow_pickle=True)`` would run whatever a crafted
file asks for; :func:`load_pickled_npy` rebuilds only NumPy arrays, NumPy scalars, dtypes and
plain Python containers and values, and refuses everything else.
"""

from __future__ import annotations

import builtins
import collections
import importlib
import os
import pickle
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npy_format

__all__ = ["UnsafePickleError", "load_pickled_npy"]


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle refers to a global that is not needed to rebuild arrays and containers."""


_BUILTINS = (
    "dict",
    "list",
    "tuple",
    "set",
    "frozenset",
    "str",
    "bytes",
    "bytearray",
    "int",
    "float",
    "complex",
    "bool",
)
# Functions NumPy's own pickles call; looked up in numpy._core (NumPy 2) or numpy.core (NumPy 1).
_NUMPY_FUNCTIONS = {
    "multiarray": ("_reconstruct", "scalar"),
    "numeric": ("_frombuffer",),
}


def _numpy_core_module(name: str) -> Any:
    """``numpy._core.<name>`` on NumPy 2, ``numpy.core.<name>`` on NumPy 1."""
    try:
        return importlib.import_module(f"numpy._core.{name}")
    except ImportError:  # pragma: no cover - NumPy 1
        return importlib.import_module(f"numpy.core.{name}")


def _allowed_globals() -> dict[tuple[str, str], Any]:
    """The globals a pickle of arrays and plain containers may name, mapped to their objects."""
    allowed: dict[tuple[str, str], Any] = {}
    for name in _BUILTINS:
        allowed["builtins", name] = getattr(builtins, name)
        allowed["__builtin__", name] = getattr(builtins, name)  # protocol 2 (Python 2 names)
    allowed["collections", "OrderedDict"] = collections.OrderedDict
    # Protocol 2 pickles store ``bytes`` as _codecs.encode(text, "latin1"): a pure function.
    allowed["_codecs", "encode"] = importlib.import_module("_codecs").encode
    allowed["numpy", "ndarray"] = np.ndarray
    allowed["numpy", "dtype"] = np.dtype
    for module, names in _NUMPY_FUNCTIONS.items():
        core = _numpy_core_module(module)
        for name in names:
            function = getattr(core, name)
            # Files written by NumPy 2 name numpy._core, those written by NumPy 1 numpy.core.
            allowed[f"numpy._core.{module}", name] = function
            allowed[f"numpy.core.{module}", name] = function
    return allowed


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler whose ``find_class`` admits only array and container building blocks."""

    def __init__(self, file: BinaryIO, source: str) -> None:
        super().__init__(file)
        self._source = source
        self._allowed = _allowed_globals()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[module, name]
        except KeyError:
            raise UnsafePickleError(
                f"Expected only NumPy arrays and plain containers in '{self._source}', "
                f"but the file refers to {module}.{name}."
            ) from None


def load_pickled_npy(path: str | os.PathLike[str]) -> object:
    """Load a ``.npy`` file, rebuilding a pickled object without running code from the file.

    Plain (non-object) arrays are read with ``np.load(allow_pickle=False)``. Object arrays are
    unpickled with an unpickler that admits only NumPy arrays, NumPy scalars, dtypes and the
    builtin containers and values (``dict``, ``list``, ``tuple``, ``set``, ``frozenset``,
    ``str``, ``bytes``, ``int``, ``float``, ``complex``, ``bool``, ``OrderedDict``). A 0-d
    object array, as ``np.save`` writes for a ``dict``, is unwrapped into that object.

    Parameters
    ----------
    path
        A ``.npy`` file.

    Returns
    -------
    object
        The pickled object (e.g. a ``dict``) for a 0-d object array, otherwise the array, of
        the shape stored in the file.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    UnsafePickleError
        If the pickle refers to anything else than the building blocks above (e.g.
        ``os.system``); a subclass of both ``pickle.UnpicklingError`` and ``ValueError``.
    ValueError
        If the file is not a ``.npy`` file, or its pickle is truncated or corrupt.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "clips.npy"
    >>> np.save(path, {"a": np.zeros((2, 3), np.float32)})
    >>> load_pickled_npy(path)["a"].shape
    (2, 3)
    """
    source = os.fspath(path)
    with open(source, "rb") as file:
        dtype = _read_dtype(file, source)
        if not dtype.hasobject:
            file.seek(0)
            try:
                return np.load(file, allow_pickle=False)
            except (ValueError, EOFError, OSError) as err:
                raise ValueError(
                    f"Expected a complete .npy file in '{source}', but reading it failed: {err}"
                ) from err
        try:
            array = _RestrictedUnpickler(file, source).load()
        except UnsafePickleError:
            raise
        except Exception as err:  # a corrupt pickle can raise nearly any exception type
            raise ValueError(
                f"Expected a complete pickled object in '{source}', but unpickling failed: "
                f"{type(err).__name__}: {err}"
            ) from err
    if isinstance(array, np.ndarray) and array.dtype.hasobject and array.shape == ():
        return array.item()
    return array


def _read_dtype(file: BinaryIO, source: str) -> np.dtype:
    """Read the magic string and header of a ``.npy`` file; return the dtype it declares."""
    readers = {
        (1, 0): npy_format.read_array_header_1_0,
        (2, 0): npy_format.read_array_header_2_0,
    }
    try:
        version = npy_format.read_magic(file)
    except (ValueError, EOFError) as err:
        raise ValueError(f"Expected a .npy file in '{source}', but {err}") from err
    if version not in readers:
        raise ValueError(
            f"Expected .npy format version 1.0 or 2.0 in '{source}', but got "
            f"{version[0]}.{version[1]}."
        )
    try:
        _shape, _fortran_order, dtype = readers[version](file)
    except (ValueError, EOFError) as err:
        raise ValueError(f"Expected a valid .npy header in '{source}', but {err}") from err
    return dtype
