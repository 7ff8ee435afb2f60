"""Checks that the training recordings are long enough for the warm-ups and receptive fields."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bams.config import ModelConfig
from bams.config.timescales import resolve_timescales
from bams.models import build_encoder
from bams.training.prepared import PreparedRecordings


def check_training_frames(
    prepared: PreparedRecordings,
    config: ModelConfig,
    frame_rate: float,
    receptive_fields: Mapping[str, int] | None = None,
) -> list[str]:
    """Check that the training data have frames the losses can use; return the warnings.

    The losses leave out the first frames of every training window (``hoa_warmup`` for the
    HoA loss, each encoder's ``warmup`` for its bootstrap loss), so a recording no longer
    than a warm-up gives that term no sample at all, and data where no recording has a usable
    HoA frame would "train" with every loss exactly 0. A usable HoA frame is valid (every
    feature observed), at or after ``hoa_warmup`` in its recording, and followed by an
    observed action within the next ``hoa_window`` frames of that recording (else its target
    is empty). Windows start anywhere in a recording longer than ``window_length`` (which the
    configuration checks keep longer than every warm-up), so each such frame is sampled.

    Meant to run once on the training data before training; each returned message is
    complete on its own, e.g. ``for message in check_training_frames(...):
    warnings.warn(message, stacklevel=2)``.

    Parameters
    ----------
    prepared
        The preprocessed training recordings (validity channel last in ``inputs``).
    config
        Warm-ups, HoA window and encoders (durations in seconds are converted with
        ``frame_rate``).
    frame_rate
        Frames per second, to give durations in the messages.
    receptive_fields
        ``{latent: frames}``, e.g. :attr:`bams.models.BAMSNetwork.receptive_fields` of the
        network about to be trained; default: built from ``config.encoders``.

    Returns
    -------
    list of str
        Warnings (empty when all is well): recordings too short for a warm-up, and recordings
        shorter than the largest receptive field.

    Raises
    ------
    ValueError
        If no recording has a usable HoA frame.
    """
    config = resolve_timescales(config, frame_rate)
    lengths = np.asarray(prepared.lengths, dtype=np.int64)
    if not _has_usable_hoa_frame(prepared, config):
        longest = int(lengths.max(initial=0))
        warmups = ", ".join(f"{name}={enc.warmup}" for name, enc in config.encoders.items())
        raise ValueError(
            f"Expected recordings with usable frames after the warm-ups (hoa_warmup="
            f"{config.hoa_warmup}, encoder warm-ups {warmups}), but got none: the longest "
            f"recording has {longest} frame{'' if longest == 1 else 's'}. A usable frame has "
            "every feature observed, comes at or after hoa_warmup, and is followed by an "
            f"observed action within hoa_window={config.hoa_window} frames."
        )
    if receptive_fields is None:
        n_inputs = prepared.n_inputs
        receptive_fields = {
            name: int(build_encoder(n_inputs, enc).receptive_field)
            for name, enc in config.encoders.items()
        }
    messages = [_warmup_message(lengths, config, frame_rate)]
    messages.append(_receptive_field_message(lengths, receptive_fields, frame_rate))
    return [message for message in messages if message]


def _has_usable_hoa_frame(prepared: PreparedRecordings, config: ModelConfig) -> bool:
    """Whether some recording has a usable HoA frame; reads one recording at a time."""
    return any(
        _usable_hoa_frames(prepared, config, rec).any() for rec in range(len(prepared.lengths))
    )


def _usable_hoa_frames(prepared: PreparedRecordings, config: ModelConfig, rec: int) -> np.ndarray:
    """``(T_rec,)`` bool: valid frames at or after ``hoa_warmup`` whose HoA target is not empty.

    One recording at a time, so that memory-mapped prepared data are never read whole.
    """
    inputs, bins = prepared.recording(rec)
    frame = np.arange(len(inputs))
    observed = np.concatenate([[0], np.cumsum((np.asarray(bins) >= 0).any(axis=1))])
    # Observed frames among t+1 .. min(t + hoa_window, last frame of the recording).
    last = np.minimum(frame + config.hoa_window, len(inputs) - 1)
    future = observed[last + 1] - observed[frame + 1]
    valid = np.asarray(inputs[:, -1]) > 0.5
    return valid & (frame >= config.hoa_warmup) & (future > 0)


def _duration(frames: int, frame_rate: float) -> str:
    return f"{frames} frames = {frames / frame_rate:.1f} s at {frame_rate:g} Hz"


def _warmup_message(lengths: np.ndarray, config: ModelConfig, frame_rate: float) -> str:
    """One message for every warm-up that some recordings are not longer than, or ''."""
    warmups = [("hoa_warmup", config.hoa_warmup, "HoA sample")]
    for name, enc in config.encoders.items():
        warmups.append((f"the {name} warmup", enc.warmup, f"{name} bootstrap pair"))
    parts = []
    for setting, warmup, sample in warmups:
        n_short = int((lengths <= warmup).sum())
        if n_short:
            be, give = ("is", "gives") if n_short == 1 else ("are", "give")
            parts.append(
                f"{n_short} {be} not longer than {setting} ({_duration(warmup, frame_rate)}) "
                f"and {give} no {sample}"
            )
    if not parts:
        return ""
    short = lengths[lengths <= max(warmup for _, warmup, _ in warmups)]
    return (
        f"{len(short)} of {len(lengths)} recordings are too short for the warm-ups (the first "
        f"frames of each training window, left out of the losses): {'; '.join(parts)}; "
        f"shortest: {int(short.min())} frames."
    )


def _receptive_field_message(
    lengths: np.ndarray, receptive_fields: Mapping[str, int], frame_rate: float
) -> str:
    """The message for recordings shorter than the largest receptive field, or ''."""
    if not receptive_fields:
        return ""
    name = max(receptive_fields, key=lambda n: receptive_fields[n])
    field = int(receptive_fields[name])
    short = lengths[lengths < field]
    if not len(short):
        return ""
    return (
        f"{len(short)} of {len(lengths)} recordings are shorter than the {name} receptive field "
        f"({_duration(field, frame_rate)}): their early frames see less context than the latent "
        f"was trained for; shortest: {int(short.min())} frames."
    )
