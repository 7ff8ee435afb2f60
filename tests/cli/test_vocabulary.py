"""One vocabulary on every command: run directories, devices, precision, outputs, lengths."""

import re

import pytest
from typer.testing import CliRunner

import bams
from bams.cli import app
from bams.embedding import load_embeddings

runner = CliRunner()


@pytest.fixture
def trained(tmp_path, tiny_config, data_file):
    run = tmp_path / "run"
    args = ["train", "--data", str(data_file), "--config", str(tiny_config)]
    result = runner.invoke(app, [*args, "--output-dir", str(run), "--steps", "6"])
    assert result.exit_code == 0, result.output
    return run, result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"bams {bams.__version__}"


def test_steps_and_the_time_estimate_are_announced(trained):
    run, output = trained
    assert re.search(r"Training 6 steps \(\d+ per epoch", output)
    assert re.search(r"About .* for the 2 remaining steps \(\d+\.\d\d s per step", output)


def test_embed_takes_the_run_directory_and_its_data(trained, tmp_path):
    run, _ = trained
    out = tmp_path / "emb.npz"
    base = ["embed", str(run), "-o", str(out)]
    result = runner.invoke(app, [*base, "--accelerator", "cpu", "--precision", "32-true"])
    assert result.exit_code == 0, result.output
    ids, embeddings = load_embeddings(out)
    assert len(ids) == 6 and embeddings[0]["short_term"].shape == (150, 8)
    bad = runner.invoke(app, [*base, "--devices", "4"])
    assert bad.exit_code == 2 and "Expected --devices 1 for embedding" in bad.output
    bad = runner.invoke(app, [*base, "--precision", "half"])
    assert bad.exit_code == 2 and "Expected an inference precision among" in bad.output


def test_same_option_names_on_every_command():
    for command in (["train"], ["embed"], ["evaluate"], ["report"]):
        text = runner.invoke(app, [*command, "--help"]).output
        assert "--data" in text, command
    for command in (["train"], ["embed"]):
        text = runner.invoke(app, [*command, "--help"]).output
        assert all(o in text for o in ("--accelerator", "--devices", "--precision")), command
    for command in (["evaluate"], ["report"], ["embed"]):
        assert "RUN" in runner.invoke(app, [*command, "--help"]).output.upper(), command
    assert "--output-dir" in runner.invoke(app, ["report", "--help"]).output
    assert "required" in runner.invoke(app, ["embed", "--help"]).output


def test_training_precision_names(tmp_path, tiny_config, data_file):
    args = ["train", "--data", str(data_file), "--config", str(tiny_config), "--steps", "1"]
    ok = runner.invoke(app, [*args, "--output-dir", str(tmp_path / "a"), "--precision", "32"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, [*args, "--output-dir", str(tmp_path / "b"), "--precision", "8"])
    assert bad.exit_code == 2 and "Expected a training precision among" in bad.output
