"""Numba kernels of saturation mutagenesis: energies and motif terms of single-base mutants.

A substitution at position ``p`` changes only the windows that overlap ``p``. The window
terms of the reference are computed once, as products of letter probabilities relative to
each position's most likely letter (no ``exp`` per window), then relative to the largest
term (so they lie in [0, 1]); the windows left and right of ``p`` come from prefix and
suffix sums (no subtraction, so no cancellation), and the ``<= L`` overlapping windows are
re-scored by multiplying their strand terms by the ratio of the new to the old letter
probability. The kernel leaves the relative sums, whose logs the caller takes vectorised; a
sum that underflows float64 is recomputed in log space, so results equal
``iqmodel._kernels.energy.energies`` of the mutant sequence to rounding.

:func:`normalised_energies` maps energies to the model's inputs on [0, 10],
:func:`input_terms` inputs to their logit terms, and :func:`mutant_composition` gives the
GC content and dinucleotide frequencies of the mutants.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_TINY = 1e-280  # below this a relative sum is recomputed in log space


@nb.njit(cache=True)
def _log_space_energy(codes, p, b, forward, reverse, weights, use_max):
    """Exact energy of the mutant ``codes[p] = b`` in log space (the rare underflow path)."""
    length = forward.shape[0]
    terms = np.full(len(weights), -np.inf)
    for i in range(len(weights)):
        if weights[i] == 0.0:
            continue
        lf = np.log(weights[i])
        lr = lf
        for k in range(length):
            letter = b if i + k == p else codes[i + k]
            lf += forward[k, letter]
            lr += reverse[k, letter]
        terms[i] = np.logaddexp(lf, lr)
    best = terms.max()
    if use_max or best == -np.inf:
        return best
    return best + np.log(np.exp(terms - best).sum())


def scoring_tables(log_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tables :func:`mutant_energies` scores with, from log probabilities.

    Parameters
    ----------
    log_probs : float64 array, shape (2, n, 5)
        Natural-log probability of each letter (A, C, G, T, N) at each of ``n`` motif
        positions (one or several motifs, concatenated), for the motifs (``[0]``) and their
        reverse complements (``[1]``); finite.

    Returns
    -------
    probs : float64 array, shape (2, n, 5)
        Each letter's probability relative to the most likely letter at its position, in
        (0, 1]: a window's product of them underflows only for very long motifs on unlike
        sequence (``mutant_energies`` then falls back to log space).
    ratios : float64 array, shape (2, n, 5, 4)
        ``exp(log_probs[s, k, b] - log_probs[s, k, a])``: the factor by which a window term
        changes when letter ``a`` (ACGTN) at motif position ``k`` becomes base ``b`` (ACGT).
    position_max : float64 array, shape (n,)
        The largest log probability (nats) at each forward motif position; a motif's sum of
        them is the log of the factor taken out of ``probs``, on either strand (the reverse
        complement's positions hold the same maxima in reverse order).
    """
    largest = log_probs.max(axis=2, keepdims=True)
    probs = np.exp(log_probs - largest)
    ratios = np.exp(log_probs[:, :, None, :4] - log_probs[:, :, :, None])
    return np.ascontiguousarray(probs), np.ascontiguousarray(ratios), largest[0, :, 0].copy()


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
def _window_terms(codes, log_probs, probs, log_scale, weights, wf, wr):
    """Fill ``wf``, ``wr`` with each window's forward and reverse term relative to the
    largest term, and return the log (nats) of that largest term (0 when no window counts).

    A product of relative letter probabilities per window, no ``exp``; when the largest
    product is below ``_TINY`` (no counted window, or a very long motif on unlike sequence)
    the terms are recomputed in log space."""
    length = probs.shape[1]
    top = 0.0
    for i in range(len(weights)):
        f = weights[i]
        r = weights[i]
        for k in range(length):
            f *= probs[0, k, codes[i + k]]
            r *= probs[1, k, codes[i + k]]
        wf[i] = f
        wr[i] = r
        top = max(top, f, r)
    if top >= _TINY:
        scale = 1.0 / top
        for i in range(len(weights)):
            wf[i] *= scale
            wr[i] *= scale
        return np.log(top) + log_scale
    top = -np.inf
    for i in range(len(weights)):
        lf = np.log(weights[i])
        lr = lf
        for k in range(length):
            lf += log_probs[0, k, codes[i + k]]
            lr += log_probs[1, k, codes[i + k]]
        wf[i] = lf
        wr[i] = lr
        top = max(top, lf, lr)
    if top == -np.inf:
        top = 0.0
    for i in range(len(weights)):
        wf[i] = np.exp(wf[i] - top)
        wr[i] = np.exp(wr[i] - top)
    return top


