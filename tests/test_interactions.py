from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from iqmodel.additional_features import DINUCLEOTIDE_FEATURES
from iqmodel.interactions import PAIR_COLUMNS, InteractionSet, _fitted_set, select_interactions


def _energies(rng, columns, n=600) -> pd.DataFrame:
    """Independent uniform inputs on [0, 10]."""
    return pd.DataFrame(
        rng.uniform(0, 10, (n, len(columns))),
        columns=list(columns),
        index=[f"peak{i}" for i in range(n)],
    )


def _target(energies: pd.DataFrame, terms: dict[str, float], intercept=-3.0) -> np.ndarray:
    """``sigmoid(intercept + sum coef * product of the named columns)``; "a*b" is a product."""
    eta = np.full(len(energies), intercept)
    for term, coef in terms.items():
        eta += coef * np.prod([energies[name] for name in term.split("*")], axis=0)
    return expit(eta)


def _terms(interactions: InteractionSet) -> list[frozenset]:
    pairs = interactions.pairs
    return [frozenset(pair) for pair in zip(pairs.term1, pairs.term2, strict=True)]


@pytest.fixture
def planted(rng):
    """Six motifs and GC; the target depends on a, b and a*b only."""
    energies = _energies(rng, ["a", "b", "c", "d", "e", "f", "gc_content"])
    y = _target(energies, {"a": 0.2, "b": 0.2, "a*b": 0.05})
    return energies, y, ["a", "b", "c", "d", "e", "f"]


# --- selection -----------------------------------------------------------------------------


def test_planted_product_is_selected_first(planted):
    energies, y, motifs = planted
    everything = select_interactions(
        energies, y, motif_names=motifs, only_significant_partners=False, threshold=0.0
    )
    assert len(everything) > 10
    best = select_interactions(
        energies,
        y,
        motif_names=motifs,
        only_significant_partners=False,
        threshold=0.0,
        max_interactions=1,
    )
    assert best.pairs["name"].tolist() == ["a:b"]


def test_planted_product_with_default_settings(planted):
    energies, y, motifs = planted
    interactions = select_interactions(energies, y, motif_names=motifs)
    assert "a:b" in interactions.pairs["name"].tolist()
    assert frozenset("ab") in _terms(interactions)


def test_constants_and_transform_on_fitting_rows(planted):
    energies, y, motifs = planted
    interactions = select_interactions(
        energies, y, motif_names=motifs, only_significant_partners=False, threshold=0.0
    )
    out = interactions.transform(energies)
    assert list(out.columns) == interactions.pairs["name"].tolist()
    assert out.index.equals(energies.index)
    for row in interactions.pairs.itertuples():
        product = energies[row.term1] * energies[row.term2]
        scaled = product / product.max()
        expected = (scaled - scaled.min()) / (scaled.max() - scaled.min())
        assert row.inter_max == product.max()
        assert (row.norm_min, row.norm_max) == (scaled.min(), scaled.max())
        np.testing.assert_allclose(out[row.name], expected, rtol=1e-12, atol=1e-15)
        assert out[row.name].min() == 0.0
        assert out[row.name].max() == 1.0


def test_transform_is_row_independent(planted):
    energies, y, motifs = planted
    interactions = select_interactions(
        energies, y, motif_names=motifs, only_significant_partners=False, threshold=0.0
    )
    full = interactions.transform(energies)
    rows = [17, 3, 599, 42]
    pd.testing.assert_frame_equal(interactions.transform(energies.iloc[rows]), full.iloc[rows])


def test_transform_clips_out_of_range_rows(planted):
    energies, y, motifs = planted
    interactions = select_interactions(energies, y, motif_names=motifs)
    new = pd.DataFrame({name: [0.0, 10.0, 50.0] for name in energies.columns})
    out = interactions.transform(new)
    assert ((out >= 0) & (out <= 1)).all().all()
    np.testing.assert_array_equal(out.iloc[0], 0.0)
    np.testing.assert_array_equal(out.iloc[2], 1.0)


def test_transform_ignores_extra_columns_and_order(planted):
    energies, y, motifs = planted
    interactions = select_interactions(energies, y, motif_names=motifs)
    shuffled = energies[energies.columns[::-1]].assign(extra=1.0)
    pd.testing.assert_frame_equal(
        interactions.transform(shuffled), interactions.transform(energies)
    )


