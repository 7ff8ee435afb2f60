import dataclasses

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from bams import BAMS
from bams.config import EmbedConfig, ModelConfig, TrainConfig, default_encoders
from bams.training.checkpoint import load_checkpoint


def test_parameters_mirror_the_config_dataclasses():
    params = BAMS().get_params()
    fields = {}
    for cls in (ModelConfig, TrainConfig, EmbedConfig):
        fields.update({f.name: f for f in dataclasses.fields(cls)})
    assert set(params) == set(fields) | {"output_dir", "verbose"}
    config = BAMS().get_config()
    assert config.model == ModelConfig()
    assert config.train == TrainConfig()
    assert config.embed == EmbedConfig()
    assert config.model.encoders == default_encoders()


def test_init_only_stores_parameters():
    model = BAMS(epochs=-5, encoders={"x": {"channels": []}})
    assert model.epochs == -5  # validation happens in fit, not __init__
    assert clone(model).get_params()["epochs"] == -5


def test_invalid_parameters_are_all_reported(small_data):
    model = BAMS(epochs=0, batch_size=0, hoa_frame_fraction=2.0, window_length=10, head_expansion=0)
    with pytest.raises(ValueError, match="Invalid configuration") as info:
        model.fit(small_data)
    message = str(info.value)
    # head_expansion=0 (found by the property test) built empty bootstrap heads: an IndexError.
    expected_problems = ("epochs >= 1", "batch_size >= 1", "hoa_frame_fraction", "window_length")
    for expected in (*expected_problems, "head_expansion >= 1"):
        assert expected in message


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError):
        BAMS().transform(np.zeros((1, 10, 2)))


def test_fit_transform_on_recordings(small_data, tiny_params):
    model = BAMS(**tiny_params).fit(small_data)
    assert model.receptive_fields_ == {"short_term": 13, "long_term": 21}
    assert set(model.history_) >= {"epoch", "total", "hoa", "short_term", "long_term"}
    embeddings = model.transform(small_data)
    assert len(embeddings) == len(small_data)
    for emb, seq in zip(embeddings, small_data.sequences, strict=True):
        assert emb["short_term"].shape == (len(seq), 8)
        assert emb["long_term"].shape == (len(seq), 8)
        assert np.isfinite(emb["short_term"]).all() and np.isfinite(emb["long_term"]).all()


@pytest.mark.parametrize("kind", ["array", "list"])
def test_fit_accepts_plain_arrays_with_nan(tiny_params, rng, kind):
    x = rng.normal(size=(3, 100, 4)).astype(np.float32)
    x[0, 10:20] = np.nan
    data = x if kind == "array" else [x[0], x[1, :70], x[2]]
    model = BAMS(**tiny_params).fit(data)
    out = model.transform(data)
    assert [len(e["long_term"]) for e in out] == (
        [100, 100, 100] if kind == "array" else [100, 70, 100]
    )
    assert all(np.isfinite(e["long_term"]).all() for e in out)


def test_fit_rejects_unsupported_input(tiny_params):
    with pytest.raises(TypeError, match="Expected Recordings, an array"):
        BAMS(**tiny_params).fit("data.npz")


def test_transform_rejects_other_features(small_data, tiny_params, rng):
    model = BAMS(**tiny_params).fit(small_data)
    with pytest.raises(ValueError, match="Expected the features the model was trained on"):
        model.transform(rng.normal(size=(1, 50, 3)))


def test_same_seed_same_model(small_data, tiny_params):
    a = BAMS(**tiny_params).fit(small_data).transform(small_data)
    b = BAMS(**tiny_params).fit(small_data).transform(small_data)
    np.testing.assert_array_equal(a[0]["long_term"], b[0]["long_term"])
    c = BAMS(**{**tiny_params, "seed": 1}).fit(small_data).transform(small_data)
    assert not np.array_equal(a[0]["long_term"], c[0]["long_term"])


