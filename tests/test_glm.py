from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit, logit

from iqmodel import glm as glm_module
from iqmodel.exceptions import IQModelWarning
from iqmodel.glm import GLMFit, fit_logistic_lasso, objective

SOLVERS = ("glmnet", "glum")
TIGHT = {"glmnet": 1e-20, "glum": 1e-10}  # tol for ~1e-10 coefficients (glmnet: sqrt(tol))


def _fractional_problem(rng, n=500, p=20):
    """Columns of different means and scales, y from a logistic model with noise."""
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, p) + rng.normal(size=p)
    coef = rng.normal(size=p) * 0.3
    y = expit(X @ coef + 0.2 + rng.normal(scale=0.5, size=n))
    return X, y


@pytest.fixture
def problem(rng):
    return _fractional_problem(rng)


def reference_fit(X, y, lam, sample_weight=None, standardize=True):
    """Slow reference: L-BFGS-B on centred (and scaled) columns, beta = u - v, u, v >= 0.

    The split makes the lasso penalty linear, lam * sum(u + v), so the problem is smooth with
    simple bounds.
    """
    n, p = X.shape
    w = np.full(n, 1.0 / n) if sample_weight is None else sample_weight / sample_weight.sum()
    mean = w @ X
    sd = np.sqrt(w @ (X - mean) ** 2) if standardize else np.ones(p)
    Z = (X - mean) / sd

    def value_and_gradient(theta):
        gamma = theta[1 : p + 1] - theta[p + 1 :]
        eta = theta[0] + Z @ gamma
        residual = w * (expit(eta) - y)
        score = Z.T @ residual
        value = w @ (np.logaddexp(0.0, eta) - y * eta) + lam * theta[1:].sum()
        return value, np.concatenate([[residual.sum()], score + lam, lam - score])

    start = np.zeros(2 * p + 1)
    bounds = [(None, None)] + [(0.0, None)] * (2 * p)
    options = {"maxiter": 100_000, "maxcor": 50, "ftol": 1e-16, "gtol": 1e-13}
    result = minimize(
        value_and_gradient, start, jac=True, method="L-BFGS-B", bounds=bounds, options=options
    )
    coef = (result.x[1 : p + 1] - result.x[p + 1 :]) / sd
    return result.x[0] - mean @ coef, coef


def _objective(fit: GLMFit, X, y, **kwargs) -> float:
    return objective(X, y, fit.coef, fit.intercept, lam=fit.lambda_, **kwargs)


