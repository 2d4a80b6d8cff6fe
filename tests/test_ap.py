"""Tests of iqmodel.ap: every step against numbers computed by hand (spec 9 and 7.3)."""

from __future__ import annotations

import json
import logging
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from iqmodel.ap import (
    APNormalizer,
    compare_normalizations,
    compute_dap,
    constitutive_normalize,
    detect_constitutive,
    norm01,
    probability_normalize,
    regional_normalize,
    tfidf,
    tfidf_probability,
)
from iqmodel.exceptions import IQModelWarning

PEAKS = ["p1", "p2", "p3", "p4"]


def _frame(columns: dict[str, list[float]], index=None) -> pd.DataFrame:
    values = next(iter(columns.values()))
    return pd.DataFrame(columns, index=index or PEAKS[: len(values)], dtype=float)


# Regional fixture: background u_p = sum_t (regional - peak)
#   p1: (12-2) + (12-2) = 20;  p2: (9-4) + (5-0) = 10;  p3: (6-1) + (8-3) = 10;
#   p4: (43-3) + (41-1) = 80
PEAK = _frame({"a": [2, 4, 1, 3], "b": [2, 0, 3, 1]})
REGIONAL = _frame({"a": [12, 9, 6, 43], "b": [12, 5, 8, 41]})

# Constitutive-step fixture (already column-normalised signal), constitutive = p1, p2.
SIGNAL = _frame({"a": [0.4, 0.2, 0.3, 0.1], "b": [0.2, 0.2, 0.1, 0.5]})
# c_a = 0.4 + 0.2 = 0.6, c_b = 0.2 + 0.2 = 0.4, c_ref = 0.5
# N' = N * c_ref / c_t: a * 5/6 = [1/3, 1/6, 1/4, 1/12]; b * 5/4 = [1/4, 1/4, 1/8, 5/8]
# / max(N') = 5/8, * max(N) = 0.5, i.e. N' * 4/5:
CONST_OUT = _frame({"a": [4 / 15, 2 / 15, 1 / 5, 1 / 15], "b": [1 / 5, 1 / 5, 1 / 10, 1 / 2]})


# --------------------------------------------------------------------------------------------
# regional normalisation


def test_regional_normalize_by_hand():
    result = regional_normalize(PEAK, REGIONAL)
    # u = [20, 10, 10, 80]; quantile_0.1 (linear) of sorted [10, 10, 20, 80] at position 0.3:
    # 10 + 0.3 * (10 - 10) = 10, so f = max(u / 10, 1) = [2, 1, 1, 8]
    np.testing.assert_allclose(result.background, [20, 10, 10, 80])
    assert result.reference == 10 and result.guard == "quantile"
    np.testing.assert_allclose(result.factor, [2, 1, 1, 8])
    # rows / f: p1 [1, 1], p2 [4, 0], p3 [1, 3], p4 [3/8, 1/8]
    # column sums: a = 1 + 4 + 1 + 3/8 = 51/8, b = 1 + 0 + 3 + 1/8 = 33/8
    np.testing.assert_allclose(result.column_sums, [51 / 8, 33 / 8])
    expected = _frame({"a": [8 / 51, 32 / 51, 8 / 51, 3 / 51], "b": [8 / 33, 0, 24 / 33, 1 / 33]})
    pd.testing.assert_frame_equal(result.normalized, expected, check_exact=False, rtol=1e-12)
    np.testing.assert_allclose(result.normalized.sum(), [1, 1])


def test_regional_quantile_level():
    # quantile_0.5 of [10, 10, 20, 80] at position 1.5: 10 + 0.5 * (20 - 10) = 15
    # f = max([20, 10, 10, 80] / 15, 1) = [4/3, 1, 1, 16/3]
    result = regional_normalize(PEAK, REGIONAL, minimal_quantile=0.5)
    assert result.reference == pytest.approx(15)
    np.testing.assert_allclose(result.factor, [4 / 3, 1, 1, 16 / 3])


