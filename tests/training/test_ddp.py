"""Distributed training: two processes on CPU with the gloo backend."""

import subprocess
import sys

import pytest
import yaml

from bams.training.checkpoint import load_checkpoint


@pytest.mark.slow
def test_two_process_ddp_on_cpu(tmp_path, tiny_params, small_data):
    data = tmp_path / "data.npz"
    small_data.save(data)
    model = {
        "encoders": tiny_params["encoders"],
        "hoa_bins": 8,
        "hoa_window": 5,
        "hoa_warmup": 4,
        "predictor_hidden": [16],
    }
    # 8 recordings of 200 frames in windows of 64 -> 32 windows; a global batch of 4 -> 8
    # steps, on one process or on two (2 windows each a step).
    train = {
        "window_length": 64,
        "batch_size": 4,
        "epochs": 1,
        "bootstrap_pairs": 8,
        "accelerator": "cpu",
        "devices": 2,
        "strategy": "ddp",
        "logger": "none",
    }
    config = tmp_path / "ddp.yaml"
    config.write_text(yaml.safe_dump({"model": model, "train": train}))
    run = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bams",
            "train",
            "--data",
            str(data),
            "--config",
            str(config),
            "--output-dir",
            str(run),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checkpoint = load_checkpoint(run / "checkpoints" / "last.ckpt")
    assert checkpoint["step"] == 8
    assert (run / "model.pt").is_file()
