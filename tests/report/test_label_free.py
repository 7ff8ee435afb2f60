"""The report of unlabelled pose recordings: summary, quality, motifs, movies, comparisons."""

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from bams.cli import app
from bams.data import Recordings
from bams.features import egocentric_features

pytest.importorskip("hmmlearn")

KEYPOINTS = ["nose", "left_ear", "right_ear", "body", "tail_base"]
RATE = 30.0


def _walk(rng, n_frames):
    """A mouse-like animal walking and turning: (T, 5, 2) keypoints, a few missing."""
    heading = np.cumsum(rng.normal(0, 0.05, n_frames))
    speed = np.abs(np.sin(np.arange(n_frames) / 40.0)) * 3
    centre = np.cumsum(speed[:, None] * np.c_[np.cos(heading), np.sin(heading)], axis=0)
    body = np.array([[2.0, 0.0], [1.2, 0.6], [1.2, -0.6], [0.0, 0.0], [-2.0, 0.0]])
    c, s = np.cos(heading), np.sin(heading)
    points = np.einsum("tij,kj->tki", np.stack([np.c_[c, -s], np.c_[s, c]], axis=1), body)
    points = points + centre[:, None] + rng.normal(0, 0.05, points.shape)
    points[rng.random(n_frames) < 0.03, 1] = np.nan  # the left ear is often missing
    return points


@pytest.fixture(scope="module")
def pose_run(tmp_path_factory, tiny_params_shared):
    """A tiny run on 6 unlabelled pose recordings of 3 animals, with a metadata table."""
    from bams import BAMS

    root = tmp_path_factory.mktemp("label_free")
    rng = np.random.default_rng(0)
    sequences = []
    for _ in range(6):
        f = egocentric_features(_walk(rng, 360), KEYPOINTS, frame_rate=RATE,
                                heading=("tail_base", "nose"))  # fmt: skip
        sequences.append(f.values)
    data = Recordings(
        sequences, feature_names=f.names, actions=f.actions, frame_rate=RATE,
        ids=[f"video{i}" for i in range(6)], groups=[f"mouse{i // 2}" for i in range(6)],
    )  # fmt: skip
    data_file = data.save(root / "poses.npz")
    BAMS(**tiny_params_shared, output_dir=root / "run").fit(Recordings.load(data_file))
    meta = root / "meta.csv"
    pd.DataFrame(
        {"recording": data.ids, "condition": ["saline", "drug"] * 3,
         "animal": data.groups, "weight": np.linspace(20, 25, 6)}
    ).to_csv(meta, index=False)  # fmt: skip
    runner = CliRunner()
    run = str(root / "run")
    found = runner.invoke(app, ["motifs", run, "--n-motifs", "3"])
    assert found.exit_code == 0, found.output
    args = ["compare", run, "--metadata", str(meta), "--by", "condition", "--unit", "animal"]
    compared = runner.invoke(app, [*args, "--permutations", "49"])
    assert compared.exit_code == 0, compared.output
    result = runner.invoke(app, ["report", run, "--metadata", str(meta), "--no-umap"])
    assert result.exit_code == 0, result.output
    page = (root / "run" / "report" / "index.html").read_text()
    return root, data, page


def test_an_unlabelled_run_gets_a_report_without_readouts(pose_run):
    root, data, page = pose_run
    assert "Linear readouts" not in page and "No labels." in page
    for section in ("Summary", "Data quality", "Embeddings", "Map of recordings", "Motifs"):
        assert f">{section}</h2>" in page
    assert ">Groups by condition</h2>" in page
    for name in ("data_quality", "pca", "recording_map", "timeline", "motif_usage",
                 "motif_durations", "motif_transitions", "motif_ethogram", "comparison_0",
                 "loss"):  # fmt: skip
        assert (root / "run" / "report" / f"{name}.png").is_file(), name


def test_summary_reports_data_latents_motifs_and_groups(pose_run):
    _, data, page = pose_run
    summary = page.split("<section id='summary'>")[1].split("</section>")[0]
    assert "6 recordings from 3 groups" in summary
    assert "of frames are masked" in summary
    assert re.search(r"between recordings: short_term \d+%, long_term \d+%", summary)
    assert "3 motifs (given)" in summary
    assert "Groups by condition</b> (drug vs saline, 6 recordings, 3 units)" in summary


def test_quality_panel_names_the_often_missing_keypoint(pose_run):
    _, data, page = pose_run
    quality = page.split("<section id='quality'>")[1].split("</section>")[0]
    assert "Most often missing keypoints (mean over recordings): left_ear" in quality
    assert "recording (most masked first)" in quality


def test_motif_movies_are_embedded_as_gifs(pose_run):
    root, _, page = pose_run
    gifs = re.findall(r"src='data:image/gif;base64,([^']+)'", page)
    files = sorted((root / "run" / "motifs" / "movies").glob("motif_*.gif"))
    assert len(gifs) == len(files) >= 1
    assert base64.b64decode(gifs[0])[:6] in (b"GIF89a", b"GIF87a")


def test_metadata_columns_color_the_recording_map(pose_run):
    _, _, page = pose_run
    assert "recording means by condition" not in page  # titles are inside the PNG
    caption = page.split("Map of recordings: ")[1][:300]
    assert "colored by group, metadata" in caption


