import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from bams.config import (
    EmbedConfig,
    EncoderConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
    default_encoders,
    from_dict,
    load_config,
    save_config,
    to_dict,
)


def test_field_names_are_unique_across_sections():
    names = [
        f.name for cls in (ModelConfig, TrainConfig, EmbedConfig) for f in dataclasses.fields(cls)
    ]
    assert len(names) == len(set(names))


def test_default_encoders():
    encoders = default_encoders()
    assert sorted(encoders) == ["long_term", "short_term"]
    assert encoders["short_term"].channels == [64, 64, 32, 64]
    # In seconds (the paper's 1365 frames at 30 Hz), converted to frames at fit time.
    assert encoders["long_term"].dilation_base is None
    assert encoders["long_term"].receptive_field_s == pytest.approx(45.5)
    assert encoders["long_term"].bootstrap_max_offset is None
    # A fresh dict each time: mutating one config never leaks into another.
    encoders["short_term"].channels.append(1)
    assert default_encoders()["short_term"].channels == [64, 64, 32, 64]
    assert ModelConfig().encoders is not ModelConfig().encoders


# ---------------------------------------------------------------------- to_dict / from_dict
def test_to_dict_is_plain_and_yaml_safe():
    values = to_dict(RunConfig())
    assert values["model"]["hoa_quantiles"] == [0.5, 99.5]
    assert isinstance(values["model"]["encoders"]["short_term"], dict)
    assert values["train"]["lr_decay_at"] == [0.4]
    assert yaml.safe_load(yaml.safe_dump(values)) == values


def test_round_trip_through_dict():
    config = RunConfig(
        data="recordings.npz",
        model=ModelConfig(
            encoders={"only": EncoderConfig(channels=[8, 4], bootstrap_max_offset=None)},
            hoa_bins=8,
            hoa_quantiles=(1.0, 99.0),
        ),
        train=TrainConfig(epochs=2, devices="auto", grad_clip_norm=None, max_steps=5),
        embed=EmbedConfig(chunk_length=128),
    )
    rebuilt = from_dict(RunConfig, to_dict(config))
    assert rebuilt == config
    assert isinstance(rebuilt.model.encoders["only"], EncoderConfig)
    assert rebuilt.model.hoa_quantiles == (1.0, 99.0)
    assert isinstance(rebuilt.model.hoa_quantiles, tuple)


def test_from_dict_converts_ints_to_floats():
    config = from_dict(TrainConfig, {"learning_rate": 1, "lr_decay_at": [0, 1]})
    assert config.learning_rate == 1.0
    assert isinstance(config.learning_rate, float)
    assert config.lr_decay_at == [0.0, 1.0]
    assert all(isinstance(v, float) for v in config.lr_decay_at)


def test_from_dict_accepts_dataclass_instances():
    encoder = EncoderConfig(channels=[4])
    config = from_dict(ModelConfig, {"encoders": {"a": encoder}})
    assert config.encoders["a"] is encoder


@pytest.mark.parametrize(
    ("values", "expected"),
    [({"devices": 4}, 4), ({"devices": "auto"}, "auto")],
)
def test_from_dict_union_of_int_and_str(values, expected):
    assert from_dict(TrainConfig, values).devices == expected


def test_from_dict_optional_values():
    config = from_dict(TrainConfig, {"max_steps": None, "grad_clip_norm": None})
    assert config.max_steps is None
    assert config.grad_clip_norm is None
    assert from_dict(TrainConfig, {"grad_clip_norm": 2}).grad_clip_norm == 2.0


