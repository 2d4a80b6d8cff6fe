"""Read and write motif files: MEME, JASPAR/PFM, HOMER and long tables (TSV, CSV, parquet).

Readers return ``list[Motif]`` with rows renormalised to probabilities (counts and percentages
are fine) and ``source`` set to the file name unless given. Writers take an iterable of
:class:`~iqmodel.motifs.Motif`, write probabilities with 8 significant digits and replace the
target atomically (temporary file in the same folder, then :func:`os.replace`). Files are read
as UTF-8 text, gzip-compressed or not (recognised by content); a path ending in ``.gz`` is written
as gzip. A file that cannot be decoded (binary, Latin-1, a ``.gz`` that is not gzip, a corrupt
parquet file) gives a ValueError naming the file and the fix. Spatial profiles are not stored by
any of these formats.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from iqmodel.io._atomic import UnreadableFileError, as_path, atomic_write, read_bytes, read_text
from iqmodel.motifs import BASES, Motif

__all__ = [
    "bundled_motif_dbs",
    "load_motif_db",
    "motifs_from_table",
    "motifs_to_table",
    "read_homer",
    "read_jaspar",
    "read_meme",
    "read_motif_table",
    "read_motifs",
    "write_homer",
    "write_jaspar",
    "write_meme",
    "write_motif_table",
    "write_motifs",
]

_BUNDLED = {"jaspar2024": ("JASPAR2024_CORE_vertebrates_nonredundant.meme.gz", "JASPAR2024")}
_EXTENSIONS = {
    ".meme": "meme",
    ".jaspar": "jaspar",
    ".pfm": "jaspar",
    ".motif": "homer",
    ".homer": "homer",
    ".tsv": "table",
    ".csv": "table",
    ".parquet": "table",
}
_MEME_HEADER = (
    "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
    "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n"
)
_JASPAR_LABEL = re.compile(r"([ACGTacgt])(?=[\s\[])")
_TABLE_COLUMNS = ("motif", *BASES)
_WHAT = "motif file"
_PARQUET_MAGIC = b"PAR1"


# ----------------------------------------------------------------------------- file plumbing


def _is_gzipped(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def _suffix(path: Path) -> str:
    """Extension without a trailing ``.gz``, lower case (``x.meme.gz`` -> ``.meme``)."""
    name = path.name.lower()
    return Path(name[:-3] if name.endswith(".gz") else name).suffix


def _stem(path: Path) -> str:
    name = path.name[:-3] if _is_gzipped(path) else path.name
    return Path(name).stem


def _path(path) -> Path:
    return as_path(path, what=_WHAT)


def _open_for_writing(path: Path, mode: str, *, gzipped: bool):
    encoding = "utf-8" if "t" in mode else None
    if gzipped:
        return gzip.open(path, mode, encoding=encoding)
    return open(path, mode, encoding=encoding)


def _read_lines(path: Path) -> list[str]:
    return read_text(path, what=_WHAT).splitlines()


def _write_text(path, lines: Iterable[str]) -> None:
    path = _path(path)

    def write(tmp: Path) -> None:
        with _open_for_writing(tmp, "wt", gzipped=_is_gzipped(path)) as handle:
            handle.writelines(lines)

    atomic_write(path, write)


def _check_motifs(motifs) -> list[Motif]:
    if isinstance(motifs, Motif):
        raise TypeError("motifs must be an iterable of Motif, got a single Motif; wrap it: [motif]")
    motifs = list(motifs)
    for i, motif in enumerate(motifs):
        if not isinstance(motif, Motif):
            raise TypeError(f"motifs[{i}] is a {type(motif).__name__}, not a Motif")
    if not motifs:
        raise ValueError("motifs is empty; there is nothing to write")
    return motifs


def _single_token(motif: Motif, format_name: str) -> str:
    if any(ch.isspace() for ch in motif.name):
        raise ValueError(
            f"motif name {motif.name!r} contains whitespace, which the {format_name} format "
            "cannot store; rename it, e.g. motif.renamed(name.replace(' ', '_'))"
        )
    return motif.name


def _number(value: float) -> str:
    return format(value, ".8g")


def _matrix_lines(matrix: np.ndarray, sep: str) -> Iterator[str]:
    for row in matrix:
        yield sep.join(map(_number, row)) + "\n"


# ----------------------------------------------------------------------------- parsing helpers


def _numbers(tokens: list[str], where: str) -> list[float]:
    try:
        return [float(token) for token in tokens]
    except ValueError:
        raise ValueError(f"{where}: non-numeric value in matrix row {' '.join(tokens)!r}") from None


def _row_of_four(text: str, where: str) -> list[float]:
    tokens = text.split()
    if len(tokens) != 4:
        raise ValueError(
            f"{where}: expected 4 values (A C G T) in a matrix row, found {len(tokens)}: {text!r}"
        )
    return _numbers(tokens, where)


def _build(name: str, rows, where: str, **kwargs) -> Motif:
    """Motif from rows of counts or probabilities; errors name the file and line."""
    if len(rows) == 0:
        raise ValueError(f"{where}: motif {name!r} has no matrix rows")
    try:
        return Motif.from_counts(name, rows, **kwargs)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: {err}") from err


def _alt_name(rest: list[str]) -> str:
    """Rest of a header line after the motif ID, whitespace runs collapsed to one space."""
    return " ".join(" ".join(rest).split())


def _require_motifs(motifs: list[Motif], path: Path, format_name: str) -> list[Motif]:
    if not motifs:
        raise ValueError(f"{path}: no motifs found; is this a {format_name} motif file?")
    return motifs


# ----------------------------------------------------------------------------- MEME


def _meme_header_value(text: str, key: str, where: str) -> int | None:
    match = re.search(rf"\b{key}=\s*(\S+)", text)
    if match is None:
        return None
    try:
        return int(float(match.group(1)))
    except ValueError:
        raise ValueError(f"{where}: {key}= must be a number, got {match.group(1)!r}") from None


def _meme_rows(lines: list[str], start: int, width: int | None, path: Path) -> tuple[list, int]:
    """Matrix rows from ``lines[start:]``: ``width`` of them, or up to a non-numeric line."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    rows = []
    while i < len(lines) and (width is None or len(rows) < width):
        text = lines[i].strip()
        if width is None and not (text and (text[0].isdigit() or text[0] in "+-.")):
            break
        rows.append(_row_of_four(text, f"{path}, line {i + 1}"))
        i += 1
    if width is not None and len(rows) < width:
        raise ValueError(
            f"{path}, line {i + 1}: expected w= {width} matrix rows, found {len(rows)}"
        )
    return rows, i