def test_regional_rows_and_columns_matched_by_name():
    shuffled = REGIONAL.loc[["p3", "p1", "p4", "p2"], ["b", "a"]]
    result = regional_normalize(PEAK, shuffled)
    np.testing.assert_allclose(result.factor, [2, 1, 1, 8])


def test_regional_quantile_guard_smallest_positive():
    # u = [0, 0, 4, 12]: quantile_0.1 at position 0.3 is 0 -> smallest positive u = 4
    # f = max([0, 0, 4, 12] / 4, 1) = [1, 1, 1, 3]
    regional = PEAK + _frame({"a": [0, 0, 2, 6], "b": [0, 0, 2, 6]})
    with pytest.warns(
        IQModelWarning,
        match=r"the 0\.1 quantile of the regional background .* is 0 \(2 of 4 peaks have no "
        r"background\); the smallest positive background \(4\) is the reference instead",
    ) as record:
        result = regional_normalize(PEAK, regional)
    assert record[0].filename == __file__  # points at the regional_normalize call
    assert result.guard == "smallest_positive" and result.reference == 4
    np.testing.assert_allclose(result.factor, [1, 1, 1, 3])


def test_regional_quantile_guard_all_zero():
    with pytest.warns(
        IQModelWarning, match=r"regional background \(regional - peak\) is 0 for every peak"
    ):
        result = regional_normalize(PEAK, PEAK.copy())
    assert result.guard == "all_zero" and result.reference == np.inf
    np.testing.assert_array_equal(result.factor, 1.0)


def test_regional_quantile_guard_does_not_warn_on_a_positive_quantile(rng):
    peak, regional, _ = _synthetic(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IQModelWarning)
        result = regional_normalize(peak, regional)
        normalizer = APNormalizer().fit(peak, regional)
    assert result.guard == "quantile" and normalizer.report_["regional_guard"] == "quantile"


def test_regional_none_is_reported_and_only_column_normalises(caplog):
    with caplog.at_level(logging.INFO, logger="iqmodel.ap"):
        result = regional_normalize(PEAK)
    assert "regional normalisation skipped" in caplog.text
    assert result.guard == "none" and result.background is None and result.reference is None
    # column sums a = 10, b = 6
    np.testing.assert_allclose(result.normalized["a"], [0.2, 0.4, 0.1, 0.3])
    np.testing.assert_allclose(result.normalized["b"], [2 / 6, 0, 3 / 6, 1 / 6])


# --------------------------------------------------------------------------------------------
# constitutive detection

# lowest state m = [0.28, 0.25, 0.01, 0.05, 0.00]; sorted [0, 0.01, 0.05, 0.25, 0.28]
DETECT = pd.DataFrame(
    [
        [0.30, 0.28, 0.32],  # high everywhere, max/min = 0.32/0.28 = 1.143
        [0.25, 0.30, 0.27],  # high everywhere, max/min = 0.30/0.25 = 1.2
        [0.40, 0.01, 0.20],  # very high in one state only
        [0.05, 0.21, 0.11],
        [0.00, 0.20, 0.10],
    ],
    index=["p1", "p2", "p3", "p4", "p5"],
    columns=["a", "b", "c"],
)


def test_detect_constitutive_default_top_decile():
    # quantile_0.9 at position 3.6: 0.25 + 0.6 * (0.28 - 0.25) = 0.268 -> p1 only
    mask = detect_constitutive(DETECT)
    assert mask.name == "constitutive" and mask.dtype == bool
    assert mask[mask].index.tolist() == ["p1"]


def test_detect_constitutive_quantile_and_ratio():
    # quantile_0.6 at position 2.4: 0.05 + 0.4 * (0.25 - 0.05) = 0.13 -> p1, p2 (not p3)
    assert detect_constitutive(DETECT, 0.6).index[detect_constitutive(DETECT, 0.6)].tolist() == [
        "p1",
        "p2",
    ]
    # max/min <= 1.15 keeps p1 (1.143) and drops p2 (1.2)
    mask = detect_constitutive(DETECT, 0.6, max_ratio=1.15)
    assert mask[mask].index.tolist() == ["p1"]


