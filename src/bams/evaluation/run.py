"""Evaluate a training run: BAMS, baselines, peers and ablations, on the same splits."""

from __future__ import annotations

import contextlib
import csv
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console

from bams.data import Recordings
from bams.estimator import BAMS, MODEL_FILE
from bams.evaluation.readout import evaluate_readouts, summarize
from bams.evaluation.representations import (
    GroupView,
    bams_latents,
    cebra_time,
    pca_features,
    raw_features,
    untrained_bams,
    window_average,
)
from bams.evaluation.tasks import make_splits, tasks_from

EVALUATION_DIR = "evaluation"
BASELINES = ("raw", "pca", "window_average", "untrained")
PEERS = ("cebra",)
ABLATIONS = {
    "short_term only": {"keep": ["short_term"]},
    "long_term only": {"keep": ["long_term"]},
    "bootstrap only (no HoA)": {"hoa_weight": 0.0},
    "HoA only (no bootstrap)": {"bootstrap_weight": 0.0},
}


@dataclass
class EvaluationConfig:
    """What to compare and how to split.

    Attributes
    ----------
    seeds
        One readout split per seed; results are mean and std over seeds.
    test_size, train_size
        Fractions of recordings (or groups) in each part, e.g. ``train_size=0.2,
        test_size=None, seeds=[42]`` for the paper's protocol.
    baselines
        Among ``raw``, ``pca``, ``window_average``, ``untrained``.
    peers
        Among ``cebra`` (needs the ``peers`` extra).
    ablations
        Also train and evaluate the BAMS ablations (one latent only, no HoA, no bootstrap),
        with the run's own settings; trained models are kept in ``evaluation/ablations``.
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


def representations_for(
    model: BAMS, data: Recordings, config: EvaluationConfig, run_dir: Path, console: Console
) -> tuple[dict[str, list[np.ndarray]], dict[str, int]]:
    """Every representation to read out, and the dimension of each."""
    unknown = sorted(set(config.baselines) - set(BASELINES)) + sorted(
        set(config.peers) - set(PEERS)
    )
    if unknown:
        raise ValueError(
            f"Expected baselines among {list(BASELINES)} and peers among {list(PEERS)}, "
            f"but got {unknown}."
        )
    reps = bams_latents(model.transform(data))
    n_dims = sum(e.out_channels for e in model.network_.encoders.values())
    raw = raw_features(data, model.preprocessor_)
    if "raw" in config.baselines:
        reps["raw features"] = raw
    if "pca" in config.baselines:
        reps["PCA of raw features"] = pca_features(raw, n_dims)
    if "window_average" in config.baselines:
        window = max(model.receptive_fields_.values())
        reps[f"raw averaged over {window} frames"] = window_average(raw, window)
    if "untrained" in config.baselines:
        reps.update(untrained_bams(model, data))
    if "cebra" in config.peers:
        start = time.perf_counter()
        reps["CEBRA-Time"] = cebra_time(raw, n_dims, max_iterations=config.cebra_iterations)
        console.print(f"CEBRA-Time trained in {time.perf_counter() - start:.0f} s")
    if config.ablations:
        for name, embeddings in train_ablations(model, data, run_dir / EVALUATION_DIR).items():
            reps[f"BAMS {name}"] = embeddings
    return reps, {name: rep[0].shape[1] for name, rep in reps.items()}


def train_ablations(model: BAMS, data: Recordings, directory: Path) -> dict[str, list[np.ndarray]]:
    """Train (or reuse) each ablation with the run's settings; return its concatenated latents."""
    out = {}
    for name, change in ABLATIONS.items():
        params = model.get_params()
        encoders = model.get_config().model.encoders
        if "keep" in change:
            if not set(change["keep"]) <= set(encoders) or len(encoders) < 2:
                continue
            encoders = {k: v for k, v in encoders.items() if k in change["keep"]}
        if "bootstrap_weight" in change:
            for enc in encoders.values():
                enc.bootstrap_weight = change["bootstrap_weight"]
        params.update(encoders=encoders, hoa_weight=change.get("hoa_weight", params["hoa_weight"]))
        path = directory / "ablations" / name.split(" (")[0].replace(" ", "_") / MODEL_FILE
        if path.is_file():
            ablation = BAMS.load(path)
        else:
            params.update(output_dir=path.parent, logger="none")
            ablation = BAMS(**params).fit(data)
        latents = ablation.transform(data)
        out[name] = [np.concatenate(list(e.values()), axis=1) for e in latents]
    return out


