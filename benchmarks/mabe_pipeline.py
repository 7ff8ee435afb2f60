"""Time every stage of the MABe 2022 mouse pipeline on generated clips in the exact format.

Generates N clips (default 1,000; 30 % train file, 70 % test file as in the real data) with
`bams.sim.mabe_like`, writes them with the official names, then times, as `bams mabe run`
does them: loading, features, training (the paper model, batch 32 x 1800; a few steps are
timed and extrapolated to one epoch), embedding, submission writing and scoring. Prints
seconds per stage and per 1,000 clips of that stage's input, and extrapolates to the full
MABe mouse data (5,336 clips, 3,736 of them in the test file).

    python benchmarks/mabe_pipeline.py [--clips 1000] [--steps 4] [--accelerator cpu]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from bams import BAMS
from bams.datasets.mabe import mabe_recordings
from bams.evaluation.mabe import score_files
from bams.io.mabe_keypoints import load_mabe_keypoints
from bams.io.mabe_submission import write_submission
from bams.models import BAMSNetwork
from bams.pipelines.mabe import mabe_config
from bams.preprocessing import Preprocessor
from bams.sim.mabe_like import make_mouse_triplets
from bams.training.loop import make_fabric, train_network
from bams.training.windows import PreparedRecordings
from common import machine, peak_rss_mb

FULL_CLIPS, FULL_TEST_CLIPS = 5336, 3736


def seconds_per_step(prepared, prep, config, steps: int) -> float:
    """Seconds per step of the training loop, net of its set-up (difference of two runs)."""
    times = []
    for n in (2, 2 + steps):
        config.train.max_steps = n
        fabric = make_fabric(config.train)
        fabric.seed_everything(0, verbose=False)
        network = BAMSNetwork.from_config(config.model, prep.n_inputs, prep.n_actions)
        start = time.perf_counter()
        train_network(fabric, network, prepared, config, progress=False)
        times.append(time.perf_counter() - start)
    return (times[1] - times[0]) / steps


def time_training(data, accelerator: str, steps: int, rows: list) -> tuple:
    """Time the training set-up and one epoch (extrapolated); the config and the step times."""
    config = mabe_config("mouse")
    config.train.accelerator = accelerator
    config.train.logger = "none"
    start = time.perf_counter()
    prep = Preprocessor(config.model.hoa_bins, config.model.hoa_quantiles).fit(data)
    prepared = PreparedRecordings.build(data, prep)
    rows.append(("training set-up (preprocessing)", "all", time.perf_counter() - start))
    step = seconds_per_step(prepared, prep, config, steps)
    windows = sum(math.ceil(n / config.train.window_length) for n in data.lengths)
    steps_per_epoch = math.ceil(windows / config.train.batch_size)
    rows.append(("training, one epoch (extrapolated)", "all", step * steps_per_epoch))
    return config, step, steps_per_epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=4, help="timed training steps")
    parser.add_argument("--accelerator", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []  # (stage, "all" or "test" clips, seconds)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        paths = make_mouse_triplets(args.clips, seed=args.seed).save(folder / "data")
        generate = time.perf_counter() - start

        start = time.perf_counter()
        train = load_mabe_keypoints(paths["train"], "mouse")
        test = load_mabe_keypoints(paths["test"], "mouse")
        rows.append(("load (both files)", "all", time.perf_counter() - start))
        n_test = len(test.keypoints)

        start = time.perf_counter()
        data = mabe_recordings([train, test], "mouse")
        rows.append(("features (58 per mouse)", "all", time.perf_counter() - start))
        start = time.perf_counter()
        data.save(folder / "features.npz")
        rows.append(("save features .npz", "all", time.perf_counter() - start))

        config, step, steps_per_epoch = time_training(data, args.accelerator, args.steps, rows)

        # Embedding speed does not depend on the weights: one step makes a fitted model.
        model = BAMS.from_config(config, max_steps=1, verbose=False, output_dir=None)
        model.fit(data.subset(range(min(len(data), 64))))
        test_data = data.subset([i for i, g in enumerate(data.groups) if g in test.keypoints])
        start = time.perf_counter()
        embeddings = model.transform(test_data)
        rows.append(("embedding (test clips)", "test", time.perf_counter() - start))
        start = time.perf_counter()
        submission = write_submission(
            folder / "submission.npy", embeddings, test_data, clips=test.clip_lengths
        )
        rows.append(("submission writing", "test", time.perf_counter() - start))
        del embeddings
        start = time.perf_counter()
        scores = score_files(submission, paths["labels"], paths["split"])
        rows.append(
            ("scoring (13 tasks x 3 seeds x 5 alphas)", "test", time.perf_counter() - start)
        )

    print(f"machine: {machine()}")
    print(
        f"data: {args.clips} clips x 1800 frames x 3 mice ({len(train.keypoints)} train file, "
        f"{n_test} test file), generated and saved in {generate:.1f} s"
    )
    print(
        f"training: paper model, batch {config.train.batch_size} x {config.train.window_length}"
        f", {step:.2f} s/step over {args.steps} timed steps, {steps_per_epoch} steps per epoch "
        f"here; a full-data epoch (16,008 windows) is {math.ceil(3 * FULL_CLIPS / 32)} steps"
    )
    print(
        f"{'stage':42s} {'clips':>6s} {'seconds':>9s} {'s / 1,000 clips':>16s} {'full data':>10s}"
    )
    for stage, scope, seconds in rows:
        clips, full = (args.clips, FULL_CLIPS) if scope == "all" else (n_test, FULL_TEST_CLIPS)
        per_1000 = seconds / clips * 1000
        print(
            f"{stage:42s} {clips:6d} {seconds:9.1f} {per_1000:16.1f} {per_1000 * full / 1000:9.0f}s"
        )
    reported = {s.task: s.private_score for s in scores if s.reported}
    print("scores (alpha = 1, one-step model):", {k: round(v, 3) for k, v in reported.items()})
    print(f"peak RSS: {peak_rss_mb():,.0f} MiB")


if __name__ == "__main__":
    main()
