"""Input noise and feature dropout of the training windows."""

import torch

import bams.training.loop as loop
from bams import BAMS
from bams.training.augment import augment_inputs


def windows(batch=64, features=6, length=200, invalid=(50, 80)):
    torch.manual_seed(0)
    x = torch.randn(batch, features + 1, length)
    x[:, -1] = 1.0
    x[:, :, invalid[0] : invalid[1]] = 0.0  # as preprocessing leaves missing frames
    return x


def test_no_augmentation_returns_the_inputs_and_draws_nothing():
    x = windows()
    state = torch.get_rng_state()
    assert augment_inputs(x, 0.0, 0.0) is x
    assert torch.equal(torch.get_rng_state(), state)


def test_noise_leaves_validity_and_invalid_frames_and_has_the_asked_std():
    x = windows()
    out = augment_inputs(x, noise=0.3)
    assert torch.equal(out[:, -1], x[:, -1])
    assert torch.equal(out[:, :, 50:80], x[:, :, 50:80])
    added = (out - x)[:, :-1]
    added = torch.cat([added[..., :50], added[..., 80:]], dim=-1)
    assert abs(float(added.std()) - 0.3) < 0.01
    assert abs(float(added.mean())) < 0.01


def test_dropout_zeroes_whole_features_at_about_the_asked_rate():
    x = windows(batch=400)
    out = augment_inputs(x, dropout=0.25)
    assert torch.equal(out[:, -1], x[:, -1])
    valid = torch.cat([out[:, :-1, :50], out[:, :-1, 80:]], dim=-1)
    dropped = (valid == 0).all(dim=-1)  # (B, F): the whole window of a feature
    kept = (valid == torch.cat([x[:, :-1, :50], x[:, :-1, 80:]], dim=-1)).all(dim=-1)
    assert (dropped | kept).all()  # each feature is either dropped whole or untouched
    assert abs(float(dropped.float().mean()) - 0.25) < 0.02  # 2,400 draws: sd 0.009
    assert dropped.any(dim=0).all() and dropped.any(dim=1).any()  # per window and feature


def test_a_seed_reproduces_the_augmentation():
    x = windows()
    torch.manual_seed(3)
    a = augment_inputs(x, 0.2, 0.3)
    torch.manual_seed(3)
    b = augment_inputs(x, 0.2, 0.3)
    assert torch.equal(a, b)
    assert not torch.equal(a, augment_inputs(x, 0.2, 0.3))


def test_training_augments_the_inputs_but_not_the_hoa_targets(monkeypatch, small_data, tiny_params):
    seen = []

    def augment(inputs, noise, dropout):
        out = augment_inputs(inputs, noise, dropout)
        seen.append(("augment", inputs, out, noise, dropout))
        return out

    def losses(network, batch, *args, **kwargs):
        seen.append(("losses", batch))
        return real_losses(network, batch, *args, **kwargs)

    real_losses = loop.bams_losses
    monkeypatch.setattr(loop, "augment_inputs", augment)
    monkeypatch.setattr(loop, "bams_losses", losses)
    BAMS(**{**tiny_params, "max_steps": 1, "input_noise": 0.5, "input_dropout": 0.2}).fit(
        small_data
    )
    (_, clean, augmented, noise, dropout), (_, batch) = seen
    assert (noise, dropout) == (0.5, 0.2)
    assert batch["inputs"] is augmented and not torch.equal(augmented, clean)
    assert torch.equal(augmented[:, -1], clean[:, -1])
    assert batch["bins"].shape[1] == clean.shape[-1] + tiny_params["hoa_window"]
