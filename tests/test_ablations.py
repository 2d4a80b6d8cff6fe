from __future__ import annotations

import sys

import numpy as np
import pytest

from iqmodel.ablations import XGBoostIQModel
from iqmodel.datasets import make_planted_dataset
from iqmodel.model import IQModel

IQ_PARAMS = {"n_motifs": 4, "filter": False, "verbose": 0}


@pytest.fixture(scope="module")
def planted():
    return make_planted_dataset(n_seqs=600, seq_length=200, random_state=0)


@pytest.fixture(scope="module")
def fitted(planted):
    pytest.importorskip("xgboost")
    return XGBoostIQModel(iqmodel_params=IQ_PARAMS, random_state=0, n_jobs=1).fit(
        planted.sequences, planted.dap
    )


def test_fits_the_planted_set(fitted, planted):
    prediction = fitted.predict(planted.sequences)
    assert prediction.shape == (600,) and prediction.dtype == np.float64
    assert np.isfinite(prediction).all()
    assert fitted.score(planted.sequences, planted.dap) > 0.5
    assert fitted.train_r2_ == pytest.approx(fitted.score(planted.sequences, planted.dap))


def test_trees_see_the_iq_base_features(fitted):
    motif_names = [motif.name for motif in fitted.iqmodel_.motifs_]
    assert fitted.feature_names_[: len(motif_names)] == motif_names
    assert "gc_content" in fitted.feature_names_
    importances = fitted.feature_importances_
    assert list(importances.index) == fitted.feature_names_
    assert importances.sum() == pytest.approx(1.0)


def test_prefit_reuses_the_iq_model(fitted, planted):
    iq = fitted.iqmodel_
    reused = XGBoostIQModel(iqmodel=iq, prefit=True, random_state=0, n_jobs=1).fit(
        planted.sequences, planted.dap
    )
    assert reused.iqmodel_ is iq
    np.testing.assert_array_equal(
        reused.predict(planted.sequences), fitted.predict(planted.sequences)
    )


def test_a_given_iq_model_is_cloned_and_the_seed_fixes_the_result(fitted, planted):
    unfitted = IQModel(**IQ_PARAMS, random_state=0)
    cloned = XGBoostIQModel(iqmodel=unfitted, random_state=0, n_jobs=1).fit(
        planted.sequences, planted.dap
    )
    assert cloned.iqmodel_ is not unfitted and not hasattr(unfitted, "glm_")
    np.testing.assert_array_equal(
        cloned.predict(planted.sequences), fitted.predict(planted.sequences)
    )


def test_parameter_errors(planted):
    pytest.importorskip("xgboost")
    seqs, dap = planted.sequences[:50], planted.dap[:50]
    with pytest.raises(ValueError, match="not both"):
        XGBoostIQModel(iqmodel=IQModel(), iqmodel_params={"n_motifs": 2}).fit(seqs, dap)
    with pytest.raises(ValueError, match="prefit=True needs a fitted IQModel"):
        XGBoostIQModel(prefit=True).fit(seqs, dap)
    with pytest.raises(ValueError, match="dap has 49 values but there are 50 sequences"):
        XGBoostIQModel().fit(seqs, dap[:49])


def test_missing_xgboost_names_the_extra(monkeypatch, planted):
    monkeypatch.setitem(sys.modules, "xgboost", None)
    with pytest.raises(ImportError, match=r"iqmodel\[xgboost\].*xgboost-cpu"):
        XGBoostIQModel(iqmodel_params=IQ_PARAMS).fit(planted.sequences[:50], planted.dap[:50])
