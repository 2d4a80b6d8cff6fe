"""Additional (non-motif) features: sequence composition and their [0, 10] scaling (spec 7.13).

Besides motif energies, a model may use per-peak covariates such as GC content, the 16
dinucleotide frequencies, or user tracks (histone marks, regional accessibility). Like the
energies they enter the model on a [0, 10] scale: :class:`FeatureScaler` clips each column to
its central quantile range, fitted once, and stretches it linearly to [0, 10].
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from iqmodel._validation import align_to_fit, check_matrix, set_features_in
from iqmodel.seq import DINUCLEOTIDES, dinucleotide_frequencies, encode_ragged, gc_content

__all__ = ["DINUCLEOTIDE_FEATURES", "MAX_VALUE", "FeatureScaler", "sequence_features"]

DINUCLEOTIDE_FEATURES = DINUCLEOTIDES
"""Names of the 16 dinucleotide features, ``("AA", "AC", ..., "TT")``.

They are never anchors or partners of interactions (spec 7.12.1).
"""

MAX_VALUE = 10.0
"""Top of the scale :class:`FeatureScaler` maps every feature to."""


def sequence_features(seqs) -> pd.DataFrame:
    """GC content and dinucleotide frequencies of each sequence (spec 7.13, before scaling).

    Both are computed on the A/C/G/T bases only: ``gc_content`` is the fraction of G or C
    among the ACGT bases, and each dinucleotide frequency is its count among the overlapping
    forward-strand pairs of two ACGT bases. For a sequence without N this is the reference's
    ``count / length`` and ``count / (length - 1)``; pairs and bases with N are left out of
    the denominators, so N never dilutes the composition. A sequence without an ACGT base
    (or pair) gets 0, not NaN.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        DNA sequences of any lengths (A, C, G, T, N in any case), or int8 codes.

    Returns
    -------
    DataFrame of float64, shape (n_seqs, 17)
        Columns ``gc_content, AA, AC, ..., TT``; fractions in [0, 1], the 16 dinucleotide
        columns of a row sum to 1 (or are all 0).

    Examples
    --------
    ``ACGT`` has the pairs AC, CG and GT; an all-N sequence gets zeros:

    >>> features = sequence_features(["ACGT", "NNNN"])
    >>> features.shape
    (2, 17)
    >>> features.loc[0, ["gc_content", "AC", "CG", "GT", "AA"]].round(3).tolist()
    [0.5, 0.333, 0.333, 0.333, 0.0]
    >>> float(features.loc[1].sum())
    0.0
    """
    ragged = encode_ragged(seqs)
    features = dinucleotide_frequencies(ragged)
    features.insert(0, "gc_content", gc_content(ragged))
    return features.fillna(0.0)


class FeatureScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip each feature to its fitted quantile range and stretch it linearly to [0, 10].

    Per column, fit stores ``low_ = quantile_{1 - q}`` and ``high_ = quantile_q`` of the
    training values (linear interpolation, R's type 7); transform computes
    ``10 * (clip(x, low_, high_) - low_) / (high_ - low_)``, and 0 for a column whose range
    ``high_ - low_`` is 0 (spec 7.13, ``IQSeqFeature`` of spec 10.5). The constants are
    fitted once, so a transformed row depends only on itself.

    Parameters
    ----------
    quantile : float, default 0.95
        Upper quantile level ``q`` in [0.5, 1]; the lower one is ``1 - q``. ``q = 1`` maps the
        training minimum and maximum to 0 and 10.

    Attributes
    ----------
    low_, high_ : ndarray of float64, shape (``n_features_in_``,)
        Clipping range of each feature, in the feature's units.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str, shape (``n_features_in_``,)
        Feature names; only set when fit was given a DataFrame.

    Examples
    --------
    With ``quantile=1`` the training minimum and maximum map to 0 and 10:

    >>> import pandas as pd
    >>> X = pd.DataFrame({"gc": [0.2, 0.4, 0.6]})
    >>> scaler = FeatureScaler(quantile=1.0).fit(X)
    >>> scaler.transform(X)["gc"].round(6).tolist()
    [0.0, 5.0, 10.0]

    New values are clipped to the fitted range:

    >>> scaler.transform(pd.DataFrame({"gc": [0.0, 0.5, 0.9]}))["gc"].round(6).tolist()
    [0.0, 7.5, 10.0]
    """

    def __init__(self, quantile=0.95):
        self.quantile = quantile

    def fit(self, X, y=None):
        """Fit the clipping range of every feature.

        Parameters
        ----------
        X : DataFrame or array-like of float, shape (n_samples, n_features)
            Finite feature values in any units.
        y : None
            Ignored.

        Returns
        -------
        self : FeatureScaler
            The fitted scaler.

        Raises
        ------
        ValueError
            For a ``quantile`` outside [0.5, 1], no rows, or non-finite values.
        """
        quantile = self._checked_quantile()
        values, names = check_matrix(X)
        if len(values) == 0:
            raise ValueError("X has 0 rows; FeatureScaler needs at least one row to fit")
        self.low_ = np.quantile(values, 1.0 - quantile, axis=0)
        self.high_ = np.quantile(values, quantile, axis=0)
        set_features_in(self, values.shape[1], names)
        return self

    def transform(self, X):
        """Scale features to [0, 10] with the fitted ranges.

        Parameters
        ----------
        X : DataFrame or array-like of float, shape (n_samples, n_features)
            Finite feature values. A DataFrame is matched to the fitted features by column
            name (any order); an array must have the fitted column order.

        Returns
        -------
        ndarray or DataFrame of float64, shape (n_samples, ``n_features_in_``)
            Values in [0, 10]; a DataFrame (fitted column order, input index) when ``X`` is
            one.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            When the columns do not match those seen in fit.
        """
        check_is_fitted(self, "low_")
        values = align_to_fit(self, *check_matrix(X), "X", "features")
        shifted = np.clip(values, self.low_, self.high_) - self.low_
        fraction = np.zeros_like(shifted)
        span = self.high_ - self.low_
        np.divide(shifted, span, out=fraction, where=span > 0)  # exactly 1 at high_
        scaled = MAX_VALUE * fraction
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(scaled, index=X.index, columns=self.get_feature_names_out())
        return scaled

    def _checked_quantile(self) -> float:
        quantile = self.quantile
        if (
            isinstance(quantile, bool)
            or not isinstance(quantile, numbers.Real)
            or not 0.5 <= quantile <= 1.0
        ):
            raise ValueError(
                "The 'quantile' parameter of FeatureScaler must be a float in the range "
                f"[0.5, 1]. Got {quantile!r} instead."
            )
        return float(quantile)
