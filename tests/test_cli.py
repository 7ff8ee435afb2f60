import subprocess
import sys

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from bams.cli import app
from bams.embedding import load_embeddings
from bams.training.checkpoint import load_checkpoint

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["train"], ["embed"], ["demo"], ["simulate", "synthetic"]])
def test_help_is_readable(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_train_then_embed(tmp_path, tiny_config, data_file):
    run = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(data_file),
            "--config",
            str(tiny_config),
            "--output-dir",
            str(run),
            "-s",
            "train.max_steps=2",
            "-s",
            "train.seed=3",
        ],
    )
    assert result.exit_code == 0, result.output
    resolved = yaml.safe_load((run / "config.yaml").read_text())
    assert resolved["train"]["max_steps"] == 2 and resolved["train"]["seed"] == 3
    assert (run / resolved["data"]).resolve() == data_file.resolve()  # relative to the file
    assert load_checkpoint(run / "checkpoints" / "last.ckpt")["step"] == 2

    out = tmp_path / "emb.npz"
    result = runner.invoke(
        app,
        [
            "embed",
            str(run),
            "--data",
            str(data_file),
            "-o",
            str(out),
            "--chunk-length",
            "40",
            "--precision",
            "32",
        ],
    )
    assert result.exit_code == 0, result.output
    ids, embeddings = load_embeddings(out)
    assert ids == [f"rec{i:04d}" for i in range(6)]
    assert embeddings[0]["long_term"].shape == (150, 8)
    assert np.isfinite(embeddings[0]["short_term"]).all()


def test_train_resume_continues(tmp_path, tiny_config, data_file):
    run = tmp_path / "run"
    args = [
        "train",
        "--data",
        str(data_file),
        "--config",
        str(tiny_config),
        "--output-dir",
        str(run),
        "-s",
        "train.max_steps=null",
    ]
    assert runner.invoke(app, [*args, "--epochs", "1"]).exit_code == 0
    first = load_checkpoint(run / "checkpoints" / "last.ckpt")
    result = runner.invoke(app, [*args, "--epochs", "2", "--resume"])
    assert result.exit_code == 0, result.output
    second = load_checkpoint(run / "checkpoints" / "last.ckpt")
    assert second["epoch"] == 2 and second["step"] == 2 * first["step"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["train"], "Expected a data file"),
        (["train", "--data", "missing.npz"], "does not exist"),
        (["train", "--data", "x.npz", "-s", "train.epoch=3"], "unknown ['epoch']"),
        (["train", "--data", "x.npz", "-s", "nonsense"], "Expected an override like"),
        (["train", "--config", "missing.yaml"], "does not exist"),
    ],
)
def test_errors_are_clear_and_exit_with_2(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "bams", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "train" in result.stdout
