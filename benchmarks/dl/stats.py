"""Paired model comparisons across trajectories, as in the IceQream paper (Fig. 5C-D).

The paper (``compare_models_multiple`` in IQ-paper ``code/other-tools.R``) runs R's
``wilcox.test(x, y, paired = TRUE, exact = FALSE, conf.int = TRUE)`` on per-trajectory
scores: the signed-rank test with the normal approximation and continuity correction, the
Hodges-Lehmann estimate with a 95 % interval, the effect size
``r = sign(median(y - x)) * qnorm(1 - p / 2) / sqrt(n)``, and Benjamini-Hochberg adjustment
over all tested pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def hodges_lehmann(differences: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Hodges-Lehmann estimate and confidence interval of paired differences.

    The estimate is the median of the Walsh averages ``(d_i + d_j) / 2, i <= j``; the interval
    takes the Walsh averages at the ranks where the signed-rank statistic's normal
    approximation crosses the ``level`` quantiles.

    Parameters
    ----------
    differences : ndarray of float, shape (n,)
    level : float

    Returns
    -------
    (estimate, low, high) : tuple of float
    """
    d = np.asarray(differences, dtype=float)
    n = len(d)
    walsh = np.sort([(d[i] + d[j]) / 2 for i in range(n) for j in range(i, n)])
    z = stats.norm.ppf(1 - (1 - level) / 2)
    k = int(np.floor(n * (n + 1) / 4 - z * np.sqrt(n * (n + 1) * (2 * n + 1) / 24)))
    k = min(max(k, 0), len(walsh) - 1)
    return float(np.median(walsh)), float(walsh[k]), float(walsh[len(walsh) - 1 - k])


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (R ``p.adjust(method = "BH")``); NaN stays NaN."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if len(finite) == 0:
        return adjusted
    order = finite[np.argsort(p[finite])[::-1]]
    ranks = len(finite) - np.arange(len(finite))
    adjusted[order] = np.minimum(1.0, np.minimum.accumulate(p[order] * len(finite) / ranks))
    return adjusted


def paired_wilcoxon(x, y) -> dict:
    """Paired signed-rank test of ``y`` against ``x`` (normal approximation, corrected).

    Parameters
    ----------
    x, y : array-like of float, shape (n,)
        Scores of two models on the same trajectories.

    Returns
    -------
    dict
        ``n``, ``median_diff`` (median of y - x), ``V`` (sum of ranks of positive
        differences, R's statistic), ``p``, ``hl_estimate``, ``ci_low``, ``ci_high``,
        ``effect_r``. NaN statistics when fewer than 2 non-zero differences.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    d = y[keep] - x[keep]
    row = {"n": int(keep.sum()), "median_diff": float(np.median(d)) if len(d) else np.nan}
    nonzero = d[d != 0]
    if len(nonzero) < 2:
        return {**row, "V": np.nan, "p": np.nan, "hl_estimate": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "effect_r": np.nan}  # fmt: skip
    ranks = stats.rankdata(np.abs(nonzero))
    p = float(stats.wilcoxon(nonzero, method="approx", correction=True).pvalue)
    estimate, low, high = hodges_lehmann(d)
    effect = np.sign(np.median(d)) * stats.norm.ppf(1 - p / 2) / np.sqrt(len(d))
    return {
        **row,
        "V": float(ranks[nonzero > 0].sum()),
        "p": p,
        "hl_estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "effect_r": float(effect),
    }


def compare_pairs(scores: pd.DataFrame, pairs) -> pd.DataFrame:
    """Paired tests of model pairs over trajectories, BH-adjusted together.

    Parameters
    ----------
    scores : DataFrame
        One row per trajectory, one column per model (e.g. squared Pearson r).
    pairs : iterable of (str, str)
        ``(x, y)``: tests ``y`` against ``x``; pairs with a missing model are skipped.

    Returns
    -------
    DataFrame
        ``x``, ``y`` and the columns of :func:`paired_wilcoxon`, plus ``p_bh``.
    """
    rows = [
        {"x": x, "y": y, **paired_wilcoxon(scores[x], scores[y])}
        for x, y in pairs
        if x in scores and y in scores
    ]
    table = pd.DataFrame(rows)
    if len(table):
        table["p_bh"] = benjamini_hochberg(table["p"])
    return table
