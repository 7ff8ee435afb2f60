import numpy as np
import pytest

from bams.data import Recordings
from bams.evaluation.identity import part_means, reidentification_accuracy, split_parts


def test_reidentification_of_distinct_individuals(rng):
    identity = rng.normal(size=(20, 8))
    first = identity + 0.1 * rng.normal(size=(20, 8))
    second = identity + 0.1 * rng.normal(size=(20, 8))
    assert reidentification_accuracy(first, second) == 1.0
    # unrelated halves: near chance (1/20)
    assert reidentification_accuracy(first, rng.normal(size=(20, 8))) < 0.25


def test_reidentification_counts_both_directions():
    first = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    # individual 2's second half looks like individual 0's
    second = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]])
    # first -> second: 0 and 1 right, 2 picks 1; second -> first: 0 and 1 right, 2 picks 0
    assert reidentification_accuracy(first, second, standardize=False) == pytest.approx(4 / 6)


def test_standardization_removes_a_dominant_dimension(rng):
    identity = rng.normal(size=(10, 3))
    nuisance = 1000 * rng.normal(size=(2, 10, 1))  # huge, different in each half
    first = np.c_[identity, nuisance[0]]
    second = np.c_[identity, nuisance[1]]
    # after standardization the nuisance is one dimension of four; before, it is everything
    assert reidentification_accuracy(first, second, standardize=False) < 0.5
    assert reidentification_accuracy(first, second) > 0.5


def test_reidentification_errors():
    with pytest.raises(ValueError, match=r"Expected two arrays of the same shape \(n >= 2, D\)"):
        reidentification_accuracy(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="Expected finite summaries, but got NaN"):
        reidentification_accuracy(np.full((3, 2), np.nan), np.zeros((3, 2)))


def test_split_parts_and_part_means():
    data = Recordings(
        [np.arange(10.0)[:, None], np.arange(7.0)[:, None]],
        ids=["a", "b"],
        frame_labels={"state": [np.array(["x"] * 10), np.array(["y"] * 7)]},
        sequence_labels={"dish": np.array(["d1", "d2"])},
    )
    parts = split_parts(data, 2)
    assert parts.ids == ["a#0", "a#1", "b#0", "b#1"]
    assert parts.lengths.tolist() == [5, 5, 3, 4]
    assert parts.sequence_labels["dish"].tolist() == ["d1", "d1", "d2", "d2"]
    assert parts.sequence_labels["source"].tolist() == ["a", "a", "b", "b"]
    assert parts.sequence_labels["part"].tolist() == [0, 1, 0, 1]
    assert parts.frame_labels["state"][3].tolist() == ["y"] * 4
    means = part_means(parts.sequences, 2)
    assert means.shape == (2, 2, 1)
    np.testing.assert_allclose(means[:, :, 0], [[2.0, 1.0], [7.0, 4.5]])


def test_split_parts_errors():
    data = Recordings([np.zeros((1, 1))])
    with pytest.raises(ValueError, match="Expected n_parts >= 1 and recordings of at least"):
        split_parts(data, 2)
    with pytest.raises(ValueError, match="Expected a multiple of n_parts=2 parts, but got 3"):
        part_means([np.zeros((2, 1))] * 3, 2)
