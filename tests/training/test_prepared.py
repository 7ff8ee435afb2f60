"""The prepared training data on disk: same windows as in memory, bounded memory, reuse."""

import os
import pickle
import tracemalloc

import numpy as np
import pytest
import torch

from bams import BAMS
from bams.config import EncoderConfig, ModelConfig
from bams.data import Recordings, StoreWriter
from bams.preprocessing import Preprocessor
from bams.training import prepared as prepared_module
from bams.training.checks import check_training_frames
from bams.training.prepared import PreparedRecordings, open_prepared, write_prepared
from bams.training.windows import WindowDataset, window_loader


def tiny_config():
    return ModelConfig(
        encoders={
            "short_term": EncoderConfig(channels=[8, 8], dilation_base=2, warmup=4),
            "long_term": EncoderConfig(channels=[8, 8], dilation_base=4, warmup=8),
        },
        hoa_window=5,
        hoa_warmup=4,
    )


def store(tmp_path, rng, lengths=(100, 30, 250), n_features=3, name="data.bams"):
    path = tmp_path / name
    with StoreWriter(path, actions=["f0", "f2"][: max(1, n_features - 1)]) as writer:
        for i, n in enumerate(lengths):
            seq = rng.normal(size=(n, n_features)).astype(np.float32)
            seq[rng.random(n) < 0.1, 1] = np.nan
            writer.append(seq, id=f"rec{i}")
    return Recordings.load(path)


def batches(prepared, workers=0, epochs=(0, 1)):
    dataset = WindowDataset(prepared, window_length=50, hoa_window=5, seed=7)
    out = []
    for epoch in epochs:
        dataset.set_epoch(epoch)
        out += list(window_loader(dataset, batch_size=2, num_workers=workers))
    return out