def _without_matrix(pending: tuple[str, str, str]) -> ValueError:
    name, _, where = pending
    return ValueError(f"{where}: motif {name!r} has no letter-probability matrix")


def read_meme(path, *, source: str | None = None) -> list[Motif]:
    r"""Read a MEME (v4 minimal) motif file.

    Each ``MOTIF <id> [<alt name>]`` with a ``letter-probability matrix:`` gives a motif named
    ``<id>`` with ``alt_name=<alt name>``. Rows are renormalised to sum to 1 (percentages are
    fine). Only the DNA alphabet ACGT is supported.

    Parameters
    ----------
    path : str or Path
        File, optionally gzipped (``.gz``).
    source : str, optional
        ``source`` of every motif; default the file name.

    Returns
    -------
    list of Motif
        In file order; each has ``length`` = the ``w=`` of its matrix.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        Naming the file and line: a non-DNA alphabet, a MOTIF without a matrix, fewer
        matrix rows than ``w=``, a row without 4 numbers, or no motif at all; or a file
        that is not UTF-8 text (or not gzip although named ``.gz``).

    Examples
    --------
    Rows given as percentages are renormalised:

    >>> import pathlib, tempfile
    >>> from iqmodel.io import read_meme
    >>> lines = [
    ...     "MEME version 4",
    ...     "ALPHABET= ACGT",
    ...     "MOTIF m1 GATA1",
    ...     "letter-probability matrix: alength= 4 w= 2",
    ...     "0 0 100 0",
    ...     "50 50 0 0",
    ...     "MOTIF m2",
    ...     "letter-probability matrix: alength= 4 w= 1",
    ...     "0.25 0.25 0.25 0.25",
    ... ]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "tiny.meme")
    ...     _ = path.write_text("\n".join(lines) + "\n")
    ...     motifs = read_meme(path)
    >>> [(m.name, m.alt_name, m.length, m.source) for m in motifs]
    [('m1', 'GATA1', 2, 'tiny.meme'), ('m2', '', 1, 'tiny.meme')]
    >>> motifs[0].pwm.tolist()
    [[0.0, 0.0, 1.0, 0.0], [0.5, 0.5, 0.0, 0.0]]
    """
    path = _path(path)
    source = path.name if source is None else source
    lines = _read_lines(path)
    motifs: list[Motif] = []
    pending = None  # (name, alt_name, where) of a MOTIF line still waiting for its matrix
    i = 0
    while i < len(lines):
        text, where = lines[i].strip(), f"{path}, line {i + 1}"
        i += 1
        if text.startswith("ALPHABET="):
            alphabet = text.partition("=")[2].strip()
            if alphabet.upper() != BASES:
                raise ValueError(
                    f"{where}: alphabet {alphabet!r} is not supported; only DNA (ACGT) motifs "
                    "can be read"
                )
        elif text.startswith("MOTIF"):
            if pending is not None:
                raise _without_matrix(pending)
            fields = text.split(maxsplit=2)
            if len(fields) < 2:
                raise ValueError(f"{where}: MOTIF line without a motif name")
            pending = (fields[1], _alt_name(fields[2:]), where)
        elif text.startswith("letter-probability matrix"):
            if pending is None:
                raise ValueError(f"{where}: letter-probability matrix before any MOTIF line")
            alength = _meme_header_value(text, "alength", where)
            if alength not in (None, 4):
                raise ValueError(
                    f"{where}: alength= {alength}; only DNA motifs (alength= 4) are supported"
                )
            rows, i = _meme_rows(lines, i, _meme_header_value(text, "w", where), path)
            name, alt_name, motif_where = pending
            motifs.append(_build(name, rows, motif_where, alt_name=alt_name, source=source))
            pending = None
    if pending is not None:
        raise _without_matrix(pending)
    return _require_motifs(motifs, path, "MEME")


