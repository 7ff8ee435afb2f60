"""The opt-in training options: input noise and dropout, far-apart pairs, EMA targets."""

import inspect

import pytest

from bams import BAMS
from bams.config import (
    EncoderConfig,
    ModelConfig,
    RunConfig,
    check_config,
    load_config,
    resolve_timescales,
)
from bams.config.timescales import unresolved_fields
from bams.data import Recordings


def test_the_options_are_estimator_parameters_that_default_to_off():
    parameters = inspect.signature(BAMS).parameters
    assert parameters["input_noise"].default == 0.0
    assert parameters["input_dropout"].default == 0.0
    assert parameters["target_ema"].default is None
    enc = EncoderConfig(channels=[8])
    assert (enc.bootstrap_min_offset, enc.bootstrap_min_offset_s) == (None, None)
    config = BAMS(input_noise=0.1, input_dropout=0.2, target_ema=0.99).get_config().train
    assert (config.input_noise, config.input_dropout, config.target_ema) == (0.1, 0.2, 0.99)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("train.input_noise=-0.1", "Expected a finite input_noise >= 0, but got -0.1."),
        ("train.input_noise=.inf", "Expected a finite input_noise >= 0, but got inf."),
        ("train.input_dropout=1", "Expected 0 <= input_dropout < 1, but got 1.0."),
        ("train.input_dropout=-0.5", "Expected 0 <= input_dropout < 1, but got -0.5."),
        ("train.target_ema=1", "Expected 0 <= target_ema < 1 or None, but got 1.0."),
        ("train.target_ema=-0.1", "Expected 0 <= target_ema < 1 or None, but got -0.1."),
        (
            "model.encoders.long_term.bootstrap_min_offset=0",
            "Expected bootstrap_min_offset >= 1 for long_term, but got 0.",
        ),
        (
            "model.encoders.short_term.bootstrap_min_offset=6",
            "Expected bootstrap_min_offset <= bootstrap_max_offset (5) for short_term, but got 6.",
        ),
        (
            "model.encoders.long_term.bootstrap_min_offset_s=0",
            "Expected bootstrap_min_offset_s of long_term > 0 seconds, but got 0.0.",
        ),
    ],
)
def test_invalid_options_are_one_clear_error(override, message):
    overrides = ["model.encoders.short_term.bootstrap_max_offset=5", override]
    with pytest.raises(ValueError, match="Invalid configuration") as info:
        load_config(overrides=overrides)
    assert str(info.value).splitlines()[1:] == [f"- {message}"]


def test_valid_options_pass():
    config = RunConfig()
    config.train.input_noise, config.train.input_dropout, config.train.target_ema = 0.5, 0.0, 0.0
    config.model.encoders["long_term"].bootstrap_min_offset = 100
    check_config(config)


def test_a_min_offset_must_leave_room_in_the_window():
    config = RunConfig()
    config.train.window_length = 200
    long = config.model.encoders["long_term"]
    long.warmup, long.bootstrap_min_offset = 100, 100
    with pytest.raises(ValueError, match=r"bootstrap_min_offset < window_length - warmup \(200 - "):
        check_config(config)
    long.bootstrap_min_offset = 99
    check_config(config)


def test_a_min_offset_in_seconds_is_resolved_at_fit_time():
    encoders = {
        "a": EncoderConfig(channels=[8], bootstrap_max_offset=None, bootstrap_min_offset_s=0.5),
        "b": EncoderConfig(channels=[8], bootstrap_min_offset=3, bootstrap_min_offset_s=9.0),
        "c": EncoderConfig(channels=[8], bootstrap_min_offset_s=0.01),
        "d": EncoderConfig(channels=[8]),
    }
    model = ModelConfig(encoders=encoders)
    assert "bootstrap_min_offset of a" in unresolved_fields(model)
    assert "bootstrap_min_offset of b" not in unresolved_fields(model)
    resolved = resolve_timescales(model, 30.0)
    got = {name: enc.bootstrap_min_offset for name, enc in resolved.encoders.items()}
    assert got == {"a": 15, "b": 3, "c": 1, "d": None}  # rounded, frames win, >= 1 frame
    assert unresolved_fields(resolved) == []
    assert resolve_timescales(resolved, 30.0) == resolved


def test_a_min_offset_too_long_in_seconds_is_caught_at_fit_time(small_data, tiny_params):
    data = Recordings(small_data.sequences, frame_rate=30.0)
    tiny_params["encoders"]["long_term"]["bootstrap_min_offset_s"] = 2.0  # 60 frames
    with pytest.raises(ValueError, match=r"window_length - warmup \(64 - 8\) for long_term"):
        BAMS(**tiny_params).fit(data)
