"""Goodness of fit and correlations: the one home of R^2, Pearson r and column correlations.

Every correlation in the package goes through this module, so a constant (or numerically
constant) column has correlation 0 everywhere, never a division by zero. A column counts as
constant when its spread is below ``CONSTANT_TOLERANCE`` times its magnitude: the rounding
residue of a constant column (e.g. a k-mer count that is the same in every sequence) then
never turns into a spurious correlation.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CONSTANT_TOLERANCE",
    "column_correlations",
    "correlation_matrix",
    "is_constant",
    "pearson_r",
    "pearson_r2",
    "r2_score",
]

CONSTANT_TOLERANCE = 1e-10
"""Relative spread (root-mean-square deviation / largest magnitude) below which a column is
constant."""


def _as_matrix(values, name: str) -> np.ndarray:
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {matrix.shape}")
    return matrix


def _scaled(matrix: np.ndarray) -> np.ndarray:
    """Columns divided by their largest magnitude, so squares of 1e-300 or 1e300 stay finite."""
    peak = np.abs(matrix).max(axis=0, initial=0.0)
    return matrix / np.where(peak > 0, peak, 1.0)


def _centred(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns centred and their norms, with the norm of constant columns set to 0.

    Returns
    -------
    centred : ndarray (n, k)
    norms : ndarray (k,)
        Euclidean norm of each centred column; 0 where the column is constant.
    """
    centred = matrix - matrix.mean(axis=0)
    norms = np.sqrt((centred**2).sum(axis=0))
    scale = np.abs(matrix).max(axis=0, initial=0.0) * np.sqrt(len(matrix))
    norms[norms <= CONSTANT_TOLERANCE * scale] = 0.0
    return centred, norms


def is_constant(values) -> np.ndarray:
    """Whether each column is constant up to rounding.

    Parameters
    ----------
    values : array-like of float, shape (n,) or (n, k)
        A vector or the columns to test.

    Returns
    -------
    ndarray of bool, shape (k,)
        True where the column's root-mean-square deviation is at most
        ``CONSTANT_TOLERANCE`` times its largest magnitude; shape (1,) for a vector.

    Raises
    ------
    ValueError
        When ``values`` has more than two dimensions.

    Examples
    --------
    Rounding residue does not make a column vary:

    >>> import numpy as np
    >>> values = np.array([[1.0, 2.0], [1.0, 3.0], [1.0 + 1e-14, 4.0]])
    >>> is_constant(values).tolist()
    [True, False]
    """
    return _centred(_scaled(_as_matrix(values, "values")))[1] == 0


def column_correlations(matrix, y) -> np.ndarray:
    """Pearson r of every column of ``matrix`` with ``y``; 0 where either is constant.

    Parameters
    ----------
    matrix : array-like of float, shape (n, k)
        The columns to correlate (a vector is one column).
    y : array-like of float, shape (n,)
        The vector to correlate them with.

    Returns
    -------
    ndarray of float64, shape (k,)
        Pearson r of each column with ``y``, in [-1, 1]; 0 for a constant column (or all 0
        for a constant ``y``).

    Raises
    ------
    ValueError
        When ``y`` is not a vector of ``n`` values.

    Examples
    --------
    >>> import numpy as np
    >>> matrix = np.array([[1.0, 3.0, 5.0], [2.0, 2.0, 5.0], [3.0, 1.0, 5.0]])
    >>> column_correlations(matrix, [1.0, 2.0, 3.0]).round(6).tolist()
    [1.0, -1.0, 0.0]
    """
    matrix = _as_matrix(matrix, "matrix")
    y = _as_matrix(y, "y")
    if y.shape[1] != 1 or len(y) != len(matrix):
        raise ValueError(f"y must have shape ({len(matrix)},), got {y.shape}")
    centred, norms = _centred(_scaled(matrix))
    y_centred, y_norm = _centred(_scaled(y))
    denominator = norms * y_norm[0]
    r = np.zeros(matrix.shape[1])
    np.divide(y_centred[:, 0] @ centred, denominator, out=r, where=denominator > 0)
    return np.clip(r, -1.0, 1.0)


def correlation_matrix(matrix) -> np.ndarray:
    """Pearson correlations between the columns; 0 off the diagonal for constant columns.

    Parameters
    ----------
    matrix : array-like of float, shape (n, k)
        Observations in rows, variables in columns.

    Returns
    -------
    ndarray of float64, shape (k, k)
        Symmetric, in [-1, 1], ones on the diagonal (also for constant columns).

    Raises
    ------
    ValueError
        When ``matrix`` has more than two dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> matrix = np.array([[1.0, 3.0, 5.0], [2.0, 2.0, 5.0], [3.0, 1.0, 5.0]])
    >>> correlation_matrix(matrix).round(6).tolist()
    [[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    centred, norms = _centred(_scaled(_as_matrix(matrix, "matrix")))
    unit = np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)
    correlation = np.clip(unit.T @ unit, -1.0, 1.0)
    np.fill_diagonal(correlation, 1.0)
    return correlation


def pearson_r(y, prediction) -> float:
    """Pearson correlation of two vectors; 0 when either is constant.

    Parameters
    ----------
    y : array-like of float, shape (n,)
        Observed values.
    prediction : array-like of float, shape (n,)
        Predicted values.

    Returns
    -------
    float
        Pearson r in [-1, 1].

    Raises
    ------
    ValueError
        When the two differ in length.

    Examples
    --------
    >>> round(pearson_r([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]), 6)
    1.0
    >>> pearson_r([1.0, 2.0, 3.0], [5.0, 5.0, 5.0])
    0.0
    """
    return float(column_correlations(_as_matrix(prediction, "prediction"), y)[0])


def pearson_r2(y, prediction) -> float:
    """Squared Pearson correlation of two vectors; 0 when either is constant.

    Parameters
    ----------
    y : array-like of float, shape (n,)
        Observed values.
    prediction : array-like of float, shape (n,)
        Predicted values.

    Returns
    -------
    float
        ``pearson_r(y, prediction) ** 2``, in [0, 1]; unlike :func:`r2_score` it ignores
        the scale and offset of ``prediction``.

    Examples
    --------
    >>> round(pearson_r2([1.0, 2.0, 3.0], [-10.0, -20.0, -30.0]), 6)
    1.0
    """
    return pearson_r(y, prediction) ** 2


def r2_score(y, prediction) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot``.

    Parameters
    ----------
    y : array-like of float, shape (n,)
        Observed values.
    prediction : array-like of float, shape (n,)
        Predicted values.

    Returns
    -------
    float
        At most 1 (negative for a prediction worse than the mean); NaN when ``y`` is
        constant or empty (R^2 is undefined). Computed on values scaled by the spread of
        ``y``, so targets of any magnitude give a finite answer.

    Raises
    ------
    ValueError
        When ``y`` and ``prediction`` differ in shape.

    Examples
    --------
    ``SS_res = 1`` and ``SS_tot = 2``:

    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.5
    >>> r2_score([1.0, 1.0], [1.0, 2.0])
    nan
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    prediction = np.asarray(prediction, dtype=np.float64).ravel()
    if y.shape != prediction.shape:
        raise ValueError(f"y has shape {y.shape} but prediction has shape {prediction.shape}")
    if len(y) == 0 or is_constant(y)[0]:
        return float("nan")
    centre = y.mean()
    scale = np.abs(y - centre).max()
    residual = (((y - prediction) / scale) ** 2).sum()
    total = (((y - centre) / scale) ** 2).sum()
    return float(1.0 - residual / total)