@nb.njit(cache=True)
def mutant_energies(
    codes, positions, alt, log_probs, probs, ratios, log_scale, weights, use_max, out, exact
):
    """Energy of one motif on the reference and after each substitution, written into ``out``.

    Parameters
    ----------
    codes : int8 (length,)
        The reference sequence (A=0, C=1, G=2, T=3, N=4).
    positions : int64 (n_mutants,)
        0-based position of each substitution; mutants at one position should be next to
        each other (its overlapping windows are then re-scored once for all four bases).
    alt : int64 (n_mutants,)
        New base of each substitution (0-3).
    log_probs : float64 (2, L, 5)
        Natural-log probability of each letter at each motif position, for the motif
        (``[0]``) and its reverse complement (``[1]``) (N: log 1/4 on both strands).
    probs, ratios : float64 (2, L, 5) and (2, L, 5, 4)
        :func:`scoring_tables` of ``log_probs``.
    log_scale : float
        The motif's sum of ``position_max`` of :func:`scoring_tables` (nats).
    weights : float64 (n_windows,)
        Spatial weight of the window starting at each position (0: not counted);
        ``n_windows = length - L + 1 >= 1``.
    use_max : bool
        Largest window term instead of the sum (``energy_mode="max"``).
    out : float64 (1 + n_mutants,)
        Filled for the reference (``out[0]``) and after putting base ``alt[j]`` at
        ``positions[j]`` (``out[1 + j]``) with the sum (or largest) of the window terms
        relative to ``exp(top)``, so that the energy is ``top + log(out)``; or, where that
        relative sum underflows, with the energy itself (nats) and ``exact`` set.
    exact : bool (1 + n_mutants,)
        Set where ``out`` holds the energy itself; left alone elsewhere.

    Returns
    -------
    float
        ``top`` (nats): the log of the largest window term of the reference (0 if none
        counts).
    """
    length = log_probs.shape[1]
    n_windows = len(weights)
    forward, reverse = log_probs[0], log_probs[1]
    ratio_f, ratio_r = ratios[0], ratios[1]
    wf = np.empty(n_windows)
    wr = np.empty(n_windows)
    top = _window_terms(codes, log_probs, probs, log_scale, weights, wf, wr)
    prefix = np.zeros(n_windows + 1)
    suffix = np.zeros(n_windows + 1)
    for i in range(n_windows):
        term = wf[i] + wr[i]
        prefix[i + 1] = max(prefix[i], term) if use_max else prefix[i] + term
    for i in range(n_windows - 1, -1, -1):
        term = wf[i] + wr[i]
        suffix[i] = max(suffix[i + 1], term) if use_max else suffix[i + 1] + term
    acc = np.empty(4)
    scored = -1  # the position whose four sums are in acc
    for j in range(len(positions)):
        p = positions[j]
        if p != scored:
            a = codes[p]
            lo = max(p - length + 1, 0)
            hi = min(p, n_windows - 1)
            if use_max:
                outside = max(prefix[lo], suffix[hi + 1])
                _max_terms(wf, wr, ratio_f, ratio_r, p, a, lo, hi, outside, acc)
            else:
                outside = prefix[lo] + suffix[hi + 1]
                _sum_terms(wf, wr, ratio_f, ratio_r, p, a, lo, hi, outside, acc)
            scored = p
        b = alt[j]
        out[1 + j] = acc[b]
        if acc[b] < _TINY:
            out[1 + j] = _log_space_energy(codes, p, b, forward, reverse, weights, use_max)
            exact[1 + j] = True
    out[0] = prefix[n_windows]
    if prefix[n_windows] < _TINY:
        out[0] = _log_space_energy(codes, -1, 0, forward, reverse, weights, use_max)
        exact[0] = True
    return top


