"""Lasso-penalised logistic regression for a fractional target ``y`` in [0, 1] (spec 5).

Every model in IQ is one such fit: binomial family, logit link, lasso (``alpha = 1``),
``lambda = 1e-5``, an intercept, and columns standardised before penalising. The minimised
objective, with observation weights ``w`` normalised to sum 1 and ``sd_j`` the weighted
population standard deviation of column ``j``, is::

    sum_i w_i * -[y_i ln mu_i + (1 - y_i) ln(1 - mu_i)]
        + lam * sum_j (alpha * sd_j |b_j| + (1 - alpha) / 2 * (sd_j b_j) ** 2),

``mu_i = sigmoid(b_0 + x_i . b)``: half the quasi-binomial deviance plus glmnet's elastic-net
penalty on the standardised coefficients ``sd_j b_j``. Coefficients are reported on the
original scale. :func:`objective` evaluates it.

Two solvers minimise the same objective:

- ``"glmnet"``: python-glmnet's Fortran ``lognet`` (the glmnet code R calls). The fractional
  target goes in as the two-column proportion response ``[w * y, w * (1 - y)]``; ``lognet``
  models the first column, takes the row sums as observation weights and normalises them to
  sum 1, so a row's weight is ``w_i`` and its success fraction ``y_i``.
- ``"glum"``: ``glum.GeneralizedLinearRegressor(family="binomial")``. glum minimises
  ``deviance / (2 * sum(w)) + alpha_glum * P(b)`` with the penalty on standardised columns
  when ``scale_predictors=True``: the objective above up to a constant in ``y``, with
  ``alpha_glum = lam`` and ``l1_ratio = alpha``.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.special import expit, logit, xlogy

from iqmodel._validation import check_matrix
from iqmodel.exceptions import IQModelWarning
from iqmodel.motifs import _check_real
from iqmodel.sampling import canonical_order

__all__ = [
    "DEFAULT_LAMBDA",
    "SOLVERS",
    "GLMFit",
    "LambdaPath",
    "cross_validate_lambda",
    "fit_logistic_lasso",
    "lambda_max",
    "objective",
]

DEFAULT_LAMBDA = 1e-5
"""The reference lambda (spec 5): effectively unpenalised, with a lasso tie-breaker."""

ROW_BLOCK = 4096  # rows per block of the blockwise sums and products over large designs
COLUMN_BLOCK = 256  # columns per block of the blockwise copies

SOLVERS = ("auto", "glmnet", "glum")


class _Limits(NamedTuple):
    max_iter: int
    tol: float


_DEFAULT_LIMITS = {
    "glmnet": _Limits(max_iter=100_000, tol=1e-9),
    "glum": _Limits(max_iter=100, tol=1e-7),
}


@dataclass(frozen=True, eq=False)
class GLMFit:
    """A fitted logistic GLM: ``predict(X) = sigmoid(intercept + X @ coef)``.

    Returned by :func:`fit_logistic_lasso`; the constructor arguments are the attributes
    below.

    Parameters
    ----------
    coef : ndarray of float64, shape (n_features,)
        Coefficients on the original column scale.
    intercept : float
        Intercept on the logit scale.
    lambda_ : float
        Penalty strength.
    solver : {"glmnet", "glum"}
        Solver used.
    n_iter : int
        Passes or iterations of the solver.
    converged : bool
        Whether the solver converged.
    deviance_ratio : float
        Fraction of the null deviance explained.

    Attributes
    ----------
    coef : ndarray of float64, shape (n_features,)
        Coefficients on the original column scale (read-only); 0 for constant columns.
    intercept : float
        Intercept on the logit scale.
    lambda_ : float
        Penalty strength the model was fitted with.
    solver : {"glmnet", "glum"}
        Solver that was used (``"auto"`` resolved).
    n_iter : int
        glmnet: passes over the data; glum: IRLS iterations; 0 for an intercept-only fit
        (no varying column, or constant ``y``), which is solved in closed form.
    converged : bool
        False only for a glum fit that hit ``max_iter`` (a ConvergenceWarning was issued);
        glmnet returns no solution when it does not converge, so that is an error.
    deviance_ratio : float
        Fraction of the null (intercept-only) deviance explained on the training data, as
        glmnet's ``dev.ratio``; 0 for an intercept-only fit.

    Examples
    --------
    >>> import numpy as np
    >>> fit = GLMFit(
    ...     coef=np.array([2.0, 0.0]), intercept=-1.0, lambda_=0.0, solver="glum",
    ...     n_iter=1, converged=True, deviance_ratio=0.5,
    ... )
    >>> fit.decision_function([[0.5, 3.0], [1.0, -7.0]]).tolist()
    [0.0, 1.0]
    >>> fit.predict([[0.5, 3.0]]).tolist()
    [0.5]
    """

    coef: np.ndarray
    intercept: float
    lambda_: float
    solver: str
    n_iter: int
    converged: bool
    deviance_ratio: float

    def decision_function(self, X) -> np.ndarray:
        """Linear predictor ``eta = intercept + X @ coef``.

        Parameters
        ----------
        X : array-like of float, shape (n_samples, n_features)
            Finite, same columns as in the fit.

        Returns
        -------
        ndarray of float64, shape (n_samples,)
            Linear predictor on the logit scale.

        Raises
        ------
        ValueError
            When ``X`` has another number of columns or non-finite values.
        """
        values, _ = check_matrix(X, unique_names=False)
        if values.shape[1] != len(self.coef):
            raise ValueError(
                f"X has {values.shape[1]} columns but the model was fitted on "
                f"{len(self.coef)}; pass the columns used in fit, in the same order"
            )
        # a row-wise sum over a C-ordered array, not BLAS: each row is summed the same way in
        # any batch, so predictions do not depend on which rows share the call
        return self.intercept + (np.ascontiguousarray(values) * self.coef).sum(axis=1)

    def predict(self, X) -> np.ndarray:
        """Predicted mean ``sigmoid(eta)`` in (0, 1).

        Parameters
        ----------
        X : array-like of float, shape (n_samples, n_features)
            Finite, same columns as in the fit.

        Returns
        -------
        ndarray of float64, shape (n_samples,)
            Predicted fraction per row, ``sigmoid(decision_function(X))``.
        """
        return expit(self.decision_function(X))


class _Solution(NamedTuple):
    intercept: float
    coef: np.ndarray  # (n_varying,)
    n_iter: int
    converged: bool


def fit_logistic_lasso(
    X,
    y,
    *,
    lam: float = DEFAULT_LAMBDA,
    alpha: float = 1.0,
    standardize: bool = True,
    sample_weight=None,
    solver: str = "auto",
    max_iter: int | None = None,
    tol: float | None = None,
) -> GLMFit:
    """Fit the penalised logistic GLM of spec 5 to a fractional target.

    Parameters
    ----------
    X : array-like of float, shape (n_samples, n_features)
        Finite design matrix, ``n_samples >= 2``, ``n_features >= 1``. Constant columns are
        allowed and get coefficient 0. A DataFrame is used through its values.
    y : array-like of float, shape (n_samples,)
        Target fractions in [0, 1], not all 0 nor all 1 (on rows with positive weight).
    lam : float, default 1e-5
        Penalty strength lambda >= 0.
    alpha : float, default 1.0
        Elastic-net mixing in [0, 1]: 1 is the lasso (the reference), 0 is ridge.
    standardize : bool, default True
        Penalise the coefficients of columns scaled to weighted population sd 1 (the
        reference); False penalises the original-scale coefficients.
    sample_weight : array-like of float, shape (n_samples,), optional
        Non-negative finite observation weights, normalised to sum 1; rows of weight 0 are
        left out. Integer weights are equivalent to duplicating rows.
    solver : {"auto", "glmnet", "glum"}, default "auto"
        ``"auto"`` uses glmnet when python-glmnet imports, glum otherwise; when glmnet
        returns no solution (no convergence, or a fatal error) it refits with glum and warns.
    max_iter : int, optional
        glmnet: maximum passes over the data (default 100,000, as R); glum: maximum IRLS
        iterations (default 100).
    tol : float, optional
        glmnet: ``thr`` (R's ``thresh``; coordinate descent stops when no coefficient update
        lowers the objective by more than ``tol`` times the null deviance), default 1e-9;
        glum: ``gradient_tol`` (bound on the L1 norm of the minimum-norm subgradient), default
        1e-7. Both defaults reach the minimum to about 1e-6 (relative objective) on IQ's
        collinear logistic-basis designs, where R's ``thresh = 1e-7`` stops glmnet up to
        ~1e-4 short.

    Returns
    -------
    GLMFit
        Coefficients on the original scale, intercept, and fit diagnostics.

    Raises
    ------
    ValueError
        For invalid data: fewer than 2 rows, non-finite values, ``y`` outside [0, 1] or
        all 0 / all 1, negative weights; or invalid ``lam``, ``alpha``, ``solver``,
        ``max_iter``, ``tol``.
    ImportError
        For ``solver="glmnet"`` when python-glmnet does not import.
    RuntimeError
        When glmnet (``solver="glmnet"``) does not converge within ``max_iter`` passes (it
        returns no solution) or reports a fatal error.

    Warns
    -----
    IQModelWarning
        When ``solver="auto"`` fell back from glmnet to glum (``GLMFit.solver`` is then
        ``"glum"``).

    Notes
    -----
    A single lambda is solved from the null model, without the warm-start path R would use
    for a lambda sequence; glmnet's Newton iterations are not capped, so the fit converges
    to ``tol`` (glmnet takes fitted probabilities beyond [1e-9, 1 - 1e-9], ``|eta| > 20.7``,
    as exactly 0 or 1). Unlike R's glmnet, a one-column ``X`` is fitted directly.

    Examples
    --------
    Without a penalty, a target that is exactly logistic in ``X`` is recovered:

    >>> import numpy as np
    >>> from scipy.special import expit
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> fit = fit_logistic_lasso(X, expit(X[:, 0] - 1.5), lam=0.0, tol=1e-12)
    >>> fit.coef.round(6).tolist(), round(fit.intercept, 6)
    ([1.0], -1.5)
    >>> fit.predict(X).round(4).tolist() == expit(X[:, 0] - 1.5).round(4).tolist()
    True
    """
    values, target, weight = _check_data(X, y, sample_weight)
    lam = _check_real(lam, "lam", 0.0, np.inf)
    alpha = _check_real(alpha, "alpha", 0.0, 1.0, include_high=True)
    requested = solver
    solver = _resolve_solver(solver)
    limits = (_check_max_iter(max_iter, solver), _check_tol(tol, solver))

    rows = weight > 0
    if not rows.all():  # (copies of X only where needed: X can be n_peaks x 1,000s)
        values, target, weight = values[rows], target[rows], weight[rows]
    _check_not_degenerate(target)
    varying = np.ptp(values, axis=0) > 0
    if varying.any() and np.ptp(target) > 0:

        def problem(solver: str) -> tuple:
            # glmnet copies X into Fortran order itself; glum's results depend on the layout
            # in the last bits, so it always gets a fresh C-ordered copy
            keep_all = varying.all() and solver == "glmnet"
            design = values if keep_all else values[:, varying]
            return (design, target, weight, lam, alpha, standardize)

        try:
            solve = _solve_glmnet if solver == "glmnet" else _solve_glum
            solution = solve(*problem(solver), *limits)
        except RuntimeError as error:
            if requested != "auto" or solver != "glmnet":
                raise
            # glmnet's coordinate descent can cycle on near-collinear designs; glum's IRLS
            # minimises the same objective
            warnings.warn(
                f"{_glmnet_problem(error)}; refitted with glum, which minimises the same "
                "objective (pass solver='glum' to skip glmnet)",
                IQModelWarning,
                stacklevel=2,
            )
            solver = "glum"
            limits = (_check_max_iter(max_iter, solver), _check_tol(tol, solver))
            solution = _solve_glum(*problem(solver), *limits)
    else:
        solution = _Solution(float(logit(weight @ target)), np.zeros(varying.sum()), 0, True)
    coef = np.zeros(len(varying))
    coef[varying] = solution.coef
    coef.setflags(write=False)
    return GLMFit(
        coef=coef,
        intercept=solution.intercept,
        lambda_=lam,
        solver=solver,
        n_iter=solution.n_iter,
        converged=solution.converged,
        deviance_ratio=_deviance_ratio(solution.intercept + values @ coef, target, weight),
    )


class LambdaPath(NamedTuple):
    """Cross-validated choice of the penalty (:func:`cross_validate_lambda`).

    Parameters
    ----------
    best : float
        The chosen lambda.
    table : DataFrame
        The cross-validation table.

    Attributes
    ----------
    best : float
        The lambda with the smallest mean held-out log-loss.
    table : DataFrame, shape (n_lambdas, 3)
        One row per lambda (descending): ``lambda``, ``mean_loss`` (mean held-out log-loss
        in nats per row, over the folds), ``se_loss`` (its standard error over the folds).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import expit
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> path = cross_validate_lambda(X, expit(2 * X[:, 0] - X[:, 1]), random_state=0)
    >>> best_row = path.table["mean_loss"].idxmin()
    >>> bool(path.best == path.table.loc[best_row, "lambda"])
    True
    """

    best: float
    table: object


def lambda_max(X, y) -> float:
    """Smallest lambda at which every coefficient of the standardised lasso is 0.

    The largest absolute gradient of the mean log-loss at the intercept-only fit, over the
    standardised columns: ``max_j |mean((x_j - mean x_j) / sd_j * (y - mean y))|``.

    Parameters
    ----------
    X : array-like of float, shape (n_samples, n_features)
        Finite design matrix, at least 2 rows.
    y : array-like of float, shape (n_samples,)
        Target fractions in [0, 1].

    Returns
    -------
    float
        The penalty, >= 0 (0 when no column varies), for :func:`fit_logistic_lasso` with
        ``alpha=1`` and ``standardize=True``.

    Raises
    ------
    ValueError
        For invalid data (see :func:`fit_logistic_lasso`).

    Examples
    --------
    Just above ``lambda_max`` every coefficient is 0; below it some are not:

    >>> import numpy as np
    >>> from scipy.special import expit
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> y = expit(2 * X[:, 0] - X[:, 1])
    >>> top = lambda_max(X, y)
    >>> fit_logistic_lasso(X, y, lam=1.001 * top).coef.tolist()
    [0.0, 0.0, 0.0]
    >>> bool(fit_logistic_lasso(X, y, lam=0.5 * top).coef.any())
    True
    """
    values, target, _ = _check_data(X, y, None)
    return _lambda_max(values, target, np.arange(len(target)))


def _lambda_max(values: np.ndarray, target: np.ndarray, rows: np.ndarray) -> float:
    """:func:`lambda_max` with every sum over ``rows`` in that order, in blocks of
    ``ROW_BLOCK`` rows: no copy of ``values`` beyond one block, and the same bits for any
    order of the rows in memory."""
    n = len(rows)
    residual = target[rows] - np.mean(target[rows])
    total = np.zeros(values.shape[1])
    cross = np.zeros(values.shape[1])  # sum_i residual_i * x_ij
    for start in range(0, n, ROW_BLOCK):
        block = values[rows[start : start + ROW_BLOCK]]
        total += block.sum(axis=0)
        cross += residual[start : start + ROW_BLOCK] @ block
    mean = total / n
    squares = np.zeros(values.shape[1])
    for start in range(0, n, ROW_BLOCK):
        squares += ((values[rows[start : start + ROW_BLOCK]] - mean) ** 2).sum(axis=0)
    sd = np.sqrt(squares / n)
    varying = sd > 0
    if not varying.any():
        return 0.0
    # mean_i((x_ij - mean_j) / sd_j * residual_i), without a centred copy of the columns
    gradient = (cross[varying] - mean[varying] * residual.sum()) / (n * sd[varying])
    return float(np.abs(gradient).max())


def cross_validate_lambda(
    X,
    y,
    *,
    n_lambdas: int = 12,
    ratio: float = 1e-3,
    n_folds: int = 5,
    random_state=None,
    solver: str = "auto",
    tol: float | None = 1e-7,
    keys=None,
) -> LambdaPath:
    """Choose the lasso penalty by K-fold cross-validation of the held-out log-loss.

    Parameters
    ----------
    X : array-like of float, shape (n_samples, n_features)
        Finite design matrix.
    y : array-like of float, shape (n_samples,)
        Target fractions in [0, 1].
    n_lambdas : int, default 12
        Grid size: log-spaced from :func:`lambda_max` down to ``ratio`` times it.
    ratio : float, default 1e-3
        Smallest lambda of the grid relative to :func:`lambda_max`.
    n_folds : int, default 5
        Number of folds, at least 2 and at most ``n_samples``.
    random_state : int, Generator or None
        Fold assignment: with ``perm = default_rng(random_state).permutation(n_samples)``, row
        ``i`` is held out in fold ``perm[i] % n_folds`` (``perm[rank_i] % n_folds`` with
        ``keys``).
    solver : {"auto", "glmnet", "glum"}, default "auto"
        As in :func:`fit_logistic_lasso`.
    tol : float or None, default 1e-7
        As in :func:`fit_logistic_lasso` (the folds are fitted with R's tolerance by default).
    keys : array-like of int, shape (n_samples,), optional
        Distinct canonical ranks of the rows (:func:`iqmodel.sampling.order_keys`, or those of
        a superset of the rows; ``rank_i`` is the rank of ``keys[i]`` among them). When given,
        folds follow the rows rather than their positions, and every fit sees its rows in the
        canonical order, so permuting the rows of ``X``, ``y`` and ``keys`` together returns
        the same ``best`` and the same table, bit for bit.

    Returns
    -------
    LambdaPath
        The best lambda and the table of held-out losses; when no column varies,
        ``best`` is 0 and the table has one row (``lambda``, ``mean_loss`` NaN).

    Raises
    ------
    ValueError
        When there are fewer rows than folds, or ``n_folds < 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import expit
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> y = expit(2 * X[:, 0] - X[:, 1])
    >>> path = cross_validate_lambda(X, y, n_lambdas=6, random_state=0)
    >>> path.table.shape, list(path.table.columns)
    ((6, 3), ['lambda', 'mean_loss', 'se_loss'])
    >>> bool(np.isclose(path.table["lambda"].iloc[0], lambda_max(X, y)))
    True
    """
    import pandas as pd

    values, target, _ = _check_data(X, y, None)
    n_samples = len(target)
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}")
    if n_folds > n_samples:
        raise ValueError(
            f"cross-validating the lasso penalty needs at least {n_folds} rows, got "
            f"{n_samples}; pass more sequences or a fixed glm_lambda"
        )
    # folds and every sum follow the rows' canonical order (their positions without keys)
    rows = np.arange(n_samples) if keys is None else canonical_order(keys, n_samples)
    top = _lambda_max(values, target, rows)
    if top == 0:
        return LambdaPath(0.0, pd.DataFrame({"lambda": [0.0], "mean_loss": [np.nan]}))
    grid = top * np.logspace(0, np.log10(ratio), n_lambdas)
    folds = np.random.default_rng(random_state).permutation(n_samples) % n_folds
    losses = np.empty((n_lambdas, n_folds))
    for f in range(n_folds):
        held_out = rows[folds == f]
        etas = _path_predictions(
            values, target, rows[folds != f], held_out, grid, solver=solver, tol=tol
        )
        weight = np.full(len(held_out), 1.0 / len(held_out))
        for i in range(n_lambdas):
            losses[i, f] = _mean_log_loss(etas[:, i], target[held_out], weight)
    mean = losses.mean(axis=1)
    table = pd.DataFrame(
        {"lambda": grid, "mean_loss": mean, "se_loss": losses.std(axis=1) / np.sqrt(n_folds)}
    )
    return LambdaPath(float(grid[np.argmin(mean)]), table)


def _path_predictions(values, target, train, held_out, lambdas, *, solver, tol) -> np.ndarray:
    """Linear predictors on rows ``held_out`` of fits on rows ``train`` along ``lambdas``.

    glmnet computes the whole path in one warm-started call on a Fortran-ordered copy of the
    training rows, which it may overwrite (the one copy of them); glum (or a glmnet failure)
    fits each lambda separately. Returns shape (len(held_out), n_lambdas).
    """
    y = target[train]
    if _resolve_solver(solver) == "glmnet" and np.ptp(y) > 0:
        design = _gather_rows(values, train, order="F")
        varying = np.ptp(design, axis=0) > 0
        if varying.any():
            if not varying.all():
                design = np.asfortranarray(design[:, varying])
            weight = np.full(len(y), 1.0 / len(y))
            try:
                intercepts, coefs, _ = _glmnet_path(
                    design,
                    y,
                    weight,
                    lambdas,
                    1.0,
                    True,
                    _check_max_iter(None, "glmnet"),
                    _check_tol(tol, "glmnet"),
                    overwrite=True,
                )
            except RuntimeError:
                pass  # per-lambda fits below fall back to glum where glmnet cycles
            else:
                full = np.zeros((values.shape[1], len(lambdas)))
                full[varying] = coefs
                return intercepts + _product_of_rows(values, held_out, full)
    X, X_new = values[train], values[held_out]
    return np.column_stack(
        [
            fit_logistic_lasso(X, y, lam=lam, solver=solver, tol=tol).decision_function(X_new)
            for lam in lambdas
        ]
    )


def _gather_rows(values: np.ndarray, rows: np.ndarray, order: str = "C") -> np.ndarray:
    """``values[rows]`` as a new array in memory ``order``, filled ``COLUMN_BLOCK`` columns
    at a time, so that no second full-size temporary is made."""
    out = np.empty((len(rows), values.shape[1]), order=order)
    for start in range(0, values.shape[1], COLUMN_BLOCK):
        out[:, start : start + COLUMN_BLOCK] = values[rows, start : start + COLUMN_BLOCK]
    return out


def _product_of_rows(values: np.ndarray, rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``values[rows] @ matrix``, ``ROW_BLOCK`` rows at a time (no copy of the rows)."""
    out = np.empty((len(rows), *matrix.shape[1:]))
    for start in range(0, len(rows), ROW_BLOCK):
        out[start : start + ROW_BLOCK] = values[rows[start : start + ROW_BLOCK]] @ matrix
    return out


def objective(
    X,
    y,
    coef,
    intercept: float,
    *,
    lam: float,
    alpha: float = 1.0,
    standardize: bool = True,
    sample_weight=None,
) -> float:
    """The objective :func:`fit_logistic_lasso` minimises, at given coefficients.

    Parameters
    ----------
    X : array-like of float, shape (n_samples, n_features)
        Finite design matrix.
    y : array-like of float, shape (n_samples,)
        Target fractions in [0, 1].
    coef : array-like of float, shape (n_features,)
        Coefficients on the original scale.
    intercept : float
        Intercept on the logit scale.
    lam : float
        Penalty strength lambda >= 0.
    alpha : float, default 1.0
        Elastic-net mixing in [0, 1].
    standardize : bool, default True
        Penalise the coefficients of the standardised columns.
    sample_weight : array-like of float, shape (n_samples,), optional
        Observation weights, normalised to sum 1.

    Returns
    -------
    float
        Weighted mean negative log-likelihood (nats per row) plus the penalty (see the
        module docstring).

    Raises
    ------
    ValueError
        For invalid data or a ``coef`` of the wrong shape.

    Examples
    --------
    The fitted coefficients minimise it:

    >>> import numpy as np
    >>> from scipy.special import expit
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> y = expit(2 * X[:, 0] - X[:, 1])
    >>> fit = fit_logistic_lasso(X, y, lam=0.01)
    >>> at_fit = objective(X, y, fit.coef, fit.intercept, lam=0.01)
    >>> at_fit < objective(X, y, 1.05 * fit.coef, fit.intercept, lam=0.01)
    True
    >>> at_fit < objective(X, y, fit.coef, fit.intercept + 0.05, lam=0.01)
    True
    """
    values, target, weight = _check_data(X, y, sample_weight)
    lam = _check_real(lam, "lam", 0.0, np.inf)
    alpha = _check_real(alpha, "alpha", 0.0, 1.0, include_high=True)
    coef = np.asarray(coef, dtype=np.float64)
    if coef.shape != (values.shape[1],):
        raise ValueError(
            f"coef must have shape ({values.shape[1]},), one value per column of X; "
            f"got shape {coef.shape}"
        )
    eta = float(intercept) + values @ coef
    scaled = coef * _column_sd(values, weight) if standardize else coef
    penalty = alpha * np.abs(scaled).sum() + (1.0 - alpha) / 2.0 * (scaled @ scaled)
    return float(_mean_log_loss(eta, target, weight) + lam * penalty)


def _solve_glmnet(X, y, weight, lam, alpha, standardize, max_iter, tol) -> _Solution:
    """Fit with python-glmnet's Fortran ``lognet``, one lambda, binomial (``nc = 1``)."""
    intercepts, coefs, n_passes = _glmnet_path(
        X, y, weight, np.array([lam]), alpha, standardize, max_iter, tol
    )
    return _Solution(float(intercepts[0]), coefs[:, 0], n_passes, True)


def _glmnet_path(X, y, weight, lambdas, alpha, standardize, max_iter, tol, *, overwrite=False):
    """``lognet`` on a decreasing sequence of lambdas (warm starts along the path).

    lognet overwrites its design matrix: ``X`` is copied unless ``overwrite`` (then a
    Fortran-ordered float64 ``X`` is handed over as it is and must not be used afterwards).

    Returns
    -------
    intercepts : ndarray (n_lambdas,)
    coefs : ndarray (n_features, n_lambdas)
    n_passes : int
    """
    lognet, lsolns = _import_glmnet()
    n_samples, n_features = X.shape
    response = np.asfortranarray(np.column_stack([weight * y, weight * (1.0 - y)]))
    bounds = np.asfortranarray(np.repeat([[-np.inf], [np.inf]], n_features, axis=1))
    n_fitted, a0, ca, ia, nin, _, _, _, n_passes, jerr = lognet(
        alpha,
        1,  # nc = 1: binomial, the model is for the first column of the response
        np.array(
            X, dtype=np.float64, order="F", copy=None if overwrite else True
        ),  # lognet writes here
        response,
        np.zeros((n_samples, 2), order="F"),  # offsets
        np.zeros(1, dtype=np.int32),  # jd: exclude no column
        np.ones(n_features),  # relative penalty factors
        bounds,
        n_features,  # nx
        1.0,  # flmin >= 1: use the supplied lambdas
        np.asarray(lambdas, dtype=np.float64),
        tol,
        n_features,  # ne
        len(lambdas),  # nlam
        int(standardize),
        1,  # intercept
        max_iter,
        0,  # kopt: exact Newton-Raphson
    )
    if jerr != 0 or n_fitted != len(lambdas):
        raise _glmnet_failure(jerr, max_iter, tol)
    coefs = lsolns(n_features, ca, ia, nin)[:, 0, : len(lambdas)]
    return a0[0, : len(lambdas)].copy(), coefs, int(n_passes)


class _GlmnetError(RuntimeError):
    """glmnet returned no solution; ``problem`` says why, without the advice."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


def _glmnet_failure(jerr: int, max_iter: int, tol: float) -> _GlmnetError:
    if jerr < 0:
        problem = (
            f"glmnet's coordinate descent did not converge within max_iter={max_iter} passes "
            f"at tol={tol} (lognet error {jerr})"
        )
        return _GlmnetError(
            f"glmnet did not converge within max_iter={max_iter} passes at tol={tol} "
            f"(lognet error {jerr}) and returned no solution; increase max_iter or tol, or "
            "use solver='glum'",
            problem,
        )
    problem = (
        f"glmnet's lognet stopped with fatal error {jerr} (8001/9001: mean of y within 1e-9 "
        "of 0/1; below 7777: memory allocation)"
    )
    return _GlmnetError(f"{problem}; use solver='glum' or check the data", problem)


def _glmnet_problem(error: RuntimeError) -> str:
    """What went wrong in glmnet, for the fallback warning."""
    if isinstance(error, _GlmnetError):
        return error.problem
    return f"glmnet failed ({error})"


def _solve_glum(X, y, weight, lam, alpha, standardize, max_iter, tol) -> _Solution:
    """Fit with glum; it warns itself when it runs out of IRLS iterations."""
    from glum import GeneralizedLinearRegressor

    model = GeneralizedLinearRegressor(
        family="binomial",
        link="logit",
        alpha=lam,
        l1_ratio=alpha,
        fit_intercept=True,
        scale_predictors=standardize,
        max_iter=max_iter,
        gradient_tol=tol,
    )
    model.fit(X, y, sample_weight=weight)
    converged = model.n_iter_ < max_iter
    return _Solution(
        float(model.intercept_), np.asarray(model.coef_), int(model.n_iter_), converged
    )


def _import_glmnet():
    """python-glmnet's Fortran ``lognet`` and ``lsolns`` routines."""
    from glmnet._glmnet import lognet, lsolns

    return lognet, lsolns


def _resolve_solver(solver) -> str:
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if solver == "glum":
        return solver
    try:
        _import_glmnet()
    except ImportError as error:
        if solver == "glmnet":
            raise ImportError(
                "solver='glmnet' needs python-glmnet (pip install python-glmnet), which "
                f"failed to import: {error}; use solver='glum' instead"
            ) from error
        return "glum"
    return "glmnet"


def _check_max_iter(max_iter, solver: str) -> int:
    if max_iter is None:
        return _DEFAULT_LIMITS[solver].max_iter
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer or None, got {max_iter!r}")
    return int(max_iter)


def _check_tol(tol, solver: str) -> float:
    if tol is None:
        return _DEFAULT_LIMITS[solver].tol
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 < tol < np.inf:
        raise ValueError(f"tol must be a finite real number > 0 or None, got {tol!r}")
    return float(tol)


def _check_vector(values, name: str, n_samples: int) -> np.ndarray:
    """``values`` as a finite 1-D float64 array of length ``n_samples``."""
    try:
        vector = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a numeric vector (n_samples,): {error}") from error
    if vector.ndim != 1:
        raise ValueError(f"{name} must be 1-D (n_samples,), got shape {vector.shape}; use .ravel()")
    if len(vector) != n_samples:
        raise ValueError(
            f"{name} has {len(vector)} values but X has {n_samples} rows; pass one value per "
            "row of X"
        )
    _raise_at_first(~np.isfinite(vector), vector, name, "must be finite")
    return vector


def _raise_at_first(bad: np.ndarray, vector: np.ndarray, name: str, rule: str) -> None:
    index = np.flatnonzero(bad)
    if len(index):
        i = index[0]
        raise ValueError(f"{name} {rule}, but {name}[{i}] = {vector[i]}")


def _check_data(X, y, sample_weight) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``(X, y, weight)``, weights normalised to sum 1."""
    values, _ = check_matrix(X, unique_names=False)
    n_samples, n_features = values.shape
    if n_samples < 2 or n_features < 1:
        raise ValueError(f"X must have at least 2 rows and 1 column, got shape {values.shape}")
    target = _check_vector(y, "y", n_samples)
    _raise_at_first(
        (target < 0) | (target > 1),
        target,
        "y",
        "must be a fraction in [0, 1] (rescale it, e.g. min-max normalise)",
    )
    if sample_weight is None:
        return values, target, np.full(n_samples, 1.0 / n_samples)
    weight = _check_vector(sample_weight, "sample_weight", n_samples)
    _raise_at_first(weight < 0, weight, "sample_weight", "must be non-negative")
    total = weight.sum()
    if total <= 0:
        raise ValueError("sample_weight is 0 on every row; give some rows a positive weight")
    return values, target, weight / total


def _check_not_degenerate(target: np.ndarray) -> None:
    """Reject y all 0 or all 1, where the intercept would be infinite."""
    for bound in (0.0, 1.0):
        if np.all(target == bound):
            raise ValueError(
                f"y is {bound:g} on every row with positive weight, so the fitted intercept "
                f"would be {'-' if bound == 0 else '+'}inf; a logistic fit needs some y "
                f"{'> 0' if bound == 0 else '< 1'}"
            )


def _column_sd(X: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted population standard deviation of each column, shape (n_features,)."""
    centred = X - weight @ X
    return np.sqrt(weight @ centred**2)


def _mean_log_loss(eta: np.ndarray, y: np.ndarray, weight: np.ndarray) -> float:
    """``sum_i w_i * -[y_i ln mu_i + (1 - y_i) ln(1 - mu_i)]``, overflow-free in ``eta``."""
    return float(weight @ (np.logaddexp(0.0, eta) - y * eta))


def _deviance_ratio(eta: np.ndarray, y: np.ndarray, weight: np.ndarray) -> float:
    """``1 - deviance / null deviance``; 0 for a constant ``y`` (nothing to explain)."""
    if np.ptp(y) == 0:
        return 0.0
    saturated = -float(weight @ (xlogy(y, y) + xlogy(1.0 - y, 1.0 - y)))
    null = _mean_log_loss(np.full_like(y, logit(weight @ y)), y, weight)
    return 1.0 - (_mean_log_loss(eta, y, weight) - saturated) / (null - saturated)
