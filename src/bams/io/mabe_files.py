"""Find the official MABe 2022 files of a species in a folder.

The challenge ships ``{prefix}_train.npy`` and ``{prefix}_test.npy`` per species (prefix
``mouse_triplet`` or ``fly_group``, :data:`bams.io.mabe_keypoints.SPECIES`), a labels file
``*test_labels.npy`` (``mouse_triplets_test_labels.npy`` for the mice) and a split file; the
public evaluator ships the official frame number map (``mouse_frame_number_map.npy``,
``flies_frame_number_map.npy``; the mouse one is also known as
``mouse_triplet_frame_number_map.npy``). :func:`find_mabe_files` locates them by name, with
errors that say which names it expects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bams.io.mabe_keypoints import SPECIES

__all__ = ["FRAME_MAP_STEMS", "MabeFiles", "find_mabe_files"]

FRAME_MAP_STEMS = {"mouse": ("mouse",), "fly": ("fly", "flies", "fruit_flies")}
"""How the name of each species' frame number map starts (it ends in ``frame_number_map.npy``;
a plain ``frame_number_map.npy`` is taken for either species)."""


@dataclass
class MabeFiles:
    """The MABe files found in a folder (``labels``, ``split`` and ``frame_map`` may be absent)."""

    train: Path
    test: Path
    labels: Path | None = None
    split: Path | None = None
    frame_map: Path | None = None


def find_mabe_files(data_dir: str | os.PathLike, species: str = "mouse") -> MabeFiles:
    """Find the official MABe 2022 files of ``species`` in ``data_dir``.

    Looks for ``{prefix}_train.npy`` and ``{prefix}_test.npy`` (prefix ``mouse_triplet`` or
    ``fly_group``), a labels file ``*test_labels.npy``, a split file (``.npy`` or
    ``.json`` with ``split`` in its name), preferring names that start with the prefix, and
    the official frame number map (``*frame_number_map.npy`` starting with ``mouse``, or
    with ``fly``, ``flies`` or ``fruit_flies``, or named ``frame_number_map.npy``).

    Raises
    ------
    FileNotFoundError
        If the folder or the train or test file is missing (the expected names are given).
    ValueError
        If the species is unknown, or several labels, split or frame map files match.
    """
    if species not in SPECIES:
        raise ValueError(f"Expected a species among {sorted(SPECIES)}, but got {species!r}.")
    prefix = SPECIES[species].file_prefix
    folder = Path(data_dir)
    expected = [f"{prefix}_train.npy", f"{prefix}_test.npy"]
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Expected a folder with {' and '.join(expected)}, but '{folder}' is not a folder."
        )
    missing = [name for name in expected if not (folder / name).is_file()]
    if missing:
        present = sorted(p.name for p in folder.iterdir())
        raise FileNotFoundError(
            f"Expected {' and '.join(expected)} in '{folder}' (optionally "
            f"{prefix}_test_labels.npy and a split file), but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing; the folder holds {present[:10]}"
            f"{' ...' if len(present) > 10 else ''}."
        )
    labels = _one_file(folder, prefix, lambda p: p.name.endswith("test_labels.npy"), "labels")
    split = _one_file(
        folder,
        prefix,
        lambda p: "split" in p.name.lower() and p.suffix.lower() in (".npy", ".json"),
        "split",
    )
    frame_map = _one_file(
        folder,
        prefix,
        lambda p: (
            p.name.lower() == "frame_number_map.npy"
            or (
                p.name.lower().endswith("_frame_number_map.npy")
                and p.name.lower().startswith(FRAME_MAP_STEMS[species])
            )
        ),
        "frame number map",
    )
    return MabeFiles(folder / expected[0], folder / expected[1], labels, split, frame_map)


def _one_file(folder: Path, prefix: str, match, what: str) -> Path | None:
    found = sorted(p for p in folder.iterdir() if p.is_file() and match(p))
    preferred = [p for p in found if p.name.startswith(prefix)]
    candidates = preferred or found
    if len(candidates) > 1:
        raise ValueError(
            f"Expected at most one {what} file in '{folder}', but got "
            f"{[p.name for p in candidates]}."
        )
    return candidates[0] if candidates else None
