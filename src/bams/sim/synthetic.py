"""Synthetic multi-timescale behavior with known slow and fast factors.

Each recording has two *slow* factors fixed for the whole recording: a class (which fast
states it prefers) and a continuous style (how long it stays in each state before switching,
and how fast it moves: every visit to a state has a tempo of about ``1 + 0.2 * style`` times
the state's frequency, with 10% jitter from visit to visit). A *fast* hidden state switches
every 0.5-2 s; each fast state is an oscillation with its own frequency and amplitude. The
observed features are a fixed random nonlinear mixture of the oscillation, its velocity and a
slow nuisance drift, plus noise, with missing frames; four kinematic features (speed, turning,
radial and drift velocity) are the actions.

A single frame says little about the slow factors (they act through the statistics of many state
switches), so they should be decodable from a long-term embedding, and much less from a
short-term one or from raw features; the fast state should be decodable from a short window.
"""

from __future__ import annotations

import numpy as np

from bams.data import Recordings

N_STATES = 4
N_CLASSES = 3
# Per fast state: oscillation frequency (Hz) and amplitude.
STATE_FREQUENCY = np.array([0.6, 1.2, 2.0, 3.0])
STATE_AMPLITUDE = np.array([1.0, 0.6, 1.2, 0.8])
# Per class: preferred distribution over fast states (each state is preferred by some class).
CLASS_STATE_PREFERENCE = np.array(
    [[0.45, 0.35, 0.10, 0.10], [0.10, 0.10, 0.35, 0.45], [0.10, 0.40, 0.40, 0.10]]
)
N_MIXED_FEATURES = 12
ACTION_NAMES = ["speed", "turning", "radial_velocity", "drift_velocity"]


def make_synthetic(
    n_recordings: int = 60,
    n_frames: int | tuple[int, int] = 1800,
    *,
    frame_rate: float = 30.0,
    noise: float = 0.3,
    missing_rate: float = 0.005,
    seed: int = 0,
) -> Recordings:
    """Generate recordings whose slow and fast factors are known.

    Parameters
    ----------
    n_recordings
        Number of recordings.
    n_frames
        Frames per recording, or a ``(min, max)`` range to draw lengths from.
    frame_rate
        Frames per second (state dwell times are 0.5-2 s whatever the rate).
    noise
        Standard deviation of the observation noise (features are in about [-1, 1]).
    missing_rate
        Probability per frame that a gap of 1-15 missing frames starts; 20x smaller
        probability per value that a single value is missing.
    seed
        Everything is deterministic given the seed.

    Returns
    -------
    Recordings
        16 features (12 mixed observations and the 4 actions); sequence labels ``class``
        (int, 3 values) and ``style`` (float in [-1, 1]); frame label ``state`` (int, 4 values).

    Examples
    --------
    >>> data = make_synthetic(n_recordings=4, n_frames=300, seed=1)
    >>> data.n_features, sorted(data.sequence_labels), sorted(data.frame_labels)
    (16, ['class', 'style'], ['state'])
    """
    if n_recordings < 1:
        raise ValueError(f"Expected n_recordings >= 1, but got {n_recordings}.")
    low, high = (n_frames, n_frames) if np.isscalar(n_frames) else n_frames
    if not 2 <= low <= high:
        raise ValueError(f"Expected 2 <= n_frames (min <= max), but got {n_frames}.")
    if not (np.isfinite(frame_rate) and frame_rate > 0):
        raise ValueError(f"Expected frame_rate > 0, but got {frame_rate}.")
    if not noise >= 0:
        raise ValueError(f"Expected noise >= 0, but got {noise}.")
    if not 0 <= missing_rate <= 1:
        raise ValueError(f"Expected 0 <= missing_rate <= 1, but got {missing_rate}.")
    rng = np.random.default_rng(seed)
    # The observation mapping is the same for every recording ("the same species").
    world = np.random.default_rng(12345)
    mixing = world.normal(size=(N_MIXED_FEATURES, 6)) / np.sqrt(3.0)
    offset = world.normal(scale=0.3, size=N_MIXED_FEATURES)

    classes = rng.integers(N_CLASSES, size=n_recordings)
    styles = rng.uniform(-1.0, 1.0, size=n_recordings)
    sequences, states = [], []
    for c, s in zip(classes, styles, strict=True):
        length = int(rng.integers(low, high + 1))
        state, tempo = _state_sequence(rng, length, frame_rate, CLASS_STATE_PREFERENCE[c], s)
        x = _observe(rng, state, tempo, frame_rate, mixing, offset, noise)
        _drop_values(rng, x, missing_rate)
        sequences.append(x)
        states.append(state)
    return Recordings(
        sequences,
        feature_names=[f"mix{i}" for i in range(N_MIXED_FEATURES)] + ACTION_NAMES,
        actions=ACTION_NAMES,
        frame_rate=frame_rate,
        ids=[f"rec{i:04d}" for i in range(n_recordings)],
        frame_labels={"state": states},
        sequence_labels={"class": classes.astype(np.int64), "style": styles},
    )


