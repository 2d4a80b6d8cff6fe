"""The IQ ablation ladder of the IceQream paper (Fig. 2E and 3B), fitted on one trajectory.

One full :class:`~iqmodel.model.IQModel` fit gives the default model; the steps that keep its
motifs reuse them, so each step changes one thing:

- ``database motifs + linear GLM`` (``bench_iqmodel.BASELINE``): a full fit without
  distillation or response functions (database PWMs, no spatial profiles).
- ``IQ energies + linear GLM``: the IQ motifs, the logistic GLM on their [0, 10] energies
  without response functions (``response_bases=False``, ``fit_with_motifs``).
- ``IQ energies + GAM``: an additive model of the IQ model's inputs (:meth:`IQModel.transform`:
  energies and scaled sequence features): a cubic B-spline basis per input (6 knots, linear
  extrapolation) and a ridge penalty chosen by leave-one-out cross-validation. mgcv gives each
  smooth its own penalty; here one penalty is shared.
- ``IQ energies + XGBoost``: ``XGBoostIQModel`` on the IQ model's inputs (prefit IQ model).
- ``IQ (default)``: no interactions (``bench_iqmodel.DEFAULT``).
- ``IQ + interactions``: the IQ motifs with pairwise interaction terms.
- ``IQ max energies``: the IQ motifs scored by their best window (``energy_mode="max"``).

Fit times are each step's own wall time; the steps on IQ motifs add that of ``IQ (default)``.
Parameter counts: PWM entries and spatial weights of the motifs, non-zero GLM coefficients and
the intercept, spline coefficients, or tree nodes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from bench_iqmodel import BASELINE, DEFAULT, VARIANTS
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer

from iqmodel.ablations import XGBoostIQModel
from iqmodel.model import IQModel

GLM = "IQ energies + linear GLM"
GAM = "IQ energies + GAM"
XGBOOST = "IQ energies + XGBoost"
INTERACTIONS = "IQ + interactions"
MAX = "IQ max energies"
LADDER = (BASELINE, GLM, GAM, XGBOOST, DEFAULT, INTERACTIONS, MAX)
"""The ladder in the paper's order (Fig. 2E), then the max-energy ablation (Fig. 3B)."""

GAM_ALPHAS = np.logspace(-3, 4, 15)


class Fitted(NamedTuple):
    """One fitted model of one trajectory."""

    model: str
    predict: Callable
    n_parameters: int
    seconds: float
    note: str = ""


def motif_parameters(motifs) -> int:
    """PWM entries plus spatial weights of ``motifs``."""
    return sum(m.pwm.size + (0 if m.spatial is None else m.spatial.size) for m in motifs)


def iq_parameters(model: IQModel) -> int:
    """Motif parameters + non-zero GLM coefficients + intercept of a fitted IQ model."""
    coefficients = int(np.count_nonzero(model.coef_["coefficient"].to_numpy()))
    return motif_parameters(model.motifs_) + coefficients + 1


def tree_nodes(booster) -> int:
    """Nodes of every tree of an xgboost booster."""
    return len(booster.trees_to_dataframe())


def _timed(fit: Callable):
    start = time.perf_counter()
    fitted = fit()
    return fitted, time.perf_counter() - start


def fit_ladder(seqs, y, *, n_motifs: int, seed: int, steps=LADDER) -> list[Fitted]:
    """Fit the ladder steps in ``steps`` on one trajectory.

    Parameters
    ----------
    seqs : list of str
        Training sequences.
    y : ndarray of float, shape (n,)
        Training target of one trajectory.
    n_motifs : int
        ``IQModel(n_motifs=...)``.
    seed : int
        ``random_state`` of every model.
    steps : iterable of str
        Names from :data:`LADDER`.

    Returns
    -------
    list of Fitted
        In :data:`LADDER` order.
    """
    steps = [s for s in LADDER if s in set(steps)]
    settings = dict(n_motifs=n_motifs, random_state=seed, verbose=0)
    out = []
    if BASELINE in steps:
        params = dict(VARIANTS)[BASELINE]
        model, seconds = _timed(lambda: IQModel(**settings, **params).fit(seqs, y))
        out.append(Fitted(BASELINE, model.predict, iq_parameters(model), seconds))
    if steps == [BASELINE]:
        return out
    iq, iq_seconds = _timed(lambda: IQModel(**settings).fit(seqs, y))
    on_iq = f"on the IQ (default) motifs; + {iq_seconds:.0f} s of that fit"
    iq_motifs = motif_parameters(iq.motifs_)
    refits = (
        (GLM, {"response_bases": False}),
        (INTERACTIONS, {"interactions": True}),
        (MAX, {"energy_mode": "max"}),
    )
    for step, params in refits:
        if step in steps:
            model, seconds = _timed(
                lambda p=params: IQModel(**settings, **p).fit_with_motifs(seqs, y, iq.motifs_)
            )
            out.append(Fitted(step, model.predict, iq_parameters(model), seconds, on_iq))
    if GAM in steps:
        gam = make_pipeline(
            SplineTransformer(n_knots=6, degree=3, extrapolation="linear"),
            RidgeCV(alphas=GAM_ALPHAS),
        )
        gam, seconds = _timed(lambda: gam.fit(iq.transform(seqs), y))
        n_spline = int(np.count_nonzero(gam[-1].coef_)) + 1
        out.append(
            Fitted(
                GAM, lambda s: gam.predict(iq.transform(s)), iq_motifs + n_spline, seconds, on_iq
            )
        )
    if XGBOOST in steps:
        xgb = XGBoostIQModel(iqmodel=iq, prefit=True, random_state=seed)
        xgb, seconds = _timed(lambda: xgb.fit(seqs, y))
        nodes = tree_nodes(xgb.regressor_.get_booster())
        out.append(Fitted(XGBOOST, xgb.predict, iq_motifs + nodes, seconds, on_iq))
    if DEFAULT in steps:
        out.append(Fitted(DEFAULT, iq.predict, iq_parameters(iq), iq_seconds))
    return sorted(out, key=lambda fitted: LADDER.index(fitted.model))
