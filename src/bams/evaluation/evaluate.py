"""Evaluate a trained model in memory: BAMS, baselines, peers and ablations on the same splits."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console

from bams.data import Recordings
from bams.embedding import Embedding
from bams.evaluation.ablations import train_ablations
from bams.evaluation.groups import GroupView
from bams.evaluation.readout import evaluate_readouts, summarize
from bams.evaluation.representations import BASELINES, build_representations, check_methods
from bams.evaluation.tasks import Task, make_splits, tasks_from
from bams.utils.atomic import atomic_write

__all__ = ["PAPER_SPLIT", "Evaluation", "EvaluationConfig", "evaluate"]

PAPER_SPLIT = {"seeds": [42], "train_size": 0.2, "test_size": None}
"""The paper's readout split: train on 20% of the units, test on the other 80%, seed 42."""
READOUTS_FILE, SUMMARY_FILE, META_FILE = "readouts.csv", "summary.csv", "evaluation.json"
_TEXT_FIELDS = {"method", "task", "protocol", "level", "kind", "metric", "unit"}


@dataclass
class EvaluationConfig:
    """What to compare and how to split.

    Attributes
    ----------
    seeds
        One readout split per seed; results are mean and std over seeds.
    test_size, train_size
        Fractions of recordings (or groups) in each part (:data:`PAPER_SPLIT` is the paper's
        protocol; see :meth:`paper`).
    baselines
        Among ``raw``, ``pca``, ``window_average``, ``untrained``.
    peers
        Among ``cebra`` (needs the ``peers`` extra).
    ablations
        Also train and evaluate the BAMS ablations (one latent only, no HoA, no bootstrap),
        with the run's own settings (:mod:`bams.evaluation.ablations`).
    max_train_frames
        Training frames per readout are subsampled to at most this many.
    cebra_iterations
        Training iterations of CEBRA-Time.
    tasks
        Labels to read out (default: every frame and sequence label of the data).
    """

    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    test_size: float | None = 0.5
    train_size: float | None = None
    baselines: list[str] = field(default_factory=lambda: list(BASELINES))
    peers: list[str] = field(default_factory=list)
    ablations: bool = False
    max_train_frames: int = 20000
    cebra_iterations: int = 2000
    tasks: list[str] | None = None

    @classmethod
    def paper(cls, **changes) -> EvaluationConfig:
        """The paper's split (:data:`PAPER_SPLIT`), with any other field changed."""
        return cls(**{**PAPER_SPLIT, **changes})


@dataclass
class Evaluation:
    """The readouts of one evaluation.

    Attributes
    ----------
    summary
        Mean and std over seeds per method, task, protocol and ``unit`` (``recording`` or
        ``group``): see :func:`bams.evaluation.readout.summarize`.
    rows
        Every split's readout (empty when read back with :meth:`load` without them).
    methods
        Each representation's dimension.
    config
        The settings (as a dict).
    n_recordings, n_groups
        What was evaluated.
    seconds
        How long it took.
    data
        The recordings evaluated: ``{"source": file or "", "fingerprint":
        Recordings.fingerprint}`` (a report shows the readouts only with these recordings).
    """

    summary: list[dict]
    rows: list[dict] = field(default_factory=list)
    methods: dict[str, int] = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    n_recordings: int = 0
    n_groups: int | None = None
    seconds: float | None = None
    data: dict = field(default_factory=dict)

    @property
    def meta(self) -> dict:
        """Everything but the readouts (what ``evaluation.json`` holds)."""
        return {
            "config": self.config,
            "methods": self.methods,
            "n_recordings": self.n_recordings,
            "n_groups": self.n_groups,
            "seconds": self.seconds,
            "data": self.data,
        }

    def save(self, directory: str | Path) -> Path:
        """Write ``readouts.csv``, ``summary.csv`` and ``evaluation.json`` to ``directory``."""
        directory = Path(directory)
        atomic_write(directory / READOUTS_FILE, _csv_text(self.rows))
        atomic_write(directory / SUMMARY_FILE, _csv_text(self.summary))
        atomic_write(directory / META_FILE, json.dumps(self.meta, indent=2))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> Evaluation:
        """Read an evaluation written by :meth:`save` (numbers as floats).

        Raises
        ------
        FileNotFoundError
            If ``directory`` holds no ``summary.csv``.
        """
        directory = Path(directory)
        path = directory / SUMMARY_FILE
        if not path.is_file():
            raise FileNotFoundError(
                f"Expected evaluation results at {str(path)!r}; run `bams evaluate` first."
            )
        meta_path = directory / META_FILE
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        rows_path = directory / READOUTS_FILE
        rows = _read_csv(rows_path) if rows_path.is_file() else []
        return cls(summary=_read_csv(path), rows=rows, **meta)


