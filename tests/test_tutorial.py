"""docs/tutorial.md, run as written: every `bams` command, the files it shows, its Python.

The tutorial's commands run on small generated DeepLabCut files laid out as the tutorial
describes, with two changes that only make them fast: training uses the ``quick`` preset and
a few steps (``--steps N`` becomes ``--steps 4``).
"""

import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("movement")
pytest.importorskip("hmmlearn")
pytest.importorskip("pyarrow")

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
KEYPOINTS = ["nose", "left_ear", "right_ear", "neck", "body", "tail_base"]
BODY = np.array([[3.0, 0], [2, 0.8], [2, -0.8], [1.5, 0], [0, 0], [-2.5, 0]])


def _blocks(text: str) -> list[tuple[str, str, str | None]]:
    """``(language, code, file name)`` of every fenced block, in order."""
    pattern = re.compile(r"(?:<!-- file: (\S+) -->\n)?```(\w+)\n(.*?)```", re.S)
    return [(m.group(2), m.group(3), m.group(1)) for m in pattern.finditer(text)]


def _dlc_csv(path: Path, rng, n_frames: int, speed: float) -> None:
    """A single-animal DeepLabCut CSV of a mouse walking and turning at ``speed``."""
    heading = np.cumsum(rng.normal(0, 0.06, n_frames))
    step = speed * (1 + np.sin(np.arange(n_frames) / 25.0))
    centre = 200 + np.cumsum(step[:, None] * np.c_[np.cos(heading), np.sin(heading)], axis=0)
    c, s = np.cos(heading), np.sin(heading)
    rotation = np.stack([np.c_[c, -s], np.c_[s, c]], axis=1)
    points = np.einsum("tij,kj->tki", rotation, BODY * 8) + centre[:, None]
    points += rng.normal(0, 0.4, points.shape)
    likelihood = rng.uniform(0.6, 1.0, points.shape[:2])
    likelihood[rng.random(points.shape[:2]) < 0.02] = 0.1
    columns = pd.MultiIndex.from_product(
        [["DLC_resnet50_tutorial"], KEYPOINTS, ["x", "y", "likelihood"]],
        names=["scorer", "bodyparts", "coords"],
    )
    values = np.concatenate([points, likelihood[..., None]], axis=2).reshape(n_frames, -1)
    pd.DataFrame(values, columns=columns).to_csv(path)


def _command(code: str) -> list[list[str]]:
    """The `bams` commands of a bash block, made fast for the test."""
    commands = []
    for line in code.replace("\\\n", " ").splitlines():
        if not line.startswith("bams "):
            continue
        args = shlex.split(line)[1:]
        if args[0] == "train":
            args = [a for a in args]
            args[args.index("--steps") + 1] = "4"
            args += ["--preset", "quick", "-s", "train.window_length=200"]
        commands.append(args)
    return commands


def test_the_tutorial_runs_as_written(tmp_path, monkeypatch):
    from bams.cli import app

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    (tmp_path / "my_videos").mkdir()
    for mouse in (1, 2, 3):
        for condition, speed in (("saline", 1.0), ("drug", 2.5)):
            _dlc_csv(tmp_path / "my_videos" / f"mouse{mouse}_{condition}.csv", rng, 450, speed)
    ran = []
    for language, code, name in _blocks(TUTORIAL.read_text()):
        if name is not None:
            (tmp_path / name).write_text(code)
        elif language == "bash":
            for args in _command(code):
                result = CliRunner().invoke(app, args)
                assert result.exit_code == 0, f"bams {' '.join(args)}\n{result.output}"
                ran.append(args[0])
        elif language == "python":
            exec(compile(code, str(TUTORIAL), "exec"), {})
            ran.append("python")
    assert ran == ["poses", "train", "embed", "motifs", "compare", "report", "python"]
    run = tmp_path / "runs" / "mice"
    assert pd.read_parquet(run / "embeddings.parquet")["recording"].nunique() == 6
    assert list(pd.read_csv(run / "motifs" / "labels.csv").columns[:2]) == ["recording", "frame"]
    assert sorted((run / "motifs" / "movies").glob("motif_*.gif"))
    assert (run / "comparison" / "condition" / "motif_usage.csv").is_file()
    page = (run / "report" / "index.html").read_text()
    for section in (">Summary<", ">Data quality<", ">Motifs<", ">Groups by condition<"):
        assert section in page
    assert "data:image/gif;base64," in page
