import torch

from bams.config import ModelConfig, from_dict
from bams.models import BAMSNetwork


def tiny_model_config() -> ModelConfig:
    return from_dict(
        ModelConfig,
        {
            "encoders": {
                "short_term": {"channels": [8, 8], "dilation_base": 2, "warmup": 4},
                "long_term": {
                    "channels": [8, 6],
                    "dilation_base": 4,
                    "warmup": 8,
                    "bootstrap_max_offset": None,
                },
            },
            "hoa_bins": 8,
            "hoa_window": 5,
            "hoa_warmup": 4,
            "predictor_hidden": [16],
        },
    )


def test_forward_shapes_and_sampled_outputs():
    torch.manual_seed(0)
    net = BAMSNetwork.from_config(tiny_model_config(), n_inputs=5, n_actions=3).eval()
    x = torch.randn(2, 5, 30)
    features = net(x)
    assert features["short_term"].shape == (2, 8, 30)
    assert features["long_term"].shape == (2, 6, 30)
    frames = torch.tensor([[3, 7, 29], [0, 1, 2]])
    pairs = {"short_term": (frames, frames + 0), "long_term": (frames, frames.flip(1))}
    out = net(x, hoa_frames=frames, pairs=pairs)
    assert out["hoa_logits"].shape == (2, 3, 3, 8)
    prediction, target = out["long_term"]
    assert prediction.shape == target.shape == (12, 6)
    # targets are the embeddings of the other frame of each pair
    torch.testing.assert_close(target[0], features["long_term"][0, :, 29])


def test_hoa_prediction_uses_the_selected_frames():
    torch.manual_seed(0)
    net = BAMSNetwork.from_config(tiny_model_config(), n_inputs=5, n_actions=2).eval()
    x = torch.randn(1, 5, 20)
    features = net.forward_features(x)
    all_frames = torch.arange(20).unsqueeze(0)
    full = net.predict_hoa(features, x, all_frames)
    some = net.predict_hoa(features, x, torch.tensor([[5, 11]]))
    torch.testing.assert_close(some[0, 0], full[0, 5])
    torch.testing.assert_close(some[0, 1], full[0, 11])


def test_receptive_fields_are_reported_per_latent():
    net = BAMSNetwork.from_config(tiny_model_config(), n_inputs=5, n_actions=2)
    assert net.receptive_fields == {"short_term": 13, "long_term": 21}


def test_the_predictor_activation_is_prelu_by_default_and_relu_on_request():
    config = tiny_model_config()
    config.predictor_hidden = [16, 16]
    net = BAMSNetwork.from_config(config, n_inputs=5, n_actions=2)
    config.predictor_activation = "relu"
    relu = BAMSNetwork.from_config(config, n_inputs=5, n_actions=2)
    kinds = [type(m) for m in relu.predictor]
    assert kinds.count(torch.nn.ReLU) == 2 and torch.nn.PReLU not in kinds
    prelus = [m for m in net.predictor if isinstance(m, torch.nn.PReLU)]
    assert len(prelus) == 2 and not any(isinstance(m, torch.nn.ReLU) for m in net.predictor)
    assert [p.weight.tolist() for p in prelus] == [[0.25], [0.25]]  # one slope per layer
    assert isinstance(net.predictor[-1], torch.nn.Linear)  # no activation after the last
    # The same linear layers, drawn in the same order.
    for a, b in zip(relu.predictor, net.predictor, strict=True):
        if isinstance(a, torch.nn.Linear):
            assert a.weight.shape == b.weight.shape


def test_the_relu_predictor_is_the_one_before_the_option():
    from torch import nn

    from bams.models.network import mlp

    torch.manual_seed(5)
    legacy = nn.Sequential(nn.Linear(7, 16), nn.ReLU(), nn.Linear(16, 2))  # before the option
    torch.manual_seed(5)
    predictor = mlp([7, 16, 2])
    assert [type(m) for m in predictor] == [type(m) for m in legacy]
    for key, value in legacy.state_dict().items():
        assert torch.equal(predictor.state_dict()[key], value)


def test_one_way_pairs_predict_the_second_frame_from_the_first():
    torch.manual_seed(0)
    net = BAMSNetwork.from_config(tiny_model_config(), n_inputs=5, n_actions=3).eval()
    x = torch.randn(2, 5, 30)
    features = net(x)
    first, second = torch.tensor([[3], [10]]), torch.tensor([[7], [29]])
    out = net(x, pairs={"short_term": (first, second)}, symmetric=False)
    prediction, target = out["short_term"]
    assert prediction.shape == target.shape == (2, 8)
    torch.testing.assert_close(target[1], features["short_term"][1, :, 29])
    head_input = torch.stack([features["short_term"][0, :, 3], features["short_term"][1, :, 10]])
    torch.testing.assert_close(prediction, net.heads["short_term"](head_input))


def test_heads_on_all_frames_normalize_over_the_whole_batch():
    torch.manual_seed(0)
    config = tiny_model_config()
    sampled = BAMSNetwork.from_config(config, n_inputs=5, n_actions=3)
    config.head_frames = "all"
    every = BAMSNetwork.from_config(config, n_inputs=5, n_actions=3)
    every.load_state_dict(sampled.state_dict())
    x = torch.randn(2, 5, 30)
    first, second = torch.tensor([[3], [10]]), torch.tensor([[7], [29]])
    pairs = {"short_term": (first, second)}
    for symmetric in (True, False):
        torch.manual_seed(1)
        expected_target = sampled(x, pairs=pairs, symmetric=symmetric)["short_term"][1]
        torch.manual_seed(1)
        prediction, target = every(x, pairs=pairs, symmetric=symmetric)["short_term"]
        torch.testing.assert_close(target, expected_target)
        assert prediction.shape == target.shape
    # The prediction at a frame is the head's output there with statistics from every frame.
    torch.manual_seed(1)
    features = every.forward_features(x)["short_term"]
    torch.manual_seed(1)
    prediction, _ = every(x, pairs=pairs, symmetric=False)["short_term"]
    full = every.heads["short_term"](features.transpose(1, 2).flatten(0, 1)).view(2, 30, -1)
    torch.testing.assert_close(prediction, torch.stack([full[0, 3], full[1, 10]]))
    with torch.no_grad():
        picked = sampled(x, pairs=pairs, symmetric=False)["short_term"][0]
    assert not torch.allclose(prediction, picked)  # batch norm over 2 frames differs
