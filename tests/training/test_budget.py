"""The training budget in minutes (``max_minutes``), driven by a fake clock."""

import pytest

import bams.training.loop as loop
from bams import BAMS


class FakeClock:
    """Seconds that advance by ``fast`` per reading, then by ``slow`` after ``switch`` readings."""

    def __init__(self, fast: float, slow: float | None = None, switch: int = 10**9):
        self.t, self.readings, self.fast, self.slow, self.switch = 0.0, 0, fast, slow, switch

    def __call__(self) -> float:
        self.readings += 1
        self.t += self.fast if self.readings <= self.switch else self.slow
        return self.t


def _steps(monkeypatch, clock, tiny_params, small_data, **params) -> int:
    monkeypatch.setattr(loop, "_now", clock)
    calls = []
    real = loop.bams_losses
    monkeypatch.setattr(loop, "bams_losses", lambda *a, **k: calls.append(1) or real(*a, **k))
    BAMS(**{**tiny_params, **params}).fit(small_data)
    return len(calls)


def test_the_step_count_is_fitted_to_the_budget(monkeypatch, tiny_params, small_data):
    # Four seconds per step: 15 steps fit in one minute, although 1,000 were allowed.
    steps = _steps(
        monkeypatch, FakeClock(4.0), tiny_params, small_data, max_steps=1000, max_minutes=1.0
    )
    assert steps == 15


def test_a_run_that_slows_down_still_stops_at_the_budget(monkeypatch, tiny_params, small_data):
    # Fast while the speed is measured (1 s per step), then 10 s per step: the fitted count
    # (60) would take 9 minutes, but training stops once the minute is spent.
    clock = FakeClock(1.0, slow=10.0, switch=5)
    steps = _steps(monkeypatch, clock, tiny_params, small_data, max_steps=1000, max_minutes=1.0)
    assert steps == 10
    assert clock.t >= 60


def test_max_steps_still_wins_when_it_comes_first(monkeypatch, tiny_params, small_data):
    steps = _steps(
        monkeypatch, FakeClock(1.0), tiny_params, small_data, max_steps=7, max_minutes=1.0
    )
    assert steps == 7


@pytest.mark.parametrize("minutes", [0.0, -1.0])
def test_a_budget_must_be_positive(minutes, tiny_params):
    with pytest.raises(ValueError, match="Expected max_minutes > 0 or None"):
        BAMS(**{**tiny_params, "max_minutes": minutes}).get_config()
