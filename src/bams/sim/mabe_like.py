"""Mouse-triplet files in the exact MABe 2022 format, from a random-walk skeleton.

Three mice walk in an 850 x 850 pixel arena (heading and speed follow smooth random
processes, with wall avoidance and bouts of pursuit of another mouse); a 12-keypoint skeleton
(head yaw, body bend, gait, tail wag) is drawn around each, with tracker noise. Then the
tracks are corrupted the way real ones are: NaN keypoints, keypoints at exactly (0, 0) and
identity swaps (two mice exchange tracks from some frame on). Labels follow the 13 MABe
tasks: per clip (experiment day, time of day, strain, lights) and per frame (close,
contact, oral contacts, approaches, chases, huddles, watching), computed from the clean tracks.
Strain sets the body size and lights the mean speed, so they can be read out.

Use it to test and time the MABe pipeline without the real data; it is not a model of mice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bams.features.kinematics import wrap_angle

MOUSE_TASKS = (
    "experiment_day",
    "time_of_day",
    "strain",
    "lights",
    "approaches",
    "chases",
    "close",
    "contact",
    "huddles",
    "oral_ear_contact",
    "oral_genital_contact",
    "oral_oral_contact",
    "watching",
)
"""The 13 MABe 2022 mouse readout tasks, in vocabulary order."""

_REGRESSION = {"experiment_day", "time_of_day"}
# Skeleton in the body frame (forward, lateral) in pixels, keypoints in MABe order; lateral is
# the +90 degree side, the animal's right in image coordinates (y down), so "left" is < 0.
_TEMPLATE = np.array(
    [
        [55, 0],  # nose
        [35, -10],  # left ear
        [35, 10],  # right ear
        [30, 0],  # neck
        [25, -14],  # left forepaw
        [25, 14],  # right forepaw
        [0, 0],  # center back
        [-30, -16],  # left hindpaw
        [-30, 16],  # right hindpaw
        [-55, 0],  # tail base
        [-100, 0],  # tail middle
        [-145, 0],  # tail tip
    ],
    dtype=np.float64,
)
_ARENA = 850.0
_CHUNK = 64  # clips generated at once


@dataclass
class MabeLikeFiles:
    """The four dicts of a MABe mouse dataset (see :mod:`bams.io.mabe_keypoints`).

    Attributes
    ----------
    train
        Content of ``mouse_triplet_train.npy`` (``UserTrain`` clips, with annotations).
    test
        Content of ``mouse_triplet_test.npy`` (the other clips, no annotations).
    labels
        Content of ``mouse_triplets_test_labels.npy``: vocabulary, task types, label array of
        the test clips in file order, frame number map.
    split
        ``{'UserTrain', 'SubmissionTrain', 'publicTest', 'privateTest'}`` clip lists.
    """

    train: dict
    test: dict
    labels: dict
    split: dict

    def save(self, directory: str | os.PathLike) -> dict[str, Path]:
        """Write the official file names into ``directory``; return ``{key: path}``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {
            "train": directory / "mouse_triplet_train.npy",
            "test": directory / "mouse_triplet_test.npy",
            "labels": directory / "mouse_triplets_test_labels.npy",  # the official name
            "split": directory / "mouse_triplet_split.npy",
        }
        for key, path in paths.items():
            np.save(path, getattr(self, key), allow_pickle=True)
        return paths


