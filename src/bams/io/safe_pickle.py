"""Read ``.npy`` files that hold pickled Python objects without running code from them.

The MABe 2022 files are written with ``np.save`` of a ``dict``: NumPy wraps the dict in a 0-d
object array and pickles it. ``np.load(path, allow_pickle=True)`` would run whatever a crafted
file asks for; :func:`load_pickled_npy` rebuilds only NumPy arrays, NumPy scalars, dtypes and
plain Python containers and values, and refuses everything else.

Nor may a small file ask for a lot of memory. Sizes read from it (a shape, an itemsize,
``bytearray(n)``, a ``BINBYTES8`` length) are checked before anything is allocated: a length
may not run past the end of the file, and what the calls and array states of one pickle
create may hold ``8 * file size + 1 MiB`` bytes in all. Eight is one pointer per element of
an object array or container, each element taking at least one byte of the file; an honest
array's data is in the file, one byte per byte. What opcodes build by themselves (one small
object per opcode) is not counted: it grows with the file, not with a number in it.
"""

from __future__ import annotations

import builtins
import collections
import importlib
import math
import os
import pickle
import re
import struct
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npy_format

__all__ = ["UnsafePickleError", "load_pickled_npy"]


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle asks for more than arrays and containers need: a global, or memory."""


_BUILTINS = "dict list tuple set frozenset str bytes bytearray int float complex bool".split()  # noqa: SIM905
# Functions NumPy's own pickles call; looked up in numpy._core (NumPy 2) or numpy.core (NumPy 1).
_NUMPY_FUNCTIONS = {"_reconstruct": "multiarray", "scalar": "multiarray", "_frombuffer": "numeric"}
_BUDGET_FACTOR = 8  # bytes of objects per byte of file: one pointer per one-byte element
_BUDGET_FLOOR = 1 << 20  # so that a tiny file may hold a few empty arrays and scalars
_CALL_BYTES = 32  # charged per call and array state: one small object (a NumPy scalar)
# Codecs of at most 4 output bytes per input unit; others expand more or run long.
_TEXT_CODECS = {"latin1", "latin-1", "latin_1", "iso-8859-1", "utf-8", "utf8", "ascii"}
_DTYPE_NAME = re.compile(r"[A-Za-z]\d{0,19}")  # what dtype.__reduce__ writes: kind + itemsize


def _numpy_core_module(name: str) -> Any:
    """``numpy._core.<name>`` on NumPy 2, ``numpy.core.<name>`` on NumPy 1."""
    try:
        return importlib.import_module(f"numpy._core.{name}")
    except ImportError:  # pragma: no cover - NumPy 1
        return importlib.import_module(f"numpy.core.{name}")


_NUMPY_CALLS = [getattr(_numpy_core_module(m), name) for name, m in _NUMPY_FUNCTIONS.items()]
_RECONSTRUCT, _SCALAR, _FROMBUFFER = _NUMPY_CALLS


def _allowed_globals() -> dict[tuple[str, str], Any]:
    """The globals a pickle of arrays and plain containers may name, mapped to their objects."""
    allowed: dict[tuple[str, str], Any] = {}
    for name in _BUILTINS:  # __builtin__: the Python 2 names of protocol 2 files
        allowed["builtins", name] = allowed["__builtin__", name] = getattr(builtins, name)
    allowed["collections", "OrderedDict"] = collections.OrderedDict
    # Protocol 2 pickles store ``bytes`` as _codecs.encode(text, "latin1"): a pure function.
    allowed["_codecs", "encode"] = importlib.import_module("_codecs").encode
    allowed["numpy", "ndarray"] = np.ndarray
    allowed["numpy", "dtype"] = np.dtype
    for (name, module), function in zip(_NUMPY_FUNCTIONS.items(), _NUMPY_CALLS, strict=True):
        # Files written by NumPy 2 name numpy._core, those written by NumPy 1 numpy.core.
        allowed[f"numpy._core.{module}", name] = allowed[f"numpy.core.{module}", name] = function
    return allowed


def _name(obj: Any) -> str:
    """``module.name`` of a class or function, for messages."""
    return f"{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', '?')}"


def _describe(obj: Any) -> str:
    """A short description of a value from a pickle; never the repr of something large."""
    if type(obj) is tuple and 0 < len(obj) <= 8 and all(type(x) is int for x in obj):
        return repr(tuple(obj)) if all(abs(x) < 1 << 64 for x in obj) else "a huge shape"
    if isinstance(obj, (str, bytes, bytearray, list, tuple, dict, set, frozenset)):
        return f"a {type(obj).__name__} of length {len(obj)}"
    if type(obj) is int and obj.bit_length() > 64:
        return f"an int of {obj.bit_length()} bits"  # repr fails beyond 4300 digits
    if isinstance(obj, (bool, int, float, complex, type(None), np.dtype)):
        return repr(obj)
    return _name(obj) if callable(obj) else f"a {_name(type(obj))}"


# The pure-Python unpickler, unlike the C one, lets REDUCE, BUILD and the length opcodes be
# checked before they allocate (the C one also sizes its memo by a 4-byte index in the file).
class _RestrictedUnpickler(pickle._Unpickler):
    """An unpickler that admits only array and container building blocks, within a budget."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file: BinaryIO, source: str, size: int) -> None:
        super().__init__(file)
        self._file, self._file_read = file, self._read_within  # load() reads through it
        self._source, self._size = source, size
        self._budget = self._left = _BUDGET_FACTOR * size + _BUDGET_FLOOR
        self._allowed = _allowed_globals()
        # Arrays and dtypes from _reconstruct and dtype() until their BUILD: only they may
        # change state, and nothing may use them before, so nothing sees a state change.
        self._pending: dict[int, Any] = {}

    def _refuse(self, expected: str, got: str) -> None:
        raise UnsafePickleError(f"Expected {expected} in '{self._source}', but got {got}.")

    def _charge(self, nbytes: int, what: str) -> None:
        """Count ``nbytes`` and one object against the budget, before they are allocated."""
        if nbytes + _CALL_BYTES > self._left:
            self._refuse(
                f"allocations within the budget of {_BUDGET_FACTOR} x the file's {self._size} "
                f"bytes + 1 MiB = {self._budget} bytes ({self._left} left)",
                f"{what} asking for {nbytes} bytes",
            )
        self._left -= nbytes + _CALL_BYTES

    def _read_within(self, size: int) -> bytes:
        """``file.read(size)``, refusing a length past the end of the file before allocating."""
        left = self._size - self._file.tell()
        if size > left:
            raise pickle.UnpicklingError(f"Expected at most {left} more bytes, but got {size}.")
        return self._file.read(size)

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[module, name]
        except KeyError:
            raise UnsafePickleError(
                f"Expected only NumPy arrays and plain containers in '{self._source}', "
                f"but the file refers to {module}.{name}."
            ) from None

    def _shape(self, shape: Any) -> tuple[int, ...]:
        dims = (shape,) if type(shape) is int else shape
        ok = type(dims) in (tuple, list) and len(dims) <= 64
        if not ok or not all(type(dim) is int and dim >= 0 for dim in dims):
            self._refuse("a shape of at most 64 non-negative ints", _describe(shape))
        return tuple(dims)

    def _dtype(self, dtype: Any) -> np.dtype:
        if type(dtype) in (str, bytes):  # a name (_reconstruct gets b"b"), not a list of fields
            name = dtype if type(dtype) is str else dtype.decode("latin1")
            if not _DTYPE_NAME.fullmatch(name):
                self._refuse("a dtype name of a kind and an itemsize", _describe(dtype))
            return np.dtype(name)
        if not isinstance(dtype, np.dtype):
            self._refuse("a dtype", _describe(dtype))
        if id(dtype) in self._pending:
            self._refuse("a dtype whose state is complete", f"{dtype!r} used before its BUILD")
        return dtype

    def load_reduce(self) -> None:
        args, func = self.stack.pop(), self.stack[-1]
        entry = _GUARDS.get(id(func))
        if entry is None or entry[0] is not func:
            self._refuse("calls only to allowed constructors", f"a call to {_describe(func)}")
        if type(args) is not tuple:
            self._refuse(f"a tuple of arguments for {_name(func)}", _describe(args))
        cost, args = entry[1](self, func, args)
        self._charge(cost, f"{_name(func)}()")
        self.stack[-1] = result = func(*args)
        if func is np.dtype or func is _RECONSTRUCT:
            self._pending[id(result)] = result

    def load_build(self) -> None:
        state, inst = self.stack.pop(), self.stack[-1]
        if self._pending.pop(id(inst), None) is not inst:
            self._refuse("BUILD only on a new array or dtype", f"BUILD on {_describe(inst)}")
        if isinstance(inst, np.dtype):
            self._build_dtype(inst, state)
            return
        if type(state) is not tuple or len(state) not in (4, 5):
            self._refuse("an array state (version, shape, dtype, fortran, data)", _describe(state))
        shape, dtype, data = self._shape(state[-4]), self._dtype(state[-3]), state[-1]
        count, nbytes = math.prod(shape), math.prod(shape) * dtype.itemsize
        if dtype.hasobject:  # NumPy reads past the end of a shorter list (and crashes)
            expected, ok = f"a list of {count} objects", type(data) is list and len(data) == count
        else:
            expected, ok = f"{nbytes} bytes", type(data) in (bytes, str) and len(data) == nbytes
        if not ok:
            self._refuse(f"{expected} for shape {shape} and dtype {dtype}", _describe(data))
        self._charge(count * max(dtype.itemsize, 1), "numpy.ndarray.__setstate__()")
        inst.__setstate__(state)

    def _build_dtype(self, dtype: np.dtype, state: Any) -> None:
        """``dtype.__setstate__(state)``, refusing a state NumPy would not build by itself.

        A state can claim any itemsize, a subarray beyond it, fields past it or raw bytes
        where objects are: arrays would then allocate or read more than counted.
        """
        if type(state) is not tuple or len(state) < 8:
            self._refuse("a dtype state of at least 8 items", _describe(state))
        subarray, fields = state[2] or (), state[4] or {}
        for part in [*subarray[:1], *(field[0] for field in fields.values())]:
            if isinstance(part, np.dtype):
                self._dtype(part)  # a part still waiting for its BUILD could change later
        dtype.__setstate__(state)
        rebuilt = _rebuilt(dtype)
        facts = [(t, t.itemsize, t.flags, t.alignment, t.fields) for t in (dtype, rebuilt)]
        if facts[0] != facts[1]:
            self._refuse(
                f"a dtype state consistent with {rebuilt!r} (itemsize {rebuilt.itemsize})",
                f"itemsize {dtype.itemsize}, flags {dtype.flags}, alignment {dtype.alignment}",
            )

    def load_bytearray8(self) -> None:  # not bytearray(size) first: read() checks the size
        self.append(bytearray(self.read(struct.unpack("<Q", self.read(8))[0])))

    # SETITEM(S) only into dicts: into an array, a key of lists nested by memo references
    # would become an index array exponentially larger than the file.
    def _set_items(self, items: list) -> None:
        target = self.stack[-1]
        if type(target) not in (dict, collections.OrderedDict):
            self._refuse("SETITEM(S) only into a dict", _describe(target))
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    dispatch[pickle.REDUCE[0]], dispatch[pickle.BUILD[0]] = load_reduce, load_build
    dispatch[pickle.BYTEARRAY8[0]] = load_bytearray8
    dispatch[pickle.SETITEM[0]] = lambda u: u._set_items([u.stack.pop(-2), u.stack.pop()])
    dispatch[pickle.SETITEMS[0]] = lambda u: u._set_items(u.pop_mark())
    # No pickle of an allowed type builds objects with cls.__new__, INST or OBJ.
    for _opcode in (pickle.NEWOBJ, pickle.NEWOBJ_EX, pickle.INST, pickle.OBJ):
        dispatch[_opcode[0]] = lambda u: u._refuse("objects built by REDUCE", "NEWOBJ/INST/OBJ")
    del _opcode