def test_constant_product_is_zero(rng):
    energies = _energies(rng, ["a", "b", "zero"])
    energies["zero"] = 0.0
    y = _target(energies, {"a": 0.3, "b": 0.3})
    interactions = select_interactions(
        energies, y, motif_names=["a", "b", "zero"], only_significant_partners=False
    )
    pairs = interactions.pairs.set_index("name")
    assert pairs.loc["a:zero", ["inter_max", "norm_min", "norm_max"]].tolist() == [1.0, 0.0, 0.0]
    assert (interactions.transform(energies)[["a:zero", "b:zero"]] == 0).all().all()
    assert (interactions.transform(energies + 1)[["a:zero", "b:zero"]] == 0).all().all()


def test_pairs_are_unordered_and_unique(planted):
    energies, y, _ = planted
    interactions = select_interactions(
        energies[["a", "b", "c", "d", "gc_content"]],
        y,
        motif_names=["a", "b", "c", "d"],
        only_significant_partners=False,
        threshold=0.0,
    )
    terms = _terms(interactions)
    assert len(set(terms)) == len(terms)
    assert all(len(pair) == 2 for pair in terms)
    assert interactions.pairs["name"].is_unique
    # 4 motifs and GC, all significant at threshold 0: C(5, 2) pairs
    assert len(interactions) == 10


def test_name_is_anchor_then_partner(rng):
    energies = _energies(rng, ["a", "b", "c"])
    y = _target(energies, {"c": 0.5})
    interactions = select_interactions(
        energies, y, motif_names=["a", "b", "c"], only_significant_partners=False, threshold=0.05
    )
    assert interactions.pairs["name"].tolist() == ["c:a", "c:b"]
    assert interactions.pairs["term1"].tolist() == ["c", "c"]


def test_only_significant_partners(planted):
    energies, y, motifs = planted
    significant_only = select_interactions(energies, y, motif_names=motifs, threshold=0.05)
    assert significant_only.pairs["name"].tolist() == ["a:b"]
    all_partners = select_interactions(
        energies, y, motif_names=motifs, threshold=0.05, only_significant_partners=False
    )
    assert set(all_partners.pairs["term1"]) == {"a", "b"}
    assert {"a:c", "b:f"} <= set(all_partners.pairs["name"])
    assert "gc_content" not in set(all_partners.pairs["term2"])


def test_feature_anchor_pairs_with_motifs_and_other_features(rng):
    energies = _energies(rng, ["m1", "m2", "k27ac", "k4me3", "CG"])
    y = _target(energies, {"k27ac": 0.4, "CG": 0.4})
    interactions = select_interactions(energies, y, motif_names=["m1", "m2"], threshold=0.05)
    assert interactions.pairs["name"].tolist() == ["k27ac:m1", "k27ac:m2", "k27ac:k4me3"]


def test_two_significant_features_pair_once(rng):
    energies = _energies(rng, ["m1", "f1", "f2"])
    y = _target(energies, {"f1": 0.3, "f2": 0.3})
    interactions = select_interactions(energies, y, motif_names=["m1"], threshold=0.05)
    assert interactions.pairs["name"].tolist() == ["f1:m1", "f1:f2", "f2:m1"]


def test_dinucleotides_are_never_anchors_or_partners(rng):
    energies = _energies(rng, ["a", "b", "gc_content", *DINUCLEOTIDE_FEATURES], n=800)
    y = _target(energies, {"AA": 0.4, "CG": -0.4, "a": 0.2, "b": 0.2, "a*AA": 0.02})
    interactions = select_interactions(
        energies, y, motif_names=["a", "b"], threshold=0.0, only_significant_partners=False
    )
    used = set(interactions.pairs["term1"]) | set(interactions.pairs["term2"])
    assert used == {"a", "b", "gc_content"}
    assert len(interactions) == 3


def test_custom_ignore_list(planted):
    energies, y, motifs = planted
    interactions = select_interactions(
        energies, y, motif_names=motifs, threshold=0.0, ignore=["b", "gc_content"]
    )
    used = set(interactions.pairs["term1"]) | set(interactions.pairs["term2"])
    assert used == {"a", "c", "d", "e", "f"}