@pytest.mark.parametrize(
    ("cls", "values", "message"),
    [
        (TrainConfig, ["epochs"], "Expected a mapping for TrainConfig, but got ['epochs']."),
        (TrainConfig, {"epoch": 3}, "but got unknown ['epoch']."),
        (TrainConfig, {"epochs": "ten"}, "Expected int for epochs, but got 'ten'."),
        (TrainConfig, {"epochs": 2.0}, "Expected int for epochs, but got 2.0."),
        (TrainConfig, {"epochs": True}, "Expected int for epochs, but got True."),
        (TrainConfig, {"learning_rate": False}, "Expected float for learning_rate, but got False."),
        (
            TrainConfig,
            {"learning_rate": "fast"},
            "Expected float for learning_rate, but got 'fast'.",
        ),
        (TrainConfig, {"accelerator": 1}, "Expected str for accelerator, but got 1."),
        (TrainConfig, {"devices": 1.5}, "Expected str for devices, but got 1.5."),
        (TrainConfig, {"max_steps": "x"}, "Expected int for max_steps, but got 'x'."),
        (TrainConfig, {"lr_decay_at": 0.4}, "Expected a list for lr_decay_at, but got 0.4."),
        (
            TrainConfig,
            {"lr_decay_at": [0.4, "a"]},
            "Expected float for lr_decay_at[1], but got 'a'.",
        ),
        (
            ModelConfig,
            {"hoa_quantiles": [1.0, 50.0, 99.0]},
            "Expected 2 values for hoa_quantiles, but got [1.0, 50.0, 99.0].",
        ),
        (ModelConfig, {"encoders": [1]}, "Expected a mapping for encoders, but got [1]."),
        (
            ModelConfig,
            {"encoders": {"a": {"channels": [4], "kernel_size": "3"}}},
            "Expected int for encoders.a.kernel_size, but got '3'.",
        ),
        (
            ModelConfig,
            {"encoders": {"a": {"channel": [4]}}},
            "Expected keys of encoders.a among",
        ),
        (EncoderConfig, {"kernel_size": 3}, "Expected keys ['channels'] in EncoderConfig"),
        (
            RunConfig,
            {"model": {"encoders": {"a": {"dropout": 0.1}}}},
            "Expected keys ['channels'] in model.encoders.a, but got only ['dropout'].",
        ),
        (RunConfig, {"train": 3}, "Expected a mapping for train, but got 3."),
    ],
)
def test_from_dict_errors(cls, values, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        from_dict(cls, values)


# ---------------------------------------------------------------------- load_config
def test_load_config_defaults():
    assert load_config() == RunConfig()


def test_overrides_use_dotted_paths_and_yaml_values():
    config = load_config(
        overrides=[
            "train.epochs=3",
            "model.hoa_bins=16",
            "model.encoders.long_term.channels=[32,32,32]",
            "train.grad_clip_norm=null",
            "train.devices=auto",
            "data=/tmp/data.npz",
            "output_dir = runs/x",
        ]
    )
    assert config.train.epochs == 3
    assert config.model.hoa_bins == 16
    assert config.model.encoders["long_term"].channels == [32, 32, 32]
    assert config.model.encoders["long_term"].receptive_field_s == 45.5  # untouched
    assert config.train.grad_clip_norm is None
    assert config.train.devices == "auto"
    assert config.data == "/tmp/data.npz"
    assert config.output_dir == "runs/x"


@pytest.mark.parametrize("raw", ["1e-4", "1E-4", "+1e-4", "1.e-4", "1.0e-4", "0.0001"])
def test_scientific_notation_is_a_float(raw):
    # PyYAML's YAML 1.1 resolver reads "1e-4" as a string; it must still be a float here.
    config = load_config(overrides=[f"train.learning_rate={raw}"])
    assert config.train.learning_rate == pytest.approx(1e-4)


def test_scientific_notation_in_a_yaml_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("train:\n  weight_decay: 5e-5\n")
    assert load_config(path).train.weight_decay == pytest.approx(5e-5)


def test_later_overrides_win():
    config = load_config(overrides=["train.epochs=3", "train.epochs=7"])
    assert config.train.epochs == 7


@pytest.mark.parametrize(
    ("override", "error", "message"),
    [
        ("train.epochs", ValueError, "Expected an override like 'train.epochs=10', but got"),
        ("=3", ValueError, "Expected an override like 'train.epochs=10', but got '=3'."),
        (
            "trian.epochs=3",
            ValueError,
            "Expected a known config section in 'trian.epochs', but got 'trian'.",
        ),
        (
            "model.encoders.mid.channels=[8]",
            ValueError,
            "Expected a known config section in 'model.encoders.mid.channels', but got 'mid'.",
        ),
        ("train.epoch=3", ValueError, "but got unknown ['epoch']."),
        ("train.epochs=ten", ValueError, "Expected int for train.epochs, but got 'ten'."),
    ],
)
def test_invalid_overrides(override, error, message):
    with pytest.raises(error, match=re.escape(message)):
        load_config(overrides=[override])


def test_load_yaml_file_merges_with_defaults(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "data": "d.npz",
                "train": {"epochs": 4, "batch_size": 2},
                "model": {"hoa_window": 10},
            }
        )
    )
    config = load_config(path, overrides=["train.epochs=5"])
    assert config.data == str(tmp_path / "d.npz")  # relative to the file, not the caller
    assert config.train.epochs == 5  # the override beats the file
    assert config.train.batch_size == 2
    assert config.train.window_length == TrainConfig().window_length  # default kept
    assert config.model.hoa_window == 10
    assert config.model.encoders == default_encoders()


