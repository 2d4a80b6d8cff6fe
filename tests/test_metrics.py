"""R^2, Pearson r and column correlations: against numpy references, constant columns."""

from __future__ import annotations

import numpy as np
import pytest

from iqmodel.metrics import (
    column_correlations,
    correlation_matrix,
    is_constant,
    pearson_r,
    pearson_r2,
    r2_score,
)


def _reference_r(x, y):
    return np.corrcoef(x, y)[0, 1]


def test_column_correlations_match_corrcoef():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(50, 6))
    y = matrix[:, 0] + rng.normal(size=50)
    expected = [_reference_r(matrix[:, j], y) for j in range(6)]
    np.testing.assert_allclose(column_correlations(matrix, y), expected, atol=1e-12)
    np.testing.assert_allclose(correlation_matrix(matrix), np.corrcoef(matrix.T), atol=1e-12)


@pytest.mark.parametrize("value", [0.0, 3.0, 1e-300, 1e300, -7.25])
def test_constant_and_rounding_constant_columns_have_correlation_zero(value):
    y = np.arange(20.0) ** 2
    # a constant column and one whose only variation is rounding residue
    residue = np.full(20, 0.1) * 3 - np.full(20, 0.3) + value
    matrix = np.c_[np.full(20, value), residue, np.arange(20.0)]
    r = column_correlations(matrix, y)
    assert r[0] == 0 and r[1] == 0 and r[2] == pytest.approx(_reference_r(np.arange(20.0), y))
    assert is_constant(matrix).tolist() == [True, True, False]
    corr = correlation_matrix(matrix)
    assert corr[0, 2] == 0 and corr[1, 2] == 0 and np.all(np.diag(corr) == 1)


def test_constant_target_gives_zero_correlation_and_undefined_r2():
    matrix = np.random.default_rng(1).normal(size=(10, 3))
    assert np.all(column_correlations(matrix, np.full(10, 2.0)) == 0)
    assert pearson_r2(np.full(10, 2.0), matrix[:, 0]) == 0
    assert np.isnan(r2_score(np.full(10, 2.0), matrix[:, 0]))


def test_near_constant_but_real_variation_is_kept():
    y = np.arange(30.0)
    column = 1.0 + 1e-6 * y  # small but real spread
    assert pearson_r(y, column) == pytest.approx(1.0)


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e300])
def test_r2_score_any_magnitude(scale):
    rng = np.random.default_rng(2)
    y = rng.normal(size=40)
    prediction = y + 0.3 * rng.normal(size=40)
    expected = 1 - ((y - prediction) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert r2_score(y * scale, prediction * scale) == pytest.approx(expected, rel=1e-12)
    assert pearson_r2(y * scale, prediction * scale) == pytest.approx(
        _reference_r(y, prediction) ** 2, rel=1e-12
    )


def test_shape_errors():
    with pytest.raises(ValueError, match="prediction has shape"):
        r2_score([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="y must have shape"):
        column_correlations(np.ones((3, 2)), [1.0, 2.0])
