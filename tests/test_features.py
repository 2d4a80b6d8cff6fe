from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from iqmodel.features import (
    RESPONSE_FUNCTIONS,
    LogisticBasis,
    inverse_response_function,
    logistic,
    response_function,
)

CLOSED_FORMS = {
    "low-energy": lambda x: 2 / (1 + np.exp(-0.5 * x)) - 1,
    "sigmoid": lambda x: 1 / (1 + np.exp(-(x - 5))),
    "high-energy": lambda x: 2 / (1 + np.exp(-0.5 * (x - 10))),
    "higher-energy": lambda x: 2 / (1 + np.exp(-(x - 10))),
}
# the table of spec 4.2: values at x = 0, 5, 10 as printed there
SPEC_TABLE = {
    "low-energy": (0.0, 0.848, 0.987),
    "sigmoid": (0.0067, 0.5, 0.9933),
    "high-energy": (0.0134, 0.152, 1.0),
    "higher-energy": (9.1e-5, 0.0134, 1.0),
}


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_response_functions_constant():
    assert RESPONSE_FUNCTIONS == ("low-energy", "sigmoid", "high-energy", "higher-energy")


@pytest.mark.parametrize("name", RESPONSE_FUNCTIONS)
def test_response_values_match_spec_table(name):
    x = np.array([0.0, 5.0, 10.0])
    values = response_function(x, name)
    np.testing.assert_allclose(values, SPEC_TABLE[name], atol=2e-3)
    np.testing.assert_allclose(values, CLOSED_FORMS[name](x), rtol=1e-14, atol=1e-15)


def test_low_energy_is_tanh_of_quarter():
    x = np.linspace(0, 10, 11)
    np.testing.assert_allclose(response_function(x, "low-energy"), np.tanh(x / 4), atol=1e-15)


@pytest.mark.parametrize("name", RESPONSE_FUNCTIONS)
def test_inverse_recovers_x(name):
    x = np.linspace(0.5, 9.5, 37)
    recovered = inverse_response_function(response_function(x, name), name)
    np.testing.assert_allclose(recovered, x, atol=1e-8)


@pytest.mark.parametrize(
    ("name", "closed_form_inverse"),
    [
        ("low-energy", lambda y: -2 * np.log(2 / (y + 1) - 1)),
        ("high-energy", lambda y: 10 - 2 * np.log(2 / y - 1)),
        ("sigmoid", lambda y: 5 - np.log(1 / y - 1)),
        ("higher-energy", lambda y: 10 - np.log(2 / y - 1)),
    ],
)
def test_inverse_matches_spec_formula(name, closed_form_inverse):
    y = response_function(np.array([1.0, 4.0, 8.0]), name)
    np.testing.assert_allclose(inverse_response_function(y, name), closed_form_inverse(y))


@pytest.mark.parametrize("function", [response_function, inverse_response_function])
def test_unknown_response_name_is_rejected(function):
    with pytest.raises(ValueError, match="unknown response function 'mid'; valid names are "):
        function(1.0, "mid")


def test_logistic_properties(no_warnings):
    x = np.linspace(-1000, 1000, 2001)
    y = logistic(x, x0=2.0, L=3.0, k=0.7)
    assert np.all((y >= 0) & (y <= 3)) and np.all(np.diff(y) >= 0)
    assert logistic(2.0, x0=2.0, L=3.0) == 1.5
    np.testing.assert_array_equal(logistic(x, L=4.0, k=0.0), 2.0)
    np.testing.assert_allclose(logistic(1.3), 1 / (1 + np.exp(-1.3)))


def test_basis_names_and_order_on_ndarray():
    X = np.array([[0.0, 5.0], [10.0, 2.0], [3.0, 7.0]])
    basis = LogisticBasis().fit(X)
    out = basis.transform(X)
    assert out.shape == (3, 8) and isinstance(out, np.ndarray)
    assert list(basis.get_feature_names_out()) == [
        f"x{i}_{name}" for i in range(2) for name in RESPONSE_FUNCTIONS
    ]
    for j in range(2):
        for k, name in enumerate(RESPONSE_FUNCTIONS):
            np.testing.assert_array_equal(out[:, 4 * j + k], response_function(X[:, j], name))


