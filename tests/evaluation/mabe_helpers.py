"""Tiny MABe 2022 files and the evaluator's protocol written out plainly, for the MABe tests."""

import numpy as np
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.metrics import f1_score, mean_squared_error
from sklearn.model_selection import train_test_split

TASKS = ["strain", "chases", "experiment_day", "speed"]
TYPES = ["Discrete", "Discrete", "Continuous", "Continuous"]
ALPHAS = (0.1, 0.5, 1.0, 2.0, 5.0)


def make_mabe(rng, n_train=12, n_public=4, n_private=4, dims=3):
    """Tiny files in the MABe 2022 formats: 20 clips of 20-40 frames, 3 dims, 4 tasks.

    The clips are laid out in the frame axis in an order that differs from the split lists;
    the labels hold that layout as their (official) frame number map, a copy of the
    submission's.
    strain (Discrete) and experiment_day (regression) are constant within a clip; chases
    (Discrete) and speed (regression) vary by frame and are partly unlabelled (NaN).
    """
    clips = [f"clip{i:02d}" for i in range(n_train + n_public + n_private)]
    lengths = rng.integers(20, 41, size=len(clips))
    frame_map, start = {}, 0
    for i in rng.permutation(len(clips)):
        frame_map[clips[i]] = (start, start + int(lengths[i]))
        start += int(lengths[i])
    strain = rng.integers(0, 2, size=len(clips))
    day = rng.normal(size=len(clips))
    embeddings = rng.normal(size=(start, dims)).astype(np.float32)
    label_array = np.full((len(TASKS), start), np.nan)
    for i, clip in enumerate(clips):
        s, e = frame_map[clip]
        embeddings[s:e, 0] += 0.8 * strain[i]
        embeddings[s:e, 1] += 0.5 * day[i]
        label_array[0, s:e] = strain[i]
        label_array[1, s:e] = embeddings[s:e, 2] + 0.7 * rng.normal(size=e - s) > 0.3
        label_array[2, s:e] = day[i]
        label_array[3, s:e] = 0.5 * embeddings[s:e, 2] + embeddings[s:e, 0]
        label_array[3, s:e] += 0.3 * rng.normal(size=e - s)
    label_array[1, rng.random(start) < 0.2] = np.nan
    label_array[3, rng.random(start) < 0.2] = np.nan
    s, e = frame_map[clips[-1]]
    label_array[0, s:e] = np.nan  # a private clip without a strain label
    submission = {"frame_number_map": frame_map, "embeddings": embeddings}
    labels = {
        "vocabulary": list(TASKS),
        "task_type": list(TYPES),
        "label_array": label_array,
        "frame_number_map": dict(frame_map),
    }
    split = {
        "UserTrain": ["not_in_the_submission"],
        "SubmissionTrain": clips[:n_train],
        "publicTest": clips[n_train : n_train + n_public],
        "privateTest": clips[n_train + n_public :],
    }
    return submission, labels, split


def clip_lengths(submission):
    return {clip: end - start for clip, (start, end) in submission["frame_number_map"].items()}


def reference(submission, labels, split, task, alpha, seeds=(42, 43, 44)):
    """The protocol written out plainly, clip by clip, with sklearn called directly."""
    embeddings = submission["embeddings"]
    frame_map = labels.get("frame_number_map", submission["frame_number_map"])
    row = labels["vocabulary"].index(task)
    discrete = labels["task_type"][row] == "Discrete"

    def gather(clips):
        x = np.concatenate([embeddings[slice(*submission["frame_number_map"][c])] for c in clips])
        y = np.concatenate([labels["label_array"][row, slice(*frame_map[c])] for c in clips])
        return x[~np.isnan(y)], y[~np.isnan(y)]

    x_test, y_test = gather(split["privateTest"] + split["publicTest"])
    x_public, y_public = gather(split["publicTest"])
    test_preds, public_preds = [], []
    for seed in seeds:
        train, _ = train_test_split(split["SubmissionTrain"], test_size=0.1, random_state=seed)
        x, y = gather(train)
        if discrete:
            model = RidgeClassifier(alpha=alpha, class_weight="balanced").fit(x, y)
        else:
            model = Ridge(alpha=alpha).fit(x, y)
        test_preds.append(model.predict(x_test))
        public_preds.append(model.predict(x_public))
    return {
        "discrete": discrete,
        "y_test": y_test,
        "y_public": y_public,
        "test_preds": test_preds,
        "public_preds": public_preds,
    }


def metric(discrete, y_true, y_pred):
    if discrete:
        return f1_score(y_true, y_pred, average="binary")
    return mean_squared_error(y_true, y_pred)


def any_seed(preds):
    return (np.sum(preds, axis=0) > 0).astype(float)


def majority(preds):
    return (np.sum(preds, axis=0) >= 2).astype(float)


def reported(scores, task):
    (score,) = [s for s in scores if s.task == task and s.reported]
    return score
