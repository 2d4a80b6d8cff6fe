"""DNA sequences as int8 codes (A=0, C=1, G=2, T=3, N=4) and simple sequence features.

Every public function accepts either a list of strings or a pre-encoded int8 array of shape
``(n_seqs, length)``. Lower-case (soft-masked) letters are ordinary bases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "ALPHABET",
    "DINUCLEOTIDES",
    "IUPAC_AMBIGUOUS",
    "N_CODE",
    "RaggedCodes",
    "cpg_content",
    "decode",
    "dinucleotide_frequencies",
    "encode",
    "encode_ragged",
    "gc_content",
    "reverse_complement",
]

ALPHABET = "ACGTN"
N_CODE = 4
DINUCLEOTIDES = tuple(a + b for a in "ACGT" for b in "ACGT")
IUPAC_AMBIGUOUS = "RYSWKMBDHV"
"""IUPAC ambiguity codes that ``allow_iupac=True`` reads as N."""


def _lookup_table(allow_iupac: bool) -> np.ndarray:
    table = np.full(256, -1, dtype=np.int8)
    for code, letter in enumerate(ALPHABET):
        table[ord(letter)] = code
        table[ord(letter.lower())] = code
    if allow_iupac:
        for letter in IUPAC_AMBIGUOUS:
            table[ord(letter)] = N_CODE
            table[ord(letter.lower())] = N_CODE
    return table


_TABLES = {False: _lookup_table(False), True: _lookup_table(True)}
_COMPLEMENT_CODES = np.array([3, 2, 1, 0, 4], dtype=np.int8)


class RaggedCodes(NamedTuple):
    """Sequences of any lengths, concatenated (what :func:`encode_ragged` returns).

    ``len(ragged)`` is the number of sequences.

    Parameters
    ----------
    codes : ndarray of int8, shape (total_length,)
        All sequences' codes (A=0, C=1, G=2, T=3, N=4) one after another; ``total_length``
        is the sum of the sequence lengths in bp.
    offsets : ndarray of int64, shape (n_seqs + 1,)
        Sequence ``i`` is ``codes[offsets[i]:offsets[i + 1]]``; ``offsets[0] == 0`` and
        ``offsets[-1] == total_length``.

    Attributes
    ----------
    codes : ndarray of int8, shape (total_length,)
        As above.
    offsets : ndarray of int64, shape (n_seqs + 1,)
        As above.
    lengths : ndarray of int64, shape (n_seqs,)
        Length of each sequence in bp.

    Examples
    --------
    >>> ragged = encode_ragged(["ACG", "TTN"])
    >>> ragged.codes.tolist(), ragged.offsets.tolist(), len(ragged)
    ([0, 1, 2, 3, 3, 4], [0, 3, 6], 2)
    """

    codes: np.ndarray
    offsets: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        """Length of each sequence in bp: ndarray of int64, shape (n_seqs,)."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def rows(self, start: int, stop: int) -> RaggedCodes:
        """Sequences ``start`` to ``stop - 1`` (clipped to the sequences there are).

        Parameters
        ----------
        start : int
            First sequence, >= 0.
        stop : int
            One past the last sequence.

        Returns
        -------
        RaggedCodes
            The selected sequences, offsets starting at 0 (the codes are a view).

        Examples
        --------
        >>> encode_ragged(["ACG", "TT", "GGGG"]).rows(1, 5).lengths.tolist()
        [2, 4]
        """
        start, stop = min(start, len(self)), min(stop, len(self))
        first = self.offsets[start]
        return RaggedCodes(
            self.codes[first : self.offsets[stop]], self.offsets[start : stop + 1] - first
        )


def _check_string_list(seqs) -> list[str]:
    if isinstance(seqs, (str, bytes)):
        raise TypeError(
            "sequences must be a list of strings or an int8 array, got a single "
            f"{type(seqs).__name__}; wrap one sequence in a list: [seq]"
        )
    if not isinstance(seqs, (Sequence, np.ndarray, pd.Series, pd.Index)):
        raise TypeError(
            "sequences must be a list of strings or an int8 array of codes, "
            f"got {type(seqs).__name__}"
        )
    out = list(seqs)
    for i, s in enumerate(out):
        if not isinstance(s, str):
            raise TypeError(f"sequence {i} is a {type(s).__name__}, expected str")
    return out


