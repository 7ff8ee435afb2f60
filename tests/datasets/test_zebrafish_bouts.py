import sys
import types

import numpy as np
import pytest
from scipy.interpolate import interp1d

from bams.datasets import zebrafish_bouts as zb
from bams.datasets.zebrafish import SOURCES, _read_fish, load_zebrafish
from bams.datasets.zebrafish_bouts import (
    BOUT_LABEL,
    CATEGORIES,
    MOVING_LABEL,
    BoutLabels,
    with_bout_labels,
    zebrafish_bouts,
    zebrafish_bouts_available,
)


def test_spline_is_scipy_cubic_interp1d(rng):
    points = np.cumsum(rng.uniform(0.1, 1.0, size=(50, 5, 2)), axis=1)
    distance = np.linalg.norm(np.diff(points, axis=1), axis=-1).cumsum(1)
    u = np.concatenate([np.zeros((50, 1)), distance], 1) / distance[:, -1:]
    at = np.linspace(0, 1, 11)
    curve = zb._spline(u, points, at)
    for i in range(50):
        np.testing.assert_allclose(curve[i], interp1d(u[i], points[i], "cubic", axis=0)(at))


def test_bout_labels_per_frame_and_segment():
    bouts = BoutLabels(
        onset=np.array([2, 7]),
        offset=np.array([4, 10]),
        category=np.array(["slow1", "J_turn"]),
        sign=np.array([1, -1]),
        proba=np.array([0.9, 0.8]),
        n_frames=12,
        frame_rate=350.0,
    )
    labels = bouts.labels()
    assert labels.tolist() == [""] * 2 + ["slow1"] * 2 + [""] * 3 + ["J_turn"] * 3 + [""] * 2
    assert (bouts.labels(moving=True) == np.where(labels == "", "rest", "bout")).all()
    parts = bouts.frame_labels(step=2, segment_length=2)
    assert [p.tolist() for p in parts] == [["", "slow1"], ["", ""], ["J_turn", ""]]
    with pytest.raises(ValueError, match="Expected segment_length <= 6 frames, but got 7"):
        bouts.frame_labels(step=2, segment_length=7)
    with pytest.raises(ValueError, match="Expected step >= 1"):
        bouts.frame_labels(step=0)


def test_errors(monkeypatch):
    with pytest.raises(ValueError, match="Expected kind 'sleap' .*, but got 'dlc'"):
        zebrafish_bouts("dlc")

    def missing(name):
        raise ModuleNotFoundError(f"No module named {name!r}")

    monkeypatch.setattr(zb.importlib, "import_module", missing)
    with pytest.raises(ImportError, match="pip install --no-deps megabouts==0.1.2 pybaselines"):
        zebrafish_bouts()


@pytest.fixture(scope="module")
def bouts():
    if not zebrafish_bouts_available():
        pytest.skip("megabouts or pybaselines is not installed: " + zb.INSTALL)
    return zebrafish_bouts()


@pytest.mark.slow
def test_real_bouts_are_plausible(bouts):
    labels = bouts.labels()
    assert len(labels) == 150000 == bouts.n_frames
    names, counts = np.unique(labels, return_counts=True)
    fractions = dict(zip(names.tolist(), (counts / len(labels)).round(4).tolist(), strict=True))
    print(f"{len(bouts.onset)} bouts; fraction of frames per label: {fractions}")
    in_bout = (labels != "").mean()
    assert 0.03 < in_bout < 0.35
    assert set(names) - {""} <= set(CATEGORIES) and len(names) - 1 > 3
    duration = (bouts.offset - bouts.onset) / bouts.frame_rate
    assert 0.08 < np.median(duration) < 0.3  # larvae swim in bouts of ~0.1-0.2 s
    assert (bouts.labels(moving=True) == np.where(labels == "", "rest", "bout")).all()
    assert set(np.unique(bouts.sign)) <= {-1, 1} and ((bouts.proba > 0) & (bouts.proba <= 1)).all()


