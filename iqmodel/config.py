"""Run configuration: IQModel parameters from a TOML file and ``key=value`` overrides.

A config file holds IQModel parameters at its top level or in a ``[model]`` table::

    n_motifs = 20
    glm_lambda = "cv"
    motif_db = "motifs/my_db.meme"
    filter = false

Unknown keys are an error with a "did you mean" hint, so a typo never silently falls back to a
default, and every value is checked against :data:`iqmodel.parameters.IQMODEL_PARAMETERS`
before any work starts. Values are never coerced: ``filter = "no"`` or ``--set distill=False``
(Python spelling, not TOML) is an error, not a truthy string.

The ``config.toml`` an ``iqmodel fit`` run writes (a ``[run]`` table recording the inputs and
the seed, and a ``[model]`` table of the resolved parameters) is itself a valid config file:
:func:`read_config` reads its ``[model]`` table, and :func:`read_run_settings` returns its
``[run]`` table, of which the command line uses only the seed.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import tomllib

from iqmodel.io._atomic import atomic_write_text
from iqmodel.parameters import (
    IQMODEL_PARAMETERS,
    Boolean,
    InvalidParameterError,
    make_constraints,
    validate_params,
)

__all__ = [
    "model_params",
    "parse_assignment",
    "read_config",
    "read_run_settings",
    "validate_config_values",
    "write_toml",
]

_RUN_TABLE = "run"
_NOT_TOML = {
    "True": "true",
    "False": "false",
    "TRUE": "true",
    "FALSE": "false",
    "yes": "true",
    "no": "false",
    "Yes": "true",
    "No": "false",
}
_BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off", "y", "n", "t", "f", "0", "1")
_NO_NULL = ("None", "none", "null", "Null", "NULL", "nil")


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


def _document(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"config file {str(path)!r} is not valid TOML: {error}") from None


def _accepts(name: str, kind) -> bool:
    """Whether a parameter accepts some value of a kind (bool, or a number)."""
    spec = IQMODEL_PARAMETERS.get(name)
    if spec is None or spec == "no_validation":
        return False
    for constraint in make_constraints(spec):
        if kind == "bool" and isinstance(constraint, Boolean):
            return True
        if kind == "number" and any(constraint.is_satisfied_by(v) for v in (0, 1, 0.5, 0.0)):
            return True
    return False


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _value_hint(name: str, value, style: str) -> str:
    """How to write a refused value in TOML (booleans and numbers without quotes)."""
    if _accepts(name, "bool") and type(value) is int and value in (0, 1):
        value = str(value)
    if not isinstance(value, str):
        return ""
    if _accepts(name, "bool") and value.strip().lower() in _BOOLEAN_WORDS:
        if style == "--set":
            return f"; write --set {name}=true or --set {name}=false (TOML booleans, lower case)"
        return f"; write {name} = true or {name} = false (TOML booleans: lower case, no quotes)"
    if _accepts(name, "number") and _is_number(value):
        if style == "--set":
            return f"; write the number as it is: --set {name}={value.strip()}"
        return f"; write the number without quotes: {name} = {value.strip()}"
    return ""


def validate_config_values(params: Mapping, where: str) -> None:
    """Check configured IQModel parameters against their constraints.

    Parameters
    ----------
    params : mapping
        Parameter name -> value, as read from a config file or ``--set``.
    where : str
        Where they come from, e.g. ``"config file 'run.toml'"`` or ``"--set"``; starts the
        message, and ``"--set"`` selects hints in ``--set key=value`` spelling.

    Raises
    ------
    iqmodel.parameters.InvalidParameterError
        (A ValueError) for the first invalid value, with a hint on writing booleans and
        numbers in TOML when the value is such a string.

    Examples
    --------
    >>> validate_config_values({"n_motifs": 20, "filter": False}, "--set")
    >>> try:
    ...     validate_config_values({"filter": "no"}, "--set")
    ... except ValueError as error:
    ...     print(str(error).split("; ")[1])
    write --set filter=true or --set filter=false (TOML booleans, lower case)
    """
    for name, value in params.items():
        try:
            validate_params(IQMODEL_PARAMETERS, {name: value}, "IQModel")
        except InvalidParameterError as error:
            hint = _value_hint(name, value, "--set" if where == "--set" else "file")
            message = str(error).removesuffix(".") + hint if hint else str(error)
            raise InvalidParameterError(f"{where}: {message}") from None


def read_config(path) -> dict:
    """IQModel parameters from a TOML file.

    Parameters
    ----------
    path : str or Path
        TOML file; parameters at the top level or in a ``[model]`` table. A ``[run]`` table
        (the record an ``iqmodel fit`` run writes into its ``config.toml``) is skipped here;
        see :func:`read_run_settings`.

    Returns
    -------
    dict
        Parameter name -> value; every key is an IQModel parameter and every value valid.

    Raises
    ------
    FileNotFoundError
        When there is no such file.
    ValueError
        For invalid TOML, an unknown key, a key both at the top level and in ``[model]``, or an
        invalid value (:class:`iqmodel.parameters.InvalidParameterError`).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "run.toml"
    ...     _ = path.write_text('n_motifs = 5\\n[run]\\nseed = 3\\n[model]\\nglm_lambda = "cv"\\n')
    ...     params = read_config(path)
    ...     _ = path.write_text("n_moitfs = 5\\n")
    ...     try:
    ...         read_config(path)
    ...     except ValueError as error:
    ...         typo = "did you mean 'n_motifs'?" in str(error)
    >>> params, typo
    ({'glm_lambda': 'cv', 'n_motifs': 5}, True)
    """
    document = _document(path)
    where = f"config file {str(path)!r}"
    if isinstance(document.get(_RUN_TABLE), dict):
        del document[_RUN_TABLE]
    params = dict(document.pop("model", {}))
    clash = set(params) & set(document)
    if clash:
        raise ValueError(
            f"{where} sets {sorted(clash)} both at the top level and in [model]; keep one"
        )
    params.update(document)
    params = _checked(params, where)
    validate_config_values(params, where)
    return params


def read_run_settings(path) -> dict:
    """The ``[run]`` table of a config file: the record of the run that wrote it.

    Parameters
    ----------
    path : str or Path
        A TOML config file, e.g. the ``config.toml`` of an ``iqmodel fit`` run.

    Returns
    -------
    dict
        The ``[run]`` table (``seed``, ``start``, ``end``, inputs, split...); empty when the
        file has none.

    Raises
    ------
    FileNotFoundError
        When there is no such file.
    ValueError
        For invalid TOML.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sections = {"run": {"seed": 3}, "model": {"n_motifs": 5}}
    ...     path = write_toml(sections, Path(folder) / "c.toml")
    ...     print(read_run_settings(path), read_config(path))
    {'seed': 3} {'n_motifs': 5}
    """
    run = _document(path).get(_RUN_TABLE, {})
    return dict(run) if isinstance(run, dict) else {}


def parse_assignment(text: str) -> tuple[str, object]:
    """Parse one ``key=value`` override; the value is read as TOML, else kept as a string.

    Booleans must be TOML's ``true``/``false``: ``True``, ``False``, ``yes`` or ``no`` are an
    error rather than a (truthy) string, and so is ``None`` (TOML has no null; leave the key
    out to keep the default).

    Parameters
    ----------
    text : str
        ``key=value``, e.g. from ``--set n_motifs=20``; spaces around both are ignored.

    Returns
    -------
    tuple of (str, object)
        The key and the value (int, float, bool, list, ... as TOML reads it, else the text).

    Raises
    ------
    ValueError
        Without ``=`` or a key, or for a Python/YAML boolean or null spelling.

    Examples
    --------
    >>> parse_assignment("n_motifs=20")
    ('n_motifs', 20)
    >>> parse_assignment("glm_lambda=cv")
    ('glm_lambda', 'cv')
    >>> parse_assignment("distill=false")
    ('distill', False)
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    value = value.strip()
    if not sep or not key:
        raise ValueError(f"--set expects key=value, got {text!r}")
    if value in _NOT_TOML:
        raise ValueError(
            f"--set {key}={value}: {value!r} is not a TOML boolean; write --set "
            f"{key}={_NOT_TOML[value]} (booleans are true or false, lower case)"
        )
    if value in _NO_NULL:
        raise ValueError(
            f"--set {key}={value}: TOML has no {value}; leave {key} out to keep its default"
        )
    try:
        parsed = tomllib.loads(f"value = {value}")["value"]
    except tomllib.TOMLDecodeError:
        parsed = value
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

    Raises
    ------
    ValueError
        For an unknown key or an invalid value (see :func:`read_config`,
        :func:`parse_assignment`, :func:`validate_config_values`).

    Examples
    --------
    >>> params = model_params(assignments=["n_motifs=5", "distill=false"])
    >>> params["n_motifs"], params["distill"], params["glm_lambda"]
    (5, False, 'cv')
    """
    params = _default_params()
    if config is not None:
        params.update(read_config(config))
    overrides = _checked(dict(parse_assignment(text) for text in assignments), "--set")
    validate_config_values(overrides, "--set")
    params.update(overrides)
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
        # a JSON string is a TOML basic string, except that TOML also escapes DEL
        return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
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
        File to write (replaced if it exists).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    TypeError
        For a value of another type (e.g. a dict).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_toml({"run": {"seed": 3, "split": None}}, Path(folder) / "c.toml")
    ...     print(path.read_text())
    [run]
    seed = 3
    <BLANKLINE>
    """
    lines = []
    for table, values in sections.items():
        lines.append(f"[{table}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in values.items() if v is not None)
        lines.append("")
    return atomic_write_text(path, "\n".join(lines))
