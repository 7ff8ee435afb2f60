"""The ablations of the quality study: each changes one setting of a domain's default run.

A variant is ``(params, data) -> (params, data)``, or ``None`` where it does not apply to the
domain (e.g. the decision-input encodings outside the bandit). The training budget is not a
variant: it is the study's ``--minutes``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from bams import BAMS, Recordings
from bams.config import resolve_timescales

Variant = Callable[[dict, Recordings], tuple[dict, Recordings] | None]


def _resolved(params: dict, data: Recordings):
    """The model configuration ``params`` give on ``data``, every timescale in frames."""
    return resolve_timescales(BAMS(**params).get_config().model, data.frame_rate)


def _set(**changes) -> Variant:
    return lambda params, data: ({**params, **changes}, data)


def _hoa_window(factor: float) -> Variant:
    def change(params, data):
        frames = _resolved(params, data).hoa_window
        return {**params, "hoa_window": max(1, round(factor * frames))}, data

    return change


def _latent_width(factor: float) -> Variant:
    """Every encoder's output channels (its last block) times ``factor``."""

    def change(params, data):
        encoders = copy.deepcopy(_resolved(params, data).encoders)
        for enc in encoders.values():
            enc.channels = [*enc.channels[:-1], int(enc.channels[-1] * factor)]
        return {**params, "encoders": encoders}, data

    return change


def _every_encoder(**changes) -> Variant:
    """Set ``changes`` on every encoder (their timescales resolved first)."""

    def change(params, data):
        encoders = copy.deepcopy(_resolved(params, data).encoders)
        for enc in encoders.values():
            for key, value in changes.items():
                setattr(enc, key, value)
        return {**params, "encoders": encoders}, data

    return change


REFERENCE_ENCODER = {
    "weight_norm": "second",
    "init": "reference",
    "prelu": "shared",
    "residual_activation": "prelu",
}
"""The reference code's encoder blocks (docs/method.md)."""
REFERENCE_TRAINING = {
    "predictor_activation": "prelu",
    "head_frames": "all",
    "bootstrap_sampling": "reference",
    "grad_clip_norm": None,
}
"""The reference code's predictor, heads, pair sampling and (no) gradient clipping."""


def _reference_all(params, data):
    params, data = _every_encoder(**REFERENCE_ENCODER)(params, data)
    return {**params, **REFERENCE_TRAINING}, data