def _state_sequence(rng, length, frame_rate, preference, style) -> tuple[np.ndarray, np.ndarray]:
    """Fast states with dwell times of 0.5-2 s and a tempo per visit.

    A high style switches more often and moves faster. Returns ``(state, tempo)``, each
    ``(length,)``.
    """
    # style -1 -> dwell 1.25-2 s, style +1 -> 0.5-1.25 s
    center = 1.25 - 0.5 * style
    state = np.empty(length, dtype=np.int64)
    tempo = np.empty(length)
    t, current = 0, rng.choice(N_STATES, p=preference)
    while t < length:
        dwell = rng.uniform(max(0.5, center - 0.4), min(2.0, center + 0.4))
        n = max(1, round(dwell * frame_rate))
        state[t : t + n] = current
        tempo[t : t + n] = (1.0 + 0.2 * style) * np.exp(0.1 * rng.normal())
        t += n
        others = np.delete(np.arange(N_STATES), current)
        current = rng.choice(others, p=preference[others] / preference[others].sum())
    return state, tempo


def _observe(rng, state, tempo, frame_rate, mixing, offset, noise) -> np.ndarray:
    dt = 1.0 / frame_rate
    frequency = STATE_FREQUENCY[state] * tempo
    phase = np.cumsum(2 * np.pi * frequency * dt) + rng.uniform(0, 2 * np.pi)
    # Amplitude follows the state with a short lag so trajectories stay smooth.
    target = STATE_AMPLITUDE[state]
    amplitude = np.empty_like(target)
    amplitude[0] = target[0]
    for t in range(1, len(target)):
        amplitude[t] = amplitude[t - 1] + 0.2 * (target[t] - amplitude[t - 1])
    u = amplitude[:, None] * np.stack([np.cos(phase), np.sin(phase)], axis=1)
    velocity = np.gradient(u, dt, axis=0)
    # A slow nuisance drift (~20 s timescale, smoothed over ~1 s) unrelated to the factors.
    drift = _smooth_noise(rng, len(state), dt, timescale=20.0)
    drift = _smooth_noise_filter(drift, dt, timescale=1.0)
    latent = np.concatenate([u, velocity / (2 * np.pi * 2.0), drift], axis=1)
    mixed = np.tanh(latent @ mixing.T + offset)
    radius = np.linalg.norm(u, axis=1)
    heading = np.unwrap(np.arctan2(velocity[:, 1], velocity[:, 0]))
    actions = np.stack(
        [
            np.linalg.norm(velocity, axis=1),
            np.gradient(heading, dt),
            np.gradient(radius, dt),
            np.gradient(drift[:, 0], dt) * 5.0,
        ],
        axis=1,
    )
    actions /= np.array([6.0, 10.0, 1.0, 1.0])
    x = np.concatenate([mixed, actions], axis=1)
    x += rng.normal(scale=noise, size=x.shape)
    return x.astype(np.float32)


def _smooth_noise(rng, length: int, dt: float, timescale: float) -> np.ndarray:
    """Unit-variance AR(1) noise with the given timescale (s), shape ``(length, 2)``."""
    a = np.exp(-dt / timescale)
    shocks = rng.normal(scale=np.sqrt(1 - a**2), size=(length, 2))
    shocks[0] = rng.normal(size=2)
    return _smooth_noise_filter(shocks, dt, timescale, gain=1.0)


def _smooth_noise_filter(x: np.ndarray, dt: float, timescale: float, gain=None) -> np.ndarray:
    """First-order low-pass filter along time (``gain`` defaults to 1 - decay)."""
    a = np.exp(-dt / timescale)
    b = 1 - a if gain is None else gain
    out = np.empty_like(x)
    out[0] = x[0]
    for t in range(1, len(x)):
        out[t] = a * out[t - 1] + b * x[t]
    return out


def _drop_values(rng, x: np.ndarray, missing_rate: float) -> None:
    """Blank out short gaps of whole frames and scattered single values, in place."""
    if missing_rate <= 0:
        return
    starts = np.flatnonzero(rng.random(len(x)) < missing_rate)
    for start in starts:
        x[start : start + int(rng.integers(1, 16))] = np.nan
    x[rng.random(x.shape) < missing_rate / 20] = np.nan
    if np.isnan(x).all():  # keep the recording valid whatever the rate
        x[0] = 0.0
