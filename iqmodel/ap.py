"""ATAC signal -> access probabilities (AP) -> differential AP (spec 9 and 7.3).

The IceQream normalisation turns raw ATAC signal summed over peaks (P peaks x T cell states)
into access probabilities in [0, 1] in three steps, each a public function with closed-form
maths and fitted as a whole by :class:`APNormalizer`:

1. :func:`regional_normalize` (spec 9.3): peaks in regions of high background are scaled down
   by ``f_p = max(u_p / quantile_q(u), 1)``, ``u_p`` the background around the peak (the
   window signal minus the peak signal, summed over states); then every state is divided by its
   total, so each state sums to 1.
2. :func:`constitutive_normalize` (spec 9.5): states are rescaled so that the constitutive peaks
   (open in every state, e.g. housekeeping promoters; see :func:`detect_constitutive`) carry
   the same total signal in every state.
3. :func:`probability_normalize` (spec 9.6): a high quantile of the constitutive signal is taken
   as AP = 1; the signal is divided by it, capped at 1 and stretched to [0, 1] per state.

:func:`compute_dap` takes the difference of two states (spec 7.3). :func:`tfidf`,
:func:`tfidf_probability` and :func:`compare_normalizations` reproduce the paper's comparison
with TF-IDF normalisation.

Deviations from the R reference (``preprocess_data``) are listed in ``docs/porting_from_r.md``:
constitutive peaks are detected by a scale-free quantile rule, a zero background quantile is
guarded, a user ``prob1_thresh`` is honoured, and :class:`APNormalizer` stores every constant
so a new peak is normalised exactly as in fit, independently of the other rows.
"""

from __future__ import annotations

import logging
import numbers
import warnings
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from iqmodel._validation import check_matrix, check_unique, format_names, set_features_in
from iqmodel.exceptions import IQModelWarning
from iqmodel.metrics import correlation_matrix

__all__ = [
    "APNormalizer",
    "RegionalNormalization",
    "compare_normalizations",
    "compute_dap",
    "constitutive_normalize",
    "detect_constitutive",
    "norm01",
    "probability_normalize",
    "regional_normalize",
    "tfidf",
    "tfidf_probability",
]

logger = logging.getLogger(__name__)

_FORMAT = "iqmodel.APNormalizer"
_VERSION = 1
_REGIONAL_RTOL = 1e-6  # regional may fall below peak by this relative amount (float sums)
_TFIDF_SCALE = 1e4


# --------------------------------------------------------------------------------------------
# validation


def _check_signal(
    X, what: str, *, min_peaks: int = 1, nonnegative: bool = True, purpose: str = ""
) -> pd.DataFrame:
    """``X`` as a float64 DataFrame with string state names, after every input check.

    Checks: a DataFrame, not empty, at least ``min_peaks`` rows, unique peak and state names,
    numeric, finite, and (``nonnegative``) no negative entry; bad entries are named by peak and
    state.
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"{what} must be a pandas DataFrame of peaks x states (index = peak names, "
            f"columns = states), got {type(X).__name__}; build one with "
            "pd.DataFrame(values, index=peak_names, columns=states)"
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"{what} is empty (shape {X.shape}); it needs at least {max(min_peaks, 1)} peak(s) "
            "(rows) and one state (column)"
        )
    if X.shape[0] < min_peaks:
        raise ValueError(
            f"{what} has {X.shape[0]} peak(s) but {purpose or 'this step'} needs at least "
            f"{min_peaks}: its constants are quantiles and totals over peaks. Pass the whole "
            "peak set"
        )
    values, states = check_matrix(X, what, dims="n_peaks, n_states", nonfinite="allow")
    check_unique(X.index, f"the peak names (index) of {what}")
    _raise_at_first(
        ~np.isfinite(values),
        values,
        X.index,
        states,
        f"{what} has a non-finite value",
        "ATAC signal must be finite; drop the peak or fill it (e.g. .fillna(0) when NaN means "
        "no coverage)",
    )
    if nonnegative:
        _raise_at_first(
            values < 0,
            values,
            X.index,
            states,
            f"{what} has a negative value",
            "ATAC signal (counts or bigWig sums) must be >= 0; check that the track is not "
            "log-scaled or background-subtracted",
        )
    return pd.DataFrame(values, index=X.index, columns=pd.Index(list(states)))


def _raise_at_first(bad: np.ndarray, values, peaks, states, problem: str, fix: str) -> None:
    """Raise a ValueError naming the peak and state of the first True entry of ``bad``."""
    where = np.argwhere(bad)
    if len(where):
        row, column = where[0]
        raise ValueError(
            f"{problem} ({values[row, column]}) for peak {peaks[row]!r} in state "
            f"{states[column]!r} ({len(where)} such entries in total); {fix}"
        )


def _check_regional(regional, peak: pd.DataFrame) -> pd.DataFrame | None:
    """``regional`` validated and aligned to ``peak`` (same peaks and states, peak's order)."""
    if regional is None:
        return None
    regional = _check_signal(regional, "regional")
    problems = []
    for axis, kind in ((0, "peaks"), (1, "states")):
        mine, theirs = peak.axes[axis], regional.axes[axis]
        missing = mine.difference(theirs, sort=False)
        extra = theirs.difference(mine, sort=False)
        if len(missing) or len(extra):
            problems.append(
                f"{kind} in peak but not in regional: [{format_names(missing)}]; "
                f"{kind} in regional but not in peak: [{format_names(extra)}]"
            )
    if problems:
        raise ValueError(
            "peak and regional must have the same peaks (index) and states (columns); "
            + "; ".join(problems)
            + ". Read both tables from the same peak set and tracks"
        )
    regional = regional.loc[peak.index, peak.columns]
    values, signal = regional.to_numpy(), peak.to_numpy()
    tolerance = _REGIONAL_RTOL * np.maximum(np.abs(values), np.abs(signal))
    where = np.argwhere(values < signal - tolerance)
    if len(where):
        row, column = where[0]
        raise ValueError(
            f"regional ({values[row, column]}) is smaller than peak ({signal[row, column]}) for "
            f"peak {peak.index[row]!r} in state {peak.columns[column]!r} ({len(where)} such "
            "entries in total); regional must be the signal summed over the window "
            "[start - window/2, end + window/2) that includes the peak, so it cannot be smaller. "
            "Check that both come from the same track and that the window contains the peak"
        )
    return regional


def _check_fraction(value, name: str, *, low_open: bool = False) -> float:
    valid = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and (0.0 < value <= 1.0 if low_open else 0.0 <= value <= 1.0)
    )
    if not valid:
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise ValueError(f"{name} must be a float in the range {interval}. Got {value!r} instead.")
    return float(value)


def _check_positive(value, name: str, *, minimum: float = 0.0, example: str = "") -> float:
    valid = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and np.isfinite(value)
        and (value > minimum if minimum == 0.0 else value >= minimum)
    )
    if not valid:
        bound = "a positive float" if minimum == 0.0 else f"a float >= {minimum}"
        raise ValueError(f"{name} must be {bound}{example}. Got {value!r} instead.")
    return float(value)


def _state_positions(states, available: pd.Index, what: str) -> np.ndarray:
    """Positions in ``available`` of one state name or a list of them; unknown ones listed."""
    names = [states] if isinstance(states, str) else list(states)
    if not names:
        raise ValueError(
            f"{what} must name at least one state; available: {format_names(available)}"
        )
    names = [str(name) for name in names]
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError(
            f"{what}: unknown state(s) {format_names(unknown)}; available states: "
            f"{format_names(available)}"
        )
    return available.get_indexer(names)


