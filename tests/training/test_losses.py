import math

import pytest
import torch

from bams.training.losses import bootstrap_loss, hoa_loss


def randn(rng, *shape):
    return torch.as_tensor(rng.normal(size=shape), dtype=torch.float32)


def rand(rng, *shape):
    return torch.as_tensor(rng.random(size=shape), dtype=torch.float32)


def random_histograms(rng, *shape):
    return torch.softmax(randn(rng, *shape), dim=-1)


# ---------------------------------------------------------------------- hoa_loss
def test_hoa_loss_is_zero_when_prediction_equals_target(rng):
    target = random_histograms(rng, 5, 3, 8)
    weight = rand(rng, 5, 3)
    loss = hoa_loss(target.log(), target, weight)
    assert loss.shape == ()
    assert loss.item() == pytest.approx(0.0, abs=1e-12)


def test_hoa_loss_is_invariant_to_a_logit_shift(rng):
    logits = randn(rng, 4, 2, 6)
    target = random_histograms(rng, 4, 2, 6)
    weight = torch.ones(4, 2)
    torch.testing.assert_close(
        hoa_loss(logits + 3.0, target, weight), hoa_loss(logits, target, weight)
    )


def test_hoa_loss_hand_computed_value():
    # Uniform prediction over 2 bins: CDF (0.5, 1). Target all in bin 0: CDF (1, 1).
    # Mean over bins of squared CDF differences: (0.25 + 0) / 2 = 0.125.
    logits = torch.zeros(1, 1, 2)
    target = torch.tensor([[[1.0, 0.0]]])
    assert hoa_loss(logits, target, torch.ones(1, 1)).item() == pytest.approx(0.125)


def test_hoa_loss_weighted_mean_hand_computed():
    # Prediction (0.5, 0.5, 0) for both items. Item 1: target (0, 0, 1), CDFs (0.5, 1, 1)
    # and (0, 0, 1) -> (0.25 + 1 + 0) / 3 = 5/12.
    logits = torch.tensor([[0.0, 0.0, -math.inf], [0.0, 0.0, -math.inf]])
    target = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    item0 = 0.25 / 3  # with three bins: CDFs (0.5, 1, 1) and (1, 1, 1)
    item1 = 5 / 12
    weight = torch.tensor([0.25, 0.75])
    expected = 0.25 * item0 + 0.75 * item1  # the weights sum to 1
    assert hoa_loss(logits, target, weight).item() == pytest.approx(expected)
    weight = torch.tensor([2.0, 2.0])
    assert hoa_loss(logits, target, weight).item() == pytest.approx((item0 + item1) / 2)


def test_hoa_loss_penalizes_distant_bins_more():
    # Unlike a per-bin distance, the CDF distance grows with how far the mass is moved.
    target = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    near = torch.tensor([[0.0, 30.0, -30.0, -30.0]])
    far = torch.tensor([[-30.0, -30.0, -30.0, 30.0]])
    weight = torch.ones(1)
    assert hoa_loss(far, target, weight) > 2 * hoa_loss(near, target, weight)


def test_hoa_loss_ignores_zero_weight_items(rng):
    logits = randn(rng, 6, 2, 5)
    target = random_histograms(rng, 6, 2, 5)
    weight = rand(rng, 6, 2)
    weight[2:4] = 0.0
    base = hoa_loss(logits, target, weight)
    changed_logits, changed_target = logits.clone(), target.clone()
    changed_logits[2:4] = 100.0 * randn(rng, 2, 2, 5)
    changed_target[2:4] = torch.zeros(2, 2, 5)
    torch.testing.assert_close(hoa_loss(changed_logits, changed_target, weight), base)
    kept = torch.tensor([0, 1, 4, 5])
    torch.testing.assert_close(hoa_loss(logits[kept], target[kept], weight[kept]), base)


def test_hoa_loss_all_zero_weights_is_zero_not_nan(rng):
    logits = randn(rng, 3, 2, 4).requires_grad_()
    target = random_histograms(rng, 3, 2, 4)
    loss = hoa_loss(logits, target, torch.zeros(3, 2))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.equal(logits.grad, torch.zeros_like(logits))


