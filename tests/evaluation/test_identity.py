import numpy as np
import pytest

from bams.data import Recordings
from bams.evaluation.identity import (
    nearest_sessions,
    part_means,
    reidentification_accuracy,
    reidentification_chance,
    session_reidentification,
)


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
    parts = data.split_parts(2)
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
        data.split_parts(2)
    with pytest.raises(ValueError, match="Expected a multiple of n_parts=2 parts, but got 3"):
        part_means([np.zeros((2, 1))] * 3, 2)


def test_session_reidentification_known_answers(rng):
    individuals = np.repeat(np.arange(20), 3)
    centres = rng.normal(size=(20, 8))
    separated = centres[individuals] + 0.01 * rng.normal(size=(60, 8))
    assert session_reidentification(separated, individuals) == 1.0
    chance = reidentification_chance(individuals)
    assert chance == pytest.approx(2 / 59)
    scores = [session_reidentification(rng.normal(size=(60, 8)), individuals) for _ in range(50)]
    assert abs(np.mean(scores) - chance) < 0.02
    chance5 = reidentification_chance(individuals, top_k=5)
    assert chance5 == pytest.approx(1 - (57 * 56 * 55 * 54 * 53) / (59 * 58 * 57 * 56 * 55))
    scores = [
        session_reidentification(rng.normal(size=(60, 8)), individuals, top_k=5) for _ in range(50)
    ]
    assert abs(np.mean(scores) - chance5) < 0.03


def test_top_k_reidentification_counts_hits_among_the_k_nearest():
    # Points on a circle (cosine similarity falls with the angle between them).
    angles = np.array([0.0, 0.1, 0.25, 0.45, 2.0, 2.1])
    circle = np.column_stack([np.cos(angles), np.sin(angles)])
    who = ["a", "b", "b", "a", "c", "c"]
    scores = [session_reidentification(circle, who, standardize=False, top_k=k) for k in (1, 2, 3)]
    assert scores == pytest.approx([3 / 6, 4 / 6, 1.0])
    with pytest.raises(ValueError, match=r"Expected 1 <= top_k < 6 \(the sessions\), but got 6"):
        session_reidentification(circle, who, top_k=6)


def test_session_reidentification_errors():
    with pytest.raises(ValueError, match="at least 2 sessions each, .* fewest sessions 1"):
        session_reidentification(np.eye(3), ["a", "a", "b"])
    with pytest.raises(ValueError, match="Expected finite summaries"):
        session_reidentification(np.full((4, 2), np.nan), ["a", "a", "b", "b"])


def test_nearest_sessions():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.2], [0.1, 0.8]])
    np.testing.assert_array_equal(nearest_sessions(x, standardize=False), [2, 3, 0, 1])
    with pytest.raises(
        ValueError, match=r"Expected summaries of shape \(n >= 2, D\), but got \(2,\)"
    ):
        nearest_sessions(np.zeros(2))
