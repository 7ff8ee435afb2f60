"""Claiming a run directory: nothing a run wrote is replaced or raced without being asked.

A directory that holds a run (``model.pt`` or a checkpoint) is refused unless the caller
resumes it or asks to overwrite it; a lock held for the run's lifetime makes a second run into
the same directory fail at once instead of silently mixing the two; on ``overwrite``, the
outputs derived from the old model (its embeddings, evaluation and report) are removed once
the new run has started, so that none of them can be taken for the new model's.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from bams.layout import (
    CHECKPOINT_DIR,
    EMBEDDINGS_FILE,
    EVALUATION_DIR,
    LAST_CHECKPOINT,
    MODEL_FILE,
    REPORT_DIR,
)

__all__ = ["LOCK_FILE", "check_run_dir", "claim_run_dir"]

LOCK_FILE = ".bams.lock"
"""Held by the process that trains into a run directory, for as long as it does."""


def check_run_dir(run_dir: Path, *, resume: bool, overwrite: bool) -> None:
    """Raise unless ``run_dir`` may receive a run (writes nothing).

    Raises
    ------
    ValueError
        If ``resume`` and ``overwrite`` are both asked, ``run_dir`` is a file, or it holds a
        run and neither is asked.
    """
    if resume and overwrite:
        raise ValueError("Expected either resume or overwrite, but got both.")
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"Expected a run directory, but {str(run_dir)!r} is a file.")
    held = [name for name in _RUN_FILES if (run_dir / name).is_file()]
    if held and not (resume or overwrite):
        raise ValueError(
            f"Expected an empty run directory, but {str(run_dir)!r} holds a run "
            f"({', '.join(held)}); pass --resume to continue it or --overwrite to replace it "
            "(resume=True / overwrite=True in Python)."
        )


@contextmanager
def claim_run_dir(run_dir: Path, *, overwrite: bool) -> Iterator[None]:
    """Hold the lock of ``run_dir`` for the block; on ``overwrite``, clear the old outputs.

    Raises
    ------
    ValueError
        If another process holds the lock (a run in progress).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(run_dir / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout as err:
        raise ValueError(
            f"Expected no other run in {str(run_dir)!r}, but another process is training "
            f"there (it holds {str(run_dir / LOCK_FILE)!r}); wait for it or choose another "
            "--output-dir."
        ) from err
    try:
        if overwrite:
            _remove_derived_outputs(run_dir)
        yield
    finally:
        lock.release()


# What marks a directory as holding a run, and what a new model makes stale.
_RUN_FILES = (MODEL_FILE, f"{CHECKPOINT_DIR}/{LAST_CHECKPOINT}")
_DERIVED = (MODEL_FILE, EMBEDDINGS_FILE, EVALUATION_DIR, REPORT_DIR)


def _remove_derived_outputs(run_dir: Path) -> None:
    for name in _DERIVED:
        path = run_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    (run_dir / CHECKPOINT_DIR / LAST_CHECKPOINT).unlink(missing_ok=True)
