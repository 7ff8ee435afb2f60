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


def test_a_run_that_speeds_up_is_refitted_to_use_its_budget(monkeypatch, tiny_params, small_data):
    # 3 s per step while first measured, then 1 s: fitted once (after step 4), the count is
    # 20 and the run ends after 36 of its 60 s; fitted again as the steps measured double
    # (until the first learning-rate decay), it trains more steps within the budget.
    clock = FakeClock(3.0, slow=1.0, switch=5)
    steps = _steps(monkeypatch, clock, tiny_params, small_data, max_steps=1000, max_minutes=1.0)
    assert steps >= 25
    assert clock.t <= 60


def test_the_refit_never_exceeds_max_steps(monkeypatch, tiny_params, small_data):
    clock = FakeClock(1.0, slow=0.01, switch=5)  # later fits would allow thousands
    steps = _steps(monkeypatch, clock, tiny_params, small_data, max_steps=40, max_minutes=1.0)
    assert steps == 40


@pytest.mark.parametrize(
    ("measured", "expected"), [(3, True), (6, True), (9, False), (12, True), (24, True), (0, False)]
)
def test_refit_points_double(measured, expected):
    assert loop._is_refit_point(measured) is expected
