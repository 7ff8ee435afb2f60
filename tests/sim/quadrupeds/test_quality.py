import numpy as np
import pytest

from bams.data import Recordings
from bams.sim.quadrupeds.quality import class_balance, segment_survival, speed_tracking


def _table():
    # Three attempts over two segments: one crosses both, one falls in segment 2, one is too
    # slow and ends in segment 1.
    return {
        "robot_type": np.array(["a1", "a1", "aliengo"]),
        "command_speed": np.array([0.5, 0.8, 0.4]),
        "achieved_speed": np.array([0.45, 0.7, 0.1]),
        "success": np.array([True, False, False]),
        "reason": np.array(["", "tilt", "progress"]),
        "end_segment": np.array([3, 2, 1]),
        "segment1_type": np.array(["stairs_up", "stairs_up", "flat"]),
        "segment1_difficulty": np.array([0.1, 0.9, 0.7]),
        "segment2_type": np.array(["flat", "pits", "pits"]),
        "segment2_difficulty": np.array([0.3, 0.6, 0.2]),
    }


def test_segment_survival_counts_entries_and_falls_by_type_and_difficulty():
    rows = {(r["terrain_type"], r["difficulty"]): r for r in segment_survival(_table())}
    assert rows[("stairs_up", "0.00-0.25")]["entered"] == 1
    assert rows[("stairs_up", "0.75-1.00")]["entered"] == 1
    assert rows[("stairs_up", "0.75-1.00")]["survival"] == 1.0
    assert rows[("pits", "0.50-0.75")] == {
        "terrain_type": "pits",
        "difficulty": "0.50-0.75",
        "entered": 1,
        "failed": 1,
        "survival": 0.0,
    }
    # Flat: one row whatever the drawn difficulty; the too-slow attempt is no fall.
    assert rows[("flat", "any")]["entered"] == 2 and rows[("flat", "any")]["failed"] == 0
    assert np.isnan(rows[("hills", "0.00-0.25")]["survival"])


def test_speed_tracking_uses_kept_trajectories_only():
    table = _table()
    table["success"] = np.array([True, True, False])
    (a1,) = speed_tracking(table)
    assert a1["robot_type"] == "a1" and a1["n"] == 2
    assert a1["mean_error"] == pytest.approx(-0.075)
    assert a1["max_abs_error"] == pytest.approx(0.1)
    assert a1["relative_error"] == pytest.approx((0.1 + 0.125) / 2)


def test_class_balance():
    data = Recordings(
        [np.zeros((4, 2), np.float32), np.zeros((2, 2), np.float32)],
        frame_labels={"terrain_type": [np.array(["flat"] * 3 + ["pits"]), np.array(["pits"] * 2)]},
        sequence_labels={
            "robot_type": np.array(["a1", "aliengo"]),
            "command_speed": np.array([0.3, 0.9]),
            "body_mass": np.array([12.0, 20.0]),
        },
    )
    balance = class_balance(data)
    assert balance["robot_type"] == {"a1": 0.5, "aliengo": 0.5}
    assert balance["terrain_type"]["pits"] == pytest.approx(0.5)
    assert balance["terrain_type"]["hills"] == 0.0
    assert balance["command_speed"]["mean"] == pytest.approx(0.6)
