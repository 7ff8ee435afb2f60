"""Two nodes on localhost: ``torchrun --nnodes 2`` twice, gloo on CPU, from one store.

The 2-rank run must take the steps a 1-rank run with the same global batch takes (the
settings of ``ddp_two_nodes.PARAMS`` leave no per-rank random draw in the losses), write one
checkpoint from rank 0 only, and that checkpoint must resume in a 1-rank run.
"""

import csv
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch.distributed as dist

from bams import BAMS
from bams.data import Recordings, StoreWriter
from bams.training.checkpoint import load_checkpoint

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from ddp_two_nodes import PARAMS  # noqa: E402

TORCHRUN = shutil.which("torchrun") or shutil.which(
    "torchrun", path=str(Path(sys.executable).parent)
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TORCHRUN is None, reason="torchrun is not installed (torch's launcher)"),
    pytest.mark.skipif(not dist.is_gloo_available(), reason="torch without the gloo backend"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def step_losses(run: Path) -> list[float]:
    """``train/total`` at each step, from the run's CSV log."""
    (metrics,) = run.glob("logs/version_*/metrics.csv")
    with metrics.open() as f:
        rows = [row for row in csv.DictReader(f) if row.get("train/total")]
    return [float(row["train/total"]) for row in sorted(rows, key=lambda r: int(r["step"]))]


def two_nodes(data: Path, run: Path) -> None:
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    if sys.platform.startswith("linux"):
        env.setdefault("GLOO_SOCKET_IFNAME", "lo")
    nodes = [
        subprocess.Popen(
            [
                TORCHRUN,
                "--nnodes",
                "2",
                "--nproc-per-node",
                "1",
                "--node-rank",
                str(rank),
                "--master-addr",
                "127.0.0.1",
                "--master-port",
                str(port),
                str(HERE / "ddp_two_nodes.py"),
                str(data),
                str(run),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for rank in (0, 1)
    ]
    try:
        outputs = [node.communicate(timeout=240)[0] for node in nodes]
    finally:
        for node in nodes:
            node.kill()
    for node, output in zip(nodes, outputs, strict=True):
        assert node.returncode == 0, output[-4000:]


def test_two_nodes_match_one_process_and_resume_on_one(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "data.bams"
    with StoreWriter(data, actions=["f0", "f1"]) as writer:
        for i in range(16):  # 16 windows of 64 frames: 4 global steps of 4, 2 per rank
            signal = np.cumsum(rng.normal(size=(64, 3)), axis=0).astype(np.float32)
            writer.append(signal, id=f"rec{i}")
    two = tmp_path / "two"
    two_nodes(data, two)
    one = tmp_path / "one"
    BAMS(**PARAMS, output_dir=str(one)).fit(Recordings.load(data))

    a, b = step_losses(two), step_losses(one)
    assert len(a) == len(b) == 4
    # Equal up to the order of float sums (DDP averages the gradients of the ranks).
    np.testing.assert_allclose(a, b, rtol=1e-5)
    # Rank 0 alone wrote: one checkpoint, no temporary file left, one prepared folder.
    assert sorted(p.name for p in (two / "checkpoints").iterdir()) == ["last.ckpt"]
    assert not [p for p in two.iterdir() if p.name.startswith(".") and p.name != ".bams.lock"]
    assert (two / "prepared" / "inputs.npy").is_file()
    assert load_checkpoint(two / "checkpoints" / "last.ckpt")["step"] == 4

    resumed = BAMS(**{**PARAMS, "max_steps": 6}, output_dir=str(two)).fit(
        Recordings.load(data), resume=True
    )
    assert load_checkpoint(two / "checkpoints" / "last.ckpt", resumable=True)["step"] == 6
    assert resumed.history_["epoch"] == [1, 2]  # the 2-rank run's epoch, then one on 1 rank
