"""Shared fixtures for the bams test suite."""

import copy

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded random generator, so every test is reproducible."""
    return np.random.default_rng(0)


TINY_ENCODERS = {
    "short_term": {"channels": [8, 8], "dilation_base": 2, "warmup": 4},
    "long_term": {
        "channels": [8, 8],
        "dilation_base": 4,
        "warmup": 8,
        "bootstrap_max_offset": None,
    },
}


# Keyword arguments of a BAMS model small enough to train in a second on CPU.
TINY_PARAMS = {
    "encoders": TINY_ENCODERS,
    "hoa_bins": 8,
    "hoa_window": 5,
    "hoa_warmup": 4,
    "predictor_hidden": (16,),
    "window_length": 64,
    "batch_size": 4,
    "max_steps": 3,
    "bootstrap_pairs": 8,
    "accelerator": "cpu",
    "logger": "none",
    "verbose": False,
    "inference_precision": "32",
}


@pytest.fixture
def tiny_params() -> dict:
    """A fresh copy of ``TINY_PARAMS`` for each test."""
    return copy.deepcopy(TINY_PARAMS)


@pytest.fixture(scope="session")
def tiny_params_shared() -> dict:
    """``TINY_PARAMS`` for session-scoped fixtures (do not modify)."""
    return copy.deepcopy(TINY_PARAMS)


@pytest.fixture
def small_data():
    """Eight synthetic recordings of 200 frames with known factors."""
    from bams.sim.synthetic import make_synthetic

    return make_synthetic(8, 200, seed=0)
