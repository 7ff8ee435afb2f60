import numpy as np
import pytest
import torch

from bams import embedding
from bams.config import EmbedConfig, EncoderConfig
from bams.data import Recordings
from bams.embedding import (
    embed_recordings,
    iter_embeddings,
    load_embeddings,
    resolve_inference,
    save_embeddings,
)
from bams.models import BAMSNetwork
from bams.preprocessing import Preprocessor


@pytest.fixture
def network_and_data(rng):
    torch.manual_seed(0)
    lengths = [1000, 37, 400, 1]
    data = Recordings([rng.normal(size=(n, 4)).astype(np.float32) for n in lengths])
    data.sequences[0][100:130] = np.nan
    encoders = {
        "short_term": EncoderConfig(channels=[8, 8], dilation_base=2),
        "long_term": EncoderConfig(channels=[8, 8, 4], dilation_base=4),
    }
    prep = Preprocessor(n_bins=8).fit(data)
    net = BAMSNetwork(prep.n_inputs, prep.n_actions, encoders, n_bins=8, predictor_hidden=[8])
    return net.eval(), prep, data


def whole_sequence(net, prep, seq):
    x = torch.from_numpy(prep.transform_inputs(seq).T[None])
    with torch.no_grad():
        return {k: v[0].T.numpy() for k, v in net.forward_features(x).items()}


@pytest.mark.parametrize("chunk_length,max_batch_frames", [(97, 300), (16, 10_000), (5000, 64)])
def test_chunked_equals_whole_sequence(network_and_data, chunk_length, max_batch_frames):
    net, prep, data = network_and_data
    config = EmbedConfig(
        chunk_length=chunk_length,
        max_batch_frames=max_batch_frames,
        inference_precision="32",
        inference_device="cpu",
    )
    chunked = embed_recordings(net.encoders, prep, data, config)
    assert len(chunked) == len(data)
    for seq, got in zip(data.sequences, chunked, strict=True):
        expected = whole_sequence(net, prep, seq)
        for name in ("short_term", "long_term"):
            assert got[name].shape == (len(seq), net.encoders[name].out_channels)
            assert got[name].dtype == np.float32
            np.testing.assert_allclose(got[name], expected[name], atol=1e-5, rtol=0)


def test_chunk_without_overlap_would_differ(network_and_data):
    """Guards the test above: the overlap is what makes chunking exact."""
    net, prep, data = network_and_data
    seq = data.sequences[0]
    expected = whole_sequence(net, prep, seq)["long_term"]
    naive = whole_sequence(net, prep, seq[500:])["long_term"]
    assert np.abs(naive[:50] - expected[500:550]).max() > 1e-3


def test_bf16_is_close_to_fp32(network_and_data):
    net, prep, data = network_and_data
    fp32 = embed_recordings(net.encoders, prep, data, EmbedConfig(inference_precision="32"))
    bf16 = embed_recordings(net.encoders, prep, data, EmbedConfig(inference_precision="bf16"))
    a, b = fp32[0]["long_term"], bf16[0]["long_term"]
    assert np.abs(a - b).max() < 0.05 * np.abs(a).max()


def test_embedding_does_not_change_the_network(network_and_data):
    net, prep, data = network_and_data
    before = {k: v.clone() for k, v in net.state_dict().items()}
    embed_recordings(net.encoders, prep, data)
    after = net.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_incompatible_features_are_rejected(network_and_data, rng):
    net, prep, _ = network_and_data
    other = Recordings([rng.normal(size=(50, 5))])
    with pytest.raises(ValueError, match="Expected the features the model was trained on"):
        embed_recordings(net.encoders, prep, other)


def test_bad_chunking_is_rejected(network_and_data):
    net, prep, data = network_and_data
    with pytest.raises(ValueError, match="Expected chunk_length >= 1"):
        embed_recordings(net.encoders, prep, data, EmbedConfig(chunk_length=0))


def test_resolve_inference_choices():
    assert resolve_inference("cpu", "32") == (torch.device("cpu"), False)
    assert resolve_inference("cpu", "bf16") == (torch.device("cpu"), True)
    assert resolve_inference("cpu", "32-true") == (torch.device("cpu"), False)  # one vocabulary
    with pytest.raises(ValueError, match="Expected an inference precision among"):
        resolve_inference("cpu", "fp8")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="Expected a GPU for inference device 'cuda'"):
            resolve_inference("cuda", "32")


def test_save_and_load_embeddings_round_trip(tmp_path, rng):
    embeddings = [
        {
            "short_term": rng.normal(size=(n, 3)).astype(np.float32),
            "long_term": rng.normal(size=(n, 2)).astype(np.float32),
        }
        for n in (5, 9)
    ]
    path = save_embeddings(tmp_path / "emb.npz", embeddings, ["a", "b"])
    ids, loaded = load_embeddings(path)
    assert ids == ["a", "b"]
    for got, expected in zip(loaded, embeddings, strict=True):
        for name in expected:
            np.testing.assert_array_equal(got[name], expected[name])
    with pytest.raises(ValueError, match="Expected 2 ids"):
        save_embeddings(tmp_path / "x.npz", embeddings, ["a"])


def test_iter_embeddings_yields_each_recording_in_order_one_block_at_a_time(
    network_and_data, monkeypatch
):
    net, prep, data = network_and_data
    config = EmbedConfig(chunk_length=64, max_batch_frames=300, inference_precision="32")
    whole = embed_recordings(net.encoders, prep, data, EmbedConfig(inference_precision="32"))
    blocks = []
    original = embedding._embed_block
    monkeypatch.setattr(
        embedding,
        "_embed_block",
        lambda models, p, sequences, *rest: (
            blocks.append(len(sequences)) or original(models, p, sequences, *rest)
        ),
    )
    stream = iter_embeddings(net.encoders, prep, data, config)
    first = next(stream)
    assert blocks == [1]  # recording 0 (1,000 frames) is a block: nothing else computed yet
    rest = list(stream)
    assert blocks == [1, 2, 1]  # 37 + 400 frames reach 300; the last recording alone
    for want, have in zip(whole, [first, *rest], strict=True):
        for name in want:
            np.testing.assert_allclose(have[name], want[name], atol=1e-5, rtol=0)