def test_detect_constitutive_none_found():
    with pytest.raises(ValueError, match=r"max/min <= 1.1\b"):
        detect_constitutive(DETECT, 0.6, max_ratio=1.1)
    zero = DETECT.copy()
    zero["a"] = 0.0
    with pytest.raises(ValueError, match="no peak has signal in every state"):
        detect_constitutive(zero)


# --------------------------------------------------------------------------------------------
# constitutive normalisation


@pytest.mark.parametrize(
    "constitutive",
    [
        ["p1", "p2"],
        [True, True, False, False],
        pd.Series([False, True, True, False], index=["p4", "p1", "p2", "p3"]),
    ],
)
def test_constitutive_normalize_by_hand(constitutive):
    out = constitutive_normalize(SIGNAL, constitutive)
    pd.testing.assert_frame_equal(out, CONST_OUT, check_exact=False, rtol=1e-12)


def test_constitutive_normalize_anchor():
    # c_ref = c_a = 0.6: a unchanged, b * 0.6/0.4 = [0.3, 0.3, 0.15, 0.75]; / max 0.75;
    # * max(N[:, a]) = 0.4, i.e. * 8/15
    expected = _frame(
        {"a": [16 / 75, 8 / 75, 4 / 25, 4 / 75], "b": [4 / 25, 4 / 25, 2 / 25, 2 / 5]}
    )
    out = constitutive_normalize(SIGNAL, ["p1", "p2"], anchor="a")
    pd.testing.assert_frame_equal(out, expected, check_exact=False, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# probability normalisation


def test_probability_normalize_by_hand():
    # constitutive entries (p1, p2) of CONST_OUT: [4/15, 1/5, 2/15, 1/5], sorted
    # [2/15, 1/5, 1/5, 4/15]; quantile_0.9 at position 2.7: 1/5 + 0.7 * (4/15 - 1/5) = 37/150
    # P = min(N' * 150/37, 1): a = [1, 20/37, 30/37, 10/37]; b = [30/37, 30/37, 15/37, 1]
    # norm01: a: (x - 10/37) / (27/37); b: (x - 15/37) / (22/37)
    expected = _frame({"a": [1, 10 / 27, 20 / 27, 0], "b": [15 / 22, 15 / 22, 0, 1]})
    out = probability_normalize(CONST_OUT, ["p1", "p2"])
    pd.testing.assert_frame_equal(out, expected, check_exact=False, rtol=1e-12)


def test_probability_normalize_given_threshold():
    # T = 0.25: a = [16/15 -> 1, 8/15, 4/5, 4/15]; b = [4/5, 4/5, 2/5, 2 -> 1]
    # norm01: a: (x - 4/15) / (11/15); b: (x - 2/5) / (3/5)
    expected = _frame({"a": [1, 4 / 11, 8 / 11, 0], "b": [2 / 3, 2 / 3, 0, 1]})
    out = probability_normalize(CONST_OUT, prob1_thresh=0.25)
    pd.testing.assert_frame_equal(out, expected, check_exact=False, rtol=1e-12)


def test_probability_step_constant_column():
    with pytest.raises(ValueError, match=r"column 'a' is constant .*raise prob1_thresh"):
        probability_normalize(CONST_OUT, prob1_thresh=0.01)


# --------------------------------------------------------------------------------------------
# norm01


def test_norm01_types_and_constant_columns():
    np.testing.assert_allclose(norm01(np.array([2.0, 4.0, 3.0])), [0, 1, 0.5])
    series = norm01(pd.Series([5.0, 1.0, 3.0], index=list("xyz"), name="s"))
    assert series.name == "s" and series.tolist() == [1.0, 0.0, 0.5]
    frame = pd.DataFrame({"u": [1.0, 3.0], "k": [2.0, 2.0]})
    with pytest.raises(ValueError, match=r"column 'k' is constant \(2.0\)"):
        norm01(frame)
    out = norm01(frame, constant="zero")
    assert out["u"].tolist() == [0.0, 1.0] and out["k"].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="constant must be 'raise' or 'zero'"):
        norm01(frame, constant="nan")


