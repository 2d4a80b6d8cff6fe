"""The caQTL benchmark of seed paper 000 (section 2.3) as one function.

1. **Leads.** For each peak with at least one caQTL (empirical ``pvalue <= caqtl_pvalue``),
   the caQTL with the lowest p-value; ties go to the variant closest to the peak summit
   (``summit_distance``, when given), then to the first row.
2. **Negatives.** ``n_negatives`` (10) variants with ``pvalue > negative_pvalue`` (0.1) per
   lead, drawn without replacement, first from the lead's own peak (locus-matched), then at
   random from all remaining negatives; no variant is used twice. The baseline precision is
   ``n_leads / (n_leads + n_negatives_used)`` (1/11 when every lead gets 10).
3. **Average precision** of ``|predicted|`` separating leads from negatives.
4. **Pearson r** of predicted and observed effects, and **sign concordance** (share of leads
   whose predicted and observed effects have the same sign; leads with a zero on either side
   are left out), on the leads.

Open points of the seed paper and the defaults chosen here: the caQTL threshold
(``caqtl_pvalue=0.05`` on the given p-values; pass FDR-adjusted values to use FDR), how
negatives are matched (same peak first, then random), the seed of that draw
(``random_state``), and orientation: ``predicted`` and ``observed`` must both be ``alt minus
ref`` (:func:`iqmodel.variants.score_variants` reports ``delta = alt - ref``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from iqmodel.metrics import pearson_r
from iqmodel.sampling import stage_seeds

__all__ = ["CaqtlMetrics", "caqtl_metrics"]

_NEEDED = ("peak", "pvalue", "observed", "predicted")


class CaqtlMetrics(NamedTuple):
    """Result of :func:`caqtl_metrics`.

    Attributes
    ----------
    average_precision : float
        Of ``|predicted|``, leads (positives) vs matched negatives.
    baseline : float
        Share of leads among leads + negatives (the AP of a random ranking).
    enrichment : float
        ``average_precision / baseline``.
    pearson_r : float
        Predicted vs observed effect on the leads (NaN with fewer than 3 leads).
    sign_concordance : float
        Share of leads with matching signs, in [0, 1].
    n_leads, n_negatives : int
        Number of leads (one per peak with a caQTL) and of negatives drawn.
    leads, negatives : DataFrame
        The rows used (input columns), leads with the ``peak`` of each.

    See Also
    --------
    caqtl_metrics : Computes it.

    Examples
    --------
    Two peaks with one caQTL each, and two variants without effect in each:

    >>> import pandas as pd
    >>> from iqmodel.variants import caqtl_metrics
    >>> variants = pd.DataFrame(
    ...     {
    ...         "peak": ["a", "a", "a", "b", "b", "b"],
    ...         "pvalue": [0.01, 0.6, 0.7, 0.02, 0.5, 0.9],
    ...         "observed": [0.4, 0.0, 0.1, -0.3, 0.0, 0.0],
    ...         "predicted": [0.2, 0.05, -0.3, -0.1, 0.0, 0.01],
    ...     }
    ... )
    >>> metrics = caqtl_metrics(variants, n_negatives=2)
    >>> metrics.n_leads, metrics.n_negatives, metrics.baseline
    (2, 4, 0.3333333333333333)
    >>> metrics.sign_concordance, metrics.leads["peak"].tolist()
    (1.0, ['a', 'b'])
    >>> round(metrics.average_precision, 3)  # |-0.3| of a negative outranks both leads
    0.583
    """

    average_precision: float
    baseline: float
    enrichment: float
    pearson_r: float
    sign_concordance: float
    n_leads: int
    n_negatives: int
    leads: pd.DataFrame
    negatives: pd.DataFrame


def _checked(variants: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(variants, pd.DataFrame):
        raise TypeError(f"variants must be a DataFrame, got {type(variants).__name__}")
    missing = [c for c in _NEEDED if c not in variants.columns]
    if missing:
        raise ValueError(
            f"variants lack the column(s) {missing}; caqtl_metrics needs peak (the peak "
            "holding the variant), pvalue (empirical caQTL p-value), observed and predicted "
            "(effects, both alt minus ref), optionally summit_distance"
        )
    values = variants[["pvalue", "observed", "predicted"]].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("pvalue, observed and predicted must be finite numbers (no NaN)")
    return variants.reset_index(drop=True)


def _leads(variants: pd.DataFrame, caqtl_pvalue: float) -> pd.DataFrame:
    significant = variants[variants["pvalue"] <= caqtl_pvalue]
    keys = ["pvalue"]
    if "summit_distance" in variants.columns:
        significant = significant.assign(_distance=significant["summit_distance"].abs())
        keys.append("_distance")
    ordered = significant.sort_values(keys, kind="stable")
    return ordered.drop_duplicates("peak").drop(columns="_distance", errors="ignore")


def _negatives(variants, leads, n_negatives, negative_pvalue, rng) -> pd.DataFrame:
    pool = variants[variants["pvalue"] > negative_pvalue]
    available = np.ones(len(pool), dtype=bool)
    peaks = pool["peak"].to_numpy()
    chosen = []
    for peak in leads["peak"]:
        local = np.flatnonzero(available & (peaks == peak))
        picked = list(rng.permutation(local)[:n_negatives])
        available[picked] = False
        rest = np.flatnonzero(available)
        extra = list(rng.permutation(rest)[: n_negatives - len(picked)])
        available[extra] = False
        chosen += picked + extra
    return pool.iloc[sorted(chosen)]


def _sign_concordance(predicted: np.ndarray, observed: np.ndarray) -> float:
    signed = (predicted != 0) & (observed != 0)
    if not signed.any():
        return float("nan")
    return float(np.mean(np.sign(predicted[signed]) == np.sign(observed[signed])))


def caqtl_metrics(
    variants: pd.DataFrame,
    *,
    caqtl_pvalue: float = 0.05,
    negative_pvalue: float = 0.1,
    n_negatives: int = 10,
    random_state=None,
) -> CaqtlMetrics:
    """Seed-paper caQTL metrics of predicted variant effects (see the module docstring).

    Parameters
    ----------
    variants : DataFrame
        One row per tested variant: ``peak`` (peak holding it), ``pvalue`` (empirical caQTL
        p-value), ``observed`` (caQTL effect size), ``predicted`` (model effect, e.g.
        ``score_variants(...).effects["delta"]``), optionally ``summit_distance`` (bp).
        Both effects alt minus ref.
    caqtl_pvalue : float, default 0.05
        A variant with ``pvalue <= caqtl_pvalue`` is a caQTL.
    negative_pvalue : float, default 0.1
        Negatives have ``pvalue > negative_pvalue``.
    n_negatives : int, default 10
        Negatives per lead.
    random_state : int, Generator or None
        Seeds the draw of negatives.

    Returns
    -------
    CaqtlMetrics
        The metrics, counts and the rows used.

    Raises
    ------
    TypeError
        When ``variants`` is not a DataFrame.
    ValueError
        For missing columns, non-finite values, or no caQTL lead.

    Examples
    --------
    Four peaks, each with one caQTL (p = 0.001) and three variants without effect; peak
    ``p0`` has a second caQTL with the same p-value, farther from the summit:

    >>> import pandas as pd
    >>> from iqmodel.variants import caqtl_metrics
    >>> rows = []
    >>> for k in range(4):
    ...     sign = 1 if k % 2 == 0 else -1
    ...     rows.append(("lead", f"p{k}", 0.001, 0.5 * sign, 0.3 * sign, 5))
    ...     rows += [("other", f"p{k}", 0.5, 0.0, 0.01 * j, 40) for j in (1, 2, 3)]
    >>> rows.append(("far", "p0", 0.001, 0.4, 0.1, 120))
    >>> variants = pd.DataFrame(
    ...     rows, columns=["id", "peak", "pvalue", "observed", "predicted", "summit_distance"]
    ... )
    >>> result = caqtl_metrics(variants, n_negatives=3, random_state=0)
    >>> result.n_leads, result.n_negatives, result.leads["id"].tolist()
    (4, 12, ['lead', 'lead', 'lead', 'lead'])
    >>> round(result.baseline, 3), round(result.average_precision, 3), round(result.enrichment, 3)
    (0.25, 1.0, 4.0)
    >>> round(result.pearson_r, 3), result.sign_concordance
    (1.0, 1.0)
    """
    variants = _checked(variants)
    leads = _leads(variants, caqtl_pvalue)
    if leads.empty:
        raise ValueError(
            f"no variant has pvalue <= {caqtl_pvalue}: there is no caQTL lead to evaluate"
        )
    rng = np.random.default_rng(stage_seeds(random_state, 1)[0])
    negatives = _negatives(variants, leads, n_negatives, negative_pvalue, rng)
    labels = np.r_[np.ones(len(leads)), np.zeros(len(negatives))]
    scores = np.abs(np.r_[leads["predicted"].to_numpy(), negatives["predicted"].to_numpy()])
    ap = float(average_precision_score(labels, scores)) if len(negatives) else float("nan")
    baseline = len(leads) / len(labels)
    predicted, observed = leads["predicted"].to_numpy(), leads["observed"].to_numpy()
    r = pearson_r(observed, predicted) if len(leads) >= 3 else float("nan")
    return CaqtlMetrics(
        average_precision=ap,
        baseline=baseline,
        enrichment=ap / baseline,
        pearson_r=float(r),
        sign_concordance=_sign_concordance(predicted, observed),
        n_leads=len(leads),
        n_negatives=len(negatives),
        leads=leads.reset_index(drop=True),
        negatives=negatives.reset_index(drop=True),
    )