def _meme_lines(motifs: list[Motif]) -> Iterator[str]:
    yield _MEME_HEADER
    for motif in motifs:
        yield f"MOTIF {_single_token(motif, 'MEME')} {motif.alt_name}".rstrip() + "\n"
        yield f"letter-probability matrix: alength= 4 w= {motif.length}\n"
        yield from _matrix_lines(motif.pwm, " ")
        yield "\n"


def write_meme(motifs: Iterable[Motif], path) -> None:
    """Write motifs as MEME v4 minimal format (uniform background, no nsites/E).

    Parameters
    ----------
    motifs : iterable of Motif
        Names must not contain whitespace; ``alt_name`` follows the name on the MOTIF line.
    path : str or Path
        Target file; gzipped when it ends in ``.gz``.

    Raises
    ------
    TypeError
        When ``motifs`` is a single Motif or holds something else.
    ValueError
        When ``motifs`` is empty or a name contains whitespace.

    Examples
    --------
    >>> import gzip, pathlib, tempfile
    >>> import numpy as np
    >>> from iqmodel.io import read_meme, write_meme
    >>> from iqmodel.motifs import Motif
    >>> gata = Motif("GATA", [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0.9, 0, 0.1, 0]])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "motifs.meme.gz")
    ...     write_meme([gata.renamed("GATA_rc").reverse_complement(), gata], path)
    ...     text = gzip.decompress(path.read_bytes()).decode()
    ...     back = read_meme(path)
    >>> [line for line in text.splitlines() if line.startswith("MOTIF")]
    ['MOTIF GATA_rc', 'MOTIF GATA']
    >>> bool(np.allclose(back[1].pwm, gata.pwm)), back[1].source
    (True, 'motifs.meme.gz')
    """
    _write_text(path, _meme_lines(_check_motifs(motifs)))


# ----------------------------------------------------------------------------- JASPAR / PFM


@dataclass
class _Block:
    name: str
    alt_name: str
    where: str
    rows: list = field(default_factory=list)  # (where, base label or None, values)


def _jaspar_blocks(lines: list[str], path: Path) -> list[_Block]:
    blocks: list[_Block] = []
    for number, line in enumerate(lines, start=1):
        text, where = line.strip(), f"{path}, line {number}"
        if not text or text.startswith("#"):
            continue
        if text.startswith(">"):
            fields = text[1:].split(maxsplit=1)
            if not fields:
                raise ValueError(f"{where}: '>' header line without a motif name")
            blocks.append(_Block(fields[0], _alt_name(fields[1:]), where))
            continue
        if not blocks:  # headerless .pfm: one motif named after the file
            blocks.append(_Block(_stem(path), "", where))
        label = _JASPAR_LABEL.match(text)
        body = text[label.end() :] if label else text
        values = _numbers(body.replace("[", " ").replace("]", " ").split(), where)
        blocks[-1].rows.append((where, label.group(1).upper() if label else None, values))
    return blocks


def _jaspar_matrix(block: _Block) -> np.ndarray:
    """(L, 4) matrix of a block: 4 rows of L values (one per base) or L rows of 4 values."""
    rows = block.rows
    labels = [label for _, label, _ in rows]
    if any(labels):
        if sorted(map(str, labels)) != list(BASES):
            raise ValueError(
                f"{block.where}: motif {block.name!r} needs exactly one row per base labelled "
                f"A, C, G, T; found labels {labels}"
            )
        rows = sorted(rows, key=lambda row: row[1])
    elif len(rows) != 4 or len({len(values) for _, _, values in rows}) != 1:
        for where, _, values in rows:
            if len(values) != 4:
                raise ValueError(
                    f"{where}: expected 4 values per row (one position per line) or 4 rows of "
                    f"equal length (one base per line); found {len(values)} values"
                )
        return np.array([values for _, _, values in rows], dtype=np.float64)
    for where, _, values in rows[1:]:
        if len(values) != len(rows[0][2]):
            raise ValueError(
                f"{where}: base row has {len(values)} values but the first base row has "
                f"{len(rows[0][2])}"
            )
    return np.array([values for _, _, values in rows], dtype=np.float64).T