def _check_code_array(codes: np.ndarray) -> np.ndarray:
    if codes.dtype != np.int8:
        raise TypeError(
            f"encoded sequences must have dtype int8, got {codes.dtype}; "
            "use iqmodel.seq.encode() to encode strings"
        )
    if codes.ndim != 2:
        raise ValueError(f"encoded sequences must be 2-D (n_seqs, length), got shape {codes.shape}")
    if codes.size and (codes.min() < 0 or codes.max() > N_CODE):
        bad = np.argwhere((codes < 0) | (codes > N_CODE))[0]
        raise ValueError(
            f"encoded sequence {bad[0]} has code {codes[bad[0], bad[1]]} at position {bad[1]}; "
            "codes must be 0..4 (A, C, G, T, N)"
        )
    return np.ascontiguousarray(codes)


def _encode_joined(strings: list[str], allow_iupac: bool) -> RaggedCodes:
    lengths = np.fromiter((len(s) for s in strings), dtype=np.int64, count=len(strings))
    offsets = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    joined = "".join(strings)
    raw = np.frombuffer(joined.encode("ascii", errors="replace"), dtype=np.uint8)
    if len(raw) != len(joined):  # a multi-byte character broke the 1:1 mapping; find it
        position = next(i for i, ch in enumerate(joined) if ord(ch) > 127)
    else:
        codes = _TABLES[allow_iupac][raw]
        bad = np.flatnonzero(codes < 0)
        position = int(bad[0]) if len(bad) else None
    if position is not None:
        index = int(np.searchsorted(offsets, position, side="right") - 1)
        raise ValueError(
            f"sequence {index} has invalid character {joined[position]!r} at position "
            f"{position - offsets[index]}; {_allowed(joined[position], allow_iupac)}"
        )
    return RaggedCodes(codes, offsets)


def _allowed(character: str, allow_iupac: bool) -> str:
    """What the encoder accepts, and how to read an IUPAC code (only when it is one)."""
    if allow_iupac:
        codes = ", ".join(IUPAC_AMBIGUOUS)
        return f"allowed are A, C, G, T, N and the IUPAC codes {codes}, in any case"
    allowed = "allowed are A, C, G, T, N in any case"
    if character not in IUPAC_AMBIGUOUS + IUPAC_AMBIGUOUS.lower():
        return allowed
    return (
        f"{allowed}. {character!r} is an IUPAC ambiguity code: encode the sequences with "
        "iqmodel.seq.encode(seqs, allow_iupac=True), which reads IUPAC codes as N, and pass "
        "the resulting int8 array instead of the strings (or replace these letters by N in "
        "the FASTA file)"
    )


def encode_ragged(seqs, *, allow_iupac: bool = False) -> RaggedCodes:
    """Encode sequences of any lengths into concatenated int8 codes.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        DNA sequences; case is ignored.
    allow_iupac : bool, default False
        Read IUPAC ambiguity codes (R, Y, S, W, K, M, B, D, H, V) as N.

    Returns
    -------
    RaggedCodes
        The codes of all sequences concatenated, with their offsets. A ``RaggedCodes`` input
        is returned as is; an int8 matrix becomes equal-length pieces (no copy).

    Raises
    ------
    TypeError
        When ``seqs`` is a single string, not a list of strings, or an array of a dtype
        other than int8.
    ValueError
        When a sequence holds a character other than A, C, G, T, N (and IUPAC codes when
        ``allow_iupac``), or an int8 array is not 2-D or has codes outside 0..4.

    See Also
    --------
    encode : The same for sequences of one length, as a matrix.

    Examples
    --------
    >>> ragged = encode_ragged(["ACG", "ttttN"])
    >>> ragged.lengths.tolist()
    [3, 5]
    >>> ragged.codes[ragged.offsets[1]:ragged.offsets[2]].tolist()
    [3, 3, 3, 3, 4]
    """
    if isinstance(seqs, RaggedCodes):
        return seqs
    if isinstance(seqs, np.ndarray) and seqs.dtype != object and seqs.dtype.kind != "U":
        codes = _check_code_array(seqs)
        n, length = codes.shape
        return RaggedCodes(codes.reshape(-1), np.arange(n + 1, dtype=np.int64) * length)
    return _encode_joined(_check_string_list(seqs), allow_iupac)


