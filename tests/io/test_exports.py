"""Embeddings files by extension: .npz, .csv, .parquet, .h5, .bams."""

import numpy as np
import pytest
from typer.testing import CliRunner

from bams import BAMS
from bams.cli import app
from bams.data import Recordings
from bams.data.store_reader import store_attributes
from bams.embedding import embeddings_metadata
from bams.io.exports import embeddings_frame, read_embeddings, write_embeddings

pytest.importorskip("pandas")

runner = CliRunner()


def _embeddings(rng, lengths=(5, 3, 7)):
    return [
        {
            "short_term": rng.normal(size=(n, 4)).astype(np.float32),
            "long_term": rng.normal(size=(n, 2)).astype(np.float32),
        }
        for n in lengths
    ]


def test_frame_has_one_row_per_frame_and_the_documented_columns(rng):
    embeddings = _embeddings(rng)
    motifs = [np.arange(len(e["short_term"])) % 2 for e in embeddings]
    table = embeddings_frame(embeddings, ["a", "b", "c"], 10.0, motifs=motifs)
    assert len(table) == 15
    assert list(table.columns) == [
        "recording",
        "frame",
        "time_s",
        *[f"short_term_{d}" for d in range(4)],
        *[f"long_term_{d}" for d in range(2)],
        "motif",
    ]
    assert table["recording"].tolist() == ["a"] * 5 + ["b"] * 3 + ["c"] * 7
    assert table["frame"].tolist() == [*range(5), *range(3), *range(7)]
    np.testing.assert_allclose(table["time_s"], table["frame"] / 10.0)
    np.testing.assert_array_equal(table["long_term_1"][5:8], embeddings[1]["long_term"][:, 1])
    assert table["motif"].tolist()[:5] == [0, 1, 0, 1, 0]


@pytest.mark.parametrize(
    "name", ["emb.npz", "emb.csv", "emb.parquet", "emb.h5", "emb.hdf5", "emb.bams"]
)
def test_round_trip_of_each_format(tmp_path, rng, name):
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    if ".h5" in name or ".hdf5" in name:
        pytest.importorskip("tables")
    embeddings, ids = _embeddings(rng), ["a", "10", "c"]
    path = write_embeddings(tmp_path / name, embeddings, ids, 25.0, metadata={"model": "x"})
    assert path == tmp_path / name
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary left
    got_ids, got = read_embeddings(path)
    assert got_ids == ids
    for want, have in zip(embeddings, got, strict=True):
        assert set(have) == set(want)
        for latent in want:
            np.testing.assert_array_equal(have[latent], want[latent])
    if name.endswith(".npz"):
        assert embeddings_metadata(path) == {"model": "x"}
    elif name.endswith(".bams"):
        assert store_attributes(path) == {"model": "x"}
        assert all(isinstance(e["long_term"].base, np.memmap) for e in got)  # read lazily
        stored = Recordings.load(path)
        assert stored.frame_rate == 25.0 and stored.ids == ids
        assert stored.feature_names[:5] == [*(f"short_term_{d}" for d in range(4)), "long_term_0"]
    else:
        import pandas as pd

        table = {
            ".csv": pd.read_csv,
            ".parquet": pd.read_parquet,
        }.get(path.suffix, lambda p: pd.read_hdf(p, key="embeddings"))(path)
        assert table["frame"].tolist() == [*range(5), *range(3), *range(7)]
        np.testing.assert_allclose(table["time_s"], table["frame"] / 25.0)


@pytest.mark.parametrize("name", ["emb.txt", "emb"])
def test_unknown_extension_is_refused_without_writing(tmp_path, rng, name):
    with pytest.raises(ValueError) as err:
        write_embeddings(tmp_path / name, _embeddings(rng), ["a", "b", "c"], 30.0)
    assert str(err.value) == (
        "Expected an embeddings file ending in .npz, .csv, .parquet, .h5 or .bams, but got "
        f"{name!r}."
    )
    assert list(tmp_path.iterdir()) == []


def test_a_store_is_written_from_a_stream_and_replaces_only_a_store(tmp_path, rng):
    embeddings = _embeddings(rng)
    consumed = []

    def stream():
        for i, e in enumerate(embeddings):
            consumed.append(i)
            yield e

    path = write_embeddings(
        tmp_path / "emb.bams", stream(), ["a", "b", "c"], 30.0, groups=["g", "g", "h"]
    )
    assert consumed == [0, 1, 2] and Recordings.load(path).groups == ["g", "g", "h"]
    again = _embeddings(rng)
    write_embeddings(path, again, ["x", "y", "z"], 30.0)  # a store is replaced, like a file
    ids, got = read_embeddings(path)
    assert ids == ["x", "y", "z"]
    np.testing.assert_array_equal(got[2]["short_term"], again[2]["short_term"])
    other = tmp_path / "notes.bams"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        write_embeddings(other, embeddings, ["a", "b", "c"], 30.0)
    assert (other / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("ids", [["a", "b"], ["a", "b", "c", "d"]])
def test_a_store_with_ids_that_do_not_match_is_not_written(tmp_path, rng, ids):
    with pytest.raises(ValueError, match=f"Expected {len(ids)} embeddings"):
        write_embeddings(tmp_path / "emb.bams", _embeddings(rng), ids, 30.0)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def trained_run(tmp_path, tiny_params, small_data):
    small_data.save(tmp_path / "data.npz")
    data = Recordings.load(tmp_path / "data.npz")
    BAMS(**tiny_params, output_dir=tmp_path / "run").fit(data)
    return tmp_path / "run", data


def test_embed_command_writes_csv(tmp_path, trained_run):
    run, data = trained_run
    out = tmp_path / "emb.csv"
    result = runner.invoke(app, ["embed", str(run), "-o", str(out)])
    assert result.exit_code == 0, result.output
    import pandas as pd

    table = pd.read_csv(out)
    assert len(table) == int(np.sum(data.lengths))
    assert not (tmp_path / "emb.csv.npz").exists()

    refused = runner.invoke(app, ["embed", str(run), "-o", str(tmp_path / "emb.txt")])
    assert refused.exit_code == 2
    errors = [line for line in refused.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "'emb.txt'" in errors[0]
    assert not (tmp_path / "emb.txt").exists()


def test_embed_command_streams_into_a_store(tmp_path, trained_run):
    run, data = trained_run
    out = tmp_path / "emb.bams"
    result = runner.invoke(app, ["embed", str(run), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ids, got = read_embeddings(out)
    model = BAMS.load(run / "model.pt")
    expected = model.transform(data)
    assert ids == data.ids
    for want, have in zip(expected, got, strict=True):
        for name in want:
            np.testing.assert_allclose(have[name], want[name], rtol=0, atol=1e-6)
    assert store_attributes(out)["model"] == str((run / "model.pt").resolve())
