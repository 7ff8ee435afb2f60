"""A tiny trained and evaluated run, shared by the report tests."""

from types import SimpleNamespace

import pytest

from bams.data import Recordings
from bams.estimator import BAMS
from bams.evaluation.run import EvaluationConfig, evaluate_run
from bams.sim.synthetic import make_synthetic


@pytest.fixture(scope="session")
def evaluated_run(tmp_path_factory, tiny_params_shared):
    """A tiny BAMS run on a data file, evaluated with one seed and the raw baseline."""
    root = tmp_path_factory.mktemp("report")
    make_synthetic(8, 300, seed=0).save(root / "data.npz")
    data = Recordings.load(root / "data.npz")
    BAMS(**tiny_params_shared, output_dir=root / "run").fit(data)
    evaluate_run(root / "run", config=EvaluationConfig(seeds=[0], baselines=["raw"]))
    return SimpleNamespace(run=root / "run", data=data, root=root)