def _constitutive_mask(constitutive, peaks: pd.Index, what: str = "constitutive") -> np.ndarray:
    """Boolean mask over ``peaks`` from a mask (array or Series) or a list of peak names."""
    if constitutive is None:
        raise ValueError(
            f"{what} is required: pass a boolean mask over the peaks or a list of peak names "
            "(see detect_constitutive)"
        )
    if isinstance(constitutive, str):
        raise TypeError(
            f"{what} must be a boolean mask or a list of peak names, got the single string "
            f"{constitutive!r}; wrap it in a list"
        )
    if isinstance(constitutive, pd.Series) and pd.api.types.is_bool_dtype(constitutive):
        missing = peaks.difference(constitutive.index, sort=False)
        if len(missing):
            raise ValueError(
                f"the boolean Series {what} has no entry for peak(s) {format_names(missing)}; "
                "index it by the same peak names as the signal"
            )
        check_unique(constitutive.index, f"the index of {what}")
        mask = constitutive.reindex(peaks).to_numpy(dtype=bool)
    else:
        values = np.asarray(
            constitutive.to_numpy() if isinstance(constitutive, pd.Series) else constitutive
        )
        if values.ndim != 1:
            raise ValueError(f"{what} must be 1-D, got shape {values.shape}")
        if values.dtype == bool:
            if len(values) != len(peaks):
                raise ValueError(
                    f"the boolean mask {what} has {len(values)} entries but there are "
                    f"{len(peaks)} peaks; pass one entry per peak (or a list of peak names)"
                )
            mask = values.copy()
        else:
            names = pd.Index(values)
            unknown = names.difference(peaks, sort=False)
            if len(unknown):
                raise ValueError(
                    f"{what} names {len(unknown)} peak(s) that are not in the signal: "
                    f"{format_names(unknown)}; use names from its index"
                )
            mask = peaks.isin(names)
    if not mask.any():
        raise ValueError(
            f"{what} selects no peak; at least one constitutive peak is needed to scale the states"
        )
    return mask


# --------------------------------------------------------------------------------------------
# norm01


def _norm01_range(values: np.ndarray, names, what: str, hint: str) -> tuple[np.ndarray, ...]:
    """Per-column (min, max); a constant column is an error naming it."""
    low, high = values.min(axis=0), values.max(axis=0)
    constant = np.flatnonzero(high <= low)
    if len(constant):
        column = constant[0]
        label = f"column {names[column]!r}" if names is not None else f"column {column}"
        raise ValueError(
            f"{what}: {label} is constant ({low[column]}) over its {values.shape[0]} rows, so "
            f"it cannot be rescaled to [0, 1] ({len(constant)} constant column(s)). {hint}"
        )
    return low, high


def norm01(x, *, constant: str = "raise"):
    """Rescale each column to [0, 1]: ``(x - min) / (max - min)``.

    Parameters
    ----------
    x : DataFrame, Series or array-like of float, shape (n,) or (n, n_columns)
        Values to rescale, finite. Each column is rescaled on its own.
    constant : {"raise", "zero"}, default "raise"
        What to do with a column whose values are all equal (no range): raise a ValueError
        naming it (R gives NaN), or map it to 0.

    Returns
    -------
    DataFrame, Series or ndarray of float64
        Same type and shape as ``x`` (a 1-D array for a 1-D input), values in [0, 1].

    Raises
    ------
    ValueError
        For an empty or non-finite ``x``, or a constant column with ``constant="raise"``.

    Examples
    --------
    >>> norm01(np.array([2.0, 4.0, 3.0])).tolist()
    [0.0, 1.0, 0.5]
    >>> norm01(np.array([[1.0, 5.0], [1.0, 7.0]]), constant="zero").tolist()
    [[0.0, 0.0], [0.0, 1.0]]
    """
    if constant not in ("raise", "zero"):
        raise ValueError(f"constant must be 'raise' or 'zero'. Got {constant!r} instead.")
    values, names = check_matrix(x, "x", dims="n, n_columns", allow_1d=True)
    if isinstance(x, pd.Series):
        names = np.asarray([str(x.name)], dtype=object)
    if values.shape[0] == 0:
        raise ValueError("x is empty; norm01 needs at least one value per column")
    low, high = values.min(axis=0), values.max(axis=0)
    if constant == "raise":
        _norm01_range(values, names, "norm01", "Drop the column or pass constant='zero'")
    span = high - low
    scaled = np.zeros_like(values)
    np.divide(values - low, span, out=scaled, where=span > 0)
    if isinstance(x, pd.DataFrame):
        return pd.DataFrame(scaled, index=x.index, columns=x.columns)
    if isinstance(x, pd.Series):
        return pd.Series(scaled[:, 0], index=x.index, name=x.name)
    return scaled[:, 0] if np.ndim(x) == 1 else scaled


# --------------------------------------------------------------------------------------------
# step 1: regional normalisation (spec 9.3)


class RegionalNormalization(NamedTuple):
    """Result of :func:`regional_normalize`.

    Parameters
    ----------
    normalized : DataFrame of float64, shape (n_peaks, n_states)
        The normalised signal.
    factor : Series of float64, shape (n_peaks,)
        The down-weighting factors.
    background : Series of float64, shape (n_peaks,), or None
        The punctured backgrounds.
    reference : float or None
        The background divisor.
    guard : str
        The rule that produced ``reference``.
    column_sums : Series of float64, shape (n_states,)
        The column divisors.

    Attributes
    ----------
    normalized : DataFrame of float64, shape (n_peaks, n_states)
        Row-scaled signal divided by each state's total: every column sums to 1.
    factor : Series of float64, shape (n_peaks,)
        Down-weighting factor ``f_p >= 1`` of each peak (all 1 without ``regional``).
    background : Series of float64, shape (n_peaks,), or None
        Punctured background ``u_p = sum_t (regional - peak)``; None without ``regional``.
    reference : float or None
        The divisor of ``u`` actually used: ``quantile_q(u)``, or the smallest positive ``u``
        when that quantile is 0, or ``inf`` (every ``f_p = 1``) when all ``u`` are 0; None
        without ``regional``.
    guard : str
        Which of those applied: ``"quantile"``, ``"smallest_positive"``, ``"all_zero"`` or
        ``"none"`` (no regional signal).
    column_sums : Series of float64, shape (n_states,)
        Total of the row-scaled signal per state (the column divisors).

    Examples
    --------
    The background of ``p1`` is 19, far above the reference (the 0.1 quantile of the
    backgrounds, 3.6), so ``p1`` is scaled down by 19 / 3.6:

    >>> peak = pd.DataFrame({"a": [9.0, 1.0, 0.0, 4.0], "b": [8.0, 2.0, 1.0, 0.0]},
    ...                     index=["p1", "p2", "p3", "p4"])
    >>> result = regional_normalize(peak, regional=2 * peak + 1)
    >>> result.background.tolist(), round(result.reference, 3), result.guard
    ([19.0, 5.0, 3.0, 6.0], 3.6, 'quantile')
    >>> result.factor.round(3).tolist()
    [5.278, 1.389, 1.0, 1.667]
    >>> result.normalized.sum().round(6).tolist()
    [1.0, 1.0]
    """

    normalized: pd.DataFrame
    factor: pd.Series
    background: pd.Series | None
    reference: float | None
    guard: str
    column_sums: pd.Series