def read_jaspar(path, *, source: str | None = None) -> list[Motif]:
    r"""Read JASPAR count matrices (``.jaspar``) or position frequency matrices (``.pfm``).

    Accepted: blocks ``>ID name`` followed by 4 rows ``A [ 4 19 0 ... ]`` (labels and
    brackets optional, unlabelled rows in A, C, G, T order), or by L rows of 4 values, one
    position per line. A file without ``>`` headers holds one motif named after the file.
    An unlabelled 4 x 4 block is read as one row per base (the JASPAR layout). Counts are
    divided by their column totals.

    Parameters
    ----------
    path : str or Path
        File, optionally gzipped (``.gz``).
    source : str, optional
        ``source`` of every motif; default the file name.

    Returns
    -------
    list of Motif
        Named by ID, with the rest of the header line as ``alt_name``.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        Naming the file and line: rows of unequal length, labels other than one per base,
        non-numeric values, a position without any count, or no motif at all.

    Examples
    --------
    A count matrix in the bracketed JASPAR layout (one row per base):

    >>> import pathlib, tempfile
    >>> from iqmodel.io import read_jaspar
    >>> text = ">MA0001.1 AGL3\nA [ 0 3 ]\nC [ 94 0 ]\nG [ 1 0 ]\nT [ 5 97 ]\n"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "agl3.jaspar")
    ...     _ = path.write_text(text)
    ...     (motif,) = read_jaspar(path)
    >>> motif.name, motif.alt_name, motif.length
    ('MA0001.1', 'AGL3', 2)
    >>> motif.pwm.round(2).tolist()  # counts divided by the column totals
    [[0.0, 0.94, 0.01, 0.05], [0.03, 0.0, 0.0, 0.97]]

    A headerless ``.pfm`` holds one motif named after the file:

    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "my_tf.pfm")
    ...     _ = path.write_text("10 0 5\n0 10 5\n0 0 0\n0 0 0\n")
    ...     (motif,) = read_jaspar(path)
    >>> motif.name, motif.pwm.tolist()
    ('my_tf', [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]])
    """
    path = _path(path)
    source = path.name if source is None else source
    motifs = [
        _build(
            block.name, _jaspar_matrix(block), block.where, alt_name=block.alt_name, source=source
        )
        for block in _jaspar_blocks(_read_lines(path), path)
    ]
    return _require_motifs(motifs, path, "JASPAR")


def _jaspar_lines(motifs: list[Motif]) -> Iterator[str]:
    for motif in motifs:
        yield f">{_single_token(motif, 'JASPAR')}\t{motif.alt_name}".rstrip() + "\n"
        for base, column in zip(BASES, motif.pwm.T, strict=True):
            yield f"{base}  [ {' '.join(map(_number, column))} ]\n"


def write_jaspar(motifs: Iterable[Motif], path) -> None:
    """Write motifs in the bracketed JASPAR layout, with probabilities (not counts) as values.

    Parameters
    ----------
    motifs : iterable of Motif
        Names must not contain whitespace; ``alt_name`` follows the ID on the header line.
    path : str or Path
        Target file; gzipped when it ends in ``.gz``.

    Raises
    ------
    TypeError
        When ``motifs`` is a single Motif or holds something else.
    ValueError
        When ``motifs`` is empty or a name contains whitespace.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from iqmodel.io import write_jaspar
    >>> from iqmodel.motifs import Motif
    >>> motif = Motif("MA9.1", [[0.5, 0.5, 0, 0], [0, 0, 0, 1]], alt_name="TF")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "out.jaspar")
    ...     write_jaspar([motif], path)
    ...     print(path.read_text(), end="")  # doctest: +NORMALIZE_WHITESPACE
    >MA9.1  TF
    A  [ 0.5 0 ]
    C  [ 0.5 0 ]
    G  [ 0 0 ]
    T  [ 0 1 ]
    """
    _write_text(path, _jaspar_lines(_check_motifs(motifs)))


# ----------------------------------------------------------------------------- HOMER


def read_homer(path, *, source: str | None = None) -> list[Motif]:
    r"""Read a HOMER ``.motif`` file.

    Each motif is a header ``>consensus<TAB>name<TAB>log-odds threshold...`` followed by one
    row of 4 probabilities (A C G T) per position. The name is the second header field (the
    first when there is only one).

    Parameters
    ----------
    path : str or Path
        File, optionally gzipped (``.gz``).
    source : str, optional
        ``source`` of every motif; default the file name.

    Returns
    -------
    list of Motif
        In file order; ``alt_name`` is empty.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        Naming the file and line: a header without a name, a matrix row before any header
        or without 4 numbers, or no motif at all.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from iqmodel.io import read_homer
    >>> text = (
    ...     ">GATA\tGata1(Zf)/K562\t4.2\n"
    ...     "0.1\t0.1\t0.7\t0.1\n"
    ...     "0.97\t0.01\t0.01\t0.01\n"
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "gata.motif")
    ...     _ = path.write_text(text)
    ...     motifs = read_homer(path, source="HOMER")
    >>> [(m.name, m.length, m.source) for m in motifs]
    [('Gata1(Zf)/K562', 2, 'HOMER')]
    """
    path = _path(path)
    source = path.name if source is None else source
    blocks: list[_Block] = []
    for number, line in enumerate(_read_lines(path), start=1):
        text, where = line.strip(), f"{path}, line {number}"
        if not text:
            continue
        if text.startswith(">"):
            header = text[1:]
            fields = [f.strip() for f in (header.split("\t") if "\t" in header else header.split())]
            name = fields[1] if len(fields) > 1 and fields[1] else fields[0] if fields else ""
            if not name:
                raise ValueError(f"{where}: '>' header line without a motif name")
            blocks.append(_Block(name, "", where))
        elif not blocks:
            raise ValueError(f"{where}: matrix row before any '>' header line")
        else:
            blocks[-1].rows.append(_row_of_four(text, where))
    motifs = [_build(b.name, b.rows, b.where, source=source) for b in blocks]
    return _require_motifs(motifs, path, "HOMER")


