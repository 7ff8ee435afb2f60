"""``bams compare``: group comparison of the recordings of a tiny trained run."""

import pandas as pd
from typer.testing import CliRunner


def test_cli_writes_the_comparison_of_a_tiny_run(tmp_path, small_data, tiny_params):
    from bams import BAMS
    from bams.cli.compare import app
    from bams.discovery.compare_io import load_comparison

    run = tmp_path / "run"
    BAMS(**tiny_params, output_dir=run).fit(small_data)
    data_file = small_data.save(tmp_path / "data.npz")
    ids = list(small_data.ids)
    meta = tmp_path / "meta.csv"
    pd.DataFrame(
        {
            "recording": ids,
            "condition": ["a", "b"] * (len(ids) // 2),
            "animal": [f"m{i // 2}" for i in range(len(ids))],
        }
    ).to_csv(meta, index=False)
    args = [str(run), "--data", str(data_file), "--metadata", str(meta), "--by", "condition"]
    result = CliRunner().invoke(app, [*args, "--unit", "animal", "--permutations", "19"])
    assert result.exit_code == 0, result.output
    assert "a vs b" in result.output and "balanced accuracy" in result.output
    assert "No motifs in the run" in result.output
    folder = run / "comparison" / "condition"
    table = pd.read_csv(folder / "comparison.csv")
    assert list(table["test"]) == ["classification", "distance"]
    assert table["p_value"].between(0, 1).all()
    assert (table["scheme"] == "within units").all()
    assert not (folder / "motif_usage.csv").exists()
    saved = load_comparison(folder, small_data)
    assert saved.by == "condition" and saved.labels == ["a", "b"] * (len(ids) // 2)
    assert saved.units == [f"m{i // 2}" for i in range(len(ids))]
    assert saved.comparison.accuracy == table["value"][0]
    bad = CliRunner().invoke(app, [*args[:-1], "missing"])
    assert bad.exit_code == 2
    assert "Expected columns ['missing']" in bad.output


def test_cli_compares_the_motif_usage_of_the_run(tmp_path, small_data, tiny_params):
    from bams import BAMS
    from bams.cli import app
    from bams.discovery.compare_io import load_comparison

    run = tmp_path / "run"
    BAMS(**tiny_params, output_dir=run).fit(small_data)
    data_file = small_data.save(tmp_path / "data.npz")
    ids = list(small_data.ids)
    meta = tmp_path / "meta.csv"
    pd.DataFrame({"recording": ids, "dose": ["low", "high"] * (len(ids) // 2)}).to_csv(meta)
    found = CliRunner().invoke(
        app, ["motifs", str(run), "--data", str(data_file), "--n-motifs", "3", "--no-smooth"]
    )
    assert found.exit_code == 0, found.output
    args = ["compare", str(run), "--data", str(data_file), "--metadata", str(meta)]
    result = CliRunner().invoke(app, [*args, "--by", "dose", "--permutations", "19"])
    assert result.exit_code == 0, result.output
    assert "Motif usage: " in result.output and " of 3 motifs differ" in result.output
    usage = pd.read_csv(run / "comparison" / "dose" / "motif_usage.csv")
    assert list(usage["motif"]) == [0, 1, 2]
    assert usage["q_value"].between(0, 1).all()
    saved = load_comparison(run / "comparison" / "dose")
    assert saved.comparison.motifs is not None and saved.units is None
    other = small_data.subset(range(len(small_data) - 1))
    try:
        load_comparison(run / "comparison" / "dose", other)
    except ValueError as err:
        assert "made on other recordings" in str(err)
    else:
        raise AssertionError("a comparison of other recordings was accepted")
