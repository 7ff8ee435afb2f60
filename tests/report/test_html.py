import base64
import json
import re
import shutil
from html import escape

import pytest
import torch
from typer.testing import CliRunner

from bams.cli import app
from bams.estimator import BAMS
from bams.evaluation.run import load_summary
from bams.report import write_run_report
from bams.training.checkpoint import load_checkpoint

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIGURES = ["readout_bars_recording", "data_quality", "pca", "recording_map", "timeline", "loss"]
FIGURES += ["receptive_fields"]


@pytest.fixture(scope="module")
def report(evaluated_run):
    """The report of the tiny run, its data read from the file named in the run's config."""
    index = write_run_report(evaluated_run.run, umap=False)
    return index, index.read_text(encoding="utf-8")


def test_report_writes_the_page_and_every_figure(evaluated_run, report):
    index, _ = report
    assert index == evaluated_run.run / "report" / "index.html"
    for name in FIGURES:
        assert (index.parent / f"{name}.png").read_bytes().startswith(PNG_SIGNATURE)


def test_page_is_self_contained(report):
    _, page = report
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    sources = re.findall(r"""<img src='([^']*)'""", page)
    assert len(sources) == len(FIGURES)
    for src in sources:
        prefix, _, payload = src.partition(",")
        assert prefix == "data:image/png;base64"
        assert base64.b64decode(payload).startswith(PNG_SIGNATURE)


def test_page_embeds_the_png_files(report):
    index, page = report
    for name in FIGURES:
        encoded = base64.b64encode((index.parent / f"{name}.png").read_bytes()).decode()
        assert encoded in page


def test_page_names_every_task_method_and_label(evaluated_run, report):
    _, page = report
    rows = load_summary(evaluated_run.run)
    for name in {r["task"] for r in rows} | {r["method"] for r in rows}:
        assert escape(name) in page
    for label in ("state", "class", "style"):
        assert label in page
    assert "<td class='best'><b>" in page
    assert "<b>bold</b>" in page


def test_page_summarizes_the_data_and_config(evaluated_run, report):
    _, page = report
    data = evaluated_run.data
    assert f"{data.total_frames:,}" in page
    assert "1 min 20 s at 30 frames/s" in page
    assert "frame</td><td>classification" in page
    assert "sequence</td><td>regression" in page
    assert "hoa_window: 5" in page and "channels: [8, 8]" in page
    fields = BAMS.load(evaluated_run.run / "model.pt").receptive_fields_
    assert f"{fields['long_term']} frames" in page


def test_bams_rows_come_first_in_the_tables(report):
    _, page = report
    table = page.split("<table class='readout'>")[1]
    methods = [m.strip() for m in re.findall(r"<th class='method'>([^<]+)", table)]
    assert methods[:3] == ["BAMS short_term", "BAMS long_term", "BAMS both"]
    assert methods[3] == "raw features"


def test_a_directory_without_a_model_is_one_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.pt"):
        write_run_report(tmp_path)


def test_unknown_data_file_asks_for_data_and_output_is_honored(evaluated_run, tmp_path):
    """A run trained on in-memory arrays knows no data file: the recordings must be given."""
    run = tmp_path / "run"
    shutil.copytree(evaluated_run.run, run, ignore=shutil.ignore_patterns("report"))
    state = load_checkpoint(run / "model.pt")
    state["config"]["data"] = None
    torch.save(state, run / "model.pt")
    index = write_run_report(run, output=tmp_path / "from_evaluation", umap=False)
    assert "data.npz" in index.read_text()  # the evaluation names its recordings' file
    meta = run / "evaluation" / "evaluation.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "data": {}}))
    with pytest.raises(ValueError, match="Expected the data file of the run"):
        write_run_report(run)
    index = write_run_report(run, evaluated_run.data, output=tmp_path / "elsewhere", umap=False)
    assert index == tmp_path / "elsewhere" / "index.html"
    assert (tmp_path / "elsewhere" / "pca.png").is_file()
    assert not (run / "report").exists()


def test_report_command(evaluated_run, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "model.pt" in result.output and len(result.output.strip().splitlines()) == 1
    data_file = evaluated_run.root / "data.npz"
    args = ["report", str(evaluated_run.run), "--data", str(data_file), "--no-umap"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert str(evaluated_run.run / "report" / "index.html") in result.output


def test_report_of_data_with_groups_has_group_tables(evaluated_run, tmp_path):
    """Group-level rows make their own tables and bar chart."""
    run = tmp_path / "run"
    shutil.copytree(evaluated_run.run, run, ignore=shutil.ignore_patterns("report"))
    summary = run / "evaluation" / "summary.csv"
    lines = summary.read_text().splitlines()
    grouped = [line.replace(",recording", ",group") for line in lines[1:]]
    summary.write_text("\n".join([*lines, *grouped]) + "\n")
    page = write_run_report(run, evaluated_run.data, umap=False).read_text()
    assert "(split by group)" in page and "(split by recording)" in page
    assert (run / "report" / "readout_bars_group.png").is_file()
    assert page.count("<table class='readout'>") == 4
