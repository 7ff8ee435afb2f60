import numpy as np
import pytest

from bams.datasets import _package, choices
from bams.datasets.choices import (
    CHOICE_DATASETS,
    choices_available,
    load_choices,
    read_cavanagh,
    read_cpm_bandit,
)

CPM_HEADER = "ppt,trial,arm_left,arm_right,reward_left,reward_right,response,feedback"
CAVANAGH_HEADER = "participant_id,stim,rt,response,theta,dbs,conf"


def _cpm_csv(path, n_people=3, n_trials=6, seed=0):
    """A bandit_small-like file (the layout only): arm 1 pays most, arm 4 least."""
    rng = np.random.default_rng(seed)
    rows = [CPM_HEADER]
    for p in range(1, n_people + 1):
        for t in reversed(range(n_trials)):  # out of order: the reader sorts by trial
            left, right = rng.choice(np.arange(1, 5), 2, replace=False)
            pay = (rng.random(2) < [1.0 - left / 5, 1.0 - right / 5]).astype(float)
            response = int(rng.integers(2))
            rows.append(f"{p},{t},{left},{right},{pay[0]},{pay[1]},{response},{pay[response]}")
    path.write_text("\n".join(rows) + "\n")
    return path


def _cavanagh_csv(path, blocks=((5, 4), (3, 6))):
    """A cavanagh_theta_nn-like file: per participant, ``on`` trials with dbs 1, then ``off``."""
    rows = [CAVANAGH_HEADER]
    stims = ["LL", "WL", "WW"]
    for p, (on, off) in enumerate(blocks):
        for t in range(on + off):
            stim = stims[t % 3]
            conf = "LC" if stim == "WL" else "HC"
            rows.append(f"{p},{stim},{0.5 + 0.1 * t},{1 if t % 2 else -1},0.1,{int(t < on)},{conf}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_read_cpm_bandit_two_halves_per_participant(tmp_path):
    data = read_cpm_bandit(_cpm_csv(tmp_path / "bandit_small.csv"))
    assert len(data) == 6 and data.lengths.tolist() == [3] * 6
    assert data.ids[:2] == ["ppt001#0", "ppt001#1"] and data.groups[:2] == ["ppt001"] * 2
    assert data.sequence_labels["part"].tolist() == [0, 1] * 3
    assert data.sequence_labels["participant"].tolist() == [1, 1, 2, 2, 3, 3]
    assert data.feature_names[-2:] == ["chose_right", "reward"] and data.frame_rate == 1.0
    x = np.concatenate(data.sequences)
    assert (x[:, :4].sum(axis=1) == 1).all() and (x[:, 4:8].sum(axis=1) == 2).all()
    # the chosen arm is one of those shown
    assert ((x[:, :4] > 0) <= (x[:, 4:8] > 0)).all()
    assert np.concatenate(data.frame_labels["chose_better"]).dtype == bool


def test_read_cavanagh_one_recording_per_stimulation_block(tmp_path):
    data = read_cavanagh(_cavanagh_csv(tmp_path / "c.csv"))
    assert data.ids == ["p00#0", "p00#1", "p01#0", "p01#1"]
    assert data.lengths.tolist() == [5, 4, 3, 6]
    assert data.sequence_labels["dbs"].tolist() == [1, 0, 1, 0]
    assert data.actions == ["response", "log_rt"]
    first = data.sequences[0]
    np.testing.assert_allclose(first[:, 3], [0, 1, 0, 1, 0])
    np.testing.assert_allclose(first[:, 4], np.log(0.5 + 0.1 * np.arange(5)), rtol=1e-6)
    np.testing.assert_allclose(first[:3, :3], np.eye(3))


def test_reader_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ppt,trial\n1,0\n")
    with pytest.raises(ValueError, match=r"Expected columns \['ppt', 'trial', 'arm_left'"):
        read_cpm_bandit(bad)
    three = tmp_path / "three.csv"
    text = _cavanagh_csv(tmp_path / "ok.csv", blocks=((2, 2),)).read_text()
    three.write_text(text + "0,WW,0.7,1,0.1,1,HC\n")  # a third block
    with pytest.raises(ValueError, match=r"two stimulation blocks per participant"):
        read_cavanagh(three)


def test_load_choices_errors(monkeypatch):
    with pytest.raises(ValueError, match=r"Expected a data set among \['cavanagh', 'cpm_bandit'\]"):
        load_choices("nope")
    monkeypatch.setattr(_package.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match=r"Expected the cpm package.*cpm-toolbox"):
        load_choices("cpm_bandit")
    with pytest.raises(ImportError, match=r"Expected the hssm package.*pip install --no-deps hssm"):
        load_choices("cavanagh")
    assert not choices_available("cpm_bandit") and not choices_available("cavanagh")


def test_installed_package_without_the_file(tmp_path, monkeypatch):
    (tmp_path / "datasets" / "data").mkdir(parents=True)
    monkeypatch.setattr(choices, "package_data", _package.package_data)
    monkeypatch.setattr(_package, "package_folder", lambda name: tmp_path)
    with pytest.raises(FileNotFoundError, match="Expected 'bandit_small.csv' inside"):
        load_choices("cpm_bandit")


@pytest.mark.parametrize("name", sorted(CHOICE_DATASETS))
def test_real_file(name):
    if not choices_available(name):
        pytest.skip(f"{CHOICE_DATASETS[name].install} to run this test")
    data = load_choices(name)
    assert len(data) % 2 == 0 and data.groups[::2] == data.groups[1::2]
    expected = {"cpm_bandit": (200, 14399), "cavanagh": (14, 3988)}[name]
    assert (len(set(data.groups)), int(data.lengths.sum())) == expected
