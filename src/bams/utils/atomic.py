"""Atomic writes: a file is written beside its destination, then renamed into place.

A crash or an error while writing never leaves a truncated file at the destination, and the
previous version stays intact until the new one is complete. Temporary names are unique (two
writers never share one), and the file ends with the permissions the umask gives a new file
(``tempfile.mkstemp`` alone would leave it private, ``0600``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "atomic_write", "publish", "temporary_sibling"]


def temporary_sibling(path: str | os.PathLike) -> Path:
    """Create an empty, uniquely named file in the directory of ``path`` and return its path.

    The directory is created if needed. The caller writes into the file, then calls
    :func:`publish` (or deletes it).

    Raises
    ------
    IsADirectoryError
        If ``path`` is a directory.
    OSError
        If its folder cannot be created or written (``PermissionError`` when not allowed).
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"Expected a file to write, but {str(path)!r} is a directory.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        # One plain message: the temporary name in the original error would confuse.
        kind = PermissionError if isinstance(err, PermissionError) else OSError
        raise kind(
            f"Expected a folder where {str(path)!r} can be written, but {str(path.parent)!r} "
            f"is not writable ({err.strerror or err})."
        ) from err
    os.close(fd)
    return Path(tmp)


def publish(tmp: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Give ``tmp`` the permissions of a normal new file and rename it to ``path``."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)
    return Path(path)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on error it is removed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    tmp = temporary_sibling(path)
    try:
        yield tmp
        publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: str | os.PathLike, content: bytes | str | Callable[[Path], object]) -> Path:
    """Write ``content`` to ``path`` atomically and return ``path``.

    Parameters
    ----------
    path
        The destination; its directory is created if needed.
    content
        Bytes, text (written as UTF-8), or a function that writes the file at the temporary
        path it is given (e.g. ``lambda tmp: torch.save(state, tmp)``).

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> atomic_write(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "hello").read_text()
    'hello'
    """
    with atomic_path(path) as tmp:
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        elif isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        else:
            content(tmp)
    return Path(path)
