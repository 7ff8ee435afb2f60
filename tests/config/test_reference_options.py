"""The options that switch a choice of this library to the reference implementation's."""

import inspect

import pytest
import torch
import yaml
from typer.testing import CliRunner

from bams import BAMS
from bams.cli import app
from bams.config import EncoderConfig, RunConfig, load_config, save_config
from bams.config.schema import (
    BOOTSTRAP_SAMPLINGS,
    ENCODER_INITS,
    HEAD_FRAMES,
    PREDICTOR_ACTIVATIONS,
    PRELU_STYLES,
    RESIDUAL_ACTIVATIONS,
    WEIGHT_NORMS,
)

REFERENCE = [
    "model.predictor_activation=prelu",
    "model.head_frames=all",
    "train.bootstrap_sampling=reference",
    *(
        f"model.encoders.{name}.{option}"
        for name in ("short_term", "long_term")
        for option in (
            "weight_norm=second",
            "init=reference",
            "prelu=shared",
            "residual_activation=prelu",
        )
    ),
]


def test_the_defaults_are_this_librarys_choices():
    enc = EncoderConfig(channels=[8])
    assert (enc.weight_norm, enc.init, enc.prelu, enc.residual_activation) == (
        WEIGHT_NORMS[0],
        ENCODER_INITS[0],
        PRELU_STYLES[0],
        RESIDUAL_ACTIVATIONS[0],
    )
    assert (enc.weight_norm, enc.init, enc.prelu, enc.residual_activation) == (
        "both",
        "default",
        "channel",
        "none",
    )
    parameters = inspect.signature(BAMS).parameters
    assert parameters["predictor_activation"].default == PREDICTOR_ACTIVATIONS[0] == "prelu"
    assert parameters["bootstrap_sampling"].default == BOOTSTRAP_SAMPLINGS[0] == "symmetric"
    assert parameters["head_frames"].default == HEAD_FRAMES[0] == "sampled"
    assert RunConfig().train.grad_clip_norm == 1.0


def test_the_options_round_trip_through_overrides_and_yaml(tmp_path):
    config = load_config(overrides=REFERENCE)
    assert config.model.predictor_activation == "prelu"
    assert config.model.head_frames == "all"
    assert config.train.bootstrap_sampling == "reference"
    for enc in config.model.encoders.values():
        assert (enc.weight_norm, enc.init, enc.prelu, enc.residual_activation) == (
            "second",
            "reference",
            "shared",
            "prelu",
        )
    path = save_config(config, tmp_path / "config.yaml")
    assert yaml.safe_load(path.read_text())["model"]["encoders"]["long_term"]["init"] == "reference"
    loaded = load_config(path)
    assert (loaded.model, loaded.train) == (config.model, config.train)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "model.predictor_activation=tanh",
            "Expected predictor_activation among ['prelu', 'relu'], but got 'tanh'.",
        ),
        (
            "model.head_frames=some",
            "Expected head_frames among ['sampled', 'all'], but got 'some'.",
        ),
        (
            "train.bootstrap_sampling=one_way",
            "Expected bootstrap_sampling among ['symmetric', 'reference'], but got 'one_way'.",
        ),
        (
            "model.encoders.short_term.weight_norm=first",
            "Expected weight_norm of short_term among ['both', 'second', 'none'], but got 'first'.",
        ),
        (
            "model.encoders.long_term.init=xavier",
            "Expected init of long_term among ['default', 'reference', 'normal_0.01'], "
            "but got 'xavier'.",
        ),
        (
            "model.encoders.long_term.prelu=per_layer",
            "Expected prelu of long_term among ['channel', 'shared'], but got 'per_layer'.",
        ),
        (
            "model.encoders.short_term.residual_activation=gelu",
            "Expected residual_activation of short_term among ['none', 'prelu', 'relu'], "
            "but got 'gelu'.",
        ),
    ],
)
def test_an_unknown_value_is_one_clear_error(override, message):
    with pytest.raises(ValueError, match="Invalid configuration") as info:
        load_config(overrides=[override])
    assert str(info.value).splitlines()[1:] == [f"- {message}"]


def test_reference_sampling_needs_two_windows_per_batch():
    with pytest.raises(ValueError, match="Invalid configuration") as info:
        load_config(overrides=["train.bootstrap_sampling=reference", "train.batch_size=1"])
    assert str(info.value).splitlines()[1:] == [
        "- Expected batch_size >= 2 with bootstrap_sampling 'reference' and head_frames "
        "'sampled' (one pair per window: the bootstrap heads' batch norm needs two), but got 1."
    ]
    overrides = ["train.bootstrap_sampling=reference", "model.head_frames=all"]
    assert load_config(overrides=[*overrides, "train.batch_size=1"]).train.batch_size == 1


def test_a_run_trained_with_the_reference_options_from_the_cli_loads_back(
    tmp_path, tiny_config, data_file
):
    run = tmp_path / "run"
    args = ["train", "--data", str(data_file), "--config", str(tiny_config)]
    args += ["--output-dir", str(run), "-s", "train.max_steps=2"]
    for item in REFERENCE:
        args += ["-s", item]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    model = BAMS.load(run / "model.pt")
    config = model.get_config()
    assert config.model.predictor_activation == "prelu"
    assert config.train.bootstrap_sampling == "reference"
    network = model.network_
    assert network.head_frames == "all"
    assert any(isinstance(m, torch.nn.PReLU) for m in network.predictor)
    block = network.encoders["short_term"].blocks[0]
    assert isinstance(block.act_out, torch.nn.PReLU) and block.act1.weight.numel() == 1
    assert "conv1.weight" in block.state_dict()  # second-only weight norm
    assert "conv2.parametrizations.weight.original0" in block.state_dict()
