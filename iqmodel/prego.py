"""PREGO: learn one motif (PWM + spatial profile) whose binding energy explains a response.

Spec section 6. A gapped k-mer screen picks seed words (:func:`screen_kmers`); from each seed a
coordinate search over the PWM rows and the spatial weights maximises the summed squared
correlation between the motif's *linear* energy (sum of weighted window probabilities) and each
response column (:func:`fit_motif`). :func:`fit_motifs` learns several motifs one after another
on smoothed residuals (spec 6.7).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from iqmodel._parallel import thread_limit
from iqmodel.energy import compute_energies
from iqmodel.metrics import CONSTANT_TOLERANCE, column_correlations, is_constant, pearson_r2
from iqmodel.motifs import Motif, spatial_frame_start
from iqmodel.sampling import order_keys, quantile_matched_sample
from iqmodel.seq import encode

__all__ = [
    "PregoMultiResult",
    "PregoResult",
    "calculate_bins",
    "fit_motif",
    "fit_motifs",
    "ks_statistic",
    "screen_kmers",
]

RESOLUTIONS = (0.05, 0.02, 0.01, 0.005)  # PWM step per phase (spec 6.5)
SPATIAL_STEPS = (0.01, 0.01, 0.01, 0.005)  # spatial weight step per phase
MAX_ITERATIONS_PER_PHASE = 2000  # safety stop; the reference has none
_LETTERS = np.array(list("ACGT"))
# the 20 moves on one PWM row: +-1 on one letter, +1 on a pair, -1 on a pair
_MOVES = np.array(
    [np.eye(4)[c] for c in range(4)]
    + [-np.eye(4)[c] for c in range(4)]
    + [np.eye(4)[a] + np.eye(4)[b] for a in range(4) for b in range(a + 1, 4)]
    + [-(np.eye(4)[a] + np.eye(4)[b]) for a in range(4) for b in range(a + 1, 4)]
)


# ----------------------------------------------------------------------------- inputs


def _check_response(response, n_seqs: int) -> np.ndarray:
    """Response as float64 (n_seqs, R) with clear errors."""
    values = np.asarray(response, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[1] == 0:
        raise ValueError(f"response must be 1-D or 2-D (n_seqs, n_columns), got {values.shape}")
    if values.shape[0] != n_seqs:
        raise ValueError(
            f"response has {values.shape[0]} rows but there are {n_seqs} sequences; "
            "pass one response value (row) per sequence"
        )
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        raise ValueError(
            f"response has a non-finite value (NaN or inf) at row {bad[0][0]}, column "
            f"{bad[0][1]}; drop or impute those sequences first"
        )
    constant = np.flatnonzero(is_constant(values))
    if len(constant):
        raise ValueError(
            f"response column {constant[0]} is constant (up to rounding); a motif cannot explain it"
        )
    return values


def _is_binary(values: np.ndarray) -> bool:
    return values.shape[1] == 1 and np.isin(values, (0.0, 1.0)).all()


def _resolve_metric(metric, values: np.ndarray) -> str:
    if metric is None:
        return "ks" if _is_binary(values) else "r2"
    if metric not in ("r2", "ks"):
        raise ValueError(f"metric must be 'r2', 'ks' or None, got {metric!r}")
    if metric == "ks" and not _is_binary(values):
        raise ValueError(
            "metric='ks' needs a single binary (0/1) response column; use metric='r2' for a "
            "continuous or multi-column response"
        )
    return metric


def _encode_equal_length(seqs) -> np.ndarray:
    codes = encode(seqs)
    if codes.shape[0] < 3:
        raise ValueError(f"PREGO needs at least 3 sequences, got {codes.shape[0]}")
    return codes


def calculate_bins(seq_length: int, bin_size: int | None = None, n_bins: int | None = None):
    """Spatial bin size and count for sequences of ``seq_length`` bp (spec 6.2).

    With neither given, bins are ``min(40, seq_length // 3)`` bp; a given ``bin_size``
    gets the largest odd number of bins that fits; a given ``n_bins`` gets the widest bins
    that fit.

    Parameters
    ----------
    seq_length : int
        Sequence length in bp.
    bin_size : int, optional
        Width of one bin in bp.
    n_bins : int, optional
        Number of bins (odd).

    Returns
    -------
    (bin_size, n_bins) : tuple of int
        ``n_bins`` is odd and ``n_bins * bin_size <= seq_length``.

    Raises
    ------
    ValueError
        When no bin fits, ``n_bins`` is even, or the frame is longer than the sequences.

    Examples
    --------
    >>> calculate_bins(500), calculate_bins(300), calculate_bins(100, bin_size=20)
    ((40, 11), (40, 7), (20, 5))
    >>> calculate_bins(500, n_bins=5)
    (100, 5)
    """
    given = {"bin_size": bin_size, "n_bins": n_bins}
    if bin_size is None and n_bins is None:
        bin_size = min(40, seq_length // 3)
    if bin_size is not None and n_bins is None:
        n_bins = seq_length // bin_size if bin_size > 0 else 0
        n_bins -= 1 if n_bins % 2 == 0 else 0
    elif n_bins is not None and bin_size is None:
        bin_size = seq_length // n_bins if n_bins > 0 else 0
    if bin_size < 1 or n_bins < 1:
        asked = ", ".join(f"{name}={value}" for name, value in given.items() if value is not None)
        raise ValueError(
            f"cannot fit spatial bins into {seq_length}-bp sequences"
            + (f" with {asked}" if asked else "")
            + "; use longer sequences, or fewer or smaller bins"
        )
    if n_bins % 2 == 0:
        raise ValueError(f"n_bins must be odd (a profile symmetric about a centre), got {n_bins}")
    if n_bins * bin_size > seq_length:
        raise ValueError(
            f"the spatial frame ({n_bins} bins x {bin_size} bp = {n_bins * bin_size} bp) is longer "
            f"than the sequences ({seq_length} bp); pass fewer or smaller bins"
        )
    return int(bin_size), int(n_bins)


def _crop(codes: np.ndarray, n_bins: int, bin_size: int) -> np.ndarray:
    start = spatial_frame_start(codes.shape[1], n_bins, bin_size)
    return np.ascontiguousarray(codes[:, start : start + n_bins * bin_size])


# ----------------------------------------------------------------------------- k-mer screen


def _key_to_pattern(key: int, k: int) -> str:
    letters = "".join(_LETTERS[(key >> (2 * (k - 1 - j))) & 3] for j in range(k))
    split = (key >> (2 * k)) & 15
    gap = key >> (2 * k + 4)
    return letters if gap == 0 else letters[:split] + "*" * gap + letters[split:]


KMER_CHUNK = 2048  # sequences per block of the k-mer screen: memory O(block + distinct k-mers)
DENSE_KMER_KEYS = 2**23  # key spaces up to this size are summed in dense arrays


def _kmer_sums(codes: np.ndarray, y_centred: np.ndarray, k: int, min_gap: int, max_gap: int):
    """Per distinct k-mer: summed count, summed squared count and summed count x response.

    Sequences are counted ``KMER_CHUNK`` at a time, so memory grows with the number of
    distinct k-mers, not with ``n_seqs x`` k-mers per sequence (about 100 kB per 300-bp
    sequence when all is held). Over several blocks, a key space of at most
    ``DENSE_KMER_KEYS`` (k = 8 with one gap base: 2**21) is summed in arrays indexed by key;
    otherwise each block is reduced to its distinct keys and merged with the blocks before.

    Parameters
    ----------
    codes : ndarray of int8, shape (n_seqs, length)
    y_centred : ndarray of float64, shape (n_seqs, R)
        Centred response columns.
    k, min_gap, max_gap : int
        As in :func:`screen_kmers`.

    Returns
    -------
    keys : ndarray of int64, shape (n_keys,)
        Sorted pattern keys of the k-mers seen at least once.
    sum_c, sum_c2 : ndarray of int64, shape (n_keys,)
        Summed (capped) count and squared count over the sequences; exact integers.
    sum_cy : ndarray of float64, shape (n_keys, R)
        Summed count x centred response.
    """
    from iqmodel._kernels import prego as kernels

    key_space = (max_gap + 1) << (2 * k + 4)  # keys are below this (see _pattern_key)
    dense = key_space <= DENSE_KMER_KEYS and codes.shape[0] > KMER_CHUNK
    keys = np.arange(key_space) if dense else np.zeros(0, dtype=np.int64)
    totals = np.zeros((len(keys), 2 + y_centred.shape[1]))  # count, count^2, count x y
    if dense:
        scratch, touched = np.zeros_like(totals), np.zeros(key_space, dtype=bool)
    for first in range(0, codes.shape[0], KMER_CHUNK):
        block = slice(first, first + KMER_CHUNK)
        found, seq_index, counts = kernels.kmer_occurrences(codes[block], k, min_gap, max_gap)
        if dense:
            y_block = np.ascontiguousarray(y_centred[block], dtype=np.float64)
            kernels.add_kmer_block(found, seq_index, counts, y_block, totals, scratch, touched)
            continue
        weights = [counts, counts**2, *(counts[None, :] * y_centred[block][seq_index].T)]
        unique, inverse = np.unique(found, return_inverse=True)
        sums = np.column_stack(
            [np.bincount(inverse, weights=w, minlength=len(unique)) for w in weights]
        )
        if len(keys):  # merge with the blocks before
            merged = np.union1d(keys, unique)
            grown = np.zeros((len(merged), totals.shape[1]))
            grown[np.searchsorted(merged, keys)] = totals
            grown[np.searchsorted(merged, unique)] += sums
            unique, sums = merged, grown
        keys, totals = unique, sums
    seen = totals[:, 0] > 0
    # integer sums of integers below 2**53 are exact in float64
    counted = np.rint(totals[seen, :2]).astype(np.int64)
    return keys[seen], counted[:, 0], counted[:, 1], totals[seen, 2:]


def _count_moments(sum_c: np.ndarray, sum_c2: np.ndarray, n_seqs: int):
    """Scaled count variance of each k-mer and which k-mers have a constant count.

    Parameters
    ----------
    sum_c, sum_c2 : int64 array (n_keys,)
        Summed count and squared count over the sequences (absent k-mers count 0).
    n_seqs : int

    Returns
    -------
    scaled_var : int64 array (n_keys,)
        ``n_seqs**2`` times the population variance of the count, ``n * sum c^2 - (sum c)^2``,
        computed in exact integer arithmetic (no cancellation; 0 for a constant count).
    constant : bool array (n_keys,)
        The count column is constant by the rule of :func:`iqmodel.metrics.is_constant`:
        root-mean-square deviation at most ``CONSTANT_TOLERANCE`` times the largest count,
        with the count cap standing in for the largest count (an upper bound, cheaper than a
        per-k-mer maximum). For integer counts a non-zero variance is at least
        ``(n - 1) / n**2``, so below ``n ~ 1e17`` this is exactly "the same count in every
        sequence".
    """
    from iqmodel._kernels.prego import MAX_KMER_COUNT

    scaled_var = n_seqs * sum_c2 - sum_c**2
    # sqrt(var) <= tol * peak  <=>  n^2 var <= (tol * n * peak)^2, with peak <= the cap
    constant = scaled_var <= (CONSTANT_TOLERANCE * n_seqs * float(MAX_KMER_COUNT)) ** 2
    return scaled_var, constant


def screen_kmers(
    seqs,
    response,
    *,
    k: int = 8,
    min_gap: int = 0,
    max_gap: int = 1,
    min_cor: float = 0.08,
    sequence_length: int | None = None,
) -> pd.DataFrame:
    """Correlate the count of every (gapped) k-mer with each response column (spec 6.3).

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        Equal-length sequences (at least 3); only the forward strand is counted.
    response : array-like of float, shape (n_seqs,) or (n_seqs, R)
        Finite response column(s), none constant.
    k : int, default 8
        Letters per pattern.
    min_gap, max_gap : int, default 0, 1
        One internal gap of this many bases (after the 2nd..(k-2)th letter); 0 = contiguous.
    min_cor : float, default 0.08
        Keep patterns with ``max_r2 > min_cor**2``.
    sequence_length : int, optional
        Screen only the central part of each sequence.

    Returns
    -------
    DataFrame
        Columns ``kmer`` (gaps as ``*``), ``max_r2``, ``avg_n`` (mean count), ``avg_var``
        (count variance) and one signed correlation per response column (``r_0``, ...), sorted by
        ``max_r2`` descending (ties in k-mer key order). Counts are capped at 19 per sequence.
        A k-mer whose count is the same in every sequence (e.g. one inside a constant adapter
        or flank) has correlation 0, so it never passes ``min_cor``: the count moments are
        exact integer sums and the covariance uses the centred response; the constant rule is
        that of :func:`iqmodel.metrics.is_constant`.

    Raises
    ------
    ValueError
        For fewer than 3 sequences, an invalid response, ``k`` outside 4..12 or invalid gaps.

    Examples
    --------
    ``GATAA`` occurs in exactly the sequences with a high response:

    >>> seqs = ["AAGATAAC", "CCGATAAG", "TTTTTTTT", "GGGGCCCC", "AGATAAAA", "CCCCCCCC"]
    >>> table = screen_kmers(seqs, [1.0, 0.9, 0.0, 0.1, 0.8, 0.0], k=5, min_cor=0.5)
    >>> table.loc[0, "kmer"], round(float(table.loc[0, "r_0"]), 3), float(table.loc[0, "avg_n"])
    ('GATAA', 0.988, 0.5)
    >>> "AG*TAA" in set(table["kmer"])  # a gapped pattern
    True
    """
    codes = _encode_equal_length(seqs)
    values = _check_response(response, codes.shape[0])
    if not 4 <= k <= 12:
        raise ValueError(f"k must be between 4 and 12, got {k}")
    if not 0 <= min_gap <= max_gap <= 15:
        raise ValueError(f"need 0 <= min_gap <= max_gap <= 15, got {min_gap}, {max_gap}")
    if sequence_length is not None and sequence_length < codes.shape[1]:
        start = (codes.shape[1] - sequence_length) // 2
        codes = np.ascontiguousarray(codes[:, start : start + sequence_length])
    columns = [f"r_{r}" for r in range(values.shape[1])]
    n = codes.shape[0]
    # response scaled to its largest magnitude and centred, so any magnitude stays finite
    y_scaled = values / np.abs(values).max(axis=0)
    y_centred = y_scaled - y_scaled.mean(axis=0)
    y_norm2 = (y_centred**2).sum(axis=0)  # n * var(y), > 0: constant responses are refused
    y_residue = y_centred.sum(axis=0)  # rounding residue of the centring
    unique, sum_c, sum_c2, sum_cy = _kmer_sums(codes, y_centred, k, min_gap, max_gap)
    if len(unique) == 0:
        return pd.DataFrame(columns=["kmer", "max_r2", "avg_n", "avg_var", *columns])
    scaled_var, constant = _count_moments(sum_c, sum_c2, n)
    mean_c = sum_c / n
    denominator = np.sqrt(scaled_var / n)  # sqrt(n * var(c)); exact up to the square root
    r = np.zeros((len(unique), values.shape[1]))
    for col in range(values.shape[1]):
        # n * cov(c, y) as centred sums: sum_i c_i (y_i - ybar) - cbar * sum_i (y_i - ybar)
        n_cov = sum_cy[:, col] - mean_c * y_residue[col]
        scale = denominator * np.sqrt(y_norm2[col])
        np.divide(n_cov, scale, out=r[:, col], where=~constant & (scale > 0))
    r = np.clip(r, -1.0, 1.0)
    max_r2 = (r**2).max(axis=1)
    keep = np.flatnonzero(max_r2 > min_cor**2)
    keep = keep[np.argsort(-max_r2[keep], kind="stable")]
    table = pd.DataFrame(
        {
            "kmer": [_key_to_pattern(int(key), k) for key in unique[keep]],
            "max_r2": max_r2[keep],
            "avg_n": mean_c[keep],
            "avg_var": scaled_var[keep] / float(n) ** 2,
        }
    )
    for col, name in enumerate(columns):
        table[name] = r[keep, col]
    return table.reset_index(drop=True)


# ----------------------------------------------------------------------------- optimiser


def _pad_seed(seed: str, motif_length: int) -> str:
    seed = seed.upper().replace("N", "*")
    pad = max(motif_length - len(seed), 0)
    return "*" * (pad // 2) + seed + "*" * (pad - pad // 2)


def _initial_pwm(seed: str, unif_prior: float) -> np.ndarray:
    pwm = np.full((len(seed), 4), 0.25)
    for k, letter in enumerate(seed):
        if letter != "*":
            pwm[k] = unif_prior
            pwm[k, "ACGT".index(letter)] = 1 - 3 * unif_prior
    return pwm


def _r2_score(var_e, cov_ey, var_y, mean_e):
    """Summed squared correlation over response columns, from population moments.

    The optimiser scores every candidate move from updated moments without computing its
    energy (spec 6.5), so it cannot call :mod:`iqmodel.metrics`; it applies the same rule:
    an energy whose spread is at most ``CONSTANT_TOLERANCE`` times its magnitude (here its
    mean: the linear energy is non-negative) is constant and scores 0, never a ratio of
    rounding residues, and each column's r^2 is capped at 1.

    Parameters
    ----------
    var_e : ndarray, shape (...)
        Variance of each candidate energy.
    cov_ey : ndarray, shape (..., R)
        Covariance of each candidate energy with each response column.
    var_y : ndarray, shape (R,)
        Variance of each response column; 0 for a constant column (which then scores 0).
    mean_e : ndarray, shape (...)
        Mean of each candidate energy.

    Returns
    -------
    ndarray, shape (...)
        Summed r^2 over the response columns, in [0, R].
    """
    var_e = np.asarray(var_e, dtype=np.float64)
    cov_ey = np.asarray(cov_ey, dtype=np.float64)
    varying = var_e > (CONSTANT_TOLERANCE * np.abs(mean_e)) ** 2
    denominator = var_e[..., None] * var_y
    r2 = np.zeros(np.broadcast_shapes(cov_ey.shape, denominator.shape))
    np.divide(cov_ey**2, denominator, out=r2, where=varying[..., None] & (denominator > 0))
    return np.minimum(r2, 1.0).sum(axis=-1)


@dataclass
class _Optimiser:
    """State of one PREGO optimisation (spec 6.5) on cropped sequences."""

    codes: np.ndarray  # int8 (n, frame)
    y: np.ndarray  # float64 (n, R)
    probs: np.ndarray  # (L, 4), rows sum to 1
    weights: np.ndarray  # (B,)
    bin_size: int
    fold: bool
    bidirect: bool
    min_nuc_prob: float
    improve_epsilon: float
    trace: list = field(default_factory=list)

    def __post_init__(self):
        from iqmodel._kernels import prego as kernels

        n, length = self.codes.shape[0], self.probs.shape[0]
        self.layout = kernels.sequence_layout(self.codes, length)
        self.d = np.zeros((n, length, 4))
        self.g = np.zeros((n, len(self.weights)))
        self.y_centred = self.y - self.y.mean(axis=0)
        self.var_y = np.where(is_constant(self.y), 0.0, self.y.var(axis=0))

    def _tables(self) -> np.ndarray:
        """k-mer lookup tables of the current probabilities (both strands)."""
        from iqmodel._kernels import energy as energy_kernels

        length = self.probs.shape[0]
        factors = np.zeros((length, 5, 2))
        factors[:, :4, 0] = self.probs
        if self.bidirect:
            factors[:, :4, 1] = self.probs[::-1, ::-1]
        n_blocks = np.array([(length + energy_kernels.KMER - 1) // energy_kernels.KMER])
        zero = np.zeros(1, dtype=np.int64)
        return energy_kernels.build_tables(factors, np.array([length]), zero, n_blocks, zero)

    def _refresh(self, row_derivatives: bool) -> np.ndarray:
        """Recompute the bin sums (and row derivatives); returns the linear energy (n,)."""
        from iqmodel._kernels import prego as kernels

        kernels.derivatives(
            self.codes,
            *self.layout,
            self._tables(),
            self.probs,
            self.weights,
            self.bin_size,
            self.fold,
            row_derivatives,
            self.d,
            self.g,
        )
        return self.g @ self.weights

    def score_of(self, energy: np.ndarray) -> float:
        centred = energy - energy.mean()
        var_e = np.array(centred @ centred / len(energy))
        cov_ey = centred @ self.y_centred / len(energy)
        return float(_r2_score(var_e, cov_ey, self.var_y, energy.mean()))

    def _best_pwm_move(self, energy, resolution):
        from iqmodel._kernels import prego as kernels

        cov_ed, cov_dd, cov_dy = kernels.centred_row_statistics(self.d, energy, self.y)
        centred = energy - energy.mean()
        var_e = centred @ centred / len(energy)
        cov_ey = centred @ self.y_centred / len(energy)
        candidates = self.probs[:, None, :] + resolution * _MOVES[None, :, :]  # (L, 20, 4)
        candidates = np.where(candidates <= 0, self.min_nuc_prob, candidates)
        delta = candidates - self.probs[:, None, :]
        new_var = (
            var_e
            + 2 * np.einsum("kmc,kc->km", delta, cov_ed)
            + np.einsum("kmc,kcd,kmd->km", delta, cov_dd, delta)
        )
        new_cov = cov_ey + np.einsum("kmc,kcr->kmr", delta, cov_dy)
        new_mean = energy.mean() + np.einsum("kmc,kc->km", delta, self.d.mean(axis=0))
        scores = _r2_score(new_var, new_cov, self.var_y, new_mean)
        k, move = np.unravel_index(np.argmax(scores), scores.shape)
        return float(scores[k, move]), int(k), candidates[k, move]

    def _best_spatial_move(self, energy, step, current):
        n_bins = len(self.weights)
        searchable = n_bins // 2 + 1 if self.fold else n_bins
        centred_g = self.g[:, :searchable] - self.g[:, :searchable].mean(axis=0)
        centred_e = energy - energy.mean()
        n = len(energy)
        var_e = centred_e @ centred_e / n
        cov_eg = centred_e @ centred_g / n
        var_g = (centred_g**2).sum(axis=0) / n
        cov_ey = centred_e @ self.y_centred / n
        cov_gy = centred_g.T @ self.y_centred / n  # (bins, R)
        mean_e = energy.mean()
        mean_g = self.g[:, :searchable].mean(axis=0)
        best = (current, -1, 0.0)
        for b in range(searchable):
            for sign in (1.0, -1.0):
                if sign < 0 and self.weights[b] - step < 0:
                    continue
                s = sign * step
                score = float(
                    _r2_score(
                        np.array(var_e + 2 * s * cov_eg[b] + s * s * var_g[b]),
                        cov_ey + s * cov_gy[b],
                        self.var_y,
                        mean_e + s * mean_g[b],
                    )
                )
                if score > best[0]:
                    best = (score, b, s)
                    break  # the reference tries -step only when +step did not improve
        return best

    def _symmetrise(self):
        if self.fold:
            centre = len(self.weights) // 2
            for offset in range(1, centre + 1):
                self.weights[centre + offset] = self.weights[centre - offset]

    def run(self, optimize_pwm: bool, optimize_spatial: bool) -> float:
        self._symmetrise()
        score = self.score_of(self._refresh(False))
        for phase, (resolution, step) in enumerate(zip(RESOLUTIONS, SPATIAL_STEPS, strict=True)):
            for iteration in range(MAX_ITERATIONS_PER_PHASE):
                previous = score
                energy = self._refresh(optimize_pwm)
                if optimize_pwm:
                    move_score, k, row = self._best_pwm_move(energy, resolution)
                    if move_score > score:  # never apply a move that lowers the score
                        row = np.maximum(row, self.min_nuc_prob)
                        self.probs[k] = row / row.sum()
                        score = move_score
                        self.trace.append((phase, iteration, "pwm", k, score))
                        if optimize_spatial:
                            energy = self._refresh(False)  # fresh bin sums after the PWM move
                if optimize_spatial:
                    move_score, b, s = self._best_spatial_move(energy, step, score)
                    if b >= 0:
                        self.weights[b] += s
                        self.weights /= 1 + s
                        self._symmetrise()
                        score = move_score
                        self.trace.append((phase, iteration, "spatial", b, score))
                if score <= previous + self.improve_epsilon:
                    break
        return score


# ----------------------------------------------------------------------------- results


def ks_statistic(energy: np.ndarray, labels: np.ndarray) -> float:
    """One-sided KS D of a binary label against a score (spec 6.5 "ks").

    Ranking by decreasing score, the largest (fraction of 1s seen - fraction of 0s seen); tied
    scores enter together. Finite scores that are equal up to rounding (numerically constant
    by :func:`iqmodel.metrics.is_constant`) tie, so rounding residue never ranks the rows.

    Parameters
    ----------
    energy : array-like of float, shape (n,)
        Scores (e.g. log energies); ``-inf`` ranks last.
    labels : array-like, shape (n,)
        Binary labels; values above 0.5 count as 1.

    Returns
    -------
    float
        The statistic in [0, 1]: 1 when every 1 scores above every 0.

    Raises
    ------
    ValueError
        When the labels are all 0 or all 1.

    Examples
    --------
    >>> ks_statistic([3.0, 2.0, 1.0, 0.0], [1, 1, 0, 0])
    1.0
    >>> ks_statistic([3.0, 2.0, 1.0, 0.0], [1, 0, 1, 0])
    0.5
    >>> ks_statistic([1.0, 1.0, 1.0, 1.0], [1, 0, 1, 0])  # one tie: no separation
    0.0
    """
    energy = np.asarray(energy, dtype=np.float64).ravel()
    finite = np.isfinite(energy)
    if finite.any() and is_constant(energy[finite])[0]:
        energy = np.where(finite, energy[finite].max(), energy)
    labels = np.asarray(labels).ravel() > 0.5
    n_pos, n_neg = labels.sum(), (~labels).sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError("the KS statistic needs both 0 and 1 labels")
    order = np.argsort(-energy, kind="stable")
    sorted_energy = energy[order]
    curve = np.cumsum(np.where(labels[order], 1.0 / n_pos, -1.0 / n_neg))
    last_of_tie = np.r_[sorted_energy[1:] != sorted_energy[:-1], True]
    return float(max(curve[last_of_tie].max(), 0.0))


def _column_scores(prediction: np.ndarray, values: np.ndarray, metric: str) -> np.ndarray:
    """Score of a prediction (n,) against each response column of ``values`` (n, R).

    ``"ks"``: one-sided KS D of the single binary column. ``"r2"``: squared Pearson r of each
    column on the rows where the prediction is finite (:mod:`iqmodel.metrics`: 0 where the
    prediction or the column is constant up to rounding, or with fewer than 3 such rows).
    Returns an ndarray of shape (R,) (shape (1,) for ``"ks"``).
    """
    if metric == "ks":
        return np.array([ks_statistic(prediction, values[:, 0])])
    finite = np.isfinite(prediction)
    if finite.sum() <= 2:
        return np.zeros(values.shape[1])
    # r^2 of each response column with the prediction; 0 where either is (numerically) constant
    return column_correlations(values[finite], prediction[finite]) ** 2


@dataclass(frozen=True)
class PregoResult:
    """A motif learned by :func:`fit_motif`.

    Parameters
    ----------
    motif : Motif
        The learned motif.
    score : ndarray of float64, shape (R,)
        Score per response column.
    metric : {"r2", "ks"}
        The scoring metric.
    seed : str
        The padded seed.
    kmers : DataFrame or None
        The k-mer screen.
    trace : DataFrame
        The accepted moves.
    bidirect : bool, default True
        Whether both strands are scored.

    Attributes
    ----------
    motif : Motif
        The PWM (rows sum to 1) with its spatial profile (``spatial``, ``bin_size``); it scores
        the central ``n_bins * bin_size`` bases of a sequence.
    score : ndarray, shape (R,)
        Per response column: squared correlation of :meth:`predict` with the response (metric
        ``"r2"``) or the one-sided KS D (``"ks"``), on the sequences it was fitted on.
    metric : str
    seed : str
        The padded seed k-mer the optimisation started from (``*`` = uniform position).
    kmers : DataFrame or None
        The k-mer screen table (None when a seed was given).
    trace : DataFrame
        One row per accepted move: phase, iteration, kind (``pwm``/``spatial``), position or
        bin, and the objective (summed r^2 of the linear energy) after it.
    bidirect : bool
        Whether both strands are scored.
    consensus : str
        Consensus of the learned PWM.

    Examples
    --------
    Sites of GATA1 planted at the centre of 300 sequences: PREGO learns the PWM and a
    central spatial profile:

    >>> import numpy as np
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, motifs=["GATA1"],
    ...                             random_state=0)
    >>> result = fit_motif(data.sequences, data.dap, motif_length=10, multi_kmers=False,
    ...                    random_state=0)
    >>> result.motif.length, result.motif.n_bins, result.metric, result.score.shape
    (10, 3, 'r2', (1,))
    >>> bool(result.motif.similarity(data.truth.motifs[0]).score > 0.9)
    True
    >>> energy = result.predict(data.sequences)
    >>> bool(np.isclose(np.corrcoef(energy, data.dap)[0, 1] ** 2, result.score[0]))
    True
    """

    motif: Motif
    score: np.ndarray
    metric: str
    seed: str
    kmers: pd.DataFrame | None
    trace: pd.DataFrame
    bidirect: bool = True

    @property
    def consensus(self) -> str:
        """Consensus string of the learned PWM (thresholds 0.6 / 0.85, as PREGO)."""
        return self.motif.consensus(0.6, 0.85)

    def predict(self, seqs, *, n_jobs: int | None = None) -> np.ndarray:
        """Log energy (nats) of the motif on sequences, with PREGO's prior 0 (spec 6.6).

        Uses the library's energy engine (:func:`iqmodel.energy.compute_energies`).

        Parameters
        ----------
        seqs : list of str or ndarray of int8, shape (n_seqs, length)
            Sequences (any lengths; the spatial frame is centred on each).
        n_jobs : int or None
            Threads; results do not depend on it.

        Returns
        -------
        ndarray of float64, shape (n_seqs,)
            Natural-log energies.
        """
        return compute_energies(
            seqs, [self.motif], prior=0.0, bidirect=self.bidirect, n_jobs=n_jobs
        )[:, 0]


# ----------------------------------------------------------------------------- fitting


def _initial_state(seed, motif_length, unif_prior, n_bins):
    """(seed string, probs, weights or None) from a seed k-mer, a Motif or nothing."""
    if isinstance(seed, Motif):
        weights = None
        if seed.spatial is not None and seed.n_bins == n_bins:
            weights = np.array(seed.spatial, dtype=float)
        return seed.consensus(0.6, 0.85) or seed.name, np.array(seed.pwm), weights
    if not isinstance(seed, str) or not seed or set(seed.upper()) - set("ACGTN*"):
        raise ValueError(
            f"seed must be a k-mer of A, C, G, T and '*' (wildcard), a Motif or None; got {seed!r}"
        )
    padded = _pad_seed(seed, motif_length)
    return padded, _initial_pwm(padded, unif_prior), None


def _optimise(
    codes,
    values,
    seed,
    *,
    motif_length,
    bin_size,
    n_bins,
    bidirect,
    symmetrize,
    optimize_pwm,
    optimize_spatial,
    unif_prior,
    min_nuc_prob,
    improve_epsilon,
):
    """One optimisation from one seed; returns (seed string, Motif, trace)."""
    padded, probs, weights = _initial_state(seed, motif_length, unif_prior, n_bins)
    if weights is None:
        weights = np.full(n_bins, 1.0 / n_bins)
    optimiser = _Optimiser(
        codes=_crop(codes, n_bins, bin_size),
        y=values,
        probs=np.maximum(probs, min_nuc_prob)
        / np.maximum(probs, min_nuc_prob).sum(axis=1)[:, None],
        weights=weights,
        bin_size=bin_size,
        fold=symmetrize and bidirect,
        bidirect=bidirect,
        min_nuc_prob=min_nuc_prob,
        improve_epsilon=improve_epsilon,
    )
    optimiser.run(optimize_pwm, optimize_spatial)
    motif = Motif("prego", optimiser.probs, spatial=optimiser.weights, bin_size=bin_size)
    trace = pd.DataFrame(optimiser.trace, columns=["phase", "iteration", "kind", "index", "score"])
    return padded, motif, trace


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    """Optimal-string-alignment distance <= 1 (one substitution, indel or adjacent swap)."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _shifted_copy(a: str, b: str, max_shift: int = 3, min_overlap: int = 5) -> bool:
    """Whether ``b`` reads as ``a`` moved by up to ``max_shift`` bases (``*`` matches anything).

    Such seeds start the optimiser on the same site, and their padded 15-bp seeds converge to
    the same motif.
    """
    for shift in range(-max_shift, max_shift + 1):
        matches = 0
        for i, letter in enumerate(a):
            j = i + shift
            if 0 <= j < len(b) and letter != "*" and b[j] != "*":
                if letter != b[j]:
                    break
                matches += 1
        else:
            if matches >= min_overlap:
                return True
    return False


