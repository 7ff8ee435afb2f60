"""The moving-average target encoders (``target_ema``)."""

import torch

from bams import BAMS
from bams.config import EncoderConfig, ModelConfig
from bams.models import BAMSNetwork
from bams.preprocessing import Preprocessor
from bams.sim.synthetic import make_synthetic
from bams.training.checkpoint import load_checkpoint
from bams.training.ema import EmaTarget
from bams.training.objective import bams_losses
from bams.training.windows import PreparedRecordings, WindowDataset


def small_config():
    return ModelConfig(
        encoders={
            "short_term": EncoderConfig(
                channels=[16, 16], dilation_base=2, warmup=8, bootstrap_max_offset=5
            ),
            "long_term": EncoderConfig(
                channels=[16, 16], dilation_base=4, warmup=16, bootstrap_max_offset=None
            ),
        },
        hoa_bins=8,
        hoa_window=10,
        hoa_warmup=8,
        predictor_hidden=[32],
    )


def windows_batch(data, config, window_length=120):
    prep = Preprocessor(config.hoa_bins).fit(data)
    net = BAMSNetwork.from_config(config, prep.n_inputs, prep.n_actions)
    ds = WindowDataset(PreparedRecordings.build(data, prep), window_length, config.hoa_window)
    return net, torch.utils.data.default_collate([ds[i] for i in range(len(ds))])


def tiny_network():
    torch.manual_seed(0)
    return BAMSNetwork.from_config(small_config(), 5, 2)


def test_the_copy_moves_towards_the_online_weights_by_the_expected_amount():
    network = tiny_network()
    ema = EmaTarget(network.encoders, 0.9)
    before = {k: v.clone() for k, v in ema.state_dict().items()}
    assert all(torch.equal(before[k], v) for k, v in network.encoders.state_dict().items())
    assert not any(p.requires_grad for p in ema.target.parameters())
    with torch.no_grad():
        for p in network.encoders.parameters():
            p.add_(torch.randn_like(p))
    ema.update()
    online = network.encoders.state_dict()
    for key, value in ema.state_dict().items():
        torch.testing.assert_close(value, 0.9 * before[key] + 0.1 * online[key])
        assert not torch.equal(value, online[key])
    zero = EmaTarget(network.encoders, 0.0)
    zero.update()
    assert all(torch.equal(zero.state_dict()[k], v) for k, v in online.items())


def test_target_features_give_the_targets_and_leave_the_predictions():
    network = tiny_network().eval()
    x = torch.randn(3, 5, 40)
    pairs = {"short_term": (torch.tensor([[20, 25]] * 3), torch.tensor([[22, 30]] * 3))}
    plain = network(x, pairs=pairs)["short_term"]
    same = network(x, pairs=pairs, target_features=network.forward_features(x))["short_term"]
    assert all(torch.equal(a, b) for a, b in zip(plain, same, strict=True))
    other = {"short_term": torch.randn(3, 16, 40)}
    prediction, target = network(x, pairs=pairs, target_features=other)["short_term"]
    assert torch.equal(prediction, plain[0])
    torch.testing.assert_close(
        target[:6], other["short_term"][:, :, [22, 30]].transpose(1, 2).flatten(0, 1)
    )


def test_training_with_target_ema_lowers_the_loss():
    torch.manual_seed(0)
    config = small_config()
    net, batch = windows_batch(make_synthetic(3, 200, seed=0), config)
    ema = EmaTarget(net.encoders, 0.9)
    optimizer = torch.optim.AdamW(net.parameters(), lr=3e-3)

    def losses():
        return bams_losses(
            net, batch, config, 0.5, 16, target_features=ema.features(batch["inputs"])
        )

    def evaluate():
        torch.manual_seed(123)
        net.eval()
        with torch.no_grad():
            return losses()

    before = evaluate()
    net.train()
    for _ in range(12):
        total = losses()["total"]
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        ema.update()
    after = evaluate()
    assert after["total"] < 0.8 * before["total"]
    online = net.encoders.state_dict()  # the copy followed, lagging behind
    assert any(not torch.equal(v, online[k]) for k, v in ema.state_dict().items())


def test_checkpoints_keep_the_target_and_resume_continues_it(small_data, tiny_params, tmp_path):
    params = {
        **tiny_params,
        "max_steps": None,
        "epochs": 1,
        "checkpoint_every": 1,
        "target_ema": 0.8,
        "lr_decay_at": [],  # the same schedule for 1 + 1 epochs as for 2
        "input_noise": 0.1,  # with the other options: they compose and resume too
        "input_dropout": 0.1,
        "output_dir": tmp_path / "run",
    }
    data = small_data.subset([0, 1, 2])  # 2 steps per epoch
    params["encoders"]["long_term"]["bootstrap_min_offset"] = 20
    BAMS(**params).fit(data)
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"
    first = load_checkpoint(last)
    encoders = {
        k[len("encoders.") :]: v for k, v in first["network"].items() if k.startswith("encoders.")
    }
    assert set(first["target_ema"]) == set(encoders)
    assert any(not torch.equal(first["target_ema"][k], v) for k, v in encoders.items())

    BAMS(**{**params, "epochs": 2}).fit(data, resume=True)
    resumed = load_checkpoint(last)["target_ema"]
    params["output_dir"] = tmp_path / "straight"
    BAMS(**{**params, "epochs": 2}).fit(data)
    straight = load_checkpoint(tmp_path / "straight" / "checkpoints" / "last.ckpt")["target_ema"]
    assert all(torch.equal(resumed[k], v) for k, v in straight.items())