def _background(peak: np.ndarray, regional: np.ndarray) -> np.ndarray:
    """Punctured background per peak, ``sum_t (regional - peak)``, floored at 0."""
    return np.maximum(regional - peak, 0.0).sum(axis=1)


def _regional_reference(background: np.ndarray, minimal_quantile: float) -> tuple[float, str]:
    """The divisor of the background and the guard that produced it.

    The guards warn (:class:`~iqmodel.exceptions.IQModelWarning`) at the caller of
    :func:`regional_normalize` or :meth:`APNormalizer.fit` (``stacklevel=3``).
    """
    reference = float(np.quantile(background, minimal_quantile))
    if reference > 0:
        return reference, "quantile"
    positive = background[background > 0]
    if len(positive):
        reference = float(positive.min())
        n_zero = len(background) - len(positive)
        warnings.warn(
            f"the {minimal_quantile:g} quantile of the regional background (regional - peak) "
            f"is 0 ({n_zero} of {len(background)} peaks have no background); the smallest "
            f"positive background ({reference:g}) is the reference instead. The signal is "
            "sparse (few reads or fragments per window) or the regional window is small",
            IQModelWarning,
            stacklevel=3,
        )
        return reference, "smallest_positive"
    warnings.warn(
        "the regional background (regional - peak) is 0 for every peak; regional "
        "normalisation leaves every peak unscaled (f = 1). Check that regional is the window "
        "signal and not the peak signal again",
        IQModelWarning,
        stacklevel=3,
    )
    return float("inf"), "all_zero"


def _regional_factor(background: np.ndarray, reference: float) -> np.ndarray:
    return np.maximum(background / reference, 1.0)


def _column_sums(scaled: np.ndarray, states) -> np.ndarray:
    sums = scaled.sum(axis=0)
    zero = np.flatnonzero(sums <= 0)
    if len(zero):
        raise ValueError(
            f"state(s) {format_names(states[zero])} have no signal in any peak (column sum 0), "
            "so they cannot be normalised to sum 1; drop those states or check their tracks"
        )
    return sums


def regional_normalize(peak, regional=None, minimal_quantile: float = 0.1):
    """Down-weight peaks in high-background regions, then make each state sum to 1 (spec 9.3).

    With ``u_p = sum_t (regional[p, t] - peak[p, t])`` the punctured background of peak ``p``
    (the window signal around the peak without the peak itself, on the marginal track):

    * ``f_p = max(u_p / quantile_q(u), 1)`` with ``q = minimal_quantile``; row ``p`` is divided
      by ``f_p`` (peaks in busy regions go down, quiet ones are not raised);
    * each column is then divided by its total.

    Guard (R has none and gives Inf/NaN): when ``quantile_q(u)`` is 0 the smallest positive
    ``u`` is the divisor; when every ``u`` is 0 all ``f_p = 1``. Both warn
    (:class:`~iqmodel.exceptions.IQModelWarning`).

    Parameters
    ----------
    peak : DataFrame of float, shape (n_peaks, n_states)
        Raw signal summed over each peak (counts or bigWig sums), >= 0; index = peak names,
        columns = states.
    regional : DataFrame of float, shape (n_peaks, n_states), or None
        The same signal summed over ``[start - window/2, end + window/2)`` (e.g. a 20 kb window)
        including the peak, so ``regional >= peak``; same peaks and states as ``peak`` (any
        order). None skips the down-weighting (all ``f_p = 1``); this is logged.
    minimal_quantile : float, default 0.1
        Quantile level of the background used as the reference.

    Returns
    -------
    RegionalNormalization
        ``normalized`` (columns sum to 1), ``factor`` ``f``, ``background`` ``u``,
        ``reference``, ``guard``, ``column_sums``.

    Raises
    ------
    ValueError
        For invalid signal (negative, non-finite, fewer than 2 peaks), ``regional`` with
        other peaks or states or below ``peak``, or a state without signal.
    TypeError
        When ``peak`` or ``regional`` is not a DataFrame.

    Warns
    -----
    IQModelWarning
        When the background quantile is 0 (guards ``"smallest_positive"`` and
        ``"all_zero"``).

    Examples
    --------
    Without regional signal only the column totals change:

    >>> peak = pd.DataFrame({"a": [1.0, 3.0], "b": [2.0, 2.0]}, index=["p1", "p2"])
    >>> result = regional_normalize(peak)
    >>> result.normalized.to_dict("list"), result.guard
    ({'a': [0.25, 0.75], 'b': [0.5, 0.5]}, 'none')
    """
    minimal_quantile = _check_fraction(minimal_quantile, "minimal_quantile")
    peak = _check_signal(peak, "peak", min_peaks=2, purpose="regional normalisation")
    regional = _check_regional(regional, peak)
    values = peak.to_numpy()
    if regional is None:
        logger.info("no regional signal given: regional normalisation skipped (f = 1)")
        background, reference, guard = None, None, "none"
        factor = np.ones(len(peak))
    else:
        background = _background(values, regional.to_numpy())
        reference, guard = _regional_reference(background, minimal_quantile)
        factor = _regional_factor(background, reference)
    scaled = values / factor[:, np.newaxis]
    sums = _column_sums(scaled, peak.columns)
    return RegionalNormalization(
        normalized=pd.DataFrame(scaled / sums, index=peak.index, columns=peak.columns),
        factor=pd.Series(factor, index=peak.index, name="factor"),
        background=None
        if background is None
        else pd.Series(background, index=peak.index, name="background"),
        reference=reference,
        guard=guard,
        column_sums=pd.Series(sums, index=peak.columns, name="column_sum"),
    )


# --------------------------------------------------------------------------------------------
# constitutive peaks (spec 9.4, replaced by a scale-free rule)


def _detect_constitutive(
    values: np.ndarray, const_quantile: float, max_ratio: float | None
) -> np.ndarray:
    lowest = values.min(axis=1)
    threshold = np.quantile(lowest, const_quantile)
    mask = (lowest >= threshold) & (lowest > 0)
    if max_ratio is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            mask &= values.max(axis=1) <= max_ratio * lowest
    if not mask.any():
        raise ValueError(
            "no constitutive peak found: "
            + (
                "no peak has signal in every state"
                if not (lowest > 0).any()
                else f"no peak in the top of the lowest-state signal has max/min <= {max_ratio}"
            )
            + ". Pass constitutive= (peak names or a mask), lower const_quantile or raise "
            "const_max_ratio"
        )
    return mask