def _relative_difference(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


# --- agreement between the solvers and with the slow reference ---------------------------


@pytest.mark.parametrize("lam", [0.0, 1e-5, 1e-2])
def test_solvers_reach_the_reference_minimum(problem, lam):
    X, y = problem
    intercept, coef = reference_fit(X, y, lam)
    reference = objective(X, y, coef, intercept, lam=lam)
    values = {}
    for solver in SOLVERS:
        fit = fit_logistic_lasso(X, y, lam=lam, solver=solver)
        values[solver] = _objective(fit, X, y)
        assert fit.solver == solver and fit.converged
        assert _relative_difference(values[solver], reference) < 1e-7
        np.testing.assert_allclose(fit.coef, coef, atol=1e-3)
    assert _relative_difference(values["glmnet"], values["glum"]) < 1e-7


def test_lasso_solution_matches_the_reference_coefficients(problem):
    X, y = problem
    intercept, coef = reference_fit(X, y, 1e-2)
    assert 0 < np.sum(coef == 0) < len(coef)  # the penalty is active
    for solver in SOLVERS:
        fit = fit_logistic_lasso(X, y, lam=1e-2, solver=solver, tol=TIGHT[solver])
        np.testing.assert_allclose(fit.coef, coef, atol=1e-6)
        assert fit.intercept == pytest.approx(intercept, abs=1e-6)
        np.testing.assert_array_equal(fit.coef == 0, coef == 0)


def test_elastic_net_solvers_agree(problem):
    X, y = problem
    fits = [fit_logistic_lasso(X, y, lam=0.05, alpha=0.5, solver=s) for s in SOLVERS]
    values = [_objective(fit, X, y, alpha=0.5) for fit in fits]
    assert _relative_difference(*values) < 1e-8
    np.testing.assert_allclose(fits[0].coef, fits[1].coef, atol=1e-5)


# --- known answers ------------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
def test_exact_logistic_target_recovers_the_coefficients(rng, solver):
    X = rng.normal(size=(300, 5)) * [1.0, 2.0, 0.5, 3.0, 1.0] + [0.0, 1.0, -2.0, 0.5, 4.0]
    coef = np.array([0.8, -0.4, 1.5, 0.2, -0.3])
    y = expit(X @ coef + 0.7)  # |eta| < 10: glmnet clamps probabilities only beyond 20.7
    fit = fit_logistic_lasso(X, y, lam=0.0, solver=solver, tol=TIGHT[solver])
    np.testing.assert_allclose(fit.coef, coef, atol=1e-8)
    assert fit.intercept == pytest.approx(0.7, abs=1e-8)
    assert fit.deviance_ratio == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(fit.predict(X), y, atol=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_penalty_threshold_is_on_standardised_columns(problem, solver):
    """All coefficients are 0 exactly from lambda_max = max_j |sum_i w_i (y_i - ybar) z_ij|."""
    X, y = problem
    z = (X - X.mean(axis=0)) / X.std(axis=0)
    lambda_max = np.max(np.abs(z.T @ (y - y.mean()))) / len(y)
    above = fit_logistic_lasso(X, y, lam=1.001 * lambda_max, solver=solver)
    below = fit_logistic_lasso(X, y, lam=0.99 * lambda_max, solver=solver)
    assert np.all(above.coef == 0)
    assert above.intercept == pytest.approx(logit(y.mean()), abs=1e-8)
    assert above.deviance_ratio == pytest.approx(0.0, abs=1e-12)
    assert np.count_nonzero(below.coef) == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_large_lambda_gives_the_null_model(problem, solver):
    X, y = problem
    fit = fit_logistic_lasso(X, y, lam=10.0, solver=solver)
    assert np.all(fit.coef == 0)
    assert fit.intercept == pytest.approx(logit(y.mean()), abs=1e-8)
    np.testing.assert_allclose(fit.predict(X), y.mean(), atol=1e-8)


# --- standardisation, constant and single columns, weights --------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
def test_rescaling_a_column_leaves_predictions_unchanged(problem, solver):
    X, y = problem
    scaled = X.copy()
    scaled[:, 3] *= 10.0
    tol = TIGHT[solver]
    fit = fit_logistic_lasso(X, y, lam=1e-2, solver=solver, tol=tol)
    refit = fit_logistic_lasso(scaled, y, lam=1e-2, solver=solver, tol=tol)
    np.testing.assert_allclose(refit.predict(scaled), fit.predict(X), atol=1e-9)
    assert refit.coef[3] == pytest.approx(fit.coef[3] / 10.0, abs=1e-9)
    raw = fit_logistic_lasso(X, y, lam=1e-2, standardize=False, solver=solver, tol=tol)
    raw_refit = fit_logistic_lasso(scaled, y, lam=1e-2, standardize=False, solver=solver, tol=tol)
    assert np.max(np.abs(raw_refit.predict(scaled) - raw.predict(X))) > 1e-4


@pytest.mark.parametrize("solver", SOLVERS)
def test_unstandardised_fit_penalises_raw_coefficients(problem, solver):
    X, y = problem
    _, coef = reference_fit(X, y, 1e-2, standardize=False)
    fit = fit_logistic_lasso(X, y, lam=1e-2, standardize=False, solver=solver, tol=TIGHT[solver])
    np.testing.assert_allclose(fit.coef, coef, atol=1e-6)
    loss = _objective(fit, X, y) - 1e-2 * np.abs(X.std(axis=0) * fit.coef).sum()
    raw = _objective(fit, X, y, standardize=False)
    assert raw == pytest.approx(loss + 1e-2 * np.abs(fit.coef).sum(), abs=1e-14)


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_column_design(problem, solver):
    X, y = problem
    column = X[:, :1]
    intercept, coef = reference_fit(column, y, 1e-5)
    fit = fit_logistic_lasso(column, y, solver=solver, tol=TIGHT[solver])
    assert fit.coef.shape == (1,)
    np.testing.assert_allclose(fit.coef, coef, atol=1e-7)
    assert fit.intercept == pytest.approx(intercept, abs=1e-7)


@pytest.mark.parametrize("solver", SOLVERS)
def test_constant_columns_get_zero_coefficients(problem, solver):
    X, y = problem
    with_constants = np.column_stack([X[:, :5], np.full(len(X), 3.0), X[:, 5:], np.zeros(len(X))])
    fit = fit_logistic_lasso(with_constants, y, solver=solver)
    plain = fit_logistic_lasso(X, y, solver=solver)
    assert fit.coef[5] == 0 and fit.coef[-1] == 0
    np.testing.assert_array_equal(np.delete(fit.coef, [5, len(fit.coef) - 1]), plain.coef)
    assert fit.intercept == plain.intercept


@pytest.mark.parametrize("solver", SOLVERS)
def test_intercept_only_cases_are_solved_in_closed_form(rng, solver):
    y = rng.uniform(size=50)
    fit = fit_logistic_lasso(np.ones((50, 2)), y, solver=solver)
    assert np.all(fit.coef == 0) and fit.n_iter == 0 and fit.deviance_ratio == 0.0
    assert fit.intercept == pytest.approx(logit(y.mean()), rel=1e-14)
    constant = fit_logistic_lasso(rng.normal(size=(50, 3)), np.full(50, 0.3), solver=solver)
    assert np.all(constant.coef == 0) and constant.intercept == pytest.approx(logit(0.3))


@pytest.mark.parametrize("solver", SOLVERS)
def test_sample_weights_equal_row_duplication(problem, rng, solver):
    X, y = problem
    counts = rng.integers(0, 4, size=len(y))
    tol = TIGHT[solver]
    weighted = fit_logistic_lasso(X, y, lam=1e-3, sample_weight=counts, solver=solver, tol=tol)
    rows = np.repeat(np.arange(len(y)), counts)
    duplicated = fit_logistic_lasso(X[rows], y[rows], lam=1e-3, solver=solver, tol=tol)
    np.testing.assert_allclose(weighted.coef, duplicated.coef, atol=1e-8)
    assert weighted.intercept == pytest.approx(duplicated.intercept, abs=1e-8)
    assert weighted.deviance_ratio == pytest.approx(duplicated.deviance_ratio, abs=1e-10)
    rescaled = fit_logistic_lasso(
        X, y, lam=1e-3, sample_weight=7.5 * counts, solver=solver, tol=tol
    )
    np.testing.assert_allclose(rescaled.coef, weighted.coef, atol=1e-10)
    weighted_objective = _objective(weighted, X, y, sample_weight=counts)
    assert weighted_objective == pytest.approx(_objective(duplicated, X[rows], y[rows]))


def test_weighted_fit_reaches_the_weighted_reference(problem, rng):
    X, y = problem
    weight = rng.uniform(0.1, 2.0, size=len(y))
    intercept, coef = reference_fit(X, y, 1e-2, sample_weight=weight)
    reference = objective(X, y, coef, intercept, lam=1e-2, sample_weight=weight)
    for solver in SOLVERS:
        fit = fit_logistic_lasso(X, y, lam=1e-2, sample_weight=weight, solver=solver)
        fitted = _objective(fit, X, y, sample_weight=weight)
        assert _relative_difference(fitted, reference) < 1e-8


# --- behaviour of the result and the solvers ----------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
def test_fit_is_deterministic(problem, solver):
    X, y = problem
    first = fit_logistic_lasso(X, y, lam=1e-3, solver=solver)
    second = fit_logistic_lasso(X, y, lam=1e-3, solver=solver)
    np.testing.assert_array_equal(first.coef, second.coef)
    assert first.intercept == second.intercept


def test_auto_uses_glmnet(problem):
    X, y = problem
    assert fit_logistic_lasso(X, y).solver == "glmnet"


def test_fit_result_predicts_and_is_read_only(problem):
    X, y = problem
    fit = fit_logistic_lasso(X, y)
    eta = fit.decision_function(X)
    np.testing.assert_allclose(eta, fit.intercept + X @ fit.coef)
    np.testing.assert_allclose(fit.predict(X), expit(eta))
    assert 0 < fit.deviance_ratio < 1 and fit.lambda_ == 1e-5
    with pytest.raises(ValueError, match="read-only"):
        fit.coef[0] = 1.0
    with pytest.raises(ValueError, match="X has 19 columns but the model was fitted on 20"):
        fit.predict(X[:, 1:])


def test_glmnet_without_convergence_raises(problem):
    X, y = problem
    with pytest.raises(RuntimeError, match="glmnet did not converge within max_iter=2 passes"):
        fit_logistic_lasso(X, y, solver="glmnet", max_iter=2)


def test_glum_without_convergence_warns_and_flags(problem):
    X, y = problem
    with pytest.warns(UserWarning, match="IRLS failed to converge"):
        fit = fit_logistic_lasso(X, y, solver="glum", max_iter=1)
    assert not fit.converged and fit.n_iter == 1


# --- validation ---------------------------------------------------------------------------


def _bad_inputs():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0.1, 0.5, 0.9, 0.3, 0.2, 0.7])
    with_nan = X.copy()
    with_nan[4, 1] = np.nan
    return [
        ({"X": X[:, 0]}, ValueError, r"X must be 2-D \(n_samples, n_features\), got shape \(6,\)"),
        ({"X": with_nan}, ValueError, r"X must be finite, but X\[4, 1\] = nan"),
        ({"X": [["a", "b"]] * 6}, TypeError, "X must be a numeric matrix"),
        ({"X": X[:1], "y": y[:1]}, ValueError, "at least 2 rows and 1 column, got shape"),
        ({"X": X[:, :0]}, ValueError, r"at least 2 rows and 1 column, got shape \(6, 0\)"),
        ({"y": y[:5]}, ValueError, "y has 5 values but X has 6 rows"),
        ({"y": y[:, None]}, ValueError, r"y must be 1-D \(n_samples,\), got shape \(6, 1\)"),
        ({"y": [0.1, 0.2, np.inf, 0.3, 0.4, 0.5]}, ValueError, r"y\[2\] = inf"),
        ({"y": [0.1, 0.2, 0.3, 1.5, 0.4, -1]}, ValueError, r"fraction in \[0, 1\].*y\[3\] = 1.5"),
        ({"y": np.zeros(6)}, ValueError, "y is 0 on every row with positive weight"),
        ({"y": [1, 1, 0, 1, 0, 1], "sample_weight": [1, 1, 0, 1, 0, 1]}, ValueError, "y is 1"),
        ({"sample_weight": [1, 1, -1, 1, 1, 1]}, ValueError, r"non-negative.*\[2\] = -1"),
        ({"sample_weight": [1, 1, 1, 1, 1, np.nan]}, ValueError, r"sample_weight\[5\] = nan"),
        ({"sample_weight": np.zeros(6)}, ValueError, "sample_weight is 0 on every row"),
        ({"sample_weight": np.ones(5)}, ValueError, "sample_weight has 5 values but X has 6"),
        ({"lam": -1e-5}, ValueError, r"lam must be in \[0.0, inf\), got -1e-05"),
        ({"lam": np.inf}, ValueError, r"lam must be in \[0.0, inf\)"),
        ({"lam": "small"}, TypeError, "lam must be a real number, got 'small'"),
        ({"alpha": 1.5}, ValueError, r"alpha must be in \[0.0, 1.0\], got 1.5"),
        ({"solver": "sklearn"}, ValueError, r"solver must be one of \('auto', 'glmnet', 'glum'\)"),
        ({"max_iter": 0}, ValueError, "max_iter must be a positive integer or None, got 0"),
        ({"tol": 0.0}, ValueError, r"tol must be a finite real number > 0 or None, got 0.0"),
    ]