def _candidate_seeds(table: pd.DataFrame, max_candidates: int) -> list[str]:
    """Top k-mers, skipping near-identical and shifted copies of better ones (spec 6.4)."""
    chosen: list[str] = []
    for kmer in table["kmer"].head(max_candidates):
        if not any(
            _edit_distance_at_most_one(kmer, other) or _shifted_copy(other, kmer)
            for other in chosen
        ):
            chosen.append(kmer)
    return chosen


def _canonical_rows(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted into a canonical order of their content (sequence, then response).

    Every draw (sampling, validation split), sum and tie-break of a fit then sees the same
    rows in the same order, so its result does not depend on the input row order. The
    outputs of a fit are per motif, never per row, so nothing has to be mapped back.

    Parameters
    ----------
    codes : ndarray of int8, shape (n_seqs, length)
    values : ndarray of float64, shape (n_seqs, R)

    Returns
    -------
    codes, values : the same arrays with their rows permuted
    """
    order = np.argsort(order_keys(codes, values), kind="stable")
    return codes[order], values[order]


def _rng(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def fit_motif(
    seqs,
    response,
    *,
    seed: str | Motif | None = None,
    motif_length: int = 15,
    bin_size: int | None = None,
    n_bins: int | None = None,
    bidirect: bool = True,
    symmetrize: bool = True,
    optimize_pwm: bool = True,
    optimize_spatial: bool = True,
    multi_kmers: bool = True,
    max_candidates: int = 10,
    val_frac: float = 0.1,
    sample_frac: float | None = None,
    metric: str | None = None,
    kmer_length: int = 8,
    min_gap: int = 0,
    max_gap: int = 1,
    min_kmer_cor: float = 0.08,
    kmer_sequence_length: int | None = None,
    unif_prior: float = 0.05,
    min_nuc_prob: float = 1e-3,
    improve_epsilon: float = 1e-4,
    random_state=None,
    n_jobs: int | None = None,
) -> PregoResult:
    """Learn one motif whose energy explains ``response`` (PREGO, spec 6.1-6.6).

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        Equal-length sequences (at least 3).
    response : array-like of float, shape (n_seqs,) or (n_seqs, R)
        Continuous response(s) (objective: sum of per-column r^2) or one binary 0/1 column.
    seed : str, Motif or None
        ``None``: k-mer screen (several candidate seeds with ``multi_kmers``); a k-mer with
        ``*`` wildcards (padded to ``motif_length``); or a Motif to start from.
    motif_length : int, default 15
        Length of the learned PWM in bp (ignored when ``seed`` is a Motif).
    bin_size, n_bins : int, optional
        Spatial bins (spec 6.2; default 40-bp bins filling the sequence, odd count).
    bidirect, symmetrize : bool, default True
        Score both strands; keep the spatial profile symmetric about the centre bin.
    optimize_pwm, optimize_spatial : bool, default True
        Optimise the PWM rows and the spatial weights.
    multi_kmers : bool, default True
        Try up to ``max_candidates`` seeds, each fitted on ``1 - val_frac`` of the sequences and
        scored on the held-out rest; the best is refitted on all sequences (spec 6.4).
    max_candidates : int, default 10
        Most seeds tried.
    val_frac : float, default 0.1
        Held-out fraction in (0, 1) of the seed comparison.
    sample_frac : float, optional
        Run the seed search on a quantile-matched sample of this fraction.
    metric : {"r2", "ks"} or None
        How seeds are compared and the result scored; None: "ks" for a binary response.
        The optimiser itself always maximises r^2 of the linear energy (spec 6.5 default).
    kmer_length : int, default 8
        ``k`` of :func:`screen_kmers`.
    min_gap, max_gap : int, default 0, 1
        Gap range of :func:`screen_kmers`.
    min_kmer_cor : float, default 0.08
        ``min_cor`` of :func:`screen_kmers` (halved once when no k-mer passes).
    kmer_sequence_length : int, optional
        ``sequence_length`` of :func:`screen_kmers`.
    unif_prior, min_nuc_prob, improve_epsilon : float
        Seed background probability, probability floor, per-phase stop threshold.
    random_state : int, Generator or None
        Drives the validation split and sampling. Both are drawn with the rows in a canonical
        order of their content (:func:`iqmodel.sampling.order_keys`), so the result does not
        depend on the order of the rows.
    n_jobs : int or None
        Threads for the kernels; results do not depend on it.

    Returns
    -------
    PregoResult
        The motif, its score on ``seqs``, the seed, the k-mer table and the trace.

    Raises
    ------
    ValueError
        For fewer than 3 sequences, an invalid or constant response, bins that do not fit,
        a ``motif_length`` longer than the spatial frame, an invalid seed, ``metric`` or
        ``val_frac``.

    Examples
    --------
    From a binary response, seeded with a k-mer:

    >>> import numpy as np
    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, motifs=["GATA1"],
    ...                             random_state=0)
    >>> bound = (data.dap > np.median(data.dap)).astype(float)
    >>> result = fit_motif(data.sequences, bound, seed="AGATAA", motif_length=10,
    ...                    random_state=0)
    >>> result.metric, result.seed, bool(0.5 < result.score[0] <= 1)
    ('ks', '**AGATAA**', True)
    >>> bool(result.motif.similarity(data.truth.motifs[0]).score > 0.8)
    True
    """
    codes = _encode_equal_length(seqs)
    codes, values = _canonical_rows(codes, _check_response(response, codes.shape[0]))
    metric = _resolve_metric(metric, values)
    bin_size, n_bins = calculate_bins(codes.shape[1], bin_size, n_bins)
    if not isinstance(motif_length, (int, np.integer)) or motif_length < 1:
        raise ValueError(f"motif_length must be a positive integer, got {motif_length!r}")
    if motif_length > n_bins * bin_size:
        raise ValueError(
            f"motif_length {motif_length} is longer than the spatial frame ({n_bins * bin_size} bp)"
        )
    if not 0 < val_frac < 1:
        raise ValueError(f"val_frac must be in (0, 1), got {val_frac!r}")
    rng = _rng(random_state)
    settings = dict(
        motif_length=motif_length,
        bin_size=bin_size,
        n_bins=n_bins,
        bidirect=bidirect,
        symmetrize=symmetrize,
        optimize_pwm=optimize_pwm,
        optimize_spatial=optimize_spatial,
        unif_prior=unif_prior,
        min_nuc_prob=min_nuc_prob,
        improve_epsilon=improve_epsilon,
    )
    screen = dict(
        k=kmer_length,
        min_gap=min_gap,
        max_gap=max_gap,
        min_cor=min_kmer_cor,
        sequence_length=kmer_sequence_length,
    )
    with thread_limit(n_jobs):
        kmers = None
        if seed is None:
            search = np.arange(len(codes))
            if sample_frac is not None:
                search = quantile_matched_sample(values[:, 0], sample_frac, rng)
            kmers = screen_kmers(codes[search], values[search], **screen)
            if kmers.empty:  # spec 6.3: retry with half the threshold, then a blank seed
                kmers = screen_kmers(
                    codes[search], values[search], **{**screen, "min_cor": min_kmer_cor / 2}
                )
            candidates = _candidate_seeds(kmers, max_candidates if multi_kmers else 1)
            if not candidates:
                seed = "*" * motif_length
            elif len(candidates) == 1:
                seed = candidates[0]
            else:
                seed = _best_candidate(
                    codes[search], values[search], candidates, metric, val_frac, rng, settings
                )
        padded, motif, trace = _optimise(codes, values, seed, **settings)
        result = PregoResult(
            motif, np.zeros(values.shape[1]), metric, padded, kmers, trace, bidirect
        )
        score = _column_scores(result.predict(codes), values, metric)
    return PregoResult(motif, score, metric, padded, kmers, trace, bidirect)


def _best_candidate(codes, values, candidates, metric, val_frac, rng, settings) -> str:
    """Seed whose motif, fitted on a training split, best predicts the validation split.

    Candidates are ranked by the summed r^2 of the log energy on the validation rows (for a
    binary response too: smoother than the KS statistic on a small split).
    """
    if metric == "ks":  # stratified: the same fraction of each class
        groups = (np.flatnonzero(values[:, 0] > 0.5), np.flatnonzero(values[:, 0] <= 0.5))
        validation = np.sort(
            np.concatenate(
                [rng.choice(g, max(1, int(len(g) * val_frac)), replace=False) for g in groups]
            )
        )
    else:
        validation = quantile_matched_sample(values[:, 0], val_frac, rng)
    training = np.setdiff1d(np.arange(len(codes)), validation)
    best_seed, best_score = candidates[0], -np.inf
    for candidate in candidates:
        _, motif, _ = _optimise(codes[training], values[training], candidate, **settings)
        prediction = compute_energies(
            codes[validation], [motif], prior=0.0, bidirect=settings["bidirect"]
        )[:, 0]
        score = _column_scores(prediction, values[validation], "r2").sum()
        if score > best_score:
            best_seed, best_score = candidate, score
    return best_seed


# ----------------------------------------------------------------------------- several motifs


def _smooth_by_order(values: np.ndarray, order_by: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling mean of ``values`` after sorting rows by ``order_by`` (partial ends)."""
    order = np.argsort(order_by, kind="stable")
    sorted_values = values[order]
    cumulative = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(sorted_values, axis=0)])
    n = len(values)
    half_left = (window - 1) // 2
    half_right = window // 2
    positions = np.arange(n)
    lo = np.clip(positions - half_left, 0, n)
    hi = np.clip(positions + half_right + 1, 0, n)
    smoothed_sorted = (cumulative[hi] - cumulative[lo]) / (hi - lo)[:, None]
    smoothed = np.empty_like(smoothed_sorted)
    smoothed[order] = smoothed_sorted
    return smoothed


