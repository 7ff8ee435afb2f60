import numpy as np
import pytest

from bams.data import Recordings
from bams.evaluation.tasks import Task, make_splits, tasks_from


def labelled(rng, n=6):
    return Recordings(
        [rng.normal(size=(20, 2)) for _ in range(n)],
        frame_labels={
            "behavior": [rng.integers(0, 2, 20) for _ in range(n)],
            "speed": [rng.normal(size=20) for _ in range(n)],
        },
        sequence_labels={"strain": np.array(list("abcabc"[:n])), "day": np.arange(n) * 1.0},
        groups=[str(i // 2) for i in range(n)],
    )


def test_kinds_are_inferred_from_dtypes(rng):
    tasks = {t.name: t for t in tasks_from(labelled(rng))}
    assert (tasks["behavior"].level, tasks["behavior"].kind) == ("frame", "classification")
    assert (tasks["speed"].level, tasks["speed"].kind) == ("frame", "regression")
    assert (tasks["strain"].level, tasks["strain"].kind) == ("sequence", "classification")
    assert (tasks["day"].level, tasks["day"].kind) == ("sequence", "regression")


def test_kinds_can_be_overridden_and_are_checked(rng):
    data = labelled(rng)
    tasks = {t.name: t for t in tasks_from(data, kinds={"day": "classification"})}
    assert tasks["day"].kind == "classification"
    with pytest.raises(ValueError, match="Expected kinds for labels among"):
        tasks_from(data, kinds={"nope": "regression"})
    with pytest.raises(ValueError, match="Expected kind 'classification' or 'regression'"):
        tasks_from(data, kinds={"day": "ordinal"})


def test_sequence_labels_repeat_over_frames():
    task = Task("strain", "sequence", "classification", np.array(["a", "b"]))
    values = task.frame_values([3, 2])
    assert [v.tolist() for v in values] == [["a", "a", "a"], ["b", "b"]]


def test_splits_keep_groups_together_and_are_deterministic(rng):
    data = labelled(rng)
    splits = make_splits(data.groups, seeds=[0, 1, 2], test_size=0.5)
    groups = np.array(data.groups)
    for split in splits:
        assert set(groups[split.train]).isdisjoint(groups[split.test])
        assert sorted([*split.train, *split.test]) == list(range(6))
    again = make_splits(data.groups, seeds=[0, 1, 2], test_size=0.5)
    assert all(np.array_equal(a.train, b.train) for a, b in zip(splits, again, strict=True))
    assert [s.seed for s in splits] == [0, 1, 2]


def test_paper_split_trains_on_a_fifth():
    ids = [f"r{i}" for i in range(50)]
    (split,) = make_splits(ids, seeds=[42], train_size=0.2, test_size=None)
    assert len(split.train) == 10 and len(split.test) == 40


def test_split_errors():
    with pytest.raises(ValueError, match="Expected at least 2 recordings"):
        make_splits(["a", "a"], seeds=[0])
    with pytest.raises(ValueError, match="Expected train_size \\+ test_size <= 1"):
        make_splits(["a", "b", "c"], train_size=0.8, test_size=0.5)