def detect_constitutive(signal, const_quantile: float = 0.9, *, max_ratio=None) -> pd.Series:
    """Peaks with high signal in every state: the constitutively open set (AP = 1 everywhere).

    Rule (scale-free, replacing R's ``min_t log2(N + 1e-5) >= -16``, which nearly every peak
    passes on a few thousand peaks): with ``m_p = min_t signal[p, t]`` the signal of peak ``p``
    in its lowest state, ``p`` is constitutive when

    * ``m_p >= quantile_{const_quantile}(m)`` and ``m_p > 0``: the top 10 % (by default) of
      peaks by their lowest state, so high in every state; and
    * when ``max_ratio`` is given, ``max_t signal[p, t] <= max_ratio * m_p`` (stable across
      states).

    Parameters
    ----------
    signal : DataFrame of float, shape (n_peaks, n_states)
        Signal comparable across states, normally the output of :func:`regional_normalize`
        (each state sums to 1).
    const_quantile : float, default 0.9
        Quantile level of ``m`` that a peak must reach.
    max_ratio : float >= 1, optional
        Largest allowed max/min ratio over states.

    Returns
    -------
    Series of bool, shape (n_peaks,)
        True for constitutive peaks, named ``"constitutive"``; the count is logged.

    Raises
    ------
    ValueError
        When no peak qualifies.

    Examples
    --------
    ``p1`` is the only peak high in both states:

    >>> signal = pd.DataFrame({"a": [9.0, 1.0, 0.0, 4.0], "b": [8.0, 2.0, 1.0, 0.0]},
    ...                       index=["p1", "p2", "p3", "p4"])
    >>> detect_constitutive(signal, const_quantile=0.75).tolist()
    [True, False, False, False]
    """
    const_quantile = _check_fraction(const_quantile, "const_quantile")
    if max_ratio is not None:
        max_ratio = _check_positive(max_ratio, "max_ratio", minimum=1.0, example=", e.g. 4.0")
    signal = _check_signal(signal, "signal", min_peaks=2, purpose="constitutive detection")
    mask = _detect_constitutive(signal.to_numpy(), const_quantile, max_ratio)
    logger.info("detected %d constitutive peaks out of %d", int(mask.sum()), len(mask))
    return pd.Series(mask, index=signal.index, name="constitutive")


# --------------------------------------------------------------------------------------------
# step 2: constitutive normalisation (spec 9.5, norm_quant = scaling_quant = 1)


class _ConstConstants(NamedTuple):
    totals: np.ndarray  # c_t, per state
    reference: float  # c_ref
    maximum: float  # global max of N c_ref / c_t
    scale: float  # max(N), or max of the anchor column


def _const_constants(
    values: np.ndarray, mask: np.ndarray, states, anchor: int | None
) -> _ConstConstants:
    totals = values[mask].sum(axis=0)
    zero = np.flatnonzero(totals <= 0)
    if len(zero):
        raise ValueError(
            f"the constitutive peaks have no signal in state(s) {format_names(states[zero])} "
            "(total 0), so those states cannot be scaled to them; choose constitutive peaks "
            "that are open in every state"
        )
    reference = float(totals.mean() if anchor is None else totals[anchor])
    scaled = values * (reference / totals)
    scale = values.max() if anchor is None else values[:, anchor].max()
    return _ConstConstants(totals, reference, float(scaled.max()), float(scale))


def _apply_const(values: np.ndarray, const: _ConstConstants) -> np.ndarray:
    scaled = values * (const.reference / const.totals) / const.maximum
    return np.minimum(scaled, 1.0) * const.scale


def _anchor_position(anchor, states: pd.Index) -> int | None:
    if anchor is None:
        return None
    if not isinstance(anchor, str):
        raise TypeError(f"anchor must be a state name (str) or None, got {anchor!r}")
    return int(_state_positions(anchor, states, "anchor")[0])


def constitutive_normalize(signal, constitutive, anchor: str | None = None) -> pd.DataFrame:
    """Scale the states so the constitutive peaks carry equal signal in each (spec 9.5).

    With ``c_t = sum_{p constitutive} N[p, t]`` and ``c_ref = mean_t c_t`` (or ``c_anchor``):

    ``N'[p, t] = N[p, t] * c_ref / c_t``, then ``N' / max(N')`` capped at 1, times
    ``max(N)`` (with an anchor: the maximum of the anchor's column of ``N``). This is R's
    ``normalize_const`` with ``norm_quant = scaling_quant = 1`` as ``preprocess_data`` calls it.

    Parameters
    ----------
    signal : DataFrame of float, shape (n_peaks, n_states)
        Normally the output of :func:`regional_normalize`.
    constitutive : array-like of bool, shape (n_peaks,), bool Series, or list of peak names
        The constitutive peaks (see :func:`detect_constitutive`).
    anchor : str, optional
        State whose constitutive total is the reference; default the mean over states.

    Returns
    -------
    DataFrame of float64, shape (n_peaks, n_states)
        Non-negative, at most ``max(N)`` (or the anchor's maximum).

    Raises
    ------
    ValueError
        For invalid signal, no constitutive peak, constitutive peaks without signal in a
        state, or an unknown ``anchor``.

    Examples
    --------
    The constitutive peak ``p1`` carries 9 in ``a`` but 8 in ``b``: ``b`` is scaled by 9/8
    (then everything by ``max(N') / max(N) = 1``):

    >>> signal = pd.DataFrame({"a": [9.0, 1.0, 0.0, 4.0], "b": [8.0, 2.0, 1.0, 0.0]},
    ...                       index=["p1", "p2", "p3", "p4"])
    >>> scaled = constitutive_normalize(signal, ["p1"])
    >>> scaled["a"].tolist(), scaled["b"].tolist()
    ([9.0, 1.0, 0.0, 4.0], [9.0, 2.25, 1.125, 0.0])
    """
    signal = _check_signal(signal, "signal", min_peaks=2, purpose="constitutive normalisation")
    mask = _constitutive_mask(constitutive, signal.index)
    const = _const_constants(
        signal.to_numpy(), mask, signal.columns, _anchor_position(anchor, signal.columns)
    )
    return pd.DataFrame(
        _apply_const(signal.to_numpy(), const), index=signal.index, columns=signal.columns
    )


# --------------------------------------------------------------------------------------------
# step 3: probability normalisation (spec 9.6)


def _prob_threshold(values: np.ndarray, mask, prob_quantile: float, prob1_thresh) -> float:
    if prob1_thresh is not None:
        return float(prob1_thresh)
    threshold = float(np.quantile(values[mask], prob_quantile))
    if threshold <= 0:
        raise ValueError(
            f"the {prob_quantile} quantile of the constitutive signal is 0, so it cannot be "
            "the AP = 1 level; raise prob_quantile, pass prob1_thresh, or check the "
            "constitutive peaks"
        )
    return threshold


def _capped(values: np.ndarray, threshold: float) -> np.ndarray:
    return np.minimum(values / threshold, 1.0)


def _prob_hint(threshold: float) -> str:
    return (
        f"Every peak of that state is at or above the AP = 1 level ({threshold:g}) or has the "
        "same signal; raise prob1_thresh or prob_quantile, or drop the state"
    )