def encode(seqs, *, allow_iupac: bool = False) -> np.ndarray:
    """Encode equal-length sequences to an int8 matrix (A=0, C=1, G=2, T=3, N=4).

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        DNA sequences of one length; case is ignored.
    allow_iupac : bool, default False
        Read IUPAC ambiguity codes as N instead of raising.

    Returns
    -------
    ndarray of int8, shape (n_seqs, length)
        Base codes (A=0, C=1, G=2, T=3, N=4); an int8 input is validated and returned
        (C-contiguous).

    Raises
    ------
    ValueError
        When the sequences differ in length, hold an invalid character, or an int8 input
        is not 2-D or has codes outside 0..4.
    TypeError
        When ``seqs`` is a single string or not a list of strings / int8 array.

    See Also
    --------
    encode_ragged : For sequences of different lengths.
    decode : The inverse.

    Examples
    --------
    >>> encode(["ACGTN", "acgtn"]).tolist()
    [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]
    >>> encode(["ACGR"], allow_iupac=True).tolist()
    [[0, 1, 2, 4]]
    """
    if isinstance(seqs, np.ndarray) and seqs.dtype != object and seqs.dtype.kind != "U":
        return _check_code_array(seqs)
    ragged = encode_ragged(seqs, allow_iupac=allow_iupac)
    lengths = ragged.lengths
    if len(lengths) and (lengths != lengths[0]).any():
        first = int(np.flatnonzero(lengths != lengths[0])[0])
        raise ValueError(
            f"sequences have different lengths (sequence 0: {lengths[0]} bp, sequence {first}: "
            f"{lengths[first]} bp); resize them to one width or use encode_ragged()"
        )
    width = int(lengths[0]) if len(lengths) else 0
    return ragged.codes.reshape(len(lengths), width)


def decode(codes: np.ndarray) -> list[str]:
    """Turn an int8 code matrix back into upper-case strings.

    Parameters
    ----------
    codes : ndarray of int8, shape (n_seqs, length)
        Base codes (A=0, C=1, G=2, T=3, N=4).

    Returns
    -------
    list of str, length n_seqs
        Upper-case sequences of ``length`` letters each.

    Raises
    ------
    TypeError
        When ``codes`` is not int8.
    ValueError
        When ``codes`` is not 2-D or holds a code outside 0..4.

    Examples
    --------
    >>> decode(encode(["acgtn", "GATTA"]))
    ['ACGTN', 'GATTA']
    """
    codes = _check_code_array(np.asarray(codes))
    letters = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)[codes]
    return [row.tobytes().decode("ascii") for row in letters]


def reverse_complement(seqs):
    """Reverse complement; returns the same kind as the input.

    Strings keep their case (soft-masking survives); N and IUPAC letters are complemented
    (IUPAC by its complementary code). An int8 matrix gives an int8 matrix.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        DNA sequences (strings of any lengths) or their codes.

    Returns
    -------
    list of str or ndarray of int8, shape (n_seqs, length)
        The reverse complements: a list of strings for string input, a C-contiguous int8
        matrix for code input (N stays N).

    Raises
    ------
    TypeError
        When ``seqs`` is a single string or an array of another dtype.

    Examples
    --------
    >>> reverse_complement(["AACGTn", "ACGR"])
    ['nACGTT', 'YCGT']
    >>> decode(reverse_complement(encode(["AACGN"])))
    ['NCGTT']
    """
    if isinstance(seqs, np.ndarray) and seqs.dtype != object and seqs.dtype.kind != "U":
        codes = _check_code_array(seqs)
        return np.ascontiguousarray(_COMPLEMENT_CODES[codes][:, ::-1])
    strings = _check_string_list(seqs)
    return [s.translate(_STRING_COMPLEMENT)[::-1] for s in strings]


_STRING_COMPLEMENT = str.maketrans(
    "ACGTNRYSWKMBDHVacgtnryswkmbdhv", "TGCANYRSWMKVHDBtgcanyrswmkvhdb"
)


def _base_counts(ragged: RaggedCodes) -> np.ndarray:
    """Counts of A, C, G, T, N per sequence, shape (n_seqs, 5)."""
    seq_index = np.repeat(np.arange(len(ragged)), ragged.lengths)
    counts = np.zeros((len(ragged), 5), dtype=np.int64)
    np.add.at(counts, (seq_index, ragged.codes.astype(np.intp)), 1)
    return counts


