"""Motifs: a position weight matrix (PWM) with an optional spatial binding profile.

A :class:`Motif` holds nucleotide probabilities of shape ``(length, 4)`` with columns
A, C, G, T and, for motifs learned by IQ/PREGO, a spatial profile: one non-negative weight per
bin of ``bin_size`` bp across a frame centred on the sequence (spec sections 2, 3.4, 3.5, 6.2).
Motifs are immutable; every transformation returns a new motif.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import xlogy
from scipy.stats import rankdata

__all__ = [
    "BASES",
    "DEFAULT_PRIOR",
    "Motif",
    "MotifMatch",
    "best_matches",
    "resolve_motifs",
    "spatial_frame_start",
]

BASES = "ACGT"
"""Column order of every PWM."""

DEFAULT_PRIOR = 0.01
"""Pseudocount added to every probability before scoring, IC and similarity (spec 2.2)."""

_ROW_SUM_TOLERANCE = 0.02
_FORBIDDEN_NAME_CHARACTERS = "\t\r\n"
_FIELDS = ("name", "pwm", "spatial", "bin_size", "source", "alt_name")
_PAIR_CODES = {
    frozenset((0, 1)): "M",
    frozenset((0, 2)): "R",
    frozenset((0, 3)): "W",
    frozenset((1, 2)): "S",
    frozenset((1, 3)): "Y",
    frozenset((2, 3)): "K",
}
_SIMILARITY_METHODS = ("pearson", "spearman")
_TIE_TOLERANCE = 1e-12  # scores closer than this are ties (a palindrome matches both strands)


class MotifMatch(NamedTuple):
    """Best alignment of one motif against another (see :meth:`Motif.similarity`).

    Parameters
    ----------
    score : float
        Correlation of the aligned, flattened ``(overlap, 4)`` blocks, in [-1, 1].
    offset : int
        Position (0-based) in the first motif of the first position of the aligned second
        motif; negative when the second motif is the longer one.
    strand : str
        ``'+'`` when the second motif aligns as given, ``'-'`` when its reverse complement does.

    Attributes
    ----------
    score, offset, strand
        The fields above.

    Examples
    --------
    A motif matches its own reverse complement perfectly, on the ``'-'`` strand:

    >>> gata = Motif("GATA", [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]])
    >>> match = gata.similarity(gata.reverse_complement())
    >>> round(match.score, 6), match.offset, match.strand
    (1.0, 0, '-')
    """

    score: float
    offset: int
    strand: str


def _check_real(value, name: str, low: float, high: float, *, include_high: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    if not (low <= value < high or (include_high and value == high)):
        bracket = "]" if include_high else ")"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}, got {value!r}")
    return float(value)


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer, got {value!r} ({type(value).__name__})"
        )
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def _check_text(value, name: str, *, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r} ({type(value).__name__})")
    if not allow_empty and not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    if any(ch in value for ch in _FORBIDDEN_NAME_CHARACTERS):
        raise ValueError(f"{name} must not contain tabs or line breaks, got {value!r}")
    return value


def _first_row(mask: np.ndarray) -> int | None:
    rows = np.flatnonzero(mask)
    return int(rows[0]) if rows.size else None


def _as_matrix(values, what: str, owner: str) -> np.ndarray:
    """Copy ``values`` to a float64 (L, 4) matrix that is finite and non-negative."""
    try:
        matrix = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{owner}: {what} must be numeric ({err})") from err
    if matrix.ndim != 2 or matrix.shape[1] != 4:
        raise ValueError(
            f"{owner}: {what} must have shape (length, 4) with columns A, C, G, T; "
            f"got shape {matrix.shape}"
        )
    if matrix.shape[0] == 0:
        raise ValueError(f"{owner}: {what} has no positions; a motif needs at least one row")
    row = _first_row(~np.isfinite(matrix).all(axis=1))
    if row is not None:
        raise ValueError(f"{owner}: row {row} of {what} is not finite: {matrix[row]}")
    row = _first_row((matrix < 0).any(axis=1))
    if row is not None:
        raise ValueError(f"{owner}: row {row} of {what} has a negative value: {matrix[row]}")
    return matrix


def _probabilities(pwm, owner: str) -> np.ndarray:
    matrix = _as_matrix(pwm, "pwm", owner)
    sums = matrix.sum(axis=1)
    row = _first_row(np.abs(sums - 1.0) > _ROW_SUM_TOLERANCE)
    if row is not None:
        raise ValueError(
            f"{owner}: row {row} of pwm sums to {sums[row]:.6g}, not 1 (tolerance "
            f"{_ROW_SUM_TOLERANCE}); pwm rows must be probabilities. For a count matrix use "
            "Motif.from_counts(name, counts)."
        )
    # rows already summing to 1 up to rounding are kept bit for bit, so re-creating a motif
    # from its own pwm (e.g. loading a saved model) gives exactly the same energies
    exact = np.abs(sums - 1.0) <= 1e-12
    return np.where(exact[:, None], matrix, matrix / sums[:, None])


def _counts_to_probabilities(counts, owner: str) -> np.ndarray:
    matrix = _as_matrix(counts, "counts", owner)
    sums = matrix.sum(axis=1)
    row = _first_row(sums == 0)
    if row is not None:
        raise ValueError(
            f"{owner}: row {row} of counts is all zero; every position needs a positive total"
        )
    return matrix / sums[:, None]


def _check_spatial(spatial, bin_size, owner: str) -> tuple[np.ndarray | None, int | None]:
    if spatial is None:
        if bin_size is not None:
            raise ValueError(
                f"{owner}: bin_size={bin_size!r} was given without a spatial profile; pass "
                "spatial=... as well, or leave bin_size=None"
            )
        return None, None
    if bin_size is None:
        raise ValueError(
            f"{owner}: a spatial profile needs bin_size, the width of each bin in bp "
            "(e.g. bin_size=40)"
        )
    bin_size = _check_positive_int(bin_size, "bin_size")
    try:
        weights = np.array(spatial, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{owner}: spatial must be numeric ({err})") from err
    if weights.ndim != 1 or weights.size == 0:
        raise ValueError(
            f"{owner}: spatial must be a 1-D array with one weight per bin, got shape "
            f"{weights.shape}"
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(f"{owner}: spatial weights must be finite and >= 0, got {weights}")
    if not weights.any():
        raise ValueError(f"{owner}: spatial weights are all zero; one bin needs a positive weight")
    return weights, bin_size


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=np.float64, order="C")
    array.flags.writeable = False
    return array


def _with_prior(pwm: np.ndarray, prior) -> np.ndarray:
    """Rows normalised, ``prior`` added, renormalised (spec 2.2); shape (L, 4)."""
    prior = _check_real(prior, "prior", 0.0, 1.0)
    probabilities = pwm / pwm.sum(axis=1, keepdims=True) + prior
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def _row_correlations(rows: np.ndarray, vector: np.ndarray, method: str) -> np.ndarray:
    """Correlation of each row of ``rows`` (n, k) with ``vector`` (k,); 0 when one is constant."""
    if method == "spearman":
        rows, vector = rankdata(rows, axis=1), rankdata(vector)
    rows = rows - rows.mean(axis=1, keepdims=True)
    vector = vector - vector.mean()
    scale = np.sqrt((rows**2).sum(axis=1) * (vector**2).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, np.clip(rows @ vector / scale, -1.0, 1.0), 0.0)


def _alignment_scores(mine: np.ndarray, theirs: np.ndarray, method: str):
    """Scores and offsets (of ``theirs`` in ``mine``) for every placement of the shorter."""
    shorter, longer = (theirs, mine) if len(theirs) <= len(mine) else (mine, theirs)
    windows = sliding_window_view(longer, shorter.shape).reshape(-1, shorter.size)
    scores = _row_correlations(windows, shorter.ravel(), method)
    offsets = np.arange(len(windows))
    return scores, (offsets if longer is mine else -offsets)


def spatial_frame_start(seq_length: int, n_bins: int, bin_size: int) -> int:
    """First position (0-based) of the spatial frame of ``n_bins`` bins on a sequence.

    The frame of ``n_bins * bin_size`` bp is centred on the sequence as in PREGO's
    ``calc_spat_min_max`` (spec 6.2): ``round(round(seq_length / 2) - (n_bins - 1) / 2 *
    bin_size - bin_size / 2)``, rounding half to even as R does. The result is negative when
    the sequence is shorter than the frame.

    Parameters
    ----------
    seq_length : int
        Sequence length in bp.
    n_bins : int
        Number of spatial bins.
    bin_size : int
        Width of one bin in bp.

    Returns
    -------
    int
        Start of the frame in bp; the frame is ``[start, start + n_bins * bin_size)``.

    Examples
    --------
    >>> spatial_frame_start(500, 11, 40)
    30
    >>> spatial_frame_start(500, 249, 2)
    1
    """
    seq_length = _check_positive_int(seq_length, "seq_length")
    n_bins = _check_positive_int(n_bins, "n_bins")
    bin_size = _check_positive_int(bin_size, "bin_size")
    center = round(seq_length / 2)
    return round(center - (n_bins - 1) / 2 * bin_size - bin_size / 2)


class Motif:
    """A DNA motif: PWM of probabilities plus an optional spatial binding profile.

    Parameters
    ----------
    name : str
        Motif name (no tabs or line breaks).
    pwm : array-like of shape (length, 4)
        Probabilities per position, columns A, C, G, T. Rows must sum to 1 within 0.02; they
        are then renormalised exactly. For counts or percentages use :meth:`from_counts`.
    spatial : array-like of shape (n_bins,), optional
        Non-negative relative binding weight of each spatial bin (not all zero); only ratios
        matter.
    bin_size : int, optional
        Width of one spatial bin in bp; required exactly when ``spatial`` is given.
    source : str, default ""
        Where the motif comes from (database or file name).
    alt_name : str, default ""
        Secondary name, e.g. the TF name of a JASPAR matrix ID (``MOTIF MA0004.1 Arnt``).

    Attributes
    ----------
    name : str
        Motif name.
    alt_name : str
        Secondary name ("" when none).
    source : str
        Origin of the motif ("" when unknown).
    pwm : ndarray of float64, shape (length, 4)
        Read-only probabilities; every row sums to 1.
    spatial : ndarray of float64, shape (n_bins,), or None
        Read-only spatial weights.
    bin_size : int or None
        Width of one spatial bin in bp.
    length : int
        Number of positions (bp).
    n_bins : int
        Number of spatial bins (0 without a profile).
    frame_length : int or None
        ``n_bins * bin_size`` bp.
    label : str
        ``"name (alt_name)"`` or the name alone.

    Raises
    ------
    ValueError
        When ``pwm`` is not ``(length, 4)``, has negative or non-finite values or rows that do
        not sum to 1 within 0.02; when ``spatial`` and ``bin_size`` are not given together,
        or the spatial weights are negative or all zero; when a name holds a tab or line break.
    TypeError
        When ``name``, ``source`` or ``alt_name`` is not a string, or ``bin_size`` is not
        an integer.

    Examples
    --------
    >>> gata = Motif("GATA", [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]])
    >>> gata
    Motif('GATA', length=4)
    >>> gata.consensus(), gata.reverse_complement().consensus(), round(gata.bits(), 3)
    ('GATA', 'TATC', 7.063)

    Motifs are immutable; a spatial profile makes a new motif:

    >>> framed = gata.with_spatial([1.0, 2.0, 1.0], bin_size=10)
    >>> framed, framed.frame_length, framed.frame_start(100)
    (Motif('GATA', length=4, spatial=3x10bp), 30, 35)
    """

    __slots__ = tuple(f"_{field}" for field in _FIELDS)
    __hash__ = None

    def __init__(
        self,
        name: str,
        pwm,
        spatial=None,
        bin_size: int | None = None,
        source: str = "",
        alt_name: str = "",
    ) -> None:
        name = _check_text(name, "name", allow_empty=False)
        owner = f"Motif {name!r}"
        spatial, bin_size = _check_spatial(spatial, bin_size, owner)
        self.__setstate__(
            {
                "name": name,
                "pwm": _probabilities(pwm, owner),
                "spatial": spatial,
                "bin_size": bin_size,
                "source": _check_text(source, "source"),
                "alt_name": _check_text(alt_name, "alt_name"),
            }
        )

    @classmethod
    def from_counts(cls, name: str, counts, **kwargs) -> Motif:
        """Build a motif from counts (or percentages, or unnormalised weights) per position.

        Parameters
        ----------
        name : str
            Motif name.
        counts : array-like of shape (length, 4)
            Non-negative values per position, columns A, C, G, T; each row is divided by its
            sum, so no row may be all zero.
        **kwargs
            ``spatial``, ``bin_size``, ``source``, ``alt_name`` as for :class:`Motif`.

        Returns
        -------
        Motif
            The motif with each row of ``counts`` divided by its sum.

        Raises
        ------
        ValueError
            When a row of ``counts`` is all zero, negative or not finite.

        Examples
        --------
        >>> Motif.from_counts("m", [[10, 0, 0, 30], [0, 5, 5, 0]]).pwm.tolist()
        [[0.25, 0.0, 0.0, 0.75], [0.0, 0.5, 0.5, 0.0]]
        """
        return cls(name, _counts_to_probabilities(counts, f"Motif {name!r}"), **kwargs)

    # The single place that stores fields: __init__, copies and unpickling all go through it.
    def __getstate__(self) -> dict:
        return {field: getattr(self, f"_{field}") for field in _FIELDS}

    def __setstate__(self, state: dict) -> None:
        for field in _FIELDS:
            value = state[field]
            setattr(self, f"_{field}", _frozen(value) if isinstance(value, np.ndarray) else value)

    def _replace(self, **changes) -> Motif:
        motif = object.__new__(type(self))
        motif.__setstate__({**self.__getstate__(), **changes})
        return motif

    @property
    def _owner(self) -> str:
        return f"Motif {self._name!r}"

    @property
    def name(self) -> str:
        """Motif name."""
        return self._name

    @property
    def alt_name(self) -> str:
        """Secondary name ("" when none)."""
        return self._alt_name

    @property
    def source(self) -> str:
        """Origin of the motif, e.g. a database or file name ("" when unknown)."""
        return self._source

    @property
    def pwm(self) -> np.ndarray:
        """Probabilities, shape (length, 4), columns A, C, G, T; read-only."""
        return self._pwm

    @property
    def spatial(self) -> np.ndarray | None:
        """Spatial weight per bin, shape (n_bins,), read-only; None without a profile."""
        return self._spatial

    @property
    def bin_size(self) -> int | None:
        """Width of one spatial bin in bp; None without a profile."""
        return self._bin_size

    @property
    def length(self) -> int:
        """Number of positions (bp)."""
        return self._pwm.shape[0]

    @property
    def n_bins(self) -> int:
        """Number of spatial bins; 0 without a profile."""
        return 0 if self._spatial is None else self._spatial.size

    @property
    def frame_length(self) -> int | None:
        """Width of the spatial frame, ``n_bins * bin_size`` bp; None without a profile."""
        return None if self._spatial is None else self.n_bins * self._bin_size

    def frame_start(self, seq_length: int) -> int:
        """Start (bp, 0-based) of the spatial frame on a sequence of ``seq_length`` bp.

        See :func:`spatial_frame_start`; 0 for a motif without a spatial profile, which
        scores the whole sequence.

        Parameters
        ----------
        seq_length : int
            Sequence length in bp.

        Returns
        -------
        int
            First position of the frame ``[start, start + frame_length)``; negative when
            the sequence is shorter than the frame.
        """
        if self._spatial is None:
            return 0
        return spatial_frame_start(seq_length, self.n_bins, self._bin_size)

    def log_probs(self, prior: float = DEFAULT_PRIOR) -> np.ndarray:
        """Natural-log scoring matrix (spec 2.2): ``ln((p + prior) / sum(p + prior))``.

        Parameters
        ----------
        prior : float in [0, 1), default 0.01
            Pseudocount added to every probability. With ``prior=0`` a zero probability
            gives ``-inf``.

        Returns
        -------
        ndarray of float64, shape (length, 4)
            Log probability of each base at each position (nats, no background model).

        Examples
        --------
        A certain base gets ``(1 + prior) / (1 + 4 prior)``:

        >>> import numpy as np
        >>> gata = Motif("GATA", [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]])
        >>> logp = gata.log_probs(prior=0.01)
        >>> logp.shape, bool(np.isclose(logp[0, 2], np.log(1.01 / 1.04)))
        ((4, 4), True)
        """
        with np.errstate(divide="ignore"):
            return np.log(_with_prior(self._pwm, prior))

    def information_content(self, prior: float = DEFAULT_PRIOR) -> np.ndarray:
        """Information content per position in bits (spec 2.5).

        ``p = (p + prior) / sum(p + prior)``, then ``2 + sum(p * log2 p)`` clipped at 0,
        with ``0 * log2 0 = 0``.

        Parameters
        ----------
        prior : float in [0, 1), default 0.01
            Pseudocount added to every probability.

        Returns
        -------
        ndarray of float64, shape (length,)
            Bits per position, in [0, 2].

        Examples
        --------
        A uniform position carries no information, a certain one nearly 2 bits:

        >>> Motif("m", [[0.25] * 4, [0, 0, 1, 0]]).information_content(prior=0).tolist()
        [0.0, 2.0]
        """
        probabilities = _with_prior(self._pwm, prior)
        bits = 2.0 + xlogy(probabilities, probabilities).sum(axis=1) / np.log(2.0)
        return np.clip(bits, 0.0, None)

    def bits(self, prior: float = DEFAULT_PRIOR) -> float:
        """Total information content in bits: sum of :meth:`information_content`.

        Parameters
        ----------
        prior : float in [0, 1), default 0.01
            Pseudocount added to every probability.

        Returns
        -------
        float
            Bits summed over positions, in ``[0, 2 * length]``.
        """
        return float(self.information_content(prior).sum())

    def trim(self, bits_threshold: float = 0.1, *, prior: float = DEFAULT_PRIOR) -> Motif:
        """Drop low-information flanks (spec 2.6).

        Keeps the contiguous block from the first to the last position with more than
        ``bits_threshold`` bits; low-information positions inside it stay. The spatial
        profile is kept.

        Parameters
        ----------
        bits_threshold : float, default 0.1
            Minimum information (bits) of the first and last kept position.
        prior : float in [0, 1), default 0.01
            Pseudocount used for the information content.

        Returns
        -------
        Motif
            A copy with the flanks removed.

        Raises
        ------
        ValueError
            When no position has more than ``bits_threshold`` bits.

        Examples
        --------
        >>> flanked = Motif("m", [[0.25] * 4, [0, 0, 1, 0], [1, 0, 0, 0], [0.25] * 4])
        >>> flanked.trim().length, flanked.trim().consensus()
        (2, 'GA')
        """
        threshold = _check_real(bits_threshold, "bits_threshold", 0.0, np.inf)
        bits = self.information_content(prior)
        kept = np.flatnonzero(bits > threshold)
        if kept.size == 0:
            raise ValueError(
                f"{self._owner}: no position has more than {threshold} bits (maximum "
                f"{bits.max():.3g}); lower bits_threshold"
            )
        return self._replace(pwm=self._pwm[kept[0] : kept[-1] + 1])

    def reverse_complement(self) -> Motif:
        """Motif of the opposite strand: rows reversed, A<->T and C<->G (spec 2.3).

        Name and spatial profile are unchanged.

        Returns
        -------
        Motif
            The reverse-complement motif, shape of ``pwm`` unchanged.

        Examples
        --------
        >>> Motif("m", [[0, 0, 1, 0], [1, 0, 0, 0]]).reverse_complement().consensus()
        'TC'
        """
        return self._replace(pwm=self._pwm[::-1, ::-1])

    def consensus(self, single_threshold: float = 0.4, double_threshold: float = 0.6) -> str:
        """Consensus string for display (spec 2.7).

        Per position, with probabilities truncated to 3 decimals: the top base when its
        probability exceeds ``single_threshold``; else the IUPAC code of the top two bases
        (M, R, W, S, Y, K) when their sum reaches ``double_threshold``; else ``'*'``. Ties
        go to the later base in A, C, G, T order, as in the reference. Leading and trailing
        ``'*'`` are stripped.

        Parameters
        ----------
        single_threshold, double_threshold : float in [0, 1]
            Thresholds for one base and for a pair of bases.

        Returns
        -------
        str
            The consensus; ``""`` when no position passes.

        Examples
        --------
        The uniform first position is stripped; A and G share the second (IUPAC R):

        >>> Motif("m", [[0.25] * 4, [0.35, 0.3, 0.35, 0], [0, 0, 0.9, 0.1]]).consensus()
        'RG'
        """
        single = _check_real(single_threshold, "single_threshold", 0.0, 1.0, include_high=True)
        double = _check_real(double_threshold, "double_threshold", 0.0, 1.0, include_high=True)
        # The 1e-9 keeps a renormalised 0.6 (0.59999...) at 600 per mille.
        per_mille = np.floor(self._pwm * 1000 + 1e-9).astype(np.int64)
        ranked = np.sort(per_mille * 4 + np.arange(4), axis=1)
        letters = []
        for top, second in ranked[:, -1:-3:-1]:
            if top // 4 > single * 1000:
                letters.append(BASES[top % 4])
            elif top // 4 + second // 4 >= double * 1000:
                letters.append(_PAIR_CODES[frozenset((top % 4, second % 4))])
            else:
                letters.append("*")
        return "".join(letters).strip("*")

    def similarity(
        self, other: Motif, *, method: str = "pearson", prior: float = DEFAULT_PRIOR
    ) -> MotifMatch:
        """Best correlation of two PWMs over all offsets and both strands (spec 2.8).

        Both PWMs get ``prior`` added and rows renormalised; the shorter slides along the
        longer, and at each full overlap the two ``(overlap, 4)`` blocks are flattened and
        correlated. Unlike the reference, which compares one orientation only, ``other`` is
        also tried as its reverse complement.

        Parameters
        ----------
        other : Motif
            Motif to align against this one.
        method : {"pearson", "spearman"}, default "pearson"
            Correlation; Spearman is the Pearson correlation of average ranks.
        prior : float in [0, 1), default 0.01
            Pseudocount added before comparing.

        Returns
        -------
        MotifMatch
            ``(score, offset, strand)`` of the best alignment; on ties the ``'+'`` strand and
            the smallest ``|offset|`` win. A constant block correlates 0.

        Raises
        ------
        TypeError
            When ``other`` is not a Motif.
        ValueError
            For an unknown ``method``.

        Examples
        --------
        ``GA`` sits at position 1 of ``TGAC``:

        >>> long = Motif("long", [[0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]])
        >>> short = Motif("short", [[0, 0, 1, 0], [1, 0, 0, 0]])
        >>> match = long.similarity(short)
        >>> round(match.score, 3), match.offset, match.strand
        (1.0, 1, '+')
        """
        if not isinstance(other, Motif):
            raise TypeError(f"other must be a Motif, got {type(other).__name__}")
        if method not in _SIMILARITY_METHODS:
            raise ValueError(f"method must be one of {_SIMILARITY_METHODS}, got {method!r}")
        mine = _with_prior(self._pwm, prior)
        theirs = _with_prior(other._pwm, prior)
        best = MotifMatch(-np.inf, 0, "+")
        for strand, oriented in (("+", theirs), ("-", theirs[::-1, ::-1])):
            scores, offsets = _alignment_scores(mine, oriented, method)
            index = int(np.argmax(scores))
            if scores[index] > best.score + _TIE_TOLERANCE:
                best = MotifMatch(float(scores[index]), int(offsets[index]), strand)
        return best

    def with_spatial(self, spatial, bin_size: int | None) -> Motif:
        """Copy with another spatial profile (``spatial=None, bin_size=None`` removes it).

        Parameters
        ----------
        spatial : array-like of float, shape (n_bins,), or None
            Non-negative relative weight of each bin (not all zero).
        bin_size : int or None
            Width of one bin in bp; None exactly when ``spatial`` is None.

        Returns
        -------
        Motif
            A copy with the new profile; the PWM and names are unchanged.

        Raises
        ------
        ValueError
            When only one of ``spatial`` and ``bin_size`` is given, or the weights are
            negative, not finite or all zero.
        """
        spatial, bin_size = _check_spatial(spatial, bin_size, self._owner)
        return self._replace(spatial=spatial, bin_size=bin_size)

    @property
    def label(self) -> str:
        """``"name (alt_name)"``, or the name alone: how figures and summaries show a motif."""
        return f"{self._name} ({self._alt_name})" if self._alt_name else self._name

    def renamed(self, name: str) -> Motif:
        """Copy with another name.

        Parameters
        ----------
        name : str
            The new name (non-empty, no tabs or line breaks).

        Returns
        -------
        Motif
            A copy that differs only in ``name``.
        """
        return self._replace(name=_check_text(name, "name", allow_empty=False))

    def to_dict(self) -> dict:
        """The motif as JSON-ready values.

        Returns
        -------
        dict
            ``name``, ``alt_name``, ``source`` (str), ``pwm`` (nested lists,
            ``(length, 4)``), ``spatial`` (list of float or None) and ``bin_size`` (int or
            None).

        Examples
        --------
        >>> motif = Motif("m", [[0, 0, 1, 0]], spatial=[1.0, 3.0], bin_size=5)
        >>> data = motif.to_dict()
        >>> data["pwm"], data["spatial"], Motif.from_dict(data) == motif
        ([[0.0, 0.0, 1.0, 0.0]], [1.0, 3.0], True)
        """
        return {
            "name": self._name,
            "alt_name": self._alt_name,
            "source": self._source,
            "pwm": self._pwm.tolist(),
            "spatial": None if self._spatial is None else self._spatial.tolist(),
            "bin_size": self._bin_size,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Motif:
        """Rebuild a motif from :meth:`to_dict` output; every field is validated.

        Parameters
        ----------
        data : dict
            The fields ``name``, ``pwm``, ``spatial``, ``bin_size``, ``source`` and
            ``alt_name``.

        Returns
        -------
        Motif
            Equal to the motif that produced ``data``.

        Raises
        ------
        TypeError
            When ``data`` is not a dict.
        ValueError
            When a field is missing or invalid (see :class:`Motif`).
        """
        if not isinstance(data, dict):
            raise TypeError(
                f"a motif must be a dict from Motif.to_dict(), got {type(data).__name__}"
            )
        missing = [key for key in _FIELDS if key not in data]
        if missing:
            raise ValueError(f"a motif lacks the field(s) {missing}")
        return cls(
            data["name"],
            data["pwm"],
            spatial=data["spatial"],
            bin_size=data["bin_size"],
            source=data["source"],
            alt_name=data["alt_name"],
        )

    def __eq__(self, other) -> bool:
        if not isinstance(other, Motif):
            return NotImplemented
        mine, theirs = self.__getstate__(), other.__getstate__()
        return all(_same(mine[field], theirs[field]) for field in _FIELDS)

    def __repr__(self) -> str:
        parts = [repr(self._name)]
        if self._alt_name:
            parts.append(f"alt_name={self._alt_name!r}")
        parts.append(f"length={self.length}")
        if self._spatial is not None:
            parts.append(f"spatial={self.n_bins}x{self._bin_size}bp")
        return f"{type(self).__name__}({', '.join(parts)})"


def _same(first, second) -> bool:
    if isinstance(first, np.ndarray) or isinstance(second, np.ndarray):
        return (
            isinstance(first, np.ndarray)
            and isinstance(second, np.ndarray)
            and np.array_equal(first, second)
        )
    return first == second


def _trimmed(motif: Motif, bits_threshold: float) -> Motif:
    """The motif without low-information flanks; unchanged when no position is informative."""
    try:
        return motif.trim(bits_threshold)
    except ValueError:
        return motif


def best_matches(motifs, database, *, bits_threshold: float = 0.1):
    """Best ``database`` match of each motif, over all offsets and both orientations.

    The one home of motif naming by similarity (:func:`iqmodel.interpret.name_motifs`, the
    model's renaming of distilled motifs).

    Parameters
    ----------
    motifs : list of Motif
        The motifs to name (e.g. learned ones).
    database : list of Motif
        Candidate matches, non-empty.
    bits_threshold : float, default 0.1
        Flanks below this information content are trimmed before comparing (spec 2.6), so
        a diffuse flank of a learned motif does not dilute the match.

    Returns
    -------
    DataFrame, shape (n_motifs, 6)
        One row per motif: ``motif``, ``match`` (database motif name), ``match_alt_name``,
        ``similarity`` (Pearson r of the aligned PWMs, in [-1, 1]), ``strand`` (``'-'`` when
        the reverse complement matches) and ``offset``.

    Raises
    ------
    ValueError
        When ``database`` is empty or holds something other than motifs.

    Examples
    --------
    The reverse complement of a database motif finds it, on the ``'-'`` strand:

    >>> from iqmodel.io import load_motif_db
    >>> database = load_motif_db("jaspar2024")[:5]
    >>> query = database[2].reverse_complement().renamed("query")
    >>> row = best_matches([query], database).iloc[0]
    >>> row["match"], row["match_alt_name"], row["strand"], round(float(row["similarity"]), 3)
    ('MA0071.1', 'RORA', '-', 1.0)
    """
    import pandas as pd

    database = list(database)
    if not database or not all(isinstance(m, Motif) for m in database):
        raise ValueError("database must be a non-empty list of Motif objects")
    trimmed = [_trimmed(m, bits_threshold) for m in database]
    rows = []
    for motif in motifs:
        query = _trimmed(motif, bits_threshold)
        matches = [query.similarity(candidate) for candidate in trimmed]
        best = int(np.argmax([match.score for match in matches]))
        rows.append(
            {
                "motif": motif.name,
                "match": database[best].name,
                "match_alt_name": database[best].alt_name,
                "similarity": float(matches[best].score),
                "strand": matches[best].strand,
                "offset": matches[best].offset,
            }
        )
    return pd.DataFrame(
        rows, columns=["motif", "match", "match_alt_name", "similarity", "strand", "offset"]
    )


def resolve_motifs(motifs, wanted=None) -> list[Motif]:
    """Pick motifs by name: the one home of motif-name resolution.

    Parameters
    ----------
    motifs : list of Motif
        The motifs to pick from (e.g. a model's ``motifs_``); names are unique.
    wanted : str, Motif or iterable of them, optional
        Names, unambiguous ``alt_name`` values (e.g. ``"CTCF"``) or motifs; None: all.

    Returns
    -------
    list of Motif
        In the order asked, without repeats.

    Raises
    ------
    ValueError
        For an unknown or ambiguous name (the message lists the motifs), or an empty request.

    Examples
    --------
    >>> from iqmodel.io import load_motif_db
    >>> database = load_motif_db("jaspar2024")[:5]
    >>> [m.name for m in resolve_motifs(database, ["PAX6", "MA0004.1", "PAX6"])]
    ['MA0069.1', 'MA0004.1']
    """
    motifs = list(motifs)
    if wanted is None:
        return motifs
    items = [wanted] if isinstance(wanted, (str, Motif)) else list(wanted)
    if not items:
        raise ValueError("motifs is empty; pass motif names, or None for all motifs")
    by_name = {m.name: m for m in motifs}
    by_alt: dict[str, list[Motif]] = {}
    for motif in motifs:
        if motif.alt_name:
            by_alt.setdefault(motif.alt_name, []).append(motif)
    chosen, unknown = [], []
    for item in items:
        name = item.name if isinstance(item, Motif) else item
        if name in by_name:
            chosen.append(by_name[name])
        elif len(by_alt.get(name, ())) == 1:
            chosen.append(by_alt[name][0])
        else:
            unknown.append(name)
    if unknown:
        known = ", ".join(m.label for m in motifs)
        raise ValueError(f"unknown motif(s) {unknown}; the motifs are: {known}")
    return list({m.name: m for m in chosen}.values())
