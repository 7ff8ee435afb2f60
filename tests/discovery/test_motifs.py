"""Motifs from embeddings: model choice, recovery, smoothing, tables, files and the command."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from bams.data import Recordings
from bams.discovery import find_motifs, load_motifs, run_lengths, save_motifs

pytest.importorskip("hmmlearn")

RATE = 30.0


@pytest.fixture(autouse=True)
def one_blas_thread():
    # Small mixtures are much slower with many BLAS threads on a busy machine.
    with threadpool_limits(limits=1):
        yield


def _states(rng, n_frames, k=3):
    """Hidden states that switch to another state every 20-60 frames."""
    states, current = [], int(rng.integers(k))
    while len(states) < n_frames:
        states += [current] * int(rng.integers(20, 61))
        current = (current + int(rng.integers(1, k))) % k
    return np.array(states[:n_frames])


def _clustered(noise, n_recordings=4, n_frames=400, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(3, 6)) * 4.0
    hidden = [_states(rng, n_frames) for _ in range(n_recordings)]
    embeddings = [
        {"short_term": centers[s] + noise * rng.normal(size=(n_frames, 6))} for s in hidden
    ]
    features = [np.c_[s == 0, s == 1, rng.normal(size=(n_frames, 4))] for s in hidden]
    data = Recordings(
        [f.astype(float) for f in features],
        feature_names=["first", "second", "a", "b", "c", "d"],
        frame_rate=RATE,
        groups=["x", "x", "y", "y"][:n_recordings],
    )
    return embeddings, data, hidden


def _n_bouts(labels):
    return sum(len(run_lengths(x)[0]) for x in labels)


@pytest.fixture(scope="module")
def found():
    embeddings, data, hidden = _clustered(noise=1.0)
    return find_motifs(embeddings, data, max_k=6), data, hidden


def test_bic_chooses_three_and_recovers_the_states(found):
    motifs, _, hidden = found
    ari = adjusted_rand_score(np.concatenate(hidden), np.concatenate(motifs.labels))
    print(f"K={motifs.n_motifs} ARI={ari:.3f} BIC={motifs.criterion}")
    assert motifs.n_motifs == 3
    assert sorted(motifs.criterion) == [2, 3, 4, 5, 6]
    assert min(motifs.criterion, key=motifs.criterion.get) == 3
    assert ari > 0.9


def test_smoothing_reduces_bouts_on_noisy_data():
    embeddings, data, hidden = _clustered(noise=3.0)
    raw = find_motifs(embeddings, data, n_motifs=3, smooth=False)
    smooth = find_motifs(embeddings, data, n_motifs=3, smooth=True)
    truth, before, after = _n_bouts(hidden), _n_bouts(raw.labels), _n_bouts(smooth.labels)
    ari_before = adjusted_rand_score(np.concatenate(hidden), np.concatenate(raw.labels))
    ari_after = adjusted_rand_score(np.concatenate(hidden), np.concatenate(smooth.labels))
    print(f"bouts true={truth} raw={before} smoothed={after}")
    print(f"ARI raw={ari_before:.3f} smoothed={ari_after:.3f}")
    assert after < before / 2
    assert after <= 1.5 * truth
    assert ari_after > ari_before


def test_a_single_gaussian_gets_the_smallest_k():
    rng = np.random.default_rng(1)
    embeddings = [{"short_term": rng.normal(size=(400, 6))} for _ in range(3)]
    data = Recordings([rng.normal(size=(400, 2)) for _ in range(3)], frame_rate=RATE)
    motifs = find_motifs(embeddings, data, max_k=5, smooth=False)
    print(f"null BIC={motifs.criterion}")
    assert motifs.n_motifs == 2


def test_usage_rows_sum_to_one(found):
    motifs, _, _ = found
    by_recording, by_group = motifs.usage("recording"), motifs.usage("group")
    assert list(by_recording.index) == motifs.ids
    assert list(by_group.index) == ["x", "y"]
    np.testing.assert_allclose(by_recording.sum(axis=1), 1.0)
    np.testing.assert_allclose(by_group.sum(axis=1), 1.0)
    counts = np.bincount(np.concatenate(motifs.labels), minlength=3)
    assert list(counts) == sorted(counts, reverse=True)  # motif 0 is the most used


def test_transitions_rows_sum_to_one_with_zero_diagonal(found):
    motifs, _, _ = found
    matrix = motifs.transitions()
    assert matrix.shape == (3, 3)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    np.testing.assert_array_equal(np.diag(matrix), 0.0)
    counts = motifs.transitions(normalize=False)
    assert counts.sum() == _n_bouts(motifs.labels) - len(motifs.labels)


def test_to_frame_has_one_row_per_frame(found):
    motifs, data, _ = found
    table = motifs.to_frame()
    assert list(table.columns) == ["recording", "frame", "time_s", "motif"]
    assert len(table) == data.total_frames
    np.testing.assert_allclose(table["time_s"], table["frame"] / RATE)
    first = table[table["recording"] == data.ids[0]]
    np.testing.assert_array_equal(first["motif"], motifs.labels[0])


def test_durations_and_features(found):
    motifs, data, _ = found
    bouts = motifs.bouts()
    np.testing.assert_allclose(bouts["duration_s"].sum(), data.total_frames / RATE)
    summary = motifs.durations()
    assert list(summary["motif"]) == [0, 1, 2]
    assert summary["n_bouts"].sum() == len(bouts)
    features = motifs.features(data)
    assert (features.groupby("motif").size() == 5).all()
    best = features[features["rank"] == 1]
    assert set(best["feature"]) >= {"first", "second"}  # the features that mark the states


def test_save_motifs_writes_every_file(found, tmp_path):
    motifs, data, _ = found
    out = save_motifs(motifs, data, tmp_path / "motifs")
    names = {p.name for p in out.iterdir()}
    expected = {"labels.csv", "usage.csv", "durations.csv", "transitions.csv", "features.csv"}
    figures = {"usage.png", "durations.png", "transitions.png", "ethogram.png"}
    assert names == expected | {"motifs.json"} | figures
    for name in figures:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    labels = pd.read_csv(out / "labels.csv")
    assert list(labels.columns) == ["recording", "frame", "time_s", "motif"]
    usage = pd.read_csv(out / "usage.csv")
    assert set(usage["level"]) == {"recording", "group"}
    np.testing.assert_allclose(usage.filter(like="motif_").sum(axis=1), 1.0)
    assert pd.read_csv(out / "transitions.csv").shape == (3, 4)


def test_saved_motifs_read_back_only_with_their_recordings(found, tmp_path):
    motifs, data, _ = found
    out = save_motifs(motifs, data, tmp_path / "motifs")
    back = load_motifs(out, data)
    assert back.n_motifs == motifs.n_motifs and back.ids == motifs.ids
    assert back.criterion == pytest.approx(motifs.criterion)
    for a, b in zip(back.labels, motifs.labels, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="found in other recordings"):
        load_motifs(out, data.subset([0, 1]))
    (out / "motifs.json").unlink()
    with pytest.raises(FileNotFoundError, match="run `bams motifs RUN_DIR` first"):
        load_motifs(out)


def test_cli_writes_labels_of_a_tiny_run(tmp_path, small_data, tiny_params):
    from typer.testing import CliRunner

    from bams import BAMS
    from bams.cli.motifs import app

    run = tmp_path / "run"
    BAMS(**tiny_params, output_dir=run).fit(small_data)
    data_file = small_data.save(tmp_path / "data.npz")
    result = CliRunner().invoke(app, [str(run), "--data", str(data_file), "--n-motifs", "3"])
    assert result.exit_code == 0, result.output
    assert "3 motifs" in result.output
    labels = pd.read_csv(run / "motifs" / "labels.csv")
    assert len(labels) == small_data.total_frames
    bad = CliRunner().invoke(app, [str(run), "--data", str(data_file), "--n-motifs", "1"])
    assert bad.exit_code == 2
    assert "Expected n_motifs >= 2" in bad.output


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_motifs": 1}, "n_motifs >= 2"), ({"latent": "mid_term"}, "Expected a latent in")],
)
def test_bad_arguments_are_one_value_error(found, kwargs, message):
    _, data, _ = found
    embeddings = [{"short_term": np.zeros((n, 2))} for n in data.lengths]
    with pytest.raises(ValueError, match=message):
        find_motifs(embeddings, data, **kwargs)


def test_smoothing_without_hmmlearn_names_the_extra(found, monkeypatch):
    import sys

    _, data, _ = found
    monkeypatch.setitem(sys.modules, "hmmlearn", None)
    embeddings = [{"short_term": np.zeros((n, 2))} for n in data.lengths]
    with pytest.raises(ImportError, match=r"bams\[discovery\]"):
        find_motifs(embeddings, data, n_motifs=2)


def test_cli_notes_when_bic_takes_the_largest_k(tmp_path, small_data, tiny_params, monkeypatch):
    from typer.testing import CliRunner

    from bams import BAMS
    from bams.cli import app

    run = tmp_path / "run"
    BAMS(**tiny_params, output_dir=run).fit(small_data)
    data_file = small_data.save(tmp_path / "data.npz")
    args = ["motifs", str(run), "--data", str(data_file), "--max-k", "2", "--no-smooth"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 motifs (BIC" in result.output
    assert "Note: BIC chose the largest number tried (2)" in result.output
