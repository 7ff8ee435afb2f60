"""Group comparison of recordings without labels: do groups (conditions) differ in a latent.

Each recording is summarized by its mean embedding. Two tests of the same question, and one
per motif, share one permutation scheme that keeps the recordings of an animal together:

1. a cross-validated (balanced) accuracy of a standardized logistic regression that predicts
   the group from the recording means, the folds never splitting an animal;
2. a PERMANOVA pseudo-F on the Euclidean distances between the standardized means;
3. with motifs, the difference in motif usage between groups, with Benjamini-Hochberg q-values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats
from sklearn.model_selection import StratifiedGroupKFold

from bams.data import Recordings

if TYPE_CHECKING:
    import pandas as pd

    from bams.discovery.motifs import Motifs

__all__ = ["Comparison", "compare_groups"]

MAX_SPLITS = 5
NEWTON_STEPS = 25


@dataclass
class Comparison:
    """The result of :func:`compare_groups`.

    Attributes
    ----------
    groups
        The group labels, sorted; group codes index this list.
    latent
        The latent whose recording means were compared.
    n_recordings, n_units
        Recordings compared, and the units (animals) they come from.
    n_splits
        Cross-validation folds (each unit in one fold).
    n_permutations
        Permutations of the labels behind every p-value.
    scheme
        ``"between units"`` (each unit has one label; units swap labels) or ``"within units"``
        (a unit has several labels; they are shuffled among its recordings).
    accuracy, accuracy_p
        Cross-validated balanced accuracy (chance ``1 / n_groups``) and its permutation p-value.
    distance, distance_p
        PERMANOVA pseudo-F of the standardized recording means and its permutation p-value.
    motifs
        Per-motif usage table (see :meth:`motif_frame`), or None without motifs.
    """

    groups: list[str]
    latent: str
    n_recordings: int
    n_units: int
    n_splits: int
    n_permutations: int
    scheme: str
    accuracy: float
    accuracy_p: float
    distance: float
    distance_p: float
    motifs: pd.DataFrame | None = None

    @property
    def chance(self) -> float:
        """Chance level of the balanced accuracy, ``1 / n_groups``."""
        return 1.0 / len(self.groups)

    def to_frame(self) -> pd.DataFrame:
        """One row per test: ``test, statistic, value, chance, p_value`` and the sizes."""
        import pandas as pd

        common = {
            "latent": self.latent,
            "groups": " | ".join(self.groups),
            "n_recordings": self.n_recordings,
            "n_units": self.n_units,
            "n_splits": self.n_splits,
            "n_permutations": self.n_permutations,
            "scheme": self.scheme,
        }
        rows = [
            {"test": "classification", "statistic": "balanced_accuracy",
             "value": self.accuracy, "chance": self.chance, "p_value": self.accuracy_p},
            {"test": "distance", "statistic": "pseudo_F",
             "value": self.distance, "chance": np.nan, "p_value": self.distance_p},
        ]  # fmt: skip
        return pd.DataFrame([{**row, **common} for row in rows])

    def differing_motifs(self, alpha: float = 0.05) -> list[int]:
        """The motifs whose usage differs between groups (FDR q-value below ``alpha``)."""
        if self.motifs is None:
            return []
        return [int(k) for k in self.motifs.loc[self.motifs["q_value"] < alpha, "motif"]]

    def motif_frame(self) -> pd.DataFrame:
        """Per motif: mean usage per group, difference, effect sizes, p- and q-values.

        Empty when the comparison was made without motifs. ``difference`` (second group minus
        first), ``cohen_d`` and ``rank_biserial`` are given for two groups only (NaN else).
        """
        import pandas as pd

        return self.motifs.copy() if self.motifs is not None else pd.DataFrame()


def compare_groups(
    embeddings: Sequence[Mapping[str, np.ndarray]],
    data: Recordings,
    labels: Sequence,
    *,
    unit: Sequence | None = None,
    latent: str = "long_term",
    n_permutations: int = 1000,
    seed: int = 0,
    motifs: Motifs | None = None,
) -> Comparison:
    """Test whether groups of recordings differ in a latent of BAMS (and in motif usage).

    Parameters
    ----------
    embeddings
        One ``{latent: array (T_i, D)}`` per recording, as ``BAMS.transform`` returns.
    data
        The recordings the embeddings come from.
    labels
        One group label per recording (e.g. the condition); at least 2 distinct labels.
    unit
        Optional unit (animal) per recording: the recordings of a unit are never on both
        sides of a fold, and permutations keep them together. Default: each recording.
    latent
        The latent to compare.
    n_permutations
        Label permutations for the p-values, ``p = (1 + #(perm >= observed)) / (1 + n)``.
    seed
        Seed of the folds and the permutations.
    motifs
        Optional motifs of the same recordings; their usage is compared per motif.

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        If the lengths disagree, the latent is unknown, there are fewer than 2 groups, or a
        group has fewer than 2 units.
    """
    means = _recording_means(embeddings, data, latent)
    codes, groups = _codes(labels, len(data), "labels")
    units = _codes(unit, len(data), "unit")[0] if unit is not None else np.arange(len(data))
    if len(groups) < 2:
        raise ValueError(f"Expected at least 2 groups, but got {len(groups)}: {groups}.")
    if n_permutations < 1:
        raise ValueError(f"Expected n_permutations >= 1, but got {n_permutations}.")
    rng = np.random.default_rng(seed)
    permuted, scheme = _permutations(codes, units, n_permutations, rng)
    folds = _folds(codes, units, seed)
    accuracy = _cv_accuracy(means, permuted, folds, len(groups))
    distance = _pseudo_f(means, permuted, len(groups))
    table = None
    if motifs is not None:
        table = _motif_table(_usage(motifs, data), permuted, groups)
    return Comparison(
        groups=groups,
        latent=latent,
        n_recordings=len(data),
        n_units=len(np.unique(units)),
        n_splits=len(folds),
        n_permutations=n_permutations,
        scheme=scheme,
        accuracy=float(accuracy[0]),
        accuracy_p=_p_value(accuracy),
        distance=float(distance[0]),
        distance_p=_p_value(distance),
        motifs=table,
    )


def _recording_means(embeddings, data: Recordings, latent: str) -> np.ndarray:
    """The ``(n, D)`` mean embedding of each recording in ``latent``."""
    if len(embeddings) != len(data):
        raise ValueError(
            f"Expected one embedding per recording ({len(data)}), but got {len(embeddings)}."
        )
    means = []
    for i, emb in enumerate(embeddings):
        if latent not in emb:
            raise ValueError(f"Expected latent in {sorted(emb)}, but got {latent!r}.")
        values = np.asarray(emb[latent], dtype=np.float64)
        if values.ndim != 2 or len(values) == 0:
            raise ValueError(
                f"Expected a non-empty (T, D) array for recording {i}, but got {values.shape}."
            )
        means.append(values.mean(axis=0))
    if len({m.shape for m in means}) != 1:
        raise ValueError(f"Expected one latent size, but got {sorted({len(m) for m in means})}.")
    out = np.stack(means)
    if not np.isfinite(out).all():
        raise ValueError("Expected finite embeddings, but got NaN or infinite values.")
    return out


def _codes(values, n: int, name: str) -> tuple[np.ndarray, list[str]]:
    """Integer codes of ``values`` (one per recording) and the sorted distinct values."""
    text = [str(v) for v in values]
    if len(text) != n:
        raise ValueError(f"Expected {n} {name} (one per recording), but got {len(text)}.")
    distinct = sorted(set(text))
    lookup = {v: i for i, v in enumerate(distinct)}
    return np.array([lookup[v] for v in text], dtype=np.int64), distinct


def _permutations(codes, units, n_permutations: int, rng) -> tuple[np.ndarray, str]:
    """``(1 + n_permutations, n)`` label codes; row 0 is observed.

    When each unit has one label, units swap labels; otherwise labels are shuffled among the
    recordings of each unit.
    """
    n_units = int(units.max()) + 1
    unit_label = np.full(n_units, -1)
    unit_label[units] = codes
    if np.array_equal(unit_label[units], codes):
        order = rng.permuted(np.tile(np.arange(n_units), (n_permutations, 1)), axis=1)
        permuted, scheme = unit_label[order][:, units], "between units"
    else:
        permuted, scheme = np.tile(codes, (n_permutations, 1)), "within units"
        for u in range(n_units):
            index = np.flatnonzero(units == u)
            permuted[:, index] = rng.permuted(permuted[:, index], axis=1)
    return np.vstack([codes, permuted]), scheme


def _folds(codes, units, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that keep each unit in one fold (fixed for every permutation)."""
    per_group = [len(np.unique(units[codes == c])) for c in np.unique(codes)]
    n_splits = min(MAX_SPLITS, min(per_group))
    if n_splits < 2:
        raise ValueError(f"Expected at least 2 units in every group, but got {per_group}.")
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros(len(codes)), codes, units))


