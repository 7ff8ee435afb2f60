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
