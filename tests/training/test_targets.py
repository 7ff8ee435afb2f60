import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bams.training.targets import hoa_targets


def reference_hoa(bins: np.ndarray, n_bins: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Slow frame-by-frame definition: histogram of the observed bins of frames t+1..t+window."""
    batch, length, n_actions = bins.shape
    histogram = np.zeros((batch, length, n_actions, n_bins))
    weight = np.zeros((batch, length, n_actions))
    for b in range(batch):
        for t in range(length):
            for a in range(n_actions):
                counts = np.zeros(n_bins)
                for s in range(t + 1, t + window + 1):
                    if s < length and bins[b, s, a] >= 0:
                        counts[bins[b, s, a]] += 1
                observed = counts.sum()
                if observed > 0:
                    histogram[b, t, a] = counts / observed
                weight[b, t, a] = observed / window
    return histogram, weight


@st.composite
def hoa_inputs(draw):
    batch = draw(st.integers(1, 3))
    length = draw(st.integers(1, 12))
    n_actions = draw(st.integers(1, 3))
    n_bins = draw(st.integers(1, 5))
    window = draw(st.integers(1, 15))  # often longer than the rest of the sequence
    missing = draw(st.floats(0.0, 1.0))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    bins = rng.integers(0, n_bins, size=(batch, length, n_actions))
    bins[rng.random(bins.shape) < missing] = -1
    return bins, n_bins, window


@settings(max_examples=100, deadline=None)
@given(hoa_inputs())
def test_matches_loop_reference(inputs):
    bins, n_bins, window = inputs
    histogram, weight = hoa_targets(torch.from_numpy(bins), n_bins, window)
    expected_histogram, expected_weight = reference_hoa(bins, n_bins, window)
    assert histogram.shape == expected_histogram.shape
    assert weight.shape == expected_weight.shape
    assert histogram.dtype == weight.dtype == torch.float32
    np.testing.assert_allclose(histogram.numpy(), expected_histogram, atol=1e-6)
    np.testing.assert_allclose(weight.numpy(), expected_weight, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(hoa_inputs(), st.data())
def test_frames_subset_matches_full_computation(inputs, data):
    bins, n_bins, window = inputs
    batch, length, _ = bins.shape
    n_frames = data.draw(st.integers(1, 2 * length))
    frames = data.draw(
        st.lists(
            st.lists(st.integers(0, length - 1), min_size=n_frames, max_size=n_frames),
            min_size=batch,
            max_size=batch,
        )
    )
    frames = torch.tensor(frames)
    full_histogram, full_weight = hoa_targets(torch.from_numpy(bins), n_bins, window)
    histogram, weight = hoa_targets(torch.from_numpy(bins), n_bins, window, frames=frames)
    assert histogram.shape == (batch, n_frames, bins.shape[2], n_bins)
    rows = torch.arange(batch).unsqueeze(1)
    torch.testing.assert_close(histogram, full_histogram[rows, frames])
    torch.testing.assert_close(weight, full_weight[rows, frames])


def test_random_batch_against_reference(rng):
    bins = rng.integers(-1, 6, size=(4, 40, 3))
    histogram, weight = hoa_targets(torch.from_numpy(bins).to(torch.int16), 6, 9)
    expected_histogram, expected_weight = reference_hoa(bins, 6, 9)
    np.testing.assert_allclose(histogram.numpy(), expected_histogram, atol=1e-6)
    np.testing.assert_allclose(weight.numpy(), expected_weight, atol=1e-6)
    # Histograms sum to 1 exactly where something was observed, 0 elsewhere.
    sums = histogram.sum(-1).numpy()
    np.testing.assert_allclose(sums, (expected_weight > 0).astype(float), atol=1e-6)


def test_docstring_example():
    bins = torch.tensor([[[0], [1], [0], [-1]]])
    histogram, weight = hoa_targets(bins, n_bins=2, window=2)
    assert histogram[0, :, 0].tolist() == [[0.5, 0.5], [1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    assert weight[0, :, 0].tolist() == [1.0, 0.5, 0.0, 0.0]


def test_target_looks_only_at_the_future():
    # Frame t's own bin and the past never enter its target.
    bins = torch.tensor([[[2], [2], [0], [1], [1]]])
    histogram, weight = hoa_targets(bins, n_bins=3, window=2)
    assert histogram[0, 1, 0].tolist() == [0.5, 0.5, 0.0]
    assert histogram[0, 2, 0].tolist() == [0.0, 1.0, 0.0]
    assert weight[0, :, 0].tolist() == [1.0, 1.0, 1.0, 0.5, 0.0]


def test_actions_are_independent():
    bins = torch.tensor([[[0, -1], [1, 2], [1, -1]]])
    histogram, weight = hoa_targets(bins, n_bins=3, window=2)
    assert histogram[0, 0, 0].tolist() == [0.0, 1.0, 0.0]
    assert histogram[0, 0, 1].tolist() == [0.0, 0.0, 1.0]
    assert weight[0, 0].tolist() == [1.0, 0.5]


@pytest.mark.parametrize("dtype", [torch.int16, torch.int32, torch.int64])
def test_integer_dtypes_agree(rng, dtype):
    bins = torch.from_numpy(rng.integers(-1, 4, size=(2, 15, 2)))
    expected = hoa_targets(bins, 4, 5)
    result = hoa_targets(bins.to(dtype), 4, 5)
    torch.testing.assert_close(result, expected)
