"""Shared pieces of the benchmarks: the MABe mouse configuration and resource readings."""

from __future__ import annotations

import platform
import resource
from pathlib import Path

import numpy as np
import torch

from bams.data import Recordings
from bams.pipelines.study import Study, StudyResult, run_study

# MABe 2022 mouse triplets as in the paper: each mouse is a sequence of 1800 frames with
# about 68 egocentric features, 9 of them actions quantized into 32 bins.
N_FEATURES = 68
N_ACTIONS = 9
LENGTH = 1800
BATCH = 32


def mabe_like(n_recordings: int, length: int = LENGTH, seed: int = 0) -> Recordings:
    """Random smooth features in the MABe mouse shape, with 1% missing frames."""
    rng = np.random.default_rng(seed)
    sequences = []
    for _ in range(n_recordings):
        x = rng.standard_normal(size=(length, N_FEATURES), dtype=np.float32)
        np.cumsum(x, axis=0, out=x)
        x *= 0.1
        x[rng.random(length) < 0.01] = np.nan
        sequences.append(x)
    names = [f"f{i}" for i in range(N_FEATURES)]
    return Recordings(sequences, feature_names=names, actions=names[:N_ACTIONS], frame_rate=30.0)


def reset_peak_rss() -> bool:
    """Restart the peak-RSS count from the current RSS (Linux); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB.

    Reads VmHWM where /proc exists: ``ru_maxrss`` of a child starts at its parent's value
    at fork on Linux, which would hide a child's own, smaller peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """One line describing where the numbers come from."""
    threads = torch.get_num_threads()
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{platform.processor() or platform.machine()}, {threads} torch threads, {gpu}, "
        f"torch {torch.__version__}"
    )


def write_between_markers(path: Path, start: str, end: str, body: str) -> bool:
    """Replace the text between the markers ``start`` and ``end`` of ``path`` with ``body``.

    Returns False (and writes nothing) when ``path`` lacks either marker.
    """
    text = path.read_text() if path.is_file() else ""
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    path.write_text(f"{head}{start}\n{body}\n{end}{rest.split(end, 1)[1]}")
    return True


def run_reusing(study: Study, folder: Path) -> tuple[StudyResult, float, bool]:
    """Run ``study`` in ``folder``, reusing its model if it was trained with the same settings.

    Returns the result, the seconds training took (recorded by the run that trained it) and
    whether the model was reused.
    """
    seconds_file = folder / "training_seconds.txt"
    result = run_study(study, folder, reuse=True)
    if result.reused:
        print(f"reusing {folder / 'model.pt'}")
        recorded = float(seconds_file.read_text()) if seconds_file.is_file() else np.nan
        return result, recorded, True
    seconds = result.seconds["training"]
    seconds_file.write_text(f"{seconds:.1f}\n")
    print(f"trained {folder / 'model.pt'} in {seconds:.0f} s")
    return result, seconds, False


def with_halves(data: Recordings) -> Recordings:
    """``data``'s recordings followed by the two halves of each (``Recordings.split_parts``).

    Embedding this set embeds each half on its own, so that no half sees the other's context
    (re-identification of the halves).
    """
    halves = data.split_parts(2)
    return Recordings(
        data.sequences + halves.sequences,
        feature_names=data.feature_names,
        actions=data.actions,
        frame_rate=data.frame_rate,
        ids=data.ids + halves.ids,
    )


def cached_bandit_fit(data: Recordings, path: Path, restarts: int, seed: int = 0):
    """The MLE fit of every session, read from ``path`` or computed and saved there.

    Returns the fit, the seconds it took (recorded when it was computed) and whether it was
    read from ``path``.
    """
    import time

    from bams.pipelines.decision_making import PARAMETER_SCALES
    from bams.sim.bandit import BanditFit, fit_bandit

    if path.is_file():
        saved = np.load(path)
        fit = BanditFit(
            parameters={n: saved[n] for n in PARAMETER_SCALES},
            log_likelihood=saved["log_likelihood"],
            explore_posterior=list(saved["explore_posterior"]),
            converged=saved["converged"],
        )
        return fit, float(saved["seconds"]) if "seconds" in saved else np.nan, True
    start = time.perf_counter()
    fit = fit_bandit(data, n_restarts=restarts, seed=seed)
    seconds = time.perf_counter() - start
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        **fit.parameters,
        log_likelihood=fit.log_likelihood,
        explore_posterior=np.stack(fit.explore_posterior),
        converged=fit.converged,
        seconds=seconds,
    )
    return fit, seconds, False
