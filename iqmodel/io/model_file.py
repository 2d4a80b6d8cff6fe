"""The iqmodel model file: one human-readable JSON document, versioned, written atomically.

This module is the file layer only: it reads and writes documents and checks their fields.
What goes into a document is the estimator's contract (:meth:`iqmodel.IQModel.to_dict` /
:meth:`~iqmodel.IQModel.from_dict`); this module imports no estimator.

Layout (format version 2)::

    {
      "format": "iqmodel-model", "format_version": 2, "iqmodel_version": "...",
      "params": {...},                   # constructor parameters; motif_db is a name/path or
                                         # {"motifs": [motif, ...]} for a list of motifs
      "motifs": [{"name", "alt_name", "source", "pwm" (L x 4), "spatial" (B) | null,
                  "bin_size" | null}, ...],
      "motif_names": [{"motif", "seed", "match", "similarity", "named_by"}, ...],
      "energy_normalizer": {"quantile", "min_energy", "max_value",
                            "reference_log2", "range_low", "range_high"},   # per motif
      "feature_scaler": null | {"quantile", "names", "low", "high"},        # per covariate
      "interactions": null | {"name", "term1", "term2", "inter_max", "norm_min", "norm_max"},
      "glm": {"coef", "intercept", "lambda", "solver", "n_iter", "converged", "deviance_ratio"},
      "design_columns": [{"column", "term", "kind", "response", "term1", "term2"}, ...],
      "scale": {"y_min", "y_range"},
      "covariates": null | [...],        # names of user features passed to fit
      "train_r2": float, "seq_length": int (training sequence length, bp),
      "filter_report": null | [{...}], "distilled_features": [{...}]
    }

Version 1 files (``design_columns`` as a list of names) are still read. Floats are written
with Python's shortest round-trip representation, so a loaded model predicts bit-identically.
No pickle is involved.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from iqmodel.io._atomic import atomic_write_text

FORMAT = "iqmodel-model"
"""Value of the ``format`` field of every model file."""
FORMAT_VERSION = 2
"""Format version written by :func:`write_model_document`; files up to it can be read."""

__all__ = [
    "FORMAT_VERSION",
    "Document",
    "json_ready",
    "legacy_design_columns",
    "read_model_document",
    "write_model_document",
]


def json_ready(value):
    """JSON-ready copy: arrays to lists, numpy scalars to Python, NaN/inf to None.

    Parameters
    ----------
    value : object
        A value, or nested dicts, lists, tuples and numpy arrays of values.

    Returns
    -------
    object
        The same structure with dict keys as str, tuples and arrays as lists, numpy
        integers, floats and booleans as Python ``int``, ``float`` and ``bool``, and
        non-finite floats as None (JSON has no NaN); other values unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from iqmodel.io.model_file import json_ready
    >>> json_ready({"coef": np.array([0.5, np.nan]), 1: (np.int64(3), np.bool_(True))})
    {'coef': [0.5, None], '1': [3, True]}
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_model_document(document: dict, path) -> Path:
    """Write a model document (without its header) to ``path`` as JSON, atomically.

    The header fields ``format``, ``format_version`` and ``iqmodel_version`` are put first;
    the text goes to a temporary file in the same folder, then replaces ``path``.

    Parameters
    ----------
    document : dict
        The fields of the model (see the module docstring), already JSON-ready (see
        :func:`json_ready`).
    path : str or Path
        Target file, usually ``model.json``.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        When ``document`` holds NaN or infinite floats (JSON has none; pass it through
        :func:`json_ready` first).
    TypeError
        When ``document`` holds values JSON cannot store (e.g. numpy arrays).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from iqmodel.io.model_file import read_model_document, write_model_document
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_model_document({"seq_length": 300}, pathlib.Path(folder, "m.json"))
    ...     document = read_model_document(path)
    >>> document["format"], document["format_version"], document["seq_length"]
    ('iqmodel-model', 2, 300)
    """
    from iqmodel import __version__

    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "iqmodel_version": __version__}
    text = json.dumps({**header, **document}, indent=1, allow_nan=False)
    return atomic_write_text(Path(path), text)


