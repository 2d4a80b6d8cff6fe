"""Genome sequences from an indexed FASTA file (pyfaidx).

:class:`Genome` opens a FASTA file (plain, or block-gzipped with ``bgzip``), builds the
``.fai`` index when it is missing and fetches 0-based half-open intervals on the + strand.
Soft-masked (lower-case, repeat) bases are upper-cased by default, as R's ``gseq.extract``
does; ``soft_mask="N"`` turns them into ``N`` instead. :func:`extract_sequences` fetches the
sequences of a whole peak set after checking every interval against the genome.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from iqmodel._validation import format_names
from iqmodel.io.intervals import check_peaks

__all__ = ["Genome", "extract_sequences"]

_SOFT_MASK = ("upper", "N")
_MAX_SHOWN = 5
_LOWER_TO_N = str.maketrans(dict.fromkeys("abcdefghijklmnopqrstuvwxyz", "N"))


def _gzip_kind(path: Path) -> str | None:
    """``None`` (not gzip), ``"bgzip"`` (block gzip, BGZF) or ``"gzip"`` (plain gzip)."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head[:2] != b"\x1f\x8b":
        return None
    has_extra = len(head) >= 14 and head[3] & 0x04
    if has_extra and head[12:14] == b"BC":
        return "bgzip"
    return "gzip"


def _index_is_fresh(fasta: Path, index: Path) -> bool:
    return index.exists() and index.stat().st_mtime >= fasta.stat().st_mtime


