"""Atomic writes: a file is written beside its destination, then renamed into place.

A crash or an error while writing never leaves a truncated file at the destination, and the
previous version stays intact until the new one is complete. Temporary names are unique (two
writers never share one), and the file ends with the permissions the umask gives a new file
(``tempfile.mkstemp`` alone would leave it private, ``0600``). A directory (e.g. a recordings
store) is written the same way: into a temporary sibling directory, renamed into place when
complete (:func:`temporary_directory`, :func:`publish_directory`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "atomic_path",
    "atomic_write",
    "publish",
    "publish_directory",
    "temporary_directory",
    "temporary_sibling",
]


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
        raise _not_writable(path, err) from err
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


def temporary_directory(path: str | os.PathLike) -> Path:
    """Create an empty, uniquely named directory beside ``path`` and return its path.

    The caller fills it, then calls :func:`publish_directory` (or removes it).

    Raises
    ------
    OSError
        If the folder of ``path`` cannot be created or written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise _not_writable(path, err) from err
    return Path(tmp)


def publish_directory(tmp: str | os.PathLike, path: str | os.PathLike, overwrite: bool) -> Path:
    """Give the directory ``tmp`` normal permissions and rename it to ``path``.

    An existing ``path`` is replaced only if ``overwrite``: it is first renamed aside, so a
    reader never sees a mix of the two, then removed. (Between the two renames ``path`` is
    briefly absent: a directory cannot be swapped in one portable call.)

    Raises
    ------
    FileExistsError
        If ``path`` exists and not ``overwrite``.
    """
    tmp, path = Path(tmp), Path(path)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private (0700)
    old = None
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise FileExistsError(
                f"Expected a new path to write, but {str(path)!r} exists (pass overwrite=True "
                "to replace it)."
            )
        old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
        os.replace(path, old / path.name)
    os.replace(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return path


def _not_writable(path: Path, err: OSError) -> OSError:
    """One plain message (the temporary name in ``err`` would confuse), of ``err``'s kind."""
    kind = PermissionError if isinstance(err, PermissionError) else OSError
    return kind(
        f"Expected a folder where {str(path)!r} can be written, but {str(path.parent)!r} "
        f"is not writable ({err.strerror or err})."
    )
