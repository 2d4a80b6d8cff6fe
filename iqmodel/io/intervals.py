"""Genomic intervals: peak files (BED, narrowPeak, tables), TSS files, resizing and distances.

Coordinates are 0-based and half-open everywhere (``[start, end)``, as in BED). Every peak set
returned here is a :class:`pandas.DataFrame` with at least the columns ``chrom`` (str),
``start``, ``end`` (int64) and ``name`` (str, unique), optionally ``summit`` (nullable Int64,
offset of the summit from ``start`` in bp). :func:`check_peaks` validates such a frame; the
track readers in :mod:`iqmodel.io.tracks` and :func:`iqmodel.io.genome.extract_sequences` call it.

Files are UTF-8 text and may be gzipped (detected from their first bytes, whatever their name);
a binary file, a file in another encoding or a ``.gz`` file that is not gzip gives a ValueError
naming the file.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from iqmodel._validation import format_names
from iqmodel.io._atomic import existing_file, open_text

__all__ = [
    "check_peaks",
    "merge_overlapping",
    "read_peaks",
    "read_tss",
    "resize_intervals",
    "tss_distance",
]

_MAX_SHOWN = 5
_CHROM_ALIASES = ("chrom", "chr", "chromosome", "seqnames", "seqname", "chrom_name")
_START_ALIASES = ("start", "chromstart", "chrom_start")
_END_ALIASES = ("end", "chromend", "chrom_end")
_NAME_ALIASES = ("name", "peak", "peak_name", "peak_id", "id")
_GTF_SUFFIXES = (".gtf", ".gff", ".gff3")
_TSS_FEATURES = ("transcript", "gene")
_ATTRIBUTE_KEYS = ("gene_name", "gene_id", "Name", "ID")
_MISSING = ("", ".", "NA", "nan", "NaN", "<NA>", "None")


# ----------------------------------------------------------------------------- file plumbing


def _suffix(path: Path) -> str:
    """Extension without a trailing ``.gz``, lower case (``x.bed.gz`` -> ``.bed``)."""
    name = path.name.lower()
    return Path(name[:-3] if name.endswith(".gz") else name).suffix


def _is_comment(text: str) -> bool:
    return not text or text.startswith("#") or text.split(maxsplit=1)[0] in ("track", "browser")


def _data_lines(path: Path, what: str, keep=None) -> tuple[list[str], np.ndarray]:
    """Non-comment, non-blank lines (those passing ``keep``, if given) and their 1-based
    line numbers."""
    lines, numbers = [], []
    with open_text(path, what=what) as handle:
        for number, line in enumerate(handle, 1):
            text = line.rstrip("\r\n")
            if not _is_comment(text.strip()) and (keep is None or keep(text)):
                lines.append(text)
                numbers.append(number)
    return lines, np.asarray(numbers, dtype=np.int64)


def _first_data_line(path: Path, what: str) -> str | None:
    with open_text(path, what=what) as handle:
        for line in handle:
            text = line.rstrip("\r\n")
            if not _is_comment(text.strip()):
                return text
    return None


def _separator(path: Path, first: str) -> str | None:
    """Field separator of a text table: tab, comma, or None (runs of whitespace)."""
    if "\t" in first:
        return "\t"
    if _suffix(path) == ".csv" or "," in first:
        return ","
    return None


def _split(lines: list[str], sep: str | None) -> list[list[str]]:
    if sep is None:
        return [line.split() for line in lines]
    return [[field.strip() for field in line.split(sep)] for line in lines]


def _find_column(columns, aliases) -> str | None:
    lower = {str(column).strip().lower(): column for column in columns}
    for alias in aliases:
        if alias in lower:
            return lower[alias]
    return None


def _shown_rows(where: np.ndarray, describe) -> str:
    """``"line 3 (...); line 9 (...)"`` for the first few bad rows, with the total."""
    shown = "; ".join(describe(i) for i in where[:_MAX_SHOWN])
    if len(where) > _MAX_SHOWN:
        shown += f"; ... ({len(where)} in total)"
    return shown


# ----------------------------------------------------------------------------- peak frames


def default_names(chrom, start, end) -> np.ndarray:
    """``chrom_start_end`` names (as in the R ``peak_name`` column)."""
    chrom = np.asarray(chrom, dtype=object).astype(str)
    start = np.asarray(start).astype(np.int64).astype(str)
    end = np.asarray(end).astype(np.int64).astype(str)
    return np.char.add(np.char.add(np.char.add(np.char.add(chrom, "_"), start), "_"), end).astype(
        object
    )


def _integers(values, column: str, origin: str, locate) -> np.ndarray:
    """Integer coordinates, or a ValueError naming the first few non-integer rows."""
    raw = pd.Series(values).reset_index(drop=True)
    numeric = pd.to_numeric(raw, errors="coerce")
    as_float = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(as_float) | (as_float != np.floor(as_float))
    if bad.any():
        where = np.flatnonzero(bad)
        shown = _shown_rows(where, lambda i: f"{locate(i)}: {raw.iloc[i]!r}")
        raise ValueError(
            f"{origin}: column {column!r} must hold integer coordinates, but "
            f"{len(where)} row(s) do not: {shown}"
        )
    return as_float.astype(np.int64)


def _standardize(
    chrom,
    start,
    end,
    name,
    summit,
    *,
    origin: str,
    locate,
    fix_names: str,
) -> pd.DataFrame:
    """Validate coordinates and names; return the canonical peak frame."""
    start = _integers(start, "start", origin, locate)
    end = _integers(end, "end", origin, locate)
    chrom = np.asarray(chrom, dtype=object).astype(str)
    if not len(start):
        raise ValueError(f"{origin}: the peak set is empty; it needs at least one interval")
    negative = np.flatnonzero(start < 0)
    if len(negative):
        shown = _shown_rows(negative, lambda i: f"{locate(i)}: start {start[i]}")
        raise ValueError(
            f"{origin}: {len(negative)} interval(s) have a negative start ({shown}); "
            "coordinates are 0-based, so start must be >= 0"
        )
    empty = np.flatnonzero(start >= end)
    if len(empty):
        shown = _shown_rows(empty, lambda i: f"{locate(i)}: {chrom[i]}:{start[i]}-{end[i]}")
        raise ValueError(
            f"{origin}: {len(empty)} interval(s) have start >= end ({shown}); intervals are "
            "0-based half-open [start, end) and must not be empty; fix or drop these rows"
        )
    names = default_names(chrom, start, end)
    if name is not None:
        given = np.asarray(name, dtype=object).astype(str)
        usable = (given != ".") & (given != "") & (given != "nan")
        names = np.where(usable, given, names)
    index = pd.Index(names)
    if not index.is_unique:
        repeated = index[index.duplicated(keep=False)]
        where = np.flatnonzero(index.isin(repeated.unique()))
        shown = _shown_rows(where, lambda i: f"{locate(i)}: {names[i]!r}")
        raise ValueError(
            f"{origin}: peak names must be unique, but {len(repeated.unique())} name(s) are "
            f"repeated ({shown}); {fix_names}"
        )
    frame = pd.DataFrame(
        {
            "chrom": pd.Series(chrom, dtype=object),
            "start": start,
            "end": end,
            "name": pd.Series(names, dtype=object),
        }
    )
    if summit is not None:
        frame["summit"] = _summits(summit, start, end, origin, locate)
    return frame


def _summits(summit, start, end, origin: str, locate) -> pd.Series:
    raw = pd.Series(summit).reset_index(drop=True)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    blank = raw.isna().to_numpy() | raw.astype(str).str.strip().isin(_MISSING).to_numpy()
    with np.errstate(invalid="ignore"):
        bad = (np.isfinite(values) & (values != np.floor(values))) | (np.isnan(values) & ~blank)
    missing = ~np.isfinite(values) | (values < 0)
    width = end - start
    outside = ~missing & (values >= width)
    problems = np.flatnonzero(bad | outside)
    if len(problems):
        shown = _shown_rows(
            problems, lambda i: f"{locate(i)}: summit {raw.iloc[i]!r}, width {width[i]}"
        )
        raise ValueError(
            f"{origin}: {len(problems)} summit offset(s) are not integers in [0, end - start) "
            f"({shown}); the summit column is the offset from start (-1 when unknown)"
        )
    values[missing] = np.nan
    return pd.Series(values, dtype="Float64").astype("Int64")


def check_peaks(peaks: pd.DataFrame, what: str = "peaks") -> pd.DataFrame:
    """Validate a peak DataFrame and return it in canonical form.

    Parameters
    ----------
    peaks : DataFrame
        One row per interval with columns ``chrom``, ``start``, ``end`` (0-based half-open,
        bp); optionally ``name`` (unique; missing or ``"."`` names become
        ``chrom_start_end``) and ``summit`` (offset from ``start``, bp). Column names are
        matched case-insensitively (``chr``, ``seqnames`` and ``chromStart`` also work).
    what : str, default "peaks"
        Name of the argument, for error messages.

    Returns
    -------
    DataFrame, shape (n_peaks, n_columns)
        Columns ``chrom`` (str), ``start``, ``end`` (int64), ``name`` (str), ``summit``
        (Int64, if given), then the other columns unchanged; a fresh RangeIndex.

    Raises
    ------
    TypeError
        When ``peaks`` is not a DataFrame.
    ValueError
        For missing coordinate columns, non-integer or negative coordinates, empty intervals
        (start >= end), repeated names or an empty frame.

    Examples
    --------
    Column names are matched by alias; a ``"."`` name becomes ``chrom_start_end``:

    >>> import pandas as pd
    >>> from iqmodel.io import check_peaks
    >>> raw = pd.DataFrame(
    ...     {
    ...         "Chr": ["chr1", "chr2"],
    ...         "chromStart": [100, 50],
    ...         "chromEnd": [600, 250],
    ...         "name": ["p1", "."],
    ...         "score": [7, 3],
    ...     }
    ... )
    >>> peaks = check_peaks(raw)
    >>> list(peaks.columns)
    ['chrom', 'start', 'end', 'name', 'score']
    >>> peaks["name"].tolist(), peaks["end"].tolist()
    (['p1', 'chr2_50_250'], [600, 250])

    Empty intervals are an error naming the rows:

    >>> check_peaks(raw.assign(chromEnd=[100, 250]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: peaks: 1 interval(s) have start >= end (row 0: chr1:100-100); ...
    """
    if not isinstance(peaks, pd.DataFrame):
        raise TypeError(
            f"{what} must be a pandas DataFrame with columns chrom, start, end; got "
            f"{type(peaks).__name__}. Read a file with iqmodel.io.read_peaks(path)"
        )
    columns = {
        "chrom": _find_column(peaks.columns, _CHROM_ALIASES),
        "start": _find_column(peaks.columns, _START_ALIASES),
        "end": _find_column(peaks.columns, _END_ALIASES),
    }
    missing = [key for key, column in columns.items() if column is None]
    if missing:
        raise ValueError(
            f"{what} lacks the column(s) {', '.join(missing)}; it has "
            f"[{format_names(peaks.columns)}]. A peak table needs chrom, start, end "
            "(0-based half-open) and optionally name"
        )
    name_column = _find_column(peaks.columns, _NAME_ALIASES)
    summit_column = _find_column(peaks.columns, ("summit",))
    frame = _standardize(
        peaks[columns["chrom"]],
        peaks[columns["start"]],
        peaks[columns["end"]],
        None if name_column is None else peaks[name_column],
        None if summit_column is None else peaks[summit_column],
        origin=what,
        locate=lambda i: f"row {i}",
        fix_names="give every peak a unique name, or drop the name column to use chrom_start_end",
    )
    used = {*columns.values(), name_column, summit_column}
    for column in peaks.columns:
        if column not in used and column not in frame.columns:
            frame[column] = peaks[column].reset_index(drop=True)
    return frame


def peak_names(peaks: pd.DataFrame) -> pd.Index:
    """Names of a canonical peak frame as an Index (``chrom_start_end`` without a name column)."""
    if "name" in peaks.columns:
        return pd.Index(peaks["name"].astype(str).to_numpy(dtype=object), dtype=object)
    return pd.Index(default_names(peaks["chrom"], peaks["start"], peaks["end"]), dtype=object)


# ----------------------------------------------------------------------------- peak files


def read_peaks(path) -> pd.DataFrame:
    r"""Read a peak file: BED, narrowPeak, or a TSV/CSV table with a header.

    * **BED** (3 or more columns, no header): ``chrom start end [name ...]``; ``#``,
      ``track`` and ``browser`` lines and blank lines are skipped.
    * **narrowPeak** (BED6+4, 10 columns): as BED, plus ``summit`` from column 10 (offset of
      the summit from ``start``; ``-1`` = unknown, stored as ``<NA>``). Every line must have
      the 10 columns: a file where only some lines do is an error (naming the first lines
      that do not), because neither reading it as BED (all summits dropped) nor using the
      summits where present (some peaks centred on summits, others on midpoints) is what the
      file meant.
    * **Table**: a header line naming ``chrom``, ``start``, ``end`` (case-insensitive; also
      ``chr``/``seqnames``/``chromStart``/``chromEnd``) and optionally ``name`` (or ``peak``,
      ``peak_name``, ``peak_id``) and ``summit``; other columns are kept. Tab, comma (``.csv``)
      or whitespace separated.

    The name of a peak is column 4 (or the name column) when present and not ``"."``,
    otherwise ``chrom_start_end`` of the interval as written in the file.

    Parameters
    ----------
    path : str or Path
        Peak file, optionally gzipped. A DataFrame is also accepted and goes through
        :func:`check_peaks`.

    Returns
    -------
    DataFrame, shape (n_peaks, 4 or more)
        ``chrom`` (str), ``start``, ``end`` (int64, 0-based half-open, bp), ``name`` (str,
        unique), ``summit`` (Int64, narrowPeak only), then any extra table columns; in file
        order.

    Raises
    ------
    TypeError
        When ``path`` is neither a path nor a DataFrame.
    FileNotFoundError
        When the file does not exist.
    ValueError
        Naming the file and line: fewer than 3 columns, some lines with the 10 narrowPeak
        columns and some without, non-integer or negative coordinates, start >= end, repeated
        names, or no peak at all; or naming the file: not UTF-8 text (e.g. binary), or a
        ``.gz`` file that is not gzip.

    Examples
    --------
    A narrowPeak file with a ``track`` line; the summit of the second peak is unknown:

    >>> import pathlib, tempfile
    >>> from iqmodel.io import read_peaks
    >>> text = (
    ...     "track name=peaks\n"
    ...     "chr1\t100\t600\tp1\t0\t.\t5.0\t-1\t-1\t250\n"
    ...     "chr1\t900\t1400\tp2\t0\t.\t5.0\t-1\t-1\t-1\n"
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "peaks.narrowPeak")
    ...     _ = path.write_text(text)
    ...     peaks = read_peaks(path)
    >>> list(peaks.columns)
    ['chrom', 'start', 'end', 'name', 'summit']
    >>> peaks["start"].tolist(), peaks["summit"].tolist()
    ([100, 900], [250, <NA>])

    A 3-column BED, gzipped; peaks are named ``chrom_start_end``:

    >>> import gzip
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "peaks.bed.gz")
    ...     _ = path.write_bytes(gzip.compress(b"chr2\t10\t20\nchr2\t30\t45\n"))
    ...     peaks = read_peaks(path)
    >>> peaks["name"].tolist(), (peaks["end"] - peaks["start"]).tolist()
    (['chr2_10_20', 'chr2_30_45'], [10, 15])
    """
    if isinstance(path, pd.DataFrame):
        return check_peaks(path)
    path = existing_file(path, what="peak file")
    lines, numbers = _data_lines(path, "peak file")
    origin = str(path)
    if not lines:
        raise ValueError(
            f"{origin}: the peak set is empty (no data lines); expected BED, narrowPeak or a "
            "table with chrom, start, end columns"
        )
    sep = _separator(path, lines[0])
    rows = _split(lines, sep)
    header = [field.lower() for field in rows[0]]
    if (
        _find_column(header, _CHROM_ALIASES) is not None
        and _find_column(header, _START_ALIASES) is not None
        and _find_column(header, _END_ALIASES) is not None
    ):
        return _read_peak_table(path, lines, numbers, sep)
    short = [i for i, row in enumerate(rows) if len(row) < 3]
    if short:
        shown = _shown_rows(np.asarray(short), lambda i: f"line {numbers[i]}: {lines[i]!r}")
        raise ValueError(
            f"{origin}: {len(short)} line(s) have fewer than 3 fields ({shown}); a BED line "
            "is chrom, start, end[, name, ...] separated by tabs"
        )
    narrow = _narrowpeak(rows, lines, numbers, origin)
    return _standardize(
        [row[0] for row in rows],
        [row[1] for row in rows],
        [row[2] for row in rows],
        [row[3] if len(row) > 3 else "." for row in rows],
        [row[9] for row in rows] if narrow else None,
        origin=origin,
        locate=lambda i: f"line {numbers[i]}",
        fix_names="give every peak a unique name in column 4, or set column 4 to '.' to name "
        "peaks chrom_start_end",
    )


def _narrowpeak(rows: list[list[str]], lines, numbers, origin: str) -> bool:
    """Whether every line has the 10 narrowPeak columns; an error when only some do."""
    narrow = np.array([len(row) == 10 for row in rows])
    if narrow.all() or not narrow.any():
        return bool(narrow.all())
    other = np.flatnonzero(~narrow)
    shown = _shown_rows(
        other, lambda i: f"line {numbers[i]} has {len(rows[i])} columns: {lines[i]!r}"
    )
    raise ValueError(
        f"{origin}: {int(narrow.sum())} of {len(rows)} lines have the 10 narrowPeak columns "
        f"(summit offset in column 10) but {len(other)} do not ({shown}); the summits cannot be "
        "used for some peaks and not others. Give every line all 10 columns (summit -1 when "
        "unknown), or keep only the BED columns (`cut -f1-6`) to centre every peak on its "
        "midpoint"
    )


def _read_peak_table(path: Path, lines, numbers, sep) -> pd.DataFrame:
    text = "\n".join(lines)
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=sep if sep is not None else r"\s+",
            dtype=str,
            keep_default_na=False,
        )
    except pd.errors.ParserError as error:
        raise ValueError(f"{path}: cannot parse the peak table: {error}") from error
    table.columns = [str(column).strip() for column in table.columns]
    chrom = _find_column(table.columns, _CHROM_ALIASES)
    start = _find_column(table.columns, _START_ALIASES)
    end = _find_column(table.columns, _END_ALIASES)
    name = _find_column(table.columns, _NAME_ALIASES)
    summit = _find_column(table.columns, ("summit",))
    frame = _standardize(
        table[chrom],
        table[start],
        table[end],
        None if name is None else table[name],
        None if summit is None else table[summit],
        origin=str(path),
        locate=lambda i: f"line {numbers[i + 1]}",
        fix_names=f"give every peak a unique name in column {name!r}, or drop that column to "
        "name peaks chrom_start_end",
    )
    for column in table.columns:
        if column not in (chrom, start, end, name, summit) and column not in frame.columns:
            values = table[column]
            numeric = pd.to_numeric(values, errors="coerce")
            frame[column] = (numeric if numeric.notna().all() else values).to_numpy()
    return frame


# ----------------------------------------------------------------------------- resizing


def resize_intervals(peaks: pd.DataFrame, size: int, chrom_sizes=None) -> pd.DataFrame:
    """Centre each interval on its summit (or midpoint) and give it exactly ``size`` bp.

    The centre is ``c = start + summit`` when a summit is known, else
    ``floor((start + end) / 2)``; the new interval is ``[c - size // 2, c - size // 2 + size)``
    (spec 1.1). An interval that would start before 0, or end past its chromosome when
    ``chrom_sizes`` is given, is shifted inside the chromosome keeping its full width, so all
    intervals have the same width (the regression needs equal-length sequences).

    Parameters
    ----------
    peaks : DataFrame
        Peak frame (see :func:`check_peaks`).
    size : int
        Width of every output interval, bp (> 0).
    chrom_sizes : Mapping of str to int, optional
        Chromosome lengths, bp (e.g. ``Genome.chrom_sizes``). Without it, only the start of
        the chromosome (0) bounds the intervals.

    Returns
    -------
    DataFrame, shape (n_peaks, n_columns + 2)
        A copy with new ``start``/``end``, ``summit`` updated to the offset of the centre in
        the new interval, and the input coordinates in ``orig_start``/``orig_end`` (kept as
        they are when already present, so they always refer to the file's coordinates).
        Names and other columns are unchanged.

    Raises
    ------
    ValueError
        When ``size`` is not a positive integer, a chromosome is missing from
        ``chrom_sizes`` or is shorter than ``size``, or an input interval ends past its
        chromosome (a peak file of another genome build).

    Notes
    -----
    R (``gintervals.normalize``) builds ``[c - floor(size/2), c + floor(size/2))``, which has
    ``size - 1`` bp for odd sizes, and clamps at chromosome ends, giving shorter intervals;
    here every interval has exactly ``size`` bp and is shifted instead of clamped.

    Examples
    --------
    The first peak is centred on its summit (offset 20), the others on their midpoints;
    the second and third are shifted to stay inside a 1000-bp chromosome:

    >>> import pandas as pd
    >>> from iqmodel.io import resize_intervals
    >>> peaks = pd.DataFrame(
    ...     {
    ...         "chrom": ["chr1", "chr1", "chr1"],
    ...         "start": [100, 10, 950],
    ...         "end": [300, 50, 1000],
    ...         "summit": [20, -1, -1],
    ...     }
    ... )
    >>> resized = resize_intervals(peaks, 100, chrom_sizes={"chr1": 1000})
    >>> resized["start"].tolist(), resized["end"].tolist()
    ([70, 0, 900], [170, 100, 1000])
    >>> resized["summit"].tolist()  # offset of the centre in the new interval
    [50, 30, 75]
    >>> resized["orig_start"].tolist(), resized["name"].tolist()
    ([100, 10, 950], ['chr1_100_300', 'chr1_10_50', 'chr1_950_1000'])
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size <= 0:
        raise ValueError(f"size must be a positive integer (bp), got {size!r}")
    size = int(size)
    peaks = check_peaks(peaks)
    start = peaks["start"].to_numpy()
    end = peaks["end"].to_numpy()
    centre = (start + end) // 2
    if "summit" in peaks.columns:
        summit = peaks["summit"]
        known = summit.notna().to_numpy()
        centre = np.where(known, start + summit.fillna(0).to_numpy(dtype=np.int64), centre)
    new_start = centre - size // 2
    new_start = np.maximum(new_start, 0)
    if chrom_sizes is not None:
        lengths = _chrom_lengths(peaks["chrom"], chrom_sizes)
        short = np.flatnonzero(lengths < size)
        if len(short):
            chroms = pd.unique(peaks["chrom"].to_numpy()[short])
            raise ValueError(
                f"cannot resize to {size} bp: chromosome(s) {format_names(chroms)} are "
                f"shorter than {size} bp; drop their peaks or choose a smaller size"
            )
        outside = np.flatnonzero(end > lengths)
        if len(outside):
            first = peaks.iloc[outside[0]]
            raise ValueError(
                f"{len(outside)} peak(s) end past their chromosome, e.g. {first['name']!r} at "
                f"{first['chrom']}:{first['start']}-{first['end']} on a chromosome of "
                f"{lengths[outside[0]]} bp; check that the peaks and the genome use the same "
                "build"
            )
        new_start = np.minimum(new_start, lengths - size)
    out = peaks.copy()
    if "orig_start" not in out.columns or "orig_end" not in out.columns:
        out["orig_start"] = start
        out["orig_end"] = end
    out["start"] = new_start.astype(np.int64)
    out["end"] = (new_start + size).astype(np.int64)
    if "summit" in out.columns:
        out["summit"] = pd.array(centre - new_start, dtype="Int64")
    return out


def _chrom_lengths(chrom: pd.Series, chrom_sizes) -> np.ndarray:
    sizes = {str(key): int(value) for key, value in dict(chrom_sizes).items()}
    lengths = chrom.map(sizes)
    if lengths.isna().any():
        missing = pd.unique(chrom[lengths.isna()].to_numpy())
        raise ValueError(
            f"chromosome(s) {format_names(missing)} of the peaks are not in chrom_sizes (which "
            f"has {format_names(sizes)}); check the genome build and chromosome naming"
        )
    return lengths.to_numpy(dtype=np.int64)


def merge_overlapping(peaks: pd.DataFrame) -> pd.DataFrame:
    """Canonic union of overlapping or book-ended intervals, per chromosome.

    Parameters
    ----------
    peaks : DataFrame
        Peak frame (see :func:`check_peaks`).

    Returns
    -------
    DataFrame, shape (n_merged, 4)
        ``chrom``, ``start``, ``end``, ``name`` (names of the merged intervals joined by
        ``","`` in start order); chromosomes in order of first appearance, intervals sorted by
        start. Other columns (``summit`` included) are dropped. Merged intervals can be wider
        than the inputs: resize again before extracting equal-length sequences.

    Examples
    --------
    ``a`` and ``b`` overlap, ``c`` touches ``b`` (book-ended), ``d`` stands alone:

    >>> import pandas as pd
    >>> from iqmodel.io import merge_overlapping
    >>> peaks = pd.DataFrame(
    ...     {
    ...         "chrom": ["chr1", "chr1", "chr2", "chr1"],
    ...         "start": [150, 100, 0, 300],
    ...         "end": [300, 200, 10, 400],
    ...         "name": ["b", "a", "d", "c"],
    ...     }
    ... )
    >>> merged = merge_overlapping(peaks)
    >>> merged.to_numpy().tolist()
    [['chr1', 100, 400, 'a,b,c'], ['chr2', 0, 10, 'd']]
    """
    peaks = check_peaks(peaks)
    order = pd.unique(peaks["chrom"].to_numpy())
    rank = pd.Series(np.arange(len(order)), index=order)
    frame = peaks[["chrom", "start", "end", "name"]].assign(
        _rank=peaks["chrom"].map(rank).to_numpy()
    )
    frame = frame.sort_values(["_rank", "start", "end"], kind="stable").reset_index(drop=True)
    rank_values = frame["_rank"].to_numpy()
    start = frame["start"].to_numpy()
    end = frame["end"].to_numpy()
    new_chrom = np.r_[True, rank_values[1:] != rank_values[:-1]]
    # running maximum of the end within each chromosome
    block = np.cumsum(new_chrom)
    running = pd.Series(end).groupby(block).cummax().to_numpy()
    new_group = new_chrom.copy()
    new_group[1:] |= start[1:] > running[:-1]
    group = np.cumsum(new_group)
    grouped = frame.groupby(group, sort=True)
    merged = pd.DataFrame(
        {
            "chrom": grouped["chrom"].first().to_numpy(),
            "start": grouped["start"].min().to_numpy(),
            "end": grouped["end"].max().to_numpy(),
            "name": grouped["name"].agg(",".join).to_numpy(),
        }
    )
    merged["chrom"] = merged["chrom"].astype(object)
    merged["name"] = merged["name"].astype(object)
    return merged


# ----------------------------------------------------------------------------- TSS


def read_tss(path) -> pd.DataFrame:
    r"""Read transcription start sites from a BED or GTF/GFF file.

    * **BED**: with a strand in column 6, the TSS is ``start`` on ``+`` and ``end - 1`` on
      ``-``; without a strand (3-5 columns) it is ``start``. Name: column 4, or
      ``chrom_position``.
    * **GTF/GFF** (``.gtf``, ``.gff``, ``.gff3``, optionally ``.gz``, or 9 tab-separated
      columns): ``transcript`` rows when the file has any, else ``gene`` rows. GTF is 1-based
      inclusive; the TSS (``start`` on ``+``, ``end`` on ``-``) is converted to 0-based.
      Name: the ``gene_name``, ``gene_id``, ``Name`` or ``ID`` attribute (first found).

    Exact duplicates (same chrom, position, strand, name) are dropped.

    Parameters
    ----------
    path : str or Path
        BED or GTF/GFF file, optionally gzipped.

    Returns
    -------
    DataFrame, shape (n_tss, 4)
        ``chrom`` (str), ``position`` (int64, 0-based bp), ``strand`` (``"+"``, ``"-"`` or
        ``"."``), ``name`` (str).

    Raises
    ------
    TypeError
        When ``path`` is not a path.
    FileNotFoundError
        When the file does not exist.
    ValueError
        For non-integer coordinates, a GTF without gene or transcript rows, no TSS at all, or
        a file that is not UTF-8 text (or a ``.gz`` file that is not gzip).

    Examples
    --------
    A GTF (1-based): the TSS of a ``-`` strand gene is its ``end``, converted to 0-based:

    >>> import pathlib, tempfile
    >>> from iqmodel.io import read_tss
    >>> gtf = (
    ...     'chr1\tsrc\tgene\t1001\t2000\t.\t+\t.\tgene_id "g1"; gene_name "Abc";\n'
    ...     'chr1\tsrc\tgene\t5001\t6000\t.\t-\t.\tgene_id "g2";\n'
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "genes.gtf")
    ...     _ = path.write_text(gtf)
    ...     tss = read_tss(path)
    >>> tss.to_numpy().tolist()
    [['chr1', 1000, '+', 'Abc'], ['chr1', 5999, '-', 'g2']]

    A BED6 (0-based, half-open): ``end - 1`` on the ``-`` strand:

    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "tss.bed")
    ...     _ = path.write_text("chr1\t100\t200\tx\t0\t-\nchr1\t300\t400\ty\t0\t+\n")
    ...     read_tss(path)["position"].tolist()
    [199, 300]
    """
    path = existing_file(path, what="TSS file")
    first = _first_data_line(path, "TSS file")
    if first is None:
        raise ValueError(f"{path}: no TSS found (the file has no data lines)")
    if _suffix(path) in _GTF_SUFFIXES or _looks_like_gtf(first):
        tss = _tss_from_gtf(path)
    else:
        tss = _tss_from_bed(path, *_data_lines(path, "TSS file"))
    return tss.drop_duplicates(ignore_index=True)


def _looks_like_gtf(line: str) -> bool:
    fields = line.split("\t")
    return (
        len(fields) == 9
        and fields[3].strip().isdigit()
        and fields[4].strip().isdigit()
        and fields[6].strip() in ("+", "-", ".", "?")
    )


def _tss_from_bed(path: Path, lines, numbers) -> pd.DataFrame:
    rows = _split(lines, _separator(path, lines[0]))
    short = [i for i, row in enumerate(rows) if len(row) < 3]
    if short:
        shown = _shown_rows(np.asarray(short), lambda i: f"line {numbers[i]}: {lines[i]!r}")
        raise ValueError(f"{path}: {len(short)} line(s) have fewer than 3 fields ({shown})")
    locate = lambda i: f"line {numbers[i]}"  # noqa: E731
    chrom = np.asarray([row[0] for row in rows], dtype=object)
    start = _integers([row[1] for row in rows], "start", str(path), locate)
    end = _integers([row[2] for row in rows], "end", str(path), locate)
    strand = np.asarray([row[5] if len(row) > 5 else "." for row in rows], dtype=object)
    strand = np.where(np.isin(strand, ["+", "-"]), strand, ".")
    position = np.where(strand == "-", end - 1, start)
    names = np.asarray([row[3] if len(row) > 3 else "." for row in rows], dtype=object)
    fallback = np.char.add(np.char.add(chrom.astype(str), "_"), position.astype(str))
    names = np.where(np.isin(names, [".", ""]), fallback.astype(object), names)
    return pd.DataFrame(
        {"chrom": chrom, "position": position.astype(np.int64), "strand": strand, "name": names}
    ).astype({"chrom": object, "strand": object, "name": object})


def _tss_from_gtf(path: Path) -> pd.DataFrame:
    seen: dict[str, None] = {}  # feature types in file order, for the error message
    short: list[str] = []

    def keep(text: str) -> bool:
        fields = text.split("\t", 3)
        if len(fields) < 4:
            short.append(text)
            return False
        seen.setdefault(fields[2], None)
        return fields[2] in _TSS_FEATURES

    # streams: only gene/transcript rows are kept
    lines, numbers = _data_lines(path, "TSS file", keep)
    if short:
        raise ValueError(
            f"{path}: {len(short)} line(s) do not have the 9 tab-separated GTF/GFF columns "
            f"(first: {short[0]!r})"
        )
    rows = [line.split("\t") for line in lines]
    bad = [i for i, row in enumerate(rows) if len(row) < 9]
    if bad:
        shown = _shown_rows(np.asarray(bad), lambda i: f"line {numbers[i]}")
        raise ValueError(
            f"{path}: {len(bad)} line(s) do not have the 9 tab-separated GTF/GFF columns ({shown})"
        )
    features = np.asarray([row[2] for row in rows], dtype=object)
    present = [feature for feature in _TSS_FEATURES if (features == feature).any()]
    if not present:
        raise ValueError(
            f"{path}: no 'transcript' or 'gene' rows in this GTF/GFF (features found: "
            f"{format_names(seen)}); TSS are read from transcript or gene rows"
        )
    keep = np.flatnonzero(features == present[0])
    rows = [rows[i] for i in keep]
    locate = lambda i: f"line {numbers[keep[i]]}"  # noqa: E731
    chrom = np.asarray([row[0] for row in rows], dtype=object)
    start = _integers([row[3] for row in rows], "start", str(path), locate)
    end = _integers([row[4] for row in rows], "end", str(path), locate)
    strand = np.asarray([row[6].strip() for row in rows], dtype=object)
    strand = np.where(np.isin(strand, ["+", "-"]), strand, ".")
    position = np.where(strand == "-", end, start) - 1  # 1-based -> 0-based
    names = [_attribute_name(row[8]) for row in rows]
    names = np.asarray(
        [name if name else f"{c}_{p}" for name, c, p in zip(names, chrom, position, strict=True)],
        dtype=object,
    )
    return pd.DataFrame(
        {"chrom": chrom, "position": position.astype(np.int64), "strand": strand, "name": names}
    ).astype({"chrom": object, "strand": object, "name": object})


_ATTRIBUTE_PATTERNS = {
    key: re.compile(rf'(?:^|;)\s*{key}(?:\s+"?|=)([^";]+)') for key in _ATTRIBUTE_KEYS
}


def _attribute_name(attributes: str) -> str | None:
    for key in _ATTRIBUTE_KEYS:
        match = _ATTRIBUTE_PATTERNS[key].search(attributes)
        if match:
            return match.group(1).strip()
    return None


def tss_distance(peaks: pd.DataFrame, tss: pd.DataFrame) -> np.ndarray:
    """Distance from each peak to the nearest TSS, bp.

    The distance between a peak ``[start, end)`` and a TSS at ``p`` is the distance from
    ``p`` to the closest base of the peak: ``start - p`` when ``p < start``,
    ``p - (end - 1)`` when ``p >= end``, and 0 when the TSS lies inside the peak. Strand is
    ignored.

    Parameters
    ----------
    peaks : DataFrame
        Peak frame (see :func:`check_peaks`).
    tss : DataFrame
        With columns ``chrom`` and ``position`` (0-based bp), as from :func:`read_tss`.

    Returns
    -------
    ndarray of float64, shape (n_peaks,)
        Absolute distances, bp; NaN for peaks on chromosomes that have no TSS.

    Raises
    ------
    ValueError
        When ``tss`` lacks the ``chrom`` or ``position`` column or has missing positions,
        or ``peaks`` is not a valid peak frame.

    Examples
    --------
    >>> import pandas as pd
    >>> from iqmodel.io import tss_distance
    >>> peaks = pd.DataFrame(
    ...     {"chrom": ["chr1", "chr1", "chr2"], "start": [100, 1000, 0], "end": [200, 1100, 10]}
    ... )
    >>> tss = pd.DataFrame({"chrom": ["chr1", "chr1"], "position": [150, 1200]})
    >>> tss_distance(peaks, tss).tolist()  # inside; 1200 - 1099; no TSS on chr2
    [0.0, 101.0, nan]
    """
    peaks = check_peaks(peaks)
    if not isinstance(tss, pd.DataFrame) or not {"chrom", "position"} <= set(tss.columns):
        raise ValueError(
            "tss must be a DataFrame with columns chrom and position (0-based); read one "
            "with iqmodel.io.read_tss(path)"
        )
    position = pd.to_numeric(tss["position"], errors="coerce")
    if position.isna().any():
        raise ValueError("tss['position'] must be integer positions; found missing values")
    by_chrom = {
        str(chrom): np.sort(values.to_numpy(dtype=np.int64))
        for chrom, values in position.groupby(tss["chrom"].astype(str).to_numpy())
    }
    distance = np.full(len(peaks), np.nan)
    for chrom, rows in peaks.groupby("chrom", sort=False).indices.items():
        positions = by_chrom.get(str(chrom))
        if positions is None or not len(positions):
            continue
        start = peaks["start"].to_numpy()[rows]
        last = peaks["end"].to_numpy()[rows] - 1
        right = np.searchsorted(positions, start, side="left")  # first TSS >= start
        n = len(positions)
        after = positions[np.minimum(right, n - 1)]
        inside = (right < n) & (after <= last)
        to_right = np.where(right < n, after - last, np.iinfo(np.int64).max).astype(np.float64)
        before = positions[np.maximum(right - 1, 0)]
        to_left = np.where(right > 0, start - before, np.iinfo(np.int64).max).astype(np.float64)
        distance[rows] = np.where(inside, 0.0, np.minimum(to_left, to_right))
    return distance
