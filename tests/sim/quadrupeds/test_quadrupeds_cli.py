import pytest
from typer.testing import CliRunner

pytest.importorskip("mujoco")

from bams.cli import app  # noqa: E402
from bams.data import Recordings  # noqa: E402
from bams.sim.quadrupeds import render  # noqa: E402
from bams.sim.quadrupeds.dataset import read_attempts  # noqa: E402

runner = CliRunner()


def simulate(*arguments):
    return runner.invoke(app, ["simulate", "quadrupeds", "--duration", "0.2", *arguments])


def test_writes_the_dataset_and_says_what_was_kept(fake, tmp_path):
    output = tmp_path / "q.npz"
    result = simulate("-n", "3", "-o", str(output), "--seed", "2", "--difficulty-max", "0.5")
    assert result.exit_code == 0, result.output
    assert "Kept 3 of 4 attempts (failed: tilt 1)" in result.output
    assert str(output) in result.output
    data = Recordings.load(output)
    assert data.ids == ["q000000", "q000002", "q000003"]
    assert max(read_attempts(output)["segment1_difficulty"]) <= 0.5


def test_renders_the_first_trajectory(fake, monkeypatch, tmp_path):
    calls = []

    def fake_render(index, path, **options):
        calls.append((index, options))
        return path

    monkeypatch.setattr(render, "render_trajectory", fake_render)
    gif = tmp_path / "walk.gif"
    result = simulate("-n", "1", "-o", str(tmp_path / "q.npz"), "--render", str(gif))
    assert result.exit_code == 0, result.output
    assert f"q000000 rendered to {gif}" in result.output
    options = {"seed": 0, "duration": 0.2, "difficulty": (0.0, 1.0)}
    assert calls == [(0, {**options, "robot_types": ("anymal_b", "anymal_c")})]


@pytest.mark.parametrize(
    ("robots", "expected"),
    [
        ("unitree", {"a1", "aliengo"}),
        ("anymal", {"anymal_b", "anymal_c"}),
        ("anymal_c, a1", {"anymal_c", "a1"}),
    ],
)
def test_robots_picks_the_population(fake, tmp_path, robots, expected):
    output = tmp_path / "q.npz"
    result = simulate("-n", "8", "-o", str(output), "--robots", robots)
    assert result.exit_code == 0, result.output
    assert set(Recordings.load(output).sequence_labels["robot_type"].tolist()) == expected


def test_unknown_robots_fail_clearly(fake, tmp_path):
    result = simulate("-n", "1", "-o", str(tmp_path / "q.npz"), "--robots", "anymal_d")
    assert result.exit_code == 2
    assert "Expected robot_types among" in result.output
    assert "anymal_d" in result.output


def test_rendering_without_opengl_fails_clearly(fake, monkeypatch, tmp_path):
    def no_gl(index, path, **options):
        raise render.RenderError("Expected an OpenGL backend that renders offscreen, but none")

    monkeypatch.setattr(render, "render_trajectory", no_gl)
    result = simulate("-n", "1", "-o", str(tmp_path / "q.npz"), "--render", "walk.gif")
    assert result.exit_code == 1
    assert "Expected an OpenGL backend" in result.output
    assert (tmp_path / "q.npz").exists()  # the dataset is saved anyway


def test_too_few_successes_fails_clearly(fake_episodes, tmp_path):
    fake_episodes(fail=lambda i: True)
    result = simulate("-n", "2", "-o", str(tmp_path / "q.npz"), "--max-attempts", "3")
    assert result.exit_code == 1
    assert "Expected 2 successful trajectories within max_attempts=3, but got 0" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-n", "0"], "Expected n >= 1, but got 0."),
        (["--workers", "0"], "Expected workers >= 1, but got 0."),
        (["-o", "q.csv"], "Expected an output path ending in .npz"),
        (["--difficulty-max", "2"], "Expected difficulty (min, max) within [0, 1]"),
        (["--render", "walk.mp4"], "Expected a --render path ending in .gif"),
        (["-o", "FILE/q.npz"], "Expected a writable folder"),
    ],
)
def test_bad_input_fails_clearly(fake, tmp_path, arguments, message):
    (tmp_path / "FILE").write_text("")  # a file where a folder should be
    arguments = [a.replace("FILE", str(tmp_path / "FILE")) for a in arguments]
    if "-o" not in arguments:
        arguments += ["-o", str(tmp_path / "q.npz")]
    result = simulate(*arguments)
    assert result.exit_code == 2
    assert message in result.output
    assert fake.calls == []


def test_help():
    result = runner.invoke(app, ["simulate", "quadrupeds", "--help"])
    assert result.exit_code == 0
    assert "--difficulty-max" in result.output