def read_model_document(path) -> dict:
    """Read and check the header of a model file.

    Only the header is checked here (``format`` and ``format_version``); the fields are
    checked where they are used, through :class:`Document`.

    Parameters
    ----------
    path : str or Path
        A model file written by :func:`write_model_document` (``IQModel.save``).

    Returns
    -------
    dict
        The whole JSON document, header included.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        Not JSON, not a model file, or a newer format version.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from iqmodel.io.model_file import read_model_document
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "other.json")
    ...     _ = path.write_text(json.dumps({"format": "something-else"}))
    ...     read_model_document(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ...other.json is not an iqmodel model file (no 'format': 'iqmodel-model')
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no model file at {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a folder; pass the model file (model.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path} is not a valid iqmodel model file (JSON error: {error}); the file is "
            "corrupt or truncated: save the model again"
        ) from None
    except RecursionError:
        raise ValueError(
            f"{path} is not an iqmodel model file: its JSON is nested too deeply to read"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not an iqmodel model file (no 'format': '{FORMAT}')")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"{path} has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written by iqmodel {document.get('iqmodel_version')} in model format "
            f"version {version}; this iqmodel reads up to version {FORMAT_VERSION}: upgrade iqmodel"
        )
    return document


def legacy_design_columns(names, motif_names, interactions, response_bases: bool) -> list[dict]:
    """Column identities of a version-1 file, which stored the GLM column names only.

    Interaction columns are known from the stored interactions; the others are split at the
    response-function suffix, and are motifs when their term is in ``motif_names``.

    Parameters
    ----------
    names : sequence of str
        GLM column names, in design order (e.g. ``"MA0139.2_sigmoid"``).
    motif_names : iterable of str
        Names of the model's motifs.
    interactions : InteractionSet or None
        The model's interactions; their ``pairs`` give the interaction columns.
    response_bases : bool
        Whether the model expanded its inputs into response functions (column names end in
        ``_<response>``); else every column is its own term with response ``"linear"``.

    Returns
    -------
    list of dict
        One per column, with keys ``column``, ``term``, ``kind`` (``"motif"``,
        ``"feature"`` or ``"interaction"``), ``response``, ``term1`` and ``term2`` (the
        interacting terms, ``""`` for other columns): the rows of ``design_columns_``.

    Examples
    --------
    >>> from iqmodel.io.model_file import legacy_design_columns
    >>> rows = legacy_design_columns(
    ...     ["MA1_low-energy", "MA1_sigmoid", "gc_content_high-energy"], ["MA1"], None, True
    ... )
    >>> for row in rows:
    ...     print(row["term"], row["kind"], row["response"])
    MA1 motif low-energy
    MA1 motif sigmoid
    gc_content feature high-energy
    """
    motif_names = set(motif_names)
    from iqmodel.features import LogisticBasis

    pairs = {} if interactions is None else interactions.pairs.set_index("name")
    rows = []
    for name in names:
        if name in getattr(pairs, "index", ()):
            rows.append(
                {
                    "column": name,
                    "term": name,
                    "kind": "interaction",
                    "response": "linear",
                    "term1": pairs.at[name, "term1"],
                    "term2": pairs.at[name, "term2"],
                }
            )
            continue
        term, response = (
            LogisticBasis.split_feature_name(name) if response_bases else (name, "linear")
        )
        rows.append(
            {
                "column": name,
                "term": term,
                "kind": "motif" if term in motif_names else "feature",
                "response": response,
                "term1": "",
                "term2": "",
            }
        )
    return rows


_TYPE_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


class Document:
    """Typed access to the fields of a model document; errors name the field.

    Paths are dotted (``"glm.coef"``). Every accessor raises ``ValueError`` (or
    ``TypeError`` for a wrong type) that names the field, what it must be and what it is.

    Parameters
    ----------
    document : dict
        A model document, e.g. from :func:`read_model_document`.

    Raises
    ------
    TypeError
        When ``document`` is not a dict.

    Examples
    --------
    >>> from iqmodel.io.model_file import Document
    >>> doc = Document({"glm": {"coef": [0.5, -1], "lambda": None}, "seq_length": 300})
    >>> doc.has("glm.coef"), doc.has("glm.solver")
    (True, False)
    >>> doc.array("glm.coef", 2).tolist()
    [0.5, -1.0]
    >>> doc.number("seq_length", minimum=1, integer=True)
    300.0
    >>> doc.number("glm.lambda")
    Traceback (most recent call last):
    ...
    ValueError: field 'glm.lambda' is null; expected a finite number
    >>> doc.get("seq_length", str)
    Traceback (most recent call last):
    ...
    TypeError: field 'seq_length' must be a string, got 300
    """

    def __init__(self, document: dict):
        if not isinstance(document, dict):
            raise TypeError(f"a model document is a dict, got {type(document).__name__}")
        self._document = document

    def _raw(self, path: str):
        value = self._document
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                raise ValueError(f"field '{path}' is missing")
            value = value[part]
        return value

    def has(self, path: str) -> bool:
        """Whether the field exists.

        Parameters
        ----------
        path : str
            Dotted field path, e.g. ``"glm.coef"``.

        Returns
        -------
        bool
            True when every part of the path exists (the value may be null).
        """
        try:
            self._raw(path)
        except ValueError:
            return False
        return True

    def get(self, path: str, types):
        """The field's value, which must be of ``types`` (a type or tuple of types).

        Parameters
        ----------
        path : str
            Dotted field path.
        types : type or tuple of type
            Accepted Python types (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``,
            ``type(None)``); ``bool`` is not accepted as a number.

        Returns
        -------
        object
            The value, as stored.

        Raises
        ------
        ValueError
            When the field is missing.
        TypeError
            When the value is of another type.
        """
        value = self._raw(path)
        types = types if isinstance(types, tuple) else (types,)
        ok = isinstance(value, types) and not (
            isinstance(value, bool) and bool not in types and (int in types or float in types)
        )
        if not ok:
            wanted = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
            raise TypeError(f"field '{path}' must be {wanted}, got {value!r:.60}")
        return value

    def number(
        self,
        path: str,
        *,
        minimum: float | None = None,
        open_minimum: bool = False,
        integer: bool = False,
    ) -> float:
        """A finite number (optionally an integer, optionally bounded below).

        Parameters
        ----------
        path : str
            Dotted field path.
        minimum : float, optional
            Least accepted value.
        open_minimum : bool, default False
            Exclude ``minimum`` itself.
        integer : bool, default False
            Require a whole number.

        Returns
        -------
        float
            The value as a float.

        Raises
        ------
        ValueError
            When the field is missing, null, non-finite, not whole (with ``integer``) or
            below ``minimum``.
        TypeError
            When the value is not a number.
        """
        value = self._raw(path)
        if value is None:
            raise ValueError(f"field '{path}' is null; expected a finite number")
        value = self.get(path, (int, float))
        if not math.isfinite(value):
            raise ValueError(f"field '{path}' is {value}; expected a finite number")
        if integer and float(value) != int(value):
            raise ValueError(f"field '{path}' must be an integer, got {value}")
        if minimum is not None and (value < minimum or (open_minimum and value == minimum)):
            relation = ">" if open_minimum else ">="
            raise ValueError(f"field '{path}' must be {relation} {minimum:g}, got {value}")
        return float(value)

    def array(self, path: str, length: int) -> np.ndarray:
        """A list of ``length`` finite numbers as float64.

        Parameters
        ----------
        path : str
            Dotted field path.
        length : int
            Required number of values.

        Returns
        -------
        ndarray of float64, shape (length,)
            The values, in order.

        Raises
        ------
        ValueError
            When the field is missing, has another length or holds a null, a non-number or
            a non-finite number (naming the entry).
        TypeError
            When the value is not a list.
        """
        values = self.get(path, list)
        if len(values) != length:
            raise ValueError(f"field '{path}' has {len(values)} values; expected {length}")
        for i, v in enumerate(values):
            if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"field '{path}[{i}]' is {v!r:.40}; expected a finite number")
            if not math.isfinite(v):
                raise ValueError(f"field '{path}[{i}]' is {v}; expected a finite number")
        return np.array(values, dtype=np.float64)

    def strings(self, path: str) -> list[str]:
        """A list of strings.

        Parameters
        ----------
        path : str
            Dotted field path.

        Returns
        -------
        list of str
            A copy of the list.

        Raises
        ------
        ValueError
            When the field is missing.
        TypeError
            When the value is not a list or holds a non-string (naming the entry).
        """
        values = self.get(path, list)
        for i, v in enumerate(values):
            if not isinstance(v, str):
                raise TypeError(f"field '{path}[{i}]' must be a string, got {v!r:.40}")
        return list(values)

    def frame(self, path: str, *, default):
        """A list of records as a DataFrame; ``default`` when the field is absent or null.

        Parameters
        ----------
        path : str
            Dotted field path.
        default : object
            Returned when the field is missing or null.

        Returns
        -------
        DataFrame or ``default``
            One row per record, columns the union of the records' keys.

        Raises
        ------
        TypeError
            When the value is not a list of objects (dicts).
        """
        if not self.has(path) or self._raw(path) is None:
            return default
        records = self.get(path, list)
        if not all(isinstance(r, dict) for r in records):
            raise TypeError(f"field '{path}' must be a list of objects")
        return pd.DataFrame(records)

    def build(self, path: str, constructor, value):
        """``constructor(value)``, its errors prefixed with the field name.

        Parameters
        ----------
        path : str
            Dotted field path, for the error message.
        constructor : callable
            Builds an object from ``value``.
        value : object
            The stored value (e.g. ``doc.get(path, dict)``).

        Returns
        -------
        object
            What ``constructor`` returns.

        Raises
        ------
        TypeError, ValueError, KeyError
            The error of ``constructor``, of the same type, its message prefixed with
            ``field '<path>':``.
        """
        try:
            return constructor(value)
        except (TypeError, ValueError, KeyError) as error:
            raise type(error)(f"field '{path}': {error}") from None

    def check(self, path: str, validator) -> None:
        """Run ``validator()``, its errors prefixed with the field name.

        Parameters
        ----------
        path : str
            Dotted field path, for the error message.
        validator : callable
            Called without arguments; raises on an invalid document.

        Raises
        ------
        TypeError, ValueError, KeyError
            The error of ``validator``, prefixed as in :meth:`build`.
        """
        self.build(path, lambda _: validator(), None)