def gc_content(seqs) -> np.ndarray:
    """Fraction of G + C among the A/C/G/T bases of each sequence.

    N bases are left out of numerator and denominator; an all-N sequence gives NaN.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        DNA sequences (strings may differ in length) or their codes.

    Returns
    -------
    ndarray of float64, shape (n_seqs,)
        GC fraction in [0, 1] per sequence, NaN for a sequence without A/C/G/T bases.

    Examples
    --------
    >>> gc_content(["GGCC", "ATGCNN", "NNNN"]).tolist()
    [1.0, 0.5, nan]
    """
    counts = _base_counts(encode_ragged(seqs))
    acgt = counts[:, :4].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (counts[:, 1] + counts[:, 2]) / acgt


def _dinucleotide_counts(ragged: RaggedCodes) -> np.ndarray:
    """Counts of the 16 ACGT dinucleotides per sequence, shape (n_seqs, 16); N pairs skipped."""
    codes = ragged.codes.astype(np.intp)
    first = codes[:-1]
    second = codes[1:]
    valid = (first < 4) & (second < 4)
    # a pair must not straddle two sequences: its first base may not be a sequence's last base
    ends = ragged.offsets[1:-1] - 1
    valid[ends[(ends >= 0) & (ends < len(valid))]] = False
    seq_index = np.repeat(np.arange(len(ragged)), ragged.lengths)[:-1]
    counts = np.zeros((len(ragged), 16), dtype=np.int64)
    np.add.at(counts, (seq_index[valid], first[valid] * 4 + second[valid]), 1)
    return counts


def dinucleotide_frequencies(seqs) -> pd.DataFrame:
    """Frequency of each of the 16 dinucleotides among each sequence's ACGT pairs.

    Overlapping pairs are counted (a sequence of ``L`` bases has ``L - 1`` pairs); pairs
    with an N are skipped.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        DNA sequences (strings may differ in length) or their codes.

    Returns
    -------
    DataFrame, shape (n_seqs, 16)
        Columns ``AA, AC, ..., TT``; rows sum to 1 (NaN for sequences without a valid pair).

    Examples
    --------
    >>> freqs = dinucleotide_frequencies(["ACGT", "AAAN"])
    >>> freqs.loc[0, ["AC", "CG", "GT"]].round(3).tolist(), float(freqs.loc[1, "AA"])
    ([0.333, 0.333, 0.333], 1.0)
    """
    counts = _dinucleotide_counts(encode_ragged(seqs))
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(counts / totals, columns=list(DINUCLEOTIDES))


def cpg_content(seqs) -> pd.DataFrame:
    """CpG density and observed/expected ratio per sequence.

    Parameters
    ----------
    seqs : list of str or ndarray of int8, shape (n_seqs, length)
        DNA sequences (strings may differ in length) or their codes.

    Returns
    -------
    DataFrame, shape (n_seqs, 2)
        ``cpg_fraction``: CG dinucleotides per ACGT pair; ``cpg_obs_exp``: observed CpG count
        divided by ``n_C * n_G / n_ACGT`` (Gardiner-Garden & Frommer), NaN when no C or G.

    Examples
    --------
    ``ACGCGT`` has 2 CpGs among 5 pairs, and 2 C and 2 G among 6 bases (expected
    ``2 * 2 / 6``):

    >>> table = cpg_content(["ACGCGT", "AAAA"])
    >>> table["cpg_fraction"].tolist(), round(float(table.loc[0, "cpg_obs_exp"]), 3)
    ([0.4, 0.0], 3.0)
    """
    ragged = encode_ragged(seqs)
    pairs = _dinucleotide_counts(ragged)
    bases = _base_counts(ragged)
    cg = pairs[:, DINUCLEOTIDES.index("CG")]
    acgt = bases[:, :4].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = cg / pairs.sum(axis=1)
        expected = bases[:, 1] * bases[:, 2] / acgt
        obs_exp = np.where(expected > 0, cg / np.where(expected > 0, expected, 1), np.nan)
    return pd.DataFrame({"cpg_fraction": fraction, "cpg_obs_exp": obs_exp})