@pytest.mark.parametrize(("change", "error", "message"), _bad_inputs())
def test_invalid_input_is_rejected(change, error, message):
    arguments = {
        "X": np.arange(12.0).reshape(6, 2),
        "y": np.array([0.1, 0.5, 0.9, 0.3, 0.2, 0.7]),
    }
    arguments.update(change)
    X, y = arguments.pop("X"), arguments.pop("y")
    with pytest.raises(error, match=message):
        fit_logistic_lasso(X, y, **arguments)


def test_objective_validates_the_coefficients(problem):
    X, y = problem
    with pytest.raises(ValueError, match=r"coef must have shape \(20,\).*got shape \(19,\)"):
        objective(X, y, np.zeros(19), 0.0, lam=1e-5)


# --- real data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mouse_logistic_features():
    """Logistic basis of 30 JASPAR motif energies on the mouse peaks; y = (c3 - c1) on [0, 1]."""
    from iqmodel.datasets import load_mouse_atac_example
    from iqmodel.energy import compute_energies
    from iqmodel.features import LogisticBasis
    from iqmodel.io import load_motif_db
    from iqmodel.normalization import EnergyNormalizer

    example = load_mouse_atac_example(as_frame=False)
    database = load_motif_db("jaspar2024")
    motifs = database[:: len(database) // 30][:30]
    energies = EnergyNormalizer().fit_transform(compute_energies(example.sequences, motifs))
    features = LogisticBasis().fit_transform(energies)
    difference = example.accessibility[:, 2] - example.accessibility[:, 0]
    return features, (difference - difference.min()) / np.ptp(difference)


def test_solvers_agree_on_real_data(mouse_logistic_features):
    X, y = mouse_logistic_features
    assert X.shape == (1000, 120)
    glmnet_fit, glum_fit = (fit_logistic_lasso(X, y, solver=solver) for solver in SOLVERS)
    assert _relative_difference(_objective(glmnet_fit, X, y), _objective(glum_fit, X, y)) < 1e-5
    assert np.corrcoef(glmnet_fit.predict(X), glum_fit.predict(X))[0, 1] > 0.9999
    assert glmnet_fit.deviance_ratio == pytest.approx(glum_fit.deviance_ratio, abs=1e-3)


def test_lambda_max_zeroes_every_coefficient(rng):
    from iqmodel.glm import lambda_max

    X = rng.normal(size=(300, 5))
    y = expit(X @ np.array([1.0, -0.5, 0.0, 0.3, 0.0]) + rng.normal(0, 0.5, 300))
    top = lambda_max(X, y)
    assert np.all(fit_logistic_lasso(X, y, lam=top * 1.001).coef == 0)
    assert np.any(fit_logistic_lasso(X, y, lam=top * 0.9).coef != 0)


@pytest.mark.parametrize("block", [7, 4096])
def test_lambda_max_in_row_blocks_matches_the_formula(rng, monkeypatch, block):
    from iqmodel.glm import lambda_max

    monkeypatch.setattr(glm_module, "ROW_BLOCK", block)
    X = rng.normal(size=(50, 4)) * [1.0, 3.0, 0.1, 1.0] + 5.0
    X[:, 3] = 2.0  # a constant column is left out
    y = expit(X[:, 0] - 5 + rng.normal(0, 0.5, 50))
    z = (X[:, :3] - X[:, :3].mean(axis=0)) / X[:, :3].std(axis=0)
    expected = np.max(np.abs(z.T @ (y - y.mean()))) / len(y)
    assert lambda_max(X, y) == pytest.approx(expected, rel=1e-12)
    assert lambda_max(np.ones((50, 2)), y) == 0.0


def test_gather_rows_copies_in_column_blocks(rng, monkeypatch):
    monkeypatch.setattr(glm_module, "COLUMN_BLOCK", 3)
    values = rng.normal(size=(30, 8))
    rows = rng.permutation(30)[:17]
    for order in ("C", "F"):
        gathered = glm_module._gather_rows(values, rows, order=order)
        np.testing.assert_array_equal(gathered, values[rows])
        assert gathered.flags[f"{order}_CONTIGUOUS"]


def test_cross_validation_holds_one_copy_of_a_fold_at_most(rng, monkeypatch):
    """Folds are copied once each (Fortran order, handed to glmnet), never the whole design."""
    import tracemalloc

    from iqmodel.glm import cross_validate_lambda

    # blocks as small against X as the defaults are against an 80,000 x 3,000 design
    monkeypatch.setattr(glm_module, "ROW_BLOCK", 256)
    monkeypatch.setattr(glm_module, "COLUMN_BLOCK", 4)
    X, y = _fractional_problem(rng, n=6000, p=200)
    keys = rng.permutation(10**6)[:6000]
    cross_validate_lambda(X[:100], y[:100], n_lambdas=3, n_folds=3, random_state=0)  # warm up
    tracemalloc.start()
    try:
        cross_validate_lambda(X, y, n_lambdas=3, n_folds=3, random_state=0, keys=keys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # one training fold (2/3 of X) plus blocks and vectors; the former code held 2.3 X
    assert peak < 0.8 * X.nbytes


def test_cross_validated_lambda_prefers_penalty_on_noise(rng):
    from iqmodel.glm import cross_validate_lambda

    X = rng.normal(size=(120, 60))  # pure noise columns: held-out loss wants a large penalty
    y = expit(rng.normal(0, 0.5, 120))
    path = cross_validate_lambda(X, y, random_state=0)
    assert path.best >= path.table["lambda"].iloc[len(path.table) // 2]
    signal = expit(3 * X[:, 0] + rng.normal(0, 0.1, 120))
    strong = cross_validate_lambda(X, signal, random_state=0)
    assert strong.best < strong.table["lambda"].iloc[0]  # some coefficients must survive
    assert list(strong.table.columns) == ["lambda", "mean_loss", "se_loss"]
    with pytest.raises(ValueError, match="n_folds must be at least 2, got 1"):
        cross_validate_lambda(X, y, n_folds=1)


def test_cross_validation_with_too_few_rows_says_what_to_change(rng):
    from iqmodel.glm import cross_validate_lambda

    X = rng.normal(size=(2, 3))
    with pytest.raises(
        ValueError,
        match=r"cross-validating the lasso penalty needs at least 3 rows, got 2; pass more "
        r"sequences or a fixed glm_lambda",
    ):
        cross_validate_lambda(X, np.array([0.2, 0.7]), n_folds=3)


@pytest.mark.parametrize("solver", SOLVERS)
def test_keyed_cross_validation_is_independent_of_row_order(rng, solver):
    from iqmodel.glm import cross_validate_lambda
    from iqmodel.sampling import order_keys

    X, y = _fractional_problem(rng, n=200, p=15)
    codes = rng.integers(0, 4, size=(200, 30)).astype(np.int8)  # the rows' "sequences"
    keys = order_keys(codes, y)
    kwargs = {"n_lambdas": 6, "n_folds": 4, "random_state": 7, "solver": solver}
    path = cross_validate_lambda(X, y, keys=keys, **kwargs)
    plain = cross_validate_lambda(X, y, **kwargs)
    assert path.table["mean_loss"].notna().all()
    for _ in range(2):
        permutation = rng.permutation(200)
        moved = cross_validate_lambda(
            X[permutation], y[permutation], keys=keys[permutation], **kwargs
        )
        assert moved.best == path.best
        np.testing.assert_allclose(
            moved.table.to_numpy(), path.table.to_numpy(), rtol=1e-10, atol=1e-12
        )
        # without keys the folds follow positions: same seed, other held-out rows
        unkeyed = cross_validate_lambda(X[permutation], y[permutation], **kwargs)
        assert not np.allclose(unkeyed.table["mean_loss"], plain.table["mean_loss"])


def test_keys_in_canonical_order_reproduce_the_positional_folds(rng):
    from iqmodel.glm import cross_validate_lambda

    X, y = _fractional_problem(rng, n=120, p=6)
    kwargs = {"n_lambdas": 5, "n_folds": 3, "random_state": 2}
    plain = cross_validate_lambda(X, y, **kwargs)
    # keys of a superset of rows (here spaced out, as a subset's keys would be) work too
    keyed = cross_validate_lambda(X, y, keys=np.arange(120) * 3 + 11, **kwargs)
    np.testing.assert_array_equal(keyed.table.to_numpy(), plain.table.to_numpy())
    with pytest.raises(ValueError, match="keys must be distinct"):
        cross_validate_lambda(X, y, keys=np.zeros(120, dtype=int), **kwargs)


@pytest.mark.parametrize("solver", SOLVERS)
def test_fit_is_independent_of_row_order_up_to_rounding(problem, rng, solver):
    X, y = problem
    fit = fit_logistic_lasso(X, y, lam=1e-4, solver=solver)
    permutation = rng.permutation(len(y))
    moved = fit_logistic_lasso(X[permutation], y[permutation], lam=1e-4, solver=solver)
    np.testing.assert_allclose(moved.coef, fit.coef, rtol=0, atol=1e-8)
    np.testing.assert_allclose(moved.predict(X), fit.predict(X), rtol=0, atol=1e-10)


def test_auto_solver_falls_back_to_glum_when_glmnet_cycles(rng):
    X = rng.normal(size=(200, 4))
    y = expit(X[:, 0])
    # an absurdly small pass budget makes glmnet give up; "auto" then solves with glum (which
    # runs out of its 2 IRLS iterations too, and says so)
    with (
        pytest.warns(UserWarning, match="IRLS failed to converge"),
        pytest.warns(
            IQModelWarning,
            match=r"glmnet's coordinate descent did not converge within max_iter=2 passes at "
            r"tol=1e-09 \(lognet error -\d+\); refitted with glum, which minimises the same "
            r"objective",
        ) as record,
    ):
        fit = fit_logistic_lasso(X, y, solver="auto", max_iter=2)
    assert fit.solver == "glum"
    fallback = [w for w in record if issubclass(w.category, IQModelWarning)]
    assert len(fallback) == 1 and fallback[0].filename == __file__  # at the caller
    with pytest.raises(RuntimeError, match="did not converge"):
        fit_logistic_lasso(X, y, solver="glmnet", max_iter=2)


def test_auto_solver_fallback_is_announced_and_gives_the_glum_fit(problem, monkeypatch):
    X, y = problem

    def cycling(*args):
        raise RuntimeError("coordinate descent cycled")

    monkeypatch.setattr(glm_module, "_solve_glmnet", cycling)
    with pytest.warns(
        IQModelWarning,
        match=r"glmnet failed \(coordinate descent cycled\); refitted with glum, which "
        r"minimises the same objective \(pass solver='glum' to skip glmnet\)",
    ):
        fit = fit_logistic_lasso(X, y, lam=1e-3, solver="auto")
    direct = fit_logistic_lasso(X, y, lam=1e-3, solver="glum")
    assert fit.solver == "glum"
    np.testing.assert_array_equal(fit.coef, direct.coef)
    with pytest.raises(RuntimeError, match="coordinate descent cycled"):  # asked for: no fallback
        fit_logistic_lasso(X, y, lam=1e-3, solver="glmnet")


def test_auto_solver_does_not_warn_when_glmnet_converges(problem):
    X, y = problem
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_logistic_lasso(X, y, lam=1e-3, solver="auto")
    assert fit.solver == "glmnet" and fit.converged


def test_glmnet_path_matches_single_lambda_fits(rng):
    from iqmodel.glm import _path_predictions

    X = rng.normal(size=(300, 8))
    y = expit(X @ rng.normal(size=8) * 0.5)
    lambdas = np.array([0.05, 0.01, 1e-3, 1e-5])
    path = _path_predictions(
        X, y, np.arange(300), np.arange(20), lambdas, solver="glmnet", tol=1e-12
    )
    for i, lam in enumerate(lambdas):
        single = fit_logistic_lasso(X, y, lam=lam, solver="glum", tol=1e-10)
        np.testing.assert_allclose(path[:, i], single.decision_function(X[:20]), atol=1e-5)