def _ols(design: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Least-squares coefficients with intercept, shape (n_features + 1, R)."""
    with_intercept = np.column_stack([np.ones(len(design)), design])
    return np.linalg.lstsq(with_intercept, values, rcond=None)[0]


@dataclass(frozen=True)
class PregoMultiResult:
    """Motifs learned one after another by :func:`fit_motifs`.

    Parameters
    ----------
    results : list of PregoResult
        One result per motif.
    coefficients : ndarray of float64, shape (n_motifs + 1, R)
        Least-squares combination of the log energies.
    stats : DataFrame
        Per-motif statistics.

    Attributes
    ----------
    results : list of PregoResult
        One result per motif, in fit order.
    coefficients : ndarray of float64, shape (n_motifs + 1, R)
        Least-squares combination (intercept first) of the motifs' log energies.
    stats : DataFrame, shape (n_motifs, 6)
        Per motif: ``motif`` (1-based), ``consensus``, ``seed``, ``score`` (its own summed
        score), ``combined_score`` (summed r^2 of the combined model) and ``improvement``.
    motifs : list of Motif
        The learned motifs, in fit order.

    Examples
    --------
    >>> import numpy as np
    >>> from iqmodel.motifs import Motif
    >>> gata = Motif("GATA", [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]])
    >>> result = PregoResult(gata, np.zeros(1), "r2", "GATA", None, None)
    >>> multi = PregoMultiResult([result], np.array([[1.0], [2.0]]), None)
    >>> energy = multi.predict_energies(["CCGATACC", "CCCCCCCC"])
    >>> np.exp(energy[:, 0]).round(6).tolist()
    [1.0, 0.0]
    >>> multi.predict(["CCGATACC"]).tolist(), [m.name for m in multi.motifs]
    ([[1.0]], ['GATA'])
    """

    results: list
    coefficients: np.ndarray
    stats: pd.DataFrame

    @property
    def motifs(self) -> list[Motif]:
        """The learned motifs, in fit order (list of Motif)."""
        return [r.motif for r in self.results]

    def predict_energies(self, seqs, *, n_jobs: int | None = None) -> np.ndarray:
        """Log energy of each motif, shape (n_seqs, n_motifs).

        Parameters
        ----------
        seqs : list of str or ndarray of int8, shape (n_seqs, length)
            Sequences.
        n_jobs : int or None
            Threads; results do not depend on it.

        Returns
        -------
        ndarray of float64, shape (n_seqs, n_motifs)
            :meth:`PregoResult.predict` of each motif (natural log, prior 0).
        """
        return np.column_stack([r.predict(seqs, n_jobs=n_jobs) for r in self.results])

    def predict(self, seqs, *, n_jobs: int | None = None) -> np.ndarray:
        """Combined prediction, shape (n_seqs, R).

        Parameters
        ----------
        seqs : list of str or ndarray of int8, shape (n_seqs, length)
            Sequences.
        n_jobs : int or None
            Threads; results do not depend on it.

        Returns
        -------
        ndarray of float64, shape (n_seqs, R)
            ``coefficients[0] + predict_energies(seqs) @ coefficients[1:]``, in the units of
            the response (``-inf`` or NaN where a motif cannot bind at all).
        """
        energies = self.predict_energies(seqs, n_jobs=n_jobs)
        return self.coefficients[0] + energies @ self.coefficients[1:]


def fit_motifs(seqs, response, n_motifs: int, *, smooth_k: int = 100, **kwargs) -> PregoMultiResult:
    """Learn ``n_motifs`` motifs sequentially on smoothed residuals (spec 6.7).

    Motif 1 is fitted on the response; motif i on ``y - smooth(y | combined prediction)``,
    where the smooth is a centred rolling mean of width ``min(smooth_k, n)`` over the peaks
    sorted by the current least-squares combination of the motifs found so far.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        Equal-length sequences, as for :func:`fit_motif`.
    response : array-like of float, shape (n_seqs,) or (n_seqs, R)
        As for :func:`fit_motif`.
    n_motifs : int
        Number of motifs to learn.
    smooth_k : int, default 100
        Width (rows) of the rolling mean of the residual smoothing.
    **kwargs
        Passed to :func:`fit_motif` (metric ``"r2"`` is used for motifs after the first).

    Returns
    -------
    PregoMultiResult
        The motifs, their least-squares combination and per-motif statistics.

    Raises
    ------
    ValueError
        For ``n_motifs < 1`` or invalid inputs (see :func:`fit_motif`).

    Examples
    --------
    Two planted motifs (GATA1 and CTCF) are found one after the other, GATA1 second:

    >>> from iqmodel.datasets import make_planted_dataset
    >>> data = make_planted_dataset(n_seqs=300, seq_length=100, motifs=["GATA1", "MA0139.2"],
    ...                             random_state=0)
    >>> result = fit_motifs(data.sequences, data.dap, 2, motif_length=12, multi_kmers=False,
    ...                     random_state=0)
    >>> result.coefficients.shape, result.predict(data.sequences).shape
    ((3, 1), (300, 1))
    >>> gata1 = data.truth.motifs[0]
    >>> [bool(m.similarity(gata1).score > 0.9) for m in result.motifs]
    [False, True]
    >>> bool((result.stats["improvement"] > 0.1).all())
    True
    """
    if not isinstance(n_motifs, (int, np.integer)) or n_motifs < 1:
        raise ValueError(f"n_motifs must be a positive integer, got {n_motifs!r}")
    codes = _encode_equal_length(seqs)
    codes, values = _canonical_rows(codes, _check_response(response, codes.shape[0]))
    results, rows = [], []
    energies = np.empty((len(codes), 0))
    target = values
    combined_score = 0.0
    for i in range(n_motifs):
        options = dict(kwargs) if i == 0 else {**kwargs, "metric": "r2"}
        result = fit_motif(codes, target, **options)
        results.append(result)
        energies = np.column_stack([energies, result.predict(codes)])
        coefficients = _ols(energies, values)
        fitted = coefficients[0] + energies @ coefficients[1:]
        new_score = sum(pearson_r2(values[:, r], fitted[:, r]) for r in range(values.shape[1]))
        rows.append(
            {
                "motif": i + 1,
                "consensus": result.consensus,
                "seed": result.seed,
                "score": float(result.score.sum()),
                "combined_score": new_score,
                "improvement": new_score - combined_score,
            }
        )
        combined_score = new_score
        window = min(smooth_k, len(codes))
        target = values - _smooth_by_order(values, fitted[:, 0], window)
    return PregoMultiResult(results, coefficients, pd.DataFrame(rows))
