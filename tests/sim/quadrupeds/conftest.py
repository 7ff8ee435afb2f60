"""Fake physics for the tests of the dataset machinery (selection, resume, files, CLI)."""

import numpy as np
import pytest

from bams.sim.quadrupeds import dataset
from bams.sim.quadrupeds.episode import Episode


class FakeEpisodes:
    """Replaces the physics: attempt ``i`` fails when ``i % 3 == 1``; records what it runs."""

    def __init__(self, fail=lambda index: index % 3 == 1, interrupt_at=None):
        self.fail, self.interrupt_at, self.calls = fail, interrupt_at, []

    def __call__(self, params, terrain, *, duration, warmup, keep_qpos=False):
        if params.index == self.interrupt_at:
            raise KeyboardInterrupt
        self.calls.append(params.index)
        frames = round(duration * 50)
        x = 1.0 + params.command_speed * np.arange(frames) / 50
        failed = self.fail(params.index)
        return Episode(
            params=params,
            features=np.random.default_rng(params.index).normal(size=(frames, 24)).astype("f4"),
            frame_labels=terrain.labels(x, np.zeros(frames)),
            trunk_mass=5.0 * params.mass_scale,
            total_mass=12.0 + 5.0 * params.mass_scale,
            success=not failed,
            reason="tilt" if failed else "",
            fail_time=0.5 if failed else float("nan"),
            distance=float(x[-1] - x[0]),
            achieved_speed=params.command_speed,
            segment=0,
        )


@pytest.fixture
def fake_episodes(monkeypatch):
    """Call it (with :class:`FakeEpisodes`' arguments) to replace the physics of the dataset."""

    def install(**kwargs) -> FakeEpisodes:
        episodes = FakeEpisodes(**kwargs)
        monkeypatch.setattr(dataset, "run_episode", episodes)
        return episodes

    return install


@pytest.fixture
def fake(fake_episodes) -> FakeEpisodes:
    """Fake physics where attempt ``i`` fails when ``i % 3 == 1``."""
    return fake_episodes()
