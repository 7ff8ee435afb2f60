"""``bootstrap_sampling="reference"``: one pair per window, one direction, as nerdslab/bams."""

import pytest
import torch
import torch.nn.functional as F

import bams.training.objective as objective
from bams.config import EncoderConfig, ModelConfig
from bams.models import BAMSNetwork
from bams.training.objective import bams_losses, draw_samples, reference_pairs

LENGTH = 50


def config(min_offset=None) -> ModelConfig:
    return ModelConfig(
        encoders={
            "short_term": EncoderConfig(
                [8], dilation_base=2, kernel_size=3, warmup=6, bootstrap_max_offset=5
            ),
            "long_term": EncoderConfig(
                [8],
                dilation_base=4,
                kernel_size=3,
                warmup=10,
                bootstrap_max_offset=None,
                bootstrap_min_offset=min_offset,
            ),
        },
        hoa_bins=4,
        hoa_window=3,
        hoa_warmup=6,
        predictor_hidden=[8],
    )


def test_one_pair_per_window_in_the_reference_ranges():
    torch.manual_seed(0)
    valid = torch.ones(2000, LENGTH, dtype=torch.bool)
    samples = draw_samples(valid, config(), 0.5, 64, sampling="reference")
    first, second = samples.pairs["short_term"]
    assert first.shape == second.shape == (2000, 1)
    # Short term: first in [warmup, L - 1 - max_offset], second 0..max_offset frames later.
    assert (first.min(), first.max()) == (6, LENGTH - 1 - 5)
    assert sorted((second - first).unique().tolist()) == [0, 1, 2, 3, 4, 5]
    # Long term: two independent uniform frames after the warm-up.
    first, second = samples.pairs["long_term"]
    assert first.shape == (2000, 1)
    for frames in (first, second):
        assert (frames.min(), frames.max()) == (10, LENGTH - 1)
        counts = torch.bincount(frames.flatten(), minlength=LENGTH)[10:].float()
        assert counts.min() > 0.6 * counts.mean()
    assert (first != second).float().mean() > 0.9
    assert all(allowed.all() for allowed in samples.pair_allowed.values())


def test_reference_pairs_ignore_validity():
    # The reference never looks at missing frames for the bootstrap losses.
    torch.manual_seed(0)
    valid = torch.zeros(4, LENGTH, dtype=torch.bool)
    samples = draw_samples(valid, config(), 0.5, 64, sampling="reference")
    assert all(allowed.all() for allowed in samples.pair_allowed.values())
    assert not samples.hoa_allowed.any()  # the HoA loss still skips them


def test_the_reference_draws_follow_the_hoa_draws_of_the_default():
    valid = torch.rand(3, LENGTH) > 0.3
    torch.manual_seed(1)
    default = draw_samples(valid, config(), 0.5, 8)
    torch.manual_seed(1)
    reference = draw_samples(valid, config(), 0.5, 8, sampling="reference")
    assert torch.equal(default.hoa_frames, reference.hoa_frames)
    assert default.pairs["short_term"][0].shape == (3, 8)


def test_a_min_offset_applies_to_reference_pairs():
    torch.manual_seed(0)
    first, second, allowed = reference_pairs(
        500, LENGTH, config(min_offset=15).encoders["long_term"]
    )
    assert ((second - first).abs() >= 15).all() and allowed.all()
    assert second.min() >= 10


def test_reference_losses_use_each_pair_in_one_direction(monkeypatch):
    torch.manual_seed(0)
    cfg = config()
    net = BAMSNetwork.from_config(cfg, n_inputs=4, n_actions=2).eval()
    x = torch.randn(6, 4, LENGTH)
    x[:, -1] = 1.0
    batch = {"inputs": x, "bins": torch.randint(0, 4, (6, LENGTH + 3, 2))}
    drawn = []
    real_draw = objective.draw_samples
    monkeypatch.setattr(
        objective, "draw_samples", lambda *a: drawn.append(real_draw(*a)) or drawn[-1]
    )
    losses = bams_losses(net, batch, cfg, 0.5, 64, bootstrap_sampling="reference")
    features = net(x)
    for name in cfg.encoders:
        first, second = drawn[0].pairs[name]
        rows = torch.arange(6)
        z_first = features[name][rows, :, first[:, 0]]
        z_second = features[name][rows, :, second[:, 0]]
        expected = 1 - F.cosine_similarity(net.heads[name](z_first), z_second, dim=-1).mean()
        torch.testing.assert_close(losses[name], expected)


def test_symmetric_losses_are_unchanged_by_the_keyword():
    torch.manual_seed(0)
    cfg = config()
    net = BAMSNetwork.from_config(cfg, n_inputs=4, n_actions=2)
    x = torch.randn(3, 4, LENGTH)
    x[:, -1] = 1.0
    batch = {"inputs": x, "bins": torch.randint(0, 4, (3, LENGTH + 3, 2))}
    results = []
    for kwargs in ({}, {"bootstrap_sampling": "symmetric"}):
        torch.manual_seed(2)
        results.append(bams_losses(net, batch, cfg, 0.5, 8, **kwargs))
    assert all(torch.equal(results[0][k], results[1][k]) for k in results[0])


def test_an_unknown_sampling_is_rejected():
    with pytest.raises(ValueError, match="Expected a sampling among .*, but got 'both'."):
        draw_samples(torch.ones(2, LENGTH, dtype=torch.bool), config(), 0.5, 8, sampling="both")


def test_reference_pairs_are_drawn_on_the_device_of_the_batch():
    valid = torch.ones(2, LENGTH, dtype=torch.bool, device="meta")  # stands for a GPU
    samples = draw_samples(valid, config(), 0.5, 8, sampling="reference")
    for first, second in samples.pairs.values():
        assert first.device == second.device == valid.device
    assert all(allowed.device == valid.device for allowed in samples.pair_allowed.values())
