import hashlib

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from bams import BAMS
from bams.cli import app
from bams.data import Recordings
from bams.io.mabe import load_submission, validate_submission
from bams.pipelines.mabe import mabe_config
from bams.sim.mabe_like import make_mouse_triplets

N_FRAMES = 240
# The tiny model of tests/conftest.py, as `bams train -s` overrides.
TINY_OVERRIDES = [
    "model.encoders={short_term: {channels: [8, 8], dilation_base: 2, warmup: 4}, "
    "long_term: {channels: [8, 8], dilation_base: 4, warmup: 8, bootstrap_max_offset: null}}",
    "model.hoa_bins=8",
    "model.hoa_window=5",
    "model.hoa_warmup=4",
    "model.predictor_hidden=[16]",
    "train.window_length=64",
    "train.batch_size=4",
    "train.max_steps=3",
    "train.bootstrap_pairs=8",
    "train.accelerator=cpu",
    "train.logger=none",
    "embed.inference_precision='32'",
]


@pytest.fixture(scope="module")
def files():
    """8 clips of 3 mice: NaN and (0, 0) keypoints, identity swaps in half of the clips."""
    return make_mouse_triplets(8, n_frames=N_FRAMES, seed=0, swap_fraction=0.5)


def run_cli(data_dir, out, *extra):
    args = ["mabe", "run", "--data", str(data_dir), "--output-dir", str(out), "--epochs", "1"]
    for item in TINY_OVERRIDES:
        args += ["-s", item]
    return CliRunner().invoke(app, [*args, *extra])


@pytest.fixture(scope="module")
def cli_run(files, tmp_path_factory):
    """`bams mabe run` on the files, once for the module."""
    data_dir = tmp_path_factory.mktemp("mabe_data")
    paths = files.save(data_dir)
    digests = {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in paths.items()}
    out = tmp_path_factory.mktemp("mabe_out")
    return run_cli(data_dir, out), out, paths, digests


def official_order(files):
    """A frame number map of the test clips in another order than the test file's."""
    clips = list(files.test["sequences"])[::-1]
    return {clip: (i * N_FRAMES, (i + 1) * N_FRAMES) for i, clip in enumerate(clips)}


def test_config_defaults_follow_the_paper():
    config = mabe_config("mouse")
    assert (config.train.batch_size, config.train.window_length, config.train.epochs) == (
        32,
        1800,
        500,
    )
    # The paper's encoders and bins, not the defaults: 2 x 32 latents x 2 aggregates = 128.
    assert config.model.encoders["long_term"].channels == [64, 64, 64, 32, 32]
    assert config.model.encoders["short_term"].channels == [64, 64, 32, 32]
    assert config.model.hoa_bins == 32
    assert mabe_config("fly", epochs=2).train.window_length == 4500


def test_cli_run_writes_a_valid_scored_submission(cli_run, files):
    result, out, _, _ = cli_run
    assert result.exit_code == 0, result.output
    assert "MABe 2022 scores" in result.output and "Submission written to" in result.output
    test_clips = list(files.test["sequences"])
    submission = load_submission(out / "submission.npy")
    validate_submission(submission, dict.fromkeys(test_clips, N_FRAMES), max_dims=128)
    assert list(submission["frame_number_map"]) == test_clips  # the test file's order
    assert submission["frame_number_map"][test_clips[1]] == (N_FRAMES, 2 * N_FRAMES)
    assert submission["embeddings"].shape == (N_FRAMES * len(test_clips), 2 * (8 + 8))
    assert "Clips laid out in the test file's order (no frame number map" in result.output


def test_cli_run_outputs(cli_run):
    _, out, paths, digests = cli_run
    assert {p.name for p in out.iterdir()} >= {"features.npz", "bams", "submission.npy"}
    assert (out / "bams" / "model.pt").is_file() and (out / "bams" / "config.yaml").is_file()
    features = Recordings.load(out / "features.npz")
    assert len(features) == 24 and features.n_features == 66
    # An untracked neighbour does not mask the focal mouse's frame: its features are optional.
    config = yaml.safe_load((out / "bams" / "config.yaml").read_text())
    assert config["model"]["optional_features"] == ["neighbor*"]
    model = BAMS.load(out / "bams" / "model.pt")
    n_optional = sum(n.startswith("neighbor") for n in features.feature_names)
    assert model.preprocessor_.n_inputs == 66 + n_optional + 1
    scores = (out / "scores.csv").read_text().splitlines()
    assert len(scores) == 1 + 13 * 5  # header, 13 tasks x 5 alphas
    for key, path in paths.items():  # inputs untouched
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digests[key]


def test_cli_run_reports_missing_files(tmp_path):
    result = CliRunner().invoke(app, ["mabe", "run", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "Expected mouse_triplet_train.npy and mouse_triplet_test.npy" in result.output


def test_cli_run_follows_the_frame_map_found_next_to_the_data(files, tmp_path):
    files.save(tmp_path / "data")
    official = official_order(files)
    frame_map = tmp_path / "data" / "mouse_triplet_frame_number_map.npy"
    np.save(frame_map, official)
    result = run_cli(tmp_path / "data", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"Clips laid out as the frame number map {frame_map}" in result.output
    assert "MABe 2022 scores" in result.output  # scored with the official map
    submission = load_submission(tmp_path / "out" / "submission.npy")
    assert list(submission["frame_number_map"].items()) == list(official.items())
    validate_submission(submission, frame_map=official)


def test_cli_run_refuses_a_frame_map_of_other_clips_before_training(files, tmp_path):
    files.save(tmp_path / "data")
    official = official_order(files)
    official["not_in_the_test_file"] = (len(official) * N_FRAMES, (len(official) + 1) * N_FRAMES)
    np.save(tmp_path / "map.npy", official)
    result = run_cli(tmp_path / "data", tmp_path / "out", "--frame-map", str(tmp_path / "map.npy"))
    assert result.exit_code == 2
    assert "Expected every clip of the frame number map in the test file" in result.output
    assert "'not_in_the_test_file'" in result.output
    assert not (tmp_path / "out" / "bams" / "model.pt").exists()  # no training happened


def test_cli_run_without_any_official_map_does_not_score(files, tmp_path):
    paths = files.save(tmp_path / "data")
    labels = {k: v for k, v in files.labels.items() if k != "frame_number_map"}
    np.save(paths["labels"], labels)
    result = run_cli(tmp_path / "data", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Not scored: the labels file holds no frame number map" in result.output
    assert "MABe 2022 scores" not in result.output
    assert (tmp_path / "out" / "submission.npy").is_file()
    assert not (tmp_path / "out" / "scores.csv").exists()
