import numpy as np

from bams.data import Recordings
from bams.preprocessing import Preprocessor
from bams.training.windows import PreparedRecordings, WindowDataset


def prepared(rng, lengths=(100, 30, 250)):
    data = Recordings([rng.normal(size=(n, 3)) for n in lengths], actions=["f0", "f2"])
    prep = Preprocessor(n_bins=4).fit(data)
    return data, prep, PreparedRecordings.build(data, prep)


def test_prepared_arrays_match_the_preprocessor(rng):
    data, prep, p = prepared(rng)
    assert p.inputs.shape == (380, 4) and p.bins.shape == (380, 2)
    np.testing.assert_array_equal(p.inputs[100:130], prep.transform_inputs(data.sequences[1]))
    np.testing.assert_array_equal(p.bins[130:], prep.quantize_actions(data.sequences[2]))


def test_windows_cover_each_recording_by_length(rng):
    _, _, p = prepared(rng)
    ds = WindowDataset(p, window_length=50, hoa_window=5, seed=0)
    assert len(ds) == 2 + 1 + 5  # ceil(100/50) + ceil(30/50) + ceil(250/50)
    owners = sorted(ds._recording.tolist())
    assert owners == [0, 0, 1, 2, 2, 2, 2, 2]


def test_window_content_padding_and_future_bins(rng):
    data, prep, p = prepared(rng)
    ds = WindowDataset(p, window_length=50, hoa_window=5, seed=0)
    for i in range(len(ds)):
        item = ds[i]
        rec, offset = ds._recording[i], ds._offset[i]
        length = p.lengths[rec]
        assert item["inputs"].shape == (4, 50) and item["bins"].shape == (55, 2)
        n = min(50, length - offset)
        expected = prep.transform_inputs(data.sequences[rec][offset : offset + n]).T
        np.testing.assert_array_equal(item["inputs"][:, :n].numpy(), expected)
        # padding is marked invalid and its bins missing
        assert (item["inputs"][:, n:] == 0).all()
        n_bins = min(55, length - offset)
        bins = prep.quantize_actions(data.sequences[rec][offset : offset + n_bins])
        np.testing.assert_array_equal(item["bins"][:n_bins].numpy(), bins)
        assert (item["bins"][n_bins:] == -1).all()


def test_windows_are_deterministic_and_change_with_epoch(rng):
    _, _, p = prepared(rng)
    a = WindowDataset(p, 50, 5, seed=3)
    b = WindowDataset(p, 50, 5, seed=3)
    assert all(np.array_equal(a[i]["inputs"], b[i]["inputs"]) for i in range(len(a)))
    first = [a[i]["inputs"].clone() for i in range(len(a))]
    a.set_epoch(1)
    assert any(not np.array_equal(first[i], a[i]["inputs"]) for i in range(len(a)))


def test_rank_shards_of_a_global_step_are_the_one_process_step():
    from bams.training.windows import RankShard

    for n, world, per_rank in [(32, 2, 2), (33, 2, 2), (30, 4, 3), (7, 3, 1)]:
        single = list(RankShard(n))
        assert single == list(range(n))
        shards = [list(RankShard(n, rank, world)) for rank in range(world)]
        assert {len(s) for s in shards} == {-(-n // world)}  # every rank: the same steps
        steps = -(-len(shards[0]) // per_rank)
        assert steps == -(-n // (per_rank * world))  # as many steps as on one process
        for step in range(steps - 1):  # the last may wrap around (padding)
            union = sorted(i for s in shards for i in s[step * per_rank : (step + 1) * per_rank])
            batch = per_rank * world
            assert union == single[step * batch : (step + 1) * batch]


def test_the_global_batch_must_divide_among_the_processes(rng):
    import pytest

    from bams.training.windows import window_loader

    _, _, p = prepared(rng)
    ds = WindowDataset(p, 50, 5)
    assert window_loader(ds, 4, rank=1, world_size=2).batch_size == 2
    with pytest.raises(ValueError, match="divisible by the 2 processes .* but got 3"):
        window_loader(ds, 3, rank=0, world_size=2)
