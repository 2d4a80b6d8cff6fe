from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from iqmodel.additional_features import (
    DINUCLEOTIDE_FEATURES,
    MAX_VALUE,
    FeatureScaler,
    sequence_features,
)
from iqmodel.seq import encode

FEATURE_COLUMNS = ["gc_content", *DINUCLEOTIDE_FEATURES]


def _reference_features(seq: str) -> list[float]:
    """Spec 7.13 for an N-free sequence: #GC / length, overlapping pair counts / (length - 1)."""
    pairs = [seq[i : i + 2] for i in range(len(seq) - 1)]
    gc = (seq.count("G") + seq.count("C")) / len(seq)
    return [gc, *(pairs.count(name) / (len(seq) - 1) for name in DINUCLEOTIDE_FEATURES)]


# --- sequence_features ------------------------------------------------------------------


def test_dinucleotide_feature_names():
    assert len(DINUCLEOTIDE_FEATURES) == 16
    assert DINUCLEOTIDE_FEATURES[0] == "AA"
    assert DINUCLEOTIDE_FEATURES[-1] == "TT"
    assert len(set(DINUCLEOTIDE_FEATURES)) == 16


def test_sequence_features_columns_and_known_values():
    features = sequence_features(["ACGT", "AAAA"])
    assert list(features.columns) == FEATURE_COLUMNS
    assert features.loc[0, "gc_content"] == 0.5
    assert features.loc[0, ["AC", "CG", "GT"]].tolist() == [1 / 3] * 3
    assert features.loc[1, "AA"] == 1.0
    assert features.loc[1, "gc_content"] == 0.0


def test_sequence_features_match_spec_formula_without_n(rng):
    seqs = ["".join(rng.choice(list("ACGT"), size=int(length))) for length in (2, 7, 50, 300)]
    features = sequence_features(seqs)
    expected = np.array([_reference_features(seq) for seq in seqs])
    np.testing.assert_allclose(features.to_numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(features[list(DINUCLEOTIDE_FEATURES)].sum(axis=1), 1.0)


def test_sequence_features_leave_n_out_of_denominators():
    features = sequence_features(["ACNGT"]).iloc[0]
    assert features["gc_content"] == 0.5  # 2 of the 4 ACGT bases
    assert features["AC"] == features["GT"] == 0.5  # 2 valid pairs; CN and NG skipped
    assert features[list(DINUCLEOTIDE_FEATURES)].sum() == 1.0


@pytest.mark.parametrize("seq", ["NNNN", "A", "ANA", ""])
def test_sequence_without_valid_pairs_gives_zero_not_nan(seq):
    features = sequence_features([seq, "ACGT"])
    assert not features.isna().any().any()
    assert (features.loc[0, list(DINUCLEOTIDE_FEATURES)] == 0).all()


def test_all_n_sequence_has_zero_gc():
    assert sequence_features(["NNNN"]).loc[0, "gc_content"] == 0.0


def test_sequence_features_accept_codes_and_lower_case():
    seqs = ["ACGTTGCA", "ggccNNat"]
    from_strings = sequence_features(seqs)
    pd.testing.assert_frame_equal(sequence_features(encode(seqs)), from_strings)
    pd.testing.assert_frame_equal(sequence_features([s.upper() for s in seqs]), from_strings)


def test_sequence_features_ragged_lengths():
    features = sequence_features(["AC", "GGGGGG", "ACGTACGTAC"])
    assert features.shape == (3, 17)
    assert features.loc[1, "GG"] == 1.0


def test_sequence_features_invalid_character():
    with pytest.raises(ValueError, match="sequence 1 has invalid character 'X' at position 2"):
        sequence_features(["ACGT", "ACXT"])


def test_sequence_features_single_string_rejected():
    with pytest.raises(TypeError, match="wrap one sequence in a list"):
        sequence_features("ACGT")


# --- FeatureScaler ----------------------------------------------------------------------


@pytest.fixture
def features(rng) -> pd.DataFrame:
    return pd.DataFrame(
        {"gc_content": rng.uniform(0.3, 0.6, 200), "k27ac": rng.lognormal(size=200)},
        index=[f"peak{i}" for i in range(200)],
    )


def test_scaler_stores_type7_quantiles(features):
    scaler = FeatureScaler().fit(features)
    np.testing.assert_array_equal(scaler.low_, np.quantile(features, 1 - 0.95, axis=0))
    np.testing.assert_array_equal(scaler.high_, np.quantile(features, 0.95, axis=0))
    assert list(scaler.feature_names_in_) == ["gc_content", "k27ac"]
    assert scaler.n_features_in_ == 2


def test_scaler_transform_formula_and_range(features):
    scaler = FeatureScaler(quantile=0.9).fit(features)
    out = scaler.transform(features)
    low, high = scaler.low_, scaler.high_
    expected = 10 * (np.clip(features.to_numpy(), low, high) - low) / (high - low)
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=1e-14)
    assert out.to_numpy().min() == 0.0
    assert out.to_numpy().max() == MAX_VALUE
    # about 10 % of the rows sit at each bound
    assert 0.05 < (out["k27ac"] == 0).mean() < 0.15
    assert 0.05 < (out["k27ac"] == 10).mean() < 0.15


