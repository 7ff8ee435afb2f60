"""Group comparison of recordings: power, the null check, units, motif usage and errors."""

import numpy as np
import pytest

from bams.data import Recordings
from bams.discovery import Comparison, Motifs, compare_groups

DIM = 8
FRAMES = 40


def _recordings(n):
    return Recordings([np.zeros((FRAMES, 2)) for _ in range(n)])


def _embeddings(means, rng, noise=0.3):
    """One ``{"long_term": (FRAMES, DIM)}`` per row of ``means``, frames around the mean."""
    return [{"long_term": m + noise * rng.normal(size=(FRAMES, DIM))} for m in means]


def _shifted(rng, shift, n_per_group=12):
    """Recording means N(0, 1) per dimension, the second group's shifted by ``shift`` SD."""
    means = rng.normal(size=(2 * n_per_group, DIM))
    means[n_per_group:] += shift
    return _embeddings(means, rng), ["control"] * n_per_group + ["treated"] * n_per_group


def test_a_real_difference_is_found():
    rng = np.random.default_rng(0)
    embeddings, labels = _shifted(rng, shift=2.0)
    result = compare_groups(embeddings, _recordings(24), labels, n_permutations=199)
    assert isinstance(result, Comparison)
    assert result.groups == ["control", "treated"]
    assert result.accuracy > 0.8
    assert result.accuracy_p < 0.05
    assert result.distance_p < 0.05
    assert result.chance == 0.5
    assert result.scheme == "between units"
    frame = result.to_frame()
    assert list(frame["test"]) == ["classification", "distance"]
    assert frame["p_value"].tolist() == [result.accuracy_p, result.distance_p]
    assert result.motif_frame().empty


def test_null_check_random_groupings_are_rarely_significant():
    rng = np.random.default_rng(1)
    embeddings = _embeddings(rng.normal(size=(24, DIM)), rng)
    data, repeats = _recordings(24), 60
    hits = np.zeros(2)
    for repeat in range(repeats):
        labels = rng.permutation(["a"] * 12 + ["b"] * 12)
        result = compare_groups(embeddings, data, labels, n_permutations=99, seed=repeat)
        hits += [result.accuracy_p < 0.05, result.distance_p < 0.05]
    rates = hits / repeats
    assert (rates <= 0.12).all(), rates


def _animals(rng, n_animals=16, per_animal=3):
    """Recordings of animals with a strong animal-specific offset; no group effect."""
    offsets = 3.0 * rng.normal(size=(n_animals, DIM))
    animal = np.repeat(np.arange(n_animals), per_animal)
    return _embeddings(offsets[animal], rng), animal


def test_units_keep_identity_out_of_the_accuracy():
    rng = np.random.default_rng(2)
    with_unit, without_unit, false_positives = [], [], 0
    for repeat in range(12):
        embeddings, animal = _animals(rng)
        per_animal = rng.permutation(np.repeat(["a", "b"], 8))
        labels, data = per_animal[animal], _recordings(len(animal))
        kept = compare_groups(
            embeddings, data, labels, unit=[f"m{a}" for a in animal], n_permutations=99
        )
        assert kept.n_units == 16 and kept.n_recordings == 48
        with_unit.append(kept.accuracy)
        false_positives += kept.accuracy_p < 0.05
        naive = compare_groups(embeddings, data, labels, n_permutations=19, seed=repeat)
        without_unit.append(naive.accuracy)
    # Label random per animal: near chance with units, inflated by identity without them.
    assert abs(np.mean(with_unit) - 0.5) < 0.1
    assert np.mean(without_unit) > np.mean(with_unit) + 0.1
    assert false_positives <= 3


def test_within_unit_labels_are_shuffled_within_units():
    rng = np.random.default_rng(3)
    embeddings, animal = _animals(rng, n_animals=8, per_animal=4)
    labels = np.tile(["off", "off", "on", "on"], 8)
    for e, label in zip(embeddings, labels, strict=True):
        e["long_term"] += 2.0 * (label == "on")
    result = compare_groups(embeddings, _recordings(32), labels, unit=animal, n_permutations=99)
    assert result.scheme == "within units"
    assert result.distance_p < 0.05


def _motifs(rng, groups):
    """Motif labels where the second group moves usage from motif 1 to motif 0."""
    labels = []
    for group in groups:
        usage = rng.dirichlet(np.full(4, 80.0))
        usage[[0, 1]] += np.array([0.15, -0.15]) * (group == "b")
        labels.append(rng.choice(4, size=2000, p=usage))
    ids = [str(i) for i in range(len(groups))]
    return Motifs(labels, n_motifs=4, criterion={}, ids=ids, frame_rate=30.0)


def test_motif_usage_differences_with_fdr():
    rng = np.random.default_rng(4)
    groups = np.repeat(["a", "b"], 12)
    embeddings = _embeddings(rng.normal(size=(24, DIM)), rng)
    motifs = _motifs(rng, groups)
    result = compare_groups(embeddings, _recordings(24), groups, n_permutations=199, motifs=motifs)
    table = result.motif_frame()
    assert list(table["motif"]) == [0, 1, 2, 3]
    assert {"mean_a", "mean_b", "difference", "cohen_d", "rank_biserial"} <= set(table)
    assert table.loc[0, "difference"] > 0.1 and table.loc[0, "rank_biserial"] > 0.8
    assert table.loc[1, "difference"] < -0.1 and table.loc[1, "cohen_d"] < -2
    assert (table.loc[[0, 1], "q_value"] < 0.05).all()
    assert (table.loc[[2, 3], "q_value"] >= 0.05).all()
    assert (table["q_value"] >= table["p_value"] - 1e-12).all()


@pytest.mark.parametrize(
    ("labels", "kwargs", "message"),
    [
        (["a"] * 8, {}, "at least 2 groups"),
        (["a", "b"] * 3, {}, "8 labels"),
        (["a", "b"] * 4, {"latent": "medium"}, "Expected latent in"),
        (["a", "b"] * 4, {"unit": ["x"] * 7}, "8 unit"),
        (["a"] * 7 + ["b"], {}, "at least 2 units in every group"),
    ],
)
def test_errors(labels, kwargs, message):
    rng = np.random.default_rng(5)
    embeddings = _embeddings(rng.normal(size=(8, DIM)), rng)
    with pytest.raises(ValueError, match=message):
        compare_groups(embeddings, _recordings(8), labels, n_permutations=9, **kwargs)