def _rebuilt(dtype: np.dtype) -> np.dtype:
    """The dtype NumPy builds from ``dtype``'s public description, checking it on the way."""
    if dtype.subdtype is not None:
        return np.dtype((_rebuilt(dtype.subdtype[0]), dtype.subdtype[1]))
    if dtype.names is None:
        return np.dtype(dtype.str)
    fields = [(*dtype.fields[name], None)[:3] for name in dtype.names]  # dtype, offset, title
    formats, offsets, titles = ([field[i] for field in fields] for i in range(3))
    spec = {"names": list(dtype.names), "formats": [_rebuilt(f) for f in formats]}
    spec.update(offsets=offsets, titles=titles, itemsize=dtype.itemsize)
    return np.dtype(spec, align=dtype.isalignedstruct)


# The argument types CPython's pickler writes when it calls a builtin (and a size for bytes
# and bytearray), with what each call allocates: "len" one byte per byte, "items" a pointer
# per element, "text" at most 4 bytes per character. Other calls are refused: str() of
# shared nested containers, for one, grows exponentially with the file.
_SIZED = {(): 0, (int,): "n", (bytes,): "len", (str, str): "text"}
_CALL_FORMS: dict[Any, dict[tuple[type, ...], Any]] = {bytes: _SIZED, bytearray: _SIZED}
_CALL_FORMS.update(dict.fromkeys((set, frozenset), {(): 0, (list,): "items"}))
_CALL_FORMS.update({complex: {(float, float): 0}, collections.OrderedDict: {(): 0}})
_CALL_FORMS[importlib.import_module("_codecs").encode] = {(str, str): "text"}
_PER_UNIT = {0: 0, "len": 1, "items": 8, "text": 4}