def test_scaler_quantile_one_maps_min_and_max():
    X = np.array([[0.2], [0.4], [0.6]])
    np.testing.assert_allclose(FeatureScaler(quantile=1.0).fit_transform(X).ravel(), [0, 5, 10])


def test_scaler_clips_new_rows(features):
    scaler = FeatureScaler().fit(features)
    new = pd.DataFrame({"gc_content": [-5.0, 5.0], "k27ac": [1e6, -1e6]})
    np.testing.assert_array_equal(scaler.transform(new).to_numpy(), [[0.0, 10.0], [10.0, 0.0]])


def test_scaler_zero_range_gives_zero():
    X = pd.DataFrame({"constant": [3.0] * 5, "varying": [0.0, 1.0, 2.0, 3.0, 4.0]})
    out = FeatureScaler(quantile=1.0).fit_transform(X)
    assert (out["constant"] == 0).all()
    assert FeatureScaler(quantile=0.5).fit_transform(X).to_numpy().max() == 0.0


def test_scaler_dataframe_out_keeps_names_index_and_fitted_order(features):
    scaler = FeatureScaler().fit(features)
    out = scaler.transform(features[["k27ac", "gc_content"]])
    assert list(out.columns) == ["gc_content", "k27ac"]
    assert out.index.equals(features.index)
    pd.testing.assert_frame_equal(out, scaler.transform(features))
    assert list(scaler.get_feature_names_out()) == ["gc_content", "k27ac"]


def test_scaler_array_in_array_out(features):
    scaler = FeatureScaler().fit(features.to_numpy())
    out = scaler.transform(features.to_numpy())
    assert isinstance(out, np.ndarray)
    assert not hasattr(scaler, "feature_names_in_")
    np.testing.assert_array_equal(out, FeatureScaler().fit(features).transform(features))


def test_scaler_is_row_independent(features):
    scaler = FeatureScaler().fit(features)
    full = scaler.transform(features)
    subset = features.iloc[[5, 0, 77]]
    pd.testing.assert_frame_equal(scaler.transform(subset), full.iloc[[5, 0, 77]])


def test_scaler_sklearn_contract(features):
    scaler = FeatureScaler(quantile=0.8)
    assert scaler.get_params() == {"quantile": 0.8}
    fitted = scaler.fit(features)
    assert fitted is scaler
    assert clone(scaler).get_params() == {"quantile": 0.8}
    restored = pickle.loads(pickle.dumps(scaler))
    np.testing.assert_array_equal(restored.transform(features), scaler.transform(features))


def test_scaler_on_sequence_features(rng):
    seqs = ["".join(rng.choice(list("ACGTN"), size=100)) for _ in range(50)]
    out = FeatureScaler().fit_transform(sequence_features(seqs))
    assert list(out.columns) == FEATURE_COLUMNS
    assert ((out >= 0) & (out <= 10)).all().all()


@pytest.mark.parametrize("quantile", [0.4, 1.5, "0.95", True, np.nan])
def test_scaler_rejects_bad_quantile(quantile, features):
    with pytest.raises(ValueError, match="'quantile' parameter of FeatureScaler must be a float"):
        FeatureScaler(quantile=quantile).fit(features)


def test_scaler_nan_in_fit_names_column_and_row(features):
    features.iloc[7, 1] = np.nan
    with pytest.raises(ValueError, match="column 'k27ac' is nan at row 7"):
        FeatureScaler().fit(features)


def test_scaler_inf_in_transform_names_column_and_row(features):
    scaler = FeatureScaler().fit(features)
    features.iloc[3, 0] = np.inf
    with pytest.raises(ValueError, match="column 'gc_content' is inf at row 3"):
        scaler.transform(features)


def test_scaler_nan_in_array_names_column_position():
    with pytest.raises(ValueError, match="column 1 is nan at row 0"):
        FeatureScaler().fit(np.array([[1.0, np.nan], [2.0, 3.0]]))


def test_scaler_column_mismatch_names_missing_and_extra(features):
    scaler = FeatureScaler().fit(features)
    wrong = features.rename(columns={"k27ac": "k4me3"})
    with pytest.raises(ValueError, match=r"missing: \['k27ac'\]; unexpected: \['k4me3'\]"):
        scaler.transform(wrong)


def test_scaler_array_column_count_mismatch(features):
    scaler = FeatureScaler().fit(features)
    with pytest.raises(ValueError, match="X has 1 columns but FeatureScaler was fitted on 2"):
        scaler.transform(features.to_numpy()[:, :1])


def test_scaler_rejects_empty_fit():
    with pytest.raises(ValueError, match="X has 0 rows"):
        FeatureScaler().fit(np.empty((0, 2)))


def test_scaler_rejects_duplicate_columns():
    X = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    with pytest.raises(ValueError, match="column names of X must be unique; repeated: 'a'"):
        FeatureScaler().fit(X)


def test_scaler_rejects_non_numeric_and_wrong_dimensions():
    with pytest.raises(TypeError, match="X must be a numeric matrix"):
        FeatureScaler().fit(pd.DataFrame({"a": ["x", "y"]}))
    with pytest.raises(ValueError, match=r"X must be 2-D \(n_samples, n_features\)"):
        FeatureScaler().fit(np.arange(3.0))


def test_scaler_not_fitted():
    with pytest.raises(NotFittedError, match="FeatureScaler instance is not fitted"):
        FeatureScaler().transform(np.zeros((2, 2)))