def probability_normalize(
    signal, constitutive=None, prob_quantile: float = 0.9, prob1_thresh: float | None = None
) -> pd.DataFrame:
    """Signal -> access probabilities in [0, 1] (spec 9.6).

    ``T = prob1_thresh``, or the ``prob_quantile`` quantile of all entries (every state) of
    the constitutive peaks; ``P = min(N' / T, 1)``; then :func:`norm01` per state.

    Parameters
    ----------
    signal : DataFrame of float, shape (n_peaks, n_states)
        Normally the output of :func:`constitutive_normalize`.
    constitutive : array-like of bool, bool Series or list of peak names, optional
        Constitutive peaks; required unless ``prob1_thresh`` is given.
    prob_quantile : float, default 0.9
        Quantile level of the constitutive signal taken as AP = 1.
    prob1_thresh : float, optional
        The AP = 1 level itself (same units as ``signal``).

    Returns
    -------
    DataFrame of float64, shape (n_peaks, n_states), in [0, 1]
        Each state has minimum 0 and maximum 1.

    Raises
    ------
    ValueError
        For invalid signal or parameters, no constitutive peaks (without ``prob1_thresh``),
        a zero AP = 1 level, or a state that is constant after capping.

    Examples
    --------
    With AP = 1 at a signal of 4: ``a`` becomes ``min(a / 4, 1)``, then each state is
    stretched to [0, 1]:

    >>> signal = pd.DataFrame({"a": [9.0, 1.0, 0.0, 4.0], "b": [8.0, 2.0, 1.0, 0.0]},
    ...                       index=["p1", "p2", "p3", "p4"])
    >>> ap = probability_normalize(signal, prob1_thresh=4.0)
    >>> ap["a"].tolist(), ap["b"].tolist()
    ([1.0, 0.25, 0.0, 1.0], [1.0, 0.5, 0.25, 0.0])
    """
    prob_quantile = _check_fraction(prob_quantile, "prob_quantile", low_open=True)
    if prob1_thresh is not None:
        prob1_thresh = _check_positive(prob1_thresh, "prob1_thresh")
    signal = _check_signal(signal, "signal", min_peaks=2, purpose="probability normalisation")
    values = signal.to_numpy()
    mask = None if prob1_thresh is not None else _constitutive_mask(constitutive, signal.index)
    threshold = _prob_threshold(values, mask, prob_quantile, prob1_thresh)
    capped = _capped(values, threshold)
    low, high = _norm01_range(capped, signal.columns, "probability step", _prob_hint(threshold))
    return pd.DataFrame((capped - low) / (high - low), index=signal.index, columns=signal.columns)


# --------------------------------------------------------------------------------------------
# the estimator


