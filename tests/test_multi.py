"""MultiIQModel: homogenization of several trajectories (spec 8, wave2 reference 1)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.base import clone

from iqmodel import IQModel, MultiIQModel, load_model
from iqmodel.datasets import make_planted_trajectories
from iqmodel.motifs import best_matches
from iqmodel.pipeline import cluster_coherent, mean_pairwise_correlation

PLANTED = ["CEBPB", "FOXA2", "MA0139.2", "ETS1"]
EFFECTS = pd.DataFrame(
    {"t1": [3.0, -2.5, 0.0, 2.0], "t2": [3.0, 2.5, -2.0, 0.0], "t3": [-2.0, 0.0, 2.5, 2.0]}
)


# ----------------------------------------------------------------------------- clustering


def _reference_clusters(profiles, n_clusters, threshold):
    """Slow reference: cut, then split each incoherent cluster at the merge that made it."""
    correlation = np.corrcoef(profiles, rowvar=False)
    k = profiles.shape[1]
    tree = linkage(np.clip(1 - correlation[np.triu_indices(k, 1)], 0, 2), "complete")
    members = {i: [i] for i in range(k)}
    for step, (a, b, _, _) in enumerate(tree):
        members[k + step] = members[int(a)] + members[int(b)]
    labels = fcluster(tree, min(n_clusters, k), "maxclust")

    def parts(node):
        leaves = members[node]
        if len(leaves) == 1:
            return [sorted(leaves)]
        block = correlation[np.ix_(leaves, leaves)][np.triu_indices(len(leaves), 1)]
        if len(set(labels[leaves])) == 1 and block.mean() >= threshold:
            return [sorted(leaves)]
        a, b = tree[node - k, :2].astype(int)
        return parts(a) + parts(b)

    return sorted(parts(2 * k - 2))


def test_cluster_coherent_matches_slow_reference(rng):
    base = rng.normal(size=(200, 6))
    profiles = np.column_stack(
        [base[:, i % 6] + rng.normal(0, 0.3 + 0.2 * i, 200) for i in range(18)]
    )
    for n_clusters, threshold in [(3, 0.6), (5, 0.3), (18, 0.9), (1, -1.0), (2, 0.99)]:
        clusters = cluster_coherent(profiles, np.ones(18), n_clusters, threshold)
        got = sorted(sorted(c.tolist()) for c in clusters)
        assert got == _reference_clusters(profiles, n_clusters, threshold)
        correlation = np.corrcoef(profiles, rowvar=False)
        for c in clusters:
            assert len(c) == 1 or mean_pairwise_correlation(correlation, c) >= threshold


def test_cluster_coherent_known_answers(rng):
    x = rng.normal(size=(100, 3))
    identical = np.column_stack([x[:, 0]] * 4)
    assert [c.tolist() for c in cluster_coherent(identical, np.arange(4.0), 2, 0.6)] == [
        [3, 2, 1, 0]
    ]  # one cluster, strongest member first
    # threshold 1: correlated but not identical columns all stay apart (spec 8.4)
    noisy = x[:, [0, 0, 1]] + rng.normal(0, 0.1, (100, 3))
    assert len(cluster_coherent(noisy, np.ones(3), 1, 1.0)) == 3
    # anti-correlated columns are far apart (distance 1 - signed r)
    opposite = np.column_stack([x[:, 0], -x[:, 0], x[:, 0]])
    clusters = cluster_coherent(opposite, np.array([1.0, 3.0, 2.0]), 2, 0.6)
    assert [c.tolist() for c in clusters] == [[1], [2, 0]]
    assert [c.tolist() for c in cluster_coherent(x[:, :1], np.ones(1), 5, 0.6)] == [[0]]


# ----------------------------------------------------------------------------- planted


def test_make_planted_trajectories_effects_per_trajectory():
    data = make_planted_trajectories(EFFECTS, motifs=PLANTED, n_seqs=300, random_state=3)
    again = make_planted_trajectories(EFFECTS, motifs=PLANTED, n_seqs=300, random_state=3)
    assert list(data.dap.columns) == ["t1", "t2", "t3"] and data.dap.shape == (300, 3)
    pd.testing.assert_frame_equal(data.dap, again.dap)
    assert list(data.effects.index) == [m.name for m in data.truth.motifs]
    energies = data.truth.energies
    for trajectory in EFFECTS:
        r = [np.corrcoef(energies[:, i], data.dap[trajectory])[0, 1] for i in range(4)]
        for effect, correlation in zip(EFFECTS[trajectory], r, strict=True):
            if effect:
                assert np.sign(correlation) == np.sign(effect)
    assert (data.oracle_r2 > 0.9).all()
    with pytest.raises(TypeError, match="one named column per trajectory"):
        make_planted_trajectories(EFFECTS.to_numpy())


@pytest.fixture(scope="module")
def planted_multi(planted_database):
    data = make_planted_trajectories(
        EFFECTS, motifs=PLANTED, n_seqs=900, seq_length=300, random_state=1
    )
    test = np.zeros(len(data.dap), dtype=bool)
    test[np.random.default_rng(0).permutation(len(test))[:180]] = True
    settings = dict(motif_db=planted_database, n_motifs=5, random_state=0, verbose=0)
    multi = MultiIQModel(IQModel(**settings)).fit(data.sequences, data.dap, test=test)
    train = [s for s, t in zip(data.sequences, test, strict=True) if not t]
    singles = {
        name: IQModel(**settings).fit(train, data.dap[name].to_numpy()[~test]) for name in data.dap
    }
    homogenized = MultiIQModel.from_models(singles, data.sequences, data.dap, test=test)
    return data, test, multi, singles, homogenized


def _recovered(motifs, truth_motifs) -> pd.DataFrame:
    return best_matches(truth_motifs, motifs).set_index("motif")


@pytest.mark.slow
@pytest.mark.parametrize("path", ["fit", "from_models"])
def test_planted_shared_motifs_and_signs(planted_multi, path):
    data, _, fitted, _, homogenized = planted_multi
    multi = fitted if path == "fit" else homogenized
    matches = _recovered(multi.motifs_, data.truth.motifs)
    assert (matches["similarity"] >= 0.8).all(), matches
    # each planted motif is one shared motif, used with the planted sign in each trajectory
    contributions = multi.contributions(data.sequences[:400])
    for motif, row in data.effects.iterrows():
        shared = matches.loc[motif, "match"]
        for trajectory, effect in row.items():
            value = contributions.loc[shared, trajectory]
            if effect:
                assert np.sign(value) == np.sign(effect), (motif, trajectory, value)
                assert abs(value) > 0.2
    # a planted motif shared by three trajectories became one motif
    assert len(multi.motifs_) < sum(len(m.motifs_) for m in planted_multi[3].values())


@pytest.mark.slow
def test_planted_stats_and_accuracy(planted_multi):
    data, test, fitted, singles, homogenized = planted_multi
    stats = homogenized.stats_.set_index(["type", "trajectory"])
    assert list(homogenized.stats_.columns) == [
        "trajectory",
        "type",
        "r2_train",
        "r2_test",
        "pearson_r2_train",
        "pearson_r2_test",
        "n_motifs",
    ]
    for name, model in singles.items():
        before = stats.loc[("before", name)]
        y = data.dap[name].to_numpy()
        held_out = [s for s, t in zip(data.sequences, test, strict=True) if t]
        assert before["r2_test"] == pytest.approx(model.score(held_out, y[test]), abs=1e-12)
        assert before["r2_train"] == pytest.approx(model.train_r2_, abs=1e-9)
        assert stats.loc[("after", name), "r2_test"] > 0.6
    after = stats.xs("after")["r2_test"].mean()
    assert after >= stats.xs("before")["r2_test"].mean() - 0.02
    assert set(fitted.stats_["type"]) == {"after", "full"}
    predicted = fitted.predict(data.sequences[:7])
    assert list(predicted.columns) == ["t1", "t2", "t3"] and predicted.shape == (7, 3)
    np.testing.assert_array_equal(predicted["t2"], fitted.models_["t2"].predict(data.sequences[:7]))
    full = fitted.predict(data.sequences[:7], full=True)
    np.testing.assert_array_equal(full["t1"], fitted.models_full_["t1"].predict(data.sequences[:7]))
    logit = fitted.decision_function(data.sequences[:7])
    np.testing.assert_allclose(fitted.models_["t3"].logit_to_dap(logit["t3"]), predicted["t3"])
    score = fitted.score(data.sequences, data.dap)
    manual = np.mean([fitted.models_[n].score(data.sequences, data.dap[n]) for n in data.dap])
    assert score == pytest.approx(manual)


@pytest.mark.slow
def test_cluster_map_and_models_use_shared_motifs(planted_multi):
    _, _, fitted, _, homogenized = planted_multi
    for multi in (fitted, homogenized):
        shared = {m.name for m in multi.motifs_}
        cmap = multi.cluster_map_
        assert set(cmap.loc[cmap["used"], "motif"]) == shared
        used = {m.name for model in multi.models_.values() for m in model.motifs_}
        assert used == shared
        assert list(cmap.columns) == [
            "trajectory",
            "unit",
            "members",
            "cor",
            "cluster",
            "motif",
            "intra_cor",
            "n",
            "used",
        ]
        sizes = cmap.groupby("cluster").size()
        assert (cmap["n"].to_numpy() == sizes[cmap["cluster"]].to_numpy()).all()
        assert (cmap.loc[cmap["n"] > 1, "intra_cor"] >= multi.intra_cor_threshold).all()
        for name in multi.trajectories_:
            own = set(cmap.loc[cmap["trajectory"] == name, "motif"])
            assert {m.name for m in multi.models_[name].motifs_} <= own
            assert {m.name for m in multi.models_full_[name].motifs_} <= shared
            # same motif objects: one vocabulary
            by_name = {m.name: m for m in multi.motifs_}
            for motif in multi.models_[name].motifs_:
                np.testing.assert_array_equal(motif.pwm, by_name[motif.name].pwm)


@pytest.mark.slow
def test_save_load_pickle_clone_round_trip(planted_multi, tmp_path):
    data, _, fitted, _, homogenized = planted_multi
    for multi in (fitted, homogenized):
        path = tmp_path / "multi.json"
        multi.save(path)
        loaded = load_model(path)
        assert isinstance(loaded, MultiIQModel)
        for full in (False, True):
            pd.testing.assert_frame_equal(
                loaded.predict(data.sequences, full=full), multi.predict(data.sequences, full=full)
            )
        pd.testing.assert_frame_equal(loaded.stats_, multi.stats_, check_dtype=False)
        assert [m.name for m in loaded.motifs_] == [m.name for m in multi.motifs_]
        unpickled = pickle.loads(pickle.dumps(multi))
        pd.testing.assert_frame_equal(
            unpickled.predict(data.sequences[:20]), multi.predict(data.sequences[:20])
        )
    copy = clone(fitted)
    assert not hasattr(copy, "models_")
    assert copy.get_params()["estimator__n_motifs"] == 5
    assert copy.get_params()["intra_cor_threshold"] == 0.8


# ----------------------------------------------------------------------------- determinism


@pytest.fixture(scope="module")
def small_planted(planted_database):
    data = make_planted_trajectories(
        EFFECTS.iloc[:, :2], motifs=PLANTED, n_seqs=260, seq_length=200, random_state=5
    )
    settings = dict(motif_db=planted_database, n_motifs=3, random_state=2, verbose=0)
    return data, settings


@pytest.mark.slow
def test_identical_for_thread_counts_and_repeats(small_planted):
    data, settings = small_planted
    runs = [
        MultiIQModel(IQModel(**settings, n_jobs=n_jobs)).fit(data.sequences, data.dap)
        for n_jobs in (1, 2, 1)
    ]
    first = runs[0].to_dict()
    for other in runs[1:]:
        document = other.to_dict()
        for model in (*document["models"].values(), *document["models_full"].values()):
            model["params"]["n_jobs"] = 1
        assert document == first


# ----------------------------------------------------------------------------- bad input


@pytest.fixture
def small_inputs(small_planted):
    data, settings = small_planted
    return data.sequences, data.dap, MultiIQModel(IQModel(**settings))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.assign(t2=np.nan), "non-finite value"),
        (lambda d: d.assign(t2=0.3), "constant on the training rows"),
        (lambda d: d.set_axis(["t1", "t1"], axis=1), r"repeated"),
        (lambda d: d[["t1"]], "at least two"),
        (lambda d: d.iloc[:-1], "rows but there are"),
        (lambda d: d.set_axis(["t1", ""], axis=1), "non-empty strings"),
    ],
)
def test_bad_dap_tables(small_inputs, change, message):
    seqs, dap, model = small_inputs
    with pytest.raises(ValueError, match=message):
        model.fit(seqs, change(dap.copy()))


def test_trajectories_with_other_peaks_or_order(small_inputs):
    seqs, dap, model = small_inputs
    t1 = pd.Series(dap["t1"].to_numpy(), index=[f"p{i}" for i in range(len(dap))])
    reordered = t1.iloc[::-1]
    with pytest.raises(ValueError, match="in another order"):
        model.fit(seqs, {"t1": t1, "t2": reordered})
    other = t1.set_axis([f"q{i}" for i in range(len(t1))])
    with pytest.raises(ValueError, match="other peaks"):
        model.fit(seqs, {"t1": t1, "t2": other})
    with pytest.raises(ValueError, match="different numbers of peaks"):
        model.fit(seqs, {"t1": dap["t1"].to_numpy(), "t2": dap["t2"].to_numpy()[:-3]})
    with pytest.raises(TypeError, match="one named column per trajectory"):
        model.fit(seqs, dap.to_numpy())
    seq_series = pd.Series(seqs, index=[f"p{i}" for i in range(len(seqs))])
    with pytest.raises(ValueError, match="different indexes"):
        model.fit(seq_series, dap)


def test_bad_test_mask_min_diff_and_params(small_inputs):
    seqs, dap, model = small_inputs
    with pytest.raises(ValueError, match="boolean mask"):
        model.fit(seqs, dap, test=np.zeros(len(seqs)))
    with pytest.raises(ValueError, match="lower min_diff"):
        clone(model).set_params(min_diff=5.0).fit(seqs, dap)
    for name, value in [("max_motifs", 0), ("intra_cor_threshold", 2.0), ("min_diff", -1.0)]:
        with pytest.raises(ValueError, match=f"'{name}' parameter of MultiIQModel"):
            clone(model).set_params(**{name: value}).fit(seqs, dap)
    with pytest.raises(ValueError, match="'estimator' parameter of MultiIQModel"):
        MultiIQModel("IQModel").fit(seqs, dap)
    with pytest.raises(ValueError, match="'n_motifs' parameter of IQModel"):
        MultiIQModel(IQModel(n_motifs=0)).fit(seqs, dap)
    with pytest.raises(ValueError, match="seqs is empty"):
        model.fit([], dap)


@pytest.mark.slow
def test_from_models_refuses_models_of_other_data(small_planted, planted_database):
    data, settings = small_planted
    seqs, dap = data.sequences, data.dap
    models = {name: IQModel(**settings).fit(seqs, dap[name]) for name in dap}
    with pytest.raises(ValueError, match="not fitted on these sequences"):
        MultiIQModel.from_models(models, seqs[::-1][:200] + seqs[200:], dap)
    with pytest.raises(ValueError, match="not fitted on these sequences"):
        MultiIQModel.from_models(models, seqs, dap.assign(t1=dap["t1"] * 2))
    shorter = [s[:150] for s in seqs]
    with pytest.raises(ValueError, match="150 bp"):
        MultiIQModel.from_models(models, shorter, dap)
    with pytest.raises(ValueError, match="models are named"):
        MultiIQModel.from_models({"a": models["t1"], "b": models["t2"]}, seqs, dap)
    with pytest.raises(TypeError, match="not an IQModel"):
        MultiIQModel.from_models({"t1": models["t1"], "t2": "model"}, seqs, dap)
    with pytest.raises(TypeError, match="non-empty dict"):
        MultiIQModel.from_models({}, seqs, dap)
    # the models' own rows: accepted
    multi = MultiIQModel.from_models(models, seqs, dap)
    assert set(multi.stats_["type"]) == {"before", "after", "full"}


def test_damaged_multi_file(tmp_path, small_planted):
    from iqmodel.io.model_file import read_model_document, write_model_document

    data, settings = small_planted
    single = IQModel(**settings).fit(data.sequences, data.dap["t1"])
    path = tmp_path / "single.json"
    single.save(path)
    document = read_model_document(path)
    document["kind"] = "ensemble"
    write_model_document(document, tmp_path / "odd.json")
    with pytest.raises(ValueError, match="unknown model kind"):
        load_model(tmp_path / "odd.json")
    fake = {
        "kind": "multi-trajectory",
        "params": {"max_motifs": None, "min_diff": 0.1, "intra_cor_threshold": 0.6},
        "trajectories": ["t1", "t2"],
        "models": {"t1": single.to_dict()},
        "models_full": {"t1": single.to_dict()},
    }
    write_model_document(fake, tmp_path / "multi.json")
    with pytest.raises(ValueError, match="one model per trajectory"):
        load_model(tmp_path / "multi.json")


# ----------------------------------------------------------------------------- real data


@pytest.mark.slow
def test_mouse_atac_two_trajectories(shared_data):
    from iqmodel.datasets import load_mouse_atac_example

    example = load_mouse_atac_example()
    ap = example.accessibility
    ap = (ap - ap.min()) / (ap.max() - ap.min())
    dap = pd.DataFrame({s: (ap[s] - ap["c1"]).to_numpy()[:400] for s in ("c3", "c5")})
    multi = MultiIQModel(IQModel(n_motifs=4, glm_lambda=1e-3, random_state=0, verbose=0)).fit(
        example.sequences[:400], dap
    )
    assert 1 <= len(multi.motifs_) <= 8
    assert (multi.stats_["r2_train"] > 0).all()
    assert np.isnan(multi.stats_["r2_test"]).all()  # no held-out rows
    predictions = multi.predict(example.sequences[400:450])
    assert predictions.shape == (50, 2) and np.isfinite(predictions.to_numpy()).all()


@pytest.mark.slow
def test_aitac_many_trajectories_shapes(shared_data, planted_database):
    table = pd.read_csv(shared_data / "aitac" / "aitac_sample_100ocr_81celltypes.tsv.gz", sep="\t")
    values = table.drop(columns=["peak_id", "sequence"])
    dap = values.iloc[:, :12].sub(values.mean(axis=1), axis=0)  # 12 cell types vs the mean
    multi = MultiIQModel(
        IQModel(motif_db=planted_database, n_motifs=2, glm_lambda=1e-3, filter=False, verbose=0),
        min_diff=0.0,
    ).fit(table["sequence"].tolist(), dap)
    assert multi.trajectories_ == list(dap.columns)
    assert multi.predict(table["sequence"].tolist()).shape == (100, 12)
    assert len(multi.stats_) == 24 and set(multi.cluster_map_["trajectory"]) <= set(dap.columns)


# ----------------------------------------------------------------------------- figures


@pytest.mark.slow
def test_figures_and_per_trajectory_decomposition(planted_multi, tmp_path):
    from iqmodel.interpret import decompose
    from iqmodel.plot import contribution_heatmap, homogenization_r2, multi_report

    data, _, _, _, homogenized = planted_multi
    seqs = data.sequences[:200]
    for name in homogenized.trajectories_:
        parts = decompose(homogenized.models_[name], seqs)
        np.testing.assert_allclose(
            parts.terms.sum(axis=1) + parts.intercept,
            homogenized.decision_function(seqs)[name],
            atol=1e-9,
        )
    contributions = homogenized.contributions(seqs)
    ax = contribution_heatmap(contributions)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(contributions.index)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["t1", "t2", "t3"]
    ax = homogenization_r2(homogenized.stats_)
    heights = sorted(round(p.get_height(), 9) for p in ax.patches)
    assert heights == sorted(round(v, 9) for v in homogenized.stats_["r2_test"])
    with pytest.raises(ValueError, match="split must be"):
        homogenization_r2(homogenized.stats_, split="all")
    figures = multi_report(homogenized, seqs, path=tmp_path / "report.png")
    assert len(figures) == 1 + -(-len(homogenized.motifs_) // 12)
    assert (tmp_path / "report.png").is_file() and (tmp_path / "report_page2.png").is_file()
    multi_report(homogenized, seqs, path=tmp_path / "report.pdf")
    assert (tmp_path / "report.pdf").read_bytes()[:4] == b"%PDF"
    with pytest.raises(ValueError, match=r"\.pdf or \.png"):
        multi_report(homogenized, seqs, path=tmp_path / "report.svg")


@pytest.mark.slow
def test_variant_effects_of_a_multi_trajectory_model(planted_multi):
    from iqmodel.variants import TERM_PREFIX, saturation_mutagenesis, variant_effects

    data, _, _, _, homogenized = planted_multi
    ref = data.sequences[:6]
    alt = [s[:150] + ("A" if s[150] != "A" else "C") + s[151:] for s in ref]
    effects = variant_effects(homogenized, ref, alt)
    assert list(effects["trajectory"].unique()) == homogenized.trajectories_
    assert len(effects) == 6 * len(homogenized.trajectories_)
    terms = [c for c in effects.columns if c.startswith(TERM_PREFIX)]
    np.testing.assert_allclose(
        effects[terms].fillna(0).sum(axis=1), effects["delta_logit"], atol=1e-9
    )
    for name in homogenized.trajectories_:
        block = effects[effects["trajectory"] == name]
        model = homogenized.models_[name]
        np.testing.assert_allclose(
            block["delta"], model.predict(alt) - model.predict(ref), atol=1e-12
        )
    scan = saturation_mutagenesis(homogenized, ref[0])
    assert set(scan.table["trajectory"]) == set(homogenized.trajectories_)
    first = homogenized.trajectories_[0]
    row = scan.table[(scan.table["trajectory"] == first) & (scan.table["position"] == 150)]
    mutant = {b: ref[0][:150] + b + ref[0][151:] for b in row["alt_base"]}
    model = homogenized.models_[first]
    expected = model.predict(list(mutant.values())) - model.predict([ref[0]])[0]
    np.testing.assert_allclose(row["delta"], expected, atol=1e-9)
