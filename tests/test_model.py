from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import iqmodel
from iqmodel import IQModel, load_model
from iqmodel.datasets import make_planted_dataset
from iqmodel.features import response_function
from iqmodel.io import load_motif_db

PLANTED_MOTIFS = ["CEBPB", "FOXA2", "MA0139.2", "ETS1"]  # CTCF has 3 JASPAR matrices
INTERACTING = ("MA0047.4", "MA0098.4")  # FOXA2 x ETS1


@pytest.fixture(scope="module")
def planted():
    return make_planted_dataset(
        n_seqs=3000,
        seq_length=300,
        motifs=PLANTED_MOTIFS,
        interactions=[(*INTERACTING, 2.0)],
        random_state=1,
    )


@pytest.fixture(scope="module")
def fitted(planted):
    """The acceptance model: 2,400 training peaks, interactions on."""
    model = IQModel(n_motifs=8, interactions=True, random_state=0, verbose=0)
    return model.fit(planted.sequences[:2400], planted.dap[:2400])


def _best_match(model, truth):
    scores = [m.trim().similarity(truth.trim()).score for m in model.motifs_]
    return model.motifs_[int(np.argmax(scores))], max(scores)


def _total_effect(model, motif_name: str) -> float:
    """Change of the linear predictor when a motif's energy goes from 0 to 10."""
    coef = model.coef_
    rows = coef[(coef["variable"] == motif_name) & (coef["kind"] == "motif")]
    return sum(
        c * (response_function(10.0, f) - response_function(0.0, f))
        for f, c in zip(rows["response"], rows["coefficient"], strict=True)
    )


@pytest.mark.slow
def test_recovers_planted_motifs_signs_and_accuracy(planted, fitted):
    truth = planted.truth
    held_out = fitted.score(planted.sequences[2400:], planted.dap[2400:])
    assert held_out >= 0.8 * truth.oracle_r2
    for motif in truth.motifs:
        learned, similarity = _best_match(fitted, motif)
        assert similarity >= 0.8, motif.name
        planted_effect = truth.coefficients.loc[motif.name].sum()
        assert np.sign(_total_effect(fitted, learned.name)) == np.sign(planted_effect)


@pytest.mark.slow
def test_recovers_planted_interaction(planted, fitted):
    partners = {
        _best_match(fitted, m)[0].name for m in planted.truth.motifs if m.name in INTERACTING
    }
    coef = fitted.coef_
    interactions = coef[coef["kind"] == "interaction"]
    strongest = interactions.loc[interactions["coefficient"].abs().idxmax(), "variable"]
    assert set(strongest.split(":")) == partners


def test_tidy_coefficients_and_summary(fitted):
    coef = fitted.coef_
    assert list(coef.columns) == ["feature", "variable", "kind", "response", "coefficient"]
    assert set(coef["kind"]) == {"motif", "feature", "interaction"}
    motif_rows = coef[coef["kind"] == "motif"]
    assert set(motif_rows["response"]) == {"low-energy", "sigmoid", "high-energy", "higher-energy"}
    assert "train R^2" in fitted.summary()
    assert fitted.train_r2_ > 0.5


def test_predictions_are_row_independent(planted, fitted):
    seqs = planted.sequences[2400:2460]
    batch = fitted.predict(seqs)
    one_by_one = np.array([fitted.predict([s])[0] for s in seqs[:8]])
    np.testing.assert_array_equal(batch[:8], one_by_one)
    np.testing.assert_array_equal(fitted.predict(seqs[::-1]), batch[::-1])


def test_save_load_round_trip_is_bit_identical(planted, fitted, tmp_path):
    path = tmp_path / "model.json"
    fitted.save(path)
    loaded = load_model(path)
    seqs = planted.sequences[2400:2500]
    np.testing.assert_array_equal(loaded.predict(seqs), fitted.predict(seqs))
    document = json.loads(path.read_text())
    assert document["format"] == "iqmodel-model"
    assert document["format_version"] == 2
    assert len(document["motifs"]) == len(fitted.motifs_)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write leaves nothing behind


def test_pickle_round_trip(planted, fitted):
    restored = pickle.loads(pickle.dumps(fitted))
    seqs = planted.sequences[2400:2420]
    np.testing.assert_array_equal(restored.predict(seqs), fitted.predict(seqs))


def test_corrupt_and_future_model_files(fitted, tmp_path):
    path = tmp_path / "model.json"
    fitted.save(path)
    path.write_text(path.read_text()[:200])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        load_model(path)
    fitted.save(path)
    document = json.loads(path.read_text())
    document["format_version"] = 99
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="upgrade iqmodel"):
        load_model(path)
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="not an iqmodel model file"):
        load_model(path)
    with pytest.raises(FileNotFoundError, match="no model file"):
        load_model(tmp_path / "missing.json")
    del document["glm"]
    document["format_version"] = 1
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="damaged"):
        load_model(path)


# ----------------------------------------------------------------- estimator contract


@pytest.fixture(scope="module")
def small():
    data = make_planted_dataset(n_seqs=500, seq_length=200, random_state=3)
    database = [
        m for m in load_motif_db("jaspar2024") if m.alt_name in {"CEBPB", "FOXA2", "Gata1", "SOX2"}
    ]
    return data, database


def _quick(database, **params):
    defaults = dict(motif_db=database, n_motifs=3, filter=False, random_state=0, verbose=0)
    return IQModel(**{**defaults, **params})


