"""Property-based tests: generated bad values give only the documented errors, never a crash."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bams.cli import app
from bams.config import load_config, to_dict
from bams.config.schema import RunConfig
from bams.data import Recordings

numbers = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-30, 1e30, float("nan"), float("inf")]),
)
scalars = st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=6))
values = st.one_of(scalars, st.lists(scalars, max_size=3))


@st.composite
def arrays(draw):
    shape = draw(st.lists(st.integers(0, 4), min_size=0, max_size=3))
    kind = draw(st.sampled_from(["f", "i", "b", "U", "O"]))
    size = int(np.prod(shape)) if shape else 1
    if kind == "f":
        floats = st.floats(allow_nan=True, allow_infinity=True)
        flat = draw(st.lists(floats, min_size=size, max_size=size))
        return np.array(flat, dtype=float).reshape(shape)
    if kind == "U":
        return np.array(["x"] * size).reshape(shape)
    if kind == "O":
        return np.array([{"a": 1}] * size, dtype=object).reshape(shape)
    return np.zeros(shape, dtype={"i": int, "b": bool}[kind])


names = st.one_of(st.none(), st.text(max_size=4), st.lists(st.text(max_size=3), max_size=4))


@settings(max_examples=300, deadline=None)
@given(
    sequences=st.lists(arrays(), max_size=3),
    feature_names=names,
    actions=names,
    frame_rate=st.one_of(numbers, st.text(max_size=3), st.none()),
    ids=names,
    groups=names,
    frame_labels=st.dictionaries(st.text(max_size=3), st.lists(arrays(), max_size=3), max_size=2),
    sequence_labels=st.dictionaries(st.text(max_size=3), arrays(), max_size=2),
)
def test_recordings_raise_only_value_errors(
    sequences, feature_names, actions, frame_rate, ids, groups, frame_labels, sequence_labels
):
    try:
        data = Recordings(
            sequences,
            feature_names=feature_names,
            actions=actions,
            frame_rate=frame_rate,
            ids=ids,
            groups=groups,
            frame_labels=frame_labels,
            sequence_labels=sequence_labels,
        )
    except ValueError as err:
        assert str(err).startswith("Invalid recordings:\n- Expected") or "Expected" in str(err)
        return
    # What was accepted is consistent.
    assert len(data.feature_names) == data.n_features and data.frame_rate > 0
    assert all(np.isfinite(s[~np.isnan(s)]).all() for s in data.sequences)


def _dotted_keys(values: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in values.items():
        if isinstance(value, dict) and key != "encoders":
            keys += _dotted_keys(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    for name, encoder in values.get("model", {}).get("encoders", {}).items():
        keys += [f"model.encoders.{name}.{field}" for field in encoder]
    return keys


KEYS = _dotted_keys(to_dict(RunConfig())) + ["train.nope", "nope", "model..x", "model.encoders"]


def _yaml(value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return ".nan"
    if isinstance(value, float) and math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return str(value)


overrides = st.lists(
    st.tuples(st.sampled_from(KEYS), st.one_of(values.map(_yaml), st.text(max_size=8))),
    min_size=1,
    max_size=4,
).map(lambda items: [f"{key}={value}" for key, value in items])


@settings(max_examples=300, deadline=None)
@given(items=overrides)
def test_the_config_loader_raises_only_value_errors(items):
    try:
        config = load_config(overrides=items)
    except ValueError as err:
        assert "Expected" in str(err) or "Invalid configuration" in str(err)
        return
    assert isinstance(config, RunConfig)


# Not generated: where files go (the prepared data too), the length of training, and the
# hardware keys (a number of devices or nodes makes Lightning start more processes, each
# re-running this command).
UNGENERATED = (
    "data",
    "output_dir",
    "train.max_steps",
    "train.epochs",
    "train.devices",
    "train.num_nodes",
    "train.strategy",
    "train.accelerator",
    "train.num_workers",
    "train.prepared_dir",
    "embed.inference_device",
)
TRAIN_KEYS = [k for k in KEYS if not k.startswith(UNGENERATED)]
bad_train = st.lists(
    st.tuples(st.sampled_from(TRAIN_KEYS), values.map(_yaml)), min_size=1, max_size=2
).map(lambda items: [f"{key}={value}" for key, value in items])


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("properties")
    args = ["simulate", "synthetic", "-o", str(root / "d.npz"), "-n", "4", "--frames", "120"]
    assert CliRunner().invoke(app, args).exit_code == 0
    (root / "tiny.yaml").write_text(TINY_YAML)
    return root


TINY_YAML = """
model:
  encoders:
    short_term: {channels: [8, 8], dilation_base: 2, warmup: 4}
    long_term: {channels: [8, 8], dilation_base: 4, warmup: 8, bootstrap_max_offset: null}
  hoa_bins: 8
  hoa_window: 5
  hoa_warmup: 4
  predictor_hidden: [16]
train: {window_length: 64, batch_size: 4, bootstrap_pairs: 8, accelerator: cpu}
embed: {inference_precision: '32'}
"""


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=bad_train)
def test_bams_train_gives_one_error_line_or_trains(tiny_files, tmp_path_factory, items):
    out = tmp_path_factory.mktemp("run")
    files = ["--data", str(tiny_files / "d.npz"), "--config", str(tiny_files / "tiny.yaml")]
    args = ["train", *files, "--output-dir", str(out / "run"), "--overwrite"]
    for item in items:
        args += ["-s", item]
    args += ["-s", "train.max_steps=1", "-s", "train.logger=none"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 2), (items, result.output, result.exception)
    if result.exit_code == 2:
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, (items, result.output)
        assert isinstance(result.exception, SystemExit), (items, result.exception)


def test_a_diverging_run_ends_with_one_error_line(tiny_files, tmp_path):
    """Found by the property above: a huge loss weight made the gradient norm infinite."""
    files = ["--data", str(tiny_files / "d.npz"), "--config", str(tiny_files / "tiny.yaml")]
    args = ["train", *files, "--output-dir", str(tmp_path / "run"), "-s", "model.hoa_weight=3e38"]
    result = CliRunner().invoke(app, [*args, "-s", "train.max_steps=1", "-s", "train.logger=none"])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "training diverged at step 1" in errors[0]


def test_an_overflowing_learning_rate_is_a_config_error(tiny_files, tmp_path):
    """Found by the property above: learning_rate=3.4e37 overflowed AdamW with a traceback."""
    files = ["--data", str(tiny_files / "d.npz"), "--config", str(tiny_files / "tiny.yaml")]
    args = ["train", *files, "--output-dir", str(tmp_path / "run")]
    result = CliRunner().invoke(app, [*args, "-s", "train.learning_rate=3.4e37"])
    assert result.exit_code == 2, result.output
    assert "Expected learning_rate x head_lr_multiplier <= 1e6" in result.output
    assert not (tmp_path / "run").exists()