def make_mouse_triplets(
    n_clips: int,
    *,
    n_frames: int = 1800,
    train_fraction: float = 0.3,
    seed: int = 0,
    missing_rate: float = 0.002,
    zero_rate: float = 0.002,
    swap_fraction: float = 0.2,
    dtype: type = np.float32,
) -> MabeLikeFiles:
    """Generate MABe-format mouse-triplet clips, labels and a split.

    Parameters
    ----------
    n_clips
        Clips in all (at least 4: one each for UserTrain, SubmissionTrain, publicTest and
        privateTest).
    n_frames
        Frames per clip (1800 in the real files).
    train_fraction
        Share of clips in the train file (``UserTrain``; 1600 of 5336 in the real data). The
        test clips are split 5:1:1 into SubmissionTrain, publicTest and privateTest.
    seed
        Seed of everything.
    missing_rate, zero_rate
        Fraction of keypoints set to NaN and to exactly (0, 0).
    swap_fraction
        Fraction of clips where two mice swap tracks from a random frame on.
    dtype
        Keypoint dtype.

    Returns
    -------
    MabeLikeFiles
        The four dicts; ``.save(directory)`` writes them with the official names.

    Raises
    ------
    ValueError
        If ``n_clips < 4`` or ``n_frames < 2``.

    Examples
    --------
    >>> files = make_mouse_triplets(4, n_frames=60)
    >>> clip = next(iter(files.train["sequences"].values()))
    >>> clip["keypoints"].shape, clip["annotations"].shape
    ((60, 3, 12, 2), (13, 60))
    """
    if n_clips < 4 or n_frames < 2:
        raise ValueError(
            f"Expected n_clips >= 4 and n_frames >= 2, but got {n_clips} and {n_frames}."
        )
    rng = np.random.default_rng(seed)
    clips, keypoints, annotations = _simulate_clips(
        rng, n_clips, n_frames, missing_rate, zero_rate, swap_fraction, dtype
    )
    return _make_files(rng, clips, keypoints, annotations, n_frames, train_fraction)


