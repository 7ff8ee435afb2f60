"""One node of the 2-node localhost test (``test_two_nodes.py``), started by ``torchrun``.

Usage: ``torchrun --nnodes 2 --nproc-per-node 1 --node-rank R ... ddp_two_nodes.py DATA RUN``
trains the tiny model of :data:`PARAMS` from the store ``DATA`` into ``RUN`` with
``strategy="ddp"``, ``num_nodes=2``, ``devices=1`` on CPU (gloo).
"""

import sys
from pathlib import Path

from bams import BAMS
from bams.data import Recordings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, outside pytest
from tiny_settings import TINY_ENCODERS  # noqa: E402

ENCODERS = {  # no dropout: the random draws of each rank would differ from one process's
    name: {**settings, "dropout": 0.0, "bootstrap_weight": 0.0}
    for name, settings in TINY_ENCODERS.items()
}
# Settings where a 2-rank step computes what a 1-rank step with the same global batch does:
# no random draw inside a batch (every HoA frame used, no dropout, bootstrap terms weighted
# 0, so per-rank batch norm statistics of the heads do not enter), and recordings without
# missing frames as long as the window, so that every window has the same frames with an HoA
# target (a window at the end of a recording has fewer) and each rank's loss is a mean over
# as many frames as the other's: the mean over ranks is then the mean over the global batch.
PARAMS = {
    "encoders": ENCODERS,
    "hoa_bins": 8,
    "hoa_window": 5,
    "hoa_warmup": 4,
    "predictor_hidden": (16,),
    "window_length": 64,
    "batch_size": 4,
    "max_steps": 4,
    "bootstrap_pairs": 8,
    "hoa_frame_fraction": 1.0,
    "accelerator": "cpu",
    "logger": "csv",
    "log_every": 1,
    "verbose": False,
    "inference_precision": "32",
}


def main(data: str, run: str) -> None:
    """Train on the store ``data`` into ``run`` as one of two nodes."""
    model = BAMS(**PARAMS, strategy="ddp", devices=1, num_nodes=2, output_dir=run)
    model.fit(Recordings.load(data))


if __name__ == "__main__":
    main(*sys.argv[1:3])
