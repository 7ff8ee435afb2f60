"""The domains of the quality study: their data, BAMS settings, readout tasks and splits.

Every domain is small enough that one training seed, its baselines and its readouts take a
few minutes on 2 CPU cores. The six of the main study are real or simulated behavior; the
seventh, ``mabe_like``, is generated MABe 2022 data for the ablations of the method's
deviations from the reference code (docs/method.md). The data are made (or read) once and
cached under ``cache``; the splits are fixed per domain, so every method and every training
seed is read out on the same test recordings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bams import Recordings
from bams.evaluation import Task, make_splits
from bams.evaluation.tasks import Split
from bams.presets import preset_params

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
SPLIT_SEEDS = (0, 1, 2)


@dataclass
class Domain:
    """One domain of the study.

    Attributes
    ----------
    name
        Short name (folder of its results).
    title
        What the data are, for tables.
    load
        ``(cache folder) -> Recordings`` with the labels the tasks read.
    params
        ``(data) -> keyword arguments of bams.BAMS`` (its preset, without seed or budget).
    tasks
        ``(data) -> [Task]``: per-recording factors (level ``sequence``) and frame labels.
    splits
        ``(data) -> [Split]``: the same for every method and seed.
    reidentification
        ``"halves"`` (each recording's two halves, embedded apart), ``"sessions"`` (sessions
        of one individual, ``data.groups``) or ``None``.
    missing
        ``() -> reason`` the domain cannot run here (a package or folder absent), or ``None``.
    groups
        Whether readout cross-validation keeps ``data.groups`` together.
    """

    name: str
    title: str
    load: Callable[[Path], Recordings]
    params: Callable[[Recordings], dict]
    tasks: Callable[[Recordings], list[Task]]
    splits: Callable[[Recordings], list[Split]]
    reidentification: str | None = None
    missing: Callable[[], str | None] = field(default=lambda: None)
    groups: bool = False


def _by_recording(data: Recordings) -> list[Split]:
    return make_splits(data.ids, seeds=SPLIT_SEEDS, test_size=0.5)


def _by_group(data: Recordings) -> list[Split]:
    return make_splits(data.groups, seeds=SPLIT_SEEDS, test_size=0.5)


def _labels(data: Recordings, frame: tuple[str, ...], sequence: tuple[str, ...]) -> list[Task]:
    from bams.evaluation.tasks import kind_of

    tasks = [
        Task(n, "sequence", kind_of(np.asarray(data.sequence_labels[n])), data.sequence_labels[n])
        for n in sequence
    ]
    for n in frame:
        kind = kind_of(np.concatenate(data.frame_labels[n]))
        tasks.append(Task(n, "frame", kind, data.frame_labels[n]))
    return tasks


# ----------------------------------------------------------------------------- synthetic
def _synthetic(cache: Path) -> Recordings:
    from bams.sim.synthetic import make_synthetic

    path = cache / "synthetic_40x2400.npz"
    if not path.is_file():
        make_synthetic(40, 2400, seed=0).save(path)
    return Recordings.load(path)


SYNTHETIC = Domain(
    name="synthetic",
    title="synthetic (40 x 2,400 frames, 30 Hz)",
    load=_synthetic,
    params=lambda data: preset_params("synthetic"),
    tasks=lambda data: _labels(data, ("state",), ("class", "style")),
    splits=_by_recording,
)


# ----------------------------------------------------------------------------- quadrupeds
def _quadrupeds(cache: Path) -> Recordings:
    from bams.pipelines.quadrupeds import quadruped_data
    from bams.sim.quadrupeds.robots import ROBOT_PAIRS

    # The study was measured on the Unitree pair, the dataset's default until ANYmal B and C
    # replaced it; it stays so that every variant and seed reads the same data.
    return quadruped_data(
        cache / "quadrupeds_200.npz",
        200,
        seed=0,
        workers=2,
        robot_types=ROBOT_PAIRS["unitree"],
        progress=False,
    )


QUADRUPEDS = Domain(
    name="quadrupeds",
    title="quadrupeds (200 x 20 s, 50 Hz; the demo's scale, Unitree A1 and Aliengo)",
    load=_quadrupeds,
    params=lambda data: preset_params("quadrupeds"),
    tasks=lambda data: _labels(
        data,
        ("terrain_type", "terrain_slope", "terrain_difficulty"),
        ("robot_type", "command_speed", "body_mass"),
    ),
    splits=_by_recording,
)


# ----------------------------------------------------------------------------- bandit
def _bandit(cache: Path) -> Recordings:
    from bams.sim.bandit import simulate_bandit

    path = cache / "bandit_200x4x300.npz"
    if not path.is_file():
        simulate_bandit(200, 4, 300, seed=0, games="shared").save(path)
    return Recordings.load(path)


def _bandit_tasks(data: Recordings) -> list[Task]:
    from bams.pipelines.decision_making import PARAMETER_SCALES, to_unbounded

    tasks = [
        Task(n, "sequence", "regression", to_unbounded(n, np.asarray(data.sequence_labels[n])))
        for n in PARAMETER_SCALES
    ]
    return [*tasks, Task("strategy", "frame", "classification", data.frame_labels["strategy"])]


BANDIT = Domain(
    name="bandit",
    title="bandit (200 individuals x 4 sessions x 300 trials)",
    load=_bandit,
    params=lambda data: preset_params("bandit"),
    tasks=_bandit_tasks,
    splits=_by_group,
    reidentification="sessions",
    groups=True,
)


# ----------------------------------------------------------------------------- larvae
def _larvae_missing() -> str | None:
    from bams.datasets._package import package_folder

    if package_folder("larvaworld") is None:
        return "larvaworld is not installed (pip install --no-deps larvaworld==2.5.1)"
    return None


def _larvae(cache: Path) -> Recordings:
    from bams.datasets import load_larvae

    return load_larvae()


LARVAE = Domain(
    name="larvae",
    title="Drosophila larvae, real (38 tracks, 16 fps; larvaworld)",
    load=_larvae,
    params=lambda data: preset_params("larvae"),
    tasks=lambda data: _labels(data, ("state",), ("dish",)),
    splits=_by_recording,
    reidentification="halves",
    missing=_larvae_missing,
)


# ----------------------------------------------------------------------------- zebrafish
ZEBRAFISH_STEP, ZEBRAFISH_SEGMENT = 7, 3000  # 50 fps, segments of 60 s


def _zebrafish_missing() -> str | None:
    from bams.datasets.zebrafish_bouts import INSTALL, zebrafish_bouts_available

    if not zebrafish_bouts_available():
        return f"megabouts is not installed ({INSTALL})"
    return None


def _zebrafish(cache: Path) -> Recordings:
    from bams.datasets.zebrafish import load_zebrafish
    from bams.datasets.zebrafish_bouts import with_bout_labels

    data = load_zebrafish("sleap", step=ZEBRAFISH_STEP, segment_length=ZEBRAFISH_SEGMENT)
    return with_bout_labels(data)


ZEBRAFISH = Domain(
    name="zebrafish",
    title="zebrafish larva, real (350 fps SLEAP at 50 fps, 60 s segments; megabouts' bouts)",
    load=_zebrafish,
    params=lambda data: preset_params("default"),
    tasks=lambda data: _labels(data, ("bout", "moving"), ()),
    splits=_by_recording,
    missing=_zebrafish_missing,
)


# ----------------------------------------------------------------------------- open field
STURMAN = REAL / "sturman_oft"


def _sturman_missing() -> str | None:
    if not STURMAN.is_dir():
        return f"no folder {STURMAN}"
    return None


def _sturman(cache: Path) -> Recordings:
    """Both videos, with a ``rearing`` frame label: what 2 of the 3 raters agree on."""
    from bams.datasets.sturman_oft import (
        load_sturman_poses,
        rater_frame_labels,
        read_sturman_events,
        video_name,
    )

    data = load_sturman_poses(STURMAN)
    labels = []
    for rid, seq in zip(data.ids, data.sequences, strict=True):
        events = read_sturman_events(STURMAN / f"{video_name(rid)}_labels.csv")
        raters = rater_frame_labels(events, len(seq), data.frame_rate)
        votes = {
            b: sum(r[b].astype(int) for r in raters.values())
            for b in ("supported_rearing", "unsupported_rearing")
        }
        label = np.full(len(seq), "other", dtype=object)
        for behavior, count in votes.items():
            label[count >= 2] = behavior.replace("_", " ")
        labels.append(label.astype(str))
    data.frame_labels["rearing"] = labels
    return data


def _both_ways(data: Recordings) -> list[Split]:
    """Train on one video, test on the other, and the reverse."""
    return [Split(np.array([0]), np.array([1]), 0), Split(np.array([1]), np.array([0]), 1)]


STURMAN_OFT = Domain(
    name="open_field",
    title="mice in an open field, real (2 videos x 80 s, 25 fps; Sturman et al.)",
    load=_sturman,
    params=lambda data: preset_params("default"),
    tasks=lambda data: _labels(data, ("rearing",), ()),
    splits=_both_ways,
    missing=_sturman_missing,
)


# ----------------------------------------------------------------------------- MABe-like
MABE_LIKE_CLIPS = 60  # 180 mice x 1,800 frames


def _mabe_like(cache: Path) -> Recordings:
    """Generated MABe mouse-triplet clips (``bams.sim.mabe_like``), one recording per mouse.

    Only the annotated train file is used, so every clip carries the 13 tasks' labels.
    """
    from bams.datasets.mabe import mabe_recordings
    from bams.sim.mabe_like import make_mouse_triplets

    path = cache / f"mabe_like_{MABE_LIKE_CLIPS}.npz"
    if not path.is_file():
        files = make_mouse_triplets(MABE_LIKE_CLIPS, train_fraction=0.9, seed=0)
        mabe_recordings(files.train).save(path)
    return Recordings.load(path)


def _mabe_frame_tasks() -> tuple[str, ...]:
    """The 9 binary frame-level behaviors: every mouse task but the clip-level ones and the
    continuous time of day."""
    from bams.datasets.mabe import SEQUENCE_TASKS
    from bams.sim.mabe_like import MOUSE_TASKS

    return tuple(t for t in MOUSE_TASKS if t not in (*SEQUENCE_TASKS, "time_of_day"))


def _binary(values) -> np.ndarray:
    """0/1 floats (NaN unlabelled) as class names ("" unlabelled): read out as classes."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(values), "", np.where(values > 0.5, "yes", "no"))


def _mabe_tasks(data: Recordings) -> list[Task]:
    tasks = [
        Task(n, "sequence", "classification", _binary(data.sequence_labels[n]))
        for n in ("strain", "lights")
    ]
    for n in _mabe_frame_tasks():
        labels = [_binary(v) for v in data.frame_labels[n]]
        tasks.append(Task(n, "frame", "classification", labels))
    return tasks


MABE_LIKE = Domain(
    name="mabe_like",
    title="MABe-like mouse triplets, generated (54 clips x 3 mice x 1,800 frames, 30 Hz)",
    load=_mabe_like,
    params=lambda data: preset_params("mabe_mice"),
    tasks=_mabe_tasks,
    splits=_by_group,
    groups=True,
)

DOMAINS = {
    d.name: d for d in (SYNTHETIC, QUADRUPEDS, BANDIT, LARVAE, ZEBRAFISH, STURMAN_OFT, MABE_LIKE)
}
