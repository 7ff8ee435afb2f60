import re

import numpy as np
import pytest

from bams.config import EncoderConfig, ModelConfig
from bams.data import Recordings
from bams.models import BAMSNetwork
from bams.preprocessing import Preprocessor
from bams.training.checks import check_training_frames
from bams.training.windows import PreparedRecordings


def prepared(rng, lengths, missing_after=None):
    """Tiny recordings of 3 features; ``missing_after``: feature 0 missing from that frame."""
    sequences = [rng.normal(size=(n, 3)) for n in lengths]
    if missing_after is not None:
        for seq in sequences:
            seq[missing_after:, 0] = np.nan
    data = Recordings(sequences)
    return PreparedRecordings.build(data, Preprocessor(n_bins=4).fit(data))


def tiny_config(hoa_warmup=4):
    return ModelConfig(
        encoders={
            "short_term": EncoderConfig(channels=[8, 8], dilation_base=2, warmup=4),
            "long_term": EncoderConfig(channels=[8, 8], dilation_base=4, warmup=8),
        },
        hoa_window=5,
        hoa_warmup=hoa_warmup,
    )


def test_two_one_frame_recordings_are_an_error(rng):
    expected = (
        "Expected recordings with usable frames after the warm-ups (hoa_warmup=4, encoder "
        "warm-ups short_term=4, long_term=8), but got none: the longest recording has 1 frame."
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        check_training_frames(prepared(rng, [1, 1]), tiny_config(), 30.0)


@pytest.mark.parametrize(
    ("lengths", "missing_after", "longest"),
    [
        ([4, 3], None, "4 frames"),  # nothing after hoa_warmup
        ([5, 2], None, "5 frames"),  # frame 4 only: the last frame, whose target is empty
        ([40, 30], 4, "40 frames"),  # every frame after the warm-up is incomplete
    ],
)
def test_no_usable_hoa_frame_is_an_error(rng, lengths, missing_after, longest):
    data = prepared(rng, lengths, missing_after)
    with pytest.raises(ValueError, match=f"but got none: the longest recording has {longest}"):
        check_training_frames(data, tiny_config(), 30.0)


def test_normal_data_give_no_message(rng):
    assert check_training_frames(prepared(rng, [100, 64, 300]), tiny_config(), 30.0) == []
    # The paper's settings on recordings longer than its long-term field (1365 frames).
    assert check_training_frames(prepared(rng, [1400, 2000]), ModelConfig(), 30.0) == []


def test_recordings_shorter_than_the_long_term_field_are_reported(rng):
    messages = check_training_frames(prepared(rng, [120, 500, 3000]), ModelConfig(), 30.0)
    assert messages == [
        "2 of 3 recordings are shorter than the long_term receptive field (1365 frames = 45.5 s "
        "at 30 Hz): their early frames see less context than the latent was trained for; "
        "shortest: 120 frames."
    ]


def test_the_largest_receptive_field_is_the_one_reported(rng):
    data = prepared(rng, [15, 30, 100])
    network = BAMSNetwork.from_config(tiny_config(), data.inputs.shape[0], data.bins.shape[1])
    assert network.receptive_fields == {"short_term": 13, "long_term": 21}
    default = check_training_frames(data, tiny_config(), 10.0)
    given = check_training_frames(data, tiny_config(), 10.0, network.receptive_fields)
    assert default == given
    assert given == [
        "1 of 3 recordings are shorter than the long_term receptive field (21 frames = 2.1 s at "
        "10 Hz): their early frames see less context than the latent was trained for; "
        "shortest: 15 frames."
    ]
    swapped = {"short_term": 50, "long_term": 21}
    (message,) = check_training_frames(data, tiny_config(), 10.0, swapped)
    assert message.startswith("2 of 3 recordings are shorter than the short_term receptive field")


def test_recordings_too_short_for_the_warmups_are_reported(rng):
    data = prepared(rng, [3, 6, 8, 100])
    messages = check_training_frames(data, tiny_config(hoa_warmup=5), 30.0)
    assert messages[0] == (
        "3 of 4 recordings are too short for the warm-ups (the first frames of each training "
        "window, left out of the losses): 1 is not longer than hoa_warmup (5 frames = 0.2 s at "
        "30 Hz) and gives no HoA sample; 1 is not longer than the short_term warmup (4 frames = "
        "0.1 s at 30 Hz) and gives no short_term bootstrap pair; 3 are not longer than the "
        "long_term warmup (8 frames = 0.3 s at 30 Hz) and give no long_term bootstrap pair; "
        "shortest: 3 frames."
    )
    assert len(messages) == 2 and "long_term receptive field (21 frames" in messages[1]
