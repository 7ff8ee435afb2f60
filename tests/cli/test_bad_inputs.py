"""Every bad input of the command line: one `Error:` line naming the problem, exit code 2."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from bams.cli import app

runner = CliRunner()


def _train(tmp_path, *args):
    return runner.invoke(app, ["train", "--output-dir", str(tmp_path / "run"), *args])


def assert_clean_error(result, message):
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output


@pytest.fixture
def trained(tmp_path, tiny_config, data_file):
    result = _train(tmp_path, "--data", str(data_file), "--config", str(tiny_config))
    assert result.exit_code == 0, result.output
    return tmp_path / "run"


def test_truncated_and_bit_flipped_npz(tmp_path, data_file):
    content = data_file.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(content[: len(content) // 2])
    assert_clean_error(_train(tmp_path, "--data", str(truncated)), "truncated or corrupted")
    flipped = bytearray(content)
    flipped[len(content) // 2] ^= 0xFF
    (tmp_path / "flipped.npz").write_bytes(bytes(flipped))
    result = _train(tmp_path, "--data", str(tmp_path / "flipped.npz"))
    assert_clean_error(result, "truncated or corrupted")


def test_random_bytes_are_not_called_a_pickle(tmp_path):
    path = tmp_path / "random.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    result = _train(tmp_path, "--data", str(path))
    assert_clean_error(result, "is not one (it starts with")
    assert "pickle" not in result.output


@pytest.mark.parametrize(
    "text", ["train: {epochs: 3\n", "train: !!python/object/apply:os.system ['echo owned']\n"]
)
def test_malformed_yaml_and_python_tags(tmp_path, data_file, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = _train(tmp_path, "--data", str(data_file), "--config", str(path))
    assert_clean_error(result, "Expected plain YAML in")
    assert "owned" not in result.output


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("train.learning_rate=0", "Expected a finite learning_rate > 0, but got 0.0."),
        ("train.learning_rate=.inf", "Expected a finite learning_rate > 0, but got inf."),
        ("train.lr_decay_factor=-1", "Expected a finite lr_decay_factor > 0, but got -1.0."),
        ("model.hoa_weight=.nan", "Expected a finite hoa_weight >= 0, but got nan."),
        ("model.encoders.short_term.kernel_size=0", "Expected kernel_size >= 1 for short_term"),
        ("model.encoders.long_term.dilation_base=0", "Expected dilation_base >= 1 for long_term"),
        ("model.encoders.long_term.bootstrap_weight=.nan", "bootstrap_weight of long_term >= 0"),
        ("train.precision=half", "Expected a training precision among"),
    ],
)
def test_out_of_range_settings_are_refused_before_training(tmp_path, data_file, override, message):
    result = _train(tmp_path, "--data", str(data_file), "-s", override)
    assert_clean_error(result, message)
    assert not (tmp_path / "run").exists()  # nothing written


def test_a_gpu_that_is_not_there(tmp_path, data_file, tiny_config):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    args = ["--data", str(data_file), "--config", str(tiny_config), "--accelerator", "gpu"]
    assert_clean_error(_train(tmp_path, *args), "Expected a GPU for accelerator='gpu'")
    assert not (tmp_path / "run" / "config.yaml").exists()


def test_damaged_checkpoints(tmp_path, trained, data_file):
    state = torch.load(trained / "model.pt", weights_only=True)
    del state["network"]
    torch.save(state, tmp_path / "no_weights.pt")
    result = runner.invoke(app, ["embed", str(tmp_path / "no_weights.pt"), "-o", "x.npz"])
    assert_clean_error(result, "with ['network'], but")
    state = torch.load(trained / "model.pt", weights_only=True)
    name = next(iter(state["network"]))
    state["network"][name] = torch.zeros(3, 1)
    torch.save(state, tmp_path / "wrong_shape.pt")
    args = ["embed", str(tmp_path / "wrong_shape.pt"), "--data", str(data_file), "-o", "x.npz"]
    assert_clean_error(runner.invoke(app, args), "Expected weights that fit")
    assert name in runner.invoke(app, args).output


def test_outputs_onto_a_directory_or_an_unwritable_place(tmp_path, trained, data_file):
    (tmp_path / "folder").mkdir()
    base = ["embed", str(trained), "--data", str(data_file), "-o"]
    assert_clean_error(runner.invoke(app, [*base, str(tmp_path / "folder")]), "is a directory")
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    result = runner.invoke(app, [*base, str(blocker / "emb.npz")])
    assert_clean_error(result, "is not writable")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder(tmp_path, trained, data_file):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = runner.invoke(app, ["embed", str(trained), "-o", str(locked / "emb.npz")])
    assert_clean_error(result, "is not writable")


def test_a_directory_or_a_pose_file_given_as_data(tmp_path):
    (tmp_path / "videos").mkdir()
    assert_clean_error(_train(tmp_path, "--data", str(tmp_path / "videos")), "is a directory")
    (tmp_path / "videos" / "mouse1DLC.csv").write_text("scorer,a\n")
    result = _train(tmp_path, "--data", str(tmp_path / "videos"))
    assert_clean_error(result, "it holds pose files: convert them with `bams poses")
    pose = tmp_path / "videos" / "mouse1DLC.csv"
    assert_clean_error(_train(tmp_path, "--data", str(pose)), "looks like a pose-tracking file")


def test_names_given_as_one_string():
    from bams.data import Recordings

    with pytest.raises(ValueError, match="Expected a list of feature_names, but got the string"):
        Recordings([np.zeros((5, 5))], feature_names="speed")
    with pytest.raises(ValueError, match=r"Expected a list of actions, .* pass \['x'\]"):
        Recordings([np.zeros((5, 1))], feature_names=["x"], actions="x")


def test_embed_never_writes_over_its_inputs(tmp_path, trained, data_file):
    before = data_file.read_bytes()
    result = runner.invoke(
        app, ["embed", str(trained), "--data", str(data_file), "-o", str(data_file)]
    )
    assert_clean_error(result, "is the --data file: writing it would destroy it")
    # the run's own data, found through its config, is an input too
    result = runner.invoke(app, ["embed", str(trained), "-o", str(data_file)])
    assert_clean_error(result, "is the run's data file")
    assert data_file.read_bytes() == before
    assert Path(data_file).is_file()