@pytest.mark.slow
def test_labels_run_from_onset_to_offset(bouts):
    labels = bouts.labels()
    assert (np.diff(bouts.onset) > 0).all() and (bouts.offset > bouts.onset).all()
    for on, off, cat in zip(bouts.onset, bouts.offset, bouts.category, strict=True):
        assert (labels[on:off] == cat).all()
    inside = np.zeros(len(labels), bool)
    for on, off in zip(bouts.onset, bouts.offset, strict=True):
        inside[on:off] = True
    assert (labels[~inside] == "").all()


@pytest.mark.slow
def test_same_bouts_as_megabouts_pipeline(monkeypatch, bouts):
    """FullTrackingPipeline itself, on 5,000 frames with bouts (its module imports sporco)."""
    for name in ("sporco", "sporco.admm", "sporco.admm.cbpdnin"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules["sporco.admm"].cbpdnin = sys.modules["sporco.admm.cbpdnin"]
    from megabouts.pipeline import FullTrackingPipeline
    from megabouts.tracking_data import FullTrackingData, TrackingConfig

    for name in [n for n in sys.modules if n.startswith(("megabouts.pipeline", "megabouts.sp"))]:
        monkeypatch.delitem(sys.modules, name)  # forget the modules that saw the stub
    source = SOURCES["sleap"]
    folder = zb.package_data(zb.PACKAGE, zb.DATA_FOLDER, zb.INSTALL)
    keypoints, names = _read_fish(folder / source.file, source, 0.0)
    frames = slice(bouts.onset[50] - 1000, bouts.onset[50] + 4000)
    head = keypoints[frames, names.index("mid_eye")]
    tail = keypoints[frames][:, [names.index(f"tail{i}") for i in range(5)]]
    pipeline = FullTrackingPipeline(TrackingConfig(fps=350, tracking="full_tracking"))
    pipeline.segmentation_cfg.threshold = 50
    data = FullTrackingData.from_keypoints(
        head_x=head[:, 0], head_y=head[:, 1], tail_x=tail[..., 0], tail_y=tail[..., 1]
    )
    ethogram, theirs, *_ = pipeline.run(data)
    ours = zb._run_pipeline(zb._megabouts(), head, tail, 350.0, 50.0, False)
    assert len(ours.onset) > 5
    np.testing.assert_array_equal(ours.onset, theirs.onset)
    np.testing.assert_array_equal(ours.offset, theirs.offset)
    assert ours.category.tolist() == [CATEGORIES[int(c)] for c in theirs.category]
    np.testing.assert_array_equal(ours.sign, theirs.sign)
    category = ethogram.df[("bout", "cat")].to_numpy().ravel()
    expected = np.where(category < 0, "", np.array(CATEGORIES)[np.maximum(category, 0)])
    assert (ours.labels() == expected).all()


@pytest.mark.slow
def test_labels_align_with_load_zebrafish(bouts):
    whole = with_bout_labels(load_zebrafish("sleap"), bouts)
    assert whole.lengths.tolist() == [150000]
    assert (whole.frame_labels[BOUT_LABEL][0] == bouts.labels()).all()
    assert set(np.unique(whole.frame_labels[MOVING_LABEL][0])) == {"bout", "rest"}
    data = load_zebrafish("sleap", step=7, segment_length=3000)
    labelled = with_bout_labels(data, bouts)
    assert labelled.lengths.tolist() == data.lengths.tolist() == [3000] * 7
    full = bouts.labels()
    for i, labels in enumerate(labelled.frame_labels[BOUT_LABEL]):
        assert len(labels) == 3000
        assert (labels == full[(i * 3000 + np.arange(3000)) * 7]).all()
    with pytest.raises(ValueError, match="Expected the recordings of load_zebrafish"):
        with_bout_labels(data, bouts, step=5)
