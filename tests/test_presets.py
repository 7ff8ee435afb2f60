import inspect

import pytest
from typer.testing import CliRunner

from bams import BAMS
from bams.cli import app
from bams.config import RunConfig, load_config, parameter_defaults
from bams.presets import describe_presets, get_preset, list_presets, preset_params, register_preset

EXPECTED = {"bandit", "default", "larvae", "mabe_flies", "mabe_mice", "quadrupeds", "quick"}


def test_every_preset_is_a_complete_checked_configuration():
    assert EXPECTED | {"synthetic"} == set(list_presets())
    for name in list_presets():
        config = get_preset(name)
        assert isinstance(config, RunConfig)
        BAMS(**preset_params(name)).get_config()  # the same settings as estimator parameters
        assert describe_presets()[name]


def test_presets_set_what_their_domain_needs():
    assert get_preset("default") == RunConfig(output_dir="")
    assert get_preset("quadrupeds").train.window_length == 1000
    assert get_preset("quadrupeds").model.hoa_window == 50
    assert get_preset("mabe_flies").train.window_length == 4500
    assert get_preset("bandit").train.window_length == 300
    assert get_preset("larvae").model.encoders["long_term"].dilation_base == 3


def test_preset_params_are_fresh_copies():
    preset_params("quick")["encoders"]["short_term"]["channels"].append(99)
    assert preset_params("quick")["encoders"]["short_term"]["channels"] == [16, 16]


def test_unknown_and_duplicate_presets():
    with pytest.raises(ValueError, match=r"Expected a preset among \[.*\], but got 'robots'"):
        get_preset("robots")
    with pytest.raises(ValueError, match="Expected a new preset name, but 'quick'"):

        @register_preset
        def quick():  # noqa: F811
            return {}


def test_load_config_starts_from_a_preset_and_checks_the_result(tmp_path):
    config = load_config(overrides=["train.batch_size=4"], preset="quadrupeds")
    assert (config.train.batch_size, config.train.window_length) == (4, 1000)
    with pytest.raises(ValueError, match="Expected batch_size >= 1, but got 0"):
        load_config(overrides=["train.batch_size=0"])


def test_estimator_signature_is_generated_from_the_dataclasses():
    signature = inspect.signature(BAMS)
    defaults = {n: p.default for n, p in signature.parameters.items()}
    assert defaults == parameter_defaults()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in signature.parameters.values())
    with pytest.raises(TypeError, match="unexpected keyword argument 'hoa_bin'"):
        BAMS(hoa_bin=3)


def test_cli_lists_presets_and_train_takes_one(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(app, ["presets"])
    assert listed.exit_code == 0 and all(name in listed.output for name in EXPECTED)
    bad = runner.invoke(app, ["train", "--data", "x.npz", "--preset", "robots"])
    assert bad.exit_code == 2 and "Expected a preset among" in bad.output
