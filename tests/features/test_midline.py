import numpy as np
import pytest

from bams.features.midline import bend_angle, segment_angle, spine_length


def test_spine_length_by_hand():
    midline = np.array([[[0.0, 0.0], [3.0, 4.0], [3.0, 5.0]], [[0.0, 0.0], [np.nan, 1.0], [1, 1]]])
    length = spine_length(midline)
    assert length[0] == 6.0 and np.isnan(length[1])


def test_bend_angle_sign_and_size():
    # 12 points, head first: the rear along +x, the front turned 40 degrees to the left
    theta = np.radians(40)
    tail_first = [np.zeros(2)]
    for i in range(11):
        step = [1.0, 0.0] if i < 6 else [np.cos(theta), np.sin(theta)]
        tail_first.append(tail_first[-1] + step)
    left = np.array(tail_first)[::-1][None]
    right = left * [1, -1]
    assert bend_angle(left)[0] == pytest.approx(theta)
    assert bend_angle(right)[0] == pytest.approx(-theta)
    assert segment_angle(left, -1, 0)[0] == pytest.approx(
        np.arctan2(*(left[0, 0] - left[0, -1])[::-1])
    )


def test_midline_errors():
    with pytest.raises(
        ValueError, match=r"Expected a midline of shape \(T, N >= 2, 2\), but got \(3, 1, 2\)"
    ):
        spine_length(np.zeros((3, 1, 2)))
    with pytest.raises(ValueError, match=r"Expected point indices in \[-4, 4\), but got \[5\]"):
        bend_angle(np.zeros((3, 4, 2)), front=(5, 1), rear=(-1, -3))
