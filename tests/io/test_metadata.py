"""Metadata tables: one row per recording id."""

import numpy as np
import pytest

from bams.io.metadata import read_metadata


def test_reads_columns_in_the_order_of_the_ids(tmp_path):
    path = tmp_path / "meta.csv"
    path.write_text("recording,genotype,dose\nb,wt,1\na,ko,2\nc,wt,3\nb,ko,9\n")
    table = read_metadata(path, ["a", "b"])
    assert list(table) == ["genotype", "dose"]
    np.testing.assert_array_equal(table["genotype"], ["ko", "wt"])  # b keeps its first row
    assert read_metadata(path, ["c"], ["dose"]) == {"dose": np.array(["3"])}


def test_a_pandas_index_column_is_ignored(tmp_path):
    path = tmp_path / "meta.csv"
    path.write_text(",recording,genotype\n0,a,wt\n")
    assert list(read_metadata(path, ["a"])) == ["genotype"]


@pytest.mark.parametrize(
    ("text", "columns", "message"),
    [
        ("id,genotype\na,wt\n", None, r"Expected columns \['recording'\]"),
        ("recording,genotype\na,wt\n", ["dose"], r"Expected columns \['dose'\]"),
        ("recording,genotype\na,wt\n", None, r"got none for \['b'\]"),
    ],
)
def test_errors_name_the_problem(tmp_path, text, columns, message):
    path = tmp_path / "meta.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_metadata(path, ["a", "b"], columns)
