"""Motif binding energies of sequences (spec section 3) and their [0, 10] normalisation.

The energy of motif ``m`` on sequence ``s`` is, in natural log,

    E = ln sum_i w_bin(i) * [ P(s[i:i+L] | m) + P(s[i:i+L] | revcomp(m)) ]

over all full windows ``i`` inside the motif's spatial frame, where ``P`` is the product of
the position probabilities (pseudocount ``prior`` applied, spec 2.2) and ``N`` scores 1/4 on
both strands. ``mode="max"`` takes the largest window term instead of the sum (spec 3.2).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from iqmodel._parallel import dask_backend_active, map_tiles, thread_limit
from iqmodel.motifs import DEFAULT_PRIOR, Motif
from iqmodel.normalization import EnergyNormalizer
from iqmodel.seq import encode_ragged

__all__ = ["EnergyNormalizer", "compute_energies", "local_energies"]

_MODES = ("lse", "max")
_MOTIF_CHUNK = 256  # motifs per kernel call: bounds table memory for any database size
_TILE_ROWS = 4096  # at most this many sequences per task on a Dask cluster (x _MOTIF_CHUNK)
_MIN_TILES = 8  # split the sequences into at least this many tiles (when there are enough)
_MIN_DASK_PAIRS = 1_000_000  # smaller jobs stay local: a task round trip costs more


class _PackedMotifs(NamedTuple):
    """Motifs laid out for the kernel (see ``iqmodel._kernels.energy.energies``)."""

    factors: np.ndarray  # float64 (total_length, 5, 2)
    tables: np.ndarray  # float64 (total_blocks, 4**KMER, 2)
    meta: np.ndarray  # int64 (n_motifs, 7)
    weights: np.ndarray  # float64 (1 + total_bins,)
    log_scale: np.ndarray  # float64 (n_motifs,)


def _check_motifs(motifs) -> list[Motif]:
    if isinstance(motifs, Motif):
        return [motifs]
    if isinstance(motifs, (str, bytes)) or not isinstance(motifs, Iterable):
        raise TypeError(
            f"motifs must be a Motif or a list of Motif objects, got {type(motifs).__name__}; "
            "load a database with iqmodel.io.load_motif_db()"
        )
    motifs = list(motifs)
    if not motifs:
        raise ValueError("motifs is empty; pass at least one Motif")
    for i, motif in enumerate(motifs):
        if not isinstance(motif, Motif):
            raise TypeError(f"motifs[{i}] is a {type(motif).__name__}, expected a Motif")
    return motifs


def _check_prior(prior) -> float:
    if isinstance(prior, bool) or not isinstance(prior, (int, float, np.floating)):
        raise TypeError(f"prior must be a number in [0, 1), got {prior!r}")
    if not 0.0 <= prior < 1.0:
        raise ValueError(f"prior must be in [0, 1), got {prior!r}")
    return float(prior)


def _strand_factors(motif: Motif, prior: float, bidirect: bool) -> tuple[np.ndarray, float]:
    """Relative letter probabilities of one motif, shape (L, 5, 2), and ln of their scale.

    Each position is divided by its largest probability, so every factor lies in (0, 1];
    the product of the divisors is returned as a natural log. Letter 4 (N) scores 1/4.
    """
    with np.errstate(divide="ignore"):
        probs = np.exp(motif.log_probs(prior))
    peak = probs.max(axis=1)
    forward = np.empty((motif.length, 5))
    forward[:, :4] = probs / peak[:, None]
    forward[:, 4] = 0.25 / peak
    factors = np.zeros((motif.length, 5, 2))
    factors[:, :, 0] = forward
    if bidirect:
        # the reverse-complement motif at window offset k reads position L-1-k, complemented
        factors[:, :, 1] = forward[::-1][:, [3, 2, 1, 0, 4]]
    return factors, float(np.log(peak).sum())


def _pack(motifs: list[Motif], prior: float, bidirect: bool) -> _PackedMotifs:
    from iqmodel._kernels import energy as kernels

    per_motif = [_strand_factors(m, prior, bidirect) for m in motifs]
    lengths = np.array([m.length for m in motifs], dtype=np.int64)
    n_blocks = (lengths + kernels.KMER - 1) // kernels.KMER
    n_bins = np.array([m.n_bins for m in motifs], dtype=np.int64)
    meta = np.zeros((len(motifs), 7), dtype=np.int64)
    meta[:, 0] = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    meta[:, 1] = lengths
    meta[:, 2] = np.concatenate([[0], np.cumsum(n_blocks)[:-1]])
    meta[:, 3] = n_blocks
    meta[:, 4] = n_bins
    meta[:, 5] = [m.bin_size or 0 for m in motifs]
    meta[:, 6] = 1 + np.concatenate([[0], np.cumsum(n_bins)[:-1]])
    factors = np.ascontiguousarray(np.concatenate([f for f, _ in per_motif]))
    weights = np.concatenate([[1.0], *[m.spatial for m in motifs if m.spatial is not None]])
    tables = kernels.build_tables(factors, lengths, meta[:, 0].copy(), n_blocks, meta[:, 2].copy())
    log_scale = np.array([scale for _, scale in per_motif])
    return _PackedMotifs(factors, tables, meta, weights, log_scale)


def compute_energies(
    seqs,
    motifs,
    *,
    mode: str = "lse",
    prior: float = DEFAULT_PRIOR,
    bidirect: bool = True,
    n_jobs: int | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Binding energy of every motif on every sequence, in natural log.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        DNA sequences (ACGTN, any case); lengths may differ.
    motifs : Motif or list of Motif
        Motifs with or without spatial profiles. A motif with ``B`` bins of ``D`` bp scores the
        central ``B * D`` bases of each sequence (frame start
        ``round((length - B * D) / 2)``, ties to even), window weights taken from the bin of
        the window start.
    mode : {"lse", "max"}, default "lse"
        ``"lse"``: log of the weighted sum of window probabilities over both strands (spec
        3.1). ``"max"``: log of the largest weighted window term (spec 3.2).
    prior : float in [0, 1), default 0.01
        Pseudocount added to every motif probability before renormalising (spec 2.2).
    bidirect : bool, default True
        Score the reverse complement of each window too.
    n_jobs : int or None, default None
        Threads (None: all available). Results do not depend on it. Under joblib's Dask
        backend (``joblib.parallel_config(backend="dask")`` with a ``dask.distributed``
        client), jobs of at least a million sequence x motif pairs are instead split into
        tiles of up to 4,096 sequences (at least 8 tiles) x 256 motifs computed on the
        cluster's workers, each with its worker's threads; the result is bit-identical.
    progress : bool, default False
        Show a progress bar over motif chunks (local runs).

    Returns
    -------
    ndarray of float64, shape (n_seqs, n_motifs)
        Energies in nats (natural log of a weighted sum of window probabilities); ``-inf``
        where a sequence has no full window in the motif's frame (e.g. it is shorter than
        the motif) or every window has probability 0.

    Raises
    ------
    ValueError
        For an unknown ``mode``, a ``prior`` outside [0, 1), an empty motif list or invalid
        sequences.
    TypeError
        When ``motifs`` holds something other than :class:`~iqmodel.motifs.Motif` objects.

    See Also
    --------
    local_energies : The term of each single window.
    iqmodel.normalization.EnergyNormalizer : Maps energies to [0, 10].

    Examples
    --------
    With ``prior=0`` a certain ``GA`` motif scores 1 on each ``GA`` window, 0 on its reverse
    complement ``TC``, and ``1/16`` per strand on an ``NN`` window:

    >>> import numpy as np
    >>> from iqmodel.motifs import Motif
    >>> ga = Motif("GA", [[0, 0, 1, 0], [1, 0, 0, 0]])
    >>> energies = compute_energies(["GAGA", "CCCC", "GANNN"], [ga], prior=0)
    >>> energies.shape
    (3, 1)
    >>> np.exp(energies[:, 0]).round(6).tolist()
    [2.0, 0.0, 1.25]

    The ``"lse"`` energy is the log-sum-exp of the per-window energies, ``"max"`` their
    maximum:

    >>> from scipy.special import logsumexp
    >>> motif = Motif("m", [[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]])
    >>> windows = local_energies("ACGTAGGAT", motif)[:8]
    >>> lse = compute_energies(["ACGTAGGAT"], [motif])[0, 0]
    >>> top = compute_energies(["ACGTAGGAT"], [motif], mode="max")[0, 0]
    >>> bool(np.isclose(lse, logsumexp(windows))), bool(np.isclose(top, windows.max()))
    (True, True)
    """

    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    prior = _check_prior(prior)
    motifs = _check_motifs(motifs)
    ragged = encode_ragged(seqs)
    if len(ragged) * len(motifs) >= _MIN_DASK_PAIRS and dask_backend_active():
        return _tiled_energies(ragged, motifs, mode == "max", prior, bidirect)
    with thread_limit(n_jobs):
        return _energy_block(ragged, motifs, mode == "max", prior, bidirect, progress)