def test_fit_returns_self_and_not_fitted_error(small):
    data, database = small
    model = _quick(database)
    with pytest.raises(NotFittedError):
        model.predict(data.sequences[:3])
    assert model.fit(data.sequences, data.dap) is model


def test_clone_get_set_params(small):
    _, database = small
    model = _quick(database, n_motifs=5)
    copy = clone(model)
    assert copy.get_params()["n_motifs"] == 5
    assert copy.set_params(n_motifs=2) is copy
    assert copy.n_motifs == 2
    assert model.n_motifs == 5


def test_refit_resets_state(small):
    data, database = small
    model = _quick(database, interactions=True).fit(data.sequences, data.dap)
    assert model.interactions_ is not None
    model.set_params(interactions=False).fit(data.sequences, data.dap)
    assert model.interactions_ is None
    assert not any(":" in name for name in model.feature_names_)


def test_thread_count_invariance(small):
    data, database = small
    one = _quick(database, n_jobs=1).fit(data.sequences, data.dap)
    two = _quick(database, n_jobs=2).fit(data.sequences, data.dap)
    np.testing.assert_array_equal(one.predict(data.sequences), two.predict(data.sequences))


def test_user_features_and_ablation_switches(small, rng):
    data, database = small
    covariate = pd.DataFrame({"mark": data.dap + rng.normal(0, 0.5, len(data.dap))})
    model = _quick(database, distill=False, response_bases=False, energy_mode="max")
    model.fit(data.sequences, data.dap, features=covariate)
    assert "mark" in model.feature_names_
    assert all(m.spatial is None for m in model.motifs_)  # database motifs kept as they are
    with pytest.raises(ValueError, match="pass features="):
        model.predict(data.sequences[:5])
    prediction = model.predict(data.sequences[:5], features=covariate.iloc[:5])
    assert np.isfinite(prediction).all()


def test_save_load_with_features(small, tmp_path):
    data, database = small
    covariate = pd.DataFrame({"mark": np.linspace(0, 1, len(data.dap))})
    model = _quick(database).fit(data.sequences, data.dap, features=covariate)
    model.save(tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    np.testing.assert_array_equal(
        loaded.predict(data.sequences, features=covariate),
        model.predict(data.sequences, features=covariate),
    )


@pytest.mark.parametrize(
    ("dap", "params", "match"),
    [
        (np.zeros(500), {}, "dap is constant"),
        (np.r_[np.nan, np.ones(499)], {}, "non-finite value .* index 0"),
        (np.ones(3), {}, "dap has 3 values but there are 500"),
        (None, {"n_motifs": 0}, "The 'n_motifs' parameter of IQModel must be an int"),
        (None, {"energy_mode": "mean"}, "The 'energy_mode' parameter of IQModel must be"),
        (None, {"filter_sample_frac": 2.0}, r"'filter_sample_frac' .* range \(0.0, 1.0\]"),
        (None, {"motif_db": []}, "The 'motif_db' parameter of IQModel"),
    ],
)
def test_bad_input(small, dap, params, match):
    data, database = small
    model = _quick(database, **params)
    with pytest.raises(ValueError, match=match):
        model.fit(data.sequences, data.dap if dap is None else dap)


def test_package_exports_are_lazy():
    assert iqmodel.IQModel is IQModel
    assert iqmodel.load_model is load_model
    with pytest.raises(AttributeError, match="no attribute"):
        _ = iqmodel.not_there


def test_cross_validated_penalty(small):
    data, database = small
    model = _quick(database, glm_lambda="cv").fit(data.sequences, data.dap)
    assert model.glm_.lambda_ > 0
    assert model.glm_.lambda_ in set(model.lambda_path_["lambda"])
    assert not hasattr(model, "_lambda")
    with pytest.raises(
        ValueError, match="The 'glm_lambda' parameter of IQModel must be 'cv' or a float"
    ):
        _quick(database, glm_lambda="auto").fit(data.sequences, data.dap)


def test_unrelated_database_still_gives_a_model(small):
    data, _ = small
    unrelated = load_motif_db("jaspar2024")[:20]  # none of the planted motifs
    model = IQModel(motif_db=unrelated, n_motifs=2, random_state=0, verbose=0)
    model.fit(data.sequences, data.dap)
    assert 1 <= len(model.motifs_) <= 2
    assert np.isfinite(model.predict(data.sequences[:5])).all()


def test_stage_options_follow_the_parameters():
    import pandas as pd

    from iqmodel.pipeline import distill_clusters, name_distilled_motifs

    model = IQModel(distill=False, motif_length=12, n_bins=7, kmer_sequence_length=None, n_jobs=1)
    options = model.distillation_options()
    assert options == {
        "distill": False,
        "motif_length": 12,
        "n_bins": 7,
        "bin_size": None,
        "kmer_sequence_length": None,
        "n_jobs": 1,
        "verbose": 1,
    }
    naming = IQModel(rename_motifs=False, rename_min_similarity=0.5).naming_options(
        pd.DataFrame({"H3K27ac": [1.0]})
    )
    assert naming["rename"] is False and naming["min_similarity"] == 0.5
    assert naming["reserved"][-1] == "H3K27ac" and "gc_content" in naming["reserved"]
    assert IQModel(sequence_features=False).naming_options(None)["reserved"] == []
    # every key is an argument of the stage it is meant for
    import inspect

    assert set(options) <= set(inspect.signature(distill_clusters).parameters)
    assert set(naming) <= set(inspect.signature(name_distilled_motifs).parameters)
