"""The stages of spec 7, one by one: known answers on planted data and edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iqmodel.datasets import make_planted_dataset
from iqmodel.energy import EnergyNormalizer, compute_energies
from iqmodel.glm import fit_logistic_lasso
from iqmodel.interactions import select_interactions
from iqmodel.io import load_motif_db
from iqmodel.motifs import Motif
from iqmodel.pipeline import (
    SELECTION_TOL,
    Design,
    build_design,
    cluster_motifs,
    database_energies,
    distill_clusters,
    drop_one_r2,
    filter_motifs,
    fit_response_glm,
    name_distilled_motifs,
    screen_database,
    screen_database_targets,
    screen_energies,
    select_motifs,
)
from iqmodel.seq import encode

PLANTED = ["CEBPB", "FOXA2", "ETS1"]
DECOYS = {"CEBPB", "FOXA2", "ETS1", "SOX2", "Gata1", "HNF1B", "NFYA"}


@pytest.fixture(scope="module")
def data():
    return make_planted_dataset(n_seqs=600, seq_length=200, motifs=PLANTED, random_state=4)


@pytest.fixture(scope="module")
def database():
    return [m for m in load_motif_db("jaspar2024") if m.alt_name in DECOYS]


@pytest.fixture(scope="module")
def screened(data, database):
    codes = encode(data.sequences)
    return codes, screen_database(codes, data.dap, database, min_cor=0.05, n_wanted=3)


def _y01(dap):
    return (dap - dap.min()) / np.ptp(dap)


def test_screen_matches_a_slow_correlation_and_keeps_planted_motifs(data, database, screened):
    codes, screen = screened
    raw = compute_energies(codes, database)
    energies = EnergyNormalizer().fit(raw).transform(raw)
    expected = [np.corrcoef(energies[:, j], data.dap)[0, 1] for j in range(len(database))]
    np.testing.assert_allclose(screen.correlations, expected, atol=1e-12)
    names = {database[i].alt_name for i in screen.candidates}
    assert set(PLANTED) <= names
    assert screen.threshold == 0.05
    assert np.all(np.abs(screen.correlations[screen.candidates]) >= 0.05)
    np.testing.assert_array_equal(screen.energies, energies[:, screen.candidates])


def test_screen_falls_back_to_the_top_motifs_and_scores_unbindable_motifs_zero(data, database):
    codes = encode(data.sequences)
    too_long = Motif("too_long", np.full((250, 4), 0.25))  # longer than the 200-bp sequences
    screen = screen_database(codes, data.dap, [*database, too_long], min_cor=0.99, n_wanted=5)
    assert np.isnan(screen.threshold)
    assert len(screen.candidates) == 5
    assert screen.correlations[-1] == 0
    top = np.sort(np.argsort(-np.abs(screen.correlations), kind="stable")[:5])
    np.testing.assert_array_equal(screen.candidates, top)


def test_selection_keeps_the_planted_motifs_with_their_signs(data, database, screened):
    _, screen = screened
    selection = select_motifs(screen.energies, _y01(data.dap), glm_lambda=1e-3)
    chosen = {
        database[screen.candidates[i]].alt_name: b
        for i, b in zip(selection.columns, selection.betas, strict=True)
    }
    assert set(PLANTED) <= set(chosen)
    signs = np.sign(data.truth.coefficients.sum(axis=1))
    for motif in data.truth.motifs:
        assert np.sign(chosen[motif.alt_name]) == signs[motif.name]
    assert selection.penalty == 1e-3


def test_selection_drops_a_constant_column(data, screened):
    _, screen = screened
    energies = np.column_stack([screen.energies, np.full(len(data.dap), 3.0)])
    selection = select_motifs(energies, _y01(data.dap), glm_lambda=1e-3)
    assert energies.shape[1] - 1 not in set(selection.columns)


def test_cross_validated_selection_does_not_depend_on_row_order(data, screened):
    codes, screen = screened
    from iqmodel.sampling import order_keys

    y01 = _y01(data.dap)
    perm = np.random.default_rng(0).permutation(len(y01))
    first = select_motifs(screen.energies, y01, random_state=5, keys=order_keys(codes, data.dap))
    second = select_motifs(
        screen.energies[perm],
        y01[perm],
        random_state=5,
        keys=order_keys(codes[perm], data.dap[perm]),
    )
    np.testing.assert_array_equal(first.columns, second.columns)
    assert first.penalty == pytest.approx(second.penalty, rel=1e-12)


def test_clusters_group_correlated_columns_strongest_first():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(200, 2))
    energies = np.column_stack([base[:, 0], base[:, 0] + 1e-3 * rng.normal(size=200), base[:, 1]])
    betas = np.array([0.1, 0.2, -0.9])
    clusters = cluster_motifs(energies, betas, n_clusters=2)
    assert [sorted(c.tolist()) for c in clusters] == [[2], [0, 1]]
    assert [c.tolist() for c in cluster_motifs(energies[:, :1], betas[:1], 5)] == [[0]]
    # a constant column is its own cluster, not a NaN distance
    with_constant = np.column_stack([energies, np.ones(200)])
    clusters = cluster_motifs(with_constant, np.r_[betas, 0.05], n_clusters=3)
    assert [3] in [c.tolist() for c in clusters]


def test_distillation_without_prego_keeps_the_strongest_member(data, database, screened):
    codes, screen = screened
    motifs = [database[i] for i in screen.candidates]
    betas = np.linspace(0.1, 0.5, len(motifs))
    clusters = [np.arange(len(motifs))]
    result = distill_clusters(codes, motifs, screen.energies, betas, clusters, distill=False)
    assert result.motifs == [motifs[-1]]
    assert list(result.members["member"]) == [m.name for m in motifs]
    assert set(result.members["motif"]) == {motifs[-1].name}


def test_singleton_distillation_keeps_the_database_pwm(data, database, screened):
    codes, screen = screened
    motifs = [database[i] for i in screen.candidates]
    result = distill_clusters(
        codes,
        motifs[:1],
        screen.energies[:, :1],
        np.array([1.0]),
        [np.array([0])],
        random_state=0,
    )
    learned = result.motifs[0]
    np.testing.assert_allclose(learned.pwm, motifs[0].pwm, atol=5e-3)  # PREGO adds a prior
    assert learned.spatial is not None and learned.source != "iqmodel distilled"


def test_naming_after_strong_matches_neutral_for_weak_and_unique(database):
    cebpb = next(m for m in database if m.alt_name == "CEBPB")
    noise = np.random.default_rng(3).dirichlet(np.ones(4) * 50, size=12)  # near uniform
    learned = [
        Motif("seedA", cebpb.pwm, source="iqmodel distilled"),
        Motif("seedB", cebpb.pwm, source="iqmodel distilled"),
        Motif("seedC", noise, source="iqmodel distilled"),
        Motif("GC", noise, source="JASPAR"),  # a database motif: never renamed, but unique
    ]
    naming = name_distilled_motifs(learned, database, min_similarity=0.7, reserved={"GC"})
    names = [m.name for m in naming.motifs]
    assert names == [cebpb.name, f"{cebpb.name}.2", "motif_3", "GC.2"]
    assert naming.motifs[0].alt_name == "CEBPB"
    table = naming.table.set_index("motif")
    assert table.loc[cebpb.name, "seed"] == "seedA"
    assert table.loc[cebpb.name, "similarity"] == pytest.approx(1.0)
    assert table.loc["motif_3", "named_by"] == "neutral"
    assert table.loc["motif_3", "seed"] == "seedC"
    assert table.loc["GC.2", "named_by"] == "database"
    kept = name_distilled_motifs(learned, database, rename=False)
    assert [m.name for m in kept.motifs] == ["seedA", "seedB", "seedC", "GC"]


def test_design_identity_is_structural_for_names_with_colons():
    inputs = pd.DataFrame(
        {"JASPAR.RXRA::VDR": [1.0, 5.0, 9.0], "a:b": [2.0, 3.0, 1.0], "GC": [4.0, 2.0, 8.0]}
    )
    interactions = select_interactions(
        inputs, np.array([0.1, 0.5, 0.9]), motif_names=["JASPAR.RXRA::VDR", "a:b"], threshold=0
    )
    design = build_design(inputs, ["JASPAR.RXRA::VDR", "a:b"], interactions=interactions)
    columns = design.columns
    motif_rows = columns[columns["term"] == "JASPAR.RXRA::VDR"]
    assert list(motif_rows["kind"]) == ["motif"] * 4
    assert set(columns.loc[columns["term"] == "GC", "kind"]) == {"feature"}
    inter = columns[columns["kind"] == "interaction"]
    assert len(inter) == len(interactions)
    for row in inter.itertuples():
        assert {row.term1, row.term2} <= set(inputs.columns)
    assert list(design.matrix.columns) == list(columns["column"])
    linear = build_design(inputs, ["a:b"], response_bases=False)
    assert list(linear.columns["response"]) == ["linear"] * 3
    with pytest.raises(ValueError, match="unique names"):
        build_design(inputs.rename(columns={"GC": "a:b"}), ["a:b"])


def test_response_glm_fixed_penalty_is_the_plain_fit(data, screened):
    _, screen = screened
    inputs = pd.DataFrame(screen.energies[:, :3], columns=["m1", "m2", "m3"])
    design = build_design(inputs, ["m1", "m2", "m3"])
    y01 = _y01(data.dap)
    fit = fit_response_glm(design, y01, glm_lambda=1e-3)
    plain = fit_logistic_lasso(design.matrix.to_numpy(), y01, lam=1e-3)
    np.testing.assert_array_equal(fit.glm.coef, plain.coef)
    assert fit.lambda_path is None
    cv = fit_response_glm(design, y01, glm_lambda="cv", random_state=0)
    assert cv.glm.lambda_ in set(cv.lambda_path["lambda"])


def _slow_drop_one(design: Design, y01, dap, term, rows):
    keep = [j for j, t in enumerate(design.terms_of_column()) if term not in t]
    matrix = design.matrix.to_numpy()[:, keep]
    fit = fit_logistic_lasso(matrix[rows], y01[rows], lam=1e-3, tol=SELECTION_TOL)
    return np.corrcoef(dap, fit.predict(matrix))[0, 1] ** 2


def test_drop_one_r2_matches_a_slow_refit_and_drops_interactions_too(data, screened):
    _, screen = screened
    names = ["m1", "m2", "m3"]
    inputs = pd.DataFrame(screen.energies[:, :3], columns=names)
    y01 = _y01(data.dap)
    interactions = select_interactions(inputs, y01, motif_names=names, threshold=0)
    design = build_design(inputs, names, interactions=interactions)
    rows = np.arange(0, 600, 2)
    table = drop_one_r2(design, y01, data.dap, names, penalty=1e-3, fit_rows=rows)
    for name, without in zip(table["term"], table["r2_without"], strict=True):
        assert without == pytest.approx(
            _slow_drop_one(design, y01, data.dap, name, rows), abs=1e-12
        )
    assert (table["delta_r2"] == table["r2_full"] - table["r2_without"]).all()
    # a model left with fewer than two columns scores 0 (spec 7.11)
    tiny = build_design(inputs[["m1"]], ["m1"], response_bases=False)
    assert drop_one_r2(tiny, y01, data.dap, ["m1"], penalty=1e-3)["r2_without"].iloc[0] == 0


def test_filter_removes_noise_and_low_information_motifs_never_all(data, database, screened):
    _, _screen = screened
    rng = np.random.default_rng(2)
    planted = [m for m in database if m.alt_name in PLANTED]
    blurry = Motif("blurry", rng.dirichlet(np.ones(4) * 200, size=10))  # ~0 bits
    noise_motif = Motif("noise", planted[0].pwm[::-1, ::-1].copy())
    motifs = [*planted, noise_motif, blurry]
    codes = encode(data.sequences)
    raw = compute_energies(codes, planted)
    energies = EnergyNormalizer().fit(raw).transform(raw)
    columns = np.column_stack([energies, rng.uniform(0, 10, size=(600, 2))])
    inputs = pd.DataFrame(columns, columns=[m.name for m in motifs])
    design = build_design(inputs, inputs.columns)
    result = filter_motifs(
        design, _y01(data.dap), data.dap, motifs, penalty=1e-3, sample_frac=0.5, random_state=0
    )
    report = result.report.set_index("motif")
    assert report.loc["blurry", "removed"] == "bits"
    assert report.loc["noise", "removed"] == "r2"
    assert set(result.kept) == {m.name for m in planted}
    # never every motif
    weak = filter_motifs(
        design,
        _y01(data.dap),
        data.dap,
        motifs,
        bits_threshold=100,
        penalty=1e-3,
        random_state=0,
    )
    assert len(weak.kept) == 1


def test_distillation_of_several_trajectories_learns_on_the_response_matrix(data, database):
    # two "trajectories" respond to the planted CEBPB with opposite signs: one cluster
    # of their members is distilled on the matrix of both partial responses
    codes = encode(data.sequences)
    motifs = [next(m for m in database if m.alt_name == tf) for tf in ("CEBPB", "NFYA")]
    raw = compute_energies(codes, motifs)
    energies = EnergyNormalizer().fit(raw).transform(raw)
    columns = np.column_stack([energies, energies])
    betas = np.array([0.5, 0.1, -0.4, -0.1])
    trajectories = np.array([0, 0, 1, 1])
    rows = np.arange(0, 600, 2)
    result = distill_clusters(
        codes,
        [*motifs, *motifs],
        columns,
        betas,
        [np.arange(4)],
        trajectories=trajectories,
        learn_rows=rows,
        motif_length=10,
        random_state=0,
    )
    learned = result.motifs[0]
    assert learned.source == "iqmodel distilled" and learned.length == 10
    assert learned.trim().similarity(motifs[0].trim()).score > 0.7
    assert list(result.members["member"]) == [m.name for m in [*motifs, *motifs]]
    # the same database motif in every member is a singleton: its PWM is kept
    single = distill_clusters(
        codes,
        [motifs[0], motifs[0]],
        columns[:, [0, 2]],
        betas[[0, 2]],
        [np.arange(2)],
        trajectories=np.array([0, 1]),
        random_state=0,
    )
    np.testing.assert_allclose(single.motifs[0].pwm, motifs[0].pwm, atol=5e-3)


def test_screen_on_precomputed_energies_equals_the_screen(data, database, screened):
    codes, screen = screened
    energies = database_energies(codes, database)
    again = screen_energies(energies, data.dap, min_cor=0.05, n_wanted=3)
    np.testing.assert_array_equal(again.candidates, screen.candidates)
    np.testing.assert_array_equal(again.energies, screen.energies)


@pytest.fixture(scope="module")
def wide_screen():
    """300 planted sequences against 120 JASPAR motifs (all energies held whole) and three
    targets whose screens end at min_cor, at min_cor / 2 and at the top-n fallback."""
    data = make_planted_dataset(n_seqs=300, seq_length=120, motifs=PLANTED, random_state=9)
    codes = encode(data.sequences)
    database = load_motif_db("jaspar2024")[:120]
    energies = database_energies(codes, database)
    noise = np.random.default_rng(0).normal(size=len(codes))
    scaled = (data.dap - data.dap.mean()) / data.dap.std()
    targets = np.column_stack([data.dap, 0.3 * scaled + noise, noise])
    return codes, database, energies, targets


@pytest.mark.parametrize("chunk_size", [1, 7, 50, 1000])
def test_streaming_screen_equals_the_screen_of_all_energies(wide_screen, chunk_size):
    codes, database, energies, targets = wide_screen
    screen = screen_database_targets(
        codes, targets, database, min_cor=0.1, n_wanted=30, chunk_size=chunk_size
    )
    thresholds = []
    for t, result in enumerate(screen.screens):
        expected = screen_energies(energies, targets[:, t], min_cor=0.1, n_wanted=30)
        np.testing.assert_array_equal(result.candidates, expected.candidates)
        np.testing.assert_allclose(result.correlations, expected.correlations, atol=1e-12)
        np.testing.assert_equal(result.threshold, expected.threshold)
        np.testing.assert_array_equal(screen.candidate_energies(t), expected.energies)
        thresholds.append(expected.threshold)
    assert thresholds[0] == 0.1 and thresholds[1] == 0.05 and np.isnan(thresholds[2])
    # only the union of the candidates is held
    union = np.unique(np.concatenate([r.candidates for r in screen.screens]))
    np.testing.assert_array_equal(screen.columns, union)
    assert screen.energies.shape == (len(codes), len(union)) < energies.shape
    single = screen_database(codes, targets[:, 0], database, min_cor=0.1, n_wanted=30)
    np.testing.assert_array_equal(single.energies, screen.candidate_energies(0))


def test_streaming_screen_rejects_a_bad_chunk_size(wide_screen):
    codes, database, _, targets = wide_screen
    for bad in (0, -3):
        with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
            screen_database_targets(codes, targets, database, chunk_size=bad)
    with pytest.raises(TypeError, match="chunk_size"):
        screen_database_targets(codes, targets, database, chunk_size=2.5)
