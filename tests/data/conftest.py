"""Fixtures of the data-model tests."""

import numpy as np
import pytest

from bams.data import Recordings


@pytest.fixture
def recordings(rng):
    """Three recordings of different lengths with every optional field filled in."""
    lengths = [12, 7, 9]
    sequences = [rng.normal(size=(n, 3)) for n in lengths]
    sequences[1][2, 0] = np.nan
    return Recordings(
        sequences,
        feature_names=["x", "y", "speed"],
        actions=["speed", "x"],
        frame_rate=25.0,
        ids=["a", "b", "c"],
        groups=["g1", "g1", "g2"],
        frame_labels={
            "state": [rng.integers(0, 3, size=n) for n in lengths],
            "score": [rng.normal(size=n) for n in lengths],
            "name": [np.array(["walk"] * n) for n in lengths],
        },
        sequence_labels={
            "strain": np.array(["wt", "ko", "wt"]),
            "age": np.array([1.5, 2.0, np.nan]),
        },
    )