def test_save_and_load_round_trip(small_data, tiny_params, tmp_path):
    model = BAMS(**tiny_params).fit(small_data)
    path = model.save(tmp_path / "model.pt")
    loaded = BAMS.load(path)
    assert loaded.get_config() == model.get_config()
    assert loaded.receptive_fields_ == model.receptive_fields_
    a, b = model.transform(small_data), loaded.transform(small_data)
    np.testing.assert_array_equal(a[3]["short_term"], b[3]["short_term"])
    # the file holds only tensors and plain containers
    state = torch.load(path, weights_only=True)
    assert {"config", "network", "preprocessing", "metadata"} <= set(state)


def test_load_rejects_foreign_files(tmp_path):
    bad = tmp_path / "bad.pt"
    torch.save({"weights": torch.zeros(2)}, bad)
    with pytest.raises(ValueError, match="Expected a bams checkpoint"):
        BAMS.load(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        BAMS.load(tmp_path / "missing.pt")


def test_run_directory_checkpoint_and_resume(small_data, tiny_params, tmp_path):
    params = {
        **tiny_params,
        "max_steps": None,
        "epochs": 2,
        "checkpoint_every": 1,
        "logger": "csv",
        "output_dir": tmp_path / "run",
    }
    model = BAMS(**params).fit(small_data)
    run = tmp_path / "run"
    assert (run / "config.yaml").is_file() and (run / "model.pt").is_file()
    assert list(run.glob("logs/*/metrics.csv"))
    checkpoint = load_checkpoint(run / "checkpoints" / "last.ckpt")
    steps_per_epoch = checkpoint["step"] // 2
    assert checkpoint["epoch"] == 2 and "optimizer" in checkpoint
    assert not list((run / "checkpoints").glob("*.tmp"))

    resumed = BAMS(**{**params, "epochs": 4}).fit(small_data, resume=True)
    checkpoint = load_checkpoint(run / "checkpoints" / "last.ckpt")
    assert checkpoint["epoch"] == 4 and checkpoint["step"] == 4 * steps_per_epoch
    assert resumed.history_["epoch"] == [1, 2, 3, 4]
    assert resumed.history_["total"][:2] == model.history_["total"]


def test_resume_needs_the_same_model(small_data, tiny_params, tmp_path):
    params = {**tiny_params, "output_dir": tmp_path / "run"}
    BAMS(**params).fit(small_data)
    with pytest.raises(ValueError, match="different model"):
        BAMS(**{**params, "hoa_bins": 16}).fit(small_data, resume=True)
    with pytest.raises(FileNotFoundError):
        BAMS(**{**params, "output_dir": tmp_path / "other"}).fit(small_data, resume=True)


def test_training_makes_known_factors_decodable():
    """Fast state from the short-term latent, class from the long-term one, on held-out data."""
    from bams.evaluation import evaluate_readouts, make_splits, tasks_from
    from bams.sim.synthetic import make_synthetic

    data = make_synthetic(24, 1500, seed=0)
    encoders = {
        "short_term": {"channels": [16, 16, 16], "dilation_base": 2, "warmup": 30},
        "long_term": {
            "channels": [16, 16, 16, 16],
            "dilation_base": 4,
            "warmup": 100,
            "bootstrap_max_offset": None,
        },
    }
    params = dict(
        encoders=encoders,
        predictor_hidden=(64,),
        window_length=600,
        batch_size=8,
        learning_rate=3e-3,
        lr_decay_at=(0.8,),
        accelerator="cpu",
        logger="none",
        verbose=False,
        inference_precision="32",
    )
    splits = make_splits(data.ids, seeds=[0])
    tasks = [t for t in tasks_from(data) if t.name in ("state", "class")]

    def scores(steps):
        model = BAMS(max_steps=steps, **params).fit(data.subset(splits[0].train))
        emb = model.transform(data)
        reps = {name: [e[name] for e in emb] for name in ("short_term", "long_term")}
        rows = evaluate_readouts(reps, tasks, splits, max_train_frames=5000)
        return {
            (r["method"], r["task"]): r["f1_macro"]
            for r in rows
            if r["protocol"] in ("frame", "per_frame")
        }

    before, after = scores(1), scores(150)
    assert after[("short_term", "state")] > before[("short_term", "state")] + 0.08
    assert after[("long_term", "class")] > before[("long_term", "class")] + 0.06


def test_tensorboard_logs(small_data, tiny_params, tmp_path):
    pytest.importorskip("tensorboard")
    BAMS(
        **{**tiny_params, "logger": "tensorboard", "log_every": 1, "output_dir": tmp_path / "run"}
    ).fit(small_data)
    assert list((tmp_path / "run" / "logs").rglob("events.out.tfevents.*"))


def test_unknown_logger_is_rejected(small_data, tiny_params, tmp_path):
    with pytest.raises(ValueError, match="Expected logger 'csv', 'tensorboard' or 'none'"):
        BAMS(**{**tiny_params, "logger": "wandb", "output_dir": tmp_path}).fit(small_data)


def test_load_refuses_model_overrides(small_data, tiny_params, tmp_path):
    path = BAMS(**tiny_params).fit(small_data).save(tmp_path / "model.pt")
    with pytest.raises(ValueError, match=r"model parameters \['hoa_bins'\]"):
        BAMS.load(path, hoa_bins=16)
    assert BAMS.load(path, chunk_length=7).chunk_length == 7


def test_warns_when_most_frames_are_incomplete(tiny_params, rng):
    x = rng.normal(size=(3, 100, 4))
    x[:, ::2, 1] = np.nan  # feature 1 missing in every other frame...
    x[:, 1::4, 2] = np.nan  # ...and feature 2 in a quarter more
    with pytest.warns(UserWarning, match=r"Only 25% of frames have every feature observed"):
        BAMS(**tiny_params).fit(x)


def test_csv_logs_can_be_followed_while_training(small_data, tiny_params, tmp_path, monkeypatch):
    import bams.training.loop as loop

    seen = []
    save = loop.save_checkpoint

    def save_and_read_logs(fabric, path, state):
        (metrics,) = (tmp_path / "run").glob("logs/*/metrics.csv")
        seen.append(len(metrics.read_text().splitlines()) - 1)  # rows on disk so far
        save(fabric, path, state)

    monkeypatch.setattr(loop, "save_checkpoint", save_and_read_logs)
    params = {**tiny_params, "max_steps": None, "epochs": 2, "checkpoint_every": 1}
    params.update(logger="csv", log_every=1, output_dir=tmp_path / "run")
    BAMS(**params).fit(small_data)
    assert len(seen) == 2 and 0 < seen[0] < seen[1]


def test_model_and_checkpoint_get_the_permissions_the_umask_gives(
    small_data, tiny_params, tmp_path
):
    import os

    previous = os.umask(0o022)
    try:
        BAMS(**{**tiny_params, "output_dir": tmp_path / "run"}).fit(small_data)
    finally:
        os.umask(previous)
    for name in ("model.pt", "config.yaml", "checkpoints/last.ckpt"):
        assert (tmp_path / "run" / name).stat().st_mode & 0o777 == 0o644, name
    leftovers = [p.name for p in (tmp_path / "run").rglob(".*.tmp")]
    assert leftovers == []


def test_recordings_without_usable_frames_are_refused_and_short_ones_warned_about(
    tiny_params, rng, tmp_path
):
    one_frame = [rng.normal(size=(1, 3)).astype("float32") for _ in range(2)]
    model = BAMS(**{**tiny_params, "output_dir": tmp_path / "run"})
    with pytest.raises(ValueError, match="Expected recordings with usable frames after the warm"):
        model.fit(one_frame)
    assert not (tmp_path / "run").exists()  # refused before anything was written
    short = [rng.normal(size=(15, 3)).astype("float32") for _ in range(3)]  # field: 21
    with pytest.warns(UserWarning, match=r"3 of 3 recordings are shorter than the long_term"):
        BAMS(**tiny_params).fit(short)
