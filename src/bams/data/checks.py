"""The checks behind :class:`~bams.data.Recordings`: each appends every problem it finds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = [
    "check_actions",
    "check_frame_labels",
    "check_frame_rate",
    "check_names",
    "check_sequence_labels",
    "check_sequences",
]


def check_sequences(sequences, problems: list[str]) -> list[np.ndarray]:
    """The recordings as contiguous float32 ``(T_i, F)`` arrays; shape and value problems."""
    if isinstance(sequences, np.ndarray) or not isinstance(sequences, Sequence):
        problems.append(
            "Expected a list of (n_frames, n_features) arrays, "
            f"but got {type(sequences).__name__} (use Recordings.from_arrays for one array)."
        )
        return []
    if len(sequences) == 0:
        problems.append("Expected at least one recording, but got none.")
        return []
    out = []
    n_features = None
    for i, seq in enumerate(sequences):
        arr = np.asarray(seq)
        if arr.dtype.kind not in "fiub":
            problems.append(f"recording {i}: Expected a numeric array, but got dtype {arr.dtype}.")
            out.append(arr)
            continue
        with np.errstate(over="ignore"):  # beyond float32's range: reported as infinities
            arr = np.ascontiguousarray(arr, dtype=np.float32)
        out.append(arr)
        if arr.ndim != 2:
            problems.append(
                f"recording {i}: Expected shape (n_frames, n_features), but got {arr.shape}."
            )
            continue
        if n_features is None:
            n_features = arr.shape[1]
        elif arr.shape[1] != n_features:
            problems.append(
                f"recording {i}: Expected {n_features} features like recording 0, "
                f"but got {arr.shape[1]}."
            )
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            problems.append(f"recording {i}: Expected a non-empty array, but got {arr.shape}.")
        elif np.isinf(arr).any():
            problems.append(f"recording {i}: Expected finite values or NaN, but got infinities.")
        elif np.isnan(arr).all():
            problems.append(f"recording {i}: Expected some observed values, but all are NaN.")
    return out


def check_names(
    names, count: int, what: str, prefix: str, problems: list[str], unique: bool = True
) -> list[str]:
    """``count`` names as text (``prefix`` + index when ``names`` is None), unique if asked."""
    if names is None:
        return [f"{prefix}{i}" for i in range(count)]
    if isinstance(names, str | bytes):
        # A lone string would be split into characters: say so instead.
        problems.append(
            f"Expected a list of {what}, but got the string {names!r} (for one name, pass "
            f"[{names!r}])."
        )
        return [f"{prefix}{i}" for i in range(count)]
    names = [str(n) for n in names]
    if len(names) != count:
        problems.append(f"Expected {count} {what}, but got {len(names)}.")
    if unique and len(set(names)) != len(names):
        duplicates = sorted({n for n in names if names.count(n) > 1})
        problems.append(f"Expected unique {what}, but got duplicates {duplicates}.")
    return names


def check_actions(actions, feature_names: list[str], problems: list[str]) -> list[str]:
    """The action features: unique names among ``feature_names`` (default: all of them)."""
    if actions is None:
        return list(feature_names)
    if isinstance(actions, str | bytes):
        problems.append(
            f"Expected a list of actions, but got the string {actions!r} (for one action, pass "
            f"[{actions!r}])."
        )
        return []
    actions = [str(a) for a in actions]
    unknown = sorted(set(actions) - set(feature_names))
    if unknown:
        problems.append(f"Expected actions among the feature names, but got unknown {unknown}.")
    if not actions:
        problems.append("Expected at least one action feature, but got none.")
    if len(set(actions)) != len(actions):
        problems.append(f"Expected unique actions, but got {actions}.")
    return actions


def check_frame_rate(frame_rate, problems: list[str]) -> float:
    """``frame_rate`` as a float; a problem unless it is finite and positive."""
    try:
        value = float(frame_rate)
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and value > 0):
        problems.append(f"Expected a positive frame_rate, but got {frame_rate!r}.")
    return value


def _check_label_array(name: str, values, problems: list[str]) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "fiubU":
        problems.append(
            f"label {name!r}: Expected numbers, booleans or strings, but got dtype {arr.dtype}."
        )
    elif arr.dtype.kind == "f" and np.isinf(arr).any():
        problems.append(f"label {name!r}: Expected finite values or NaN, but got infinities.")
    return arr


def check_frame_labels(labels, sequences, problems: list[str]) -> dict[str, list[np.ndarray]]:
    """``{name: one (T_i,) array per recording}`` of numbers, booleans or text."""
    out = {}
    if not isinstance(labels, Mapping):
        problems.append(f"Expected frame_labels as a mapping, but got {type(labels).__name__}.")
        return out
    for name, per_recording in labels.items():
        name = str(name)
        is_list = isinstance(per_recording, Sequence) and not isinstance(per_recording, str)
        if not is_list or len(per_recording) != len(sequences):
            if is_list:
                got = len(per_recording)
            else:
                got = (
                    "an array"
                    if isinstance(per_recording, np.ndarray)
                    else "a " + type(per_recording).__name__
                )
            problems.append(
                f"frame label {name!r}: Expected a list of {len(sequences)} arrays "
                f"(one per recording), but got {got}."
            )
            continue
        arrays = [_check_label_array(name, v, problems) for v in per_recording]
        for i, (arr, seq) in enumerate(zip(arrays, sequences, strict=True)):
            if seq.ndim == 0:  # a malformed recording, reported by check_sequences
                continue
            if arr.shape != (len(seq),):
                problems.append(
                    f"frame label {name!r}, recording {i}: Expected shape ({len(seq)},), "
                    f"but got {arr.shape}."
                )
        out[name] = arrays
    return out


def check_sequence_labels(labels, n: int, problems: list[str]) -> dict[str, np.ndarray]:
    """``{name: (n,) array}`` of numbers, booleans or text."""
    out = {}
    if not isinstance(labels, Mapping):
        problems.append(f"Expected sequence_labels as a mapping, but got {type(labels).__name__}.")
        return out
    for name, values in labels.items():
        arr = _check_label_array(str(name), values, problems)
        if arr.shape != (n,):
            problems.append(f"sequence label {name!r}: Expected shape ({n},), but got {arr.shape}.")
        out[str(name)] = arr
    return out
