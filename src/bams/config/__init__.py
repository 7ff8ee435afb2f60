"""Configuration as plain dataclasses, loadable from YAML and overridable from the command line.

- :mod:`bams.config.schema`: the dataclasses, where every default lives;
- :mod:`bams.config.loading`: dicts and YAML files, ``key=value`` overrides, presets;
- :mod:`bams.config.checks`: consistency checks, run by every loader;
- :mod:`bams.config.params`: the flat keyword parameters of :class:`bams.BAMS`;
- :mod:`bams.config.timescales`: durations in seconds converted to frames at fit time.
"""

from bams.config.checks import check_config
from bams.config.loading import from_dict, load_config, save_config, to_dict
from bams.config.params import config_from_params, parameter_defaults, params_from_config
from bams.config.schema import (
    EmbedConfig,
    EncoderConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
    default_encoders,
)
from bams.config.timescales import resolve_timescales

__all__ = [
    "EmbedConfig",
    "EncoderConfig",
    "ModelConfig",
    "RunConfig",
    "TrainConfig",
    "check_config",
    "config_from_params",
    "default_encoders",
    "from_dict",
    "load_config",
    "parameter_defaults",
    "params_from_config",
    "resolve_timescales",
    "save_config",
    "to_dict",
]
