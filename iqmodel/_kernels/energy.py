"""Numba kernels for motif binding energies (spec 3.1-3.5).

Everything is computed in probability space, relative to each motif position's most likely
letter, so a window's probability is a product of factors in (0, 1] and no ``exp`` is needed
per window. Each motif is cut into blocks of ``KMER`` positions and every block gets a lookup
table over the 4**KMER k-mers, holding the forward and the reverse-complement factor side by
side; a window then costs ``ceil(L / KMER)`` table reads per strand.

Exact rules kept by every path here:
- N scores 1/4 on both strands (windows with N are recomputed position by position);
- a window's spatial weight is that of its start bin, counted from the frame start
  (:func:`frame_start`); only windows inside both the frame and the sequence count;
- a sum that would underflow float64 is recomputed in log space, so results are exact for any
  prior, including 0.

Parallelism is over blocks of sequences only and every (sequence, motif) value is computed by
the same sequential code, so results do not depend on the thread count or on which other
sequences or motifs share the call.
"""

from __future__ import annotations

import numba as nb
import numpy as np

KMER = 4
N_KMERS = 4**KMER
SEQ_BLOCK = 32
_TINY = 1e-280  # below this a relative-probability sum is recomputed in log space
_FASTMATH = {"reassoc", "contract", "arcp"}  # never nnan/ninf: -inf is a valid energy


@nb.njit(cache=True)
def _half_rounded(d):
    """``round(d / 2)`` for an integer ``d``, ties to even (R's and Python's ``round``)."""
    half = d // 2
    if d % 2 == 0 or half % 2 == 0:
        return half
    return half + 1


@nb.njit(cache=True)
def frame_start(length, n_bins, bin_size):
    """0-based start of the spatial frame in a sequence; may be negative.

    Spec 6.2: ``center = round(length / 2)``, start ``round(center - n_bins * bin_size / 2)``,
    both rounded half to even; identical to ``iqmodel.motifs.spatial_frame_start``.
    """
    center = _half_rounded(length)
    return _half_rounded(2 * center - n_bins * bin_size)


@nb.njit(cache=True)
def build_tables(factors, lengths, offsets, n_blocks, table_offsets):
    """Lookup tables of window factors, one per motif block.

    Parameters
    ----------
    factors : float64 (total_length, 5, 2)
        Relative probability of each letter (A, C, G, T, N) at each motif position, forward
        strand in ``[..., 0]`` and reverse-complement motif in ``[..., 1]``.
    lengths, offsets, n_blocks, table_offsets : int64 (n_motifs,)
        Motif lengths, row offsets into ``factors``, blocks per motif, and offsets (in blocks)
        into the returned table array.

    Returns
    -------
    float64 (total_blocks, N_KMERS, 2)
    """
    n_motifs = len(lengths)
    tables = np.ones((table_offsets[-1] + n_blocks[-1] if n_motifs else 0, N_KMERS, 2))
    for m in range(n_motifs):
        for b in range(n_blocks[m]):
            table = tables[table_offsets[m] + b]
            for j in range(KMER):
                pos = b * KMER + j
                if pos >= lengths[m]:
                    break
                shift = 2 * (KMER - 1 - j)
                row = offsets[m] + pos
                for code in range(N_KMERS):
                    letter = (code >> shift) & 3
                    table[code, 0] *= factors[row, letter, 0]
                    table[code, 1] *= factors[row, letter, 1]
    return tables


@nb.njit(cache=True)
def _kmer_codes(seq, codes):
    """Code of the k-mer starting at every position (letters past the end and N read as A)."""
    n = len(seq)
    code = 0
    for i in range(n + KMER - 1):
        letter = seq[i] if i < n else 0
        if letter > 3:
            letter = 0
        code = ((code << 2) | letter) & (N_KMERS - 1)
        if i >= KMER - 1:
            codes[i - KMER + 1] = code


@nb.njit(cache=True)
def _fix_n_windows(seq, lo, n_windows, factors, row0, length, fr):
    """Recompute, by direct products, the windows that contain N (the k-mer codes read N as A).

    Window ``j`` starts at ``lo + j`` and is stored in ``fr[j]``.
    """
    for j in range(n_windows):
        i = lo + j
        for k in range(length):
            if seq[i + k] > 3:
                f = 1.0
                r = 1.0
                for q in range(length):
                    letter = seq[i + q]
                    f *= factors[row0 + q, letter, 0]
                    r *= factors[row0 + q, letter, 1]
                fr[j, 0] = f
                fr[j, 1] = r
                break


