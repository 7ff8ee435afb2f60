"""Linear readouts of frozen representations: the standard protocol.

For each split (by recording), representation and task: standardize on the train part, fit a
class-balanced :class:`~sklearn.linear_model.LogisticRegression` or a
:class:`~sklearn.linear_model.Ridge` whose regularization is chosen by cross-validation over
the train recordings only, and score the test recordings. Frame-level tasks are scored frame
by frame. Sequence-level tasks are scored three ways:

- ``mean_embedding``: one sample per recording, its mean embedding;
- ``frame_average``: the per-frame readout's predictions averaged over each recording;
- ``per_frame``: every frame predicts its recording's label (how much of the slow factor a
  single frame's embedding carries).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    mean_squared_error,
    r2_score,
)
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from bams.evaluation.protocols import FRAME_AVERAGE, MEAN_EMBEDDING, headline_protocol
from bams.evaluation.tasks import CLASSIFICATION, Split, Task

C_GRID = (1e-3, 1e-2, 1e-1, 1.0, 10.0)
ALPHA_GRID = (1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)
PRIMARY_METRIC = {"classification": "f1_macro", "regression": "r2"}


def metrics(kind: str, y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Classification: macro-F1, accuracy, balanced accuracy. Regression: MSE and R²."""
    if kind == CLASSIFICATION:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # classes absent from the test part
            return {
                "f1_macro": float(f1_score(y_true, y_pred, average="macro")),
                "accuracy": float(accuracy_score(y_true, y_pred)),
                "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
            }
    return {
        "mse": float(mean_squared_error(y_true, y_pred)),
        "r2": float(r2_score(y_true, y_pred)) if len(y_true) > 1 else float("nan"),
    }