def test_cap_keeps_largest_absolute_correlations(rng):
    names = [f"m{i}" for i in range(8)]
    energies = _energies(rng, names, n=400)
    y = _target(energies, {"m0*m1": 0.04, "m2*m3": -0.04, "m4": 0.1, "m5": -0.1})
    uncapped = select_interactions(
        energies, y, motif_names=names, threshold=0.0, only_significant_partners=False
    )
    assert len(uncapped) == 28
    columns = uncapped.transform(energies)
    strength = columns.apply(lambda column: abs(np.corrcoef(column, y)[0, 1]))
    capped = select_interactions(
        energies,
        y,
        motif_names=names,
        threshold=0.0,
        only_significant_partners=False,
        max_interactions=5,
    )
    assert len(capped) == 5
    assert set(capped.pairs["name"]) == set(strength.nlargest(5).index)
    # kept in construction order, with the constants of the uncapped fit
    kept = uncapped.pairs[uncapped.pairs["name"].isin(capped.pairs["name"])]
    pd.testing.assert_frame_equal(capped.pairs, kept.reset_index(drop=True))


def test_default_cap_is_ten_per_usable_input(rng):
    names = [f"m{i}" for i in range(24)]
    energies = _energies(rng, [*names, "AA"], n=300)
    y = _target(energies, dict(zip(names, rng.normal(0, 0.1, len(names)), strict=True)))
    interactions = select_interactions(
        energies, y, motif_names=names, threshold=0.0, only_significant_partners=False
    )
    assert len(interactions) == 240  # C(24, 2) = 276 candidates, cap 10 * 24


def test_one_motif_model_has_no_interactions(rng):
    energies = _energies(rng, ["a", *DINUCLEOTIDE_FEATURES])
    y = _target(energies, {"a": 0.5, "AA": 0.3})
    assert len(select_interactions(energies, y, motif_names=["a"], threshold=0.0)) == 0


def test_single_column_has_no_interactions(rng):
    energies = _energies(rng, ["a"])
    interactions = select_interactions(energies, _target(energies, {"a": 0.5}), motif_names=["a"])
    assert len(interactions) == 0
    out = interactions.transform(energies)
    assert out.shape == (len(energies), 0)
    assert out.index.equals(energies.index)


def test_two_motif_model_gets_an_interaction(rng):
    energies = _energies(rng, ["a", "b"])
    y = _target(energies, {"a": 0.3, "b": -0.3})
    interactions = select_interactions(energies, y, motif_names=["a", "b"])
    assert interactions.pairs["name"].tolist() == ["a:b"]


def test_no_significant_anchor_gives_empty_set(planted):
    energies, y, motifs = planted
    assert len(select_interactions(energies, y, motif_names=motifs, threshold=10.0)) == 0
    flat = np.full(len(energies), 0.4)
    assert len(select_interactions(energies, flat, motif_names=motifs)) == 0


def test_single_significant_motif_with_significant_partners_only(rng):
    energies = _energies(rng, ["a", "b", "c"])
    y = _target(energies, {"a": 0.5})
    assert len(select_interactions(energies, y, motif_names=["a", "b", "c"], threshold=0.05)) == 0


def test_lam_reaches_the_selection_fit(planted):
    energies, y, motifs = planted
    # a huge penalty zeroes every coefficient
    assert len(select_interactions(energies, y, motif_names=motifs, lam=10.0)) == 0


def test_non_string_column_names(rng):
    energies = _energies(rng, ["a", "b"])
    y = _target(energies, {"a": 0.3, "b": 0.3})
    energies.columns = [1, 2]
    interactions = select_interactions(energies, y, motif_names=[1, 2])
    assert interactions.pairs["name"].tolist() == ["1:2"]
    assert interactions.transform(energies).shape == (len(energies), 1)


# --- InteractionSet -----------------------------------------------------------------------


def test_to_dict_from_dict_json_round_trip_is_exact(planted):
    energies, y, motifs = planted
    interactions = select_interactions(
        energies, y, motif_names=motifs, only_significant_partners=False, threshold=0.0
    )
    data = interactions.to_dict()
    assert list(data) == list(PAIR_COLUMNS)
    restored = InteractionSet.from_dict(json.loads(json.dumps(data)))
    pd.testing.assert_frame_equal(restored.pairs, interactions.pairs)
    pd.testing.assert_frame_equal(restored.transform(energies), interactions.transform(energies))
    assert all(type(value) is float for value in data["inter_max"])
    assert all(type(value) is str for value in data["name"])


def test_empty_set_round_trip():
    empty = InteractionSet.from_dict({column: [] for column in PAIR_COLUMNS})
    assert len(empty) == 0
    assert InteractionSet.from_dict(json.loads(json.dumps(empty.to_dict()))).to_dict() == {
        column: [] for column in PAIR_COLUMNS
    }