@nb.njit(parallel=True, cache=True)
def all_mutant_energies(
    codes,
    positions,
    alt,
    log_probs,
    probs,
    ratios,
    rows,
    log_scales,
    weights,
    starts,
    use_max,
    out,
    exact,
    tops,
):
    """:func:`mutant_energies` of several motifs, in parallel over motifs.

    Parameters
    ----------
    codes, positions, alt, use_max
        As in :func:`mutant_energies`.
    log_probs, probs : float64 (2, total_motif_length, 5)
        The motifs' tables (see :func:`mutant_energies`), concatenated; motif ``m`` has
        positions ``rows[m]:rows[m + 1]``.
    ratios : float64 (2, total_motif_length, 5, 4)
        Their letter change factors, likewise.
    rows : int64 (n_motifs + 1,)
    log_scales : float64 (n_motifs,)
        Each motif's ``log_scale``.
    weights : float64 (total_windows,)
        The motifs' window weights, concatenated; motif ``m`` has ``starts[m]:starts[m + 1]``
        (empty: no window fits, energies ``-inf``).
    starts : int64 (n_motifs + 1,)
    out : float64 (n_motifs, 1 + n_mutants)
        Filled as in :func:`mutant_energies`, one row per motif: column 0 for the
        reference, column ``1 + j`` for mutant ``j``. Each motif writes only its own row,
        so the result does not depend on the thread count.
    exact : bool (n_motifs, 1 + n_mutants)
        All False on entry; set where ``out`` holds the energy itself (nats).
    tops : float64 (n_motifs,)
        Filled with each motif's ``top``: the energy is ``tops[m] + log(out[m, c])`` where
        ``exact[m, c]`` is not set.
    """
    for m in nb.prange(len(rows) - 1):
        if starts[m + 1] == starts[m]:
            out[m, :] = -np.inf
            exact[m, :] = True
            tops[m] = 0.0
            continue
        motif, windows = slice(rows[m], rows[m + 1]), slice(starts[m], starts[m + 1])
        tops[m] = mutant_energies(
            codes,
            positions,
            alt,
            log_probs[:, motif],
            probs[:, motif],
            ratios[:, motif],
            log_scales[m],
            weights[windows],
            use_max,
            out[m],
            exact[m],
        )


@nb.njit(cache=True)
def normalised_energies(
    energies, ln2, reference_log2, min_energy, range_low, scale, max_value, inputs
):
    """Motif energies on the model's [0, ``max_value``] scale, element by element.

    :meth:`iqmodel.energy.EnergyNormalizer.transform` operation by operation, so the result
    is equal to it bit for bit.

    Parameters
    ----------
    energies : float64 (n_motifs, n_rows)
        Raw energies, nats.
    ln2 : float
        ``log(2)``: energies are divided by it to give log2 units.
    reference_log2, range_low, scale : float64 (n_motifs,)
        The normaliser's reference (log2 units), range low end (log2 units below the
        reference) and ``max_value / span`` (0 for an empty span), per motif.
    min_energy, max_value : float
        The normaliser's floor (log2 units below the reference) and top of the scale.
    inputs : float64 (n_motifs, n_rows)
        Filled with the normalised energies.
    """
    n_motifs, n_rows = energies.shape
    for m in range(n_motifs):
        for r in range(n_rows):
            y = energies[m, r] / ln2 - reference_log2[m]
            if y < min_energy:
                y = min_energy
            if y > 0.0:
                y = 0.0
            x = (y - range_low[m]) * scale[m]
            if x < 0.0:
                x = 0.0
            if x > max_value:
                x = max_value
            if x != x:  # NaN (no reference) -> 0, as np.nan_to_num
                x = 0.0
            inputs[m, r] = x


