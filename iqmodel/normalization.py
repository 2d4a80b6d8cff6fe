"""Energy normalization: raw motif energies (natural log) to the [0, 10] scale (spec 3.10).

A motif's energy on a sequence is a log-sum-exp over its binding windows, in nats. The
normalized energy measures it in log2 units against a per-motif reference (the maximum, or a
high quantile, of the motif's energies over a background set of sequences), keeps a window of
``-min_energy`` log2 units below the reference and stretches that window to
``[0, max_value]``. All constants are fitted once and stored, so a normalized energy depends
only on its own sequence.
"""

from __future__ import annotations

import numbers
import os

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from iqmodel._validation import (
    align_to_fit,
    check_matrix,
    check_unique,
    format_names,
    set_features_in,
)
from iqmodel.metrics import CONSTANT_TOLERANCE

__all__ = ["EnergyNormalizer"]

LN2 = float(np.log(2.0))


class EnergyNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Map raw motif energies (nats) to ``[0, max_value]``, one reference per motif.

    Per motif, with ``x2 = x / ln 2`` the energy in log2 units (spec 3.10.1 and 3.10.4):

    1. ``reference_log2_ = log2(quantile_q(2 ** bg2))`` over the background energies ``bg2``,
       the quantile taken in probability space (``q = 1`` is the maximum);
    2. ``y = clip(x2 - reference_log2_, min_energy, 0)``;
    3. ``out = clip((y - range_low_) / (range_high_ - range_low_) * max_value, 0, max_value)``,
       where ``[range_low_, range_high_]`` is the range of the clamped background.

    NaN energies, motifs without a usable background and motifs whose clamped background
    range is zero give 0. A range that is only rounding residue (at most
    ``CONSTANT_TOLERANCE`` times the magnitude of the log2 energies, see
    :mod:`iqmodel.metrics`) counts as zero, so rounding noise is never stretched to
    ``[0, max_value]``.

    Parameters
    ----------
    quantile : float, default 1.0
        Quantile level in [0, 1] of the background energies that defines the top of the scale;
        1.0 is the maximum (the reference default), the IceQream paper uses 0.99.
    min_energy : float, default -7.0
        Width of the window below the reference, in log2 units (negative).
    max_value : float, default 10.0
        Top of the output scale.

    Attributes
    ----------
    reference_log2_ : ndarray of float64, shape (n_motifs,)
        Reference energy per motif in log2 units; NaN for a motif without a usable background.
    range_low_, range_high_ : ndarray of float64, shape (n_motifs,)
        Minimum and maximum of the clamped background, in log2 units relative to the
        reference (within ``[min_energy, 0]``); NaN where the reference is NaN; equal where
        the background range is zero up to rounding.
    n_features_in_ : int
        Number of motifs seen in fit.
    feature_names_in_ : ndarray of str, shape (n_motifs,)
        Motif names; only set when fit was given a DataFrame (or by
        :meth:`from_quantile_table`).

    Examples
    --------
    Background energies of -1 to -5 bits: the reference is the maximum (-1 bit) and the
    clamped range is 4 bits, stretched to [0, 10]:

    >>> import numpy as np
    >>> raw = np.log(2) * np.array([[-1.0], [-2.0], [-3.0], [-4.0], [-5.0]])
    >>> normalizer = EnergyNormalizer().fit(raw)
    >>> normalizer.reference_log2_.tolist(), normalizer.range_low_.tolist()
    ([-1.0], [-4.0])
    >>> normalizer.transform(raw).ravel().tolist()
    [10.0, 7.5, 5.0, 2.5, 0.0]

    Energies above the reference clip at 10, below the range at 0:

    >>> normalizer.transform(np.log(2) * np.array([[0.0], [-9.0]])).ravel().tolist()
    [10.0, 0.0]
    """

    def __init__(self, quantile=1.0, min_energy=-7.0, max_value=10.0):
        self.quantile = quantile
        self.min_energy = min_energy
        self.max_value = max_value

    def fit(self, background_energies, y=None):
        """Fit the per-motif reference and range on background energies.

        Parameters
        ----------
        background_energies : DataFrame or array-like of float, shape (n_seqs, n_motifs)
            Raw energies in nats of each motif (column) on background sequences (rows).
            NaN entries are ignored; ``-inf`` (a sequence shorter than the motif) is a valid
            energy, probability 0.
        y : None
            Ignored.

        Returns
        -------
        self : EnergyNormalizer
            The fitted normalizer.

        Raises
        ------
        ValueError
            For invalid parameters, no rows, or ``+inf`` energies.
        """
        self._check_params()
        values, names = _energy_matrix(background_energies, "background_energies")
        if values.shape[0] == 0:
            raise ValueError(
                "background_energies has 0 rows; fit needs the energies of at least one "
                "background sequence"
            )
        background = values / LN2
        reference = _reference_log2(background, self.quantile)
        clamped = np.clip(background - reference, self.min_energy, 0.0)
        low, high = _column_range(clamped)
        # a numerically constant clamped background (equal energies up to rounding): range 0
        residue = high - low <= CONSTANT_TOLERANCE * np.maximum(np.abs(reference), -low)
        high[residue] = low[residue]
        self._set_fitted(reference, low, high, names)
        return self

    @classmethod
    def from_quantile_table(
        cls, table, quantile=1.0, min_energy=-7.0, max_value=10.0, motifs=None
    ) -> EnergyNormalizer:
        """Build a fitted normalizer from precomputed energy quantiles (spec 3.10.3).

        The reference is the table's energy at the ``quantile`` level and the range is fixed
        to ``[min_energy, 0]``, so ``out = (y - min_energy) / -min_energy * max_value``.

        Parameters
        ----------
        table : DataFrame or path-like
            Motifs x quantile levels of raw energies (nats), e.g. iceqream's
            ``mouse_db_quantiles``. Motif names are the ``motif`` column when there is one,
            otherwise the index; the other columns are labelled by their level ("1", "0.99").
            A path is read as a tab-separated file (gzip allowed).
        quantile : float, default 1.0
            Level to use as the reference; the table must have a column for it.
        min_energy, max_value : float
            As in :class:`EnergyNormalizer`.
        motifs : list of str, optional
            Motifs to keep, in this order; default all rows of the table.

        Returns
        -------
        EnergyNormalizer
            Fitted, with ``feature_names_in_`` = the motif names.

        Raises
        ------
        ValueError
            When the table has no column for ``quantile``, repeats a motif name, or lacks a
            motif of ``motifs``.
        TypeError
            When ``table`` is neither a DataFrame nor a path.

        Examples
        --------
        The reference of motif B is its top-quantile energy, -2 bits; the range is
        ``[min_energy, 0]`` = 7 bits below it:

        >>> import numpy as np
        >>> import pandas as pd
        >>> table = pd.DataFrame(
        ...     {"motif": ["A", "B"], "1": [-1.0, -2.0 * np.log(2)], "0.99": [-2.0, -3.0]}
        ... )
        >>> normalizer = EnergyNormalizer.from_quantile_table(table, motifs=["B"])
        >>> normalizer.feature_names_in_.tolist(), normalizer.reference_log2_.tolist()
        (['B'], [-2.0])
        >>> energies = pd.DataFrame({"B": [-2.0, -5.5, -20.0]}) * np.log(2)
        >>> normalizer.transform(energies)["B"].round(3).tolist()
        [10.0, 5.0, 0.0]
        """
        normalizer = cls(quantile=quantile, min_energy=min_energy, max_value=max_value)
        normalizer._check_params()
        table = _read_quantile_table(table)
        energies = table[_quantile_column(table.columns, quantile)]
        if motifs is not None:
            energies = energies.loc[_checked_motif_selection(motifs, energies.index)]
        reference = energies.to_numpy(dtype=float) / LN2
        reference[~np.isfinite(reference)] = np.nan
        n_motifs = len(reference)
        normalizer._set_fitted(
            reference,
            np.full(n_motifs, float(min_energy)),
            np.zeros(n_motifs),
            np.asarray(energies.index, dtype=object),
        )
        return normalizer

    def transform(self, energies):
        """Normalize raw energies to ``[0, max_value]``.

        Parameters
        ----------
        energies : DataFrame or array-like of float, shape (n_seqs, n_motifs)
            Raw energies in nats. A DataFrame is matched to the fitted motifs by column name
            (any order); an array must have the fitted column order.

        Returns
        -------
        ndarray or DataFrame of float64, shape (n_seqs, n_motifs)
            Normalized energies in ``[0, max_value]`` (NaN energies give 0), a DataFrame
            (fitted column order, input index) when ``energies`` is a DataFrame.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            When the columns do not match the fitted motifs, or an energy is ``+inf``.
        """
        check_is_fitted(self, "reference_log2_")
        values = align_to_fit(self, *_energy_matrix(energies, "energies"), "energies", "motifs")
        y = np.clip(values / LN2 - self.reference_log2_, self.min_energy, 0.0)
        span = self.range_high_ - self.range_low_
        scale = np.zeros_like(span)
        np.divide(self.max_value, span, out=scale, where=span > 0)
        normalized = np.nan_to_num(np.clip((y - self.range_low_) * scale, 0.0, self.max_value))
        if isinstance(energies, pd.DataFrame):
            return pd.DataFrame(
                normalized, index=energies.index, columns=self.get_feature_names_out()
            )
        return normalized

    def _check_params(self) -> None:
        checks = (
            ("quantile", 0.0 <= _real(self.quantile) <= 1.0, "a float in the range [0, 1]"),
            (
                "min_energy",
                _real(self.min_energy) < 0.0,
                "a negative float (log2 units below the reference), e.g. -7.0",
            ),
            ("max_value", _real(self.max_value) > 0.0, "a positive float, e.g. 10.0"),
        )
        for name, valid, expected in checks:
            if not valid:
                raise ValueError(
                    f"The {name!r} parameter of EnergyNormalizer must be {expected}. "
                    f"Got {getattr(self, name)!r} instead."
                )

    def _set_fitted(self, reference, low, high, names) -> None:
        self.reference_log2_ = reference
        self.range_low_ = low
        self.range_high_ = high
        set_features_in(self, len(reference), names)


def _real(value) -> float:
    """``value`` as a float, NaN when it is not a finite real number (so comparisons fail)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value):
        return float(value)
    return np.nan


