import pytest
import torch

from bams.config import EncoderConfig
from bams.models import TCN, build_encoder, list_encoders, register_encoder
from bams.models.tcn import FastDropout, TemporalBlock


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


class _LegacyBlock(torch.nn.Module):
    """The temporal block as it was before the reference options: the default must equal it."""

    def __init__(self, c_in, c_out, kernel_size, dilation, dropout):
        super().__init__()
        from torch.nn.utils.parametrizations import weight_norm

        from bams.models.tcn import CausalConv1d

        self.conv1 = weight_norm(CausalConv1d(c_in, c_out, kernel_size, dilation))
        self.conv2 = weight_norm(CausalConv1d(c_out, c_out, kernel_size, dilation))
        self.act1, self.act2 = torch.nn.PReLU(c_out), torch.nn.PReLU(c_out)
        self.dropout = FastDropout(dropout)
        self.residual = torch.nn.Conv1d(c_in, c_out, 1) if c_in != c_out else torch.nn.Identity()

    def forward(self, x):
        h = self.dropout(self.act1(self.conv1(x)))
        return self.dropout(self.act2(self.conv2(h))) + self.residual(x)


def test_the_default_block_is_the_one_before_the_options():
    x = torch.randn(2, 5, 30)
    torch.manual_seed(3)
    legacy = _LegacyBlock(5, 7, 3, 2, 0.2)
    torch.manual_seed(3)
    block = TemporalBlock(5, 7, 3, 2, 0.2)
    assert list(block.state_dict()) == list(legacy.state_dict())
    for key, value in legacy.state_dict().items():
        assert torch.equal(block.state_dict()[key], value), key
    torch.manual_seed(4)
    expected = legacy(x)
    torch.manual_seed(4)
    assert torch.equal(block(x), expected)  # dropout masks included


@pytest.mark.parametrize(("kind", "slope"), [("relu", 0.0), ("prelu", 0.1)])
def test_the_residual_activation_acts_on_the_sum(kind, slope):
    x = torch.randn(2, 5, 40)
    torch.manual_seed(0)
    plain = TemporalBlock(5, 8, 3, 1, 0.0, prelu="shared").eval()
    torch.manual_seed(0)
    activated = TemporalBlock(5, 8, 3, 1, 0.0, prelu="shared", residual_activation=kind).eval()
    before, after = plain(x), activated(x)
    assert (before < 0).any()
    assert torch.allclose(after, torch.where(before > 0, before, slope * before))
    if kind == "relu":
        assert (after >= 0).all()
    else:
        assert isinstance(activated.act_out, torch.nn.PReLU)
        assert activated.act_out.weight.tolist() == pytest.approx([0.1])


@pytest.mark.parametrize(
    ("scope", "expected"),
    [("both", (True, True)), ("second", (False, True)), ("none", (False, False))],
)
def test_weight_norm_is_on_the_chosen_convolutions(scope, expected):
    from torch.nn.utils.parametrize import is_parametrized

    tcn = TCN(5, [8, 4], weight_norm=scope)
    for block in tcn.blocks:
        assert (is_parametrized(block.conv1), is_parametrized(block.conv2)) == expected
        assert not is_parametrized(block.residual)


def _weight_std(conv) -> float:
    return float(conv.weight.detach().std())


@pytest.mark.parametrize("scope", ["both", "second", "none"])
def test_normal_init_draws_every_effective_weight_with_std_0_01(scope):
    torch.manual_seed(0)
    block = TemporalBlock(32, 64, 3, 1, 0.0, weight_norm=scope, init="normal_0.01")
    for conv in (block.conv1, block.conv2, block.residual):
        assert _weight_std(conv) == pytest.approx(0.01, rel=0.05)
        assert abs(float(conv.weight.detach().mean())) < 1e-3


def test_reference_init_leaves_weight_normalized_convolutions_at_the_default():
    # As in the reference, whose N(0, 0.01) draw into a weight-normalized convolution's
    # computed weight is overwritten by the next forward pass.
    torch.manual_seed(0)
    block = TemporalBlock(32, 64, 3, 1, 0.0, weight_norm="second", init="reference")
    default_std = (1 / (3 * 64 * 3)) ** 0.5  # Kaiming uniform, bound 1/sqrt(fan_in)
    assert _weight_std(block.conv1) == pytest.approx(0.01, rel=0.05)
    assert _weight_std(block.residual) == pytest.approx(0.01, rel=0.05)
    assert _weight_std(block.conv2) == pytest.approx(default_std, rel=0.05)
    default = TemporalBlock(32, 64, 3, 1, 0.0)
    for conv in (default.conv1, default.conv2):
        assert _weight_std(conv) > 3 * 0.01


def test_shared_prelu_has_one_slope_from_0_1():
    block = TemporalBlock(5, 8, 3, 1, 0.0, prelu="shared")
    assert [p.weight.tolist() for p in (block.act1, block.act2)] == [[pytest.approx(0.1)]] * 2
    assert TemporalBlock(5, 8, 3, 1, 0.0).act1.weight.shape == (8,)


def test_the_encoder_config_options_reach_the_blocks():
    from torch.nn.utils.parametrize import is_parametrized

    options = dict(
        weight_norm="none", init="normal_0.01", prelu="shared", residual_activation="relu"
    )
    config = EncoderConfig(channels=[8, 8], dilation_base=2, kernel_size=3, **options)
    encoder = build_encoder(5, config)
    for block in encoder.blocks:
        assert not is_parametrized(block.conv1) and not is_parametrized(block.conv2)
        assert isinstance(block.act_out, torch.nn.ReLU)
        assert block.act1.weight.numel() == 1


def test_reference_options_keep_the_block_causal():
    torch.manual_seed(0)
    options = dict(weight_norm="second", init="reference", prelu="shared")
    tcn = TCN(3, [6, 4], dilation_base=2, dropout=0.0, residual_activation="prelu", **options)
    tcn.eval()
    x = torch.randn(1, 3, 60)
    changed = x.clone()
    changed[..., 40:] = torch.randn(1, 3, 20)
    assert torch.equal(tcn(changed)[..., :40], tcn(x)[..., :40])


@pytest.mark.parametrize(
    ("option", "value"),
    [("weight_norm", "first"), ("init", "xavier"), ("prelu", "x"), ("residual_activation", "tanh")],
)
def test_unknown_block_options_are_rejected(option, value):
    with pytest.raises(ValueError, match=f"Expected {option} among .*, but got '{value}'"):
        TemporalBlock(5, 8, 3, 1, 0.0, **{option: value})