class APNormalizer(BaseEstimator):
    """ATAC signal (peaks x states) -> access probabilities in [0, 1] (spec 9).

    ``fit`` runs :func:`regional_normalize`, :func:`detect_constitutive` (unless
    ``constitutive`` is given), :func:`constitutive_normalize` and
    :func:`probability_normalize` and stores every constant; ``transform`` applies them to any
    rows, so a peak's AP depends only on its own signal and is identical in fit and transform.
    For a new row: ``x / f_p / column_sums_`` -> ``x * constitutive_reference_ /
    constitutive_totals_ / const_max_``, capped at 1, ``* const_scale_`` ->
    ``min(x / prob1_thresh_, 1)`` -> ``(x - ap_min_) / (ap_max_ - ap_min_)`` clipped to [0, 1].

    Parameters
    ----------
    minimal_quantile : float, default 0.1
        Quantile of the regional background used as its reference (spec 9.3).
    const_quantile : float, default 0.9
        Constitutive detection: quantile level of the lowest-state signal a peak must reach
        (:func:`detect_constitutive`). Not R's ``const_quantile`` (that one is
        ``prob_quantile`` here).
    prob_quantile : float, default 0.9
        Quantile of the constitutive signal taken as AP = 1 (R's ``const_quantile``).
    prob1_thresh : float, optional
        AP = 1 level in constitutive-normalised units; overrides ``prob_quantile``.
    anchor : str, optional
        Reference state of the constitutive step; default the mean over states.
    constitutive : array-like of bool, bool Series or list of peak names, optional
        Constitutive peaks of the fit data; default detected.
    const_max_ratio : float >= 1, optional
        Constitutive detection: also require max/min over states <= this ratio.

    Attributes
    ----------
    regional_ : bool
        Whether regional normalisation ran (``regional`` given to fit).
    regional_reference_ : float or None
        Divisor of the background (``inf``: all ``f = 1``); None when ``regional_`` is False.
    column_sums_ : Series of float64, shape (n_states,)
        Per-state totals of the row-scaled fit signal.
    constitutive_ : Series of bool, shape (n_peaks,)
        Constitutive mask over the fit peaks (after ``fit`` only, not after ``from_dict``).
    constitutive_peaks_ : list
        Names of the constitutive peaks; ``n_constitutive_`` their number.
    constitutive_totals_ : Series of float64, shape (n_states,)
        ``c_t``, constitutive total per state; ``constitutive_reference_`` is ``c_ref``.
    const_max_ : float
        Global maximum of ``N c_ref / c_t`` in fit.
    const_scale_ : float
        Final multiplier of the constitutive step (``max(N)`` or the anchor's maximum).
    prob1_thresh_ : float
        AP = 1 level used.
    ap_min_, ap_max_ : Series of float64, shape (n_states,)
        Per-state range of the capped probabilities in fit (the norm01 constants).
    stages_ : dict of str to DataFrame
        Fit data at each stage: ``"regional"``, ``"constitutive"``, ``"ap"`` (R's
        ``atac_norm``, ``atac_norm_const``, ``atac_norm_prob``); after ``fit`` only.
    report_ : dict
        What happened: peak and state counts, regional step (ran, reference, guard, peaks
        down-weighted), peaks with zero signal in every state, constitutive count and source,
        AP = 1 level and its source, entries capped at AP = 1.
    n_features_in_ : int
        Number of states; ``feature_names_in_`` their names (str).

    Examples
    --------
    >>> peak = pd.DataFrame({"a": [9.0, 1.0, 0.0, 4.0], "b": [8.0, 2.0, 1.0, 0.0]},
    ...                     index=["p1", "p2", "p3", "p4"])
    >>> normalizer = APNormalizer(constitutive=["p1"])
    >>> ap = normalizer.fit_transform(peak)
    >>> ap.round(3).to_dict("list")
    {'a': [1.0, 0.111, 0.0, 0.444], 'b': [1.0, 0.25, 0.125, 0.0]}
    >>> sorted(normalizer.stages_), normalizer.n_constitutive_
    (['ap', 'constitutive', 'regional'], 1)

    A new peak is normalised with the fitted constants alone (states in any order), and the
    constants survive a round trip through :meth:`to_dict`:

    >>> new = pd.DataFrame({"b": [100.0], "a": [0.5]}, index=["new"])
    >>> normalizer.transform(new).round(3).to_dict("list")
    {'a': [0.056], 'b': [1.0]}
    >>> copy = APNormalizer.from_dict(normalizer.to_dict())
    >>> bool(np.allclose(copy.transform(peak), ap))
    True
    """

    def __init__(
        self,
        minimal_quantile=0.1,
        const_quantile=0.9,
        prob_quantile=0.9,
        prob1_thresh=None,
        anchor=None,
        constitutive=None,
        const_max_ratio=None,
    ):
        self.minimal_quantile = minimal_quantile
        self.const_quantile = const_quantile
        self.prob_quantile = prob_quantile
        self.prob1_thresh = prob1_thresh
        self.anchor = anchor
        self.constitutive = constitutive
        self.const_max_ratio = const_max_ratio

    def _check_params(self) -> None:
        for name in ("minimal_quantile", "const_quantile"):
            self._param(_check_fraction, name)
        self._param(_check_fraction, "prob_quantile", low_open=True)
        if self.prob1_thresh is not None:
            self._param(_check_positive, "prob1_thresh", example=", e.g. 0.002")
        if self.const_max_ratio is not None:
            self._param(_check_positive, "const_max_ratio", minimum=1.0, example=", e.g. 4.0")
        if self.anchor is not None and not isinstance(self.anchor, str):
            raise ValueError(
                f"The 'anchor' parameter of APNormalizer must be a state name (str) or None. "
                f"Got {self.anchor!r} instead."
            )

    def _param(self, check, name: str, **kwargs) -> None:
        check(getattr(self, name), f"The {name!r} parameter of APNormalizer", **kwargs)

    def fit(self, peak, regional=None) -> APNormalizer:
        """Fit every normalisation constant on the peak set.

        Parameters
        ----------
        peak : DataFrame of float, shape (n_peaks, n_states)
            Raw signal per peak and state, >= 0, at least 2 peaks.
        regional : DataFrame of float, shape (n_peaks, n_states), optional
            Window signal including the peak (see :func:`regional_normalize`); None skips the
            regional step (reported in ``report_`` and logged).

        Returns
        -------
        self : APNormalizer
            The fitted normaliser.

        Raises
        ------
        ValueError
            For invalid parameters or signal, or when no constitutive peak is found.
        """
        self._check_params()
        peak = _check_signal(peak, "peak", min_peaks=2, purpose="fitting APNormalizer")
        regional = _check_regional(regional, peak)
        values, states = peak.to_numpy(), peak.columns

        if regional is None:
            logger.info("no regional signal given: regional normalisation skipped")
            reference, guard, factor = None, "none", np.ones(len(peak))
        else:
            background = _background(values, regional.to_numpy())
            reference, guard = _regional_reference(background, self.minimal_quantile)
            factor = _regional_factor(background, reference)
        self.regional_ = regional is not None
        self.regional_reference_ = reference
        sums = _column_sums(values / factor[:, np.newaxis], states)
        self.column_sums_ = pd.Series(sums, index=states, name="column_sum")
        normalized = self._regional(values, factor)

        if self.constitutive is None:
            mask = _detect_constitutive(normalized, self.const_quantile, self.const_max_ratio)
            source = "detected"
        else:
            mask = _constitutive_mask(self.constitutive, peak.index)
            source = "given"
        self.constitutive_ = pd.Series(mask, index=peak.index, name="constitutive")
        self.constitutive_peaks_ = peak.index[mask].tolist()
        self.n_constitutive_ = int(mask.sum())
        logger.info("%d constitutive peaks (%s) out of %d", self.n_constitutive_, source, len(peak))

        const = _const_constants(normalized, mask, states, _anchor_position(self.anchor, states))
        self.constitutive_totals_ = pd.Series(const.totals, index=states, name="constitutive")
        self.constitutive_reference_ = const.reference
        self.const_max_ = const.maximum
        self.const_scale_ = const.scale
        const_values = self._constitutive(normalized)

        self.prob1_thresh_ = _prob_threshold(
            const_values, mask, self.prob_quantile, self.prob1_thresh
        )
        capped = _capped(const_values, self.prob1_thresh_)
        low, high = _norm01_range(
            capped, states, "probability step", _prob_hint(self.prob1_thresh_)
        )
        self.ap_min_ = pd.Series(low, index=states, name="ap_min")
        self.ap_max_ = pd.Series(high, index=states, name="ap_max")
        set_features_in(self, len(states), np.asarray(states, dtype=object))

        frame = lambda x: pd.DataFrame(x, index=peak.index, columns=states)  # noqa: E731
        self.stages_ = {
            "regional": frame(normalized),
            "constitutive": frame(const_values),
            "ap": frame(self._probability(const_values)),
        }
        zero_peaks = int((values.sum(axis=1) == 0).sum())
        if zero_peaks:
            logger.info("%d peaks have zero signal in every state (AP 0 everywhere)", zero_peaks)
        self.report_ = {
            "n_peaks": len(peak),
            "n_states": len(states),
            "regional_normalization": self.regional_,
            "regional_reference": _json_float(reference),
            "regional_guard": guard,
            "n_downweighted": int((factor > 1).sum()),
            "n_zero_peaks": zero_peaks,
            "constitutive_source": source,
            "n_constitutive": self.n_constitutive_,
            "anchor": self.anchor,
            "prob1_thresh": self.prob1_thresh_,
            "prob1_source": "given" if self.prob1_thresh is not None else "quantile",
            "n_capped": int((capped >= 1.0).sum()),
        }
        return self

    def _regional(self, values: np.ndarray, factor: np.ndarray) -> np.ndarray:
        return values / factor[:, np.newaxis] / self.column_sums_.to_numpy()

    def _constitutive(self, values: np.ndarray) -> np.ndarray:
        return _apply_const(
            values,
            _ConstConstants(
                self.constitutive_totals_.to_numpy(),
                self.constitutive_reference_,
                self.const_max_,
                self.const_scale_,
            ),
        )

    def _probability(self, values: np.ndarray) -> np.ndarray:
        low, high = self.ap_min_.to_numpy(), self.ap_max_.to_numpy()
        capped = _capped(values, self.prob1_thresh_)
        return np.clip((capped - low) / (high - low), 0.0, 1.0)

    def _align_states(self, frame: pd.DataFrame, what: str) -> pd.DataFrame:
        fitted = pd.Index(self.feature_names_in_)
        missing = fitted.difference(frame.columns, sort=False)
        extra = frame.columns.difference(fitted, sort=False)
        if len(missing) or len(extra):
            raise ValueError(
                f"the states (columns) of {what} do not match the states seen in fit; missing: "
                f"[{format_names(missing)}]; unexpected: [{format_names(extra)}]. Pass exactly "
                "the fitted states (see feature_names_in_), in any order"
            )
        return frame.loc[:, fitted]

    def transform(self, peak, regional=None) -> pd.DataFrame:
        """Access probabilities of any peaks with the fitted constants.

        Parameters
        ----------
        peak : DataFrame of float, shape (n_peaks, n_states)
            Raw signal, the fitted states as columns (any order); any number of peaks.
        regional : DataFrame of float, shape (n_peaks, n_states), optional
            Required when the normaliser was fitted with it, refused otherwise.

        Returns
        -------
        DataFrame of float64, shape (n_peaks, n_states), in [0, 1]
            Columns in the fitted state order, index of ``peak``. Signals beyond the fit range
            are capped (AP 1) or floored (AP 0).

        Raises
        ------
        ValueError
            When the states differ from fit, or ``regional`` is missing (fitted with it) or
            given (fitted without).
        """
        check_is_fitted(self, "prob1_thresh_")
        peak = self._align_states(_check_signal(peak, "peak"), "peak")
        if self.regional_ and regional is None:
            raise ValueError(
                "this APNormalizer was fitted with regional signal, so transform needs it too: "
                "pass regional= (the window sums for the same peaks)"
            )
        if not self.regional_ and regional is not None:
            raise ValueError(
                "this APNormalizer was fitted without regional signal (regional=None), so "
                "regional cannot be used now; pass regional=None or refit with it"
            )
        values = peak.to_numpy()
        factor = np.ones(len(peak))
        if regional is not None:
            regional = _check_regional(regional, peak)
            reference = self.regional_reference_
            factor = _regional_factor(_background(values, regional.to_numpy()), reference)
        ap = self._probability(self._constitutive(self._regional(values, factor)))
        return pd.DataFrame(ap, index=peak.index, columns=peak.columns)

    def fit_transform(self, peak, regional=None) -> pd.DataFrame:
        """Fit on the peaks and return their access probabilities (``stages_["ap"]``).

        Parameters
        ----------
        peak : DataFrame of float, shape (n_peaks, n_states)
            As in :meth:`fit`.
        regional : DataFrame of float, shape (n_peaks, n_states), optional
            As in :meth:`fit`.

        Returns
        -------
        DataFrame of float64, shape (n_peaks, n_states), in [0, 1]
            The access probabilities of the fit peaks.
        """
        return self.fit(peak, regional).stages_["ap"].copy()

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The fitted state names (the output columns).

        Parameters
        ----------
        input_features : None
            Ignored (scikit-learn API).

        Returns
        -------
        ndarray of object (str), shape (n_states,)
            ``feature_names_in_``.
        """
        check_is_fitted(self, "prob1_thresh_")
        return np.asarray(self.feature_names_in_, dtype=object)

    def to_dict(self) -> dict:
        """The parameters and fitted constants as a JSON-able dict (no per-peak stages).

        Returns
        -------
        dict
            Load it back with :meth:`from_dict`. ``constitutive`` is stored as the list of
            constitutive peak names used in fit.
        """
        check_is_fitted(self, "prob1_thresh_")
        params = self.get_params()
        params["constitutive"] = None if self.constitutive is None else self.constitutive_peaks_
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "params": {key: _json_value(value) for key, value in params.items()},
            "states": [str(state) for state in self.feature_names_in_],
            "regional": bool(self.regional_),
            "regional_reference": _json_float(self.regional_reference_),
            "column_sums": self.column_sums_.tolist(),
            "constitutive_peaks": [_json_value(name) for name in self.constitutive_peaks_],
            "constitutive_totals": self.constitutive_totals_.tolist(),
            "constitutive_reference": float(self.constitutive_reference_),
            "const_max": float(self.const_max_),
            "const_scale": float(self.const_scale_),
            "prob1_thresh": float(self.prob1_thresh_),
            "ap_min": self.ap_min_.tolist(),
            "ap_max": self.ap_max_.tolist(),
            "report": {key: _json_value(value) for key, value in self.report_.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> APNormalizer:
        """A fitted normaliser from :meth:`to_dict` output.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict` (e.g. read back from JSON).

        Returns
        -------
        APNormalizer
            Fitted: ``transform`` gives the same result as the original; ``stages_`` and
            ``constitutive_`` (per fit peak) are not restored.

        Raises
        ------
        ValueError
            For a dict of another format or version, or missing keys.
        """
        if not isinstance(data, Mapping) or data.get("format") != _FORMAT:
            raise ValueError(
                f"not an APNormalizer dict: expected 'format': {_FORMAT!r}, got "
                f"{data.get('format') if isinstance(data, Mapping) else type(data).__name__!r}"
            )
        if data.get("version") != _VERSION:
            raise ValueError(
                f"APNormalizer dict version {data.get('version')!r} is not supported (this "
                f"iqmodel reads version {_VERSION}); refit or upgrade iqmodel"
            )
        keys = (
            "params", "states", "regional", "regional_reference", "column_sums",
            "constitutive_peaks", "constitutive_totals", "constitutive_reference", "const_max",
            "const_scale", "prob1_thresh", "ap_min", "ap_max",
        )  # fmt: skip
        missing = [key for key in keys if key not in data]
        if missing:
            raise ValueError(f"APNormalizer dict is missing {format_names(missing)}")
        normalizer = cls(**data["params"])
        normalizer._check_params()
        states = pd.Index([str(state) for state in data["states"]])
        series = lambda key: pd.Series(  # noqa: E731
            np.asarray(data[key], dtype=float), index=states, name=key
        )
        normalizer.regional_ = bool(data["regional"])
        reference = data["regional_reference"]
        normalizer.regional_reference_ = (
            None if not normalizer.regional_ else float("inf" if reference is None else reference)
        )
        normalizer.column_sums_ = series("column_sums")
        normalizer.constitutive_peaks_ = list(data["constitutive_peaks"])
        normalizer.n_constitutive_ = len(normalizer.constitutive_peaks_)
        normalizer.constitutive_totals_ = series("constitutive_totals")
        normalizer.constitutive_reference_ = float(data["constitutive_reference"])
        normalizer.const_max_ = float(data["const_max"])
        normalizer.const_scale_ = float(data["const_scale"])
        normalizer.prob1_thresh_ = float(data["prob1_thresh"])
        normalizer.ap_min_ = series("ap_min")
        normalizer.ap_max_ = series("ap_max")
        normalizer.report_ = dict(data.get("report", {}))
        set_features_in(normalizer, len(states), np.asarray(states, dtype=object))
        return normalizer


def _json_float(value) -> float | None:
    """A float for JSON; None for None and non-finite values."""
    if value is None or not np.isfinite(value):
        return None
    return float(value)


def _json_value(value):
    """Plain Python (JSON-able) version of a parameter, peak name or report value."""
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, (pd.Series, pd.Index, np.ndarray)):
        return [_json_value(item) for item in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------
# dAP (spec 7.3)


def compute_dap(ap, start, end, normalize: bool = True) -> pd.Series:
    """Differential access probability between two states (spec 7.3).

    ``dAP = norm01(AP[:, end]) - norm01(AP[:, start])`` over the given peaks (``normalize``),
    or the plain difference; in [-1, 1] for AP in [0, 1]. The norm01 uses the peaks passed
    here, as R does (training and test sets are each rescaled on their own).

    Parameters
    ----------
    ap : DataFrame of float, shape (n_peaks, n_states)
        Access probabilities (e.g. :meth:`APNormalizer.transform`), >= 0.
    start, end : str or list of str
        State(s) at the start and end of the trajectory; a list is averaged first.
    normalize : bool, default True
        Rescale each side to [0, 1] over the peaks before the difference.

    Returns
    -------
    Series of float64, shape (n_peaks,)
        Named ``"dap"``, index of ``ap``.

    Raises
    ------
    ValueError
        For an unknown state, invalid ``ap``, or a side constant over the peaks (with
        ``normalize``).

    Examples
    --------
    >>> ap = pd.DataFrame({"early": [0.0, 0.5, 1.0], "mid": [0.2, 0.2, 0.8],
    ...                    "late": [1.0, 0.5, 0.0]}, index=["p1", "p2", "p3"])
    >>> compute_dap(ap, "early", "late").tolist()
    [1.0, 0.0, -1.0]
    >>> compute_dap(ap, ["early", "mid"], "late", normalize=False).round(3).tolist()
    [0.9, 0.15, -0.9]
    """
    ap = _check_signal(ap, "ap")
    sides = []
    for states, what in ((start, "start"), (end, "end")):
        positions = _state_positions(states, ap.columns, what)
        side = ap.to_numpy()[:, positions].mean(axis=1)
        if normalize:
            low, high = _norm01_range(
                side[:, np.newaxis],
                [", ".join(ap.columns[positions])],
                f"{what} state",
                "Pass normalize=False or more peaks",
            )
            side = (side - low[0]) / (high[0] - low[0])
        sides.append(side)
    return pd.Series(sides[1] - sides[0], index=ap.index, name="dap")


# --------------------------------------------------------------------------------------------
# TF-IDF comparison (paper, "AP normalization comparison to TF-IDF normalization")


def tfidf(counts) -> pd.DataFrame:
    """TF-IDF of a peaks x states count matrix, as in the IceQream paper.

    ``TF[p, t] = log(1 + 1e4 * counts[p, t] / sum_p counts[p, t])`` (natural log);
    ``IDF[p] = log(1 + n_states / df_p)`` with ``df_p`` the number of states where peak ``p``
    has a non-zero count; the result is ``TF * IDF``. A peak with no count in any state gets 0.

    Parameters
    ----------
    counts : DataFrame of float, shape (n_peaks, n_states)
        Raw counts (or signal), >= 0; every state needs a positive total.

    Returns
    -------
    DataFrame of float64, shape (n_peaks, n_states)
        TF-IDF scores, >= 0.

    Raises
    ------
    ValueError
        For invalid counts or a state with no count.

    Examples
    --------
    ``p3`` has counts in both states (IDF ``log 2``), ``p1`` in one only (IDF ``log 3``):

    >>> import numpy as np
    >>> counts = pd.DataFrame({"a": [1.0, 0.0, 3.0], "b": [0.0, 2.0, 2.0]},
    ...                       index=["p1", "p2", "p3"])
    >>> scores = tfidf(counts)
    >>> bool(np.isclose(scores.loc["p1", "a"], np.log1p(1e4 * 1 / 4) * np.log(3)))
    True
    >>> bool(np.isclose(scores.loc["p3", "b"], np.log1p(1e4 * 2 / 4) * np.log(2)))
    True
    >>> float(scores.loc["p1", "b"])
    0.0
    """
    counts = _check_signal(counts, "counts")
    values = counts.to_numpy()
    sums = _column_sums(values, counts.columns)
    tf = np.log1p(values / sums * _TFIDF_SCALE)
    df = (values > 0).sum(axis=1)
    idf = np.zeros(len(values))
    np.divide(counts.shape[1], df, out=idf, where=df > 0)
    idf = np.log1p(idf)
    return pd.DataFrame(tf * idf[:, np.newaxis], index=counts.index, columns=counts.columns)


def tfidf_probability(counts, constitutive, quantile: float = 0.6) -> pd.DataFrame:
    """Probability-normalised TF-IDF (the paper's variant matched to the AP range).

    Per state: the :func:`tfidf` values divided by their ``quantile`` (60th percentile) over
    the constitutive peaks, capped at 1, then :func:`norm01`.

    Parameters
    ----------
    counts : DataFrame of float, shape (n_peaks, n_states)
        Raw counts, >= 0.
    constitutive : array-like of bool, bool Series or list of peak names
        Constitutive peaks.
    quantile : float, default 0.6
        Quantile level of each state's constitutive TF-IDF values taken as 1.

    Returns
    -------
    DataFrame of float64, shape (n_peaks, n_states), in [0, 1]
        Each state has minimum 0 and maximum 1.

    Raises
    ------
    ValueError
        For invalid counts, no constitutive peak, a zero constitutive quantile, or a state
        constant after capping.

    Examples
    --------
    >>> counts = pd.DataFrame({"a": [10.0, 2.0, 1.0, 5.0], "b": [9.0, 3.0, 2.0, 1.0]},
    ...                       index=["p1", "p2", "p3", "p4"])
    >>> probabilities = tfidf_probability(counts, ["p1"])
    >>> probabilities.loc["p1"].tolist(), probabilities.min().tolist()
    ([1.0, 1.0], [0.0, 0.0])
    """
    quantile = _check_fraction(quantile, "quantile")
    scores = tfidf(counts)
    mask = _constitutive_mask(constitutive, scores.index)
    values = scores.to_numpy()
    threshold = np.quantile(values[mask], quantile, axis=0)
    zero = np.flatnonzero(threshold <= 0)
    if len(zero):
        raise ValueError(
            f"the {quantile} quantile of the constitutive TF-IDF is 0 in state(s) "
            f"{format_names(scores.columns[zero])}; raise quantile or check the constitutive "
            "peaks"
        )
    capped = np.minimum(values / threshold, 1.0)
    low, high = _norm01_range(
        capped, scores.columns, "TF-IDF probability", "Raise quantile or drop the state"
    )
    return pd.DataFrame((capped - low) / (high - low), index=scores.index, columns=scores.columns)


def _group_means(frame: pd.DataFrame, groups, what: str) -> pd.DataFrame:
    groups = pd.Series(groups) if isinstance(groups, Mapping) else groups
    if not isinstance(groups, pd.Series):
        raise TypeError(
            f"groups must be a dict or Series mapping each state to its group, got "
            f"{type(groups).__name__}"
        )
    groups = groups.rename(index=str)
    missing = frame.columns.difference(groups.index, sort=False)
    if len(missing):
        raise ValueError(
            f"groups has no group for state(s) {format_names(missing)} of {what}; map every "
            "state to a group"
        )
    labels = groups.reindex(frame.columns)
    return frame.T.groupby(labels.to_numpy(), sort=False).mean().T


def compare_normalizations(matrices: Mapping, groups=None) -> dict[str, pd.DataFrame]:
    """Pearson correlation between state profiles, for each normalisation.

    Parameters
    ----------
    matrices : mapping of str to DataFrame, each of shape (n_peaks, n_states)
        The same data under different normalisations, e.g. ``{"TF-IDF": tfidf(counts),
        "TF-IDF prob": tfidf_probability(counts, const), "AP": ap}``; finite values, at least
        2 peaks.
    groups : dict or Series mapping state -> group, optional
        States are averaged per group (e.g. metacells per cell type) before correlating;
        groups keep their order of first appearance.

    Returns
    -------
    dict of str to DataFrame, each of shape (n_profiles, n_profiles)
        Pearson r between the columns (states or groups) over peaks.

    Raises
    ------
    ValueError
        For an empty ``matrices``, invalid matrices, a constant profile, or a state without
        a group.
    TypeError
        When ``groups`` is neither a dict nor a Series.

    Examples
    --------
    A per-state rescaling leaves the correlations unchanged; averaging replicates by group
    gives one profile per group:

    >>> signal = pd.DataFrame({"a": [9.0, 1.0, 0.0, 4.0], "b": [8.0, 2.0, 1.0, 0.0]})
    >>> result = compare_normalizations({"raw": signal, "scaled": signal / signal.sum()})
    >>> result["raw"].round(3).to_numpy().tolist() == result["scaled"].round(3).to_numpy().tolist()
    True
    >>> round(float(result["raw"].loc["a", "b"]), 3)
    0.815
    >>> replicates = pd.concat([signal, signal.add_suffix("2")], axis=1)
    >>> grouped = compare_normalizations({"raw": replicates},
    ...                                  groups={"a": "A", "a2": "A", "b": "B", "b2": "B"})
    >>> grouped["raw"].columns.tolist()
    ['A', 'B']
    """
    if not isinstance(matrices, Mapping) or not matrices:
        raise ValueError("matrices must be a non-empty dict of name -> DataFrame (peaks x states)")
    result = {}
    for name, matrix in matrices.items():
        what = f"matrices[{name!r}]"
        frame = _check_signal(matrix, what, min_peaks=2, nonnegative=False, purpose="a correlation")
        if groups is not None:
            frame = _group_means(frame, groups, what)
        values = frame.to_numpy()
        _norm01_range(values, frame.columns, what, "Pearson r is undefined for it; drop it")
        result[name] = pd.DataFrame(
            correlation_matrix(values),
            index=frame.columns,
            columns=frame.columns,
        )
    return result