def test_interaction_set_is_frozen(planted):
    energies, y, motifs = planted
    interactions = select_interactions(energies, y, motif_names=motifs)
    with pytest.raises(AttributeError, match="cannot assign to field 'pairs'"):
        interactions.pairs = None


def _pairs_dict(**changes) -> dict:
    data = {
        "name": ["a:b"],
        "term1": ["a"],
        "term2": ["b"],
        "inter_max": [90.0],
        "norm_min": [0.0],
        "norm_max": [1.0],
    }
    return data | changes


def test_from_dict_builds_working_set():
    interactions = InteractionSet.from_dict(_pairs_dict())
    out = interactions.transform(pd.DataFrame({"a": [3.0, 10.0], "b": [15.0, 10.0]}))
    np.testing.assert_allclose(out["a:b"], [0.5, 1.0])


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"inter_max": [0.0]}, ValueError, "interaction 'a:b' has invalid constants inter_max=0.0"),
        ({"norm_min": [0.8], "norm_max": [0.2]}, ValueError, "norm_min <= norm_max"),
        ({"norm_max": [np.nan]}, ValueError, "must be finite"),
        ({"norm_max": ["high"]}, TypeError, "the constants of pairs must be numbers"),
        ({"term2": [2]}, TypeError, r"pairs\['term2'\] must hold strings, got 2"),
        ({"term1": ["a", "a"]}, ValueError, "the lists in data must have one length"),
    ],
)
def test_from_dict_rejects_bad_content(changes, error, match):
    with pytest.raises(error, match=match):
        InteractionSet.from_dict(_pairs_dict(**changes))


def test_from_dict_rejects_duplicate_names():
    data = _pairs_dict(
        name=["a:b", "a:b"],
        term1=["a", "a"],
        term2=["b", "b"],
        inter_max=[1.0, 1.0],
        norm_min=[0.0, 0.0],
        norm_max=[1.0, 1.0],
    )
    with pytest.raises(ValueError, match="interaction names must be unique; repeated: 'a:b'"):
        InteractionSet.from_dict(data)


def test_from_dict_rejects_missing_keys_and_non_dict():
    data = _pairs_dict()
    del data["norm_min"]
    with pytest.raises(ValueError, match="data lacks the key\\(s\\) 'norm_min'"):
        InteractionSet.from_dict(data)
    with pytest.raises(TypeError, match="data must be a dict from to_dict\\(\\), got list"):
        InteractionSet.from_dict([])


def test_constructor_rejects_wrong_columns():
    with pytest.raises(ValueError, match="pairs must have exactly the columns 'name'"):
        InteractionSet(pd.DataFrame({"name": ["a:b"]}))
    with pytest.raises(TypeError, match="pairs must be a DataFrame, got dict"):
        InteractionSet(_pairs_dict())


def test_transform_missing_term_columns():
    interactions = InteractionSet.from_dict(_pairs_dict())
    with pytest.raises(ValueError, match="energies lacks the interaction term column\\(s\\) 'b'"):
        interactions.transform(pd.DataFrame({"a": [1.0]}))


def test_transform_requires_dataframe():
    interactions = InteractionSet.from_dict(_pairs_dict())
    with pytest.raises(TypeError, match="energies must be a DataFrame with named columns"):
        interactions.transform(np.ones((2, 2)))


def test_transform_rejects_non_finite_values():
    interactions = InteractionSet.from_dict(_pairs_dict())
    with pytest.raises(ValueError, match="column 'b' is nan at row 1"):
        interactions.transform(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, np.nan]}))


def test_transform_rejects_duplicate_columns():
    interactions = InteractionSet.from_dict(_pairs_dict())
    energies = pd.DataFrame([[1.0, 2.0, 3.0]], columns=["a", "b", "a"])
    with pytest.raises(ValueError, match="column names of energies must be unique"):
        interactions.transform(energies)


