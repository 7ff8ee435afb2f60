"""How much of a real MABe 2022 clip the mouse features lose to missing keypoints, and why.

Reads the one real MABe 2022 mouse-triplet clip in ``../shared/data/real/mabe22`` in place (a
DeepLabCut HDF5 table, 3 mice x 12 keypoints x 1,800 frames at 30 Hz; never copied) through
bams' pose readers, computes the features of :func:`bams.features.mouse.mouse_features` as the
MABe pipeline does (``frame_rate=30``, social features on) and prints, per mouse:

- the raw missing rates: frames where the mouse has any keypoint missing (NaN or (0, 0)),
  and the share of its keypoints missing;
- the share of frames that become invalid under three rules: *per frame* (any feature NaN:
  what :class:`bams.preprocessing.Preprocessor` marks invalid without optional features,
  as the MABe pipeline did before), *own features* (the validity channel of a Preprocessor
  with the MABe pipeline's ``optional_features``, ``bams.pipelines.mabe.SOCIAL_OPTIONAL``:
  an untracked neighbour's features may be missing; what the pipeline trains with now) and
  *per feature* (no feature observed: the floor, the mouse itself is untracked). The
  features are NaN per feature (a feature is NaN only where its own keypoints are missing);
  the validity channel of ``Preprocessor.transform_inputs`` is what
  ``bams.training.objective.draw_samples`` uses to pick the frames of the losses;
- the NaN rate of every feature;
- how often the pose angles wrap at +-pi between consecutive frames (where a raw angle
  feature would jump by 2 pi; the features give each angle as its cos and sin instead).

The same rates are then printed for clips of :func:`bams.sim.mabe_like.make_mouse_triplets`
with the real clip's missing keypoints applied, and with the simulator's own missing pattern
(independent keypoints). No training; a few seconds on one core.

    python benchmarks/mabe_real_clip.py [--clip PATH] [--sim-clips 4]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from bams.data import Recordings
from bams.features.kinematics import mark_missing
from bams.features.mouse import MOUSE_KEYPOINTS, mouse_features, order_mouse_keypoints
from bams.io.pose_formats import read_deeplabcut
from bams.pipelines.mabe import SOCIAL_OPTIONAL
from bams.preprocessing import Preprocessor
from bams.sim.mabe_like import make_mouse_triplets

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
CLIP = REAL / "mabe22" / "mouse_triplet_EGS8X2MN4SSUGFWAV976.h5"
FRAME_RATE = 30.0
RULES = ("per frame", "own features", "per feature")
ANGLES = ("head_body_angle", "body_bend", "tail_proximal_angle", "tail_distal_angle")
ANGLES += tuple(f"{paw}_angle" for paw in ("left_forepaw", "right_forepaw"))
ANGLES += tuple(f"{paw}_angle" for paw in ("left_hindpaw", "right_hindpaw"))


def read_clip(path: Path) -> np.ndarray:
    """``(T, 3, 12, 2)`` keypoints in pixels of a MABe clip stored as a DeepLabCut table."""
    tracks = read_deeplabcut(path)
    return order_mouse_keypoints(tracks.position, tracks.keypoints)


def invalid_rates(values: np.ndarray, names: list[str]) -> dict[str, float]:
    """Share of the frames of one mouse's ``(T, F)`` features invalid under each rule.

    The first two are the validity channel of a :class:`~bams.preprocessing.Preprocessor`
    fitted on these frames, without and with the pipeline's optional (social) features.
    """
    data = Recordings([values], feature_names=names, frame_rate=FRAME_RATE)
    invalid = {}
    for rule, optional in (("per frame", ()), ("own features", SOCIAL_OPTIONAL)):
        prep = Preprocessor(optional_features=optional).fit(data)
        invalid[rule] = float((prep.transform_inputs(values)[:, -1] == 0).mean())
    invalid["per feature"] = float(np.isnan(values).all(axis=1).mean())
    return invalid


def angle_wraps(values: np.ndarray, names: list[str]) -> dict[str, int]:
    """Frame-to-frame steps over pi of each pose angle (recovered from its cos and sin)."""
    out = {}
    for angle in ANGLES:
        theta = np.arctan2(
            values[:, names.index(f"{angle}_sin")], values[:, names.index(f"{angle}_cos")]
        )
        out[angle] = int(np.nansum(np.abs(np.diff(theta)) > np.pi))
    return out


def report(title: str, clips: list[np.ndarray], per_feature: bool = False) -> None:
    """Print the raw missing and the invalid-frame rates per mouse, pooled over ``clips``."""
    missing = np.concatenate([np.isnan(mark_missing(kp)).any(axis=-1) for kp in clips])
    features = [mouse_features(kp, frame_rate=FRAME_RATE) for kp in clips]
    names = features[0][0].names
    values = [np.concatenate([f[m].values for f in features]) for m in range(missing.shape[1])]
    print(f"\n{title}: {len(clips)} clip(s), {len(missing)} frames")
    header = "".join(f"{rule:>14}" for rule in RULES)
    print(f"  {'mouse':<6}{'raw: frames':>12}{'keypoints':>10}{header}")
    for m, mouse in enumerate(values):
        rates = invalid_rates(mouse, names)
        print(
            f"  {m:<6}{missing[:, m].any(axis=1).mean():>12.1%}{missing[:, m].mean():>10.1%}"
            + "".join(f"{rates[rule]:>14.1%}" for rule in RULES)
        )
    print(f"  frames where some mouse misses a keypoint: {missing.any(axis=(1, 2)).mean():.1%}")
    if not per_feature:
        return
    print("  NaN rate per feature (mouse 0, 1, 2):")
    for j, name in enumerate(names):
        print(f"    {name:<36}" + "".join(f"{np.isnan(v[:, j]).mean():>8.1%}" for v in values))
    print("  steps over pi between frames of each pose angle (mouse 0, 1, 2):")
    wraps = [angle_wraps(v, names) for v in values]
    for angle in ANGLES:
        print(f"    {angle:<36}" + "".join(f"{w[angle]:>8d}" for w in wraps))


def simulated_clips(n_clips: int, missing: np.ndarray | None) -> list[np.ndarray]:
    """``(T, 3, 12, 2)`` simulated clips; with ``missing`` ``(T, 3, 12)``, only it is missing."""
    kwargs = {"missing_rate": 0.0, "zero_rate": 0.0} if missing is not None else {}
    n_frames = len(missing) if missing is not None else 1800
    files = make_mouse_triplets(max(n_clips, 4), n_frames=n_frames, swap_fraction=0.0, **kwargs)
    clips = [c["keypoints"].astype(np.float64) for c in files.train["sequences"].values()]
    clips += [c["keypoints"].astype(np.float64) for c in files.test["sequences"].values()]
    for kp in clips:
        if missing is not None:
            kp[missing] = np.nan
    return clips[:n_clips]


def main() -> None:
    """Print the rates of the real clip, then of simulated clips."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clip", type=Path, default=CLIP, help="the real MABe clip (.h5)")
    parser.add_argument("--sim-clips", type=int, default=4, help="simulated clips per pattern")
    args = parser.parse_args()
    if not args.clip.is_file():
        sys.exit(
            f"The real MABe 2022 clip is not at {args.clip}: this benchmark reads the shared real "
            f"data in {REAL} (see its README), which is absent here. Nothing was measured."
        )
    keypoints = read_clip(args.clip)
    print(f"Keypoints {keypoints.shape} in the order {list(MOUSE_KEYPOINTS)}")
    print(
        "Invalid frames (the Preprocessor's validity channel is 0, the training losses skip "
        "the frame): 'per frame' = every feature required (before); 'own features' = the "
        "neighbours' features optional (the MABe pipeline now); 'per feature' = no feature "
        "observed (the floor: the mouse is untracked)."
    )
    report(f"Real clip {args.clip.name}", [keypoints], per_feature=True)
    missing = np.isnan(mark_missing(keypoints)).any(axis=-1)
    report(
        "Simulated clips, the real clip's missing keypoints",
        simulated_clips(args.sim_clips, missing),
    )
    report(
        "Simulated clips, the simulator's missing keypoints", simulated_clips(args.sim_clips, None)
    )


if __name__ == "__main__":
    main()