def test_evaluation_of_other_recordings_is_left_out_with_a_note(pose_run, tmp_path):
    import shutil

    root, data, _ = pose_run
    run = tmp_path / "run"
    shutil.copytree(root / "run", run, ignore=shutil.ignore_patterns("report"))
    (run / "evaluation").mkdir()
    (run / "evaluation" / "summary.csv").write_text(
        "method,task,kind,protocol,metric,mean,std,n,unit\n"
        "BAMS short_term,state,classification,frame,f1_macro,0.5,0.0,1,recording\n"
    )
    meta = {"config": {}, "methods": {}, "n_recordings": 2, "data": {"fingerprint": "other"}}
    (run / "evaluation" / "evaluation.json").write_text(json.dumps(meta))
    from bams.report import write_run_report

    page = write_run_report(run, data, umap=False).read_text()
    assert "Linear readouts" not in page
    assert "The evaluation in" in page and "was made on other recordings" in page
    page = write_run_report(run, data.subset(range(5)), umap=False).read_text()
    assert "Motifs left out" in page and "Comparison condition left out" in page
    assert ">Motifs</h2>" not in page


def test_report_with_text_frame_labels_and_groups(tmp_path, tiny_params):
    """Text labels with "" as unlabelled color the embeddings and are evaluated."""
    from bams import BAMS
    from bams.report import write_report

    rng = np.random.default_rng(1)
    sequences = [rng.normal(size=(200, 4)).astype(np.float32) for _ in range(4)]
    behaviour = [np.where(rng.random(200) < 0.2, "", rng.choice(["rear", "groom"], 200))
                 for _ in range(4)]  # fmt: skip
    data = Recordings(sequences, groups=["a", "a", "b", "b"],
                      frame_labels={"behaviour": behaviour})  # fmt: skip
    model = BAMS(**tiny_params).fit(data)
    index = write_report(model, data, None, tmp_path / "report", umap=False)
    page = index.read_text()
    assert "behaviour" in page and "2 classes: groom" in page


def test_umap_figure_when_installed(pose_run, tmp_path):
    pytest.importorskip("umap")
    from bams.report import write_run_report

    root, data, _ = pose_run
    index = write_run_report(root / "run", output=tmp_path / "r", umap=True)
    assert (tmp_path / "r" / "umap.png").is_file()
    assert "UMAP of each latent" in index.read_text()


def test_umap_without_umap_learn_names_the_extra(pose_run, tmp_path, monkeypatch):
    import bams.report.write as write

    root, _, _ = pose_run
    monkeypatch.setattr(write, "umap_available", lambda: False)
    result = CliRunner().invoke(app, ["report", str(root / "run"), "--umap",
                                      "--output-dir", str(tmp_path / "r")])  # fmt: skip
    assert result.exit_code == 2
    assert "pip install 'bams[umap]'" in result.output
    assert not (tmp_path / "r").exists()  # checked before anything is written


def test_new_motifs_replace_old_movies_and_old_comparison_usage(pose_run, tmp_path):
    import shutil

    root, _, _ = pose_run
    run = tmp_path / "run"
    shutil.copytree(root / "run", run, ignore=shutil.ignore_patterns("report"))
    before = sorted(p.name for p in (run / "motifs" / "movies").glob("*.gif"))
    assert before == ["motif_0.gif", "motif_1.gif", "motif_2.gif"]
    again = CliRunner().invoke(app, ["motifs", str(run), "--n-motifs", "2", "--seed", "1"])
    assert again.exit_code == 0, again.output
    after = sorted(p.name for p in (run / "motifs" / "movies").glob("*.gif"))
    assert after == ["motif_0.gif", "motif_1.gif"]
    from bams.report import write_run_report

    page = write_run_report(run).read_text()
    assert len(re.findall(r"src='data:image/gif;base64,", page)) == 2
    assert "was computed on earlier motifs" in page
    assert ">Groups by condition</h2>" in page and "Motif usage by group" not in page


def test_user_text_with_dollar_signs_and_na_ids(tmp_path, tiny_params):
    """Ids are drawn as written (no math mode) and an id "NA" is not read as missing."""
    from bams import BAMS
    from bams.discovery import find_motifs, load_motifs, save_motifs
    from bams.report import write_report

    rng = np.random.default_rng(2)
    data = Recordings([rng.normal(size=(150, 3)).astype(np.float32) for _ in range(3)],
                      ids=["NA", "cage$x^^$", "b,c"])  # fmt: skip
    model = BAMS(**tiny_params).fit(data)
    embeddings = model.transform(data)
    motifs = find_motifs(embeddings, data, n_motifs=2, smooth=False)
    back = load_motifs(save_motifs(motifs, data, tmp_path / "motifs"), data)
    assert back.ids == ["NA", "cage$x^^$", "b,c"]
    page = write_report(model, data, None, tmp_path / "report", embeddings=embeddings,
                        motifs=back).read_text()  # fmt: skip
    assert ">Motifs</h2>" in page  # the ethogram, its ticks the ids, was drawn
    assert (tmp_path / "report" / "motif_ethogram.png").is_file()


def test_inputs_of_other_recordings_fail_before_anything_is_written(pose_run, tmp_path):
    from bams.report import write_report
    from bams.runs import load_run

    root, data, _ = pose_run
    run = load_run(root / "run")
    with pytest.raises(ValueError, match="in metadata column 'dose'"):
        write_report(run.model, run.data, None, tmp_path / "r",
                     metadata={"dose": np.array(["1", "2"])})  # fmt: skip
    assert not (tmp_path / "r").exists()


def test_fingerprint_and_comparison_folders_tell_similar_things_apart():
    from bams.discovery.compare_io import comparison_folder

    a = Recordings([np.zeros((5, 1))], frame_rate=10.0)
    b = Recordings([np.zeros((5, 1))], frame_rate=30.0)
    assert a.fingerprint != b.fingerprint
    assert comparison_folder("run", "dose") == comparison_folder("run", "dose")
    assert comparison_folder("run", "dose").name == "dose"
    assert comparison_folder("run", "dose mg") != comparison_folder("run", "dose/mg")
