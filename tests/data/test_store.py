"""The recordings store (``.bams``): writing, lazy reading, damage, atomicity."""

import json
import os

import numpy as np
import pytest
from data_helpers import assert_same_recordings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bams.data.store as store_module
from bams.data import Recordings, StoreWriter, convert, open_store, write_store


def _store(recordings, tmp_path, **kwargs):
    return write_store(recordings, tmp_path / "data.bams", **kwargs)


def test_round_trip_keeps_everything(recordings, tmp_path):
    path = recordings.save(tmp_path / "data.bams")
    assert path == tmp_path / "data.bams" and path.is_dir()
    loaded = Recordings.load(path)
    assert_same_recordings(recordings, loaded)
    assert np.isnan(loaded.sequences[1][2, 0])
    assert loaded.groups == ["g1", "g1", "g2"]
    assert loaded.frame_labels["name"][0].dtype.kind == "U"
    assert loaded.source == str(path)
    assert loaded.fingerprint == recordings.fingerprint  # no values: as the .npz's


def test_round_trip_over_many_shards(recordings, tmp_path):
    path = _store(recordings, tmp_path, shard_bytes=1)  # one recording per shard
    meta = json.loads((path / "meta.json").read_text())
    assert [s["frames"] for s in meta["shards"]] == [12, 7, 9]
    assert meta["recordings"]["shard"] == [0, 1, 2]
    assert_same_recordings(recordings, open_store(path))


def test_recordings_share_shards_up_to_the_target_size(recordings, tmp_path):
    path = _store(recordings, tmp_path, shard_bytes=(12 + 7) * 3 * 4)
    meta = json.loads((path / "meta.json").read_text())
    assert [s["frames"] for s in meta["shards"]] == [19, 9]
    assert meta["recordings"]["offset"] == [0, 12, 0]


def test_loaded_recordings_are_read_only_memory_maps(recordings, tmp_path):
    loaded = Recordings.load(_store(recordings, tmp_path))
    for seq in [*loaded.sequences, *loaded.frame_labels["state"]]:
        assert isinstance(seq, np.memmap)
        assert not seq.flags.writeable


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lengths=st.lists(st.integers(1, 20), min_size=1, max_size=5),
    shard_frames=st.integers(1, 40),
    seed=st.integers(0, 2**16),
)
def test_round_trip_of_any_lengths_and_shard_sizes(tmp_path, lengths, shard_frames, seed):
    rng = np.random.default_rng(seed)
    sequences = [rng.normal(size=(n, 2)) for n in lengths]
    for seq in sequences:
        seq[rng.random(seq.shape) < 0.2] = np.nan
        seq[0, 0] = 1.0  # some value observed
    data = Recordings(
        sequences,
        frame_labels={"state": [rng.integers(0, 4, size=n) for n in lengths]},
        sequence_labels={"score": rng.normal(size=len(lengths))},
    )
    path = write_store(data, tmp_path / "s.bams", shard_bytes=shard_frames * 8, overwrite=True)
    assert_same_recordings(data, open_store(path))


def test_writer_streams_recordings_with_their_labels(tmp_path):
    path = tmp_path / "stream.bams"
    with StoreWriter(path, feature_names=["a", "b"], actions=["b"], frame_rate=50.0) as writer:
        for i in range(4):
            writer.append(
                np.full((5 + i, 2), float(i)),
                id=f"r{i}",
                group=f"g{i // 2}",
                frame_labels={"behavior": np.array(["rest", "walk!"][i % 2 :] * (5 + i))[: 5 + i]},
                sequence_labels={"dose": i * 0.5, "strain": "wt" if i else "ko"},
            )
        assert len(writer) == 4
        assert not path.exists()  # only once closed
    data = Recordings.load(path)
    assert data.ids == ["r0", "r1", "r2", "r3"] and data.groups == ["g0", "g0", "g1", "g1"]
    assert data.actions == ["b"] and data.frame_rate == 50.0
    assert data.lengths.tolist() == [5, 6, 7, 8]
    assert data.sequence_labels["dose"].tolist() == [0.0, 0.5, 1.0, 1.5]
    assert data.sequence_labels["strain"].tolist() == ["ko", "wt", "wt", "wt"]
    assert data.frame_labels["behavior"][1][0] == "walk!"


@pytest.mark.parametrize(
    ("sequence", "kwargs", "message"),
    [
        (np.zeros((4, 3)), {}, "Expected 2 features like the first recording"),
        (np.full((4, 2), np.nan), {}, "all are NaN"),
        (np.array([[np.inf, 0.0]]), {}, "infinities"),
        (np.zeros((0, 2)), {}, "non-empty"),
        (np.zeros(4), {}, "Expected shape"),
        (np.zeros((4, 2)), {"id": "first"}, "Expected unique ids"),
        (np.zeros((4, 2)), {"group": "g"}, "a group for every recording or for none"),
        (np.zeros((4, 2)), {"frame_labels": {"x": np.zeros(3)}}, "Expected shape \\(4,\\)"),
        (np.zeros((4, 2)), {"frame_labels": {"y": np.zeros(4)}}, "frame labels \\['x'\\]"),
        (np.zeros((4, 2)), {"frame_labels": {"x": np.array(list("abcd"))}}, "dtype kind"),
    ],
)
def test_append_validates_like_recordings(tmp_path, sequence, kwargs, message):
    with StoreWriter(tmp_path / "v.bams") as writer:
        writer.append(np.zeros((3, 2)), id="first", frame_labels={"x": np.zeros(3)})
        with pytest.raises(ValueError, match=message):
            writer.append(sequence, **{"frame_labels": {"x": np.zeros(4)}, **kwargs})
        assert len(writer) == 1
    assert open_store(tmp_path / "v.bams").ids == ["first"]


