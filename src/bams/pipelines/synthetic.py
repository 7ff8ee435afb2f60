"""The synthetic study: recordings with a known slow class and style and a fast hidden state.

:func:`bams.sim.synthetic.make_synthetic` data: per recording a class (3 values) and a style
(continuous), per frame a state (4 values, switching every 0.5-2 s). The long-term latent
should carry the slow factors and the short-term latent the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bams.data import Recordings
from bams.evaluation.evaluate import EvaluationConfig
from bams.pipelines.study import Study
from bams.presets import preset_params
from bams.sim.synthetic import make_synthetic

__all__ = ["FULL", "QUICK", "SyntheticSize", "synthetic_study"]


@dataclass(frozen=True)
class SyntheticSize:
    """How much data and training the synthetic study uses."""

    n_recordings: int
    n_frames: int
    max_steps: int
    window_length: int


FULL = SyntheticSize(n_recordings=80, n_frames=4500, max_steps=300, window_length=1800)
"""About 5 minutes of training on 2 CPU cores (the ``synthetic`` preset)."""
QUICK = SyntheticSize(n_recordings=12, n_frames=600, max_steps=4, window_length=300)
"""Seconds, for smoke tests (the ``quick`` network)."""


def synthetic_study(quick: bool = False, seed: int = 0) -> Study:
    """The synthetic study at the full or the quick size.

    The data are written to ``OUTPUT/data.npz``; readouts use 3 split seeds (1 when quick).
    """
    size = QUICK if quick else FULL

    def load_data(output_dir: Path) -> Recordings:
        data = make_synthetic(size.n_recordings, size.n_frames, seed=seed)
        return Recordings.load(data.save(output_dir / "data.npz"))

    params = {
        **preset_params("synthetic"),
        **(preset_params("quick") if quick else {}),
        "max_steps": size.max_steps,
        "window_length": size.window_length,
        "seed": seed,
    }
    seeds = [seed] if quick else [seed, seed + 1, seed + 2]
    return Study(
        name="BAMS demo: synthetic recordings",
        load_data=load_data,
        params=params,
        evaluation=EvaluationConfig(seeds=seeds),
        describe=lambda data: (
            f"Data: {data}\n  slow factors per recording: class (3 values), style "
            "(continuous); fast factor: state (4 values, switches every 0.5-2 s)"
        ),
    )
