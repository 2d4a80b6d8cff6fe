"""Shared input validation: numeric matrices, column names and fitted-column bookkeeping.

Every estimator and function that takes a matrix of values (a DataFrame or an array) checks it
here, so the same mistake gets the same message everywhere: the first bad entry is named by
its row and column, and mismatching column names are listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_MAX_LISTED = 10
_NONFINITE = ("reject", "allow_nan_neg_inf", "allow")


def format_names(names) -> str:
    """Quote names for a message, the first 10 of them.

    Parameters
    ----------
    names : iterable
        Names, any type (shown with ``repr``).

    Returns
    -------
    str
        ``"'a', 'b'"``, ending in ``", ... (n in total)"`` when there are more than 10.
    """
    names = list(names)
    shown = ", ".join(repr(name) for name in names[:_MAX_LISTED])
    if len(names) > _MAX_LISTED:
        shown += f", ... ({len(names)} in total)"
    return shown


def check_unique(names, what: str) -> None:
    """Raise a ValueError listing the repeated names, if any.

    Parameters
    ----------
    names : iterable
        Names that must be unique.
    what : str
        What the names are, for the message (e.g. ``"the column names of X"``).
    """
    index = pd.Index(names)
    if not index.is_unique:
        duplicated = index[index.duplicated()].unique()
        raise ValueError(f"{what} must be unique; repeated: {format_names(duplicated)}")


def check_matrix(
    X,
    what: str = "X",
    *,
    dims: str = "n_samples, n_features",
    nonfinite: str = "reject",
    allow_1d: bool = False,
    unique_names: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate a 2-D numeric matrix; return it as float64 and its column names.

    Parameters
    ----------
    X : DataFrame or array-like of float, shape (n_samples, n_features)
    what : str, default "X"
        Name of the argument, for error messages.
    dims : str, default "n_samples, n_features"
        Names of the two axes, for error messages.
    nonfinite : {"reject", "allow_nan_neg_inf", "allow"}, default "reject"
        Which non-finite entries are errors: all of them; only ``+inf`` (NaN is missing,
        ``-inf`` e.g. the log of a zero probability); none.
    allow_1d : bool, default False
        Take a 1-D ``X`` as a single column instead of rejecting it.
    unique_names : bool, default True
        Reject a DataFrame with repeated column names.

    Returns
    -------
    values : ndarray of float64, shape (n_samples, n_features)
    names : ndarray of str, shape (n_features,), or None
        Column names (as strings) when ``X`` is a DataFrame.

    Raises
    ------
    TypeError
        When ``X`` is not numeric.
    ValueError
        For a wrong number of dimensions, a rejected non-finite entry (the first one is named
        by row and column) or repeated column names.
    """
    if nonfinite not in _NONFINITE:
        raise ValueError(f"nonfinite must be one of {_NONFINITE}, got {nonfinite!r}")
    names = None
    if isinstance(X, pd.DataFrame):
        names = np.asarray([str(column) for column in X.columns], dtype=object)
        if unique_names:
            check_unique(names, f"the column names of {what}")
    try:
        values = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{what} must be a numeric matrix ({dims}): {error}") from error
    if allow_1d and values.ndim == 1:
        values = values[:, np.newaxis]
    if values.ndim != 2:
        if allow_1d:
            raise ValueError(f"{what} must be 1-D or 2-D ({dims}), got shape {values.shape}")
        raise ValueError(
            f"{what} must be 2-D ({dims}), got shape {values.shape}; use .reshape(-1, 1) for "
            "a single column"
        )
    if nonfinite != "allow":
        _check_entries(values, names, what, nonfinite)
    return values, names


def _check_entries(values: np.ndarray, names, what: str, nonfinite: str) -> None:
    """Raise at the first non-finite entry that ``nonfinite`` rejects."""
    bad = np.isposinf(values) if nonfinite == "allow_nan_neg_inf" else ~np.isfinite(values)
    where = np.argwhere(bad)
    if not len(where):
        return
    row, column = where[0]
    label = repr(names[column]) if names is not None else str(column)
    if nonfinite == "allow_nan_neg_inf":
        raise ValueError(
            f"{what} has +inf at row {row}, column {label}; its values must be finite, -inf "
            "(e.g. the log of a zero probability) or NaN (missing)"
        )
    value = values[row, column]
    raise ValueError(
        f"{what} must be finite, but {what}[{row}, {column}] = {value} (column {label} is "
        f"{value} at row {row}); drop or impute non-finite values"
    )


