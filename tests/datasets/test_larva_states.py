import numpy as np
import pytest

from bams.datasets.larva_states import (
    STATES,
    StateRules,
    centered_mean,
    derive_states,
    majority_filter,
)

FPS = 16.0


def middle(labels: np.ndarray) -> set[str]:
    """The labels away from the edges (where windows are cut)."""
    return set(labels[16:-16].tolist())


def test_crawling_forward_is_crawl(straight_larva):
    # 0.5 body lengths per second along a diagonal
    midline = straight_larva(96, speed=0.5 * 3.3 / FPS, angle=0.7)
    assert middle(derive_states(midline, FPS)) == {"crawl"}


def test_standing_still_is_pause(straight_larva):
    assert middle(derive_states(straight_larva(96), FPS)) == {"pause"}


def test_slow_drift_below_threshold_is_pause(straight_larva):
    midline = straight_larva(96, speed=0.05 * 3.3 / FPS)
    assert middle(derive_states(midline, FPS)) == {"pause"}


def test_strong_bend_is_turn_even_when_still(bent_larva):
    assert middle(derive_states(bent_larva(96, 60.0), FPS)) == {"turn"}
    assert middle(derive_states(bent_larva(96, 20.0), FPS)) == {"pause"}


def test_rotating_straight_body_is_turn(straight_larva):
    base = straight_larva(1)[0]
    angles = np.radians(60.0) * np.arange(96) / FPS  # 60 degrees per second
    rotation = np.stack([[np.cos(angles), -np.sin(angles)], [np.sin(angles), np.cos(angles)]])
    midline = np.einsum("ijt,kj->tki", rotation, base)
    assert middle(derive_states(midline, FPS)) == {"turn"}


def test_rules_change_the_labels(straight_larva):
    midline = straight_larva(96, speed=0.1 * 3.3 / FPS)
    assert middle(derive_states(midline, FPS)) == {"pause"}
    assert middle(derive_states(midline, FPS, StateRules(pause_speed=0.05))) == {"crawl"}


def test_missing_frames_are_unlabeled_and_the_rest_is_labeled(straight_larva):
    midline = straight_larva(96, speed=0.5 * 3.3 / FPS)
    midline[40:44] = np.nan
    labels = derive_states(midline, FPS)
    assert (labels[40:44] == "").all()
    assert set(labels[20:40].tolist()) == {"crawl"}
    assert set(labels.tolist()) <= set(STATES) | {""}


def test_all_missing_track_is_unlabeled(straight_larva):
    midline = np.full((10, 12, 2), np.nan)
    assert (derive_states(midline, FPS) == "").all()


def test_state_sequence_is_found_in_order(straight_larva, bent_larva):
    crawl = straight_larva(64, speed=0.5 * 3.3 / FPS)
    still = bent_larva(64, 0.0) + crawl[-1, 0] - bent_larva(1, 0.0)[0, 0]
    labels = derive_states(np.concatenate([crawl, still]), FPS)
    assert labels[30] == "crawl" and labels[100] == "pause"


def test_derive_states_errors(straight_larva):
    with pytest.raises(ValueError, match="Expected a positive frame_rate, but got 0"):
        derive_states(straight_larva(10), 0)
    with pytest.raises(ValueError, match=r"Expected a midline of shape \(T, N >= 2, 2\)"):
        derive_states(np.zeros((10, 12)), FPS)


def test_centered_mean_by_hand():
    x = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    np.testing.assert_allclose(centered_mean(x, 3), [1.5, 1.5, 3.0, 4.5, 4.5])
    # a window with fewer than half of its frames observed is NaN
    assert np.isnan(centered_mean(np.array([np.nan, np.nan, 1.0, np.nan, np.nan]), 5)[0])
    two = centered_mean(np.c_[x, 2 * x], 3)
    np.testing.assert_allclose(two[:, 1], 2 * two[:, 0])


def test_majority_filter_removes_flickers_and_keeps_unlabeled():
    codes = np.array([0, 0, 1, 0, 0, 2, 2, 2, -1, 1])
    out = majority_filter(codes, 3, 3)
    assert out.tolist() == [0, 0, 0, 0, 0, 2, 2, 2, -1, 1]