def test_yaml_encoders_replace_the_default_encoders(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("model:\n  encoders:\n    tiny:\n      channels: [8, 8]\n")
    config = load_config(str(path))
    assert list(config.model.encoders) == ["tiny"]
    assert config.model.encoders["tiny"] == EncoderConfig(channels=[8, 8])


def test_empty_yaml_file_gives_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert load_config(path) == RunConfig()


def test_load_config_missing_file(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(
        FileNotFoundError,
        match=re.escape(f"Expected a YAML config file, but {str(path)!r} does not exist."),
    ):
        load_config(path)


def test_load_config_non_mapping_file(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(
        ValueError,
        match=re.escape(f"Expected a mapping at the top of {str(path)!r}, but got [1, 2]."),
    ):
        load_config(path)


def test_load_config_unknown_key_in_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("train:\n  epoks: 3\n")
    with pytest.raises(ValueError, match=re.escape("but got unknown ['epoks'].")):
        load_config(path)


# ---------------------------------------------------------------------- save_config
def test_save_then_load_round_trip(tmp_path):
    config = load_config(
        overrides=[
            "train.epochs=2",
            "model.hoa_quantiles=[2,98]",
            "model.encoders.short_term.bootstrap_max_offset=null",
            "embed.inference_device=cpu",
        ]
    )
    path = save_config(config, tmp_path / "sub" / "config.yaml")
    assert path == tmp_path / "sub" / "config.yaml"
    loaded = load_config(path)
    # Paths are saved relative to the file and read back relative to it: the same place.
    assert Path(loaded.output_dir).resolve() == Path(config.output_dir).resolve()
    loaded.output_dir = config.output_dir
    assert loaded == config


def test_saved_paths_resolve_from_any_working_directory(tmp_path, monkeypatch):
    (tmp_path / "data.npz").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    config = load_config(overrides=["data=data.npz", "output_dir=runs/exp"])
    save_config(config, tmp_path / "runs" / "exp" / "config.yaml")
    saved = yaml.safe_load((tmp_path / "runs" / "exp" / "config.yaml").read_text())
    assert (saved["data"], saved["output_dir"]) == ("../../data.npz", ".")
    monkeypatch.chdir(tmp_path / "runs")
    again = load_config("exp/config.yaml")
    assert Path(again.data).resolve() == tmp_path / "data.npz"
    assert Path(again.output_dir).resolve() == tmp_path / "runs" / "exp"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("train: {epochs: 3\n", r"Expected plain YAML in .*bad.yaml, but got: .*\(line \d+"),
        ("model: !!python/object/apply:os.system ['echo hi']\n", r"Expected plain YAML in .*"),
        ("\tmodel: 1\n", r"Expected plain YAML in .*"),
    ],
)
def test_malformed_yaml_and_tags_are_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_config(path)
    with pytest.raises(ValueError, match="Expected plain YAML in the override"):
        load_config(overrides=["train.epochs=[1, 2"])


def test_saved_yaml_is_plain_and_ordered(tmp_path):
    path = save_config(RunConfig(), tmp_path / "config.yaml")
    text = path.read_text()
    assert "!!python" not in text
    assert list(yaml.safe_load(text)) == ["data", "output_dir", "model", "train", "embed"]