@nb.njit(cache=True)
def input_terms(inputs, decays, curves, curve_coef, linear_coef, terms):
    """Logit terms of model inputs (motifs or covariates), element by element.

    The term of input ``m`` is ``linear_coef[m] * x + sum_c curve_coef[m, c] * (L_c / (1 +
    exp(-k_c (x - x0_c))) + offset_c)`` of its input ``x``: its GLM columns (the logistic
    response functions, or the input itself) times their coefficients. ``exp(-k_c (x -
    x0_c))`` is ``decays[d_c] * exp(k_c x0_c)``, so the exponentials are computed once per
    distinct steepness ``k`` (by the caller, vectorised).

    Parameters
    ----------
    inputs : float64 (n_inputs, n_rows)
        Normalised energies or scaled covariates, [0, 10] scale.
    decays : float64 (n_steepness, n_inputs, n_rows)
        ``exp(-k x)`` of ``inputs`` for each distinct steepness ``k`` (per input unit).
    curves : float64 (n_curves, 4)
        Per response function: ``d`` (the row of ``decays`` of its steepness, as a float),
        ``exp(k x0)`` (``x0`` in input units), ``L`` and ``offset``.
    curve_coef : float64 (n_inputs, n_curves)
        GLM coefficient of each input's response column (0: none).
    linear_coef : float64 (n_inputs,)
        GLM coefficient of each input itself (models without response bases).
    terms : float64 (n_inputs, n_rows)
        Filled with the logit terms.
    """
    n_inputs, n_rows = inputs.shape
    for m in range(n_inputs):
        row = terms[m]
        for r in range(n_rows):
            row[r] = linear_coef[m] * inputs[m, r]
        for c in range(curves.shape[0]):
            coef = curve_coef[m, c]
            if coef == 0.0:
                continue
            decay = decays[int(curves[c, 0]), m]
            shift, height, offset = curves[c, 1], curves[c, 2], curves[c, 3]
            for r in range(n_rows):
                row[r] += coef * (height / (1.0 + decay[r] * shift) + offset)


@nb.njit(cache=True, inline="always")
def _write_composition(bases, pairs, row):
    """GC content and the 16 pair frequencies from counts into ``row`` (0 when empty)."""
    n_bases = bases.sum()
    n_pairs = pairs.sum()
    row[0] = (bases[1] + bases[2]) / n_bases if n_bases > 0 else 0.0
    for k in range(16):
        row[1 + k] = pairs[k] / n_pairs if n_pairs > 0 else 0.0


@nb.njit(cache=True)
def mutant_composition(codes, positions, alt, out):
    """GC content and dinucleotide frequencies of a sequence and of its single-base mutants.

    The rules of :func:`iqmodel.additional_features.sequence_features`: only ACGT bases and
    pairs of ACGT bases count, and an empty denominator gives 0. Each mutant's counts are the
    reference counts updated at its position (one base, the two pairs holding it).

    Parameters
    ----------
    codes : int64 (length,)
        The reference sequence (A=0, C=1, G=2, T=3, N=4).
    positions, alt : int64 (n_mutants,)
        0-based position and new base (0-3) of each mutant.
    out : float64 (1 + n_mutants, 17)
        Filled with ``gc_content`` (fraction of G or C among the ACGT bases) and the
        frequencies of the pairs ``AA, AC, ..., TT`` among the ACGT pairs: row 0 of the
        reference, row ``1 + j`` of mutant ``j``.
    """
    length = len(codes)
    bases = np.zeros(4, dtype=np.int64)
    pairs = np.zeros(16, dtype=np.int64)
    for i in range(length):
        if codes[i] < 4:
            bases[codes[i]] += 1
            if i + 1 < length and codes[i + 1] < 4:
                pairs[codes[i] * 4 + codes[i + 1]] += 1
    _write_composition(bases, pairs, out[0])
    mutant_bases = np.empty(4, dtype=np.int64)
    mutant_pairs = np.empty(16, dtype=np.int64)
    for j in range(len(positions)):
        p, old, new = positions[j], codes[positions[j]], alt[j]
        mutant_bases[:] = bases
        mutant_pairs[:] = pairs
        if old < 4:
            mutant_bases[old] -= 1
        mutant_bases[new] += 1
        if p > 0 and codes[p - 1] < 4:
            if old < 4:
                mutant_pairs[codes[p - 1] * 4 + old] -= 1
            mutant_pairs[codes[p - 1] * 4 + new] += 1
        if p + 1 < length and codes[p + 1] < 4:
            if old < 4:
                mutant_pairs[old * 4 + codes[p + 1]] -= 1
            mutant_pairs[new * 4 + codes[p + 1]] += 1
        _write_composition(mutant_bases, mutant_pairs, out[1 + j])