def evaluate_run(
    run_dir: str | Path,
    data: Recordings | None = None,
    config: EvaluationConfig | None = None,
    console: Console | None = None,
) -> list[dict]:
    """Evaluate the model of ``run_dir`` against baselines, peers and ablations.

    Writes ``evaluation/readouts.csv`` (every split), ``evaluation/summary.csv`` (mean and std
    over seeds) and ``evaluation/evaluation.json`` (settings, methods and their dimensions) in
    the run directory.

    Parameters
    ----------
    run_dir
        A training run directory (holds ``model.pt``).
    data
        The recordings to evaluate on (default: the file the run was trained on).
    config
        What to compare and how to split.
    console
        Where to print progress.

    Returns
    -------
    list of dict
        The summary rows (see :func:`bams.evaluation.readout.summarize`), each with a ``unit``
        (``recording`` or ``group``).

    Raises
    ------
    ValueError
        If the data has no labels, or settings are invalid.
    """
    run_dir, config = Path(run_dir), config or EvaluationConfig()
    console = console or Console(stderr=True)
    model = BAMS.load(run_dir / MODEL_FILE)
    if data is None:
        source = model.get_config().data
        if not source:
            raise ValueError(
                f"Expected the data file of {str(run_dir)!r} to be known, but got none."
            )
        data = Recordings.load(source)
    tasks = tasks_from(data)
    if config.tasks is not None:
        unknown = sorted(set(config.tasks) - {t.name for t in tasks})
        if unknown:
            raise ValueError(
                f"Expected tasks among the data's labels {sorted(t.name for t in tasks)}, "
                f"but got {unknown}."
            )
        tasks = [t for t in tasks if t.name in config.tasks]
    if not tasks:
        raise ValueError("Expected recordings with labels to read out, but got none.")
    start = time.perf_counter()
    reps, dims = representations_for(model, data, config, run_dir, console)
    units = data.groups if data.groups is not None else data.ids
    splits = make_splits(
        units, seeds=config.seeds, test_size=config.test_size, train_size=config.train_size
    )
    rows = [
        {**r, "unit": "recording"}
        for r in evaluate_readouts(
            reps, tasks, splits, groups=units, max_train_frames=config.max_train_frames
        )
    ]
    if data.groups is not None:
        view = GroupView.build(data, tasks)
        group_splits = make_splits(
            view.ids, seeds=config.seeds, test_size=config.test_size, train_size=config.train_size
        )
        grouped = {name: view.aggregate(rep) for name, rep in reps.items()}
        rows += [
            {**r, "unit": "group"}
            for r in evaluate_readouts(
                grouped, view.tasks, group_splits, max_train_frames=config.max_train_frames
            )
        ]
    summary = []
    for unit in ("recording", "group"):
        summary += [{**s, "unit": unit} for s in summarize([r for r in rows if r["unit"] == unit])]
    out = run_dir / EVALUATION_DIR
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(rows, out / "readouts.csv")
    _write_csv(summary, out / "summary.csv")
    meta = {
        "config": asdict(config),
        "methods": dims,
        "n_recordings": len(data),
        "n_groups": None if data.groups is None else len(set(data.groups)),
        "seconds": time.perf_counter() - start,
    }
    (out / "evaluation.json").write_text(json.dumps(meta, indent=2))
    console.print(
        f"Evaluated {len(reps)} methods on {len(tasks)} tasks x {len(splits)} splits "
        f"in {meta['seconds']:.0f} s -> {out}"
    )
    return summary


def load_summary(run_dir: str | Path) -> list[dict]:
    """Read ``evaluation/summary.csv`` back (numbers as floats)."""
    path = Path(run_dir) / EVALUATION_DIR / "summary.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"Expected evaluation results at {str(path)!r}; run `bams evaluate` first."
        )
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for key, value in row.items():
            if key not in _TEXT_FIELDS:
                with contextlib.suppress(ValueError):
                    row[key] = float(value)
    return rows


_TEXT_FIELDS = {"method", "task", "protocol", "level", "kind", "metric", "unit"}


def _write_csv(rows: list[dict], path: Path) -> None:
    fields = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
