"""Interpretation tools, each against a slow recomputation from the model's parts."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from iqmodel import IQModel
from iqmodel import interpret as I
from iqmodel.datasets import make_planted_dataset
from iqmodel.energy import local_energies
from iqmodel.features import RESPONSE_FUNCTIONS, LogisticBasis, response_function
from iqmodel.glm import fit_logistic_lasso
from iqmodel.io import load_motif_db
from iqmodel.pipeline import SELECTION_TOL

FOXA2, ETS1 = "MA0047.4", "MA0098.4"


@pytest.fixture(scope="module")
def data():
    return make_planted_dataset(
        n_seqs=1000,
        seq_length=200,
        motifs=["CEBPB", "FOXA2", "ETS1"],
        interactions=[(FOXA2, ETS1, 2.0)],
        random_state=2,
    )


@pytest.fixture(scope="module")
def model(data):
    names = {"CEBPB", "FOXA2", "ETS1", "Gata1", "SOX2"}
    database = [m for m in load_motif_db("jaspar2024") if m.alt_name in names]
    model = IQModel(
        motif_db=database,
        n_motifs=5,
        filter=False,
        interactions=True,
        glm_lambda=1e-4,
        random_state=0,
        verbose=0,
    )
    return model.fit(data.sequences[:800], data.dap[:800])


def _curve(model, variable, x):
    """Slow: sum over the coefficient table rows of one variable."""
    coef = model.coef_
    rows = coef[(coef["variable"] == variable) & (coef["kind"] != "interaction")]
    pairs = zip(rows["response"], rows["coefficient"], strict=True)
    return sum(c * response_function(x, f) for f, c in pairs)


def _owners(column):
    """Slow: the variables a GLM column is built from."""
    if ":" in column:
        return set(column.split(":"))
    return {LogisticBasis.split_feature_name(column)[0]}


def test_decomposition_sums_to_the_prediction(model, data):
    seqs = data.sequences[800:]
    parts = I.decompose(model, seqs)
    assert set(parts.kinds) == {"motif", "feature", "interaction"}
    eta = parts.intercept + parts.terms.sum(axis=1).to_numpy()
    design = model.design_matrix(seqs).to_numpy()
    np.testing.assert_allclose(eta, model.glm_.decision_function(design), atol=1e-9)
    np.testing.assert_allclose(parts.logit, eta, atol=1e-12)
    pd.testing.assert_frame_equal(parts.inputs, model.transform(seqs))
    np.testing.assert_allclose(parts.prediction, model.predict(seqs), atol=1e-9)
    np.testing.assert_allclose(
        parts.prediction, model.y_min_ + model.y_range_ * expit(eta), atol=1e-12
    )


def test_partial_responses_follow_the_coefficient_table(model, data):
    seqs = data.sequences[:20]
    partial = I.partial_responses(model, seqs)
    values = model.transform(seqs)
    assert not any(":" in c for c in partial.columns)
    for motif in model.motifs_:
        expected = _curve(model, motif.name, values[motif.name].to_numpy())
        np.testing.assert_allclose(partial[motif.name], expected, atol=1e-12)


def test_response_curve(model):
    name = model.motifs_[0].name
    curve = I.response_curve(model, name, [0.0, 2.5, 10.0])
    np.testing.assert_allclose(curve.to_numpy(), _curve(model, name, np.array([0, 2.5, 10.0])))
    assert len(I.response_curve(model, name)) == 101
    with pytest.raises(ValueError, match="not a motif or covariate"):
        I.response_curve(model, "nope")


def test_local_contributions_against_a_slow_reference(model, data):
    seq = data.sequences[5]
    local = I.local_contributions(model, seq)
    names = [m.name for m in model.motifs_]
    raw = np.column_stack([local_energies(seq, m) for m in model.motifs_])
    expected_energy = model.energy_normalizer_.transform(raw)
    expected_energy[np.isnan(raw)] = np.nan
    np.testing.assert_allclose(local.energy[names].to_numpy(), expected_energy, atol=1e-12)
    for j, motif in enumerate(model.motifs_):
        energy = expected_energy[:, j]
        response = _curve(model, motif.name, energy) - _curve(model, motif.name, 0.0)
        np.testing.assert_allclose(local.response[motif.name], response, atol=1e-12)
    # per_base: the motif's term split over windows by weighted binding, then over bases
    terms = I.decompose(model, [seq]).terms.iloc[0]
    for j, motif in enumerate(model.motifs_):
        weights = np.array(
            [I.window_weights(motif, len(seq))[i] for i in range(len(seq))], dtype=float
        )
        probability = np.exp(np.nan_to_num(raw[:, j], nan=-np.inf)) * weights
        share = probability / probability.sum()
        term = terms[motif.name] - _curve(model, motif.name, 0.0)
        per_base = np.zeros(len(seq))
        for i in range(len(seq) - motif.length + 1):
            per_base[i : i + motif.length] += term * share[i] / motif.length
        np.testing.assert_allclose(local.per_base[motif.name], per_base, atol=1e-12)
        assert local.per_base[motif.name].sum() == pytest.approx(term, abs=1e-9)
    one = I.local_contributions(model, seq, motifs=[names[1]])
    assert list(one.energy.columns) == [names[1]]
    with pytest.raises(ValueError, match=r"unknown motif\(s\) \['nope'\]"):
        I.local_contributions(model, seq, motifs=["nope"])


def test_window_weights_follow_the_spatial_frame():
    from iqmodel.motifs import Motif

    pwm = np.full((4, 4), 0.25)
    plain = Motif("m", pwm)
    np.testing.assert_array_equal(I.window_weights(plain, 6), [1, 1, 1, 0, 0, 0])
    # 3 bins of 2 bp centred on 10 bp: frame [2, 8); windows of 4 bp start at 2..4
    spatial = Motif("s", pwm, spatial=[0.5, 2.0, 1.0], bin_size=2)
    np.testing.assert_array_equal(I.window_weights(spatial, 10), [0, 0, 0.5, 0.5, 2, 0, 0, 0, 0, 0])


def test_drop_one_r2_refits_without_each_motif(model, data):
    seqs, dap = data.sequences[:800], data.dap[:800]
    table = I.drop_one_r2(model, seqs, dap)
    assert set(table["motif"]) == {m.name for m in model.motifs_}
    assert table["delta_r2"].is_monotonic_decreasing
    name = model.motifs_[0].name
    design = model.design_matrix(seqs)
    keep = [c for c in design.columns if name not in _owners(c)]
    y01 = (dap - model.y_min_) / model.y_range_
    fit = fit_logistic_lasso(
        design[keep].to_numpy(), y01, lam=model.glm_.lambda_, tol=SELECTION_TOL
    )
    without = np.corrcoef(dap, fit.predict(design[keep].to_numpy()))[0, 1] ** 2
    row = table.set_index("motif").loc[name]
    assert row["r2_without"] == pytest.approx(without, abs=1e-6)
    # the full model is refitted the same way (model filter's definition): the fitted model
    assert row["r2_full"] == pytest.approx(
        np.corrcoef(dap, model.predict(seqs))[0, 1] ** 2, abs=1e-4
    )
    # every planted motif matters on the planted data
    assert (table["delta_r2"] > 0.05).all()
    with pytest.raises(ValueError, match="dap has 3 values"):
        I.drop_one_r2(model, seqs, dap[:3])


def test_low_affinity_score_matches_its_definition(model, data):
    seqs, dap = data.sequences[:300], data.dap[:300]
    table = I.low_affinity_score(model, seqs, dap, site_threshold=4.0, high_threshold=8.0)
    for motif in model.motifs_:
        n_sites, n_high = [], []
        for seq in seqs:
            energy = np.nan_to_num(I.local_contributions(model, seq).energy[motif.name])
            n_sites.append((energy >= 4.0).sum())
            n_high.append((energy >= 8.0).sum())
        n_sites, n_high = np.array(n_sites), np.array(n_high)
        single = (n_high == 1) & (n_sites == 1)
        multi = (n_sites >= 2) & (n_high == 0)
        row = table.set_index("motif").loc[motif.name]
        assert row["n_single_high"] == single.sum()
        assert row["n_multi_low"] == multi.sum()
        if single.any() and multi.any():
            assert row["las"] == pytest.approx(dap[multi].mean() - dap[single].mean())
        else:
            assert np.isnan(row["las"])
    with pytest.raises(ValueError, match="site_threshold < high_threshold"):
        I.low_affinity_score(model, seqs, dap, site_threshold=8.0, high_threshold=5.0)


def test_name_motifs_finds_the_database_motif_in_either_orientation():
    database = load_motif_db("jaspar2024")[:60]
    query = database[17].reverse_complement().renamed("learned")
    table = I.name_motifs([query, database[3]], database)
    assert table.loc[0, "match"] == database[17].name
    assert table.loc[0, "strand"] == "-"
    assert table.loc[0, "similarity"] == pytest.approx(1.0, abs=1e-6)
    assert table.loc[1, "match"] == database[3].name
    assert list(table.columns) == [
        "motif",
        "match",
        "match_alt_name",
        "similarity",
        "strand",
        "offset",
    ]
    with pytest.raises(ValueError, match="non-empty list of Motif"):
        I.name_motifs([], database)


def test_name_motifs_of_a_model(model):
    table = I.name_motifs(model, "jaspar2024")
    assert len(table) == len(model.motifs_)
    assert (table["similarity"] > 0.9).all()
    assert isinstance(table, pd.DataFrame)
    assert set(RESPONSE_FUNCTIONS) >= set(model.coef_["response"]) - {"linear"}
