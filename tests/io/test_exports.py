"""Embeddings files by extension: .npz, .csv, .parquet, .h5."""

import numpy as np
import pytest
from typer.testing import CliRunner

from bams import BAMS
from bams.cli import app
from bams.data import Recordings
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


@pytest.mark.parametrize("name", ["emb.npz", "emb.csv", "emb.parquet", "emb.h5", "emb.hdf5"])
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
        f"Expected an embeddings file ending in .npz, .csv, .parquet or .h5, but got {name!r}."
    )
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