def test_hoa_loss_gradient_and_half_precision_logits(rng):
    logits = randn(rng, 4, 1, 3)
    target = random_histograms(rng, 4, 1, 3)
    weight = torch.ones(4, 1)
    half = logits.to(torch.bfloat16).requires_grad_()
    loss = hoa_loss(half, target, weight)
    assert loss.dtype == torch.float32
    loss.backward()
    assert half.grad is not None and half.grad.abs().sum() > 0


# ---------------------------------------------------------------------- bootstrap_loss
def test_bootstrap_loss_zero_when_prediction_equals_target(rng):
    x = randn(rng, 8, 16)
    assert bootstrap_loss(x, x.clone()).item() == pytest.approx(0.0, abs=1e-6)
    # Only the direction matters.
    assert bootstrap_loss(3.0 * x, x).item() == pytest.approx(0.0, abs=1e-6)


def test_bootstrap_loss_hand_computed_values():
    prediction = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    target = torch.tensor([[0.0, 2.0], [-1.0, 0.0], [5.0, 0.0], [1.0, 0.0]])
    # 1 - cos: orthogonal 1, opposite 2, same 0, 45 degrees 1 - 1/sqrt(2).
    per_pair = [1.0, 2.0, 0.0, 1.0 - 1.0 / math.sqrt(2.0)]
    assert bootstrap_loss(prediction, target).item() == pytest.approx(sum(per_pair) / 4)
    weight = torch.tensor([1.0, 3.0, 0.0, 0.0])
    assert bootstrap_loss(prediction, target, weight).item() == pytest.approx(7.0 / 4.0)


def test_bootstrap_loss_ignores_zero_weight_pairs(rng):
    prediction = randn(rng, 6, 4)
    target = randn(rng, 6, 4)
    weight = torch.tensor([1.0, 0.0, 0.5, 0.0, 2.0, 1.0])
    base = bootstrap_loss(prediction, target, weight)
    other_prediction, other_target = prediction.clone(), target.clone()
    other_prediction[[1, 3]] = randn(rng, 2, 4)
    other_target[[1, 3]] = -other_prediction[[1, 3]]
    torch.testing.assert_close(bootstrap_loss(other_prediction, other_target, weight), base)


def test_bootstrap_loss_all_zero_weights(rng):
    prediction = randn(rng, 3, 4)
    loss = bootstrap_loss(prediction, -prediction, torch.zeros(3))
    assert loss.item() == 0.0


def test_no_gradient_flows_into_the_bootstrap_target(rng):
    prediction = randn(rng, 5, 8).requires_grad_()
    target = randn(rng, 5, 8).requires_grad_()
    bootstrap_loss(prediction, target).backward()
    assert target.grad is None
    assert prediction.grad is not None
    assert prediction.grad.abs().sum() > 0


def test_gradient_flows_to_the_prediction_only_through_a_shared_encoder(rng):
    # As in BAMS, prediction and target come from the same network; only the prediction
    # path carries gradient, so the gradient equals that of a loss with a frozen target.
    encoder = torch.nn.Linear(4, 3)
    x = randn(rng, 6, 4)
    loss = bootstrap_loss(encoder(x[:3]), encoder(x[3:]))
    loss.backward()
    shared = encoder.weight.grad.clone()
    encoder.zero_grad()
    with torch.no_grad():
        frozen = encoder(x[3:])
    bootstrap_loss(encoder(x[:3]), frozen).backward()
    torch.testing.assert_close(encoder.weight.grad, shared)


def test_bootstrap_loss_half_precision_inputs(rng):
    prediction = randn(rng, 4, 8)
    target = randn(rng, 4, 8)
    expected = bootstrap_loss(prediction, target)
    result = bootstrap_loss(prediction.to(torch.bfloat16), target.to(torch.bfloat16))
    assert result.dtype == torch.float32
    assert result.item() == pytest.approx(expected.item(), abs=0.02)
