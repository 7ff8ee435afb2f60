import numpy as np
import torch

from bams.config import EncoderConfig, ModelConfig
from bams.models import BAMSNetwork
from bams.preprocessing import Preprocessor
from bams.sim.synthetic import make_synthetic
from bams.training.objective import bams_losses, sample_frames
from bams.training.windows import PreparedRecordings, WindowDataset


def test_sample_frames_are_distinct_and_allowed():
    torch.manual_seed(0)
    mask = torch.zeros(3, 100, dtype=torch.bool)
    mask[:, 20:60] = True
    frames = sample_frames(mask, 30)
    assert frames.shape == (3, 30)
    assert mask.gather(1, frames).all()
    assert all(len(set(row.tolist())) == 30 for row in frames)


def test_sample_frames_are_uniform_over_allowed_frames():
    torch.manual_seed(0)
    mask = torch.zeros(1, 50, dtype=torch.bool)
    mask[0, 10:20] = True
    counts = torch.zeros(50)
    for _ in range(2000):
        counts[sample_frames(mask, 2)[0]] += 1
    assert counts[:10].sum() == 0 and counts[20:].sum() == 0
    assert counts[10:20].min() > 0.8 * 400


def small_setup(seed=0):
    torch.manual_seed(seed)
    data = make_synthetic(8, 400, seed=seed)
    config = ModelConfig(
        encoders={
            "short_term": EncoderConfig(channels=[16, 16], dilation_base=2, warmup=8),
            "long_term": EncoderConfig(
                channels=[16, 16], dilation_base=4, warmup=16, bootstrap_max_offset=None
            ),
        },
        hoa_bins=8,
        hoa_window=10,
        hoa_warmup=8,
        predictor_hidden=[32],
    )
    prep = Preprocessor(config.hoa_bins).fit(data)
    net = BAMSNetwork.from_config(config, prep.n_inputs, prep.n_actions)
    ds = WindowDataset(PreparedRecordings.build(data, prep), 120, config.hoa_window)
    batch = torch.utils.data.default_collate([ds[i] for i in range(len(ds))])
    return net, config, batch


def test_losses_are_finite_and_total_is_the_weighted_sum():
    net, config, batch = small_setup()
    losses = bams_losses(net, batch, config, hoa_frame_fraction=0.5, bootstrap_pairs=16)
    assert set(losses) == {"hoa", "short_term", "long_term", "total"}
    assert all(torch.isfinite(v) for v in losses.values())
    expected = 500 * losses["hoa"] + 0.5 * losses["short_term"] + 0.5 * losses["long_term"]
    torch.testing.assert_close(losses["total"], expected)


def test_missing_values_never_make_the_loss_nan():
    net, config, batch = small_setup()
    batch["inputs"][:, :, 30:60] = 0.0  # as preprocessing leaves missing frames
    batch["bins"][:, 25:70] = -1
    losses = bams_losses(net, batch, config, 1.0, 16)
    losses["total"].backward()
    assert torch.isfinite(losses["total"])
    assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)


def test_training_lowers_the_loss():
    net, config, batch = small_setup()
    optimizer = torch.optim.AdamW(net.parameters(), lr=3e-3)

    def evaluate():
        torch.manual_seed(123)  # same sampled frames and pairs each time
        net.eval()
        with torch.no_grad():
            return bams_losses(net, batch, config, 1.0, 16)

    before = evaluate()
    net.train()
    for _ in range(40):
        losses = bams_losses(net, batch, config, 0.5, 16)
        optimizer.zero_grad()
        losses["total"].backward()
        optimizer.step()
    after = evaluate()
    assert after["hoa"] < 0.8 * before["hoa"]
    assert after["total"] < 0.8 * before["total"]


def test_every_parameter_gets_a_gradient():
    net, config, batch = small_setup()
    bams_losses(net, batch, config, 0.5, 16)["total"].backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert missing == []
    assert np.isfinite(sum(float(p.grad.sum()) for p in net.parameters()))
