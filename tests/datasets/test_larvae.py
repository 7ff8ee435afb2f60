import numpy as np
import pytest

from bams.datasets import _package, larvae
from bams.datasets.larvae import (
    ACTIONS,
    FRAME_RATE,
    larvae_available,
    load_larvae,
    midline_features,
    read_track,
)


@pytest.fixture
def dishes(tmp_path, write_larva_csv, straight_larva, bent_larva):
    """Two dish folders of tiny tracks in the real files' layout."""
    speed = 0.5 * 3.3 / FRAME_RATE
    for dish, n in (("dish01", 2), ("dish02", 3)):
        (tmp_path / dish).mkdir()
        for k in range(n):
            midline = straight_larva(80 + 10 * k, speed=speed * (k + 1), angle=0.3 * k)
            midline[60:] = bent_larva(len(midline) - 60, 70.0) + midline[59, 0] - [3.3, 0]
            write_larva_csv(tmp_path / dish / f"{10 * k + 3}.csv", midline, collisions={5})
    return tmp_path


def test_read_track_reverses_the_midline_and_drops_collisions(
    tmp_path, write_larva_csv, straight_larva
):
    midline = straight_larva(12, speed=0.1)
    path = write_larva_csv(tmp_path / "7.csv", midline, start=69, collisions={3, 4})
    track = read_track(path)
    assert track.steps.tolist() == list(range(69, 81))
    assert track.midline.shape == (12, 12, 2) and track.contour.shape == (12, 22, 2)
    assert track.collision.tolist() == [0, 0, 0, 2, 2] + [0] * 7
    assert np.isnan(track.midline[3:5]).all() and np.isnan(track.contour[3:5]).all()
    keep = [0, 1, 2] + list(range(5, 12))
    np.testing.assert_allclose(track.midline[keep], midline[keep], atol=1e-5)  # head first
    kept = read_track(path, drop_collisions=False)
    assert np.isfinite(kept.midline).all()


def test_read_track_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n2,3,4\n")
    with pytest.raises(ValueError, match=r"Expected 78 comma-separated columns .* shape \(2, 3\)"):
        read_track(bad)
    gap = tmp_path / "gap.csv"
    gap.write_text("\n".join(",".join([str(s)] + ["0"] * 77) for s in (1, 2, 4)) + "\n")
    with pytest.raises(ValueError, match="Expected consecutive integer steps"):
        read_track(gap)


def test_midline_features_names_and_values(straight_larva):
    speed = 0.1  # mm per frame along +x
    features = midline_features(straight_larva(20, speed=speed, length=3.3))
    assert features.values.shape == (20, 32) and features.values.dtype == np.float32
    assert features.actions == list(ACTIONS)
    assert features.names[:2] == ["head_forward", "head_left"]
    assert features.names[22:26] == ["tail_forward", "tail_left", "bend", "spine_length"]
    v = dict(zip(features.names, features.values[5], strict=True))
    assert v["head_forward"] == pytest.approx(3.3 / 2, abs=1e-5)  # head ahead of the centre
    assert v["tail_forward"] == pytest.approx(-3.3 / 2, abs=1e-5)
    assert v["forward_velocity"] == pytest.approx(speed * FRAME_RATE, rel=1e-5)
    assert v["lateral_velocity"] == pytest.approx(0, abs=1e-5)
    assert v["spine_length"] == pytest.approx(3.3, rel=1e-5)
    assert [v["bend"], v["bend_rate"], v["spine_length_rate"]] == pytest.approx([0, 0, 0], abs=1e-5)
    assert not any(n.startswith(("heading", "x", "y")) for n in features.names)


def test_midline_features_error():
    with pytest.raises(ValueError, match=r"Expected a midline of shape \(T, 12, 2\), but got"):
        midline_features(np.zeros((5, 11, 2)))


def test_load_larvae_from_a_folder(dishes):
    data = load_larvae(dishes)
    assert data.ids == ["dish01/3", "dish01/13", "dish02/3", "dish02/13", "dish02/23"]
    assert data.lengths.tolist() == [80, 90, 80, 90, 100]
    assert data.frame_rate == FRAME_RATE and data.actions == list(ACTIONS)
    assert data.sequence_labels["dish"].tolist() == ["dish01"] * 2 + ["dish02"] * 3
    assert data.sequence_labels["larva"].tolist() == data.ids
    state = data.frame_labels["state"][0]
    assert state[5] == "" and np.isnan(data.sequences[0][5]).all()  # the collision frame
    assert state[30] == "crawl" and state[75] == "turn"
    assert len(load_larvae(dishes, dishes=("dish02",))) == 3


def test_load_larvae_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="Expected a folder with the dish folders"):
        load_larvae(tmp_path / "nowhere")
    (tmp_path / "dish01").mkdir()
    with pytest.raises(FileNotFoundError, match=r"Expected \*.csv larva tracks in .*dish01"):
        load_larvae(tmp_path, dishes=("dish01",))
    monkeypatch.setattr(_package.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match="pip install --no-deps larvaworld==2.5.1"):
        load_larvae()
    assert not larvae_available()


def test_installed_package_without_the_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(larvae, "package_data", _package.package_data)
    monkeypatch.setattr(_package, "package_folder", lambda name: tmp_path)
    with pytest.raises(FileNotFoundError, match="Expected the folder 'data/SchleyerGroup"):
        load_larvae()


real = pytest.mark.skipif(not larvae_available(), reason="larvaworld is not installed")


@real
def test_real_track_head_is_the_last_point_in_the_file():
    track = read_track(larvae.larvae_root() / "dish01" / "10.csv")
    assert len(track.midline) == 1130
    features = midline_features(track.midline)
    forward = features.values[:, features.names.index("forward_velocity")]
    assert np.nanmean(forward > 0) > 0.75  # larvae crawl head first


@real
@pytest.mark.slow
def test_real_larvae():
    data = load_larvae()
    assert len(data) == 38 and data.total_frames == 61399
    assert data.lengths.min() == 717 and data.lengths.max() == 2880
    dishes = data.sequence_labels["dish"].tolist()
    assert (dishes.count("dish01"), dishes.count("dish02")) == (18, 20)
    states = np.concatenate(data.frame_labels["state"])
    fractions = {s: float(np.mean(states == s)) for s in ("crawl", "turn", "pause", "")}
    assert fractions["crawl"] > 0.7 and 0.02 < fractions["pause"] < fractions["turn"] < 0.2