def set_features_in(estimator, n_features: int, names) -> None:
    """Record ``n_features_in_`` and ``feature_names_in_`` at the end of a fit.

    Parameters
    ----------
    estimator : object
        The estimator being fitted.
    n_features : int
        Number of input columns.
    names : ndarray of str, shape (n_features,), or None
        Input column names; None (array input) removes a ``feature_names_in_`` left by an
        earlier fit.
    """
    estimator.n_features_in_ = n_features
    if names is not None:
        estimator.feature_names_in_ = names
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_


def align_to_fit(estimator, values: np.ndarray, names, what: str, kind: str) -> np.ndarray:
    """Columns of ``values`` in the order the fitted estimator saw them.

    With names both now and in fit, the columns are matched by name (any order, exactly the
    fitted ones); otherwise they must be as many as in fit, in the fitted order.

    Parameters
    ----------
    estimator : object
        Fitted, with ``n_features_in_`` and possibly ``feature_names_in_``.
    values : ndarray of float64, shape (n_samples, n_columns)
    names : ndarray of str, shape (n_columns,), or None
        Column names of ``values``, as returned by :func:`check_matrix`.
    what : str
        Name of the argument, for error messages.
    kind : str
        What the columns are, plural (e.g. ``"features"``), for error messages.

    Returns
    -------
    ndarray of float64, shape (n_samples, n_features_in_)
    """
    fitted = getattr(estimator, "feature_names_in_", None)
    if names is not None and fitted is not None:
        missing = pd.Index(fitted).difference(names, sort=False)
        extra = pd.Index(names).difference(fitted, sort=False)
        if len(missing) or len(extra):
            raise ValueError(
                f"the columns of {what} do not match the {kind} seen in fit; "
                f"missing: [{format_names(missing)}]; unexpected: [{format_names(extra)}]. "
                f"Pass exactly the fitted {kind} (see feature_names_in_), in any order"
            )
        return values[:, pd.Index(names).get_indexer(fitted)]
    if values.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"{what} has {values.shape[1]} columns but {type(estimator).__name__} was fitted "
            f"on {estimator.n_features_in_} {kind}; pass the same columns as in fit"
        )
    return values


def check_target(values, n_seqs: int, name: str = "dap", *, allow_constant: bool = True):
    """A 1-D finite float64 target with one value per sequence.

    Parameters
    ----------
    values : array-like of float, shape (n_seqs,)
    n_seqs : int
        Number of sequences it belongs to.
    name : str, default "dap"
        Argument name for error messages.
    allow_constant : bool, default True
        False rejects a constant target (nothing to explain).

    Returns
    -------
    ndarray of float64, shape (n_seqs,)
    """
    try:
        values = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} must be numbers, one per sequence ({error}); convert it to float first"
        ) from None
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per sequence), got shape {values.shape}")
    if len(values) != n_seqs:
        raise ValueError(
            f"{name} has {len(values)} values but there are {n_seqs} sequences; pass one per "
            "sequence"
        )
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise ValueError(
            f"{name} has a non-finite value (NaN or inf) at index {bad[0]}; drop those peaks first"
        )
    if not allow_constant and values.max() == values.min():
        raise ValueError(f"{name} is constant; there is nothing to explain")
    with np.errstate(over="ignore"):
        spread = values.max() - values.min() if len(values) else 0.0
    if not np.isfinite(spread):
        raise ValueError(
            f"{name} spans [{values.min():g}, {values.max():g}], a range too large for float64; "
            "rescale it (e.g. divide by its largest magnitude)"
        )
    return values


def check_features(features, n_seqs: int, target=None) -> pd.DataFrame | None:
    """Per-sequence covariates as a float64 frame with a default index.

    Rows are matched to sequences by position, as in scikit-learn. When both ``features``
    and ``target`` are pandas objects with different indexes, that is an error rather than a
    silent misalignment.

    Parameters
    ----------
    features : DataFrame, array-like (n_seqs, n_features) or None
    n_seqs : int
    target : array-like or Series, optional
        The target passed with the features.

    Returns
    -------
    DataFrame of float64 (string column names) or None
    """
    if features is None:
        return None
    if (
        isinstance(features, (pd.DataFrame, pd.Series))
        and isinstance(target, pd.Series)
        and len(features) == len(target)
        and not features.index.equals(target.index)
    ):
        raise ValueError(
            "features and dap are pandas objects with different indexes; rows are matched to "
            "sequences by position, so align them first (features = features.loc[dap.index]) "
            "or pass arrays"
        )
    frame = pd.DataFrame(features).reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) != n_seqs:
        raise ValueError(
            f"features has {len(frame)} rows but there are {n_seqs} sequences; pass one row per "
            "sequence"
        )
    for column in frame.columns:
        try:
            frame[column] = frame[column].astype(float)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"features column {column!r} is not numeric ({error}); pass numbers only"
            ) from None
    return frame
