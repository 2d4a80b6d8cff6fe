"""IQModel on bad and degenerate input: every case gets a clear error or an announced result.

Cases follow the bad-input audit (shared/reference/bad_input_audit.md, numbers in comments).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from iqmodel import IQModel, IQModelWarning, load_model
from iqmodel.datasets import make_planted_dataset
from iqmodel.io import load_motif_db
from iqmodel.motifs import Motif

PLANTED = ["CEBPB", "FOXA2", "ETS1"]
DATABASE_TFS = {"CEBPB", "FOXA2", "ETS1", "SOX2", "Gata1"}


@pytest.fixture(scope="module")
def data():
    return make_planted_dataset(n_seqs=300, seq_length=200, motifs=PLANTED, random_state=7)


@pytest.fixture(scope="module")
def database():
    return [m for m in load_motif_db("jaspar2024") if m.alt_name in DATABASE_TFS]


def _model(database, **params):
    options = dict(
        motif_db=database, n_motifs=3, glm_lambda=1e-3, filter=False, random_state=0, verbose=0
    )
    return IQModel(**{**options, **params})


@pytest.fixture(scope="module")
def fitted(data, database):
    return _model(database).fit(data.sequences, data.dap)


# ----------------------------------------------------------------------------- sequences


@pytest.mark.parametrize("length", [6, 600])
def test_prediction_needs_the_training_length(fitted, data, length):  # audit 15, 16
    seqs = [(s * 3)[:length] for s in data.sequences[:3]]
    for call in (fitted.predict, fitted.transform, fitted.decision_function):
        with pytest.raises(ValueError, match=rf"fitted on 200-bp .* got {length}-bp.*resize"):
            call(seqs)
    with pytest.raises(ValueError, match="fitted on 200-bp"):
        fitted.score(seqs, [0.1, 0.2, 0.3])


def test_predict_on_no_sequences_is_empty(fitted):  # audit 31
    assert fitted.predict([]).shape == (0,)
    assert fitted.decision_function([]).shape == (0,)


@pytest.mark.parametrize(
    ("seqs", "match"),
    [
        ([], "seqs is empty"),  # audit 8
        ([""] * 50, "longer than the 0-bp sequences"),  # audit 6
        (["A"] * 50, "longer than the 1-bp sequences"),  # audit 35
    ],
)
def test_degenerate_training_sequences(database, seqs, match):
    dap = np.linspace(0, 1, len(seqs))
    with pytest.raises(ValueError, match=match):
        _model(database).fit(seqs, dap)


def test_every_motif_longer_than_the_sequences(data):  # audit 78
    long_db = [Motif(f"L{i}", np.full((40, 4), 0.25)) for i in range(3)]
    with pytest.raises(ValueError, match=r"every motif in motif_db is longer than the 30-bp"):
        IQModel(motif_db=long_db, verbose=0).fit([s[:30] for s in data.sequences], data.dap)


def test_motif_length_longer_than_the_frame_fails_before_the_screen(data, database):  # 164
    with pytest.raises(ValueError, match="motif_length 500 is longer than the spatial frame"):
        _model(database, motif_length=500).fit(data.sequences, data.dap)
    with pytest.raises(ValueError, match="n_bins/bin_size do not fit"):
        _model(database, bin_size=1000).fit(data.sequences, data.dap)


@pytest.mark.parametrize(("n", "params"), [(2, {"glm_lambda": "cv"}), (2, {})])
def test_too_few_sequences(data, database, n, params):  # audit 12
    with pytest.raises(ValueError, match=r"fit got 2 sequences; the model needs at least"):
        _model(database, **params).fit(data.sequences[:n], data.dap[:n])


def test_background_sequences_are_checked_first(data, database):  # audit 36-38
    model = _model(database)
    with pytest.raises(ValueError, match="background_seqs is empty"):
        model.fit(data.sequences, data.dap, background_seqs=[])
    bad = ["X" + s[1:] for s in data.sequences[:5]]
    with pytest.raises(ValueError, match="background_seqs: sequence 0 has invalid character"):
        model.fit(data.sequences, data.dap, background_seqs=bad)
    with pytest.raises(ValueError, match="background_seqs are 400 bp but seqs are 200 bp"):
        model.fit(data.sequences, data.dap, background_seqs=[s + s for s in data.sequences[:5]])


# ----------------------------------------------------------------------------- targets


def test_target_errors_name_dap(data, database):
    model = _model(database)
    with pytest.raises(ValueError, match="dap must be numbers"):  # audit 46
        model.fit(data.sequences, ["a"] * len(data.sequences))
    huge = data.dap / np.abs(data.dap).max() * 1e308
    with pytest.raises(ValueError, match="range too large for float64"):  # audit 52
        model.fit(data.sequences, huge)


def test_tiny_target_scale_gives_a_finite_r2(data, database):  # audit 53
    model = _model(database).fit(data.sequences, data.dap * 1e-300)
    assert np.isfinite(model.train_r2_) and model.train_r2_ > 0.3


def test_features_errors_name_the_column_and_the_alignment(data, database):  # audit 48, 58, 60
    model = _model(database)
    with pytest.raises(ValueError, match="features column 'mark' is not numeric"):
        model.fit(data.sequences, data.dap, features=pd.DataFrame({"mark": ["x"] * 300}))
    index = np.random.default_rng(0).permutation(300)
    dap = pd.Series(data.dap)
    features = pd.DataFrame({"mark": np.arange(300.0)}, index=index)
    with pytest.raises(ValueError, match=r"different indexes; rows are matched .* by position"):
        model.fit(data.sequences, dap, features=features)


def test_constant_model_warns(data, database):  # audit 175
    with pytest.warns(IQModelWarning, match="the fitted model is constant"):
        _model(database, glm_lambda=10.0).fit(data.sequences, data.dap)


# ----------------------------------------------------------------------------- motif names


def test_motif_names_with_colons_are_ordinary_names(data, database):  # audit 110, 111 (B1)
    renamed = [m.renamed(f"JASPAR.{m.alt_name}::X:{i}") for i, m in enumerate(database)]
    plain = [m.renamed(f"JASPAR.{m.alt_name}__X_{i}") for i, m in enumerate(database)]
    options = dict(filter=True, distill=False, n_motifs=4)
    colons = _model(renamed, **options).fit(data.sequences, data.dap)
    control = _model(plain, **options).fit(data.sequences, data.dap)
    np.testing.assert_allclose(
        colons.filter_report_["added_r2"], control.filter_report_["added_r2"], atol=1e-12
    )
    assert list(colons.filter_report_["removed"]) == list(control.filter_report_["removed"])
    assert set(colons.coef_.loc[colons.coef_["variable"].str.contains("::"), "kind"]) == {"motif"}
    np.testing.assert_allclose(colons.predict(data.sequences), control.predict(data.sequences))
    assert "sum|coef| = 0.000" not in colons.summary()


def test_motif_names_that_collide_with_covariates_are_rejected_up_front(data, database):  # 112
    clash = [database[0].renamed("GC"), *database[1:]]
    with pytest.raises(ValueError, match=r"motif names \['GC'\] are also covariate names"):
        _model(clash).fit(data.sequences, data.dap)
    with pytest.raises(ValueError, match="collide with the sequence features"):
        _model(database).fit(data.sequences, data.dap, features=pd.DataFrame({"GC": np.ones(300)}))


def test_distilled_motifs_are_named_after_their_best_match(data, database):
    model = _model(database, n_motifs=2).fit(data.sequences, data.dap)
    table = model.motif_names_
    assert list(table["motif"]) == [m.name for m in model.motifs_]
    for row in table.itertuples():
        if row.named_by == "match":
            assert row.similarity >= 0.7 and row.motif.split(".")[0] in {
                m.name.split(".")[0] for m in database
            }
        if row.named_by == "neutral":
            assert row.motif.startswith("motif_") and row.seed
    plain = _model(database, n_motifs=2, rename_motifs=False).fit(data.sequences, data.dap)
    assert list(plain.motif_names_["motif"]) == list(plain.motif_names_["seed"])


# ----------------------------------------------------------------------------- model files


def _damaged(fitted, tmp_path, edit):
    path = tmp_path / "model.json"
    fitted.save(path)
    document = json.loads(path.read_text())
    edit(document)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    return bad


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d["glm"]["coef"].__setitem__(0, None), r"'glm.coef\[0\]' is None"),  # 185
        (lambda d: d["glm"]["coef"].pop(), r"'glm.coef' has \d+ values; expected"),  # 186
        (lambda d: d["scale"].__setitem__("y_range", "x"), "'scale.y_range' must be"),  # 187
        (lambda d: d["scale"].__setitem__("y_range", None), "'scale.y_range' is null"),  # 188
        (lambda d: d["motifs"].pop(), r"'energy_normalizer.reference_log2' has 3 values"),
        (
            lambda d: d["energy_normalizer"]["range_low"].__setitem__(0, None),  # 191
            r"'energy_normalizer.range_low\[0\]' is None",
        ),
        (lambda d: d["params"].__setitem__("n_motifs", "x"), "'n_motifs' parameter"),  # 193
        (lambda d: d.__setitem__("seq_length", "abc"), "'seq_length' must be"),  # 194
        (
            lambda d: d["design_columns"][0].__setitem__("term", "nonexistent"),  # 195
            "terms that are not motifs, covariates or interactions",
        ),
        (
            lambda d: d["design_columns"][0].__setitem__("column", "nonexistent_sigmoid"),
            r"'design_columns\[0\].column' is 'nonexistent_sigmoid' but its term",
        ),
        (lambda d: d["motifs"][0].__setitem__("pwm", [[1, 0]]), r"field 'motifs\[0\]'"),
        (lambda d: d.pop("glm"), "field 'glm.coef' is missing"),
    ],
)
def test_damaged_model_files_fail_at_load_naming_the_field(fitted, tmp_path, edit, match):
    bad = _damaged(fitted, tmp_path, edit)
    with pytest.raises(ValueError, match=match) as error:
        load_model(bad)
    assert str(bad) in str(error.value)


def test_json_bomb_names_the_file(tmp_path):  # audit 346
    bomb = tmp_path / "bomb.json"
    bomb.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(ValueError, match=f"{bomb}.*nested too deeply"):
        load_model(bomb)


def test_a_motif_list_survives_the_file_and_clone(fitted, database, tmp_path):  # audit 208
    path = tmp_path / "model.json"
    fitted.save(path)
    loaded = load_model(path)
    assert loaded.get_params()["motif_db"] == database
    assert clone(loaded).get_params()["motif_db"] == database


def test_saving_invalid_parameters_fails(fitted, tmp_path):  # audit 206
    broken = clone(fitted)
    broken.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
    broken.set_params(min_cor=float("nan"))
    with pytest.raises(ValueError, match="'min_cor' parameter"):
        broken.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_version_1_files_are_still_read(fitted, tmp_path, data):
    path = tmp_path / "model.json"
    fitted.save(path)
    document = json.loads(path.read_text())
    document["format_version"] = 1
    document["design_columns"] = [row["column"] for row in document["design_columns"]]
    document["params"]["motif_db"] = "jaspar2024"
    del document["motif_names"]
    old = tmp_path / "v1.json"
    old.write_text(json.dumps(document))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(old)
    np.testing.assert_array_equal(
        loaded.predict(data.sequences[:5]), fitted.predict(data.sequences[:5])
    )
    pd.testing.assert_frame_equal(loaded.coef_, fitted.coef_)


# ----------------------------------------------------------------------------- fixed motifs


def test_fit_with_the_motifs_of_a_fit_reproduces_it(data, database, fitted):
    refit = _model(database).fit_with_motifs(data.sequences, data.dap, fitted.motifs_)
    np.testing.assert_array_equal(refit.predict(data.sequences), fitted.predict(data.sequences))
    pd.testing.assert_frame_equal(refit.coef_, fitted.coef_)
    assert set(refit.motif_names_["named_by"]) == {"given"}
    assert refit.distilled_features_.empty


def test_fit_with_motifs_refits_on_other_data(data, database, fitted):
    half = slice(0, 150)
    other = _model(database, glm_lambda="cv").fit_with_motifs(
        data.sequences[half], data.dap[half], fitted.motifs_
    )
    assert [m.name for m in other.motifs_] == [m.name for m in fitted.motifs_]
    assert other.seq_length_ == 200 and np.isfinite(other.train_r2_)


@pytest.mark.parametrize(
    ("motifs", "error", "match"),
    [
        ([], TypeError, "non-empty list of Motif"),
        ("CTCF", TypeError, "non-empty list of Motif"),
        (lambda db: [db[0], db[0]], ValueError, "unique names; repeated"),
        (lambda db: [Motif("long", np.full((300, 4), 0.25))], ValueError, "longer than the 200-bp"),
        (lambda db: [db[0].renamed("GC")], ValueError, r"motif names \['GC'\] are also covariate"),
    ],
)
def test_fit_with_motifs_checks_the_motifs(data, database, motifs, error, match):
    motifs = motifs(database) if callable(motifs) else motifs
    with pytest.raises(error, match=match):
        _model(database).fit_with_motifs(data.sequences, data.dap, motifs)