def _homer_threshold(motif: Motif, fraction: float) -> float:
    """``fraction`` of the best log-odds score (natural log, uniform background)."""
    return fraction * float(np.log(4.0 * motif.pwm.max(axis=1)).sum())


def _homer_lines(motifs: list[Motif], threshold_fraction: float) -> Iterator[str]:
    for motif in motifs:
        consensus = motif.consensus().replace("*", "N") or "N"
        threshold = _homer_threshold(motif, threshold_fraction)
        yield f">{consensus}\t{motif.name}\t{threshold:.6f}\n"
        yield from _matrix_lines(motif.pwm, "\t")


def write_homer(motifs: Iterable[Motif], path, *, threshold_fraction: float = 0.6) -> None:
    """Write motifs as a HOMER ``.motif`` file.

    Parameters
    ----------
    motifs : iterable of Motif
        Motifs to write; the header holds the consensus (``'*'`` as N) and the name.
    path : str or Path
        Target file; gzipped when it ends in ``.gz``.
    threshold_fraction : float, default 0.6
        HOMER's detection threshold is written as this fraction of each motif's best
        log-odds score (natural log against a uniform background), the convention of
        universalmotif's ``write_homer``. It only matters for HOMER itself.

    Raises
    ------
    TypeError
        When ``motifs`` is a single Motif or holds something else.
    ValueError
        When ``motifs`` is empty or ``threshold_fraction`` is outside [0, 1].

    Examples
    --------
    The threshold of a two-position motif with one certain base per position is
    ``0.6 * 2 * ln(4)``:

    >>> import pathlib, tempfile
    >>> from iqmodel.io import write_homer
    >>> from iqmodel.motifs import Motif
    >>> motif = Motif("ga", [[0, 0, 1, 0], [1, 0, 0, 0]])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "ga.motif")
    ...     write_homer([motif], path)
    ...     print(path.read_text(), end="")  # doctest: +NORMALIZE_WHITESPACE
    >GA  ga  1.663553
    0  0  1  0
    1  0  0  0
    """
    if not 0 <= threshold_fraction <= 1:
        raise ValueError(f"threshold_fraction must be in [0, 1], got {threshold_fraction!r}")
    _write_text(path, _homer_lines(_check_motifs(motifs), threshold_fraction))


# ----------------------------------------------------------------------------- long tables


def _table_columns(frame: pd.DataFrame, origin: str) -> dict[str, object]:
    """Map ``motif, pos, A, C, G, T`` (case-insensitive; pos optional) to frame columns."""
    by_lower = {str(column).lower(): column for column in frame.columns}
    found = {
        wanted: wanted if wanted in frame.columns else by_lower.get(wanted.lower())
        for wanted in ("pos", *_TABLE_COLUMNS)
    }
    missing = [wanted for wanted in _TABLE_COLUMNS if found[wanted] is None]
    if missing:
        raise ValueError(
            f"{origin}: missing column(s) {', '.join(missing)}; a motif table needs columns "
            f"motif, A, C, G, T (pos optional, gives the row order); found {list(frame.columns)}"
        )
    return found


def _numeric(frame: pd.DataFrame, locate: Callable[[int], str]) -> np.ndarray:
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna().to_numpy() & frame.notna().to_numpy()
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise ValueError(
            f"{locate(row)}: non-numeric value {frame.iat[row, column]!r} in column "
            f"{frame.columns[column]!r}"
        )
    return numeric.to_numpy(np.float64)


def _motifs_from_frame(
    frame: pd.DataFrame, source: str, origin: str, locate: Callable[[int], str]
) -> list[Motif]:
    columns = _table_columns(frame, origin)
    names = frame[columns["motif"]]
    missing = np.flatnonzero(names.isna().to_numpy())
    if missing.size:
        raise ValueError(f"{locate(missing[0])}: missing motif name")
    codes, unique_names = pd.factorize(names.astype(str), sort=False)
    values = _numeric(frame[[columns[base] for base in BASES]], locate)
    if columns["pos"] is None:
        order = np.argsort(codes, kind="stable")
    else:
        order = np.lexsort((_numeric(frame[[columns["pos"]]], locate)[:, 0], codes))
    blocks = np.split(values[order], np.cumsum(np.bincount(codes))[:-1])
    return [
        _build(name, block, origin, source=source)
        for name, block in zip(unique_names, blocks, strict=True)
    ]