def _standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Standardize with the mean and SD of ``train`` (constant columns keep SD 1)."""
    mean, sd = train.mean(axis=0), train.std(axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    return [(x - mean) / sd for x in (train, *others)]


def _logistic_scores(x_train, targets, x_test) -> np.ndarray:
    """Decision values on ``x_test`` of L2 logistic regressions (``C = 1``), one per row.

    ``targets`` is ``(B, n_train)`` of 0/1; all ``B`` problems are fitted together by Newton's
    method (the penalized loss is strictly convex), the intercept unpenalized.
    """
    design = np.c_[x_train, np.ones(len(x_train))]
    penalty = np.r_[np.ones(x_train.shape[1]), 0.0]
    weights = np.zeros((len(targets), design.shape[1]))
    for _ in range(NEWTON_STEPS):
        prob = 1.0 / (1.0 + np.exp(-np.clip(weights @ design.T, -30, 30)))
        grad = (prob - targets) @ design + penalty * weights
        curv = prob * (1.0 - prob) + 1e-10
        hess = np.einsum("bn,ni,nj->bij", curv, design, design) + np.diag(penalty + 1e-8)
        weights -= np.linalg.solve(hess, grad[..., None])[..., 0]
    return weights @ np.c_[x_test, np.ones(len(x_test))].T


def _cv_accuracy(means, permuted, folds, n_groups: int) -> np.ndarray:
    """Cross-validated balanced accuracy for every row of ``permuted`` labels."""
    predicted = np.zeros_like(permuted)
    for train, test in folds:
        x_train, x_test = _standardize(means[train], means[test])
        y = permuted[:, train]
        if n_groups == 2:
            predicted[:, test] = _logistic_scores(x_train, (y == 1) * 1.0, x_test) > 0
            continue
        targets = np.concatenate([(y == c) * 1.0 for c in range(n_groups)])
        scores = _logistic_scores(x_train, targets, x_test).reshape(n_groups, len(y), -1)
        predicted[:, test] = scores.argmax(axis=0)
    recalls = []
    for c in range(n_groups):
        member = permuted == c
        hits = ((predicted == c) & member).sum(axis=1)
        recalls.append(np.where(member.any(axis=1), hits / np.maximum(member.sum(1), 1), np.nan))
    return np.nanmean(np.stack(recalls), axis=0)


def _one_hot(permuted, n_groups: int) -> np.ndarray:
    """``(P, n, C)`` indicators of the group of each recording."""
    return (permuted[..., None] == np.arange(n_groups)).astype(np.float64)


def _pseudo_f(means, permuted, n_groups: int) -> np.ndarray:
    """PERMANOVA pseudo-F of the standardized means for every row of ``permuted``."""
    (x,) = _standardize(means)
    n = len(x)
    if n <= n_groups:
        raise ValueError(f"Expected more recordings than groups ({n_groups}), but got {n}.")
    squared = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=-1)
    member = _one_hot(permuted, n_groups)
    sizes = np.maximum(member.sum(axis=1), 1.0)
    within = np.einsum("pic,ij,pjc->pc", member, squared, member) / 2.0
    ss_within = (within / sizes).sum(axis=1)
    ss_total = squared.sum() / 2.0 / n
    between = (ss_total - ss_within) / (n_groups - 1)
    return between / np.maximum(ss_within / (n - n_groups), 1e-300)


def _p_value(statistic: np.ndarray) -> float:
    """``(1 + #(permuted >= observed)) / (1 + n)``; row 0 of ``statistic`` is observed."""
    observed, null = statistic[0], statistic[1:]
    tolerance = 1e-10 * max(1.0, abs(float(observed)))
    return float((1 + np.sum(null >= observed - tolerance)) / (1 + len(null)))


def _usage(motifs: Motifs, data: Recordings) -> np.ndarray:
    """``(n, K)`` fraction of frames in each motif, in the order of ``data.ids``."""
    table = motifs.usage("recording")
    missing = [i for i in data.ids if i not in table.index]
    if missing:
        raise ValueError(f"Expected motifs of every recording, but got none for {missing[:5]}.")
    return table.loc[list(data.ids)].to_numpy(dtype=np.float64)


def _motif_table(usage: np.ndarray, permuted: np.ndarray, groups: list[str]) -> pd.DataFrame:
    """Per motif: group means, effect sizes, permutation p-values and BH q-values.

    The statistic is the between-group sum of squares of usage (for two groups, a monotone
    function of the absolute difference of means).
    """
    import pandas as pd

    member = _one_hot(permuted, len(groups))
    sizes = member.sum(axis=1)
    group_means = np.einsum("pnc,nk->pck", member, usage) / sizes[..., None]
    spread = (sizes[..., None] * (group_means - usage.mean(axis=0)) ** 2).sum(axis=1)
    p_values = np.array([_p_value(spread[:, k]) for k in range(usage.shape[1])])
    table = {"motif": np.arange(usage.shape[1])}
    for c, name in enumerate(groups):
        table[f"mean_{name}"] = group_means[0, c]
    table.update(_two_group_effects(usage, permuted[0], len(groups)))
    table["statistic"] = spread[0]
    table["p_value"] = p_values
    table["q_value"] = stats.false_discovery_control(p_values, method="bh")
    return pd.DataFrame(table)


def _two_group_effects(usage, codes, n_groups: int) -> dict[str, np.ndarray]:
    """Difference (group 1 - group 0), Cohen's d and rank-biserial r; NaN beyond two groups."""
    if n_groups != 2:
        empty = np.full(usage.shape[1], np.nan)
        return {"difference": empty, "cohen_d": empty, "rank_biserial": empty}
    first, second = usage[codes == 0], usage[codes == 1]
    difference = second.mean(axis=0) - first.mean(axis=0)
    n0, n1 = len(first), len(second)
    pooled = ((n0 - 1) * first.var(axis=0, ddof=1) + (n1 - 1) * second.var(axis=0, ddof=1)) / (
        n0 + n1 - 2
    )
    sd = np.sqrt(pooled)
    with np.errstate(divide="ignore", invalid="ignore"):
        cohen = np.where(sd > 0, difference / sd, np.nan)
    u = stats.mannwhitneyu(second, first, axis=0).statistic
    return {"difference": difference, "cohen_d": cohen, "rank_biserial": 2 * u / (n0 * n1) - 1}
