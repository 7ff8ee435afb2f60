"""A store-backed Recordings in use: subsets, parts, statistics, training, the commands."""

import os

import numpy as np
import pytest
from data_helpers import assert_same_recordings
from typer.testing import CliRunner

import bams.preprocessing as preprocessing
from bams import BAMS
from bams.cli import app
from bams.data import Recordings, open_store, write_store
from bams.data.store_reader import release_pages
from bams.preprocessing import Preprocessor


def _memory_mapped(array: np.ndarray) -> bool:
    while array is not None:
        if isinstance(array, np.memmap):
            return True
        array = array.base
    return False


@pytest.fixture
def stored(recordings, tmp_path):
    return open_store(write_store(recordings, tmp_path / "data.bams", shard_bytes=1))


def test_subset_of_a_store_stays_memory_mapped(recordings, stored, monkeypatch):
    import bams.data.recordings as recordings_module

    def no_value_pass(*args, **kwargs):
        raise AssertionError("subset read the values again")

    monkeypatch.setattr(recordings_module, "check_sequences", no_value_pass)
    part = stored.subset([2, 0])
    assert part.ids == ["c", "a"] and all(_memory_mapped(s) for s in part.sequences)
    monkeypatch.undo()
    assert_same_recordings(recordings.subset([2, 0]), part)


def test_split_parts_of_a_store_are_views(recordings, stored):
    parts = stored.split_parts(2)
    assert all(_memory_mapped(s) for s in parts.sequences)
    assert all(_memory_mapped(v) for v in parts.frame_labels["state"])
    assert_same_recordings(recordings.split_parts(2), parts)


def test_a_store_saves_to_npz_and_to_another_store(recordings, stored, tmp_path):
    assert_same_recordings(recordings, Recordings.load(stored.save(tmp_path / "copy.npz")))
    copy = stored.save(tmp_path / "copy.bams")
    assert_same_recordings(recordings, Recordings.load(copy))
    assert stored.lengths.tolist() == [12, 7, 9] and stored.total_frames == 28


def test_statistics_on_a_bounded_sample_match_the_full_data(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    # 300,000 frames in 30 recordings: two features of known spread, one heavy-tailed.
    sequences = [
        np.column_stack(
            [rng.normal(3.0, 2.0, n), rng.standard_t(3, n), rng.exponential(1.0, n)]
        ).astype(np.float32)
        for n in rng.integers(5_000, 15_000, size=30)
    ]
    sequences[0][:500, 1] = np.nan
    data = open_store(write_store(Recordings(sequences), tmp_path / "big.bams", shard_bytes=2**20))
    full = Preprocessor(n_bins=16).fit(data)
    assert data.total_frames > 200_000 > 20_000
    read_rows = []
    real_sample = preprocessing._sample_frames

    def counting_sample(recordings):
        frames = real_sample(recordings)
        read_rows.append(len(frames))
        return frames

    monkeypatch.setattr(preprocessing, "_MAX_STAT_FRAMES", 20_000)
    monkeypatch.setattr(preprocessing, "_sample_frames", counting_sample)
    sampled = Preprocessor(n_bins=16).fit(data)
    assert read_rows == [20_000]  # medians, IQRs and the bin ranges all come from the sample
    # Tolerances: about 5 standard errors of each statistic with 20,000 frames.
    assert np.all(np.abs(sampled.center_ - full.center_) <= 0.05 * full.scale_)
    np.testing.assert_allclose(sampled.scale_, full.scale_, rtol=0.05)
    spread = full.bin_width_ * 16  # the range between the 0.5 and 99.5 percentiles
    assert np.all(np.abs(sampled.bin_low_ - full.bin_low_) <= 0.05 * spread)
    np.testing.assert_allclose(sampled.bin_width_, full.bin_width_, rtol=0.1)


def test_training_on_a_store_backed_recordings(small_data, tiny_params, tmp_path):
    data = Recordings.load(small_data.save(tmp_path / "small.bams"))
    assert all(isinstance(s, np.memmap) for s in data.sequences)
    model = BAMS(**{**tiny_params, "max_steps": 2}).fit(data)
    embeddings = model.transform(data.subset([0, 1]))
    assert len(embeddings) == 2
    assert all(np.isfinite(e["long_term"]).all() for e in embeddings)


def test_convert_command(recordings, tmp_path):
    npz = recordings.save(tmp_path / "data.npz")
    runner = CliRunner()
    result = runner.invoke(app, ["convert", str(npz), str(tmp_path / "data.bams")])
    assert result.exit_code == 0, result.output
    assert_same_recordings(recordings, open_store(tmp_path / "data.bams"))
    again = runner.invoke(app, ["convert", str(npz), str(tmp_path / "data.bams")])
    assert again.exit_code == 2
    assert "Error: Expected a new path to write" in again.output
    replaced = runner.invoke(app, ["convert", str(npz), str(tmp_path / "data.bams"), "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    broken = runner.invoke(app, ["convert", str(tmp_path / "none.bams"), str(tmp_path / "o.npz")])
    assert broken.exit_code == 2 and "Error:" in broken.output


def test_simulate_writes_a_store(tmp_path):
    output = tmp_path / "sim.bams"
    args = ["simulate", "synthetic", "-o", str(output), "-n", "3", "--frames", "40"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = Recordings.load(output)
    assert len(data) == 3 and data.lengths.tolist() == [40, 40, 40]
    assert isinstance(data.sequences[0], np.memmap)
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2 and "Error: Expected a new path to write" in again.output


def _resident_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_released_pages_leave_memory_and_read_back_unchanged(tmp_path, rng):
    values = rng.normal(size=(200_000, 64)).astype(np.float32)  # 49 MiB
    Recordings([values]).save(tmp_path / "big.bams")
    want = float(values.sum(dtype=np.float64))
    del values
    data = Recordings.load(tmp_path / "big.bams")
    before = _resident_kib()
    assert float(data.sequences[0].sum(dtype=np.float64)) == want  # every page read
    read = _resident_kib()
    release_pages([*data.sequences, np.zeros(3)])  # arrays in memory are skipped
    released = _resident_kib()
    assert read - before > 40_000 and read - released > 40_000
    assert float(data.sequences[0].sum(dtype=np.float64)) == want
