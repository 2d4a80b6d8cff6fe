"""Logistic response features: each input on [0, 10] becomes four saturating curves (spec 4).

The model is linear in these curves, so a motif's dose-response (accessibility against its
normalized energy) can be weak-site saturating (``low-energy``), switch-like (``sigmoid``) or
convex, responding only to strong sites (``high-energy``, ``higher-energy``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from iqmodel._validation import check_matrix, set_features_in

__all__ = [
    "RESPONSE_FUNCTIONS",
    "LogisticBasis",
    "inverse_response_function",
    "logistic",
    "response_function",
    "response_parameters",
]


class _Logistic(NamedTuple):
    """``L / (1 + exp(-k (x - x0))) + offset``."""

    x0: float
    L: float
    k: float
    offset: float


_RESPONSES = {
    "low-energy": _Logistic(x0=0.0, L=2.0, k=0.5, offset=-1.0),
    "sigmoid": _Logistic(x0=5.0, L=1.0, k=1.0, offset=0.0),
    "high-energy": _Logistic(x0=10.0, L=2.0, k=0.5, offset=0.0),
    "higher-energy": _Logistic(x0=10.0, L=2.0, k=1.0, offset=0.0),
}
RESPONSE_FUNCTIONS = tuple(_RESPONSES)
"""Names of the four response functions, in the order of :class:`LogisticBasis` columns."""


def logistic(x, x0=0.0, L=1.0, k=1.0):
    """Logistic curve ``L / (1 + exp(-k (x - x0)))``, overflow-free for any ``x``.

    Parameters
    ----------
    x : float or array-like of float
        Input values, any shape.
    x0 : float, default 0.0
        Midpoint, where the curve is ``L / 2``.
    L : float, default 1.0
        Upper asymptote.
    k : float, default 1.0
        Steepness; ``k = 0`` gives ``L / 2`` everywhere.

    Returns
    -------
    float or ndarray of float64
        Same shape as ``x``; NaN stays NaN.

    Examples
    --------
    >>> float(logistic(2.0, x0=2.0, L=3.0))
    1.5
    >>> logistic([-1e6, 0.0, 1e6]).tolist()
    [0.0, 0.5, 1.0]
    """
    return L * expit(k * (np.asarray(x, dtype=np.float64) - x0))


def _response(name: str) -> _Logistic:
    try:
        return _RESPONSES[name]
    except (KeyError, TypeError):
        valid = ", ".join(repr(valid_name) for valid_name in RESPONSE_FUNCTIONS)
        raise ValueError(f"unknown response function {name!r}; valid names are {valid}") from None


def response_function(x, name: str):
    """Apply one of the four response functions of spec 4.2.

    Parameters
    ----------
    x : float or array-like of float
        Normalized values, nominally on [0, 10]; any shape.
    name : {"low-energy", "sigmoid", "high-energy", "higher-energy"}
        ``low-energy`` = ``2 / (1 + exp(-x / 2)) - 1``, ``sigmoid`` = ``1 / (1 + exp(5 - x))``,
        ``high-energy`` = ``2 / (1 + exp(-(x - 10) / 2))``,
        ``higher-energy`` = ``2 / (1 + exp(10 - x))``.

    Returns
    -------
    float or ndarray of float64
        Same shape as ``x``.

    Raises
    ------
    ValueError
        For an unknown ``name``.

    Examples
    --------
    The sigmoid is centred at 5; ``low-energy`` starts at 0 and saturates early:

    >>> response_function([0.0, 5.0, 10.0], "sigmoid").round(3).tolist()
    [0.007, 0.5, 0.993]
    >>> response_function([0.0, 2.0, 10.0], "low-energy").round(3).tolist()
    [0.0, 0.462, 0.987]
    """
    curve = _response(name)
    return logistic(x, curve.x0, curve.L, curve.k) + curve.offset


def response_parameters(name: str) -> tuple[float, float, float, float]:
    """The constants of one response function.

    Parameters
    ----------
    name : {"low-energy", "sigmoid", "high-energy", "higher-energy"}
        The response function.

    Returns
    -------
    tuple of float
        ``(x0, L, k, offset)``: :func:`response_function` is
        ``L / (1 + exp(-k (x - x0))) + offset``, with ``x0`` in input units ([0, 10] scale)
        and ``k`` per input unit.

    Raises
    ------
    ValueError
        For an unknown ``name``.

    Examples
    --------
    >>> response_parameters("high-energy")
    (10.0, 2.0, 0.5, 0.0)
    """
    return tuple(_response(name))


def inverse_response_function(y, name: str):
    """Invert :func:`response_function`: the ``x`` whose response ``name`` is ``y``.

    Parameters
    ----------
    y : float or array-like of float
        Response values, any shape; values outside the function's range give NaN, its
        bounds give -inf / +inf.
    name : {"low-energy", "sigmoid", "high-energy", "higher-energy"}
        The response function.

    Returns
    -------
    float or ndarray of float64
        Same shape as ``y``; e.g. ``high-energy``: ``x = 10 - 2 ln(2 / y - 1)``.

    Raises
    ------
    ValueError
        For an unknown ``name``.

    Examples
    --------
    >>> y = response_function([2.0, 7.5], "high-energy")
    >>> inverse_response_function(y, "high-energy").round(9).tolist()
    [2.0, 7.5]
    >>> float(inverse_response_function(1.0, "sigmoid"))
    inf
    """
    curve = _response(name)
    fraction = (np.asarray(y, dtype=np.float64) - curve.offset) / curve.L
    return curve.x0 + logit(fraction) / curve.k


class LogisticBasis(TransformerMixin, BaseEstimator):
    """Expand each input column into its four logistic response features.

    For an input column ``f`` the output has the columns ``f_low-energy``, ``f_sigmoid``,
    ``f_high-energy`` and ``f_higher-energy`` (see :func:`response_function`), next to each
    other, features in input order. NaN propagates. The transform is stateless; fit only
    records the number and names of the inputs.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns seen in fit.
    feature_names_in_ : ndarray of str, shape (``n_features_in_``,)
        Input column names; only set when fit was given a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> energies = pd.DataFrame({"GATA": [0.0, 10.0]})
    >>> basis = LogisticBasis().fit(energies)
    >>> basis.get_feature_names_out().tolist()
    ['GATA_low-energy', 'GATA_sigmoid', 'GATA_high-energy', 'GATA_higher-energy']
    >>> basis.transform(energies).round(3).to_numpy().tolist()
    [[0.0, 0.007, 0.013, 0.0], [0.987, 0.993, 1.0, 1.0]]
    """

    def fit(self, X, y=None):
        """Record the number and names of the input columns.

        Parameters
        ----------
        X : DataFrame or array-like of float, shape (n_samples, n_features) or (n_samples,)
            Feature values, nominally on [0, 10]; 1-D input is one column.
        y : None
            Ignored.

        Returns
        -------
        self : LogisticBasis
            The fitted transformer.
        """
        values, names = _feature_matrix(X)
        set_features_in(self, values.shape[1], names)
        return self

    def transform(self, X):
        """Apply the four response functions to every column.

        Parameters
        ----------
        X : DataFrame or array-like of float, shape (n_samples, n_features) or (n_samples,)
            Same columns as in fit.

        Returns
        -------
        ndarray or DataFrame of float64, shape (n_samples, 4 * n_features)
            A DataFrame (input index, :meth:`get_feature_names_out` columns) when ``X`` is one.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            When the number or names of the columns differ from fit.
        """
        check_is_fitted(self, "n_features_in_")
        values, names = _feature_matrix(X)
        self._check_columns(values.shape[1], names)
        responses = [response_function(values, name) for name in RESPONSE_FUNCTIONS]
        features = np.stack(responses, axis=2).reshape(len(values), 4 * values.shape[1])
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(features, index=X.index, columns=self.get_feature_names_out())
        return features

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output column names ``"{feature}_{function}"``.

        Parameters
        ----------
        input_features : array-like of str, optional
            Input names; default ``feature_names_in_``, or ``x0 .. x{n-1}`` without them.

        Returns
        -------
        ndarray of object (str), shape (4 * ``n_features_in_``,)
            The four names of each input feature, next to each other, in input order.
        """
        check_is_fitted(self, "n_features_in_")
        if input_features is None:
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                names = [f"x{i}" for i in range(self.n_features_in_)]
        else:
            names = np.asarray(input_features, dtype=object).ravel()
            self._check_columns(len(names), names)
        return np.asarray(
            [f"{feature}_{name}" for feature in names for name in RESPONSE_FUNCTIONS],
            dtype=object,
        )

    @staticmethod
    def split_feature_name(name: str) -> tuple[str, str]:
        """Split an output column name into (input feature, response function).

        Feature names may contain underscores and hyphens; response function names have no
        underscore, so the split is at the last underscore.

        Parameters
        ----------
        name : str
            An output column name, ``"{feature}_{function}"``.

        Returns
        -------
        tuple of (str, str)
            The input feature name and the response function name.

        Raises
        ------
        ValueError
            When ``name`` does not end in ``_`` and a response function name.

        Examples
        --------
        >>> LogisticBasis.split_feature_name("JASPAR.GATA2_low-energy")
        ('JASPAR.GATA2', 'low-energy')
        """
        feature, _, function = str(name).rpartition("_")
        if not feature or function not in RESPONSE_FUNCTIONS:
            suffixes = ", ".join(f"'_{valid}'" for valid in RESPONSE_FUNCTIONS)
            raise ValueError(
                f"{name!r} is not a LogisticBasis output name; expected '<feature>' followed "
                f"by one of {suffixes}"
            )
        return feature, function

    def _check_columns(self, n_columns: int, names) -> None:
        if n_columns != self.n_features_in_:
            raise ValueError(
                f"X has {n_columns} columns but LogisticBasis was fitted on "
                f"{self.n_features_in_}; pass the same columns as in fit"
            )
        fitted = getattr(self, "feature_names_in_", None)
        if names is None or fitted is None:
            return
        differs = np.flatnonzero(np.asarray(names, dtype=object) != fitted)
        if len(differs):
            i = differs[0]
            raise ValueError(
                f"column {i} is named {names[i]!r} but was {fitted[i]!r} in fit; pass the "
                "columns seen in fit in the same order, or refit"
            )


def _feature_matrix(X) -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` as a 2-D float64 array (1-D is one column), NaN and inf allowed, and its names."""
    return check_matrix(X, nonfinite="allow", allow_1d=True, unique_names=False)
