"""Genome sequences from an indexed FASTA file (pyfaidx).

:class:`Genome` opens a FASTA file (plain, or block-gzipped with ``bgzip``), checks its ``.fai``
(and ``.gzi``) index against the file, builds the index when it is missing or does not match,
and fetches 0-based half-open intervals on the + strand.
Soft-masked (lower-case, repeat) bases are upper-cased by default, as R's ``gseq.extract``
does; ``soft_mask="N"`` turns them into ``N`` instead. :func:`extract_sequences` fetches the
sequences of a whole peak set after checking every interval against the genome.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import logging
import os
import re
import shutil
import struct
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from iqmodel._validation import format_names
from iqmodel.exceptions import IQModelWarning
from iqmodel.io._atomic import as_path, atomic_write
from iqmodel.io.intervals import check_peaks
from iqmodel.seq import IUPAC_AMBIGUOUS

__all__ = ["Genome", "extract_sequences"]

_SOFT_MASK = ("upper", "N")
_MAX_SHOWN = 5
_LOWER_TO_N = str.maketrans(dict.fromkeys("abcdefghijklmnopqrstuvwxyz", "N"))
_MAX_CHECKED = 2000  # records (and .gzi blocks) whose layout is checked, evenly spaced
_MAX_GAP = 1 << 20  # longest header (with blank lines before it) accepted between records, bytes
_BGZF_MAGIC = b"\x1f\x8b\x08\x04"

logger = logging.getLogger(__name__)


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


# ----------------------------------------------------------------------------- index checks
#
# A .fai (and a .gzi) is checked against the FASTA file itself, not against modification times:
# a FASTA replaced by `cp -p`, `rsync -t` or `tar x` can be older than the index of the file it
# replaced. The checks read a few bytes per record, so they are cheap, and they are sound for the
# records they look at: a record is accepted only when its header line (">name ...") ends exactly
# at the offset of the .fai, its first line has the .fai line width, its last line ends where the
# .fai length says, and (for the last record) only whitespace follows, so a file of another size
# or layout is caught. Lines in the middle of a record are not read. With more than _MAX_CHECKED
# records an evenly spaced sample (first and last included) is checked.


def _evenly_spaced(n: int) -> list[int]:
    if n <= _MAX_CHECKED:
        return list(range(n))
    return sorted({round(i * (n - 1) / (_MAX_CHECKED - 1)) for i in range(_MAX_CHECKED)})


class _PlainBytes:
    """Random access to an uncompressed file."""

    def __init__(self, path: Path) -> None:
        self._handle = open(path, "rb")
        self.size = os.fstat(self._handle.fileno()).st_size

    def read(self, offset: int, size: int) -> bytes:
        self._handle.seek(offset)
        return self._handle.read(size)

    def close(self) -> None:
        self._handle.close()


class _BgzfBytes:
    """Random access to the uncompressed content of a BGZF file, through its .gzi blocks."""

    def __init__(self, path: Path, blocks: tuple[list[int], list[int]], size: int) -> None:
        from Bio import bgzf

        self._bgzf = bgzf
        self._reader = bgzf.BgzfReader(str(path), "rb")
        self._compressed, self._uncompressed = blocks
        self.size = size

    def read(self, offset: int, size: int) -> bytes:
        block = bisect.bisect_right(self._uncompressed, offset) - 1
        within = offset - self._uncompressed[block]
        self._reader.seek(self._bgzf.make_virtual_offset(self._compressed[block], within))
        return self._reader.read(size)

    def close(self) -> None:
        self._reader.close()


def _bgzf_block(handle, start: int) -> tuple[int, int] | None:
    """(total size, uncompressed size) of the BGZF block at ``start``, or None if there is none."""
    handle.seek(start)
    header = handle.read(12)
    if len(header) < 12 or header[:4] != _BGZF_MAGIC:
        return None
    extra = handle.read(struct.unpack_from("<H", header, 10)[0])
    position = 0
    while position + 4 <= len(extra):
        length = struct.unpack_from("<H", extra, position + 2)[0]
        if extra[position : position + 2] == b"BC" and length == 2:
            total = struct.unpack_from("<H", extra, position + 4)[0] + 1
            handle.seek(start + total - 4)
            tail = handle.read(4)
            return (total, struct.unpack("<I", tail)[0]) if len(tail) == 4 else None
        position += 4 + length
    return None


def _gzi_blocks(path: Path, gzi: Path) -> tuple[list[int], list[int], int] | str:
    """Compressed and uncompressed starts of the BGZF blocks listed in ``gzi``, and the
    uncompressed size of ``path``; or why ``gzi`` does not describe ``path``."""
    data = gzi.read_bytes()
    if len(data) < 8 or len(data) != 8 + 16 * struct.unpack_from("<Q", data)[0]:
        return f"{gzi.name} is truncated or is not a .gzi index"
    pairs = struct.unpack_from(f"<{(len(data) - 8) // 8}Q", data, 8)
    compressed, uncompressed = [0, *pairs[0::2]], [0, *pairs[1::2]]
    if any(b <= a for a, b in itertools.pairwise(compressed)) or any(
        b < a for a, b in itertools.pairwise(uncompressed)
    ):
        return f"the blocks of {gzi.name} are not in increasing order"
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        last = len(compressed) - 1
        for k in {*_evenly_spaced(len(compressed)), last}:
            block = _bgzf_block(handle, compressed[k])
            if block is None:
                return f"{gzi.name} lists a block at byte {compressed[k]}, where none starts"
            end = compressed[k] + block[0]
            if k < last and (
                end != compressed[k + 1] or uncompressed[k] + block[1] != uncompressed[k + 1]
            ):
                return f"block {k} of {gzi.name} does not end where the next one starts"
        total, length = _bgzf_block(handle, compressed[last])
        end = compressed[last] + total
        eof = _bgzf_block(handle, end)
        if eof is None or eof[1] != 0 or end + eof[0] != size:
            return f"{path.name} has {size} bytes, not the size its index {gzi.name} implies"
    return compressed, uncompressed, uncompressed[last] + length


def _fai_records(fai: Path) -> list[tuple[str, int, int, int, int]] | str:
    try:
        lines = fai.read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return f"{fai.name} is not a .fai index (not text)"
    records = []
    for number, line in enumerate(lines, 1):
        fields = line.split("\t")
        try:
            name, *numbers = fields[0], *map(int, fields[1:5])
        except ValueError:
            numbers = []
        if len(fields) < 5 or len(numbers) != 4 or not name or min(numbers) < 0:
            return f"line {number} of {fai.name} is not a .fai record"
        length, offset, line_bases, line_width = numbers
        terminator = line_width - line_bases
        if length and (line_bases == 0 or terminator not in (0, 1, 2)):
            return f"record {name!r} of {fai.name} has line widths {line_bases}/{line_width}"
        if length > line_bases and terminator == 0:
            return f"record {name!r} of {fai.name} has lines without a terminator"
        end = 0 if not records else _record_end(*records[-1][1:])
        if not end < offset <= end + _MAX_GAP:
            return f"record {name!r} of {fai.name} starts at byte {offset}, out of place"
        records.append((name, *numbers))
    if not records:
        return f"{fai.name} is empty"
    return records


def _last_line(length: int, line_bases: int) -> int:
    """Number of bases on the last line of a record of ``length`` bases."""
    return length - (-(-length // line_bases) - 1) * line_bases


def _record_end(length: int, offset: int, line_bases: int, line_width: int) -> int:
    """Offset just past the last base of a record (before its line terminator)."""
    if length == 0:
        return offset
    lines = -(-length // line_bases)
    return offset + (lines - 1) * line_width + _last_line(length, line_bases)


def _not_only_bases(data: bytes) -> bool:
    """Whether ``data`` holds a line break or a header mark, i.e. is not a run of bases."""
    return any(mark in data for mark in (b"\n", b"\r", b">"))


def _record_problem(reader, records, i: int) -> str | None:
    """Why record ``i`` of the .fai does not fit the file, or None."""
    name, length, offset, line_bases, line_width = records[i]
    gap_start = 0 if i == 0 else _record_end(*records[i - 1][1:])
    lines = reader.read(gap_start, offset - gap_start).split(b"\n")
    header = lines[-2].rstrip(b"\r") if len(lines) >= 2 else b""
    skipped = (line.rstrip(b"\r") for line in lines[:-2])
    if (
        lines[-1]
        or not header.startswith(b">")
        or header[1:].split()[:1] != [name.encode()]
        or any(line and not (i == 0 and line.startswith(b";")) for line in skipped)
    ):
        return f"no header line '>{name}' ends at byte {offset}"
    if length > line_bases:
        first = reader.read(offset, line_width)
        if _not_only_bases(first[:line_bases]) or first[line_bases:] not in (b"\n", b"\r\n"):
            return f"the first line of {name!r} is not {line_bases} bases long"
    if length:
        end = _record_end(length, offset, line_bases, line_width)
        bases = _last_line(length, line_bases)
        last = reader.read(end - bases, bases + 1)
        if (
            len(last) < bases
            or _not_only_bases(last[:bases])
            or last[bases:] not in (b"", b"\n", b"\r")
        ):
            return f"{name!r} does not end at byte {end} with a line of {bases} bases"
    return None


def _index_problem(path: Path, fai: Path, gzi: Path | None) -> str | None:
    """Why the index of ``path`` cannot be used (missing, or not matching the file), or None."""
    if not fai.is_file() or (gzi is not None and not gzi.is_file()):
        return "missing"
    if gzi is None:
        reader = _PlainBytes(path)
    else:
        blocks = _gzi_blocks(path, gzi)
        if isinstance(blocks, str):
            return blocks
        reader = _BgzfBytes(path, blocks[:2], blocks[2])
    try:
        records = _fai_records(fai)
        if isinstance(records, str):
            return records
        for i in _evenly_spaced(len(records)):
            problem = _record_problem(reader, records, i)
            if problem is not None:
                return problem
        end = _record_end(*records[-1][1:])
        tail = reader.read(end, _MAX_GAP + 1) if end <= reader.size else b"?"
        if end > reader.size or tail.strip():
            return f"{path.name} has {reader.size} bytes, not the size {fai.name} implies"
    finally:
        reader.close()
    return None


class Genome:
    r"""A genome FASTA file, indexed for random access.

    Parameters
    ----------
    path : str or Path
        FASTA file, uncompressed or compressed with ``bgzip``. Its ``.fai`` index (and, for
        bgzip, ``.gzi``) is checked against the file: the header of every record (of an evenly
        spaced sample of 2000 records in larger genomes) must end at the offset the index
        gives, its first and last lines must have the lengths the index implies, and the file
        must end where the last record ends. An index that is missing or does not match (the
        FASTA file was replaced, even by an older file: ``cp -p``, ``rsync -t``) is built
        again, next to the file, or in a temporary folder when that folder is read-only; a
        rebuilt stale index is announced by an :class:`~iqmodel.exceptions.IQModelWarning`.
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
    TypeError
        When ``path`` is not a str or Path.
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        For a plain-gzip FASTA (pyfaidx needs bgzip or no compression), a FASTA that cannot be
        indexed (saying so when its existing index did not match it), or an invalid
        ``soft_mask``.

    See Also
    --------
    extract_sequences : The sequences of a whole peak set, checked first.

    Examples
    --------
    A two-chromosome FASTA with soft-masked (lower-case) bases; the ``.fai`` index is
    built next to it on first use:

    >>> import pathlib, tempfile
    >>> from iqmodel.io import Genome
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fasta = pathlib.Path(folder, "tiny.fa")
    ...     _ = fasta.write_text(">chr1\nACGTacgtAC\nGTTT\n>chr2\nGGGGCCCC\n")
    ...     with Genome(fasta) as genome:
    ...         print(genome.chrom_sizes, len(genome), "chr2" in genome)
    ...         print(genome.fetch("chr1", 2, 12))  # 0-based, half-open; upper-cased
    ...     with Genome(fasta, soft_mask="N") as genome:
    ...         print(genome.fetch("chr1", 2, 12))  # soft-masked bases as N
    ...     print(sorted(p.name for p in pathlib.Path(folder).iterdir()))
    {'chr1': 14, 'chr2': 8} 2 True
    GTACGTACGT
    GTNNNNACGT
    ['tiny.fa', 'tiny.fa.fai']

    An unknown chromosome name gets a hint:

    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fasta = pathlib.Path(folder, "tiny.fa")
    ...     _ = fasta.write_text(">chr1\nACGTACGTAC\n")
    ...     with Genome(fasta) as genome:
    ...         genome.length("1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: chromosome '1' is not in tiny.fa (...); did you mean 'chr1'?
    """

    def __init__(self, path, *, soft_mask: str = "upper") -> None:
        if soft_mask not in _SOFT_MASK:
            raise ValueError(f"soft_mask must be one of {_SOFT_MASK}, got {soft_mask!r}")
        path = as_path(path, what="FASTA file")
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
        fai = Path(f"{path}.fai")
        gzi = Path(f"{path}.gzi") if kind == "bgzip" else None
        try:
            try:
                problem = _index_problem(path, fai, gzi)
            except (OSError, ValueError, struct.error) as error:  # unreadable or damaged index
                problem = f"it cannot be checked: {error}"
            if problem is not None:
                fai, gzi = self._build_index(path, fai, gzi, problem)
            return self._open_indexed(path, fai, gzi)
        except ImportError as error:
            self._cleanup()
            raise ImportError(
                f"{path} is bgzip-compressed; reading it needs biopython (`pip install "
                f"biopython`), or decompress it with `gunzip -k {path.name}`"
            ) from error
        except BaseException:
            self._cleanup()
            raise

    def _build_index(self, path: Path, fai: Path, gzi: Path | None, problem: str):
        """Index ``path`` again; returns the paths of the new .fai and .gzi.

        The index is built in a temporary folder, then copied next to the FASTA file
        atomically; it stays in the temporary folder (removed by :meth:`close`) when the
        folder of the FASTA file is not writable.
        """
        import pyfaidx

        stale = problem != "missing"
        self._tmpdir = tempfile.mkdtemp(prefix="iqmodel-fai-")
        built_fai = Path(self._tmpdir, fai.name)
        built_gzi = None if gzi is None else Path(self._tmpdir, gzi.name)
        kwargs = {} if built_gzi is None else {"gzi_indexname": str(built_gzi)}
        stale_note = f"its index {fai.name} does not match it ({problem}), and " if stale else ""
        try:
            pyfaidx.Faidx(str(path), indexname=str(built_fai), **kwargs).close()
        except (pyfaidx.FastaIndexingError, pyfaidx.UnsupportedCompressionFormat) as error:
            what = "a new index cannot be built" if stale else "cannot index this FASTA file"
            raise ValueError(
                f"{path}: {stale_note}{what} ({error}); every sequence must have lines of equal "
                "length (reformat with `samtools faidx` or `seqkit seq -w 60`)"
            ) from error
        except ValueError as error:  # e.g. a sequence name used twice
            raise ValueError(f"{path}: {stale_note}cannot open this FASTA file: {error}") from error
        except OSError as error:
            raise OSError(
                error.errno, f"{path}: cannot build an index for this FASTA file: {error}"
            ) from error
        where = f"rebuilt {fai.name}" + ("" if gzi is None else f" and {gzi.name}")
        if os.access(path.parent, os.W_OK):
            try:
                if gzi is not None:
                    atomic_write(gzi, lambda tmp: shutil.copyfile(built_gzi, tmp))
                atomic_write(fai, lambda tmp: shutil.copyfile(built_fai, tmp))
            except OSError as error:
                where = f"built a new index in a temporary folder ({error})"
            else:
                self._cleanup()
                built_fai, built_gzi = fai, gzi
        else:
            where = (
                f"built a new index in a temporary folder, as {path.parent} is not writable; "
                f"rebuild {fai.name} there (`samtools faidx {path.name}`) to skip this step"
            )
        if stale:
            # stacklevel 4: Genome(...) <- __init__ <- _open <- _build_index
            warnings.warn(
                f"{path}: its index {fai.name} did not match it ({problem}); {where}",
                IQModelWarning,
                stacklevel=4,
            )
        elif self._tmpdir is not None:
            logger.info("%s: %s", path, where)
        return built_fai, built_gzi

    def _open_indexed(self, path: Path, fai: Path, gzi: Path | None):
        """pyfaidx.Fasta over an index already checked against the file (never rebuilt)."""
        import pyfaidx

        kwargs = {"indexname": str(fai)}
        if gzi is not None:
            kwargs["gzi_indexname"] = str(gzi)
        try:
            with warnings.catch_warnings():
                # the index was checked against the file: an index older than it is fine
                warnings.filterwarnings(
                    "ignore", message=".*is older than FASTA file", category=RuntimeWarning
                )
                return pyfaidx.Fasta(
                    str(path),
                    as_raw=True,
                    sequence_always_upper=False,
                    rebuild=False,
                    build_index=False,
                    **kwargs,
                )
        except (pyfaidx.FastaIndexingError, pyfaidx.UnsupportedCompressionFormat) as error:
            raise ValueError(
                f"{path}: cannot index this FASTA file ({error}); every sequence must have "
                "lines of equal length (reformat with `samtools faidx` or `seqkit seq -w 60`)"
            ) from error
        except ValueError as error:
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

        Parameters
        ----------
        chrom : str
            Chromosome name, exactly as in the FASTA file.

        Returns
        -------
        int
            Number of bases of ``chrom``.

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
        """Close the file and remove a temporary index (idempotent).

        A closed genome cannot fetch any more; ``with Genome(path) as genome:`` closes it
        at the end of the block.
        """
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
    r"""Sequences of every interval of a peak set, + strand, in row order.

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

    Warns
    -----
    IQModelWarning
        When sequences contain IUPAC ambiguity codes (read as ``N``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from iqmodel.io import extract_sequences
    >>> peaks = pd.DataFrame({"chrom": ["chr1", "chr2"], "start": [0, 4], "end": [6, 8]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fasta = pathlib.Path(folder, "tiny.fa")
    ...     _ = fasta.write_text(">chr1\nACGTacgtAC\nGTTT\n>chr2\nGGGGCCCC\n")
    ...     print(extract_sequences(fasta, peaks))
    ['ACGTAC', 'CCCC']

    Every bad interval is reported at once:

    >>> bad = pd.DataFrame({"chrom": ["chr2", "chrX"], "start": [5, 0], "end": [20, 5]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fasta = pathlib.Path(folder, "tiny.fa")
    ...     _ = fasta.write_text(">chr1\nACGTacgtAC\nGTTT\n>chr2\nGGGGCCCC\n")
    ...     extract_sequences(fasta, bad)  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    ValueError: 2 of 2 intervals cannot be extracted from tiny.fa: 'chr2_5_20': chr2:5-20 ends
    past the end of chr2 (length 8 bp); 'chrX_0_5': chromosome 'chrX' is not in tiny.fa ...
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
    sequences = [
        genome._masked(fasta[c][s:e])
        for c, s, e in zip(chrom.tolist(), start.tolist(), end.tolist(), strict=True)
    ]
    return _ambiguity_codes_as_n(sequences, names, chrom, start, genome.path.name)


_NOT_A_BASE = re.compile("[^ACGTNacgtn]")
_AMBIGUOUS_TO_N = str.maketrans(IUPAC_AMBIGUOUS + IUPAC_AMBIGUOUS.lower(), "N" * 10 + "n" * 10)


def _ambiguity_codes_as_n(sequences, names, chrom, start, source: str) -> list[str]:
    """IUPAC ambiguity codes (present in some reference genomes) read as N, announced; any
    other letter is an error naming the peak and the genomic position."""
    changed = []
    for i, sequence in enumerate(sequences):
        if _NOT_A_BASE.search(sequence) is None:
            continue
        fixed = sequence.translate(_AMBIGUOUS_TO_N)
        other = _NOT_A_BASE.search(fixed)
        if other is not None:
            raise ValueError(
                f"{source}: peak {names[i]!r} has the character {other.group()!r} at "
                f"{chrom[i]}:{int(start[i]) + other.start() + 1}, which is neither a base "
                "(A, C, G, T, N) nor an IUPAC code; fix the FASTA file"
            )
        sequences[i] = fixed
        changed.append(i)
    if changed:
        warnings.warn(
            f"{source}: {len(changed)} of {len(sequences)} peak sequences contain IUPAC "
            f"ambiguity codes ({IUPAC_AMBIGUOUS}; first in peak {names[changed[0]]!r}), read "
            "as N",
            IQModelWarning,
            stacklevel=3,
        )
    return sequences
