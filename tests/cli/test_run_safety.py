"""Nothing a run wrote is lost: finished or running runs are refused, failures write nothing."""

import hashlib
import subprocess
import sys
import time

import pytest
from filelock import FileLock
from typer.testing import CliRunner

from bams import BAMS
from bams.cli import app
from bams.training.run_dir import LOCK_FILE

runner = CliRunner()


def _digests(run):
    return {
        p.relative_to(run).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(run.rglob("*"))
        if p.is_file() and p.name != LOCK_FILE and "logs" not in p.parts
    }


@pytest.fixture
def args(tmp_path, tiny_config, data_file):
    return ["train", "--data", str(data_file), "--config", str(tiny_config), "--output-dir"]


def test_a_finished_run_is_refused_unless_resumed_or_overwritten(tmp_path, args):
    run = tmp_path / "run"
    assert runner.invoke(app, [*args, str(run)]).exit_code == 0
    before = _digests(run)
    again = runner.invoke(app, [*args, str(run)])
    assert again.exit_code == 2 and "holds a run (model.pt" in again.output
    assert "--resume" in again.output and "--overwrite" in again.output
    assert _digests(run) == before
    replaced = runner.invoke(app, [*args, str(run), "--overwrite", "-s", "train.seed=7"])
    assert replaced.exit_code == 0, replaced.output
    assert _digests(run)["model.pt"] != before["model.pt"]
    both = runner.invoke(app, [*args, str(run), "--overwrite", "--resume"])
    assert both.exit_code == 2 and "either resume or overwrite" in both.output


def test_overwrite_removes_what_the_old_model_made(tmp_path, small_data, tiny_params):
    run = tmp_path / "run"
    BAMS(**tiny_params, output_dir=run).fit(small_data)
    (run / "embeddings.npz").write_bytes(b"old")
    (run / "report").mkdir()
    BAMS(**tiny_params, output_dir=run).fit(small_data, overwrite=True)
    assert not (run / "embeddings.npz").exists() and not (run / "report").exists()
    assert (run / "model.pt").is_file()


def test_a_run_in_progress_is_refused_at_once(tmp_path, args):
    run = tmp_path / "run"
    run.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from filelock import FileLock; "
            f"lock = FileLock({str(run / LOCK_FILE)!r}); lock.acquire(); "
            "print('held', flush=True); "
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.perf_counter()
        second = runner.invoke(app, [*args, str(run)])
        assert second.exit_code == 2 and "another process is training there" in second.output
        assert time.perf_counter() - start < 30
        assert not (run / "config.yaml").exists()
    finally:
        holder.kill()
        holder.wait()
    assert runner.invoke(app, [*args, str(run)]).exit_code == 0  # the lock died with it


def test_the_lock_is_held_for_the_run_and_released(tmp_path, small_data, tiny_params):
    seen = {}

    class Spy(BAMS):
        def save(self, path):
            lock = FileLock(tmp_path / "run" / LOCK_FILE)
            try:
                lock.acquire(timeout=0)
                seen["free"] = True
                lock.release()
            except Exception:
                seen["free"] = False
            return super().save(path)

    Spy(**tiny_params, output_dir=tmp_path / "run").fit(small_data)
    assert seen == {"free": False}
    FileLock(tmp_path / "run" / LOCK_FILE).acquire(timeout=0)


def test_a_run_that_fails_to_start_leaves_the_previous_run_intact(tmp_path, args):
    run = tmp_path / "run"
    assert runner.invoke(app, [*args, str(run)]).exit_code == 0
    before = _digests(run)
    bad = ["-s", "model.encoders.short_term.architecture=nope", "--overwrite"]
    failed = runner.invoke(app, [*args, str(run), *bad])
    assert failed.exit_code == 2 and "nope" in failed.output
    assert _digests(run) == before
    # the saved config still resumes the run, from any working directory
    resumed = runner.invoke(
        app,
        ["train", "--config", str(run / "config.yaml"), "--resume", "-s", "train.max_steps=4"],
    )
    assert resumed.exit_code == 0, resumed.output