def evaluate(
    model,
    data: Recordings,
    config: EvaluationConfig | None = None,
    *,
    embeddings: Sequence[Embedding] | None = None,
    ablations_dir: str | Path | None = None,
    console: Console | None = None,
) -> Evaluation:
    """Read every label of ``data`` out of BAMS, the baselines, peers and ablations.

    Parameters
    ----------
    model
        A fitted :class:`bams.BAMS`.
    data
        Labelled recordings (with the features the model was trained on).
    config
        What to compare and how to split.
    embeddings
        ``model.transform(data)``, if already computed.
    ablations_dir
        Where ablation models are kept and reused (see
        :func:`bams.evaluation.ablations.train_ablations`).
    console
        Where to print progress.

    Returns
    -------
    Evaluation
        The readouts; recordings of one group always stay on one side of a split, and groups
        are also read out as units of their own.

    Raises
    ------
    ValueError
        If the data has no labels to read out, or settings are invalid.
    """
    config, console = config or EvaluationConfig(), console or Console(stderr=True)
    check_methods(config.baselines, config.peers)
    tasks = _selected_tasks(data, config.tasks)
    start = time.perf_counter()
    reps = build_representations(
        model,
        data,
        embeddings=embeddings,
        baselines=config.baselines,
        peers=config.peers,
        cebra_iterations=config.cebra_iterations,
        log=console.print,
    )
    if config.ablations:
        for name, rep in train_ablations(model, data, ablations_dir).items():
            reps[f"BAMS {name}"] = rep
    rows = _readouts(reps, data, tasks, config)
    summary = []
    for unit in ("recording", "group"):
        summary += [{**s, "unit": unit} for s in summarize([r for r in rows if r["unit"] == unit])]
    evaluation = Evaluation(
        summary=summary,
        rows=rows,
        methods={name: rep[0].shape[1] for name, rep in reps.items()},
        config=asdict(config),
        n_recordings=len(data),
        n_groups=None if data.groups is None else len(set(data.groups)),
        seconds=time.perf_counter() - start,
        data={"source": data.source or "", "fingerprint": data.fingerprint},
    )
    console.print(
        f"Evaluated {len(reps)} methods on {len(tasks)} tasks x {len(config.seeds)} splits "
        f"in {evaluation.seconds:.0f} s"
    )
    return evaluation


def _selected_tasks(data: Recordings, names: Sequence[str] | None) -> list[Task]:
    tasks = tasks_from(data)
    if names is not None:
        unknown = sorted(set(names) - {t.name for t in tasks})
        if unknown:
            raise ValueError(
                f"Expected tasks among the data's labels {sorted(t.name for t in tasks)}, "
                f"but got {unknown}."
            )
        tasks = [t for t in tasks if t.name in names]
    if not tasks:
        raise ValueError("Expected recordings with labels to read out, but got none.")
    return tasks


def _readouts(reps, data: Recordings, tasks: list[Task], config: EvaluationConfig) -> list[dict]:
    """Rows of every split: by recording (grouped), then by group as a unit of its own."""
    units = data.groups if data.groups is not None else data.ids
    sizes = {"seeds": config.seeds, "test_size": config.test_size, "train_size": config.train_size}
    limit = config.max_train_frames
    rows = [
        {**r, "unit": "recording"}
        for r in evaluate_readouts(
            reps, tasks, make_splits(units, **sizes), groups=units, max_train_frames=limit
        )
    ]
    if data.groups is not None:
        view = GroupView.build(data, tasks)
        grouped = {name: view.aggregate(rep) for name, rep in reps.items()}
        rows += [
            {**r, "unit": "group"}
            for r in evaluate_readouts(
                grouped, view.tasks, make_splits(view.ids, **sizes), max_train_frames=limit
            )
        ]
    return rows


def _csv_text(rows: list[dict]) -> str:
    fields = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _read_csv(path: Path) -> list[dict]:
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for key, value in row.items():
            if key not in _TEXT_FIELDS:
                with contextlib.suppress(ValueError):
                    row[key] = float(value)
    return rows
