"""Real human choice data, read at run time from the packages that ship it (optional).

Each data set is one registered :class:`ChoiceDataset` (:data:`CHOICE_DATASETS`): the
package and file it comes from, and a reader that turns the file into
:class:`~bams.data.Recordings` with **two recordings per participant** (part 0, then part 1,
participant after participant; group = participant), the layout that
:func:`bams.pipelines.decision_making.halves_reidentification` expects. One frame is one
trial (frame rate 1). Nothing is copied into this repository; the packages are never
imported (``pip install --no-deps`` is enough to get their files):

- ``"cpm_bandit"``: ``pip install --no-deps cpm-toolbox==0.26.0`` (AGPL-3.0; optional use
  only). 200 participants choose between two of four arms on each of 72 trials (one
  participant has 71); the parts are the first and second half of each participant's trials.
- ``"cavanagh"``: ``pip install --no-deps hssm==0.3.0`` (Brown University license: free for
  uses other than incorporation into a commercial product). 14 patients with deep-brain
  stimulation, 217-309 test trials of a probabilistic selection task, stimulation on for the
  first block and off for the second; the parts are these two blocks.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.datasets._package import package_data, package_folder

N_CPM_ARMS = 4
CAVANAGH_STIMULI = ("LL", "WL", "WW")


@dataclass(frozen=True)
class ChoiceDataset:
    """Where a choice data set lives and how to read it.

    Attributes
    ----------
    package
        Top-level package folder that ships the file (e.g. ``"cpm"``).
    folder
        Folder of the file inside the package.
    file
        File name.
    install
        The command that installs the package.
    license
        The package's license, in a few words.
    reader
        Turns the file into recordings (two per participant).
    """

    package: str
    folder: str
    file: str
    install: str
    license: str
    reader: Callable[[Path], Recordings]


def _read_columns(path: Path, required: list[str]) -> dict[str, np.ndarray]:
    """A CSV file with a header as ``{column: array of str}``; checks the columns."""
    with Path(path).open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ValueError(f"Expected a CSV file with a header, but {str(path)!r} is empty.")
    header, body = rows[0], rows[1:]
    missing = [c for c in required if c not in header]
    if missing or not body:
        raise ValueError(
            f"Expected columns {required} and at least one row in {str(path)!r}, but got "
            f"columns {header} and {len(body)} rows."
        )
    table = np.array(body, dtype=str)
    return {name: table[:, header.index(name)] for name in required}


def read_cpm_bandit(path: str | os.PathLike) -> Recordings:
    """Read cpm-toolbox's ``bandit_small.csv``: two of four arms shown per trial.

    Columns ``ppt, trial, arm_left, arm_right, reward_left, reward_right, response,
    feedback`` (``response`` 0 = left, 1 = right; ``feedback`` the reward obtained). Trials
    are ordered by ``trial`` within each participant.

    Returns
    -------
    Recordings
        Two recordings per participant (first and second half of the trials), ids
        ``ppt001#0``, groups ``ppt001``. Features: ``chose_arm_1`` .. ``chose_arm_4``
        (one-hot), ``shown_arm_1`` .. ``shown_arm_4`` (the two arms on offer), ``chose_right``
        and ``reward``; actions: the chosen arm, the side and the reward. Sequence labels
        ``participant``, ``part`` and ``source``; frame label ``chose_better`` (the chosen
        arm pays more often, over the whole file, than the other arm on offer).

    Raises
    ------
    ValueError
        If columns are missing or values out of range.
    """
    names = ["ppt", "trial", "arm_left", "arm_right", "reward_left", "reward_right"]
    c = _read_columns(Path(path), [*names, "response", "feedback"])
    ppt, trial = c["ppt"].astype(np.int64), c["trial"].astype(np.int64)
    arms = np.stack([c["arm_left"], c["arm_right"]], axis=1).astype(np.int64)
    pay = np.stack([c["reward_left"], c["reward_right"]], axis=1).astype(np.float64)
    right = c["response"].astype(np.float64)
    reward = c["feedback"].astype(np.float64)
    if not (np.isin(arms, np.arange(1, N_CPM_ARMS + 1)).all() and np.isin(right, [0, 1]).all()):
        raise ValueError(
            f"Expected arms in 1..{N_CPM_ARMS} and responses 0 or 1, but got arms "
            f"{np.unique(arms).tolist()} and responses {np.unique(right).tolist()}."
        )
    side = right.astype(np.int64)
    rows = np.arange(len(side))
    chosen, other = arms[rows, side], arms[rows, 1 - side]
    rate = np.array([pay[arms == a].mean() for a in range(1, N_CPM_ARMS + 1)])
    eye = np.eye(N_CPM_ARMS, dtype=np.float32)
    features = np.column_stack(
        [eye[chosen - 1], eye[arms[:, 0] - 1] + eye[arms[:, 1] - 1], right, reward]
    )
    chose = [f"chose_arm_{a}" for a in range(1, N_CPM_ARMS + 1)]
    shown = [f"shown_arm_{a}" for a in range(1, N_CPM_ARMS + 1)]
    people = np.unique(ppt)
    order = [np.flatnonzero(ppt == p)[np.argsort(trial[ppt == p], kind="stable")] for p in people]
    whole = Recordings(
        [features[o] for o in order],
        feature_names=[*chose, *shown, "chose_right", "reward"],
        actions=[*chose, "chose_right", "reward"],
        frame_rate=1.0,
        ids=[f"ppt{p:03d}" for p in people],
        groups=[f"ppt{p:03d}" for p in people],
        frame_labels={"chose_better": [(rate[chosen - 1] > rate[other - 1])[o] for o in order]},
        sequence_labels={"participant": people},
    )
    return whole.split_parts(2)


def read_cavanagh(path: str | os.PathLike) -> Recordings:
    """Read hssm's ``cavanagh_theta_nn.csv``: test trials with stimulation on, then off.

    Columns ``participant_id, stim, rt, response, dbs`` are used (``stim`` LL, WL or WW:
    both options lose often, one wins and one loses, both win; ``response`` +1 or -1;
    ``rt`` in seconds; ``dbs`` 1 or 0). ``theta`` (EEG power) and ``conf`` (a function of
    ``stim``) are left out. Rows are in trial order.

    Returns
    -------
    Recordings
        Two recordings per participant, one per stimulation block in file order, ids
        ``p00#0``, groups ``p00``. Features ``stim_LL``, ``stim_WL``, ``stim_WW``
        (one-hot), ``response`` (1 for +1, 0 for -1) and ``log_rt``; actions ``response``
        and ``log_rt``. Sequence labels ``participant``, ``part`` and ``dbs``.

    Raises
    ------
    ValueError
        If columns are missing, values out of range, or a participant does not have exactly
        two stimulation blocks.
    """
    c = _read_columns(Path(path), ["participant_id", "stim", "rt", "response", "dbs"])
    who, dbs = c["participant_id"].astype(np.int64), c["dbs"].astype(np.int64)
    rt, response = c["rt"].astype(np.float64), c["response"].astype(np.float64)
    problems = []
    if not np.isin(c["stim"], CAVANAGH_STIMULI).all():
        problems.append(f"stim in {CAVANAGH_STIMULI}, got {np.unique(c['stim']).tolist()}")
    if not (np.isin(response, [-1, 1]).all() and (rt > 0).all() and np.isin(dbs, [0, 1]).all()):
        problems.append("responses -1 or 1, positive rt and dbs 0 or 1")
    people = list(dict.fromkeys(who.tolist()))
    blocks = {}
    for p in people:
        rows = np.flatnonzero(who == p)
        cuts = np.flatnonzero(np.diff(dbs[rows])) + 1
        blocks[p] = np.split(rows, cuts)
    bad = [p for p in people if len(blocks[p]) != 2]
    if bad:
        problems.append(f"two stimulation blocks per participant, participants {bad[:5]} differ")
    if problems:
        raise ValueError(f"Expected {'; '.join(problems)} in {str(path)!r}.")
    stim = np.stack([c["stim"] == s for s in CAVANAGH_STIMULI], axis=1).astype(np.float32)
    features = np.column_stack([stim, (response > 0).astype(np.float32), np.log(rt)])
    parts = [(p, k, rows) for p in people for k, rows in enumerate(blocks[p])]
    return Recordings(
        [features[rows] for _, _, rows in parts],
        feature_names=[*(f"stim_{s}" for s in CAVANAGH_STIMULI), "response", "log_rt"],
        actions=["response", "log_rt"],
        frame_rate=1.0,
        ids=[f"p{p:02d}#{k}" for p, k, _ in parts],
        groups=[f"p{p:02d}" for p, _, _ in parts],
        sequence_labels={
            "participant": np.array([p for p, _, _ in parts]),
            "part": np.array([k for _, k, _ in parts]),
            "dbs": np.array([dbs[rows[0]] for _, _, rows in parts]),
        },
    )


CHOICE_DATASETS: dict[str, ChoiceDataset] = {
    "cpm_bandit": ChoiceDataset(
        package="cpm",
        folder="datasets/data",
        file="bandit_small.csv",
        install="pip install --no-deps cpm-toolbox==0.26.0",
        license="AGPL-3.0",
        reader=read_cpm_bandit,
    ),
    "cavanagh": ChoiceDataset(
        package="hssm",
        folder="datasets",
        file="cavanagh_theta_nn.csv",
        install="pip install --no-deps hssm==0.3.0",
        license="Brown University (no incorporation into commercial products)",
        reader=read_cavanagh,
    ),
}
"""The registered choice data sets, by name."""


def _dataset(name: str) -> ChoiceDataset:
    if name not in CHOICE_DATASETS:
        raise ValueError(f"Expected a data set among {sorted(CHOICE_DATASETS)}, but got {name!r}.")
    return CHOICE_DATASETS[name]


def choices_available(name: str) -> bool:
    """Whether the package that ships data set ``name`` is installed (without importing it).

    Raises
    ------
    ValueError
        If ``name`` is not a registered data set.
    """
    source = _dataset(name)
    folder = package_folder(source.package)
    return folder is not None and (folder / source.folder / source.file).is_file()


def load_choices(name: str) -> Recordings:
    """Load a registered choice data set from its installed package.

    Parameters
    ----------
    name
        A key of :data:`CHOICE_DATASETS`: ``"cpm_bandit"`` or ``"cavanagh"``.

    Returns
    -------
    Recordings
        Two recordings per participant (see the data set's reader).

    Raises
    ------
    ValueError
        If ``name`` is not registered.
    ImportError
        If the package that ships it is not installed (the message names it and the
        command that installs it).
    FileNotFoundError
        If the installed version of the package does not ship the file.

    Examples
    --------
    >>> data = load_choices("cavanagh")  # doctest: +SKIP
    >>> len(data), data.groups[:2]  # doctest: +SKIP
    (28, ['p00', 'p00'])
    """
    source = _dataset(name)
    path = package_data(source.package, source.folder, source.install) / source.file
    if not path.is_file():
        raise FileNotFoundError(
            f"Expected {source.file!r} inside the installed {source.package} package, but "
            f"{str(path)!r} does not exist; install the version that ships it: {source.install}"
        )
    return source.reader(path)
