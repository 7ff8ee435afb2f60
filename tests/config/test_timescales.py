"""Timescales in seconds, converted to frames with the frame rate at fit time."""

import inspect

import numpy as np
import pytest
import yaml

from bams import BAMS
from bams.config import (
    EncoderConfig,
    ModelConfig,
    RunConfig,
    check_config,
    from_dict,
    load_config,
    resolve_timescales,
)
from bams.config.timescales import choose_tcn_shape, tcn_receptive_field, unresolved_fields
from bams.data import Recordings
from bams.models import BAMSNetwork, build_encoder
from bams.presets import get_preset

TOLERANCE = 0.11  # relative: how far the default encoders may be from their target, see module


def fields_of(model: ModelConfig) -> dict[str, int]:
    return BAMSNetwork.from_config(model, 5, 3).receptive_fields


def test_the_defaults_at_30_hz_are_the_papers_frames():
    model = resolve_timescales(ModelConfig(), 30.0)
    short, long = model.encoders["short_term"], model.encoders["long_term"]
    assert (model.hoa_window, model.hoa_warmup) == (30, 60)
    assert (short.kernel_size, short.dilation_base, short.warmup) == (3, 2, 60)
    assert (long.kernel_size, long.dilation_base, long.warmup) == (3, 4, 100)
    assert (short.bootstrap_max_offset, long.bootstrap_max_offset) == (5, None)
    assert fields_of(model) == {"short_term": 61, "long_term": 1365}
    assert unresolved_fields(model) == []


# frame rate: hoa_window, hoa_warmup, (kernel, base, warmup, offset) of short and long term
EXPECTED = {
    25: (25, 50, (7, 1, 50, 4), (6, 3, 83, None)),
    30: (30, 60, (3, 2, 60, 5), (3, 4, 100, None)),
    50: (50, 100, (4, 2, 100, 8), (4, 4, 167, None)),
    150: (150, 300, (2, 5, 300, 25), (5, 5, 500, None)),
}


@pytest.mark.parametrize("frame_rate", sorted(EXPECTED))
def test_the_defaults_are_converted_with_the_frame_rate(frame_rate):
    model = resolve_timescales(ModelConfig(), float(frame_rate))
    window, warmup, short, long = EXPECTED[frame_rate]
    assert (model.hoa_window, model.hoa_warmup) == (window, warmup)
    for name, expected in (("short_term", short), ("long_term", long)):
        enc = model.encoders[name]
        assert (enc.kernel_size, enc.dilation_base, enc.warmup, enc.bootstrap_max_offset) == (
            expected
        )
        target = enc.receptive_field_s * frame_rate
        field = fields_of(model)[name]
        assert field == tcn_receptive_field(len(enc.channels), enc.kernel_size, enc.dilation_base)
        assert abs(field - target) <= TOLERANCE * target
    assert resolve_timescales(model, float(frame_rate)) == model  # resolved: a fixed point


def test_explicit_frames_win():
    model = ModelConfig(
        hoa_window=5,
        encoders={
            "a": EncoderConfig(channels=[8] * 4, dilation_base=4, receptive_field_s=2.0),
            "b": EncoderConfig(channels=[8] * 4, kernel_size=2, dilation_base=3, warmup=7),
            "c": EncoderConfig(channels=[8, 8], bootstrap_max_offset=None),
        },
    )
    resolved = resolve_timescales(model, 50.0)
    a, b, c = (resolved.encoders[n] for n in "abc")
    assert resolved.hoa_window == 5 and resolved.hoa_warmup == 100
    assert a.dilation_base == 4 and a.kernel_size == choose_tcn_shape(4, 100.0, None, 4)[0]
    assert (b.kernel_size, b.dilation_base, b.warmup, b.bootstrap_max_offset) == (2, 3, 7, 8)
    # No receptive field in seconds: the frame defaults; None stays "any two frames".
    assert (c.kernel_size, c.dilation_base, c.bootstrap_max_offset) == (3, 2, None)


def test_offsets_in_seconds_keep_at_least_one_frame():
    enc = EncoderConfig(channels=[8], bootstrap_max_offset_s=0.1, warmup_s=0.1)
    resolved = resolve_timescales(ModelConfig(encoders={"a": enc}, hoa_window_s=0.1), 2.0)
    assert resolved.encoders["a"].bootstrap_max_offset == 1
    assert resolved.encoders["a"].warmup == 0
    assert resolved.hoa_window == 1


