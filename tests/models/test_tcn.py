import pytest
import torch

from bams.config import EncoderConfig
from bams.models import TCN, build_encoder, list_encoders, register_encoder
from bams.models.tcn import FastDropout


def test_receptive_field_matches_the_paper_defaults():
    assert TCN(10, [64, 64, 32, 32], dilation_base=2).receptive_field == 61
    assert TCN(10, [64, 64, 64, 32, 32], dilation_base=4).receptive_field == 1365


@pytest.mark.parametrize("base", [2, 3])
def test_output_is_causal_and_receptive_field_is_exact(base):
    torch.manual_seed(0)
    tcn = TCN(3, [6, 6, 4], dilation_base=base, dropout=0.0).eval()
    rf = tcn.receptive_field
    length, t = 3 * rf, 2 * rf
    x = torch.randn(1, 3, length)
    y = tcn(x)
    # Changing inputs after t leaves every output at <= t unchanged.
    changed = x.clone()
    changed[..., t + 1 :] = torch.randn_like(changed[..., t + 1 :])
    assert torch.equal(tcn(changed)[..., : t + 1], y[..., : t + 1])
    # The output at t depends on input t - rf + 1 but not on t - rf.
    inside = x.clone()
    inside[..., t - rf + 1] += 1.0
    assert not torch.allclose(tcn(inside)[..., t], y[..., t])
    outside = x.clone()
    outside[..., t - rf] += 1.0
    assert torch.equal(tcn(outside)[..., t], y[..., t])


@pytest.mark.parametrize("name", list_encoders())
def test_every_registered_encoder_has_the_generic_contract(name):
    torch.manual_seed(0)
    config = EncoderConfig(channels=[8, 8], dilation_base=2, architecture=name)
    encoder = build_encoder(5, config)
    x = torch.randn(3, 5, 40)
    y = encoder(x)
    assert y.shape == (3, encoder.out_channels, 40)
    assert torch.isfinite(y).all()
    assert encoder.receptive_field >= 1
    y.square().mean().backward()
    for pname, p in encoder.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname


def test_unknown_architecture_is_rejected():
    with pytest.raises(ValueError, match="Expected an encoder architecture among"):
        build_encoder(3, EncoderConfig(channels=[4], architecture="transformer"))


def test_registering_a_name_twice_is_rejected():
    with pytest.raises(ValueError, match="already registered"):
        register_encoder("tcn")(lambda c, cfg: None)


def test_fast_dropout_rate_scale_and_eval():
    torch.manual_seed(0)
    drop = FastDropout(0.2)
    x = torch.ones(200_000)
    y = drop(x)
    zeros = (y == 0).float().mean().item()
    assert abs(zeros - 51 / 256) < 0.01
    assert abs(y.mean().item() - 1.0) < 0.01  # inverted scaling keeps the mean
    drop.eval()
    assert torch.equal(drop(x), x)


def test_fast_dropout_rejects_bad_probability():
    with pytest.raises(ValueError, match="Expected a dropout probability"):
        FastDropout(1.0)
