"""Shared fixtures for the bams test suite."""

import copy

import numpy as np
import pytest

from tiny_settings import TINY_ENCODERS


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded random generator, so every test is reproducible."""
    return np.random.default_rng(0)


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


@pytest.fixture
def tiny_config(tmp_path, tiny_params):
    """A YAML config with the tiny model, as a user would write it."""
    import yaml

    model_keys = {"encoders", "hoa_bins", "hoa_window", "hoa_warmup", "predictor_hidden"}
    train_keys = {
        "window_length",
        "batch_size",
        "max_steps",
        "bootstrap_pairs",
        "accelerator",
        "logger",
    }
    config = {
        "model": {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in tiny_params.items()
            if k in model_keys
        },
        "train": {k: v for k, v in tiny_params.items() if k in train_keys},
        "embed": {"inference_precision": "32"},
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def data_file(tmp_path):
    from typer.testing import CliRunner

    from bams.cli import app

    result = CliRunner().invoke(
        app,
        ["simulate", "synthetic", "-o", str(tmp_path / "data.npz"), "-n", "6", "--frames", "150"],
    )
    assert result.exit_code == 0, result.output
    return tmp_path / "data.npz"
