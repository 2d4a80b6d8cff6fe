"""Numba kernel of saturation mutagenesis: energies of every single-base substitution.

A substitution at position ``p`` changes only the windows that overlap ``p``. The window
terms of the reference are computed once, relative to the largest one (so they lie in
[0, 1]); the windows left and right of ``p`` come from prefix and suffix sums (no
subtraction, so no cancellation), and the ``<= L`` overlapping windows are re-scored by
multiplying their strand terms by the ratio of the new to the old letter probability.
A sum that underflows float64 is recomputed in log space, so results equal
``iqmodel._kernels.energy.energies`` of the mutant sequence to rounding.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_TINY = 1e-280  # below this a relative sum is recomputed in log space


@nb.njit(cache=True)
def _log_space_energy(codes, p, b, forward, reverse, log_weights, use_max):
    """Exact energy of the mutant ``codes[p] = b`` in log space (the rare underflow path)."""
    length = forward.shape[0]
    terms = np.full(len(log_weights), -np.inf)
    for i in range(len(log_weights)):
        if log_weights[i] == -np.inf:
            continue
        lf = log_weights[i]
        lr = log_weights[i]
        for k in range(length):
            letter = b if i + k == p else codes[i + k]
            lf += forward[k, letter]
            lr += reverse[k, letter]
        terms[i] = np.logaddexp(lf, lr)
    best = terms.max()
    if use_max or best == -np.inf:
        return best
    return best + np.log(np.exp(terms - best).sum())


@nb.njit(cache=True)
def _ratios(table):
    """``exp(table[k, b] - table[k, a])`` as (L, 5, 4): letter ``a`` (ACGTN) -> base ``b``."""
    length = table.shape[0]
    ratios = np.empty((length, 5, 4))
    for k in range(length):
        for a in range(5):
            for b in range(4):
                ratios[k, a, b] = np.exp(table[k, b] - table[k, a])
    return ratios


@nb.njit(cache=True, inline="always")
def _sum_terms(wf, wr, ratio_f, ratio_r, p, a, lo, hi, outside, acc):
    """``acc[b]``: sum of the window terms after ``codes[p] = b`` (windows ``lo..hi``
    re-scored, the others given as ``outside``)."""
    s0 = s1 = s2 = s3 = outside
    for i in range(lo, hi + 1):
        k = p - i
        f = wf[i]
        r = wr[i]
        s0 += f * ratio_f[k, a, 0] + r * ratio_r[k, a, 0]
        s1 += f * ratio_f[k, a, 1] + r * ratio_r[k, a, 1]
        s2 += f * ratio_f[k, a, 2] + r * ratio_r[k, a, 2]
        s3 += f * ratio_f[k, a, 3] + r * ratio_r[k, a, 3]
    acc[0], acc[1], acc[2], acc[3] = s0, s1, s2, s3


@nb.njit(cache=True, inline="always")
def _max_terms(wf, wr, ratio_f, ratio_r, p, a, lo, hi, outside, acc):
    """As :func:`_sum_terms` with the largest window term instead of the sum."""
    for b in range(4):
        best = outside
        for i in range(lo, hi + 1):
            k = p - i
            best = max(best, wf[i] * ratio_f[k, a, b] + wr[i] * ratio_r[k, a, b])
        acc[b] = best


@nb.njit(cache=True)
def mutant_energies(codes, positions, forward, reverse, log_weights, use_max, out):
    """Energy of one motif after each substitution, written into ``out``.

    Parameters
    ----------
    codes : int8 (length,)
        The reference sequence (A=0, C=1, G=2, T=3, N=4).
    positions : int64 (n_positions,)
        0-based positions to substitute.
    forward, reverse : float64 (L, 5)
        Natural-log probability of each letter at each motif position, for the motif and its
        reverse complement (N: log 1/4 on both strands).
    log_weights : float64 (n_windows,)
        Log spatial weight of the window starting at each position (``-inf``: not counted);
        ``n_windows = length - L + 1 >= 1``.
    use_max : bool
        Largest window term instead of the sum (``energy_mode="max"``).
    out : float64 (n_positions, 4)
        Filled with the energy (nats) after putting base A, C, G or T at each position.

    Returns
    -------
    float
        The energy (nats) of the reference sequence.
    """
    length = forward.shape[0]
    n_windows = len(log_weights)
    ratio_f = _ratios(forward)
    ratio_r = _ratios(reverse)
    wf = np.empty(n_windows)
    wr = np.empty(n_windows)
    top = -np.inf
    for i in range(n_windows):
        lf = log_weights[i]
        lr = log_weights[i]
        for k in range(length):
            lf += forward[k, codes[i + k]]
            lr += reverse[k, codes[i + k]]
        wf[i] = lf
        wr[i] = lr
        top = max(top, lf, lr)
    if top == -np.inf:
        top = 0.0
    prefix = np.zeros(n_windows + 1)
    suffix = np.zeros(n_windows + 1)
    for i in range(n_windows):
        wf[i] = np.exp(wf[i] - top)
        wr[i] = np.exp(wr[i] - top)
        term = wf[i] + wr[i]
        prefix[i + 1] = max(prefix[i], term) if use_max else prefix[i] + term
    for i in range(n_windows - 1, -1, -1):
        term = wf[i] + wr[i]
        suffix[i] = max(suffix[i + 1], term) if use_max else suffix[i + 1] + term
    acc = np.empty(4)
    for j in range(len(positions)):
        p = positions[j]
        a = codes[p]
        lo = max(p - length + 1, 0)
        hi = min(p, n_windows - 1)
        if use_max:
            _max_terms(wf, wr, ratio_f, ratio_r, p, a, lo, hi, max(prefix[lo], suffix[hi + 1]), acc)
        else:
            _sum_terms(wf, wr, ratio_f, ratio_r, p, a, lo, hi, prefix[lo] + suffix[hi + 1], acc)
        for b in range(4):
            if acc[b] < _TINY:
                out[j, b] = _log_space_energy(codes, p, b, forward, reverse, log_weights, use_max)
            else:
                out[j, b] = top + np.log(acc[b])
    if prefix[n_windows] < _TINY:
        return _log_space_energy(codes, -1, 0, forward, reverse, log_weights, use_max)
    return top + np.log(prefix[n_windows])


@nb.njit(parallel=True, cache=True)
def all_mutant_energies(
    codes, positions, forwards, reverses, rows, log_weights, starts, use_max, reference, out
):
    """:func:`mutant_energies` of several motifs, in parallel over motifs.

    Parameters
    ----------
    codes, positions, use_max
        As in :func:`mutant_energies`.
    forwards, reverses : float64 (total_motif_length, 5)
        The motifs' log-probability tables, concatenated; motif ``m`` has rows
        ``rows[m]:rows[m + 1]``.
    rows : int64 (n_motifs + 1,)
    log_weights : float64 (total_windows,)
        The motifs' log window weights, concatenated; motif ``m`` has
        ``starts[m]:starts[m + 1]`` (empty: no window fits, energies ``-inf``).
    starts : int64 (n_motifs + 1,)
    reference : float64 (n_motifs,)
        Filled with the reference energies.
    out : float64 (n_motifs, n_positions, 4)
        Filled with the substitution energies; each motif writes only its own slice, so the
        result does not depend on the thread count.
    """
    for m in nb.prange(len(rows) - 1):
        if starts[m + 1] == starts[m]:
            reference[m] = -np.inf
            out[m, :, :] = -np.inf
            continue
        reference[m] = mutant_energies(
            codes,
            positions,
            forwards[rows[m] : rows[m + 1]],
            reverses[rows[m] : rows[m + 1]],
            log_weights[starts[m] : starts[m + 1]],
            use_max,
            out[m],
        )