def test_basis_dataframe_in_dataframe_out():
    X = pd.DataFrame({"GATA1": [0.0, 10.0], "gc_content": [5.0, 1.0]}, index=["p1", "p2"])
    out = LogisticBasis().fit_transform(X)
    assert list(out.index) == ["p1", "p2"]
    assert list(out.columns[:5]) == [
        "GATA1_low-energy",
        "GATA1_sigmoid",
        "GATA1_high-energy",
        "GATA1_higher-energy",
        "gc_content_low-energy",
    ]
    np.testing.assert_array_equal(out.to_numpy(), LogisticBasis().fit_transform(X.to_numpy()))


def test_basis_one_dimensional_input_is_one_column():
    out = LogisticBasis().fit_transform(np.array([0.0, 5.0, 10.0]))
    assert out.shape == (3, 4)
    np.testing.assert_allclose(
        out[1], [SPEC_TABLE[name][1] for name in RESPONSE_FUNCTIONS], atol=2e-3
    )


def test_basis_zero_columns():
    basis = LogisticBasis().fit(np.zeros((5, 0)))
    assert basis.transform(np.zeros((5, 0))).shape == (5, 0)
    assert basis.get_feature_names_out().shape == (0,)


def test_basis_is_finite_without_warnings_at_extremes(no_warnings):
    out = LogisticBasis().fit_transform(np.array([[-1000.0], [1000.0]]))
    assert np.isfinite(out).all()


def test_basis_nan_propagates_and_nan_columns_are_kept():
    X = np.array([[np.nan, np.nan], [np.nan, 3.0]])
    out = LogisticBasis().fit_transform(X)
    assert out.shape == (2, 8)
    assert np.isnan(out[:, :4]).all() and np.isnan(out[0, 4:]).all()
    assert np.isfinite(out[1, 4:]).all()


def test_get_feature_names_out_with_input_features():
    basis = LogisticBasis().fit(np.zeros((1, 2)))
    names = basis.get_feature_names_out(["a", "b_c"])
    assert names[4] == "b_c_low-energy" and len(names) == 8
    with pytest.raises(ValueError, match="X has 1 columns but LogisticBasis was fitted on 2"):
        basis.get_feature_names_out(["a"])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("JASPAR.GATA2_low-energy", ("JASPAR.GATA2", "low-energy")),
        ("my_feat-x_sigmoid", ("my_feat-x", "sigmoid")),
        ("a_low-energy_higher-energy", ("a_low-energy", "higher-energy")),
        ("x_high-energy", ("x", "high-energy")),
    ],
)
def test_split_feature_name(name, expected):
    assert LogisticBasis.split_feature_name(name) == expected


def test_split_feature_name_round_trip():
    X = pd.DataFrame(np.zeros((1, 3)), columns=["JASPAR.GATA2", "my_feat-x", "a_b_c"])
    basis = LogisticBasis().fit(X)
    pairs = [LogisticBasis.split_feature_name(n) for n in basis.get_feature_names_out()]
    assert pairs == [(f, name) for f in X.columns for name in RESPONSE_FUNCTIONS]


@pytest.mark.parametrize("name", ["GATA2", "GATA2_mid", "_sigmoid", "GATA2-sigmoid"])
def test_split_feature_name_rejects_other_names(name):
    with pytest.raises(ValueError, match="is not a LogisticBasis output name"):
        LogisticBasis.split_feature_name(name)


def test_basis_input_errors():
    basis = LogisticBasis().fit(pd.DataFrame({"a": [1.0], "b": [2.0]}))
    with pytest.raises(ValueError, match="X has 3 columns but LogisticBasis was fitted on 2"):
        basis.transform(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="column 1 is named 'c' but was 'b' in fit"):
        basis.transform(pd.DataFrame({"a": [1.0], "c": [2.0]}))
    with pytest.raises(ValueError, match=r"1-D or 2-D .* got shape \(1, 1, 1\)"):
        basis.fit(np.zeros((1, 1, 1)))
    with pytest.raises(TypeError, match="X must be a numeric matrix"):
        basis.fit(np.array([["a"]]))
    with pytest.raises(NotFittedError):
        LogisticBasis().transform(np.zeros((1, 1)))
