import pytest

pytest.importorskip("mujoco")

from bams.sim.quadrupeds.render import RenderError, render_trajectory  # noqa: E402


def test_renders_a_gif(tmp_path):
    from PIL import Image

    path = tmp_path / "walk.gif"
    try:
        written = render_trajectory(0, path, duration=0.4, fps=10, width=64, height=48)
    except RenderError as err:
        pytest.skip(f"no OpenGL backend renders offscreen here: {err}")
    assert written == path
    with Image.open(path) as gif:
        assert gif.size == (64, 48)
        assert gif.n_frames == 4  # 20 frames at 50 Hz, every 5th
        assert gif.info["duration"] == 100
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_no_working_backend_is_a_clear_error(tmp_path):
    with pytest.raises(RenderError, match=r"Expected an OpenGL backend .*\(MUJOCO_GL=nowhere: "):
        render_trajectory(0, tmp_path / "walk.gif", duration=0.4, backends=("nowhere",))
    assert not (tmp_path / "walk.gif").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"path": "walk.mp4"}, r"Expected a path ending in \.gif, but got 'walk\.mp4'\."),
        ({"fps": 0}, r"Expected 0 < fps <= 50, but got 0\."),
        ({"width": 1000}, r"Expected a size within 16 x 16 \.\. 640 x 480, but got 1000 x 360\."),
        ({"index": -1}, r"Expected index >= 0, but got -1\."),
        ({"difficulty": (0.0, 3.0)}, r"Expected difficulty \(min, max\) within \[0, 1\]"),
    ],
)
def test_invalid_arguments(tmp_path, arguments, message):
    arguments = {"index": 0, "path": tmp_path / "walk.gif", **arguments}
    with pytest.raises(ValueError, match=message):
        render_trajectory(arguments.pop("index"), arguments.pop("path"), **arguments)