def assert_same_batches(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert torch.equal(x["inputs"], y["inputs"]) and torch.equal(x["bins"], y["bins"])


def test_disk_and_memory_give_the_same_batches(tmp_path, rng):
    data = store(tmp_path, rng)
    prep = Preprocessor(n_bins=4).fit(data)
    memory = PreparedRecordings.build(data, prep)
    disk = write_prepared(tmp_path / "prepared", data, prep)
    assert isinstance(disk.inputs, np.memmap) and isinstance(disk.bins, np.memmap)
    assert disk.directory == tmp_path / "prepared" and memory.directory is None
    np.testing.assert_array_equal(memory.inputs, disk.inputs)
    np.testing.assert_array_equal(memory.bins, disk.bins)
    assert_same_batches(batches(memory), batches(disk))
    # Workers get the folder's path and reopen the memory maps.
    assert_same_batches(batches(memory), batches(disk, workers=2))


def test_pickling_sends_the_path_not_the_values(tmp_path, rng):
    data = store(tmp_path, rng, lengths=(5000, 4000))
    prep = Preprocessor(n_bins=4).fit(data)
    disk = write_prepared(tmp_path / "prepared", data, prep)
    blob = pickle.dumps(disk)
    assert len(blob) < 2000 < disk.inputs.nbytes
    again = pickle.loads(blob)
    assert isinstance(again.inputs, np.memmap)
    np.testing.assert_array_equal(again.inputs, disk.inputs)
    np.testing.assert_array_equal(again.bins, disk.bins)


def test_a_matching_folder_is_reused_and_another_is_not(tmp_path, rng):
    data = store(tmp_path, rng)
    prep = Preprocessor(n_bins=4).fit(data)
    write_prepared(tmp_path / "prepared", data, prep)
    assert open_prepared(tmp_path / "prepared", data, prep) is not None
    assert open_prepared(tmp_path / "prepared", data, Preprocessor(n_bins=5).fit(data)) is None
    assert open_prepared(tmp_path / "prepared", data.subset([0, 1]), prep) is None
    (tmp_path / "prepared" / "bins.npy").write_bytes(b"damaged")
    assert open_prepared(tmp_path / "prepared", data, prep) is None
    assert open_prepared(tmp_path / "elsewhere", data, prep) is None


def test_writing_to_disk_never_holds_the_data_in_memory(tmp_path, rng, monkeypatch):
    # 40 recordings of 4,000 frames x 8 features: 5.8 MB of prepared inputs.
    data = store(tmp_path, rng, lengths=[4000] * 40, n_features=8)
    prep = Preprocessor(n_bins=4).fit(data)
    size = int(data.lengths.sum()) * prep.n_inputs * 4
    empty = np.empty

    def no_whole_block(shape, *args, **kwargs):  # the in-memory backing's allocation
        assert not (isinstance(shape, tuple) and shape[0] == data.lengths.sum()), shape
        return empty(shape, *args, **kwargs)

    monkeypatch.setattr(prepared_module.np, "empty", no_whole_block)
    tracemalloc.start()
    disk = write_prepared(tmp_path / "prepared", data, prep)
    valid = disk.valid_fraction()
    check_training_frames(disk, tiny_config(), 30.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    monkeypatch.undo()
    assert peak < size / 4, (peak, size)  # in memory: more than size
    assert valid == pytest.approx(float(PreparedRecordings.build(data, prep).inputs[:, -1].mean()))
    counted = open_prepared(tmp_path / "prepared", data, prep)
    assert counted.valid_frames is not None
    counted.valid_frames = None  # read back from the arrays instead
    assert counted.valid_fraction() == pytest.approx(valid)


def _resident_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_windows_read_from_disk_do_not_stay_in_memory(tmp_path, rng):
    data = Recordings([rng.normal(size=(100_000, 63)).astype(np.float32) for _ in range(2)])
    prep = Preprocessor(n_bins=4).fit(data)
    disk = write_prepared(tmp_path / "prepared", data, prep)  # 51 MB of inputs
    del data
    dataset = WindowDataset(disk, window_length=1000, hoa_window=5, seed=0)
    before = _resident_kib()
    total = sum(float(dataset[i]["inputs"].sum()) for i in range(len(dataset)))  # every frame
    grown = _resident_kib() - before
    assert np.isfinite(total) and grown < 10_000, grown


def test_long_recordings_are_written_in_blocks(tmp_path, rng, monkeypatch):
    monkeypatch.setattr(prepared_module, "BLOCK_FRAMES", 64)
    data = store(tmp_path, rng)
    prep = Preprocessor(n_bins=4).fit(data)
    disk = write_prepared(tmp_path / "prepared", data, prep)
    memory = PreparedRecordings.build(data, prep)
    np.testing.assert_array_equal(memory.inputs, disk.inputs)
    np.testing.assert_array_equal(memory.bins, disk.bins)


def test_training_from_a_store_on_disk_equals_training_in_memory(tmp_path, rng, tiny_params):
    data = store(tmp_path, rng, lengths=(300, 200, 250, 180))
    params = {**tiny_params, "max_steps": 4, "batch_size": 2}
    memory = BAMS(**params, prepared="memory", output_dir=str(tmp_path / "a")).fit(data)
    run = tmp_path / "b"
    disk = BAMS(**params, output_dir=str(run), num_workers=1).fit(data)  # auto: a store
    assert memory.history_ == disk.history_
    for key, value in memory.network_.state_dict().items():
        assert torch.equal(value, disk.network_.state_dict()[key]), key
    assert (run / "prepared" / "inputs.npy").is_file()
    assert not (tmp_path / "a" / "prepared").exists()
    assert not [p for p in run.iterdir() if p.name.startswith(".prepared")]  # no staging left
    # A resumed run reuses the folder: the same files, not rewritten.
    before = (run / "prepared" / "inputs.npy").stat().st_mtime_ns
    BAMS(**{**params, "max_steps": 6}, output_dir=str(run)).fit(data, resume=True)
    assert (run / "prepared" / "inputs.npy").stat().st_mtime_ns == before


def test_disk_backing_without_a_run_directory_leaves_nothing(tmp_path, rng, tiny_params):
    data = store(tmp_path, rng, lengths=(300, 200))
    model = BAMS(**tiny_params, prepared="disk", prepared_dir=None).fit(data.subset([0, 1]))
    assert model.history_["total"]


def test_a_run_that_fails_its_checks_publishes_nothing(tmp_path, rng, tiny_params):
    data = store(tmp_path, rng, lengths=(3, 2))  # shorter than every warm-up
    run = tmp_path / "run"
    with pytest.raises(ValueError, match="usable frames"):
        BAMS(**tiny_params, output_dir=str(run)).fit(data)
    assert not run.exists() or not list(run.iterdir())
