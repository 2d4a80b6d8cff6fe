from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iqmodel._validation import (
    align_to_fit,
    check_matrix,
    check_unique,
    format_names,
    set_features_in,
)


class _Fitted:
    """Stand-in for a fitted estimator."""


def test_format_names_lists_the_first_ten():
    assert format_names(["a", "b"]) == "'a', 'b'"
    assert format_names(range(12)).endswith("8, 9, ... (12 in total)")


def test_check_unique_lists_repeated_names():
    check_unique(["a", "b"], "names")
    with pytest.raises(ValueError, match="names must be unique; repeated: 'a', 'b'"):
        check_unique(["a", "b", "a", "b", "a"], "names")


def test_check_matrix_returns_values_and_names():
    frame = pd.DataFrame({"a": [1, 2], 3: [0.5, 1.5]})
    values, names = check_matrix(frame)
    assert values.dtype == np.float64 and values.shape == (2, 2)
    assert list(names) == ["a", "3"]
    values, names = check_matrix([[1.0], [2.0]])
    assert names is None and values.shape == (2, 1)


def test_check_matrix_names_the_first_non_finite_entry():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, np.nan]})
    with pytest.raises(ValueError, match=r"X\[1, 1\] = nan \(column 'b' is nan at row 1\)"):
        check_matrix(frame)
    with pytest.raises(ValueError, match=r"E must be finite, but E\[0, 0\] = -inf \(column 0"):
        check_matrix(np.array([[-np.inf]]), "E")


def test_check_matrix_nonfinite_modes():
    values = np.array([[np.nan, -np.inf], [1.0, 2.0]])
    assert check_matrix(values, nonfinite="allow_nan_neg_inf")[0] is not None
    with pytest.raises(ValueError, match=r"E has \+inf at row 1, column 'b'"):
        check_matrix(
            pd.DataFrame({"a": [0.0, 1.0], "b": [0.0, np.inf]}), "E", nonfinite="allow_nan_neg_inf"
        )
    assert np.isposinf(check_matrix(np.array([[np.inf]]), nonfinite="allow")[0]).all()
    with pytest.raises(ValueError, match="nonfinite must be one of"):
        check_matrix(values, nonfinite="ignore")


def test_check_matrix_shape_type_and_names():
    with pytest.raises(ValueError, match=r"E must be 2-D \(n_seqs, n_motifs\), got shape \(3,\)"):
        check_matrix(np.zeros(3), "E", dims="n_seqs, n_motifs")
    assert check_matrix(np.zeros(3), allow_1d=True)[0].shape == (3, 1)
    with pytest.raises(ValueError, match=r"must be 1-D or 2-D .* got shape \(1, 1, 1\)"):
        check_matrix(np.zeros((1, 1, 1)), allow_1d=True)
    with pytest.raises(TypeError, match=r"X must be a numeric matrix \(n_samples, n_features\)"):
        check_matrix([["a"]])
    repeated = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    with pytest.raises(ValueError, match="column names of X must be unique; repeated: 'a'"):
        check_matrix(repeated)
    assert list(check_matrix(repeated, unique_names=False)[1]) == ["a", "a"]


def test_set_features_in_replaces_stale_names():
    estimator = _Fitted()
    set_features_in(estimator, 2, np.array(["a", "b"], dtype=object))
    assert estimator.n_features_in_ == 2 and list(estimator.feature_names_in_) == ["a", "b"]
    set_features_in(estimator, 3, None)
    assert estimator.n_features_in_ == 3 and not hasattr(estimator, "feature_names_in_")


def test_align_to_fit_matches_names_in_any_order():
    estimator = _Fitted()
    set_features_in(estimator, 2, np.array(["a", "b"], dtype=object))
    values = np.array([[2.0, 1.0]])
    aligned = align_to_fit(estimator, values, np.array(["b", "a"], dtype=object), "X", "features")
    np.testing.assert_array_equal(aligned, [[1.0, 2.0]])
    np.testing.assert_array_equal(align_to_fit(estimator, values, None, "X", "features"), values)
    with pytest.raises(ValueError, match=r"missing: \['a'\]; unexpected: \['z'\]"):
        align_to_fit(estimator, values, np.array(["b", "z"], dtype=object), "X", "features")
    with pytest.raises(ValueError, match="X has 1 columns but _Fitted was fitted on 2 motifs"):
        align_to_fit(estimator, values[:, :1], None, "X", "motifs")
