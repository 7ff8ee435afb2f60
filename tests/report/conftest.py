"""A tiny trained and evaluated run, shared by the report tests."""

from types import SimpleNamespace

import pytest

from bams.data import Recordings
from bams.estimator import BAMS
from bams.evaluation.run import EvaluationConfig, evaluate_run
from bams.sim.synthetic import make_synthetic

# The root conftest's ``tiny_params``, which a session-scoped fixture cannot request.
TINY = {
    "encoders": {
        "short_term": {"channels": [8, 8], "dilation_base": 2, "warmup": 4},
        "long_term": {
            "channels": [8, 8],
            "dilation_base": 4,
            "warmup": 8,
            "bootstrap_max_offset": None,
        },
    },
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


@pytest.fixture(scope="session")
def evaluated_run(tmp_path_factory):
    """A tiny BAMS run on a data file, evaluated with one seed and the raw baseline."""
    root = tmp_path_factory.mktemp("report")
    make_synthetic(8, 300, seed=0).save(root / "data.npz")
    data = Recordings.load(root / "data.npz")
    BAMS(**TINY, output_dir=root / "run").fit(data)
    evaluate_run(root / "run", config=EvaluationConfig(seeds=[0], baselines=["raw"]))
    return SimpleNamespace(run=root / "run", data=data, root=root)
