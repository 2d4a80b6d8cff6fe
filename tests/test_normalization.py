from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from iqmodel.normalization import EnergyNormalizer

LN2 = np.log(2.0)
PINNED = LN2 * np.array([-1.0, -2.0, -3.0, -4.0, -5.0])[:, None]


def _table(quantiles: dict[str, list[float]], motifs: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"motif": motifs, **quantiles})


def _closed_form(x, background, q, min_energy=-7.0, max_value=10.0):
    """Spec 3.10.4 written directly, without the normalizer's numerical shortcuts."""
    reference = np.log2(np.quantile(np.exp(background), q, axis=0))
    clamped = np.clip(background / LN2 - reference, min_energy, 0)
    low, high = clamped.min(axis=0), clamped.max(axis=0)
    y = np.clip(x / LN2 - reference, min_energy, 0)
    return np.clip((y - low) / (high - low) * max_value, 0, max_value)


def test_pinned_case_own_background():
    out = EnergyNormalizer().fit_transform(PINNED)
    np.testing.assert_allclose(out.ravel(), [10, 7.5, 5, 2.5, 0], atol=1e-12)


def test_pinned_case_quantile_table_with_max():
    table = _table({"1": [PINNED.max()]}, ["m"])
    out = EnergyNormalizer.from_quantile_table(table).transform(PINNED).ravel()
    np.testing.assert_allclose(out, (np.array([0, -1, -2, -3, -4]) + 7) / 7 * 10, atol=1e-12)
    np.testing.assert_allclose(out, [10, 8.571, 7.143, 5.714, 4.286], atol=1e-3)


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9, 0.99])
def test_quantile_below_one_follows_closed_form(rng, quantile):
    background = rng.normal(-5, 2, size=(300, 4))
    x = rng.normal(-5, 3, size=(50, 4))
    out = EnergyNormalizer(quantile=quantile).fit(background).transform(x)
    np.testing.assert_allclose(out, _closed_form(x, background, quantile), atol=1e-9)
    assert not np.allclose(out, EnergyNormalizer().fit(background).transform(x))


def test_reference_is_quantile_in_probability_space(rng):
    background = rng.normal(-5, 2, size=(101, 3))
    fitted = EnergyNormalizer(quantile=0.9).fit(background)
    expected = np.log2(np.quantile(np.exp(background), 0.9, axis=0))
    np.testing.assert_allclose(fitted.reference_log2_, expected, rtol=1e-12)
    np.testing.assert_array_equal(
        EnergyNormalizer().fit(background).reference_log2_, background.max(axis=0) / LN2
    )