def _simulate_clips(rng, n_clips, n_frames, missing_rate, zero_rate, swap_fraction, dtype):
    """Clip names, corrupted keypoints ``(T, 3, 12, 2)`` and annotations ``(13, T)`` per clip."""
    clips = [f"{i:05d}{rng.integers(16**6):06x}" for i in range(n_clips)]
    strain = rng.permutation(np.arange(n_clips) % 2)
    lights = rng.permutation((np.arange(n_clips) // 2) % 2)
    keypoints, annotations = [], []
    for start in range(0, n_clips, _CHUNK):  # in chunks, to bound memory
        part = slice(start, start + _CHUNK)
        centre, heading, pursuit, speed, yaw = _walk(rng, n_frames, 3.5 - 1.5 * lights[part])
        kp = _skeleton(rng, centre, heading, yaw, speed, 1.0 + 0.15 * strain[part])
        annotations += list(
            _annotations(rng, kp, heading, pursuit, speed, strain[part], lights[part])
        )
        keypoints += list(_corrupt(rng, kp, missing_rate, zero_rate, swap_fraction).astype(dtype))
    return clips, keypoints, annotations


def _make_files(rng, clips, keypoints, annotations, n_frames, train_fraction):
    """Split the clips into train and test and build the four dicts of the MABe files."""
    n_clips = len(clips)
    n_train = min(max(int(round(train_fraction * n_clips)), 1), n_clips - 3)
    order = rng.permutation(n_clips)
    train_idx, test_idx = np.sort(order[:n_train]), np.sort(order[n_train:])
    n_test = len(test_idx)
    n_public = max(1, round(n_test / 7))
    n_submission = n_test - 2 * n_public
    if n_submission < 1:
        n_public, n_submission = 1, n_test - 2
    vocabulary = list(MOUSE_TASKS)
    train = {
        "vocabulary": vocabulary,
        "sequences": {
            clips[i]: {"keypoints": keypoints[i], "annotations": annotations[i]} for i in train_idx
        },
    }
    test = {
        "vocabulary": vocabulary,
        "sequences": {clips[i]: {"keypoints": keypoints[i]} for i in test_idx},
    }
    labels = {
        "vocabulary": vocabulary,
        "task_type": ["Continuous" if t in _REGRESSION else "Discrete" for t in vocabulary],
        "label_array": np.concatenate([annotations[i] for i in test_idx], axis=1),
        "frame_number_map": {
            clips[i]: (k * n_frames, (k + 1) * n_frames) for k, i in enumerate(test_idx)
        },
    }
    shuffled = [clips[i] for i in rng.permutation(test_idx)]
    split = {
        "UserTrain": [clips[i] for i in train_idx],
        "SubmissionTrain": shuffled[:n_submission],
        "publicTest": shuffled[n_submission : n_submission + n_public],
        "privateTest": shuffled[n_submission + n_public :],
    }
    return MabeLikeFiles(train, test, labels, split)


def _walk(rng, n_frames, mean_speed):
    """Body centres ``(n, T, 3, 2)``, headings, pursuit flags, speeds and head yaw."""
    n_clips = len(mean_speed)
    shape = (n_clips, 3)
    position = rng.uniform(150, _ARENA - 150, size=(*shape, 2))
    theta = rng.uniform(-np.pi, np.pi, size=shape)
    omega = np.zeros(shape)
    speed = np.broadcast_to(mean_speed[:, None], shape).copy()
    yaw = np.zeros(shape)
    pursuing = np.zeros(shape, dtype=bool)
    target = rng.integers(1, 3, size=shape)  # which other mouse: (m + target) % 3
    out = {
        k: np.empty((n_clips, n_frames, 3) + e)
        for k, e in (("c", (2,)), ("h", ()), ("s", ()), ("y", ()))
    }
    out_p = np.empty((n_clips, n_frames, 3), dtype=bool)
    mice = np.arange(3)
    for t in range(n_frames):
        switch = rng.random(shape) < np.where(pursuing, 1 / 60, 1 / 600)
        pursuing ^= switch
        target = np.where(switch, rng.integers(1, 3, size=shape), target)
        other = position[np.arange(n_clips)[:, None], (mice + target) % 3] - position
        to_other = np.arctan2(other[..., 1], other[..., 0])
        to_centre = np.arctan2(_ARENA / 2 - position[..., 1], _ARENA / 2 - position[..., 0])
        wall = np.clip((np.abs(position - _ARENA / 2).max(-1) - 280) / 80, 0, 1)
        omega = 0.85 * omega + rng.normal(scale=0.04, size=shape)
        theta = wrap_angle(
            theta
            + omega
            + 0.25 * wall * wrap_angle(to_centre - theta)
            + 0.2 * pursuing * wrap_angle(to_other - theta)
        )
        goal = mean_speed[:, None] * (1 + 0.8 * pursuing)
        speed = np.maximum(speed + 0.08 * (goal - speed) + rng.normal(scale=0.3, size=shape), 0)
        yaw = 0.9 * yaw + rng.normal(scale=0.05, size=shape)
        step = speed[..., None] * np.stack([np.cos(theta), np.sin(theta)], -1)
        position = np.clip(position + step, 40, _ARENA - 40)
        out["c"][:, t], out["h"][:, t], out["s"][:, t], out["y"][:, t] = position, theta, speed, yaw
        out_p[:, t] = pursuing
    return out["c"], out["h"], out_p, out["s"], out["y"]


def _skeleton(rng, centre, heading, yaw, speed, size):
    """Keypoints ``(n, T, 3, 12, 2)`` around each body centre."""
    n_clips, n_frames = centre.shape[:2]
    body = np.broadcast_to(_TEMPLATE, (n_clips, n_frames, 3, 12, 2)).copy()
    body *= size[:, None, None, None, None]
    turn = np.diff(heading, axis=1, prepend=heading[:, :1])
    bend = wrap_angle(turn) * 4.0  # the spine curves into turns
    body[..., 1] += bend[..., None] * body[..., 0] ** 2 / 60.0
    head = slice(0, 3)  # nose and ears turn around the neck with the head yaw
    rel = body[..., head, :] - body[..., 3:4, :]
    cos, sin = np.cos(yaw)[..., None], np.sin(yaw)[..., None]
    body[..., head, 0] = body[..., 3:4, 0] + cos * rel[..., 0] - sin * rel[..., 1]
    body[..., head, 1] = body[..., 3:4, 1] + sin * rel[..., 0] + cos * rel[..., 1]
    phase = np.cumsum(speed, axis=1) * 0.15 + rng.uniform(0, 2 * np.pi, size=(n_clips, 1, 3))
    for paw, sign in ((4, 1), (5, -1), (7, -1), (8, 1)):  # diagonal pairs in phase
        body[..., paw, 0] += 6.0 * sign * np.sin(phase)
    wag = np.arange(n_frames)[None, :, None] * 0.2 + rng.uniform(0, 6, size=(n_clips, 1, 3))
    body[..., 10, 1] += 8.0 * np.sin(wag)
    body[..., 11, 1] += 20.0 * np.sin(wag - 0.8)
    cos, sin = np.cos(heading)[..., None], np.sin(heading)[..., None]
    world = np.stack(
        [cos * body[..., 0] - sin * body[..., 1], sin * body[..., 0] + cos * body[..., 1]], -1
    )
    world += centre[..., None, :] + rng.normal(scale=1.0, size=world.shape)
    return np.clip(world, 1.0, _ARENA - 1.0)


def _min_pair_distance(a, b):
    """Minimum over ordered pairs of different mice of ``|a_i - b_j|``: ``(n, T)``."""
    d = np.linalg.norm(a[:, :, :, None] - b[:, :, None, :], axis=-1)
    d[:, :, np.arange(3), np.arange(3)] = np.inf
    return d.min(axis=(2, 3))


def _annotations(rng, kp, heading, pursuit, speed, strain, lights):
    """Per-clip annotation arrays ``(n, 13, T)`` from the clean keypoints."""
    n_clips, n_frames = kp.shape[:2]
    nose, ears, back, tail = kp[..., 0, :], kp[..., 1:3, :], kp[..., 6, :], kp[..., 9, :]
    body = _min_pair_distance(back, back)
    near = body < 200
    pairwise = np.linalg.norm(back[:, :, :, None] - back[:, :, None, :], axis=-1)
    offset = back[:, :, None, :, :] - nose[:, :, :, None, :]  # from each nose to each body
    facing = np.cos(np.arctan2(offset[..., 1], offset[..., 0]) - heading[..., None]) > 0.95
    facing &= (pairwise > 100) & (pairwise < 400)
    ear = np.minimum(
        _min_pair_distance(nose, ears[..., 0, :]), _min_pair_distance(nose, ears[..., 1, :])
    )
    frame = {
        "approaches": (pursuit & near[..., None]).any(-1),
        "chases": (pursuit & (speed > 4.5)).any(-1) & near,
        "close": body < 120,
        "contact": body < 75,
        "huddles": (pairwise.max(axis=(2, 3)) < 160) & (speed.mean(-1) < 2.0),
        "oral_ear_contact": ear < 25,
        "oral_genital_contact": _min_pair_distance(nose, tail) < 25,
        "oral_oral_contact": _min_pair_distance(nose, nose) < 25,
        "watching": (facing.any(axis=(2, 3))) & (speed.min(-1) < 1.5),
    }
    out = np.empty((n_clips, len(MOUSE_TASKS), n_frames))
    start_hour = rng.uniform(0, 24, size=n_clips)
    for k, task in enumerate(MOUSE_TASKS):
        if task == "experiment_day":
            out[:, k] = rng.integers(1, 15, size=n_clips)[:, None]
        elif task == "time_of_day":
            out[:, k] = (start_hour[:, None] + np.arange(n_frames) / (30 * 3600)) % 24
            out[rng.random(n_clips) < 0.1, k] = np.nan  # some clips unlabelled
        elif task in ("strain", "lights"):
            out[:, k] = (strain if task == "strain" else lights)[:, None]
        else:
            out[:, k] = frame[task]
    return out


def _corrupt(rng, kp, missing_rate, zero_rate, swap_fraction):
    """NaN keypoints, keypoints at (0, 0) and identity swaps, on a copy."""
    kp = kp.copy()
    n_clips, n_frames = kp.shape[:2]
    kp[rng.random(kp.shape[:-1]) < missing_rate] = np.nan
    kp[rng.random(kp.shape[:-1]) < zero_rate] = 0.0
    for clip in np.flatnonzero(rng.random(n_clips) < swap_fraction):
        a, b = rng.choice(3, size=2, replace=False)
        start = rng.integers(1, n_frames)
        kp[clip, start:, [a, b]] = kp[clip, start:, [b, a]]
    return kp
