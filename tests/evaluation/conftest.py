"""Fixtures of the MABe 2022 tests: tiny files in the challenge's formats, and their scores."""

import json

import numpy as np
import pytest
from mabe_helpers import make_mabe

from bams.evaluation.mabe import score_submission


@pytest.fixture(scope="module")
def mabe():
    """Built once per module (the tests copy before changing anything), seeded like ``rng``."""
    return make_mabe(np.random.default_rng(0))


@pytest.fixture
def mabe_files(tmp_path, mabe):
    submission, labels, split = mabe
    paths = {name: tmp_path / f"{name}.npy" for name in ("submission", "labels")}
    np.save(paths["submission"], submission)
    np.save(paths["labels"], labels)
    paths["split"] = tmp_path / "split.json"
    paths["split"].write_text(json.dumps(split))
    return paths


@pytest.fixture(scope="module")
def scores(mabe):
    return score_submission(*mabe)
