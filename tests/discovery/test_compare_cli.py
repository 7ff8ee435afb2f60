"""``bams compare``: group comparison of the recordings of a tiny trained run."""

import pandas as pd
from typer.testing import CliRunner


def test_cli_writes_the_comparison_of_a_tiny_run(tmp_path, small_data, tiny_params):
    from bams import BAMS
    from bams.cli.compare import app

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
    table = pd.read_csv(run / "comparison" / "comparison.csv")
    assert list(table["test"]) == ["classification", "distance"]
    assert table["p_value"].between(0, 1).all()
    assert (table["scheme"] == "within units").all()
    bad = CliRunner().invoke(app, [*args[:-1], "missing"])
    assert bad.exit_code == 2
    assert "Expected columns ['missing']" in bad.output