@nb.njit(cache=True)
def _log_space_energy(seq, factors, row0, length, lo, hi, fs, bin_size, weights, use_max):
    """Exact energy in log space, for the rare sums that underflow float64.

    ``weights`` holds this motif's spatial weights (a single 1.0 without a profile).
    """
    best = -np.inf
    terms = np.empty(2 * (hi - lo))
    n_terms = 0
    for i in range(lo, hi):
        w = weights[(i - fs) // bin_size]
        if w <= 0.0:
            continue
        lf = np.log(w)
        lr = lf
        for k in range(length):
            letter = seq[i + k]
            lf += np.log(factors[row0 + k, letter, 0])
            lr += np.log(factors[row0 + k, letter, 1])
        if use_max:
            best = max(best, np.logaddexp(lf, lr))
        else:
            terms[n_terms] = lf
            terms[n_terms + 1] = lr
            n_terms += 2
            best = max(best, lf, lr)
    if use_max or best == -np.inf:
        return best
    total = 0.0
    for t in range(n_terms):
        total += np.exp(terms[t] - best)
    return best + np.log(total)


@nb.njit(parallel=True, fastmath=_FASTMATH, cache=True)
def energies(seq_codes, seq_offsets, factors, tables, meta, weights, log_scale, use_max, out):
    """Energies of every motif on every sequence, written into ``out``.

    Parameters
    ----------
    seq_codes : int8 (total_length,)
        Concatenated sequence codes (A=0, C=1, G=2, T=3, N=4).
    seq_offsets : int64 (n_seqs + 1,)
    factors : float64 (total_motif_length, 5, 2)
        Relative letter probabilities per motif position, forward and reverse complement.
    tables : float64 (total_blocks, N_KMERS, 2)
        From :func:`build_tables`.
    meta : int64 (n_motifs, 7)
        Per motif: factor row offset, length, table offset, number of blocks, number of
        spatial bins (0 = none), bin size in bp, offset into ``weights``.
    weights : float64 (1 + total_bins,)
        ``weights[0] == 1.0`` (used by motifs without a profile), then the spatial weights of
        all motifs, concatenated.
    log_scale : float64 (n_motifs,)
        Natural log of the product of the per-position maxima.
    use_max : bool
        Max over windows instead of the sum.
    out : float64 (n_seqs, n_motifs)
        Filled with natural-log energies.

    Notes
    -----
    The window loops are written out here rather than in helpers: the scratch array ``fr``
    must be a local allocation for LLVM to vectorise them.
    """
    n_seqs = len(seq_offsets) - 1
    n_motifs = meta.shape[0]
    max_length = 0
    for s in range(n_seqs):
        max_length = max(max_length, seq_offsets[s + 1] - seq_offsets[s])
    n_seq_blocks = (n_seqs + SEQ_BLOCK - 1) // SEQ_BLOCK
    for blk in nb.prange(n_seq_blocks):
        s0 = blk * SEQ_BLOCK
        s1 = min(n_seqs, s0 + SEQ_BLOCK)
        codes = np.zeros((SEQ_BLOCK, max_length + KMER), dtype=np.uint16)
        has_n = np.zeros(SEQ_BLOCK, dtype=np.bool_)
        fr = np.empty((max_length + 1, 2))
        for s in range(s0, s1):
            seq = seq_codes[seq_offsets[s] : seq_offsets[s + 1]]
            _kmer_codes(seq, codes[s - s0])
            for letter in seq:
                if letter > 3:
                    has_n[s - s0] = True
                    break
        for m in range(n_motifs):
            row0 = meta[m, 0]
            length = meta[m, 1]
            t0 = meta[m, 2]
            n_blocks = meta[m, 3]
            spatial = meta[m, 4] > 0
            w0 = meta[m, 6] if spatial else 0  # weights[0] == 1.0 serves motifs without one
            for s in range(s0, s1):
                seq = seq_codes[seq_offsets[s] : seq_offsets[s + 1]]
                n = len(seq)
                if spatial:
                    n_bins = meta[m, 4]
                    bin_size = meta[m, 5]
                    fs = frame_start(n, n_bins, bin_size)
                else:  # one bin of weight 1 covering the whole sequence
                    n_bins = 1
                    bin_size = max(n, 1)
                    fs = 0
                lo = max(fs, 0)
                hi = min(fs + n_bins * bin_size, n) - length + 1  # end of window starts
                if hi <= lo:
                    out[s, m] = -np.inf
                    continue
                n_windows = hi - lo
                cs = codes[s - s0, lo:]
                first = tables[t0]
                if n_blocks == 1:
                    for j in range(n_windows):
                        c = cs[j]
                        fr[j, 0] = first[c, 0]
                        fr[j, 1] = first[c, 1]
                elif n_blocks == 2:
                    second = tables[t0 + 1]
                    for j in range(n_windows):
                        c = cs[j]
                        d = cs[j + KMER]
                        fr[j, 0] = first[c, 0] * second[d, 0]
                        fr[j, 1] = first[c, 1] * second[d, 1]
                else:
                    second = tables[t0 + 1]
                    third = tables[t0 + 2]
                    for j in range(n_windows):
                        c = cs[j]
                        d = cs[j + KMER]
                        e = cs[j + 2 * KMER]
                        fr[j, 0] = first[c, 0] * second[d, 0] * third[e, 0]
                        fr[j, 1] = first[c, 1] * second[d, 1] * third[e, 1]
                for b in range(3, n_blocks):
                    table = tables[t0 + b]
                    shift = b * KMER
                    for j in range(n_windows):
                        c = cs[j + shift]
                        fr[j, 0] *= table[c, 0]
                        fr[j, 1] *= table[c, 1]
                if has_n[s - s0]:
                    _fix_n_windows(seq, lo, n_windows, factors, row0, length, fr)
                acc = 0.0
                for b in range(n_bins):
                    w = weights[w0 + b]
                    j_lo = max(lo, fs + b * bin_size) - lo
                    j_hi = min(hi, fs + (b + 1) * bin_size) - lo
                    if w <= 0.0 or j_hi <= j_lo:
                        continue
                    in_bin = fr[j_lo:j_hi]
                    part = 0.0
                    if use_max:
                        for j in range(in_bin.shape[0]):
                            part = max(part, in_bin[j, 0] + in_bin[j, 1])
                        acc = max(acc, w * part)
                    else:
                        for j in range(in_bin.shape[0]):
                            part += in_bin[j, 0] + in_bin[j, 1]
                        acc += w * part
                if acc < _TINY:
                    out[s, m] = log_scale[m] + _log_space_energy(
                        seq,
                        factors,
                        row0,
                        length,
                        lo,
                        hi,
                        fs,
                        bin_size,
                        weights[w0 : w0 + n_bins],
                        use_max,
                    )
                else:
                    out[s, m] = log_scale[m] + np.log(acc)
