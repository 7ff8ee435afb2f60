"""Linear probes: how much of a known factor a linear model can read from an embedding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score
from sklearn.model_selection import GroupShuffleSplit
from sklearn.preprocessing import StandardScaler

from bams.data import Recordings


def split_recordings(
    data: Recordings, test_size: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split recording indices so that recordings of one group stay on the same side.

    Returns
    -------
    train, test : np.ndarray
        Integer indices into ``data``.
    """
    groups = data.groups if data.groups is not None else data.ids
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    train, test = next(splitter.split(np.zeros(len(data)), groups=groups))
    return np.sort(train), np.sort(test)


def is_classification(values: np.ndarray) -> bool:
    """Integer, boolean and string labels are classes; floats are regression targets."""
    return values.dtype.kind in "iubU"


def linear_readout(
    features: Sequence[np.ndarray],
    labels: Sequence[np.ndarray],
    train: Sequence[int],
    test: Sequence[int],
    *,
    max_train_frames: int = 20000,
    seed: int = 0,
) -> dict[str, float]:
    """Fit a linear model on the frames of the ``train`` recordings, score it on ``test``.

    Parameters
    ----------
    features
        Per recording ``(T_i, D)``; rows with NaN are dropped.
    labels
        Per recording ``(T_i,)``; float labels are regression targets (NaN = unlabeled),
        integer / bool / string labels are classes.
    train, test
        Recording indices.
    max_train_frames
        Training frames are subsampled to at most this many.
    seed
        Seed of the subsampling and of the solver.

    Returns
    -------
    dict
        Classification: ``f1_macro`` and ``accuracy``; regression: ``r2`` and ``mse``.
    """
    x_train, y_train = _stack(features, labels, train)
    x_test, y_test = _stack(features, labels, test)
    rng = np.random.default_rng(seed)
    if len(x_train) > max_train_frames:
        keep = rng.choice(len(x_train), max_train_frames, replace=False)
        x_train, y_train = x_train[keep], y_train[keep]
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    if is_classification(y_train):
        model = LogisticRegression(class_weight="balanced", max_iter=500, random_state=seed)
        predicted = model.fit(x_train, y_train).predict(x_test)
        return {
            "f1_macro": float(f1_score(y_test, predicted, average="macro")),
            "accuracy": float(accuracy_score(y_test, predicted)),
        }
    predicted = Ridge(alpha=1.0).fit(x_train, y_train).predict(x_test)
    return {
        "r2": float(r2_score(y_test, predicted)),
        "mse": float(mean_squared_error(y_test, predicted)),
    }


def readout_table(
    data: Recordings,
    representations: Mapping[str, Sequence[np.ndarray]],
    *,
    test_size: float = 0.5,
    seed: int = 0,
) -> list[dict]:
    """Read every label of ``data`` out of every representation, frame by frame.

    Sequence-level labels are given to every frame of their recording, so the score says how
    well a single frame's embedding identifies the recording's factor.

    Returns
    -------
    list of dict
        One row per (representation, label): ``representation``, ``label``, ``level``,
        ``metric`` (``f1_macro`` or ``r2``) and ``score``.
    """
    train, test = split_recordings(data, test_size=test_size, seed=seed)
    tasks = {name: ("frame", values) for name, values in data.frame_labels.items()}
    for name, values in data.sequence_labels.items():
        tasks[name] = (
            "sequence",
            [np.full(n, v) for n, v in zip(data.lengths, values, strict=True)],
        )
    rows = []
    for rep_name, features in representations.items():
        for label, (level, values) in tasks.items():
            scores = linear_readout(features, values, train, test, seed=seed)
            metric = "f1_macro" if "f1_macro" in scores else "r2"
            rows.append(
                {
                    "representation": rep_name,
                    "label": label,
                    "level": level,
                    "metric": metric,
                    "score": scores[metric],
                }
            )
    return rows


def _stack(features, labels, indices) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([features[i] for i in indices]).astype(np.float64, copy=False)
    y = np.concatenate([np.asarray(labels[i]) for i in indices])
    keep = ~np.isnan(x).any(axis=1)
    if y.dtype.kind == "f":
        keep &= ~np.isnan(y)
    return x[keep], y[keep]
