"""Numba kernels for PREGO: gapped k-mer screen (spec 6.3) and the PWM optimiser's derivatives
(spec 6.5).

Sequences are int8 codes (A=0, C=1, G=2, T=3, N=4). Parallel loops run over sequences and each
writes only its own rows; every reduction over sequences is sequential, so results do not depend
on the thread count.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from iqmodel._kernels.energy import _FASTMATH, KMER, _kmer_codes

MAX_KMER_COUNT = 19  # per-sequence occurrence cap of the k-mer screen
SEQ_BLOCK = 16  # sequences per parallel task (scratch arrays are allocated per task)


@nb.njit(cache=True)
def _pattern_key(seq, start, k, split, gap):
    """Integer key of the (gapped) k-mer at ``start``, or -1 when it contains N.

    Layout: 2 bits per letter in the low ``2k`` bits, then the split (4 bits), then the gap.
    """
    key = 0
    for j in range(k):
        position = start + j if j < split or gap == 0 else start + j + gap
        letter = seq[position]
        if letter > 3:
            return -1
        key = (key << 2) | letter
    return key | (split << (2 * k)) | (gap << (2 * k + 4))


@nb.njit(parallel=True, cache=True)
def kmer_occurrences(codes, k, min_gap, max_gap):
    """Capped counts of every gapped k-mer in every sequence (forward strand, spec 6.3).

    Sequences are counted in parallel, each into its own slot; the entries are then packed in
    sequence order, so the output does not depend on the thread count.

    Parameters
    ----------
    codes : int8 (n_seqs, length)
    k, min_gap, max_gap : int
        A gap of g >= 1 bases is placed after each of the letters 2..k-2.

    Returns
    -------
    keys : int64 (n_entries,)
        Pattern key of each (sequence, pattern) entry, ascending within a sequence.
    seq_index : int64 (n_entries,)
    counts : int64 (n_entries,)
        Occurrences in that sequence, capped at ``MAX_KMER_COUNT``.
    """
    n_seqs, length = codes.shape
    last_start = length - k - max_gap
    n_types = (1 if min_gap == 0 else 0) + (k - 3) * (max_gap - max(min_gap, 1) + 1)
    per_seq = max(last_start + 1, 0) * n_types
    keys = np.empty(n_seqs * per_seq, dtype=np.int64)
    counts = np.empty(n_seqs * per_seq, dtype=np.int64)
    n_distinct = np.zeros(n_seqs, dtype=np.int64)
    for block in nb.prange((n_seqs + SEQ_BLOCK - 1) // SEQ_BLOCK):
        buffer = np.empty(per_seq, dtype=np.int64)
        for s in range(block * SEQ_BLOCK, min(n_seqs, (block + 1) * SEQ_BLOCK)):
            n_keys = 0
            for start in range(last_start + 1):
                if min_gap == 0:
                    key = _pattern_key(codes[s], start, k, 0, 0)
                    if key >= 0:
                        buffer[n_keys] = key
                        n_keys += 1
                for gap in range(max(min_gap, 1), max_gap + 1):
                    for split in range(2, k - 1):
                        key = _pattern_key(codes[s], start, k, split, gap)
                        if key >= 0:
                            buffer[n_keys] = key
                            n_keys += 1
            ordered = np.sort(buffer[:n_keys])
            slot = s * per_seq
            i = 0
            while i < n_keys:
                j = i
                while j < n_keys and ordered[j] == ordered[i]:
                    j += 1
                keys[slot] = ordered[i]
                counts[slot] = min(j - i, MAX_KMER_COUNT)
                slot += 1
                i = j
            n_distinct[s] = slot - s * per_seq
    seq_index = np.empty(n_distinct.sum(), dtype=np.int64)
    n_out = 0
    for s in range(n_seqs):  # pack the slots; an entry only ever moves left
        for i in range(s * per_seq, s * per_seq + n_distinct[s]):
            keys[n_out] = keys[i]
            counts[n_out] = counts[i]
            seq_index[n_out] = s
            n_out += 1
    return keys[:n_out], seq_index, counts[:n_out]


@nb.njit(cache=True)
def add_kmer_block(found, seq_index, counts, y_block, totals, scratch, touched):
    """Add one block's k-mer sums to dense running ``totals``, indexed by pattern key.

    The block's sums are formed first, entry by entry in the given order, and then added to
    ``totals`` (as ``totals += bincount(found, weights)`` column by column would), touching
    only the keys the block contains.

    Parameters
    ----------
    found, seq_index, counts : int64 (n_entries,)
        From :func:`kmer_occurrences` on the block.
    y_block : float64 (n_block_seqs, R)
        The block's centred response.
    totals : float64 (key_space, 2 + R)
        Running count, squared count and count x response sums; updated in place.
    scratch : float64 (key_space, 2 + R)
        All zeros; left all zeros.
    touched : bool (key_space,)
        All False; left all False.
    """
    n_columns = totals.shape[1]
    keys_seen = np.empty(len(found), dtype=np.int64)
    n_seen = 0
    for i in range(len(found)):
        key = found[i]
        if not touched[key]:
            touched[key] = True
            keys_seen[n_seen] = key
            n_seen += 1
        c = counts[i]
        scratch[key, 0] += c
        scratch[key, 1] += c * c
        for r in range(n_columns - 2):
            scratch[key, 2 + r] += c * y_block[seq_index[i], r]
    for j in range(n_seen):
        key = keys_seen[j]
        for column in range(n_columns):
            totals[key, column] += scratch[key, column]
            scratch[key, column] = 0.0
        touched[key] = False


@nb.njit(cache=True)
def window_bin(i, bin_size, n_bins, fold):
    """Spatial bin of the window starting at ``i``; folded onto the left half when ``fold``."""
    b = i // bin_size
    centre = n_bins // 2
    if fold and b > centre:
        b = 2 * centre - b
    return b


@nb.njit(cache=True)
def sequence_layout(codes, length):
    """Per-sequence data that stays fixed during an optimisation.

    Returns
    -------
    kmer_codes : uint16 (n_seqs, frame_length + KMER)
        Code of the k-mer starting at each position (see ``energy._kmer_codes``).
    valid : bool (n_seqs, frame_length - length + 1)
        Windows without N (PREGO skips windows that contain N).
    """
    n_seqs, frame_length = codes.shape
    n_windows = max(frame_length - length + 1, 0)
    kmer_codes = np.zeros((n_seqs, frame_length + KMER), dtype=np.uint16)
    valid = np.ones((n_seqs, n_windows), dtype=np.bool_)
    for s in range(n_seqs):
        _kmer_codes(codes[s], kmer_codes[s])
        last_n = -1
        for p in range(frame_length):
            letter = codes[s, p]
            if letter > 3:
                last_n = p
            window = p - length + 1
            if window >= 0 and last_n >= window:
                valid[s, window] = False
    return kmer_codes, valid


@nb.njit(parallel=True, fastmath=_FASTMATH, cache=True)
def derivatives(
    letters, kmer_codes, valid, tables, probs, weights, bin_size, fold, want_row_derivatives, d, g
):
    """Per-sequence derivatives of the linear energy (spec 6.5 "derivative trick").

    Parameters
    ----------
    letters : int8 (n_seqs, frame_length)
        Sequences cropped to the spatial frame.
    kmer_codes, valid
        From :func:`sequence_layout` of ``letters``.
    tables : float64 (n_blocks, N_KMERS, 2)
        ``energy.build_tables`` of the current probabilities (forward, reverse complement; the
        reverse column all zero for a single-strand model).
    probs : float64 (L, 4)
        Current PWM probabilities (all > 0).
    weights : float64 (n_bins,)
    bin_size : int
    fold : bool
        Fold bins past the centre onto their mirror (symmetric profile).
    want_row_derivatives : bool
        Fill ``d``; otherwise only ``g``.
    d : float64 (n_seqs, L, 4), output
        ``d[n, k, c]`` = sum over windows and strands where letter ``c`` sits at motif position
        ``k`` of ``w * P(window) / probs[k, c]``; the linear energy is
        ``sum_c probs[k, c] * d[n, k, c]`` for every ``k``.
    g : float64 (n_seqs, n_bins), output
        Sum of window probabilities (both strands) per (folded) bin; the linear energy is
        ``g @ weights``.
    """
    n_seqs, frame_length = letters.shape
    n_windows = valid.shape[1]
    n_blocks = tables.shape[0]
    n_bins = weights.shape[0]
    inverse = 1.0 / probs
    window_weight = np.empty(n_windows)
    for i in range(n_windows):
        window_weight[i] = weights[window_bin(i, bin_size, n_bins, fold)]
    for block in nb.prange((n_seqs + SEQ_BLOCK - 1) // SEQ_BLOCK):
        fr = np.empty((n_windows, 2))
        wf = np.empty(n_windows)
        wr = np.empty(n_windows)
        x = np.empty((4, frame_length))
        for s in range(block * SEQ_BLOCK, min(n_seqs, (block + 1) * SEQ_BLOCK)):
            codes = kmer_codes[s]
            first = tables[0]
            for i in range(n_windows):
                c = codes[i]
                fr[i, 0] = first[c, 0]
                fr[i, 1] = first[c, 1]
            for b in range(1, n_blocks):
                table = tables[b]
                shift = b * KMER
                for i in range(n_windows):
                    c = codes[i + shift]
                    fr[i, 0] *= table[c, 0]
                    fr[i, 1] *= table[c, 1]
            for i in range(n_windows):
                if not valid[s, i]:
                    fr[i, 0] = 0.0
                    fr[i, 1] = 0.0
            for b in range(n_bins):
                g[s, b] = 0.0
            for b in range((n_windows + bin_size - 1) // bin_size):
                total = 0.0
                for i in range(b * bin_size, min((b + 1) * bin_size, n_windows)):
                    total += fr[i, 0] + fr[i, 1]
                g[s, window_bin(b * bin_size, bin_size, n_bins, fold)] += total
            if want_row_derivatives:
                for i in range(n_windows):
                    wf[i] = window_weight[i] * fr[i, 0]
                    wr[i] = window_weight[i] * fr[i, 1]
                x[:] = 0.0
                for p in range(frame_length):
                    if letters[s, p] < 4:
                        x[letters[s, p], p] = 1.0
                _row_derivatives(x, wf, wr, inverse, d[s])


@nb.njit(fastmath=_FASTMATH, cache=True)
def _row_derivatives(x, wf, wr, inverse, d):
    """``d[k, c]`` of one sequence from its one-hot letters ``x`` (4, frame) and window weights.

    Forward strand: letter c at window offset k is motif position k. Reverse strand: the same
    letter is motif position L-1-k, complemented.
    """
    length = d.shape[0]
    n_windows = wf.shape[0]
    d[:] = 0.0
    for k in range(length):
        xa = x[0, k : k + n_windows]
        xc = x[1, k : k + n_windows]
        xg = x[2, k : k + n_windows]
        xt = x[3, k : k + n_windows]
        fa = 0.0
        fc = 0.0
        fg = 0.0
        ft = 0.0
        ra = 0.0
        rc = 0.0
        rg = 0.0
        rt = 0.0
        for i in range(n_windows):
            fa += wf[i] * xa[i]
            fc += wf[i] * xc[i]
            fg += wf[i] * xg[i]
            ft += wf[i] * xt[i]
            ra += wr[i] * xa[i]
            rc += wr[i] * xc[i]
            rg += wr[i] * xg[i]
            rt += wr[i] * xt[i]
        d[k, 0] += fa * inverse[k, 0]
        d[k, 1] += fc * inverse[k, 1]
        d[k, 2] += fg * inverse[k, 2]
        d[k, 3] += ft * inverse[k, 3]
        row = length - 1 - k
        d[row, 3] += ra * inverse[row, 3]
        d[row, 2] += rc * inverse[row, 2]
        d[row, 1] += rg * inverse[row, 1]
        d[row, 0] += rt * inverse[row, 0]


@nb.njit(parallel=True, cache=True)
def centred_row_statistics(d, energy, y):
    """Covariances needed to score any change of one PWM row exactly (spec 6.5).

    With ``E' = E + sum_c delta_c d[:, k, c]``:
    ``var(E') = var(E) + 2 delta . cov_ed[k] + delta' cov_dd[k] delta`` and
    ``cov(E', y_r) = cov(E, y_r) + delta . cov_dy[k, :, r]`` (population moments).

    Returns
    -------
    cov_ed : float64 (L, 4)
    cov_dd : float64 (L, 4, 4)
    cov_dy : float64 (L, 4, R)
    """
    n_seqs, length, _ = d.shape
    n_resp = y.shape[1]
    e_mean = energy.mean()
    y_mean = np.zeros(n_resp)
    for s in range(n_seqs):
        for r in range(n_resp):
            y_mean[r] += y[s, r]
    y_mean /= n_seqs
    cov_ed = np.zeros((length, 4))
    cov_dd = np.zeros((length, 4, 4))
    cov_dy = np.zeros((length, 4, n_resp))
    for k in nb.prange(length):  # rows are independent; each sums over sequences in order
        d_mean = np.zeros(4)
        for s in range(n_seqs):
            for c in range(4):
                d_mean[c] += d[s, k, c]
        d_mean /= n_seqs
        for s in range(n_seqs):
            e = energy[s] - e_mean
            centred = np.empty(4)
            for c in range(4):
                centred[c] = d[s, k, c] - d_mean[c]
            for c in range(4):
                cov_ed[k, c] += e * centred[c]
                for c2 in range(4):
                    cov_dd[k, c, c2] += centred[c] * centred[c2]
                for r in range(n_resp):
                    cov_dy[k, c, r] += centred[c] * (y[s, r] - y_mean[r])
    return cov_ed / n_seqs, cov_dd / n_seqs, cov_dy / n_seqs