def test_writer_checks_its_settings(tmp_path):
    with pytest.raises(ValueError, match="ending in .bams"):
        StoreWriter(tmp_path / "data.npz")
    with pytest.raises(ValueError, match="positive frame_rate"):
        StoreWriter(tmp_path / "x.bams", frame_rate=0)
    writer = StoreWriter(tmp_path / "x.bams", feature_names=["a"], actions=["zz"])
    with pytest.raises(ValueError, match="unknown \\['zz'\\]"):
        writer.append(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="at least one recording"):
        writer.close()
    assert os.listdir(tmp_path) == []


def test_opening_reads_no_values(recordings, tmp_path):
    path = _store(recordings, tmp_path)
    shard = path / "frames-00000.npy"
    raw = bytearray(shard.read_bytes())
    raw[128:] = np.full((len(raw) - 128) // 4, np.inf, dtype=np.float32).tobytes()
    shard.write_bytes(bytes(raw))
    loaded = open_store(path)  # opens: validation happened when the store was written
    assert np.isinf(loaded.sequences[0]).all()


def _damage(path, name, how):
    file = path / name
    if how == "missing":
        file.unlink()
    elif how == "truncated":
        file.write_bytes(file.read_bytes()[:-4])
    elif how == "wrong dtype":
        values = np.load(file)
        np.save(file, values.astype(np.float64 if values.ndim == 2 else str))
    elif how == "garbage":
        file.write_bytes(b"not a numpy file at all")


@pytest.mark.parametrize("how", ["missing", "truncated", "wrong dtype", "garbage"])
@pytest.mark.parametrize("name", ["frames-00001.npy", "label-000-00002.npy"])
def test_a_damaged_file_is_named_in_one_line(recordings, tmp_path, name, how):
    path = _store(recordings, tmp_path, shard_bytes=1)
    _damage(path, name, how)
    with pytest.raises(ValueError, match=f"Expected .*{name}") as info:
        Recordings.load(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(format="other"), "Expected a bams-recordings-store meta file"),
        (lambda m: m.update(format_version=99), "upgrade bams"),
        (lambda m: m.pop("ids"), "Expected the keys \\['ids'\\]"),
        (lambda m: m["recordings"]["length"].__setitem__(2, 10), "inside its shard"),
        (lambda m: m["recordings"]["shard"].__setitem__(0, 7), "inside its shard"),
        (lambda m: m["recordings"]["offset"].pop(), "a shard, offset and length for each"),
    ],
)
def test_an_invalid_meta_file_is_named(recordings, tmp_path, edit, message):
    path = _store(recordings, tmp_path)
    meta = json.loads((path / "meta.json").read_text())
    edit(meta)
    (path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=message):
        open_store(path)


def test_missing_store_and_missing_meta(recordings, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Recordings.load(tmp_path / "none.bams")
    path = _store(recordings, tmp_path)
    (path / "meta.json").unlink()
    with pytest.raises(ValueError, match="meta.json.*missing"):
        Recordings.load(path)


def test_an_error_while_writing_leaves_no_store(recordings, tmp_path):
    with pytest.raises(RuntimeError, match="boom"), StoreWriter(tmp_path / "x.bams") as writer:
        writer.append(np.zeros((3, 2)))
        raise RuntimeError("boom")
    assert os.listdir(tmp_path) == []


def test_a_failed_overwrite_keeps_the_old_store(recordings, tmp_path, monkeypatch):
    path = _store(recordings.subset([1]), tmp_path)
    before = {name: (path / name).read_bytes() for name in os.listdir(path)}

    def broken_dumps(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store_module.json, "dumps", broken_dumps)
    with pytest.raises(OSError, match="disk full"):
        recordings.save(path, overwrite=True)
    assert {name: (path / name).read_bytes() for name in os.listdir(path)} == before
    assert os.listdir(tmp_path) == ["data.bams"]


def test_refuses_to_overwrite_unless_asked(recordings, tmp_path):
    path = _store(recordings.subset([0]), tmp_path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        recordings.save(path)
    assert open_store(path).ids == ["a"]
    recordings.save(path, overwrite=True)
    assert open_store(path).ids == ["a", "b", "c"]
    assert os.listdir(tmp_path) == ["data.bams"]


def test_store_gets_the_permissions_of_a_normal_directory(recordings, tmp_path):
    umask = os.umask(0o022)
    try:
        path = _store(recordings, tmp_path)
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o755


def test_convert_both_ways(recordings, tmp_path):
    npz = recordings.save(tmp_path / "data.npz")
    store = convert(npz, tmp_path / "data.bams")
    assert_same_recordings(recordings, open_store(store))
    back = convert(store, tmp_path / "back.npz")
    assert_same_recordings(recordings, Recordings.load(back))
    again = convert(store, tmp_path / "copy.bams")  # store to store, one recording at a time
    assert_same_recordings(recordings, open_store(again))
    with pytest.raises(FileExistsError):
        convert(npz, store)
    with pytest.raises(ValueError, match="ending in .npz or .bams"):
        convert(npz, tmp_path / "data.csv")
    with pytest.raises(ValueError, match="other than the input"):
        convert(store, store, overwrite=True)