def _energy_block(ragged, motifs, use_max, prior, bidirect, progress=False) -> np.ndarray:
    """Energies of ``motifs`` on the sequences of ``ragged`` here, shape (n_seqs, n_motifs)."""
    from iqmodel._kernels import energy as kernels

    out = np.empty((len(ragged), len(motifs)))
    starts = range(0, len(motifs), _MOTIF_CHUNK)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="motif energies", unit="chunk")
    for start in starts:
        chunk = motifs[start : start + _MOTIF_CHUNK]
        packed = _pack(chunk, prior, bidirect)
        block = np.empty((len(ragged), len(chunk)))
        kernels.energies(
            ragged.codes,
            ragged.offsets,
            packed.factors,
            packed.tables,
            packed.meta,
            packed.weights,
            packed.log_scale,
            use_max,
            block,
        )
        out[:, start : start + len(chunk)] = block
    return out


def _tiled_energies(ragged, motifs, use_max, prior, bidirect) -> np.ndarray:
    """:func:`_energy_block` on a Dask cluster, one task per tile of at most ``_TILE_ROWS``
    sequences x ``_MOTIF_CHUNK`` motifs; every energy is computed by the same kernel as
    locally."""
    # equal tiles, at least _MIN_TILES of them: one screening chunk of motifs is one call, and
    # its tiles must keep every worker busy
    n_tiles = max(_MIN_TILES, -(-len(ragged) // _TILE_ROWS))
    tile_rows = max(1, -(-len(ragged) // n_tiles))
    tiles = [
        (row, column)
        for row in range(0, len(ragged), tile_rows)
        for column in range(0, len(motifs), _MOTIF_CHUNK)
    ]
    blocks = map_tiles(
        _energy_block,
        [
            (
                ragged.rows(row, row + tile_rows),
                motifs[column : column + _MOTIF_CHUNK],
                use_max,
                prior,
                bidirect,
            )
            for row, column in tiles
        ],
    )
    out = np.empty((len(ragged), len(motifs)))
    for (row, column), block in zip(tiles, blocks, strict=True):
        out[row : row + block.shape[0], column : column + block.shape[1]] = block
    return out


def local_energies(seq, motif: Motif, *, prior: float = DEFAULT_PRIOR) -> np.ndarray:
    """Energy of the single window starting at each position of one sequence (spec 3.6).

    Parameters
    ----------
    seq : str or ndarray of int8, shape (length,)
        One DNA sequence.
    motif : Motif
        Its spatial profile is ignored.
    prior : float in [0, 1), default 0.01
        Pseudocount added to every motif probability before renormalising (spec 2.2).

    Returns
    -------
    ndarray of float64, shape (length,)
        ``ln(P(window) + P(revcomp window))`` in nats at positions ``0..length-L``; NaN after.

    Raises
    ------
    TypeError
        When ``motif`` is not a :class:`~iqmodel.motifs.Motif`.
    ValueError
        When ``seq`` is not one sequence (1-D) or holds invalid letters or codes.

    Examples
    --------
    >>> import numpy as np
    >>> from iqmodel.motifs import Motif
    >>> ga = Motif("GA", [[0, 0, 1, 0], [1, 0, 0, 0]])
    >>> np.exp(local_energies("GATC", ga, prior=0)).round(6).tolist()
    [1.0, 0.0, 1.0, nan]

    ``GA`` at position 0 on the forward strand, ``TC`` (its reverse complement) at 2.
    """
    if not isinstance(motif, Motif):
        raise TypeError(f"motif must be a Motif, got {type(motif).__name__}")
    prior = _check_prior(prior)
    if isinstance(seq, str):
        codes = encode_ragged([seq]).codes
    else:
        codes = np.asarray(seq)
        if codes.ndim != 1:
            raise ValueError(f"seq must be one sequence (1-D), got shape {codes.shape}")
        codes = encode_ragged(codes[None, :]).codes
    factors, log_scale = _strand_factors(motif, prior, bidirect=True)
    out = np.full(len(codes), np.nan)
    n_windows = len(codes) - motif.length + 1
    if n_windows <= 0:
        return out
    windows = np.lib.stride_tricks.sliding_window_view(codes, motif.length)
    positions = np.arange(motif.length)
    with np.errstate(divide="ignore"):
        log_factors = np.log(factors)
    forward = log_factors[positions, windows, 0].sum(axis=1)
    reverse = log_factors[positions, windows, 1].sum(axis=1)
    out[:n_windows] = np.logaddexp(forward, reverse) + log_scale
    return out
