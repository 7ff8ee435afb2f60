import numpy as np
import pytest
import torch

import bams.training.objective as objective
from bams.config import EncoderConfig, ModelConfig
from bams.data import Recordings
from bams.models import BAMSNetwork
from bams.preprocessing import Preprocessor
from bams.sim.synthetic import make_synthetic
from bams.training.losses import bootstrap_loss, hoa_loss
from bams.training.objective import bams_losses, draw_samples, sample_frames
from bams.training.targets import hoa_targets
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


def small_config(hoa_warmup=8, warmups=(8, 16)):
    return ModelConfig(
        encoders={
            "short_term": EncoderConfig(
                channels=[16, 16], dilation_base=2, warmup=warmups[0], bootstrap_max_offset=5
            ),
            "long_term": EncoderConfig(
                channels=[16, 16], dilation_base=4, warmup=warmups[1], bootstrap_max_offset=None
            ),
        },
        hoa_bins=8,
        hoa_window=10,
        hoa_warmup=hoa_warmup,
        predictor_hidden=[32],
    )


def windows_batch(data, config, window_length=120):
    prep = Preprocessor(config.hoa_bins).fit(data)
    net = BAMSNetwork.from_config(config, prep.n_inputs, prep.n_actions)
    ds = WindowDataset(PreparedRecordings.build(data, prep), window_length, config.hoa_window)
    batch = torch.utils.data.default_collate([ds[i] for i in range(len(ds))])
    return net, batch


def small_setup(seed=0, missing_rate=0.005):
    torch.manual_seed(seed)
    data = make_synthetic(8, 400, missing_rate=missing_rate, seed=seed)
    config = small_config()
    net, batch = windows_batch(data, config)
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


def old_bams_losses(network, batch, config, hoa_frame_fraction=1.0, bootstrap_pairs=64):
    """The objective before warm-up frames were excluded from refilled samples (reference)."""
    x, bins = batch["inputs"], batch["bins"]
    length = x.shape[-1]
    valid = x[:, -1] > 0.5
    position = torch.arange(length, device=x.device)
    n_hoa = max(1, min(length, round(hoa_frame_fraction * (length - config.hoa_warmup))))
    hoa_frames = sample_frames(valid & (position >= config.hoa_warmup), n_hoa)
    pairs, pair_weights = {}, {}
    for name, enc in config.encoders.items():
        allowed = valid & (position >= enc.warmup)
        n_pairs = min(bootstrap_pairs, length)
        first = sample_frames(allowed, n_pairs)
        if enc.bootstrap_max_offset is None:
            second = sample_frames(allowed, n_pairs)
        else:
            offset = torch.randint_like(first, 0, enc.bootstrap_max_offset + 1)
            second = (first + offset).clamp(max=length - 1)
        pairs[name] = (first, second)
        ok = (allowed.gather(1, first) & valid.gather(1, second)).flatten().to(torch.float32)
        pair_weights[name] = torch.cat([ok, ok])
    out = network(x, hoa_frames=hoa_frames, pairs=pairs)
    target, weight = hoa_targets(bins, config.hoa_bins, config.hoa_window, hoa_frames)
    weight = weight * valid.gather(1, hoa_frames).unsqueeze(-1)
    losses = {"hoa": hoa_loss(out["hoa_logits"], target, weight)}
    total = config.hoa_weight * losses["hoa"]
    for name, enc in config.encoders.items():
        prediction, paired = out[name]
        losses[name] = bootstrap_loss(prediction, paired, pair_weights[name])
        total = total + enc.bootstrap_weight * losses[name]
    losses["total"] = total
    return losses


@pytest.mark.parametrize(("fraction", "pairs"), [(0.5, 16), (1.0, 16), (0.25, 64), (1.0, 104)])
def test_fully_usable_batches_give_bit_identical_losses_and_gradients(fraction, pairs):
    net, config, batch = small_setup(missing_rate=0.0)
    assert (batch["inputs"][:, -1] == 1).all()
    results = []
    for function in (old_bams_losses, bams_losses):
        torch.manual_seed(7)  # same draws (samples, dropout) for both
        net.zero_grad()
        losses = function(net, batch, config, fraction, pairs)
        losses["total"].backward()
        results.append((losses, [p.grad.clone() for p in net.parameters()]))
    (old, old_grads), (new, new_grads) = results
    assert set(old) == set(new)
    assert all(torch.equal(old[k], new[k]) for k in old)
    assert all(torch.equal(a, b) for a, b in zip(old_grads, new_grads, strict=True))


def tiny_recordings_batch(length, n_recordings=2, hoa_warmup=5, warmups=(8, 8), seed=0):
    rng = np.random.default_rng(seed)
    data = Recordings([rng.normal(size=(length, 3)) for _ in range(n_recordings)])
    config = small_config(hoa_warmup=hoa_warmup, warmups=warmups)
    torch.manual_seed(seed)
    net, batch = windows_batch(data, config, window_length=10)
    return net, config, batch