@pytest.mark.parametrize(
    ("preset", "frame_rate"),
    [("quadrupeds", 50.0), ("mabe_flies", 150.0), ("larvae", 16.0), ("bandit", 1.0)],
)
def test_presets_keep_their_frames(preset, frame_rate):
    model = get_preset(preset).model
    resolved = resolve_timescales(model, frame_rate)
    for name, enc in model.encoders.items():
        got = resolved.encoders[name]
        assert got.dilation_base == enc.dilation_base
        assert got.warmup == enc.warmup
        assert got.bootstrap_max_offset == enc.bootstrap_max_offset
    assert (resolved.hoa_window, resolved.hoa_warmup) == (model.hoa_window, model.hoa_warmup)
    if preset in ("quadrupeds", "mabe_flies"):  # the paper's frames, as before
        assert fields_of(resolved) == {"short_term": 61, "long_term": 1365}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.hoa_window_s=0", "Expected hoa_window_s > 0 seconds, but got 0.0."),
        ("model.hoa_warmup_s=-1", "Expected hoa_warmup_s >= 0 seconds, but got -1.0."),
        (
            "model.encoders.long_term.receptive_field_s=-2",
            "Expected receptive_field_s of long_term > 0 seconds, but got -2.0.",
        ),
        (
            "model.encoders.short_term.bootstrap_max_offset=soon",
            "Expected bootstrap_max_offset >= 0, 'auto' or None for short_term, but got 'soon'.",
        ),
    ],
)
def test_invalid_seconds_are_one_clear_error(override, message):
    with pytest.raises(ValueError, match="Invalid configuration") as info:
        load_config(overrides=[override])
    assert str(info.value).splitlines()[1:] == [f"- {message}"]


def test_a_warmup_too_long_in_frames_is_caught_at_fit_time(small_data):
    check_config(RunConfig())  # seconds: no frame rate yet, nothing to compare
    data = Recordings(small_data.sequences, frame_rate=150.0)  # hoa_warmup: 300 frames
    with pytest.raises(ValueError, match=r"every warm-up \(500 frames\), but got 256"):
        BAMS(window_length=256, accelerator="cpu", verbose=False).fit(data)


def test_an_encoder_in_seconds_needs_a_frame_rate():
    with pytest.raises(ValueError, match="Expected a frame rate to convert receptive_field_s"):
        build_encoder(3, EncoderConfig(channels=[8], receptive_field_s=1.0))


def test_the_seconds_fields_are_estimator_parameters():
    parameters = inspect.signature(BAMS).parameters
    assert parameters["hoa_window"].default is None
    assert parameters["hoa_window_s"].default == 1.0
    assert parameters["hoa_warmup_s"].default == 2.0
    assert BAMS(hoa_window_s=0.5).get_config().model.hoa_window_s == 0.5


SECONDS_PARAMS = {
    "encoders": {
        "short_term": {"channels": [8, 8], "receptive_field_s": 0.5, "warmup_s": 0.1},
        "long_term": {
            "channels": [8, 8],
            "receptive_field_s": 1.0,
            "warmup_s": 0.2,
            "bootstrap_max_offset": None,
        },
    },
    "hoa_bins": 8,
    "hoa_warmup_s": 0.1,
    "predictor_hidden": (16,),
    "window_length": 64,
    "batch_size": 4,
    "max_steps": 2,
    "bootstrap_pairs": 8,
    "accelerator": "cpu",
    "logger": "none",
    "inference_precision": "32",
}


def test_a_fit_at_50_hz_shows_and_stores_frames_and_seconds(small_data, tmp_path, capsys):
    data = Recordings(small_data.sequences, frame_rate=50.0)
    model = BAMS(**SECONDS_PARAMS, output_dir=tmp_path / "run", verbose=True).fit(data)
    printed = " ".join(capsys.readouterr().err.split())
    assert "short_term 25 frames (0.5 s), long_term 49 frames (1.0 s)" in printed
    assert "HoA window: 50 frames (1 s) at 50 Hz" in printed
    assert model.receptive_fields_ == {"short_term": 25, "long_term": 49}
    assert model.frame_rate_ == 50.0
    assert model.hoa_window is None  # the parameters stay as given (scikit-learn)
    config = model.get_config().model
    assert (config.hoa_window, config.hoa_window_s, config.hoa_warmup) == (50, 1.0, 5)
    short = config.encoders["short_term"]
    assert (short.kernel_size, short.dilation_base, short.warmup) == (3, 5, 5)
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())["model"]
    assert (saved["hoa_window"], saved["hoa_window_s"]) == (50, 1.0)
    assert saved["encoders"]["short_term"]["dilation_base"] == 5

    loaded = BAMS.load(tmp_path / "run" / "model.pt")
    assert loaded.receptive_fields_ == model.receptive_fields_
    assert loaded.get_config().model == config
    assert loaded.frame_rate_ == 50.0
    for a, b in zip(loaded.transform(data), model.transform(data), strict=True):
        np.testing.assert_array_equal(a["long_term"], b["long_term"])


def test_a_config_saved_in_frames_only_means_the_same_at_any_frame_rate():
    # As written before the seconds fields existed: every timescale in frames.
    encoder = {"channels": [8, 8], "dilation_base": 2, "kernel_size": 3, "warmup": 60}
    values = {"encoders": {"a": {**encoder, "bootstrap_max_offset": 5}}, "hoa_window": 30}
    model = from_dict(ModelConfig, {**values, "hoa_warmup": 60})
    assert unresolved_fields(model) == []
    assert resolve_timescales(model, 150.0) == model