def _energy_matrix(energies, what: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Raw energies as float64 and their column names; NaN and -inf pass, +inf does not."""
    return check_matrix(energies, what, dims="n_seqs, n_motifs", nonfinite="allow_nan_neg_inf")


def _reference_log2(background: np.ndarray, quantile: float) -> np.ndarray:
    """Per-column ``log2(quantile_q(2 ** background))``; NaN where it is not finite.

    The quantile is taken after subtracting the column maximum, so ``2 ** x`` never
    overflows; with ``q = 1`` the result is exactly the maximum.
    """
    top = np.fmax.reduce(background, axis=0, initial=-np.inf)
    reference = np.full(background.shape[1], np.nan)
    usable = np.isfinite(top)
    probabilities = np.exp2(background[:, usable] - top[usable])
    with np.errstate(divide="ignore"):
        reference[usable] = top[usable] + np.log2(np.nanquantile(probabilities, quantile, axis=0))
    reference[~np.isfinite(reference)] = np.nan
    return reference


def _column_range(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column (min, max) ignoring NaN; NaN for all-NaN columns."""
    low = np.fmin.reduce(values, axis=0, initial=np.inf)
    high = np.fmax.reduce(values, axis=0, initial=-np.inf)
    empty = low > high
    low[empty] = np.nan
    high[empty] = np.nan
    return low, high


def _read_quantile_table(table) -> pd.DataFrame:
    """The table with motif names (str) as index and quantile levels (str) as columns."""
    if isinstance(table, (str, os.PathLike)):
        table = pd.read_csv(table, sep="\t")
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            "table must be a DataFrame (motifs x quantile levels) or the path of a "
            f"tab-separated file, got {type(table).__name__}"
        )
    if "motif" in table.columns:
        table = table.set_index("motif")
    table = table.rename(index=str, columns=str)
    check_unique(table.index, "the motif names of the quantile table")
    return table


def _quantile_column(columns: pd.Index, quantile: float) -> str:
    """The column whose label is the level ``quantile`` (compared as numbers)."""
    levels = pd.to_numeric(pd.Series(columns, index=columns), errors="coerce").dropna()
    matching = levels.index[np.isclose(levels.to_numpy(), quantile, rtol=0.0, atol=1e-9)]
    if len(matching) == 0:
        raise ValueError(
            f"the quantile table has no column for quantile {quantile}; available levels: "
            f"{', '.join(levels.index)}. Pass one of them as quantile="
        )
    return matching[0]


def _checked_motif_selection(motifs, available: pd.Index) -> list[str]:
    if isinstance(motifs, str):
        raise TypeError(f"motifs must be a list of motif names, got the single string {motifs!r}")
    motifs = [str(motif) for motif in motifs]
    check_unique(motifs, "motifs")
    missing = pd.Index(motifs).difference(available, sort=False)
    if len(missing):
        raise ValueError(
            f"motif(s) not in the quantile table: {format_names(missing)}; check the names "
            "(database prefix included, e.g. 'JASPAR.GATA1') or compute the quantiles for them"
        )
    return motifs