def test_recordings_inside_the_hoa_warmup_give_an_hoa_loss_of_exactly_zero():
    # Two 3-frame recordings, hoa_warmup=5: no frame may be an HoA sample. The old objective
    # refilled the HoA samples with the valid warm-up frames and gave them weight.
    net, config, batch = tiny_recordings_batch(3)
    torch.manual_seed(0)
    assert old_bams_losses(net, batch, config)["hoa"] > 0.05
    torch.manual_seed(0)
    counts = {}
    losses = bams_losses(net, batch, config, counts=counts)
    losses["total"].backward()
    assert counts == {"hoa": 0, "short_term": 0, "long_term": 0}
    assert all(value.item() == 0.0 for value in losses.values())
    assert all(torch.equal(p.grad, torch.zeros_like(p.grad)) for p in net.parameters())


def test_bootstrap_terms_count_even_when_the_hoa_term_is_empty():
    net, config, batch = tiny_recordings_batch(4, hoa_warmup=5, warmups=(1, 2))
    counts = {}
    losses = bams_losses(net, batch, config, counts=counts)
    assert losses["hoa"].item() == 0.0 and counts["hoa"] == 0
    assert counts["short_term"] > 0 and counts["long_term"] > 0
    assert losses["short_term"] > 0 and losses["long_term"] > 0


def short_window_valid(batch=4, length=40, usable=12):
    """Windows of a recording of ``usable`` frames padded to ``length`` with invalid frames."""
    valid = torch.zeros(batch, length, dtype=torch.bool)
    valid[:, :usable] = True
    valid[1, 9] = False  # and a missing frame after the warm-up
    return valid


def test_refilled_samples_are_marked_as_disallowed():
    valid = short_window_valid()
    config = small_config(hoa_warmup=8, warmups=(8, 8))
    torch.manual_seed(0)
    samples = draw_samples(valid, config, 1.0, 16)
    usable = valid & (torch.arange(40) >= 8)  # 4 frames per row (3 in row 1), 32 HoA drawn
    assert samples.hoa_frames.shape == (4, 32)
    torch.testing.assert_close(samples.hoa_allowed, usable.gather(1, samples.hoa_frames))
    # Every usable frame is drawn once, and nothing else is allowed.
    for row in range(4):
        drawn = samples.hoa_frames[row][samples.hoa_allowed[row]]
        assert sorted(drawn.tolist()) == torch.nonzero(usable[row]).flatten().tolist()
    for name in config.encoders:
        first, second = samples.pairs[name]
        both = usable.gather(1, first) & usable.gather(1, second)
        torch.testing.assert_close(samples.pair_allowed[name], both)
    # The any-pair latent draws its second frames among refills too: some land on valid
    # warm-up frames, which the old objective counted.
    first, second = samples.pairs["long_term"]
    refilled_in_warmup = usable.gather(1, first) & valid.gather(1, second) & (second < 8)
    assert refilled_in_warmup.any()
    assert not samples.pair_allowed["long_term"][refilled_in_warmup].any()
    assert samples.counts() == {
        "hoa": 15,
        "short_term": int(samples.pair_allowed["short_term"].sum()),
        "long_term": int(samples.pair_allowed["long_term"].sum()),
    }


def test_losses_put_weight_on_allowed_samples_only_and_average_over_them(monkeypatch):
    net, _, batch = small_setup(missing_rate=0.0)
    config = small_config(hoa_warmup=8, warmups=(8, 8))  # same network, other warm-ups
    valid = short_window_valid(length=120)
    batch = {"inputs": batch["inputs"][:4].clone(), "bins": batch["bins"][:4]}
    batch["inputs"][:, :, :] *= valid.unsqueeze(1)  # as preprocessing leaves padding: zeros
    usable = valid & (torch.arange(120) >= 8)
    seen = {}

    def record(key, function):
        def wrapped(*args):
            seen[key] = (*args, function(*args))
            return seen[key][-1]

        return wrapped

    monkeypatch.setattr(objective, "hoa_loss", record("hoa", hoa_loss))
    monkeypatch.setattr(objective, "bootstrap_loss", record("pairs", bootstrap_loss))
    monkeypatch.setattr(objective, "draw_samples", record("draw", draw_samples))
    torch.manual_seed(0)
    losses = bams_losses(net, batch, config, 1.0, 16)
    frames = seen["draw"][-1].hoa_frames
    logits, target, weight, _ = seen["hoa"]
    allowed = usable.gather(1, frames)
    assert not allowed.all() and (weight[~allowed] == 0).all()
    expected = hoa_loss(logits[allowed], target[allowed], weight[allowed])
    torch.testing.assert_close(losses["hoa"], expected)
    # The last bootstrap call is the long_term (any-pair) latent: mean over allowed pairs.
    prediction, paired, pair_weight, _ = seen["pairs"]
    kept = pair_weight > 0
    assert 0 < kept.sum() < len(kept)
    expected = 1 - torch.cosine_similarity(prediction[kept], paired[kept].detach(), dim=-1)
    torch.testing.assert_close(losses["long_term"], expected.mean())


