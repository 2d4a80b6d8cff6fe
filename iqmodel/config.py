"""Run configuration: IQModel parameters from a TOML file and ``key=value`` overrides.

A config file holds IQModel parameters at its top level or in a ``[model]`` table::

    n_motifs = 20
    glm_lambda = "cv"
    motif_db = "motifs/my_db.meme"

Unknown keys are an error with a "did you mean" hint, so a typo never silently falls back to a
default.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import tomllib

from iqmodel.io._atomic import atomic_write_text

__all__ = ["model_params", "parse_assignment", "read_config", "write_toml"]


def _default_params() -> dict:
    from iqmodel.model import IQModel

    return IQModel().get_params()


def _hint(key: str, valid: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _checked(params: Mapping, where: str) -> dict:
    valid = _default_params()
    for key in params:
        if key not in valid:
            raise ValueError(
                f"unknown parameter {key!r} in {where}{_hint(key, valid)} "
                f"(valid: {', '.join(sorted(valid))})"
            )
    return dict(params)


def read_config(path) -> dict:
    """IQModel parameters from a TOML file.

    Parameters
    ----------
    path : str or Path
        TOML file; parameters at the top level or in a ``[model]`` table.

    Returns
    -------
    dict
        Parameter name -> value; every key is an IQModel parameter.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    try:
        document = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"config file {str(path)!r} is not valid TOML: {error}") from None
    params = dict(document.pop("model", {}))
    clash = set(params) & set(document)
    if clash:
        raise ValueError(
            f"config file {str(path)!r} sets {sorted(clash)} both at the top level and in "
            "[model]; keep one"
        )
    params.update(document)
    return _checked(params, f"config file {str(path)!r}")


def parse_assignment(text: str) -> tuple[str, object]:
    """Parse one ``key=value`` override; the value is read as TOML, else kept as a string.

    Examples
    --------
    >>> parse_assignment("n_motifs=20")
    ('n_motifs', 20)
    >>> parse_assignment("glm_lambda=cv")
    ('glm_lambda', 'cv')
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"--set expects key=value, got {text!r}")
    try:
        parsed = tomllib.loads(f"value = {value.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key, parsed


def model_params(config=None, assignments: Iterable[str] = ()) -> dict:
    """Merge a config file and ``key=value`` overrides over IQModel's defaults.

    Parameters
    ----------
    config : str or Path, optional
        TOML config file (see :func:`read_config`).
    assignments : iterable of str
        ``key=value`` overrides, applied after the file, in order.

    Returns
    -------
    dict
        Every IQModel parameter with its resolved value.
    """
    params = _default_params()
    if config is not None:
        params.update(read_config(config))
    overrides = dict(parse_assignment(text) for text in assignments)
    params.update(_checked(overrides, "--set"))
    return params


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (str, os.PathLike)):
        escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def write_toml(sections: Mapping[str, Mapping], path) -> Path:
    """Write ``{table: {key: value}}`` as TOML atomically; ``None`` values are omitted.

    Parameters
    ----------
    sections : mapping of str to mapping
        One TOML table per entry; values are bool, int, float, str, path or lists of them.
    path : str or Path

    Returns
    -------
    Path
    """
    lines = []
    for table, values in sections.items():
        lines.append(f"[{table}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in values.items() if v is not None)
        lines.append("")
    return atomic_write_text(path, "\n".join(lines))