def test_large_energies_do_not_overflow(rng):
    background = rng.normal(2000, 1, size=(50, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = EnergyNormalizer(quantile=0.9).fit_transform(background)
    assert np.isfinite(out).all() and out.max() == 10


def test_out_of_range_inputs_are_clipped():
    background = LN2 * np.array([[-1.0], [-3.0]])
    normalizer = EnergyNormalizer().fit(background)
    out = normalizer.transform(LN2 * np.array([[5.0], [-1.0], [-2.0], [-3.0], [-4.0], [-50.0]]))
    np.testing.assert_allclose(out.ravel(), [10, 10, 5, 0, 0, 0])


def test_output_scale_is_linear_in_max_value(rng):
    background = rng.normal(-5, 2, size=(100, 3))
    ten = EnergyNormalizer().fit_transform(background)
    one = EnergyNormalizer(max_value=1.0).fit_transform(background)
    np.testing.assert_allclose(one * 10, ten, atol=1e-12)


def test_nan_energy_gives_zero_and_nan_background_is_ignored(rng):
    background = rng.normal(-5, 2, size=(20, 2))
    with_nan = np.vstack([background, [np.nan, np.nan]])
    normalizer = EnergyNormalizer().fit(with_nan)
    np.testing.assert_array_equal(
        normalizer.reference_log2_, EnergyNormalizer().fit(background).reference_log2_
    )
    out = normalizer.transform(np.array([[np.nan, -5.0]]))
    assert out[0, 0] == 0 and 0 < out[0, 1] <= 10


def test_minus_inf_is_a_valid_energy_at_the_bottom():
    background = LN2 * np.array([[-1.0], [-3.0], [-np.inf]])
    normalizer = EnergyNormalizer().fit(background)
    assert normalizer.range_low_[0] == -7
    out = normalizer.transform(LN2 * np.array([[-np.inf], [-1.0], [-8.0]]))
    np.testing.assert_allclose(out.ravel(), [0, 10, 0])


def test_motif_without_background_gives_zero_without_warnings():
    background = np.array([[np.nan, -np.inf, -1.0], [np.nan, -np.inf, -2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        normalizer = EnergyNormalizer(quantile=0.5).fit(background)
        out = normalizer.transform(np.array([[-1.0, -1.0, -1.0], [np.nan, -np.inf, -2.0]]))
    assert np.isnan(normalizer.reference_log2_[:2]).all()
    assert np.isnan(normalizer.range_low_[:2]).all() and np.isnan(normalizer.range_high_[:2]).all()
    np.testing.assert_array_equal(out[:, :2], 0)
    assert out[0, 2] > 0


def test_zero_background_range_gives_zero(rng):
    normalizer = EnergyNormalizer().fit(np.full((4, 1), -3.0))
    np.testing.assert_array_equal(normalizer.transform(np.array([[-3.0], [0.0], [-9.0]])), 0)
    background = rng.normal(-5, 2, size=(20, 3))
    np.testing.assert_array_equal(EnergyNormalizer(quantile=0.0).fit_transform(background), 0)


def test_dataframe_is_reordered_to_fitted_names(rng):
    background = pd.DataFrame(rng.normal(-5, 2, size=(30, 3)), columns=["a", "b", "c"])
    normalizer = EnergyNormalizer().fit(background)
    x = pd.DataFrame(rng.normal(-5, 2, size=(5, 3)), columns=["a", "b", "c"], index=list("vwxyz"))
    expected = normalizer.transform(x)
    shuffled = normalizer.transform(x[["c", "a", "b"]])
    pd.testing.assert_frame_equal(shuffled, expected)
    assert list(expected.columns) == ["a", "b", "c"]
    assert list(expected.index) == list("vwxyz")
    np.testing.assert_array_equal(normalizer.transform(x.to_numpy()), expected.to_numpy())
    np.testing.assert_array_equal(normalizer.get_feature_names_out(), ["a", "b", "c"])


def test_ndarray_gives_ndarray_and_refit_forgets_names(rng):
    background = rng.normal(-5, 2, size=(30, 2))
    normalizer = EnergyNormalizer().fit(pd.DataFrame(background, columns=["a", "b"]))
    normalizer.fit(background)
    assert not hasattr(normalizer, "feature_names_in_")
    assert isinstance(normalizer.transform(background), np.ndarray)
    np.testing.assert_array_equal(normalizer.get_feature_names_out(), ["x0", "x1"])


def test_transform_is_row_independent(rng):
    background = rng.normal(-5, 2, size=(200, 5))
    x = rng.normal(-5, 3, size=(40, 5))
    normalizer = EnergyNormalizer(quantile=0.99).fit(background)
    full = normalizer.transform(x)
    rows = [3, 17, 39]
    np.testing.assert_array_equal(normalizer.transform(x[rows]), full[rows])
    np.testing.assert_array_equal(normalizer.transform(x[5:6]), full[5:6])


def test_clone_keeps_parameters():
    normalizer = EnergyNormalizer(quantile=0.99, min_energy=-10.0, max_value=1.0)
    assert clone(normalizer).get_params() == normalizer.get_params()


def test_quantile_table_selects_motifs_and_ignores_extra_rows_and_levels():
    table = _table({"0.99": [-3.0, -4.0, -6.0], "1": [-1.0, -2.0, -5.0]}, ["a", "b", "c"])
    x = pd.DataFrame({"c": [-5.0, -8.0], "a": [-1.0, -2.0]})
    subset = EnergyNormalizer.from_quantile_table(table, quantile=0.99, motifs=["c", "a"])
    np.testing.assert_array_equal(subset.feature_names_in_, ["c", "a"])
    np.testing.assert_allclose(subset.reference_log2_, np.array([-6.0, -3.0]) / LN2)
    expected = (np.clip(x / LN2 - np.array([-6.0, -3.0]) / LN2, -7, 0) + 7) / 7 * 10
    pd.testing.assert_frame_equal(subset.transform(x), expected)
    only_needed = table.loc[[2, 0], ["motif", "0.99"]]
    pd.testing.assert_frame_equal(
        EnergyNormalizer.from_quantile_table(only_needed, quantile=0.99).transform(x), expected
    )


def test_quantile_table_from_motif_index_and_numeric_levels():
    table = pd.DataFrame({1.0: [-2.0]}, index=pd.Index(["m"], name="motif"))
    normalizer = EnergyNormalizer.from_quantile_table(table, quantile=1)
    np.testing.assert_allclose(normalizer.reference_log2_, [-2.0 / LN2])
    assert normalizer.range_low_[0] == -7 and normalizer.range_high_[0] == 0


def test_quantile_table_from_gzipped_tsv(tmp_path):
    path = tmp_path / "quantiles.tsv.gz"
    _table({"0.99": [-3.0], "1": [-1.0]}, ["m"]).to_csv(path, sep="\t", index=False)
    normalizer = EnergyNormalizer.from_quantile_table(path, quantile=0.99)
    np.testing.assert_allclose(normalizer.reference_log2_, [-3.0 / LN2])


def test_real_quantile_table_normalizes_to_scale(shared_data, rng):
    path = shared_data / "tanaylab" / "iceqream_mouse_db_quantiles.tsv.gz"
    normalizer = EnergyNormalizer.from_quantile_table(path, quantile=0.99)
    assert normalizer.n_features_in_ == 21862
    assert normalizer.feature_names_in_[0] == "HOCOMOCO.AHR_HUMAN.H11MO.0.B"
    np.testing.assert_allclose(normalizer.reference_log2_[0], -4.55088 / LN2)
    energies = rng.normal(-6, 3, size=(20, normalizer.n_features_in_))
    out = normalizer.transform(energies)
    assert out.shape == energies.shape
    assert out.min() == 0 and out.max() == 10


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"quantile": 1.5}, r"'quantile' parameter .* range \[0, 1\]. Got 1.5"),
        ({"quantile": "max"}, r"'quantile' parameter .* Got 'max'"),
        ({"min_energy": 0.0}, r"'min_energy' parameter .* negative float"),
        ({"min_energy": -np.inf}, r"'min_energy' parameter .* Got -inf"),
        ({"quantile": True}, r"'quantile' parameter .* Got True"),
        ({"max_value": -1.0}, r"'max_value' parameter .* positive float"),
        ({"max_value": np.nan}, r"'max_value' parameter"),
    ],
)
def test_invalid_parameters_are_rejected_in_fit(params, match):
    with pytest.raises(ValueError, match=match):
        EnergyNormalizer(**params).fit(PINNED)
    with pytest.raises(ValueError, match=match):
        EnergyNormalizer.from_quantile_table(_table({"1": [-1.0]}, ["m"]), **params)


@pytest.mark.parametrize(
    ("energies", "error", "match"),
    [
        (np.zeros(5), ValueError, r"must be 2-D \(n_seqs, n_motifs\), got shape \(5,\)"),
        (np.zeros((0, 2)), ValueError, "0 rows"),
        (np.array([[0.0], [np.inf]]), ValueError, r"\+inf at row 1, column 0"),
        (np.array([["a"]]), TypeError, "numeric matrix"),
        (pd.DataFrame([[0.0, 1.0]], columns=["a", "a"]), ValueError, "repeated: 'a'"),
    ],
)
def test_bad_background_is_rejected(energies, error, match):
    with pytest.raises(error, match=match):
        EnergyNormalizer().fit(energies)


def test_transform_column_mismatch_errors(rng):
    background = pd.DataFrame(rng.normal(size=(10, 2)), columns=["a", "b"])
    normalizer = EnergyNormalizer().fit(background)
    with pytest.raises(ValueError, match=r"missing: \['b'\]; unexpected: \['z'\]"):
        normalizer.transform(pd.DataFrame({"a": [0.0], "z": [0.0]}))
    with pytest.raises(ValueError, match=r"has 3 columns but .* fitted on 2 motifs"):
        normalizer.transform(np.zeros((1, 3)))
    with pytest.raises(NotFittedError):
        EnergyNormalizer().transform(background)


def test_quantile_table_errors(tmp_path):
    table = _table({"0.99": [-3.0], "1": [-1.0]}, ["m"])
    with pytest.raises(ValueError, match=r"no column for quantile 0.5; available levels: 0.99, 1"):
        EnergyNormalizer.from_quantile_table(table, quantile=0.5)
    with pytest.raises(ValueError, match=r"not in the quantile table: 'GATA1', 'SOX2'"):
        EnergyNormalizer.from_quantile_table(table, motifs=["m", "GATA1", "SOX2"])
    with pytest.raises(TypeError, match="list of motif names, got the single string 'm'"):
        EnergyNormalizer.from_quantile_table(table, motifs="m")
    with pytest.raises(ValueError, match="motifs must be unique; repeated: 'm'"):
        EnergyNormalizer.from_quantile_table(table, motifs=["m", "m"])
    with pytest.raises(ValueError, match="motif names of the quantile table must be unique"):
        EnergyNormalizer.from_quantile_table(pd.concat([table, table]))
    with pytest.raises(TypeError, match=r"must be a DataFrame .* got ndarray"):
        EnergyNormalizer.from_quantile_table(np.zeros((2, 2)))


def test_rounding_residue_background_range_gives_zero():
    # equal energies up to rounding (e.g. sums of the same windows in another order): the
    # residue must not be stretched to [0, 10]
    background = LN2 * np.array([[-3.0, -20.0], [np.nextafter(-3.0, -4.0), -20.0 * (1 + 1e-15)]])
    assert (np.ptp(background, axis=0) > 0).all()
    normalizer = EnergyNormalizer().fit(background)
    np.testing.assert_array_equal(normalizer.range_low_, normalizer.range_high_)
    np.testing.assert_array_equal(normalizer.transform(background), 0)
    np.testing.assert_array_equal(normalizer.transform(LN2 * np.array([[-1.0, -19.0]])), 0)


def test_near_constant_background_with_real_spread_is_stretched():
    background = LN2 * np.array([[-3.0], [-3.0 - 1e-6], [-3.0 - 2e-6]])
    normalizer = EnergyNormalizer().fit(background)
    assert normalizer.range_high_[0] - normalizer.range_low_[0] == pytest.approx(2e-6, rel=1e-6)
    np.testing.assert_allclose(normalizer.transform(background).ravel(), [10, 5, 0], atol=1e-6)