def old_draw_samples(valid, config, hoa_frame_fraction, bootstrap_pairs):
    """The sampling before bootstrap_min_offset existed (reference for the unset option)."""
    length = valid.shape[1]
    position = torch.arange(length)
    n_hoa = max(1, min(length, round(hoa_frame_fraction * (length - config.hoa_warmup))))
    allowed = valid & (position >= config.hoa_warmup)
    hoa_frames = sample_frames(allowed, n_hoa)
    pairs, pair_allowed = {}, {}
    for name, enc in config.encoders.items():
        allowed_pair = valid & (position >= enc.warmup)
        n_pairs = min(bootstrap_pairs, length)
        first = sample_frames(allowed_pair, n_pairs)
        if enc.bootstrap_max_offset is None:
            second = sample_frames(allowed_pair, n_pairs)
        else:
            offset = torch.randint_like(first, 0, enc.bootstrap_max_offset + 1)
            second = (first + offset).clamp(max=length - 1)
        pairs[name] = (first, second)
        pair_allowed[name] = allowed_pair.gather(1, first) & allowed_pair.gather(1, second)
    return hoa_frames, allowed.gather(1, hoa_frames), pairs, pair_allowed


def test_without_a_min_offset_the_draws_are_the_old_ones():
    valid = short_window_valid(length=120, usable=100)
    config = small_config()
    results = []
    for function in (old_draw_samples, draw_samples):
        torch.manual_seed(11)
        out = function(valid, config, 0.5, 32)
        results.append(out if isinstance(out, tuple) else tuple(vars(out).values()))
        results[-1] += (torch.rand(3),)  # and the generator is left in the same state
    old, new = results
    assert torch.equal(old[0], new[0]) and torch.equal(old[1], new[1])
    assert torch.equal(old[4], new[4])
    for name in config.encoders:
        assert all(torch.equal(a, b) for a, b in zip(old[2][name], new[2][name], strict=True))
        assert torch.equal(old[3][name], new[3][name])


def min_offset_config(min_offset, max_offset=None, warmup=10):
    config = small_config(warmups=(warmup, warmup))
    for enc in config.encoders.values():
        enc.bootstrap_min_offset = min_offset
        enc.bootstrap_max_offset = max_offset
    return config


def test_min_offset_pairs_are_far_apart_after_the_warmup():
    valid = torch.ones(8, 60, dtype=torch.bool)
    valid[2, 30:40] = False  # a gap: pairs touching it are disallowed, as without the option
    torch.manual_seed(0)
    samples = draw_samples(valid, min_offset_config(15), 1.0, 50)
    first, second = samples.pairs["long_term"]
    ok = samples.pair_allowed["long_term"]
    assert ok.float().mean() > 0.8
    assert ((first - second).abs()[ok] >= 15).all()
    assert (second[ok] >= 10).all() and (first[ok] >= 10).all()
    assert ((second < first) & ok).any() and ((second > first) & ok).any()
    assert not (ok & ~valid.gather(1, second)).any()


def test_min_offset_second_frames_are_uniform_on_both_sides():
    # first = 30, warm-up 10, min offset 15, window 60: positions 10-15 and 45-59.
    first = torch.full((200, 105), 30)
    torch.manual_seed(0)
    second = objective.far_frames(first, 15, 10, 60)
    counts = torch.bincount(second.flatten(), minlength=60).float()
    allowed = torch.zeros(60, dtype=torch.bool)
    allowed[10:16] = allowed[45:60] = True
    assert counts[~allowed].sum() == 0
    expected = first.numel() / 21
    chi_square = float(((counts[allowed] - expected) ** 2 / expected).sum())
    assert chi_square < 45  # 20 degrees of freedom: p < 0.002 for a uniform draw
    assert abs(float(counts[10:16].sum()) / first.numel() - 6 / 21) < 0.01


def test_frames_with_no_position_far_enough_give_disallowed_pairs():
    valid = torch.ones(4, 20, dtype=torch.bool)
    torch.manual_seed(0)
    samples = draw_samples(valid, min_offset_config(10, warmup=5), 1.0, 15)
    first, second = samples.pairs["long_term"]
    ok = samples.pair_allowed["long_term"]
    # From first in 10..14 no frame of 5..19 is 10 away: the pair has second = first.
    stuck = (first >= 10) & (first <= 14)
    assert stuck.any() and torch.equal(second[stuck], first[stuck]) and not ok[stuck].any()
    assert ok[~stuck].all() and ((first - second).abs()[~stuck] >= 10).all()


def test_a_min_and_max_offset_draw_forward_offsets_between_them():
    valid = torch.ones(8, 200, dtype=torch.bool)
    torch.manual_seed(0)
    samples = draw_samples(valid, min_offset_config(5, max_offset=9), 1.0, 100)
    first, second = samples.pairs["long_term"]
    ok = samples.pair_allowed["long_term"]
    offsets = (second - first)[ok]
    assert ((offsets >= 5) & (offsets <= 9)).all()
    assert set(offsets.tolist()) == {5, 6, 7, 8, 9}
    assert not ok[(second - first) < 5].any()  # clamped at the window's end