def _long_term_pairs_apart(seconds: float) -> Variant:
    """Long-term bootstrap pairs at least ``seconds`` apart (at most a third of a window)."""

    def change(params, data):
        model = _resolved(params, data)
        window = BAMS(**params).get_config().train.window_length
        encoders = copy.deepcopy(model.encoders)
        room = window - encoders["long_term"].warmup
        encoders["long_term"].bootstrap_min_offset = max(
            1, min(round(seconds * data.frame_rate), room // 3)
        )
        return {**params, "encoders": encoders}, data

    return change


def _all_actions(params, data):
    """Every feature is an action (a histogram of each is predicted)."""
    if list(data.actions) == list(data.feature_names):
        return None
    return params, _with(data, actions=list(data.feature_names))


def _bandit_only(change: Callable[[Recordings], Recordings]) -> Variant:
    def variant(params, data):
        if not any(n.startswith("choice_") for n in data.feature_names):
            return None
        return params, change(data)

    return variant


def _trial_index(data: Recordings) -> Recordings:
    """Adds the trial's position in its session (0 to 1) as an input feature."""
    sequences = [
        np.column_stack([s, np.linspace(0, 1, len(s), dtype=np.float32)]) for s in data.sequences
    ]
    return _with(data, sequences=sequences, feature_names=[*data.feature_names, "trial_index"])


def _without_reaction_time(data: Recordings) -> Recordings:
    keep = [i for i, n in enumerate(data.feature_names) if n != "log_rt"]
    names = [data.feature_names[i] for i in keep]
    return _with(
        data,
        sequences=[s[:, keep] for s in data.sequences],
        feature_names=names,
        actions=[a for a in data.actions if a in names],
    )


def _mouse_actions_9(params, data):
    """The reference code's 9 mouse actions: ours (speeds and turning rates of the head and
    body centres, spine length rate) plus the direction of each centre's velocity and its rate
    of change (world frame, radians, fed raw as the reference does; its head y-velocity bug,
    y computed from x, is not copied)."""
    names = list(data.feature_names)
    needed = ("head_forward_velocity", "body_forward_velocity", "body_cos", "body_sin")
    if not all(n in names for n in needed):
        return None
    from bams.features.kinematics import angular_velocity, wrap_angle

    index = {n: i for i, n in enumerate(names)}
    added = []
    sequences = []
    for seq in data.sequences:
        heading = np.arctan2(seq[:, index["body_sin"]], seq[:, index["body_cos"]])
        columns = []
        for centre in ("head", "body"):
            forward = seq[:, index[f"{centre}_forward_velocity"]]
            lateral = seq[:, index[f"{centre}_lateral_velocity"]]
            direction = wrap_angle(np.arctan2(lateral, forward) + heading)
            columns += [direction, angular_velocity(direction, data.frame_rate)]
        sequences.append(np.column_stack([seq, *columns]).astype(np.float32))
    for centre in ("head", "body"):
        added += [f"{centre}_velocity_direction", f"{centre}_velocity_direction_rate"]
    return params, _with(
        data, sequences=sequences, feature_names=[*names, *added], actions=[*data.actions, *added]
    )


def _with(data: Recordings, **changes) -> Recordings:
    """A copy of ``data`` with some constructor arguments replaced."""
    args = dict(
        sequences=data.sequences,
        feature_names=data.feature_names,
        actions=data.actions,
        frame_rate=data.frame_rate,
        ids=data.ids,
        groups=data.groups,
        frame_labels=data.frame_labels,
        sequence_labels=data.sequence_labels,
    )
    args.update(changes)
    return Recordings(args.pop("sequences"), **args)


VARIANTS: dict[str, Variant] = {
    "default": lambda params, data: (params, data),
    "hoa_window_x0.5": _hoa_window(0.5),
    "hoa_window_x2": _hoa_window(2.0),
    "hoa_bins_16": lambda params, data: (
        None if params.get("hoa_bins") == 16 else ({**params, "hoa_bins": 16}, data)
    ),
    "all_features_actions": _all_actions,
    # The two that passed the equal-steps rule, together (the bandit's preset has 16 bins)
    "latent_width_x2_bins_16": lambda params, data: _latent_width(2.0)(
        {**params, "hoa_bins": 16}, data
    ),
    "hoa_frames_100pct": _set(hoa_frame_fraction=1.0),
    "latent_width_x2": _latent_width(2.0),
    "latent_width_x0.5": _latent_width(0.5),
    "long_pairs_apart_10s": _long_term_pairs_apart(10.0),
    "input_noise_0.1": _set(input_noise=0.1),
    "input_dropout_0.1": _set(input_dropout=0.1),
    "byol_ema_0.99": _set(target_ema=0.99),
    "decisions_trial_index": _bandit_only(_trial_index),
    "decisions_no_reaction_time": _bandit_only(_without_reaction_time),
    # The reference code's choices, one at a time and all together (issue 14, docs/method.md)
    "ref_no_grad_clip": _set(grad_clip_norm=None),
    "ref_residual_prelu": _every_encoder(residual_activation="prelu"),
    "ref_predictor_prelu": _set(predictor_activation="prelu"),
    "predictor_relu": _set(predictor_activation="relu"),  # the default until 2026-12-02
    "ref_weight_norm_second": _every_encoder(weight_norm="second"),
    "ref_init": _every_encoder(init="reference"),
    "ref_prelu_shared": _every_encoder(prelu="shared"),
    "ref_head_frames_all": _set(head_frames="all"),
    "ref_pairs": _set(bootstrap_sampling="reference"),
    "ref_all": _reference_all,
    "ref_mouse_actions_9": _mouse_actions_9,
}
"""Every variant by name (folder names of the results)."""