def _guard_plain(u: _RestrictedUnpickler, func: Any, args: tuple) -> tuple[int, tuple]:
    """Bytes that ``func(*args)`` allocates, for builtins called as in ``_CALL_FORMS``."""
    forms = _CALL_FORMS[func]
    cost = forms.get(tuple(type(arg) for arg in args))
    if cost is None:
        kinds = " or ".join(f"({', '.join(k.__name__ for k in form)})" for form in forms)
        u._refuse(f"{_name(func)}{kinds}", f"({', '.join(_describe(arg) for arg in args)})")
    if cost == "text" and args[1].lower() not in _TEXT_CODECS:
        u._refuse(f"one of the codecs {sorted(_TEXT_CODECS)}", _describe(args[1]))
    if cost == "n":
        return max(args[0], 0), args
    return (_PER_UNIT[cost] * len(args[0]) if cost else 0), args


def _guard_numpy(u: _RestrictedUnpickler, func: Any, args: tuple) -> tuple[int, tuple]:
    """Bytes that NumPy's pickle functions allocate, called as NumPy's own pickles call them.

    ``_reconstruct(ndarray, shape, dtype)`` makes a new array, ``scalar(dtype[, data])`` an
    itemsize (zeros without data), ``_frombuffer(data, dtype, shape, order)`` a view, and
    ``dtype(kind_and_itemsize, align, copy)`` a dtype: always a copy, so that its BUILD cannot
    change NumPy's shared ``dtype('f8')``, and by name, so that its fields come from BUILD.
    """
    kinds = tuple(type(arg) for arg in args)
    if func is np.dtype and kinds[:1] == (str,) and _DTYPE_NAME.fullmatch(args[0]):
        return 0, (args[0], len(args) > 1 and bool(args[1]), True)
    if func is _RECONSTRUCT and len(args) == 3 and args[0] is np.ndarray:
        shape, dtype = u._shape(args[1]), u._dtype(args[2])
        args = (np.ndarray, shape, dtype)
    elif func is _SCALAR and kinds[1:] in ((), (bytes,), (str,), (np.ndarray,)):
        if id(args[-1]) in u._pending:  # a structured scalar keeps using its 0-d array
            u._refuse("scalar(dtype[, data]) of a complete array", _describe(args))
        shape, dtype = (), u._dtype(args[0])
        args = (dtype, *args[1:])
    elif func is _FROMBUFFER and kinds[:1] in ((bytes,), (bytearray,)) and len(args) == 4:
        shape, dtype = u._shape(args[2]), u._dtype(args[1])
        args = (args[0], dtype, shape, args[3])
    else:
        u._refuse(f"{_name(func)}() called as NumPy's pickles call it", _describe(args))
    return math.prod(shape) * max(dtype.itemsize, 1), args