def motifs_from_table(frame: pd.DataFrame, *, source: str = "") -> list[Motif]:
    """Motifs from a long table with one row per motif position.

    Parameters
    ----------
    frame : DataFrame
        Columns ``motif``, ``A``, ``C``, ``G``, ``T`` (case-insensitive) and optionally
        ``pos``; other columns are ignored. Rows are ordered by ``pos`` within a motif (0- or
        1-based alike; file order without ``pos``), and renormalised to sum to 1. Motifs keep
        the order of their first row.
    source : str, default ""
        ``source`` of every motif.

    Returns
    -------
    list of Motif
        One per distinct ``motif`` value, in order of first appearance.

    Raises
    ------
    TypeError
        When ``frame`` is not a DataFrame.
    ValueError
        For an empty frame, missing columns, missing names, non-numeric values or a
        position without any weight.

    Examples
    --------
    Rows are put in ``pos`` order within each motif:

    >>> import pandas as pd
    >>> from iqmodel.io import motifs_from_table
    >>> table = pd.DataFrame(
    ...     {
    ...         "motif": ["m1", "m1", "m2"],
    ...         "pos": [2, 1, 1],
    ...         "A": [0, 1, 1],
    ...         "C": [0, 0, 1],
    ...         "G": [1, 0, 1],
    ...         "T": [0, 0, 1],
    ...     }
    ... )
    >>> motifs = motifs_from_table(table, source="mine")
    >>> [(m.name, m.length, m.source) for m in motifs]
    [('m1', 2, 'mine'), ('m2', 1, 'mine')]
    >>> motifs[0].consensus()
    'AG'
    >>> motifs[1].pwm.tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.empty:
        raise ValueError("the motif table is empty; it needs one row per motif position")
    return _motifs_from_frame(frame, source, "motif table", lambda row: f"motif table, row {row}")


def motifs_to_table(motifs: Iterable[Motif]) -> pd.DataFrame:
    """Long table of motifs: columns ``motif``, ``pos`` (0-based), ``A``, ``C``, ``G``, ``T``.

    Parameters
    ----------
    motifs : iterable of Motif
        Motifs to put in the table (at least one).

    Returns
    -------
    DataFrame, shape (total length, 6)
        One row per motif position, motifs in the given order: ``motif`` (name), ``pos``
        (0-based), probabilities ``A``, ``C``, ``G``, ``T``. Names, spatial profiles and
        other attributes are not kept.

    Raises
    ------
    TypeError
        When ``motifs`` is a single Motif or holds something else.
    ValueError
        When ``motifs`` is empty.

    Examples
    --------
    >>> from iqmodel.io import motifs_from_table, motifs_to_table
    >>> from iqmodel.motifs import Motif
    >>> motifs = [Motif("ga", [[0, 0, 1, 0], [1, 0, 0, 0]]), Motif("t", [[0, 0, 0, 1]])]
    >>> table = motifs_to_table(motifs)
    >>> table.shape, list(table.columns)
    ((3, 6), ['motif', 'pos', 'A', 'C', 'G', 'T'])
    >>> table["motif"].tolist(), table["pos"].tolist(), table["G"].tolist()
    (['ga', 'ga', 't'], [0, 1, 0], [1.0, 0.0, 0.0])
    >>> [m.consensus() for m in motifs_from_table(table)]
    ['GA', 'T']
    """
    motifs = _check_motifs(motifs)
    lengths = [motif.length for motif in motifs]
    probabilities = np.vstack([motif.pwm for motif in motifs])
    return pd.DataFrame(
        {
            "motif": np.repeat([motif.name for motif in motifs], lengths),
            "pos": np.concatenate([np.arange(length) for length in lengths]),
            **dict(zip(BASES, probabilities.T, strict=True)),
        }
    )


def _table_kind(path: Path) -> str:
    return {".parquet": "parquet", ".csv": "csv"}.get(_suffix(path), "tsv")


def read_motif_table(path, *, source: str | None = None) -> list[Motif]:
    r"""Read a long motif table: TSV (default), CSV (``.csv``) or parquet (``.parquet``).

    See :func:`motifs_from_table` for the columns. Text tables may be gzipped (``.gz``).

    Parameters
    ----------
    path : str or Path
        Table file.
    source : str, optional
        ``source`` of every motif; default the file name.

    Returns
    -------
    list of Motif
        One per distinct ``motif`` value, in order of first appearance.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        For a table without rows, missing columns, non-numeric values (naming the line),
        or a file that cannot be read (not UTF-8 text, not parquet although named so).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from iqmodel.io import read_motif_table
    >>> text = "motif,pos,A,C,G,T\nm1,0,0.7,0.1,0.1,0.1\nm1,1,0,0,0,1\n"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "motifs.csv")
    ...     _ = path.write_text(text)
    ...     (motif,) = read_motif_table(path)
    >>> motif.name, motif.length, motif.source, motif.consensus()
    ('m1', 2, 'motifs.csv', 'AT')
    """
    path = _path(path)
    kind = _table_kind(path)
    frame = _read_parquet(path) if kind == "parquet" else _read_text_table(path, kind)
    if frame.empty:
        raise ValueError(f"{path}: no motifs found; the table has no rows")

    def locate(row: int) -> str:  # text tables: line 1 is the header
        return f"{path}, row {row}" if kind == "parquet" else f"{path}, line {row + 2}"

    return _motifs_from_frame(frame, path.name if source is None else source, str(path), locate)


def _read_parquet(path: Path) -> pd.DataFrame:
    data = read_bytes(path, what="parquet motif table")
    if len(data) < 12 or data[:4] != _PARQUET_MAGIC or data[-4:] != _PARQUET_MAGIC:
        raise UnreadableFileError(
            f"{path}: not a parquet file (it does not start and end with the parquet marker "
            "PAR1); write the table again with DataFrame.to_parquet, or, if it is a text table, "
            "name it .tsv or .csv"
        )
    try:
        return pd.read_parquet(io.BytesIO(data))
    except (ValueError, OSError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise UnreadableFileError(
            f"{path}: cannot read this parquet file ({error}); it is probably truncated or "
            "damaged: write it again"
        ) from error


def _read_text_table(path: Path, kind: str) -> pd.DataFrame:
    text = read_text(path, what="motif table")
    try:
        return pd.read_csv(io.StringIO(text), sep="," if kind == "csv" else "\t", dtype=str)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: no motifs found; the table is empty") from None
    except pd.errors.ParserError as error:
        raise ValueError(
            f"{path}: cannot parse this {kind.upper()} table ({error}); a motif table has a "
            "header and the same number of fields on every line"
        ) from error


def write_motif_table(motifs: Iterable[Motif], path) -> None:
    r"""Write motifs as a long table (see :func:`motifs_to_table`).

    Parameters
    ----------
    motifs : iterable of Motif
        Motifs to write (at least one).
    path : str or Path
        ``.parquet`` for parquet, ``.csv`` for CSV, anything else for TSV; text tables are
        gzipped when the name ends in ``.gz``.

    Raises
    ------
    TypeError
        When ``motifs`` is a single Motif or holds something else.
    ValueError
        When ``motifs`` is empty.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from iqmodel.io import read_motif_table, write_motif_table
    >>> from iqmodel.motifs import Motif
    >>> motif = Motif("m", [[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0]])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "motifs.tsv")
    ...     write_motif_table([motif], path)
    ...     header = path.read_text().splitlines()[0]
    ...     (back,) = read_motif_table(path)
    >>> header.split("\t")
    ['motif', 'pos', 'A', 'C', 'G', 'T']
    >>> bool(np.allclose(back.pwm, motif.pwm))
    True
    """
    path = _path(path)
    frame = motifs_to_table(motifs)
    kind = _table_kind(path)

    def write(tmp: Path) -> None:
        with _open_for_writing(tmp, "wb", gzipped=_is_gzipped(path)) as handle:
            if kind == "parquet":
                frame.to_parquet(handle, index=False)
            else:
                frame.to_csv(handle, sep="," if kind == "csv" else "\t", index=False)

    atomic_write(path, write)


# ----------------------------------------------------------------------------- dispatch

_READERS = {
    "meme": read_meme,
    "jaspar": read_jaspar,
    "homer": read_homer,
    "table": read_motif_table,
}
_WRITERS = {
    "meme": write_meme,
    "jaspar": write_jaspar,
    "homer": write_homer,
    "table": write_motif_table,
}


def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        if format not in _READERS:
            raise ValueError(
                f"unknown motif format {format!r}; known formats: {', '.join(_READERS)}"
            )
        return format
    suffix = _suffix(path)
    if suffix not in _EXTENSIONS:
        raise ValueError(
            f"cannot tell the motif format of {path} from its extension {suffix!r}; known "
            f"extensions: {', '.join(_EXTENSIONS)} (each optionally .gz); or pass format= one "
            f"of {', '.join(_READERS)}"
        )
    return _EXTENSIONS[suffix]


def read_motifs(path, format: str | None = None) -> list[Motif]:
    r"""Read a motif file of any supported format.

    Parameters
    ----------
    path : str or Path
        Motif file; the format follows the extension (``.meme``, ``.jaspar``, ``.pfm``,
        ``.motif``, ``.homer``, ``.tsv``, ``.csv``, ``.parquet``, each optionally ``.gz``).
    format : {"meme", "jaspar", "homer", "table"}, optional
        Overrides the extension.

    Returns
    -------
    list of Motif
        In file order, probabilities renormalised, ``source`` the file name.

    Raises
    ------
    TypeError
        When ``path`` is not a str or Path.
    FileNotFoundError
        When the file does not exist.
    ValueError
        For an unknown format, a file that is not UTF-8 text (or not gzip although named
        ``.gz``, or not parquet), or a malformed motif (naming the file and line).

    Examples
    --------
    The extension picks the reader; ``format=`` overrides it:

    >>> import pathlib, tempfile
    >>> from iqmodel.io import read_motifs
    >>> text = ">m1\n1 0 0 0\n0 0.5 0.5 0\n"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "m1.pfm")
    ...     _ = path.write_text(text)
    ...     from_extension = read_motifs(path)
    ...     other = pathlib.Path(folder, "m1.txt")
    ...     _ = other.write_text(text)
    ...     forced = read_motifs(other, format="jaspar")
    >>> from_extension[0].pwm.tolist() == forced[0].pwm.tolist(), forced[0].length
    (True, 2)
    >>> read_motifs("motifs.xyz")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cannot tell the motif format of motifs.xyz from its extension '.xyz'; ...
    """
    path = _path(path)
    return _READERS[_format_of(path, format)](path)


def write_motifs(motifs: Iterable[Motif], path, format: str | None = None) -> None:
    """Write motifs in the format given by ``format`` or by the extension of ``path``.

    Parameters
    ----------
    motifs : iterable of Motif
        Motifs to write (at least one); names without whitespace except for tables.
    path : str or Path
        Target file (extensions as for :func:`read_motifs`), written atomically.
    format : {"meme", "jaspar", "homer", "table"}, optional
        Overrides the extension.

    Raises
    ------
    TypeError
        When ``motifs`` is a single Motif or holds something else.
    ValueError
        For an unknown format or extension, an empty ``motifs``, or a name the format
        cannot store.

    Examples
    --------
    Any format reads back the same probabilities (to 8 significant digits):

    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from iqmodel.io import load_motif_db, read_motifs, write_motifs
    >>> motifs = load_motif_db("jaspar2024")[:3]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name in ("m.meme", "m.jaspar", "m.motif", "m.parquet", "m.csv.gz"):
    ...         path = pathlib.Path(folder, name)
    ...         write_motifs(motifs, path)
    ...         back = read_motifs(path)
    ...         same = all(np.allclose(a.pwm, b.pwm) for a, b in zip(motifs, back))
    ...         print(name, len(back), same)
    m.meme 3 True
    m.jaspar 3 True
    m.motif 3 True
    m.parquet 3 True
    m.csv.gz 3 True
    """
    path = _path(path)
    _WRITERS[_format_of(path, format)](motifs, path)


def load_motif_db(name_or_path) -> list[Motif]:
    """Load a bundled motif database by name, or any motif file by path.

    Parameters
    ----------
    name_or_path : str or Path
        ``"jaspar2024"`` (any case): the bundled JASPAR 2024 CORE vertebrates, non-redundant
        (879 motifs, named by matrix ID with the TF name as ``alt_name``,
        ``source="JASPAR2024"``). An existing file is read with :func:`read_motifs`. Otherwise
        a JASPAR release through the optional ``pyjaspar`` package (see
        :mod:`iqmodel.io.jaspar_releases`): ``"JASPAR2026"`` (CORE vertebrates of that
        release), ``"JASPAR2024:UNVALIDATED"`` (a collection, every tax group) or
        ``"JASPAR2022:CORE:plants"``.

    Returns
    -------
    list of Motif
        The motifs of the database or file, in its order.

    Raises
    ------
    TypeError
        When ``name_or_path`` is neither a str nor a path (e.g. None).
    ValueError
        For a name that is neither a bundled database, an existing file nor a JASPAR name, a
        JASPAR release, collection or tax group that does not exist (the message lists
        those that do), or a file that cannot be read (see :func:`read_motifs`).
    MissingDependencyError
        For a JASPAR release when pyjaspar is not installed (``pip install iqmodel[jaspar]``).

    See Also
    --------
    bundled_motif_dbs : The names of the bundled databases.
    iqmodel.io.jaspar_releases.load_jaspar : Other JASPAR releases and collections.

    Examples
    --------
    >>> from iqmodel.io import load_motif_db
    >>> motifs = load_motif_db("JASPAR2024")
    >>> len(motifs), motifs[0].name, motifs[0].alt_name, motifs[0].source
    (879, 'MA0004.1', 'Arnt', 'JASPAR2024')
    >>> [m.name for m in motifs if m.alt_name == "GATA1"]
    ['MA0035.5']
    >>> load_motif_db("no_such_db")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown motif database 'no_such_db': it is neither a bundled database ...
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(
            "name_or_path must be a bundled motif database name "
            f"({', '.join(repr(name) for name in _BUNDLED)}) or the path of a motif file (a "
            f"str or pathlib.Path); got {type(name_or_path).__name__}"
        )
    if isinstance(name_or_path, str) and name_or_path.lower() in _BUNDLED:
        file_name, source = _BUNDLED[name_or_path.lower()]
        with resources.as_file(resources.files("iqmodel.data") / file_name) as path:
            return read_meme(path, source=source)
    path = Path(name_or_path)
    if path.is_file():
        return read_motifs(path)
    from iqmodel.io.jaspar_releases import load_jaspar, parse_jaspar_name

    if isinstance(name_or_path, str) and parse_jaspar_name(name_or_path) is not None:
        return load_jaspar(name_or_path)
    raise ValueError(
        f"unknown motif database {str(name_or_path)!r}: it is neither a bundled database "
        f"({', '.join(_BUNDLED)}), an existing file nor a JASPAR release name "
        "(JASPAR<YEAR>[:<COLLECTION>[:<TAX_GROUP>]], e.g. JASPAR2026; see "
        "`iqmodel motifs list --available`)"
    )


def bundled_motif_dbs() -> dict[str, str]:
    """The motif databases shipped with iqmodel (no extra package needed).

    Returns
    -------
    dict of str to str
        Name (as :func:`load_motif_db` takes it) -> the file it reads, in ``iqmodel/data``.

    Examples
    --------
    >>> from iqmodel.io import bundled_motif_dbs
    >>> bundled_motif_dbs()
    {'jaspar2024': 'JASPAR2024_CORE_vertebrates_nonredundant.meme.gz'}
    """
    return {name: file_name for name, (file_name, _) in _BUNDLED.items()}
