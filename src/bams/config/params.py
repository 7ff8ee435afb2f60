"""The flat keyword parameters of :class:`bams.BAMS`, generated from the config dataclasses.

Every field of :class:`~bams.config.ModelConfig`, :class:`~bams.config.TrainConfig` and
:class:`~bams.config.EmbedConfig` is one parameter with the field's default (``encoders``
defaults to ``None``, meaning :func:`~bams.config.default_encoders`), plus ``output_dir`` and
``verbose``. Nothing here restates a default: they are read from the dataclasses.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import Any

from bams.config.checks import check_config, seconds_problems
from bams.config.loading import from_dict, to_dict
from bams.config.schema import EmbedConfig, ModelConfig, RunConfig, TrainConfig
from bams.config.timescales import resolve_timescales

__all__ = [
    "SECTIONS",
    "config_from_params",
    "parameter_defaults",
    "parameter_signature",
    "params_from_config",
]

SECTIONS: dict[str, type] = {"model": ModelConfig, "train": TrainConfig, "embed": EmbedConfig}
"""The sections of a :class:`RunConfig` whose fields are estimator parameters."""
RUN_PARAMETERS: dict[str, Any] = {"output_dir": None, "verbose": True}
"""Parameters of the estimator that are not part of a config section."""


def parameter_defaults() -> dict[str, Any]:
    """``{name: default}`` of every estimator parameter, a fresh copy at each call.

    Examples
    --------
    >>> defaults = parameter_defaults()
    >>> defaults["hoa_bins"], defaults["encoders"], defaults["output_dir"]
    (16, None, None)
    """
    out: dict[str, Any] = {}
    for cls in SECTIONS.values():
        instance = cls()
        out.update({f.name: getattr(instance, f.name) for f in dataclasses.fields(cls)})
    out["encoders"] = None
    out.update(RUN_PARAMETERS)
    return out


def parameter_signature() -> inspect.Signature:
    """The keyword-only signature ``(self, *, name=default, ...)`` of ``BAMS.__init__``."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters += [
        inspect.Parameter(name, keyword, default=default)
        for name, default in parameter_defaults().items()
    ]
    return inspect.Signature(parameters)


def config_from_params(
    params: Mapping[str, Any], data: str | None = None, frame_rate: float | None = None
) -> RunConfig:
    """The checked :class:`RunConfig` that flat estimator parameters describe.

    Parameters
    ----------
    params
        Every estimator parameter (see :func:`parameter_defaults`).
    data
        The ``data`` entry of the configuration.
    frame_rate
        If given, the timescales given in seconds are converted to frames for data at this
        rate (:func:`~bams.config.resolve_timescales`) before the checks, so that those in
        frames (e.g. the warm-ups against ``window_length``) are checked with the rest.

    Raises
    ------
    ValueError
        If a value has the wrong type or the settings are inconsistent.

    Examples
    --------
    >>> config_from_params({**parameter_defaults(), "hoa_bins": 16}).model.hoa_bins
    16
    """
    sections = {}
    for section, cls in SECTIONS.items():
        values = {}
        for f in dataclasses.fields(cls):
            value = params[f.name]
            if f.name == "encoders":
                if value is None:  # the dataclass default: short_term and long_term
                    continue
                value = {
                    k: to_dict(v) if dataclasses.is_dataclass(v) else v for k, v in value.items()
                }
            values[f.name] = value
        sections[section] = from_dict(cls, values, section)
    output_dir = params.get("output_dir")
    config = RunConfig(
        data=data, output_dir=str(output_dir) if output_dir is not None else "", **sections
    )
    if frame_rate is not None and not seconds_problems(config):
        config.model = resolve_timescales(config.model, frame_rate)
    check_config(config)
    return config


def params_from_config(config: RunConfig) -> dict[str, Any]:
    """Flat estimator parameters of ``config`` (the inverse of :func:`config_from_params`)."""
    params: dict[str, Any] = {}
    for section in SECTIONS:
        part = getattr(config, section)
        params.update({f.name: getattr(part, f.name) for f in dataclasses.fields(part)})
    params["output_dir"] = config.output_dir or None
    return params