@pytest.fixture
def small(rng):
    energies = _energies(rng, ["a", "b"], n=50)
    return energies, _target(energies, {"a": 0.3, "b": 0.3})


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"motif_names": ["a", "z"]}, ValueError, "not columns of energies: 'z'"),
        ({"motif_names": "a"}, TypeError, "motif_names must be a list .* single string 'a'"),
        ({"ignore": "AA"}, TypeError, "ignore must be a list of column names, got the single"),
        ({"motif_names": ["a", "a"]}, ValueError, "motif_names must be unique; repeated: 'a'"),
        ({"max_interactions": 0}, ValueError, "max_interactions must be a positive integer"),
        ({"max_interactions": 2.5}, ValueError, "max_interactions must be a positive integer"),
        ({"max_interactions": True}, ValueError, "max_interactions must be a positive integer"),
        ({"threshold": -0.1}, ValueError, "threshold must be in"),
        ({"threshold": "0.1"}, TypeError, "threshold must be a real number"),
        ({"lam": -1.0}, ValueError, "lam must be in"),
    ],
)
def test_select_rejects_bad_options(small, options, error, match):
    energies, y = small
    with pytest.raises(error, match=match):
        select_interactions(energies, y, **({"motif_names": ["a", "b"]} | options))


def test_select_rejects_bad_energies(small):
    energies, y = small
    with pytest.raises(TypeError, match="energies must be a DataFrame with named columns"):
        select_interactions(energies.to_numpy(), y, motif_names=["a", "b"])
    energies.iloc[4, 0] = np.inf
    with pytest.raises(ValueError, match="column 'a' is inf at row 4"):
        select_interactions(energies, y, motif_names=["a", "b"])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda y: y[:-1], r"y01 must have shape \(50,\), one value per row of energies"),
        (lambda y: np.where(np.arange(50) == 3, 1.5, y), r"y01\[3\] = 1.5"),
        (lambda y: np.where(np.arange(50) == 7, np.nan, y), r"y01\[7\] = nan"),
    ],
)
def test_select_rejects_bad_target(small, change, match):
    energies, y = small
    with pytest.raises(ValueError, match=match):
        select_interactions(energies, change(y), motif_names=["a", "b"])


def test_rounding_constant_product_is_zero_and_never_preferred(rng):
    # a * b == 5 up to rounding on every row: the min-max scaling must not stretch that
    # residue to [0, 1] (it would look like a column correlated with anything)
    energies = _energies(rng, ["a", "c", "d"])
    energies["a"] = rng.uniform(1, 10, len(energies))
    energies["b"] = 5.0 / energies["a"]
    products = energies["a"] * energies["b"]
    assert products.nunique() > 1 and np.ptp(products) < 1e-14  # only rounding residue
    # the target follows the residue exactly: before the fix a:b had |corr| = 1
    y = np.where(products > 5.0, 0.9, np.where(products < 5.0, 0.1, 0.5))
    names = ["a", "b", "c", "d"]
    everything = select_interactions(
        energies, y, motif_names=names, threshold=0.0, only_significant_partners=False
    )
    pairs = everything.pairs.set_index("name")
    assert pairs.loc["a:b", "norm_min"] == pairs.loc["a:b", "norm_max"]
    assert (everything.transform(energies)["a:b"] == 0).all()
    capped = select_interactions(
        energies,
        y,
        motif_names=names,
        threshold=0.0,
        only_significant_partners=False,
        max_interactions=len(everything) - 1,
    )
    assert "a:b" not in capped.pairs["name"].tolist()


def test_near_constant_product_with_real_spread_is_kept(rng):
    energies = _energies(rng, ["a", "c"])
    energies["a"] = rng.uniform(1, 10, len(energies))
    spread = rng.uniform(-1, 1, len(energies))
    energies["b"] = 5.0 * (1 + 1e-6 * spread) / energies["a"]  # a * b = 5 (1 + 1e-6 spread)
    y = expit(spread)  # the small spread is the signal
    interactions = select_interactions(
        energies, y, motif_names=["a", "b", "c"], threshold=0.0, only_significant_partners=False
    )
    row = interactions.pairs.set_index("name").loc["a:b"]
    assert row.norm_max - row.norm_min == pytest.approx(2e-6, rel=0.01)
    column = interactions.transform(energies)["a:b"]
    assert column.min() == 0 and column.max() == 1
    assert np.corrcoef(column, spread)[0, 1] == pytest.approx(1.0, abs=1e-6)


def test_cap_with_constant_target_keeps_construction_order(rng):
    # every |corr| with a constant (or rounding-constant) target is 0: the stable sort keeps
    # the first pairs
    energies = _energies(rng, ["a", "b", "c", "d"])
    pairs = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]
    values = energies.to_numpy()
    alternating = np.arange(len(energies)) % 2 == 1
    for target in (np.full(len(energies), 0.3), np.where(alternating, 0.1 * 3, 0.3)):
        capped = _fitted_set(values, energies.columns.to_numpy(), pairs, target, 2)
        assert capped.pairs["name"].tolist() == ["a:b", "a:c"]