# --------------------------------------------------------------------------------------------
# APNormalizer

# Docstring fixture, no regional signal, constitutive p1:
# columns a = [9, 1, 0, 4] / 14, b = [8, 2, 1, 0] / 11; c_a = 9/14, c_b = 8/11, so after
# N * c_ref / c_t both p1 entries equal c_ref = max(N'); N' / max(N') = column / its p1 value:
# a = [1, 1/9, 0, 4/9], b = [1, 2/8, 1/8, 0]; times max(N) = max(9/14, 8/11) = 8/11; T = 8/11
# (both constitutive entries), so P = the same fractions, and norm01 keeps them (min 0, max 1).
SMALL = _frame({"a": [9, 1, 0, 4], "b": [8, 2, 1, 0]})
SMALL_AP = _frame({"a": [1, 1 / 9, 0, 4 / 9], "b": [1, 1 / 4, 1 / 8, 0]})


def test_apnormalizer_by_hand():
    normalizer = APNormalizer(constitutive=["p1"])
    out = normalizer.fit_transform(SMALL)
    pd.testing.assert_frame_equal(out, SMALL_AP, check_exact=False, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(normalizer.column_sums_, [14, 11])
    np.testing.assert_allclose(normalizer.constitutive_totals_, [9 / 14, 8 / 11])
    assert normalizer.constitutive_reference_ == pytest.approx((9 / 14 + 8 / 11) / 2)
    assert normalizer.const_scale_ == pytest.approx(8 / 11)  # max(N) = max(9/14, 8/11)
    assert normalizer.prob1_thresh_ == pytest.approx(8 / 11)
    assert normalizer.report_["regional_normalization"] is False
    assert normalizer.report_["n_zero_peaks"] == 0
    assert normalizer.report_["constitutive_source"] == "given"
    assert normalizer.regional_reference_ is None


def test_apnormalizer_stages_match_the_step_functions():
    normalizer = APNormalizer(const_quantile=0.5).fit(PEAK, REGIONAL)
    regional = regional_normalize(PEAK, REGIONAL).normalized
    const = detect_constitutive(regional, 0.5)
    const_out = constitutive_normalize(regional, const)
    pd.testing.assert_series_equal(normalizer.constitutive_, const)
    pd.testing.assert_frame_equal(normalizer.stages_["regional"], regional)
    pd.testing.assert_frame_equal(normalizer.stages_["constitutive"], const_out)
    pd.testing.assert_frame_equal(normalizer.stages_["ap"], probability_normalize(const_out, const))
    # m = min per peak of the regional stage = [8/51, 0, 8/51, 1/33]; quantile_0.5 of sorted
    # [0, 1/33, 8/51, 8/51] = (1/33 + 8/51) / 2 -> p1 and p3
    assert normalizer.constitutive_peaks_ == ["p1", "p3"] and normalizer.n_constitutive_ == 2
    report = normalizer.report_
    assert report["regional_normalization"] is True and report["n_downweighted"] == 2
    assert report["regional_reference"] == 10 and report["constitutive_source"] == "detected"


def _synthetic(rng, n_peaks=300, n_const=30, states=("s1", "s2", "s3", "s4")):
    """Planted counts: constitutive peaks (true AP 1) and variable ones (AP in [0, 0.6]).

    Each peak has a regional bias ``b`` (e.g. GC content) that multiplies both its own signal
    and its background; each state has a sequencing depth.
    """
    depth = np.array([1.0, 2.5, 0.6, 1.7])[: len(states)]
    n_variable = n_peaks - n_const
    true_ap = np.vstack(
        [
            np.ones((n_const, len(states))),
            rng.uniform(0, 0.6, (n_variable, len(states))) * (rng.random((n_variable, 1)) < 0.8),
        ]
    )
    bias = rng.lognormal(0.0, 0.4, size=(n_peaks, 1))
    names = [f"peak{i}" for i in range(n_peaks)]
    peak = pd.DataFrame(
        rng.poisson(200 * true_ap * bias * depth), index=names, columns=list(states), dtype=float
    )
    regional = peak + rng.poisson(4000 * bias * depth)
    return peak, regional, names[:n_const]


def test_property_ap_in_unit_range_and_constitutive_near_one(rng):
    for _ in range(3):
        peak, regional, planted = _synthetic(rng)
        normalizer = APNormalizer()
        ap = normalizer.fit_transform(peak, regional)
        assert ((ap >= 0) & (ap <= 1)).all().all()
        np.testing.assert_allclose(ap.min(), 0.0) and np.testing.assert_allclose(ap.max(), 1.0)
        detected = normalizer.constitutive_peaks_
        assert set(detected) <= set(planted) and len(detected) >= 25
        assert ap.loc[detected].to_numpy().mean() > 0.85
        assert ap.loc[planted].median().min() > 0.8
        assert ap.drop(index=planted).median().max() < 0.35


def test_transform_equals_fit_on_training_data_and_is_row_independent(rng):
    peak, regional, _ = _synthetic(rng)
    normalizer = APNormalizer().fit(peak, regional)
    full = normalizer.transform(peak, regional)
    pd.testing.assert_frame_equal(full, normalizer.stages_["ap"], check_exact=True)
    rows = ["peak7", "peak250", "peak3"]
    pd.testing.assert_frame_equal(
        normalizer.transform(peak.loc[rows], regional.loc[rows]), full.loc[rows]
    )
    one = normalizer.transform(peak.loc[["peak100"]], regional.loc[["peak100"]])
    pd.testing.assert_frame_equal(one, full.loc[["peak100"]])
    # states in another order come back in the fitted order
    reordered = normalizer.transform(peak.iloc[:, ::-1], regional.iloc[:, ::-1])
    pd.testing.assert_frame_equal(reordered, full)
    # new, more extreme peaks stay in [0, 1]
    extreme = pd.DataFrame([[1e6, 0, 5, 1e3]], index=["new"], columns=peak.columns)
    out = normalizer.transform(extreme, extreme + 10.0)
    assert ((out >= 0) & (out <= 1)).all().all()


def test_to_dict_from_dict_round_trip(rng):
    peak, regional, _ = _synthetic(rng)
    normalizer = APNormalizer(anchor="s2", const_max_ratio=3.0).fit(peak, regional)
    data = json.loads(json.dumps(normalizer.to_dict()))
    loaded = APNormalizer.from_dict(data)
    pd.testing.assert_frame_equal(
        loaded.transform(peak, regional), normalizer.transform(peak, regional)
    )
    assert loaded.get_params() == {**normalizer.get_params(), "constitutive": None}
    assert loaded.to_dict() == data
    # the all-zero guard (inf reference) survives JSON too
    with pytest.warns(IQModelWarning, match="is 0 for every peak") as record:
        flat = APNormalizer(constitutive=peak.index[:30]).fit(peak, peak.copy())
    assert record[0].filename == __file__  # points at the fit call
    data = json.loads(json.dumps(flat.to_dict()))
    assert data["regional_reference"] is None and data["params"]["constitutive"][0] == "peak0"
    again = APNormalizer.from_dict(data)
    assert again.regional_reference_ == np.inf
    pd.testing.assert_frame_equal(again.transform(peak, peak), flat.transform(peak, peak))


def test_sklearn_contract(rng):
    peak, _, _ = _synthetic(rng, n_peaks=60, n_const=6)
    normalizer = APNormalizer(prob1_thresh=0.002)
    with pytest.raises(NotFittedError):
        normalizer.transform(peak)
    fitted = normalizer.fit(peak)
    assert clone(fitted).get_params() == fitted.get_params()
    restored = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(restored.transform(peak), fitted.transform(peak))
    assert fitted.report_["prob1_source"] == "given" and fitted.prob1_thresh_ == 0.002
    assert list(fitted.get_feature_names_out()) == ["s1", "s2", "s3", "s4"]


def test_zero_peaks_are_counted(caplog):
    peak = pd.concat([SMALL, _frame({"a": [0], "b": [0]}, index=["p5"])])
    with caplog.at_level(logging.INFO, logger="iqmodel.ap"):
        normalizer = APNormalizer(constitutive=["p1"]).fit(peak)
    assert normalizer.report_["n_zero_peaks"] == 1 and "zero signal" in caplog.text
    assert normalizer.stages_["ap"].loc["p5"].tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------------------------
# dAP


def test_compute_dap_by_hand():
    ap = pd.DataFrame({"a": [0.2, 0.6, 1.0], "b": [0.5, 0.5, 1.0]}, index=["x", "y", "z"])
    # norm01(a) = [0, 0.5, 1]; norm01(b) = [0, 0, 1]
    dap = compute_dap(ap, "a", "b")
    assert dap.name == "dap" and dap.index.tolist() == ["x", "y", "z"]
    np.testing.assert_allclose(dap, [0.0, -0.5, 0.0])
    np.testing.assert_allclose(compute_dap(ap, "a", "b", normalize=False), [0.3, -0.1, 0.0])
    # start = mean(a, b) = [0.35, 0.55, 1.0] -> norm01 = [0, 0.2/0.65, 1]; end = norm01(b)
    np.testing.assert_allclose(compute_dap(ap, ["a", "b"], "b"), [0.0, -0.2 / 0.65, 0.0])


def test_compute_dap_errors():
    ap = pd.DataFrame({"a": [0.2, 0.6], "b": [0.5, 0.5]}, index=["x", "y"])
    with pytest.raises(ValueError, match=r"end: unknown state\(s\) 'c'; available states: 'a'"):
        compute_dap(ap, "a", "c")
    with pytest.raises(ValueError, match=r"end state: column 'b' is constant.*normalize=False"):
        compute_dap(ap, "a", "b")


# --------------------------------------------------------------------------------------------
# TF-IDF

# p0 has no count; TF = log(1 + 1e4 * count / column sum) with sums a = 4, b = 4;
# df = [0, 1, 2, 2] states with a count; IDF = log(1 + 2 / df) -> p1 log 3, p2 and p3 log 2
COUNTS = _frame({"a": [0, 1, 1, 2], "b": [0, 0, 2, 2]}, index=["p0", "p1", "p2", "p3"])
L2501, L5001, L2, L3 = np.log(2501), np.log(5001), np.log(2), np.log(3)


def test_tfidf_by_hand():
    expected = _frame(
        {
            "a": [0.0, L2501 * L3, L2501 * L2, L5001 * L2],  # TF_a = 1/4, 1/4, 1/2
            "b": [0.0, 0.0, L5001 * L2, L5001 * L2],  # TF_b = 0, 1/2, 1/2
        },
        index=["p0", "p1", "p2", "p3"],
    )
    pd.testing.assert_frame_equal(tfidf(COUNTS), expected, check_exact=False, rtol=1e-12)


def test_tfidf_probability_by_hand():
    # constitutive p2, p3. a: quantile_0.6 of [L2501 L2, L5001 L2] = L2 (0.4 L2501 + 0.6 L5001);
    # b: both L5001 L2. p1_a = L2501 L3 > threshold -> 1; p3 -> 1; all columns have min 0, max 1
    threshold_a = L2 * (0.4 * L2501 + 0.6 * L5001)
    expected = _frame(
        {"a": [0.0, 1.0, L2501 * L2 / threshold_a, 1.0], "b": [0.0, 0.0, 1.0, 1.0]},
        index=["p0", "p1", "p2", "p3"],
    )
    out = tfidf_probability(COUNTS, ["p2", "p3"])
    pd.testing.assert_frame_equal(out, expected, check_exact=False, rtol=1e-12)


def test_compare_normalizations_by_hand():
    # a, b: deviations [-1.5, -0.5, 0.5, 1.5] and [-1.5, 0.5, -0.5, 1.5]:
    # r = (2.25 - 0.25 - 0.25 + 2.25) / 5 = 0.8; c = reversed a: r(a, c) = -1
    matrix = _frame({"a": [1, 2, 3, 4], "b": [1, 3, 2, 4], "c": [4, 3, 2, 1]})
    result = compare_normalizations({"raw": matrix, "twice": 2 * matrix})
    assert list(result) == ["raw", "twice"]
    expected = [[1.0, 0.8, -1.0], [0.8, 1.0, -0.8], [-1.0, -0.8, 1.0]]
    np.testing.assert_allclose(result["raw"], expected, atol=1e-12)
    pd.testing.assert_frame_equal(result["twice"], result["raw"])
    # groups: g1 = mean(a, b) = [1, 2.5, 2.5, 4] (deviations [-1.5, 0, 0, 1.5]), g2 = c
    # (deviations [1.5, 0.5, -0.5, -1.5]): r = -4.5 / sqrt(4.5 * 5) = -3 / sqrt(10)
    grouped = compare_normalizations({"raw": matrix}, groups={"a": "g1", "b": "g1", "c": "g2"})
    assert grouped["raw"].index.tolist() == ["g1", "g2"]
    r = -3 / np.sqrt(10)
    np.testing.assert_allclose(grouped["raw"], [[1, r], [r, 1]], atol=1e-12)


def test_compare_normalizations_errors():
    matrix = _frame({"a": [1, 2, 3], "b": [2, 1, 2]})
    with pytest.raises(ValueError, match=r"no group for state\(s\) 'b'"):
        compare_normalizations({"m": matrix}, groups={"a": "g"})
    with pytest.raises(ValueError, match="non-empty dict"):
        compare_normalizations({})
    with pytest.raises(ValueError, match=r"matrices\['m'\]: column 'b' is constant"):
        compare_normalizations({"m": matrix.assign(b=1.0)})


# --------------------------------------------------------------------------------------------
# errors


def test_error_negative_value_names_peak_and_state():
    bad = PEAK.copy()
    bad.loc["p3", "b"] = -1.0
    with pytest.raises(ValueError, match=r"negative value \(-1.0\) for peak 'p3' in state 'b'"):
        APNormalizer().fit(bad)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_error_non_finite(value):
    bad = PEAK.copy()
    bad.loc["p2", "a"] = value
    with pytest.raises(ValueError, match=r"non-finite value \((nan|inf)\) for peak 'p2' in st"):
        regional_normalize(bad)


def test_error_regional_index_mismatch():
    regional = REGIONAL.rename(index={"p4": "p9"})
    with pytest.raises(
        ValueError,
        match=r"peaks in peak but not in regional: \['p4'\]; peaks "
        r"in regional but not in peak: \['p9'\]",
    ):
        APNormalizer().fit(PEAK, regional)


def test_error_regional_columns_mismatch():
    with pytest.raises(ValueError, match=r"states in peak but not in regional: \['b'\]"):
        regional_normalize(PEAK, REGIONAL[["a"]])


def test_error_regional_smaller_than_peak():
    with pytest.raises(
        ValueError,
        match=r"regional \(0.5\) is smaller than peak \(2.0\) for "
        r"peak 'p1' in state 'a'",
    ):
        regional_normalize(PEAK, REGIONAL.assign(a=[0.5, 9, 6, 43]))


def test_error_empty_input():
    with pytest.raises(ValueError, match=r"peak is empty \(shape \(0, 2\)\)"):
        APNormalizer().fit(PEAK.iloc[:0])


def test_error_fewer_than_two_peaks():
    with pytest.raises(
        ValueError, match=r"peak has 1 peak.* fitting APNormalizer needs at least 2"
    ):
        APNormalizer().fit(PEAK.iloc[:1])


def test_error_state_sum_zero():
    with pytest.raises(ValueError, match=r"state\(s\) 'b' have no signal in any peak"):
        APNormalizer().fit(PEAK.assign(b=0.0))
    with pytest.raises(ValueError, match=r"state\(s\) 'a' have no signal"):
        tfidf(COUNTS.assign(a=0.0))


def test_error_not_a_dataframe_and_duplicate_peaks():
    with pytest.raises(TypeError, match="must be a pandas DataFrame of peaks x states"):
        APNormalizer().fit(PEAK.to_numpy())
    with pytest.raises(ValueError, match=r"peak names \(index\) of peak must be unique.*'p1'"):
        APNormalizer().fit(PEAK.rename(index={"p2": "p1"}))


def test_error_constitutive_names_and_masks():
    with pytest.raises(ValueError, match=r"names 2 peak\(s\) that are not in the signal: 'x', 'y'"):
        constitutive_normalize(SIGNAL, ["p1", "x", "y"])
    with pytest.raises(ValueError, match="has 3 entries but there are 4 peaks"):
        constitutive_normalize(SIGNAL, [True, False, True])
    with pytest.raises(ValueError, match="selects no peak"):
        APNormalizer(constitutive=[False] * 4).fit(PEAK)
    with pytest.raises(TypeError, match="single string 'p1'"):
        constitutive_normalize(SIGNAL, "p1")
    with pytest.raises(ValueError, match="constitutive is required"):
        probability_normalize(SIGNAL)


def test_error_constitutive_without_signal_in_a_state():
    with pytest.raises(ValueError, match=r"no signal in state\(s\) 'b'"):
        constitutive_normalize(SIGNAL.assign(b=[0, 0, 0.5, 0.5]), ["p1", "p2"])


def test_error_unknown_anchor():
    with pytest.raises(ValueError, match=r"anchor: unknown state\(s\) 'z'; available states"):
        APNormalizer(anchor="z").fit(PEAK)


def test_error_transform_states_and_regional(rng):
    normalizer = APNormalizer(constitutive=["p1"]).fit(SMALL)
    with pytest.raises(ValueError, match=r"missing: \['b'\]; unexpected: \['c'\]"):
        normalizer.transform(SMALL.rename(columns={"b": "c"}))
    with pytest.raises(ValueError, match="fitted without regional signal"):
        normalizer.transform(SMALL, SMALL + 1)
    with_regional = APNormalizer().fit(PEAK, REGIONAL)
    with pytest.raises(ValueError, match="fitted with regional signal, so transform needs it"):
        with_regional.transform(PEAK)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"minimal_quantile": 1.5}, r"'minimal_quantile' parameter.*range \[0, 1\]"),
        ({"prob_quantile": 0.0}, r"'prob_quantile' parameter.*range \(0, 1\]"),
        ({"prob1_thresh": -1.0}, r"'prob1_thresh' parameter.*positive float"),
        ({"const_max_ratio": 0.5}, r"'const_max_ratio' parameter.*>= 1.0"),
        ({"anchor": 3}, r"'anchor' parameter.*state name"),
    ],
)
def test_error_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        APNormalizer(**params).fit(PEAK)


def test_error_from_dict():
    with pytest.raises(ValueError, match="not an APNormalizer dict"):
        APNormalizer.from_dict({"format": "other"})
    data = APNormalizer(constitutive=["p1"]).fit(SMALL).to_dict()
    with pytest.raises(ValueError, match="version 99 is not supported"):
        APNormalizer.from_dict({**data, "version": 99})
    del data["ap_max"]
    with pytest.raises(ValueError, match="missing 'ap_max'"):
        APNormalizer.from_dict(data)
