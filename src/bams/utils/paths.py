"""Checks on the paths a command is given, run before it writes anything."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["check_outputs_apart"]


def check_outputs_apart(
    outputs: Mapping[str, str | os.PathLike], inputs: Mapping[str, str | os.PathLike | None]
) -> None:
    """Raise if an output path is one of the inputs (writing it would destroy the input).

    Parameters
    ----------
    outputs, inputs
        ``{option name: path}``, e.g. ``{"-o": "emb.npz"}`` and ``{"--data": "data.npz"}``;
        ``None`` inputs are skipped.

    Raises
    ------
    ValueError
        Naming the output and the input it would overwrite.

    Examples
    --------
    >>> check_outputs_apart({"-o": "a.npz"}, {"--data": "b.npz"})  # fine
    >>> check_outputs_apart({"-o": "a.npz"}, {"--data": "./a.npz"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Expected -o apart from the inputs, but 'a.npz' is the --data file: ...
    """
    resolved = {name: Path(p).resolve() for name, p in inputs.items() if p is not None}
    for out_name, out_path in outputs.items():
        target = Path(out_path).resolve()
        for in_name, in_path in resolved.items():
            if target == in_path:
                raise ValueError(
                    f"Expected {out_name} apart from the inputs, but {str(out_path)!r} is the "
                    f"{in_name} file: writing it would destroy it."
                )
