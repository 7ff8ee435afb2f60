"""How often gradient clipping binds: ``grad_norm`` and ``clipped_fraction``."""

import csv

import pytest
import torch

from bams import BAMS
from bams.training.clipping import ClipStats


def _fit(tiny_params, small_data, **params) -> BAMS:
    return BAMS(**{**tiny_params, "max_steps": 4, **params}).fit(small_data)


@pytest.mark.parametrize(("max_norm", "fraction"), [(1e9, 0.0), (1e-9, 1.0)])
def test_the_clipped_fraction_is_in_the_history(max_norm, fraction, tiny_params, small_data):
    history = _fit(tiny_params, small_data, grad_clip_norm=max_norm).history_
    assert history["clipped_fraction"] == [fraction] * len(history["epoch"])
    assert all(norm > 0 for norm in history["grad_norm"])


def test_a_huge_max_norm_trains_as_no_clipping(tiny_params, small_data):
    clipped = _fit(tiny_params, small_data, grad_clip_norm=1e9)
    unclipped = _fit(tiny_params, small_data, grad_clip_norm=None)
    assert "clipped_fraction" not in unclipped.history_ and "grad_norm" not in unclipped.history_
    for key, value in unclipped.network_.state_dict().items():
        assert torch.equal(clipped.network_.state_dict()[key], value), key


def test_the_norm_and_fraction_are_logged_per_interval(tmp_path, tiny_params, small_data):
    params = {"logger": "csv", "log_every": 2, "output_dir": tmp_path / "run"}
    history = _fit(tiny_params, small_data, grad_clip_norm=1e-9, **params).history_
    (metrics,) = (tmp_path / "run").rglob("metrics.csv")
    rows = [r for r in csv.DictReader(metrics.open()) if r.get("train/clipped_fraction")]
    assert [int(r["step"]) for r in rows] == [2, 4]
    assert all(float(r["train/clipped_fraction"]) == 1.0 for r in rows)
    assert all(float(r["train/grad_norm"]) > 0 for r in rows)
    assert history["clipped_fraction"] == [1.0]


def test_clip_stats_count_the_steps_since_the_last_log():
    stats = ClipStats(1.0)
    steps = [stats.record(torch.tensor(norm)) for norm in (0.5, 1.0, 2.0, 3.0)]
    assert [float(s["clipped_fraction"]) for s in steps] == [0.0, 0.0, 1.0, 1.0]  # norm > max
    assert stats.since_last_log() == {"grad_norm": 3.0, "clipped_fraction": 0.5}
    stats.record(torch.tensor(0.1))
    assert stats.since_last_log() == {"grad_norm": pytest.approx(0.1), "clipped_fraction": 0.0}


def test_the_history_keys_are_named_in_one_place(tiny_params, small_data):
    from bams.training.clipping import HISTORY_KEYS

    history = _fit(tiny_params, small_data).history_
    assert set(HISTORY_KEYS) <= set(history)
    assert set(ClipStats(1.0).record(torch.tensor(2.0))) == set(HISTORY_KEYS)