# By identity, as == between a dtype and a class converts the class (dtype('S') == bytes);
# numpy.ndarray and the other builtins are allowed as values but never called.
_GUARDS = {id(func): (func, _guard_plain) for func in _CALL_FORMS}
_GUARDS.update({id(func): (func, _guard_numpy) for func in (*_NUMPY_CALLS, np.dtype)})


def load_pickled_npy(path: str | os.PathLike[str]) -> object:
    """Load a ``.npy`` file, rebuilding a pickled object without running code from the file.

    Plain arrays are read with ``np.load(allow_pickle=False)`` if the file holds the data
    their header declares; object arrays are unpickled admitting only NumPy arrays, scalars
    and dtypes and builtin containers and values, within the memory budget of the module
    docstring. A 0-d object array, as ``np.save`` writes for a ``dict``, is unwrapped.

    Parameters
    ----------
    path
        A ``.npy`` file.

    Returns
    -------
    object
        The object of a 0-d object array (e.g. a ``dict``), otherwise the array.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    UnsafePickleError
        If the pickle refers to anything else (e.g. ``os.system``) or asks for more memory
        than the budget; a subclass of ``pickle.UnpicklingError`` and ``ValueError``.
    ValueError
        If the file is not a ``.npy`` file, its header declares more data than it holds, or
        its pickle is truncated or corrupt.

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
        shape, dtype = _read_header(file, source)
        size = os.fstat(file.fileno()).st_size
        remaining = size - file.tell()
        if not dtype.hasobject:
            count = math.prod(shape)  # np.load allocates all of it before reading
            if count * dtype.itemsize > remaining or count > _BUDGET_FACTOR * size + _BUDGET_FLOOR:
                raise ValueError(
                    f"Expected a complete .npy file in '{source}', with the data of the {shape} "
                    f"of {dtype} its header declares, but got {remaining} bytes of data."
                )
            file.seek(0)
            try:
                return np.load(file, allow_pickle=False)
            except (ValueError, EOFError, OSError) as err:
                raise ValueError(
                    f"Expected a complete .npy file in '{source}', but reading it failed: {err}"
                ) from err
        try:
            array = _RestrictedUnpickler(file, source, size).load()
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


def _read_header(file: BinaryIO, source: str) -> tuple[tuple[int, ...], np.dtype]:
    """Read the magic string and header of a ``.npy`` file; return its shape and dtype."""
    readers = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
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
        shape, _fortran_order, dtype = readers[version](file)
    except (ValueError, EOFError) as err:
        raise ValueError(f"Expected a valid .npy header in '{source}', but {err}") from err
    return shape, dtype
