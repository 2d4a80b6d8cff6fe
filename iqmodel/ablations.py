"""Ablation models of the IceQream paper (Fig. 2E) that need more than :class:`IQModel` switches.

The switches of :class:`~iqmodel.model.IQModel` cover most ablations (``distill=False``: database
motifs; ``response_bases=False``: linear GLM; ``energy_mode="max"``: best-site energies). This
module holds the one that replaces the regression itself:

- :class:`XGBoostIQModel`, "XGBoost on IQ features": the motifs of a fitted IQ model (normalised
  energies on [0, 10]) and its scaled per-peak features, combined by gradient-boosted trees
  instead of the logistic response functions and the GLM.

xgboost is an optional dependency: ``pip install 'iqmodel[xgboost]'`` (package ``xgboost-cpu``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from iqmodel._validation import check_features, check_target
from iqmodel.metrics import r2_score
from iqmodel.model import IQModel
from iqmodel.seq import encode

__all__ = ["XGBoostIQModel"]


def _import_xgboost():
    """The xgboost module, or an ImportError that says how to install it."""
    try:
        import xgboost
    except ImportError as error:
        raise ImportError(
            "XGBoostIQModel needs the optional dependency xgboost, which is not installed; "
            "install it with `pip install 'iqmodel[xgboost]'` (the xgboost extra, package "
            "xgboost-cpu)"
        ) from error
    return xgboost


class XGBoostIQModel(RegressorMixin, BaseEstimator):
    """XGBoost on IQ features: the "XGBoost-IQ" ablation of the IceQream paper (Fig. 2E).

    Fits an :class:`~iqmodel.model.IQModel`, then an ``xgboost.XGBRegressor`` of dAP on that
    model's base features: the normalised energies of its final motifs and its per-peak
    features scaled to [0, 10] (the inputs of its response functions). The trees replace the
    response functions, the GLM and the interaction terms of the IQ model.

    Parameters
    ----------
    iqmodel : IQModel, optional
        The IQ model whose features are used. Unless ``prefit=True`` it is cloned and the clone
        is fitted (the argument itself is never changed). Default: ``IQModel(**iqmodel_params)``.
    iqmodel_params : dict, optional
        Parameters of the IQ model built when ``iqmodel`` is None; ``random_state`` and
        ``n_jobs`` default to those of this estimator. Give ``iqmodel`` or
        ``iqmodel_params``, not both.
    prefit : bool, default False
        Use ``iqmodel`` as given, already fitted, and fit only the trees. It must have been
        fitted on the same training sequences (otherwise its features have seen other data).
    n_estimators : int, default 300
        Boosting rounds.
    max_depth : int, default 4
        Maximum tree depth.
    learning_rate : float, default 0.05
        Shrinkage per round.
    subsample, colsample_bytree : float, default 0.8
        Row and column fractions sampled per tree.
    xgb_params : dict, optional
        Further ``XGBRegressor`` parameters; they override the ones above.
    random_state : int or None, default None
        Seed of the trees (and of the IQ model built from ``iqmodel_params``); an int gives
        the same model every time.
    n_jobs : int or None, default None
        Threads for the trees (and the IQ model built from ``iqmodel_params``).

    Attributes
    ----------
    iqmodel_ : IQModel
        The fitted IQ model that computes the features.
    regressor_ : xgboost.XGBRegressor
        The fitted trees.
    feature_names_ : list of str
        Names of the tree inputs: motif names, then per-peak feature names.
    train_r2_ : float
        Coefficient of determination on the training data.

    See Also
    --------
    iqmodel.model.IQModel : The model whose features the trees use.

    Examples
    --------
    Trees on the energies of a prefitted IQ model (here fitted on the planted motifs
    themselves); skipped when xgboost is not installed:

    >>> import pytest
    >>> _ = pytest.importorskip("xgboost")
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> train, test = slice(0, 250), slice(250, 300)
    >>> iq = IQModel(sequence_features=False, verbose=0, random_state=0)
    >>> iq = iq.fit_with_motifs(data.sequences[train], data.dap[train], data.truth.motifs)
    >>> model = XGBoostIQModel(iqmodel=iq, prefit=True, n_estimators=100, random_state=0,
    ...                        n_jobs=1).fit(data.sequences[train], data.dap[train])
    >>> model.feature_names_, model.predict(data.sequences[test]).shape
    (['MA0466.4', 'MA0139.2'], (50,))
    >>> bool(model.score(data.sequences[test], data.dap[test]) > 0.8)
    True
    >>> round(float(model.feature_importances_.sum()), 3)
    1.0
    """

    def __init__(
        self,
        *,
        iqmodel: IQModel | None = None,
        iqmodel_params: dict | None = None,
        prefit: bool = False,
        n_estimators: int = 300,
        max_depth: int = 4,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        xgb_params: dict | None = None,
        random_state: int | None = None,
        n_jobs: int | None = None,
    ):
        self.iqmodel = iqmodel
        self.iqmodel_params = iqmodel_params
        self.prefit = prefit
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.xgb_params = xgb_params
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ steps

    def _feature_model(self, seqs, dap, features) -> IQModel:
        """The fitted IQ model: the prefit one, or a fresh one fitted here."""
        if self.iqmodel is not None and self.iqmodel_params is not None:
            raise ValueError(
                "give iqmodel or iqmodel_params, not both; put the parameters on the IQModel "
                "instead"
            )
        if self.prefit:
            if self.iqmodel is None:
                raise ValueError("prefit=True needs a fitted IQModel as iqmodel, got None")
            check_is_fitted(self.iqmodel, "glm_")
            return self.iqmodel
        if self.iqmodel is not None:
            model = clone(self.iqmodel)
        else:
            defaults = {"random_state": self.random_state, "n_jobs": self.n_jobs}
            model = IQModel(**{**defaults, **(self.iqmodel_params or {})})
        return model.fit(seqs, dap, features=features)

    def _regressor(self):
        xgboost = _import_xgboost()
        params = {
            "n_estimators": self.n_estimators,
            "max_depth": self.max_depth,
            "learning_rate": self.learning_rate,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "random_state": self.random_state,
            "n_jobs": self.n_jobs,
            **(self.xgb_params or {}),
        }
        return xgboost.XGBRegressor(**params)

    def _features(self, codes: np.ndarray, features) -> pd.DataFrame:
        """The IQ model's base features of ``codes`` with its fitted scaling."""
        model = self.iqmodel_
        if model.n_features_in_ and features is None:
            raise ValueError(
                f"the IQ model was fitted with {model.n_features_in_} features "
                f"({list(model.feature_names_in_)}); pass features= with the same columns"
            )
        return model.transform(codes, features=features)

    # ------------------------------------------------------------------ public API

    def fit(self, seqs, dap, *, features=None) -> XGBoostIQModel:
        """Fit the IQ model (unless prefit), then the trees on its features.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, length)
            Equal-length peak sequences.
        dap : array (n_seqs,)
            Accessibility change, the regression target.
        features : DataFrame or array (n_seqs, n_features), optional
            Per-peak covariates, passed to the IQ model.

        Returns
        -------
        self : XGBoostIQModel
            The fitted model.

        Raises
        ------
        ImportError
            When xgboost is not installed.
        ValueError
            When both ``iqmodel`` and ``iqmodel_params`` are given, ``prefit=True`` without
            ``iqmodel``, or for invalid inputs.
        sklearn.exceptions.NotFittedError
            When ``prefit=True`` and ``iqmodel`` is not fitted.
        """
        regressor = self._regressor()  # fails early when xgboost is missing
        codes = encode(seqs)
        dap = check_target(dap, len(codes), allow_constant=False)
        features = check_features(features, len(codes))
        self.iqmodel_ = self._feature_model(codes, dap, features)
        design = self._features(codes, features)
        self.regressor_ = regressor.fit(design.to_numpy(), dap)
        self.feature_names_ = list(design.columns)
        self.train_r2_ = float(r2_score(dap, self.regressor_.predict(design.to_numpy())))
        return self

    def predict(self, seqs, *, features=None) -> np.ndarray:
        """Predicted dAP for each sequence, shape (n_seqs,).

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, length)
            Sequences of the IQ model's training length.
        features : DataFrame or array (n_seqs, n_features), optional
            The covariates the IQ model was fitted with.

        Returns
        -------
        ndarray of float64, shape (n_seqs,)
            Predicted dAP.
        """
        check_is_fitted(self, "regressor_")
        codes = encode(seqs)
        features = check_features(features, len(codes))
        design = self._features(codes, features)
        return self.regressor_.predict(design.to_numpy()).astype(np.float64)

    def score(self, seqs, dap, *, features=None) -> float:
        """Coefficient of determination R^2 of the predictions.

        Parameters
        ----------
        seqs : list of str or int8 array (n_seqs, length)
            Sequences of the IQ model's training length.
        dap : array-like of float, shape (n_seqs,)
            Observed dAP (not constant).
        features : DataFrame or array (n_seqs, n_features), optional
            The covariates the IQ model was fitted with.

        Returns
        -------
        float
            R^2, at most 1.
        """
        dap = check_target(dap, len(encode(seqs)), allow_constant=False)
        return float(r2_score(dap, self.predict(seqs, features=features)))

    @property
    def feature_importances_(self) -> pd.Series:
        """Gain-based importance of each tree input, Series indexed by ``feature_names_``.

        Values are float32 in [0, 1] and sum to 1.
        """
        check_is_fitted(self, "regressor_")
        return pd.Series(self.regressor_.feature_importances_, index=self.feature_names_)