def fit_readout(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    kind: str,
    seed: int = 0,
    cv_samples: int = 4000,
):
    """Standardize + linear model, regularization chosen by grouped cross-validation.

    Parameters
    ----------
    x, y
        Training samples ``(n, D)`` and targets ``(n,)``.
    groups
        ``(n,)`` recording (or group) of each sample: folds never split one.
    kind
        ``"classification"`` (class-balanced logistic regression, C chosen for macro-F1) or
        ``"regression"`` (ridge, alpha chosen for R²).
    seed
        Seed of the subsample used for the search.
    cv_samples
        The search runs on at most this many samples; the final fit uses all.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Fitted ``StandardScaler -> model``.
    """
    if kind == CLASSIFICATION:
        model, grid = LogisticRegression(class_weight="balanced", max_iter=300), "C"
        values, scoring = C_GRID, "f1_macro"
    else:
        model, grid, values, scoring = Ridge(), "alpha", ALPHA_GRID, "r2"
    pipeline = make_pipeline(StandardScaler(), model)
    n_folds = min(3, len(np.unique(groups)))
    if n_folds >= 2:
        pick = np.random.default_rng(seed).choice(len(x), min(len(x), cv_samples), replace=False)
        name = f"{type(model).__name__.lower()}__{grid}"
        search = GridSearchCV(
            pipeline, {name: list(values)}, cv=GroupKFold(n_splits=n_folds), scoring=scoring
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", (ConvergenceWarning, UserWarning, RuntimeWarning))
                search.fit(x[pick], y[pick], groups=groups[pick])
            pipeline.set_params(**search.best_params_)
        except ValueError:  # e.g. a fold with a single class: keep the default regularization
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return pipeline.fit(x, y)


def evaluate_readouts(
    representations: Mapping[str, Sequence[np.ndarray]],
    tasks: Sequence[Task],
    splits: Sequence[Split],
    *,
    groups: Sequence[str] | None = None,
    max_train_frames: int = 20000,
    max_test_frames: int = 100000,
) -> list[dict]:
    """Read every task out of every representation on every split.

    Parameters
    ----------
    representations
        ``{name: [(T_i, D) array per recording]}``; rows with NaN are dropped, and so are
        unlabeled frames (NaN float labels, empty text labels).
    tasks
        What to predict (see :func:`bams.evaluation.tasks.tasks_from`).
    splits
        Recording indices of each split.
    groups
        Optional group of each recording (cross-validation folds keep groups whole).
    max_train_frames, max_test_frames
        Frames are subsampled (deterministically) to at most these numbers.

    Returns
    -------
    list of dict
        One row per (split seed, representation, task, protocol) with ``method``, ``task``,
        ``level``, ``kind``, ``protocol``, ``seed``, ``n_train``, ``n_test`` and the metrics.
    """
    rows = []
    # Small BLAS problems: threads cost more than they give, and collapse under contention.
    with threadpool_limits(limits=1, user_api="blas"):
        rows = _evaluate(representations, tasks, splits, groups, max_train_frames, max_test_frames)
    return rows


def _evaluate(representations, tasks, splits, groups, max_train_frames, max_test_frames):
    rows = []
    for split in splits:
        for method, features in representations.items():
            lengths = [len(f) for f in features]
            for task in tasks:
                base = {
                    "method": method,
                    "task": task.name,
                    "level": task.level,
                    "kind": task.kind,
                    "seed": split.seed,
                }
                for protocol, scores in _task_scores(
                    features, lengths, task, split, groups, max_train_frames, max_test_frames
                ).items():
                    rows.append({**base, "protocol": protocol, **scores})
    return rows


def _task_scores(features, lengths, task, split, groups, max_train, max_test) -> dict:
    rec_groups = np.asarray(groups if groups is not None else np.arange(len(features)))
    frame_labels = task.frame_values(lengths)
    x_tr, y_tr, owner_tr = _frames(features, frame_labels, split.train, max_train, split.seed)
    x_te, y_te, owner = _frames(features, frame_labels, split.test, max_test, split.seed + 1)
    out = {}
    if not _trainable(task.kind, y_tr) or len(y_te) == 0:
        return out
    model = fit_readout(x_tr, y_tr, rec_groups[owner_tr], task.kind, seed=split.seed)
    out[headline_protocol(task.level)] = {
        **metrics(task.kind, y_te, model.predict(x_te)),
        "n_train": len(y_tr),
        "n_test": len(y_te),
    }
    if task.level == "frame":
        return out
    # Sequence level: average the frame predictions per test recording ...
    recordings = np.unique(owner)
    y_rec = np.asarray(task.values)[recordings]
    if task.kind == CLASSIFICATION:
        proba = model.predict_proba(x_te)
        mean = np.stack([proba[owner == r].mean(axis=0) for r in recordings])
        averaged = model.classes_[mean.argmax(axis=1)]
    else:
        predicted = model.predict(x_te)
        averaged = np.array([predicted[owner == r].mean() for r in recordings])
    out[FRAME_AVERAGE] = {
        **metrics(task.kind, y_rec, averaged),
        "n_train": len(y_tr),
        "n_test": len(y_rec),
    }
    # ... and read the label from each recording's mean embedding.
    means = np.stack([np.nanmean(f, axis=0) for f in features])
    labels = np.asarray(task.values)
    train = [i for i in split.train if _labelled(labels[i])]
    test = [i for i in split.test if _labelled(labels[i])]
    if _trainable(task.kind, labels[train]) and test:
        model = fit_readout(means[train], labels[train], rec_groups[train], task.kind, split.seed)
        out[MEAN_EMBEDDING] = {
            **metrics(task.kind, labels[test], model.predict(means[test])),
            "n_train": len(train),
            "n_test": len(test),
        }
    return out


def _labelled(value) -> bool:
    """Whether one label is set: not NaN (floats), not empty (text)."""
    if isinstance(value, str | np.str_):
        return value != ""
    return not (isinstance(value, float | np.floating) and np.isnan(value))


def _trainable(kind: str, y: np.ndarray) -> bool:
    return len(y) > 1 and (kind != CLASSIFICATION or len(np.unique(y)) > 1)


def _frames(features, labels, recordings, limit: int, seed: int):
    """Stack the labelled, finite frames of ``recordings``; subsample to ``limit``."""
    xs, ys, owners = [], [], []
    for r in recordings:
        x, y = features[r], np.asarray(labels[r])
        keep = np.isfinite(x).all(axis=1)
        if y.dtype.kind == "f":
            keep &= ~np.isnan(y)
        elif y.dtype.kind == "U":
            keep &= y != ""  # empty text: unlabeled
        xs.append(x[keep])
        ys.append(y[keep])
        owners.append(np.full(int(keep.sum()), r))
    x, y, owner = np.concatenate(xs), np.concatenate(ys), np.concatenate(owners)
    if len(y) > limit:
        pick = np.sort(np.random.default_rng(seed).choice(len(y), limit, replace=False))
        x, y, owner = x[pick], y[pick], owner[pick]
    return x.astype(np.float64, copy=False), y, owner


def summarize(rows: Sequence[dict]) -> list[dict]:
    """Mean and standard deviation over seeds of every metric, per method, task and protocol."""
    keyed: dict[tuple, list[dict]] = {}
    for row in rows:
        keyed.setdefault((row["method"], row["task"], row["protocol"]), []).append(row)
    out = []
    for (method, task, protocol), group in keyed.items():
        first = group[0]
        summary = {
            "method": method,
            "task": task,
            "protocol": protocol,
            "level": first["level"],
            "kind": first["kind"],
            "n_seeds": len(group),
        }
        for metric in ("f1_macro", "accuracy", "balanced_accuracy", "mse", "r2"):
            values = [r[metric] for r in group if metric in r]
            if values:
                summary[metric] = float(np.mean(values))
                summary[f"{metric}_std"] = float(np.std(values))
        summary["metric"] = PRIMARY_METRIC[first["kind"]]
        summary["score"] = summary[summary["metric"]]
        summary["score_std"] = summary[f"{summary['metric']}_std"]
        out.append(summary)
    return out
