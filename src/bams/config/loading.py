"""Configurations to and from plain dicts and YAML files, with ``key=value`` overrides."""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from bams.config.checks import check_config
from bams.config.schema import RunConfig
from bams.utils.atomic import atomic_write

# Numbers such as "1e-4" that PyYAML's YAML 1.1 resolver leaves as strings (no dot in the mantissa).
_YAML11_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def to_dict(config: Any) -> dict:
    """Plain nested dict (lists, not tuples) of a config dataclass, safe for YAML and torch."""
    return _plain(dataclasses.asdict(config))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def from_dict(cls: type, values: dict, where: str = "") -> Any:
    """Build dataclass ``cls`` from a nested dict, checking names and types.

    Raises
    ------
    ValueError
        If a key is unknown or a value has the wrong type.
    """
    if not isinstance(values, dict):
        raise ValueError(f"Expected a mapping for {where or cls.__name__}, but got {values!r}.")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValueError(
            f"Expected keys of {where or cls.__name__} among {names}, but got unknown {unknown}."
        )
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ValueError(
            f"Expected keys {missing} in {where or cls.__name__}, but got only {sorted(values)}."
        )
    kwargs = {
        key: _convert(hints[key], value, f"{where}.{key}" if where else key)
        for key, value in values.items()
    }
    return cls(**kwargs)


def _convert(hint, value, where: str):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return value if isinstance(value, hint) else from_dict(hint, value, where)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value, where)
            except ValueError as err:
                errors.append(str(err))
        raise ValueError(errors[-1] if errors else f"Invalid value for {where}: {value!r}.")
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"Expected a mapping for {where}, but got {value!r}.")
        return {str(k): _convert(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise ValueError(f"Expected a list for {where}, but got {value!r}.")
        item = args[0]
        items = [_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
        if origin is tuple and len(args) != len(items) and Ellipsis not in args:
            raise ValueError(f"Expected {len(args)} values for {where}, but got {value!r}.")
        return tuple(items) if origin is tuple else items
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str) and _YAML11_EXPONENT.fullmatch(value.strip()):
        # PyYAML (YAML 1.1) reads "1e-4" as a string; it is a float in YAML 1.2 and Python.
        return float(value)
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is str and isinstance(value, str):
        return value
    if hint is bool and isinstance(value, bool):
        return value
    if hint is Any:
        return value
    raise ValueError(f"Expected {getattr(hint, '__name__', hint)} for {where}, but got {value!r}.")


def load_config(
    path: str | Path | None = None,
    overrides: list[str] | None = None,
    preset: str | None = None,
) -> RunConfig:
    """Read a :class:`RunConfig` and check it: preset (or defaults), then YAML, then overrides.

    Overrides use dotted paths and YAML values, e.g. ``train.epochs=20`` or
    ``model.encoders.long_term.channels=[32,32,32]``.

    Parameters
    ----------
    path
        A YAML file with any subset of the configuration (default: none).
    overrides
        ``key=value`` items applied last.
    preset
        A name from :func:`bams.presets.list_presets` to start from (default: the defaults).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file or an override names an unknown key or has a wrong type, the preset is
        unknown, or the resulting settings are inconsistent (see :func:`check_config`).

    Examples
    --------
    >>> cfg = load_config(overrides=["train.epochs=3", "model.hoa_bins=16"])
    >>> cfg.train.epochs, cfg.model.hoa_bins
    (3, 16)
    """
    if preset is not None:
        from bams.presets import get_preset

        values: dict = to_dict(get_preset(preset))
    else:
        values = to_dict(RunConfig())
    if path is not None:
        _merge(values, _read_yaml(Path(path)))
    for item in overrides or []:
        _override(values, item)
    config = from_dict(RunConfig, values)
    check_config(config)
    return config


def _read_yaml(path: Path) -> dict:
    if path.is_dir():
        raise ValueError(f"Expected a YAML config file, but {str(path)!r} is a directory.")
    if not path.is_file():
        raise FileNotFoundError(f"Expected a YAML config file, but {str(path)!r} does not exist.")
    try:
        loaded = safe_yaml(path.read_text(encoding="utf-8"), str(path)) or {}
    except UnicodeDecodeError as err:
        raise ValueError(f"Expected a YAML config file, but {str(path)!r} is not text.") from err
    if not isinstance(loaded, dict):
        raise ValueError(f"Expected a mapping at the top of {str(path)!r}, but got {loaded!r}.")
    return _resolve_paths(loaded, path.parent)


def safe_yaml(text: str, where: str) -> Any:
    """Parse YAML with the safe loader; any syntax error or tag becomes one ``ValueError`` line.

    Tags such as ``!!python/object`` are refused (nothing is ever constructed from them).
    """
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        problem = " ".join(str(getattr(err, "problem", None) or err).split())
        mark = getattr(err, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ValueError(f"Expected plain YAML in {where}, but got: {problem}{at}.") from err


def _resolve_paths(values: dict, folder: Path) -> dict:
    """Relative ``data`` and ``output_dir`` of a file are relative to the file's folder."""
    for key in ("data", "output_dir"):
        value = values.get(key)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            values[key] = str(folder / value)
    return values


def _override(values: dict, item: str) -> None:
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise ValueError(f"Expected an override like 'train.epochs=10', but got {item!r}.")
    node = values
    parts = key.strip().split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            raise ValueError(f"Expected a known config section in {key!r}, but got {part!r}.")
        node = node[part]
    node[parts[-1]] = safe_yaml(raw, f"the override {item!r}")


def _merge(base: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and key != "encoders":
            _merge(base[key], value)
        else:
            base[key] = value


def save_config(config: RunConfig, path: str | Path) -> Path:
    """Write the resolved config as YAML (atomically).

    ``data`` and ``output_dir`` are written relative to the file's folder (when they are on
    the same file system branch), so that ``load_config(path)`` finds them from any working
    directory, and the run directory can be moved with its data.
    """
    path = Path(path)
    values = to_dict(config)
    for key in ("data", "output_dir"):
        if values.get(key):
            values[key] = _relative_to(Path(values[key]), path.parent)
    return atomic_write(path, yaml.safe_dump(values, sort_keys=False))


def _relative_to(target: Path, folder: Path) -> str:
    try:
        return os.path.relpath(target.resolve(), folder.resolve())
    except ValueError:  # another drive (Windows): keep it absolute
        return str(target.resolve())
