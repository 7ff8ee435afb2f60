"""Assertions shared by the data-model tests."""

import numpy as np

from bams.data import Recordings


def assert_same_recordings(a: Recordings, b: Recordings) -> None:
    assert len(a) == len(b)
    for x, y in zip(a.sequences, b.sequences, strict=True):
        assert x.dtype == y.dtype == np.float32
        np.testing.assert_array_equal(x, y)
    assert a.feature_names == b.feature_names
    assert a.actions == b.actions
    assert a.frame_rate == b.frame_rate
    assert a.ids == b.ids
    assert a.groups == b.groups
    assert sorted(a.frame_labels) == sorted(b.frame_labels)
    for name, values in a.frame_labels.items():
        for x, y in zip(values, b.frame_labels[name], strict=True):
            np.testing.assert_array_equal(x, y)
    assert sorted(a.sequence_labels) == sorted(b.sequence_labels)
    for name, values in a.sequence_labels.items():
        np.testing.assert_array_equal(values, b.sequence_labels[name])