class Genome:
    """A genome FASTA file, indexed for random access.

    Parameters
    ----------
    path : str or Path
        FASTA file, uncompressed or compressed with ``bgzip``. The ``.fai`` index is built
        next to it when missing (in a temporary folder when that folder is read-only).
    soft_mask : {"upper", "N"}, default "upper"
        What to do with lower-case (soft-masked, repeat) bases: upper-case them (R's
        behaviour) or replace them by ``N``.

    Attributes
    ----------
    path : Path
        The FASTA file.
    chrom_sizes : dict of str to int
        Chromosome lengths, bp, in file order.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        For a plain-gzip FASTA (pyfaidx needs bgzip or no compression), a FASTA that cannot be
        indexed, or an invalid ``soft_mask``.

    Examples
    --------
    >>> with Genome("mm10.fa") as genome:  # doctest: +SKIP
    ...     genome.fetch("chr1", 3_000_000, 3_000_500)
    """

    def __init__(self, path, *, soft_mask: str = "upper") -> None:
        if soft_mask not in _SOFT_MASK:
            raise ValueError(f"soft_mask must be one of {_SOFT_MASK}, got {soft_mask!r}")
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such FASTA file")
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder; pass the FASTA file inside it")
        self.path = path
        self.soft_mask = soft_mask
        self._tmpdir: str | None = None
        self._fasta = None
        kind = _gzip_kind(path)
        if kind == "gzip":
            raise ValueError(
                f"{path} is compressed with plain gzip, which does not allow random access; "
                f"decompress it (`gunzip -k {path.name}`) or recompress it with bgzip "
                f"(`gunzip {path.name} && bgzip {path.name.removesuffix('.gz')}`)"
            )
        self._fasta = self._open(path, kind)
        self._sizes = {str(name): len(record) for name, record in self._fasta.records.items()}
        if not self._sizes:
            self.close()
            raise ValueError(f"{path}: no sequences found; is this a FASTA file?")

    def _open(self, path: Path, kind: str | None):
        import pyfaidx

        kwargs = {}
        fai = Path(f"{path}.fai")
        if not _index_is_fresh(path, fai) and not os.access(path.parent, os.W_OK):
            self._tmpdir = tempfile.mkdtemp(prefix="iqmodel-fai-")
            kwargs["indexname"] = os.path.join(self._tmpdir, f"{path.name}.fai")
            if kind == "bgzip":
                kwargs["gzi_indexname"] = os.path.join(self._tmpdir, f"{path.name}.gzi")
        try:
            return pyfaidx.Fasta(str(path), as_raw=True, sequence_always_upper=False, **kwargs)
        except ImportError as error:
            self._cleanup()
            raise ImportError(
                f"{path} is bgzip-compressed; reading it needs biopython (`pip install "
                f"biopython`), or decompress it with `gunzip -k {path.name}`"
            ) from error
        except (pyfaidx.FastaIndexingError, pyfaidx.UnsupportedCompressionFormat) as error:
            self._cleanup()
            raise ValueError(
                f"{path}: cannot index this FASTA file ({error}); every sequence must have "
                "lines of equal length (reformat with `samtools faidx` or `seqkit seq -w 60`)"
            ) from error
        except ValueError as error:
            self._cleanup()
            raise ValueError(f"{path}: cannot open this FASTA file: {error}") from error

    # -------------------------------------------------------------------- chromosomes

    @property
    def chrom_sizes(self) -> dict[str, int]:
        """Chromosome lengths, bp, in file order (a copy)."""
        return dict(self._sizes)

    def __contains__(self, chrom) -> bool:
        return str(chrom) in self._sizes

    def __len__(self) -> int:
        return len(self._sizes)

    def __repr__(self) -> str:
        return (
            f"Genome({str(self.path)!r}, {len(self._sizes)} sequences, "
            f"soft_mask={self.soft_mask!r})"
        )

    def _unknown_chrom(self, chrom: str) -> str:
        """Message for a chromosome that is not in the genome, with a hint."""
        names = list(self._sizes)
        candidates = []
        alternative = chrom[3:] if chrom.startswith("chr") else f"chr{chrom}"
        if alternative in self._sizes:
            candidates.append(alternative)
        candidates += [
            name
            for name in difflib.get_close_matches(chrom, names, n=3, cutoff=0.6)
            if name not in candidates
        ]
        hint = f"; did you mean {format_names(candidates)}?" if candidates else ""
        return (
            f"chromosome {chrom!r} is not in {self.path.name} (which has {len(names)} "
            f"sequences: {format_names(names)}){hint}"
        )

    def length(self, chrom: str) -> int:
        """Length of ``chrom``, bp.

        Raises
        ------
        ValueError
            When the genome has no such chromosome (with a "did you mean" hint).
        """
        chrom = str(chrom)
        if chrom not in self._sizes:
            raise ValueError(self._unknown_chrom(chrom))
        return self._sizes[chrom]

    # -------------------------------------------------------------------- sequences

    def _check_interval(self, chrom: str, start: int, end: int) -> str | None:
        """Why ``[start, end)`` cannot be fetched from ``chrom``, or None when it can."""
        if chrom not in self._sizes:
            return self._unknown_chrom(chrom)
        length = self._sizes[chrom]
        if start < 0:
            return f"{chrom}:{start}-{end} has a negative start (coordinates are 0-based)"
        if start >= end:
            return f"{chrom}:{start}-{end} is empty (start >= end)"
        if end > length:
            return f"{chrom}:{start}-{end} ends past the end of {chrom} (length {length} bp)"
        return None

    def _masked(self, sequence: str) -> str:
        if self.soft_mask == "N":
            return sequence.translate(_LOWER_TO_N)
        return sequence.upper()

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Sequence of ``[start, end)`` on ``chrom``, + strand.

        Parameters
        ----------
        chrom : str
            Chromosome name, exactly as in the FASTA file.
        start, end : int
            0-based half-open coordinates, bp (``0 <= start < end <= length``).

        Returns
        -------
        str
            ``end - start`` upper-case letters (soft-masked bases upper-cased or ``N``, see
            ``soft_mask``).

        Raises
        ------
        ValueError
            For an unknown chromosome (listing some names and suggesting close ones), a
            negative start, an empty interval or an interval past the chromosome end.
        """
        self._require_open()
        chrom = str(chrom)
        problem = self._check_interval(chrom, int(start), int(end))
        if problem is not None:
            raise ValueError(f"cannot fetch from {self.path.name}: {problem}")
        return self._masked(self._fasta[chrom][int(start) : int(end)])

    # -------------------------------------------------------------------- lifetime

    def _require_open(self) -> None:
        if self._fasta is None:
            raise ValueError(f"{self!r} is closed; open a new Genome to fetch sequences")

    def _cleanup(self) -> None:
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fasta is not None:
            self._fasta.close()
            self._fasta = None
        self._cleanup()

    def __enter__(self) -> Genome:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # best effort at interpreter exit
            pass


def extract_sequences(genome, peaks: pd.DataFrame) -> list[str]:
    """Sequences of every interval of a peak set, + strand, in row order.

    All intervals are checked first; the error lists every problem at once (count and the
    first few peaks), so a bad peak file is fixed in one pass.

    Parameters
    ----------
    genome : Genome or str or Path
        An open :class:`Genome`, or a FASTA path (opened and closed here, soft-masked bases
        upper-cased).
    peaks : DataFrame
        Peak frame with ``chrom``, ``start``, ``end`` (0-based half-open, bp), optionally
        ``name`` (see :func:`iqmodel.io.intervals.check_peaks`).

    Returns
    -------
    list of str, length n_peaks
        Sequence ``i`` has ``end_i - start_i`` letters.

    Raises
    ------
    ValueError
        When any interval lies on a chromosome missing from the genome, has a negative start
        or ends past its chromosome.
    """
    if not isinstance(genome, Genome):
        with Genome(genome) as opened:
            return extract_sequences(opened, peaks)
    genome._require_open()
    peaks = check_peaks(peaks)
    chrom = peaks["chrom"].to_numpy()
    start = peaks["start"].to_numpy()
    end = peaks["end"].to_numpy()
    names = peaks["name"].to_numpy()
    lengths = pd.Series(chrom).map(genome._sizes).to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(np.isnan(lengths) | (start < 0) | (end > lengths))
    if len(bad):
        shown = "; ".join(
            f"{names[i]!r}: {genome._check_interval(str(chrom[i]), int(start[i]), int(end[i]))}"
            for i in bad[:_MAX_SHOWN]
        )
        more = f"; ... ({len(bad)} in total)" if len(bad) > _MAX_SHOWN else ""
        raise ValueError(
            f"{len(bad)} of {len(peaks)} intervals cannot be extracted from "
            f"{genome.path.name}: {shown}{more}. Check that the peaks and the genome use the "
            "same build and chromosome names; resize_intervals(peaks, size, "
            "chrom_sizes=genome.chrom_sizes) shifts intervals inside their chromosomes"
        )
    fasta = genome._fasta
    return [
        genome._masked(fasta[c][s:e])
        for c, s, e in zip(chrom.tolist(), start.tolist(), end.tolist(), strict=True)
    ]
