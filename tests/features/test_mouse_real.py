"""The mouse features of a real MABe 2022 clip, read in place from ../shared/data/real."""

from pathlib import Path

import numpy as np
import pytest

from bams.features.kinematics import mark_missing
from bams.features.mouse import mouse_features, order_mouse_keypoints

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
CLIP = REAL / "mabe22" / "mouse_triplet_EGS8X2MN4SSUGFWAV976.h5"
# Measured on this clip (benchmarks/mabe_real_clip.py): per mouse, the share of frames where
# it is untracked (all 12 keypoints at (0, 0)), of frames where one of its own (non-social)
# features is NaN, and of its feature values that are NaN.
UNTRACKED = (358 / 1800, 42 / 1800, 162 / 1800)
OWN_FEATURES_MISSING = (0.242, 0.033, 0.134)
VALUES_MISSING = (0.225, 0.066, 0.132)
MARGIN = 0.01

pytestmark = pytest.mark.skipif(
    not CLIP.is_file(), reason=f"the real MABe 2022 clip {CLIP.name} is not in {CLIP.parent}"
)


@pytest.fixture(scope="module")
def clip():
    pytest.importorskip("movement")
    pytest.importorskip("tables")
    from bams.io.pose_formats import read_deeplabcut

    tracks = read_deeplabcut(CLIP)
    keypoints = order_mouse_keypoints(tracks.position, tracks.keypoints)
    return keypoints, mouse_features(keypoints, frame_rate=30.0)


def test_the_clip_is_three_mice_missing_whole(clip):
    keypoints, _ = clip
    assert keypoints.shape == (1800, 3, 12, 2)
    missing = np.isnan(mark_missing(keypoints)).any(axis=-1)
    # A mouse is either tracked with all 12 keypoints or not at all.
    np.testing.assert_array_equal(missing.any(axis=2), missing.all(axis=2))
    np.testing.assert_allclose(missing.all(axis=2).mean(axis=0), UNTRACKED)


def test_features_are_masked_per_feature(clip):
    keypoints, features = clip
    tracked = ~np.isnan(mark_missing(keypoints)).any(axis=(2, 3))  # (T, 3)
    for m, feature in enumerate(features):
        nan = np.isnan(feature.values)
        own = [j for j, name in enumerate(feature.names) if not name.startswith("neighbor")]
        nearest = [j for j, name in enumerate(feature.names) if name.startswith("neighbor1_")]
        assert nan.all(axis=1).mean() <= UNTRACKED[m] + MARGIN / 2
        assert nan[:, own].any(axis=1).mean() <= OWN_FEATURES_MISSING[m] + MARGIN
        assert nan.mean() <= VALUES_MISSING[m] + MARGIN
        # An untracked neighbour leaves the nearest tracked one: when this mouse and another
        # are tracked, the neighbour-1 features (but for the rate, at a gap) are observed.
        others = np.delete(tracked, m, axis=1).any(axis=1)
        rate = feature.names.index("neighbor1_distance_rate")
        both = tracked[:, m] & others
        assert not nan[np.ix_(both, [j for j in nearest if j != rate])].any()
