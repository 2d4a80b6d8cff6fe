"""ATAC signal per peak and cell state: bigWig tracks, count tables and 10x fragment files.

Three sources give the raw matrix ``M[p, t]`` of spec 9 (peaks x states):

* :func:`bigwig_signal`: one bigWig per state; the signal summed (or averaged) over each peak
  and over a regional window around it;
* :func:`read_counts_table`: a ready-made peaks x states table (TSV/CSV);
* :func:`fragment_counts`: a 10x ``fragments.tsv.gz`` plus a barcode -> state table; Tn5
  insertions are counted per peak and per regional window.

bigWig and fragment readers return a :class:`TrackSignal`. Its ``regional`` sums cover
``[start - window // 2, end + window // 2)`` clamped to the chromosome and *include* the peak;
the punctured background ``u_p`` of spec 9.3 is ``regional - peak``.
"""

from __future__ import annotations

import heapq
import io
import itertools
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from iqmodel._validation import format_names
from iqmodel.exceptions import IQModelWarning
from iqmodel.io._atomic import UnreadableFileError, existing_file, open_text, read_text
from iqmodel.io.intervals import (
    _CHROM_ALIASES,
    _END_ALIASES,
    _NAME_ALIASES,
    _START_ALIASES,
    _find_column,
    _suffix,
    check_peaks,
    default_names,
    peak_names,
)

__all__ = ["TrackSignal", "bigwig_signal", "fragment_counts", "read_counts_table"]

_MAX_SHOWN = 5
_STATS = ("sum", "mean")
_BLOCK = 2_000_000  # bp of bigWig intervals held in memory at once
_GAP = 100_000  # query ranges closer than this are read in one pass
_BIGWIG_MAGIC = 0x888FFC26
_BIGBED_MAGIC = 0x8789F2EB
_BARCODE_HEADER = ("barcode", "barcodes", "cell", "cell_barcode", "cb", "cell_id")


class TrackSignal(NamedTuple):
    """Signal of each peak per state, and of a regional window around it.

    Attributes
    ----------
    peak : DataFrame, shape (n_peaks, n_states)
        Signal over each peak (index: peak names; columns: states).
    regional : DataFrame, shape (n_peaks, n_states), or None
        Signal over ``[start - window // 2, end + window // 2)`` clamped to the chromosome,
        the peak included; None when no window was asked for. The punctured background of
        spec 9.3 is ``regional - peak``.
    window : int or None
        Total extension of the regional window, bp (``window // 2`` on each side).
    stats : dict or None
        Bookkeeping of the reader (e.g. fragments without a known barcode); None for bigWigs.

    See Also
    --------
    bigwig_signal, fragment_counts : The readers that return it.

    Examples
    --------
    The punctured regional background is ``regional - peak``:

    >>> import pandas as pd
    >>> from iqmodel.io import TrackSignal
    >>> peak = pd.DataFrame({"s1": [5.0, 1.0]}, index=["p1", "p2"])
    >>> signal = TrackSignal(peak, peak * 4, window=20_000)
    >>> (signal.regional - signal.peak)["s1"].tolist(), signal.stats is None
    ([15.0, 3.0], True)
    """

    peak: pd.DataFrame
    regional: pd.DataFrame | None
    window: int | None
    stats: dict | None = None


def _progress(iterable, enabled: bool, **kwargs):
    if enabled:
        from tqdm.auto import tqdm

        return tqdm(iterable, **kwargs)
    return iterable


def _check_window(window) -> int | None:
    if window is None:
        return None
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window <= 0:
        raise ValueError(
            f"window must be a positive integer (bp) or None for no regional sums, got {window!r}"
        )
    return int(window)


def _examples(values) -> str:
    values = list(values)
    shown = ", ".join(repr(value) for value in values[:_MAX_SHOWN])
    if len(values) > _MAX_SHOWN:
        shown += f", ... ({len(values)} in total)"
    return shown


def _regional_bounds(start, end, window, lengths=None):
    lo = np.maximum(start - window // 2, 0)
    hi = end + window // 2
    if lengths is not None:
        hi = np.minimum(hi, lengths)
    return lo, hi


# ----------------------------------------------------------------------------- bigWig


def _open_bigwig(path):
    import pyBigWig

    text = str(path)
    if not text.startswith(("http://", "https://", "ftp://")):
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such bigWig file")
        with open(path, "rb") as handle:
            head = handle.read(4)
        magic = int.from_bytes(head, "little") if len(head) == 4 else None
        if magic == _BIGBED_MAGIC:
            raise ValueError(f"{path} is a bigBed file, not a bigWig; pass a bigWig signal track")
        if magic != _BIGWIG_MAGIC:
            raise ValueError(
                f"{path} is not a bigWig file (wrong magic number); convert bedGraph with "
                "`bedGraphToBigWig` or pass counts with read_counts_table"
            )
    try:
        bw = pyBigWig.open(text)
    except RuntimeError as error:
        raise ValueError(f"{text}: cannot open as a bigWig file ({error})") from error
    if bw is None or not bw.isBigWig():
        raise ValueError(f"{text} is not a bigWig file")
    return bw


def _intervals(bw, chrom: str, lo: int, hi: int):
    """Starts, ends (clipped to [lo, hi)) and values (NaN -> 0) of the bigWig intervals."""
    found = bw.intervals(chrom, int(lo), int(hi))
    if not found:
        empty = np.empty(0)
        return empty, empty, empty
    flat = np.fromiter(
        itertools.chain.from_iterable(found), dtype=np.float64, count=3 * len(found)
    ).reshape(-1, 3)
    starts = np.maximum(flat[:, 0], lo)
    ends = np.minimum(flat[:, 1], hi)
    values = np.nan_to_num(flat[:, 2], nan=0.0, posinf=0.0, neginf=0.0)
    return starts, ends, values


def _segment_prefix(bw, chrom: str, a: int, b: int, points: np.ndarray) -> np.ndarray:
    """Integral of the signal over ``[a, x)`` for every ``x`` in ``points`` (a <= x <= b)."""
    order = np.argsort(points, kind="stable")
    x = points[order]
    block_lo = np.arange(a, b, _BLOCK, dtype=np.int64)
    cuts = np.r_[0, np.searchsorted(x, block_lo[1:], side="left"), len(x)]
    integral = np.empty(len(x))
    offset = 0.0
    for k, lo in enumerate(block_lo):
        hi = min(lo + _BLOCK, b)
        starts, ends, values = _intervals(bw, chrom, lo, hi)
        cumulative = np.r_[0.0, np.cumsum((ends - starts) * values)]
        xs = x[cuts[k] : cuts[k + 1]]
        i = np.searchsorted(starts, xs, side="right") - 1
        j = np.maximum(i, 0)
        if len(starts):
            partial = np.clip(np.minimum(xs, ends[j]) - starts[j], 0.0, None) * values[j]
            inside = np.where(i >= 0, cumulative[j] + partial, 0.0)
        else:
            inside = np.zeros(len(xs))
        integral[cuts[k] : cuts[k + 1]] = offset + inside
        offset += cumulative[-1]
    out = np.empty(len(x))
    out[order] = integral
    return out


def _prefix_at(bw, chrom: str, lo: np.ndarray, hi: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Signal integrals at ``points`` (n, m), consistent within each covering range [lo, hi).

    Ranges are merged into segments (closer than ``_GAP`` bp), each read once from the bigWig;
    differences of two values of the same row are exact range sums.
    """
    n, m = points.shape
    order = np.argsort(lo, kind="stable")
    lo_sorted, hi_sorted = lo[order], hi[order]
    running = np.maximum.accumulate(hi_sorted)
    first = np.flatnonzero(np.r_[True, lo_sorted[1:] > running[:-1] + _GAP])
    seg_lo = lo_sorted[first]
    seg_hi = np.maximum.reduceat(hi_sorted, first)
    bounds = np.r_[first, n]
    out = np.empty((n, m))
    for k in range(len(first)):
        rows = order[bounds[k] : bounds[k + 1]]
        values = _segment_prefix(bw, chrom, seg_lo[k], seg_hi[k], points[rows].ravel())
        out[rows] = values.reshape(len(rows), m)
    return out


def _bigwig_state(bw, path, peaks: pd.DataFrame, window, stat: str):
    """Peak and regional values of one bigWig, arrays of shape (n_peaks,)."""
    sizes = bw.chroms()
    chroms = peaks["chrom"].to_numpy()
    missing = pd.Index(pd.unique(chroms)).difference(list(sizes), sort=False)
    if len(missing):
        n_rows = int(np.isin(chroms, missing).sum())
        raise ValueError(
            f"{path}: chromosome(s) {format_names(missing)} of {n_rows} peak(s) are not in this "
            f"bigWig (it has {format_names(sizes)}); use peaks and tracks of the same genome "
            "build and chromosome naming, or drop those peaks, e.g. "
            "peaks[peaks.chrom.isin(list_of_bigwig_chroms)]"
        )
    start = peaks["start"].to_numpy()
    end = peaks["end"].to_numpy()
    lengths = peaks["chrom"].map(sizes).to_numpy(dtype=np.int64)
    past = np.flatnonzero(end > lengths)
    if len(past):
        shown = "; ".join(
            f"{peaks['name'].iat[i]!r} ({chroms[i]}:{start[i]}-{end[i]}, length {lengths[i]})"
            for i in past[:_MAX_SHOWN]
        )
        raise ValueError(
            f"{path}: {len(past)} peak(s) end past their chromosome in this bigWig ({shown}); "
            "the peaks and the track are probably from different genome builds"
        )
    if window is None:
        lo, hi = start, end
        points = np.column_stack([start, end])
    else:
        lo, hi = _regional_bounds(start, end, window, lengths)
        points = np.column_stack([start, end, lo, hi])
    integral = np.empty(points.shape)
    for chrom, rows in peaks.groupby("chrom", sort=False).indices.items():
        integral[rows] = _prefix_at(bw, str(chrom), lo[rows], hi[rows], points[rows])
    peak_sum = integral[:, 1] - integral[:, 0]
    regional = None if window is None else integral[:, 3] - integral[:, 2]
    if stat == "mean":
        peak_sum = peak_sum / (end - start)
        if regional is not None:
            regional = regional / (hi - lo)
    return peak_sum, regional


def bigwig_signal(
    tracks: Mapping,
    peaks: pd.DataFrame,
    *,
    window: int | None = 20_000,
    stat: str = "sum",
    progress: bool = False,
) -> TrackSignal:
    """Signal of one bigWig per state over each peak and its regional window.

    Sums are exact: value x number of bases covered, over the bases of the range; bases
    without data (and NaN values) count as 0. Each chromosome of each bigWig is read once, in
    blocks of intervals, and every range sum is a difference of a cumulative sum over the
    interval breakpoints, so 100k peaks with 20 kb windows take seconds, not per-peak reads.

    Parameters
    ----------
    tracks : Mapping of state to str or Path
        One bigWig file (or URL) per state, e.g. ``{"c1": "c1.bw", "c2": "c2.bw"}``; the
        states become the columns, in mapping order.
    peaks : DataFrame
        Peak frame (``chrom``, ``start``, ``end``, optional ``name``; see
        :func:`iqmodel.io.intervals.check_peaks`).
    window : int or None, default 20000
        Total extension of the regional window, bp: ``[start - window // 2,
        end + window // 2)``, clamped to the chromosome (spec 9.3 uses 2e4 = +-10 kb). None
        skips the regional sums.
    stat : {"sum", "mean"}, default "sum"
        ``"sum"``: signal summed over the range; ``"mean"``: that sum divided by the number of
        bases of the range (bases without data count as 0), i.e. the mean per bp.
    progress : bool, default False
        Show a progress bar over the tracks.

    Returns
    -------
    TrackSignal
        ``peak`` and ``regional`` DataFrames (n_peaks, n_states) indexed by peak name.

    Raises
    ------
    FileNotFoundError
        When a bigWig file does not exist.
    ValueError
        When a file is not a bigWig, a peak chromosome is absent from a bigWig, a peak ends
        past its chromosome, or for an invalid ``window``/``stat``.

    Examples
    --------
    Two tiny bigWigs with signal 1 and 3 per base over ``chr1:[100, 200)``; peak ``a``
    covers 50 of those bases, peak ``b`` none, but its 400-bp regional window all 100:

    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> import pyBigWig
    >>> from iqmodel.io import bigwig_signal
    >>> def write_bigwig(path, value):
    ...     bw = pyBigWig.open(str(path), "w")
    ...     bw.addHeader([("chr1", 1000)])
    ...     bw.addEntries(["chr1"], [100], ends=[200], values=[value])
    ...     bw.close()
    >>> peaks = pd.DataFrame(
    ...     {"chrom": ["chr1", "chr1"], "start": [150, 300], "end": [250, 400], "name": ["a", "b"]}
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     tracks = {"c1": pathlib.Path(folder, "c1.bw"), "c2": pathlib.Path(folder, "c2.bw")}
    ...     write_bigwig(tracks["c1"], 1.0)
    ...     write_bigwig(tracks["c2"], 3.0)
    ...     signal = bigwig_signal(tracks, peaks, window=400)
    ...     mean = bigwig_signal(tracks, peaks, window=None, stat="mean")
    >>> signal.peak.index.tolist(), signal.peak.columns.tolist()
    (['a', 'b'], ['c1', 'c2'])
    >>> signal.peak.to_numpy().tolist()
    [[50.0, 150.0], [0.0, 0.0]]
    >>> signal.regional.to_numpy().tolist()  # [start - 200, end + 200), the peak included
    [[100.0, 300.0], [100.0, 300.0]]
    >>> mean.peak.to_numpy().tolist(), mean.regional is None  # per bp of the peak
    ([[0.5, 1.5], [0.0, 0.0]], True)
    """
    if stat not in _STATS:
        raise ValueError(f"stat must be one of {_STATS}, got {stat!r}")
    window = _check_window(window)
    tracks = _check_tracks(tracks)
    peaks = check_peaks(peaks)
    names = peak_names(peaks)
    peak_values = np.empty((len(peaks), len(tracks)))
    regional_values = None if window is None else np.empty((len(peaks), len(tracks)))
    items = _progress(list(tracks.items()), progress, desc="bigWig tracks", unit="track")
    for column, (_, path) in enumerate(items):
        bw = _open_bigwig(path)
        try:
            peak_sum, regional = _bigwig_state(bw, path, peaks, window, stat)
        finally:
            bw.close()
        peak_values[:, column] = peak_sum
        if regional_values is not None:
            regional_values[:, column] = regional
    states = pd.Index(list(tracks))
    peak = pd.DataFrame(peak_values, index=names, columns=states)
    regional = (
        None
        if regional_values is None
        else pd.DataFrame(regional_values, index=names.copy(), columns=states.copy())
    )
    return TrackSignal(peak, regional, window)


def _check_tracks(tracks) -> dict:
    if isinstance(tracks, (str, Path)) or not isinstance(tracks, Mapping):
        raise TypeError(
            "tracks must be a mapping of state name to bigWig path, e.g. "
            f"{{'c1': 'c1.bw', 'c2': 'c2.bw'}}; got {type(tracks).__name__}"
        )
    if not tracks:
        raise ValueError("tracks is empty; pass one bigWig per state")
    return dict(tracks)


# ----------------------------------------------------------------------------- count tables


def _table_separator(path: Path) -> str | None:
    suffix = _suffix(path)
    if suffix == ".csv":
        return ","
    if suffix in (".tsv", ".txt", ".tab"):
        return "\t"
    return None  # sniffed by pandas' python engine


def _read_table(path: Path, what: str, **kwargs) -> pd.DataFrame:
    """A text table (plain or gzip, see :func:`iqmodel.io._atomic.open_text`) as strings."""
    text = io.StringIO(read_text(path, what=what))
    sep = _table_separator(path)
    try:
        if sep is None:
            return pd.read_csv(text, sep=None, engine="python", **kwargs)
        return pd.read_csv(text, sep=sep, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ValueError(f"{path}: cannot read this {what} ({error})") from error


def _numeric_name_column(values: pd.Series, peaks) -> bool:
    """Whether a first column taken as peak names holds counts instead.

    All values must be numbers; then, with ``peaks``, they are counts unless every value is a
    peak name; without, when a value repeats or is not an integer (unique integers could be
    numeric peak IDs and are accepted).
    """
    text = values.astype(str).str.strip()
    numeric = pd.to_numeric(text, errors="coerce")
    if numeric.isna().any():
        return False
    if peaks is not None:
        return not text.isin(peak_names(check_peaks(peaks))).all()
    as_float = numeric.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        fractional = ~np.isfinite(as_float) | (as_float != np.floor(as_float))
    return bool(text.duplicated().any() or fractional.any())


def read_counts_table(path, peaks: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""Read a peaks x states table of ATAC counts (or any non-negative signal).

    The peak names are the column named ``peak``, ``name``, ``peak_name`` or ``peak_id``
    (case-insensitive); else ``chrom_start_end`` when the table has ``chrom``, ``start``,
    ``end`` columns; else the first column. Every other column is a state; coordinate columns
    are never states.

    A first column of numbers is taken for a state of counts, not for names, and is an error
    (a table written without its peak names): with ``peaks``, unless every value is one of
    their names; without, when a value repeats or is not an integer. Unique integers without
    ``peaks`` are read as numeric peak IDs.

    Parameters
    ----------
    path : str or Path
        TSV (``.tsv``, ``.txt``) or CSV (``.csv``) with a header, optionally gzipped
        (``.gz``); other extensions are sniffed.
    peaks : DataFrame, optional
        Peak frame; when given, the table must have exactly these peaks (by name) and the
        rows are returned in the order of ``peaks``.

    Returns
    -------
    DataFrame of float64, shape (n_peaks, n_states)
        Index: peak names; columns: states.

    Raises
    ------
    TypeError
        When ``path`` is not a path.
    FileNotFoundError
        When the file does not exist.
    ValueError
        For a table without state columns, a first column of counts where the peak names
        should be, non-numeric, missing, infinite or negative values (naming the peak and
        state), repeated peak names, a file that is not UTF-8 text (or a ``.gz`` file that is
        not gzip), or, with ``peaks``, peaks missing from the table or table rows that are not
        peaks.

    Examples
    --------
    With ``peaks``, the rows come back in the order of the peaks:

    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from iqmodel.io import read_counts_table
    >>> peaks = pd.DataFrame(
    ...     {"chrom": ["chr1", "chr1"], "start": [0, 500], "end": [300, 800], "name": ["p2", "p1"]}
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "counts.tsv")
    ...     _ = path.write_text("peak\ts1\ts2\np1\t3\t0\np2\t1\t7\n")
    ...     counts = read_counts_table(path, peaks=peaks)
    >>> counts.index.tolist(), counts.columns.tolist()
    (['p2', 'p1'], ['s1', 's2'])
    >>> counts.to_numpy().tolist()
    [[1.0, 7.0], [3.0, 0.0]]

    Negative values are not counts:

    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "counts.csv")
    ...     _ = path.write_text("peak,s1\np1,-0.5\n")
    ...     read_counts_table(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ...counts.csv: negative count -0.5 for peak 'p1', state 's1' ...
    """
    path = existing_file(path, what="counts table")
    table = _read_table(path, "counts table", dtype=str, keep_default_na=False)
    table.columns = [str(column).strip() for column in table.columns]
    if table.empty:
        raise ValueError(f"{path}: the counts table has no rows")
    name_column = _find_column(table.columns, _NAME_ALIASES)
    coords = [
        _find_column(table.columns, aliases)
        for aliases in (_CHROM_ALIASES, _START_ALIASES, _END_ALIASES)
    ]
    if name_column is not None:
        names = table[name_column].astype(str).to_numpy(dtype=object)
    elif all(column is not None for column in coords):
        try:
            names = default_names(
                table[coords[0]],
                table[coords[1]].astype(np.int64),
                table[coords[2]].astype(np.int64),
            )
        except ValueError as error:
            raise ValueError(f"{path}: non-integer start/end coordinates ({error})") from error
    else:
        name_column = table.columns[0]
        if _numeric_name_column(table[name_column], peaks):
            raise ValueError(_counts_without_names(path, table[name_column], peaks is not None))
        names = table[name_column].astype(str).to_numpy(dtype=object)
    skip = {name_column, *(column for column in coords if column is not None)}
    states = [column for column in table.columns if column not in skip]
    if not states:
        raise ValueError(
            f"{path}: no state columns; the table needs a peak-name column and one column of "
            f"counts per state (columns found: {format_names(table.columns)})"
        )
    values = _count_values(table[states], names, states, path)
    index = pd.Index(names, dtype=object)
    if not index.is_unique:
        repeated = index[index.duplicated()].unique()
        raise ValueError(
            f"{path}: peak names must be unique; repeated: {format_names(repeated)}; "
            "sum or drop the repeated rows"
        )
    counts = pd.DataFrame(values, index=index, columns=pd.Index(states))
    if peaks is None:
        return counts
    return _align_counts(counts, peaks, path)


def _counts_without_names(path: Path, column: pd.Series, with_peaks: bool) -> str:
    example = format_names(pd.unique(column.astype(str).str.strip())[:_MAX_SHOWN])
    like = " named like the peaks (their name column, or chrom_start_end)" if with_peaks else ""
    return (
        f"{path}: the first column ({column.name!r}) holds numbers ({example}), not peak "
        "names: it looks like a column of counts, so the table has no peak names. A counts "
        "table needs the peak names first (or in a column named peak, name, peak_name or "
        "peak_id, or chrom, start, end columns), then one column of counts per state, e.g. a "
        f"header `peak<TAB>s1<TAB>s2`; add the peak names{like} as the first column"
    )


def _count_values(frame: pd.DataFrame, names, states, path: Path) -> np.ndarray:
    values = np.empty(frame.shape)
    for j, state in enumerate(states):
        raw = frame[state]
        numeric = pd.to_numeric(raw.str.strip(), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        blank = raw.str.strip().isin(["", "NA", "NaN", "nan", "NULL", "null"]).to_numpy()
        bad = np.flatnonzero(np.isnan(numeric) & ~blank)
        if len(bad):
            i = bad[0]
            raise ValueError(
                f"{path}: non-numeric value {raw.iat[i]!r} for peak {names[i]!r}, state "
                f"{state!r} ({len(bad)} such value(s) in this column); counts must be numbers"
            )
        bad = np.flatnonzero(np.isnan(numeric) | np.isinf(numeric))
        if len(bad):
            i = bad[0]
            raise ValueError(
                f"{path}: missing or infinite value for peak {names[i]!r}, state {state!r} "
                f"({len(bad)} in this column); fill missing counts with 0 or drop the peak"
            )
        bad = np.flatnonzero(numeric < 0)
        if len(bad):
            i = bad[0]
            raise ValueError(
                f"{path}: negative count {numeric[i]:g} for peak {names[i]!r}, state {state!r} "
                f"({len(bad)} negative value(s) in this column); counts must be >= 0 (pass raw "
                "counts or coverage, not log values)"
            )
        values[:, j] = numeric
    return values


def _align_counts(counts: pd.DataFrame, peaks: pd.DataFrame, path: Path) -> pd.DataFrame:
    peaks = check_peaks(peaks)
    names = peak_names(peaks)
    extra = counts.index.difference(names, sort=False)
    missing = names.difference(counts.index, sort=False)
    if len(extra) or len(missing):
        problems = []
        if len(missing):
            problems.append(
                f"{len(missing)} peak(s) are missing from the table ({_examples(missing)})"
            )
        if len(extra):
            problems.append(f"{len(extra)} table row(s) are not in the peaks ({_examples(extra)})")
        hint = ""
        if "orig_start" in peaks.columns:
            coords = default_names(peaks["chrom"], peaks["orig_start"], peaks["orig_end"])
        else:
            coords = default_names(peaks["chrom"], peaks["start"], peaks["end"])
        if pd.Index(coords).isin(counts.index).mean() > 0.5:
            hint = (
                " The table rows look like chrom_start_end names: drop the peak names "
                "(column 4) from the peak file, or name the table rows like the peaks."
            )
        raise ValueError(
            f"{path}: the counts table and the peaks do not match: {'; '.join(problems)}. "
            "Both must list the same peaks by name (the peak file's name column, or "
            f"chrom_start_end); subset one to the other.{hint}"
        )
    return counts.loc[names]


# ----------------------------------------------------------------------------- fragments


def _barcode_map(barcode_states) -> dict[str, str]:
    if isinstance(barcode_states, Mapping):
        mapping = {str(key): value for key, value in barcode_states.items()}
    else:
        path = existing_file(
            barcode_states, argument="barcode_states", what="barcode -> state table"
        )
        table = _read_table(
            path, "barcode -> state table", header=None, dtype=str, keep_default_na=False
        )
        if table.shape[1] < 2:
            raise ValueError(
                f"{path}: the barcode table needs 2 columns (barcode, state); found "
                f"{table.shape[1]}"
            )
        if str(table.iat[0, 0]).strip().lower() in _BARCODE_HEADER:
            table = table.iloc[1:]
        barcodes = table.iloc[:, 0].str.strip()
        states = table.iloc[:, 1].str.strip()
        pairs = pd.DataFrame({"barcode": barcodes, "state": states}).drop_duplicates()
        conflicting = pairs["barcode"][pairs["barcode"].duplicated()].unique()
        if len(conflicting):
            raise ValueError(
                f"{path}: {len(conflicting)} barcode(s) are assigned to more than one state "
                f"({_examples(conflicting)}); give each barcode one state"
            )
        mapping = dict(zip(pairs["barcode"], pairs["state"], strict=True))
    if not mapping:
        raise ValueError("barcode_states is empty; it needs one (barcode, state) pair per cell")
    return mapping


def _peak_boundaries(peaks: pd.DataFrame, window):
    """Per chromosome: row indices, sorted unique boundaries and the boundary index of each
    peak/regional edge (columns: peak start, peak end[, regional start, regional end])."""
    layout = {}
    start_all = peaks["start"].to_numpy()
    end_all = peaks["end"].to_numpy()
    for chrom, rows in peaks.groupby("chrom", sort=False).indices.items():
        start, end = start_all[rows], end_all[rows]
        edges = [start, end]
        if window is not None:
            edges += list(_regional_bounds(start, end, window))
        edges = np.column_stack(edges)
        bounds = np.unique(edges)
        layout[str(chrom)] = (rows, bounds, np.searchsorted(bounds, edges))
    return layout


def fragment_counts(
    fragments_path,
    barcode_states,
    peaks: pd.DataFrame,
    *,
    window: int | None = 20_000,
    chunk_size: int = 1_000_000,
    progress: bool = False,
) -> TrackSignal:
    r"""Count Tn5 insertions per peak and state from a 10x ``fragments.tsv.gz``.

    Each fragment ``(chrom, start, end, barcode, count)`` has two insertion sites, ``start``
    and ``end - 1`` (0-based); both are counted, once per fragment (the duplicate ``count``
    column is ignored), in the state of the fragment's barcode. An insertion is counted in
    every peak (and regional window) that contains it, so overlapping peaks share insertions.
    The file is streamed in chunks; only per-chromosome histograms between peak boundaries
    are kept, so memory does not grow with the file.

    Parameters
    ----------
    fragments_path : str or Path
        Tab-separated fragments file, optionally gzipped; ``#`` lines are skipped.
    barcode_states : Mapping of str to state, or str or Path
        Barcode -> state, or a 2-column table (barcode, state; TSV/CSV, header optional).
        States become the columns, in order of first appearance.
    peaks : DataFrame
        Peak frame (see :func:`iqmodel.io.intervals.check_peaks`); widths may differ.
    window : int or None, default 20000
        Total extension of the regional window, bp (``window // 2`` on each side, clamped at
        0); None skips the regional counts.
    chunk_size : int, default 1000000
        Fragments read at a time.
    progress : bool, default False
        Show a progress bar over chunks.

    Returns
    -------
    TrackSignal
        ``peak`` and ``regional`` insertion counts (float64, n_peaks x n_states) and
        ``stats``: ``n_fragments`` (read), ``n_fragments_no_state`` (barcode not in
        ``barcode_states``), ``n_barcodes_no_state`` (distinct such barcodes) and
        ``n_fragments_off_peaks_chrom`` (matched fragments on chromosomes without peaks).
        An :class:`~iqmodel.exceptions.IQModelWarning` says how many fragments had no state.

    Raises
    ------
    FileNotFoundError
        When a file does not exist.
    ValueError
        For a malformed fragments file, no fragment at all, or when no fragment's barcode is
        in ``barcode_states``.

    Warns
    -----
    IQModelWarning
        When some fragments have a barcode without a state.

    Examples
    --------
    Fragment ``AAA-1`` puts both its insertions (100 and 149) in peak ``a``; ``BBB-1`` one
    in ``a`` (120) and one in ``b`` (399); ``CCC-1`` has no state:

    >>> import pathlib, tempfile, warnings
    >>> import pandas as pd
    >>> from iqmodel.io import fragment_counts
    >>> fragments = (
    ...     "chr1\t100\t150\tAAA-1\t1\n"
    ...     "chr1\t120\t400\tBBB-1\t2\n"
    ...     "chr1\t180\t190\tCCC-1\t1\n"
    ... )
    >>> peaks = pd.DataFrame(
    ...     {"chrom": ["chr1", "chr1"], "start": [100, 350], "end": [200, 450], "name": ["a", "b"]}
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "fragments.tsv")
    ...     _ = path.write_text(fragments)
    ...     with warnings.catch_warnings(record=True) as caught:
    ...         warnings.simplefilter("always")
    ...         signal = fragment_counts(path, {"AAA-1": "s1", "BBB-1": "s2"}, peaks, window=None)
    >>> signal.peak.columns.tolist(), signal.peak.to_numpy().tolist()
    (['s1', 's2'], [[2.0, 1.0], [0.0, 1.0]])
    >>> signal.stats["n_fragments"], signal.stats["n_fragments_no_state"]
    (3, 1)
    >>> type(caught[0].message).__name__, signal.regional is None
    ('IQModelWarning', True)
    """
    window = _check_window(window)
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, (int, np.integer))
        or chunk_size <= 0
    ):
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    path = existing_file(fragments_path, argument="fragments_path", what="fragments file")
    mapping = _barcode_map(barcode_states)
    peaks = check_peaks(peaks)
    states = pd.Index(pd.unique(pd.Series(list(mapping.values()), dtype=object)))
    known = pd.Index(list(mapping))
    barcode_state = states.get_indexer(list(mapping.values()))
    n_states = len(states)
    layout = _peak_boundaries(peaks, window)
    hist = {
        chrom: np.zeros((n_states, len(bounds) + 1), dtype=np.int64)
        for chrom, (_, bounds, _) in layout.items()
    }
    n_fragments = n_no_state = n_off = 0
    unknown_barcodes: set[str] = set()
    examples_file: list[str] = []
    reader = _read_fragments(path, chunk_size)
    for chunk in _progress(reader, progress, desc="fragments", unit="chunk"):
        n_fragments += len(chunk)
        barcodes = chunk["barcode"].cat
        category_state = np.full(len(barcodes.categories), -1, dtype=np.int64)
        found = known.get_indexer(barcodes.categories.astype(str))
        category_state[found >= 0] = barcode_state[found[found >= 0]]
        codes = np.asarray(barcodes.codes)
        state = category_state[codes]
        no_state = state < 0
        if no_state.any():
            n_no_state += int(no_state.sum())
            present = np.unique(codes[no_state])
            unknown_barcodes.update(barcodes.categories[present].astype(str))
        if len(examples_file) < _MAX_SHOWN:
            examples_file += list(barcodes.categories[:_MAX_SHOWN].astype(str))
        chrom_codes = np.asarray(chunk["chrom"].cat.codes)
        for c, chrom in enumerate(chunk["chrom"].cat.categories.astype(str)):
            rows = np.flatnonzero((chrom_codes == c) & ~no_state)
            if not len(rows):
                continue
            if chrom not in layout:
                n_off += len(rows)
                continue
            _, bounds, _ = layout[chrom]
            sites = np.concatenate(
                [chunk["start"].to_numpy()[rows], chunk["end"].to_numpy()[rows] - 1]
            )
            site_state = np.concatenate([state[rows], state[rows]])
            gap = np.searchsorted(bounds, sites, side="right")
            width = len(bounds) + 1
            hist[chrom] += np.bincount(
                site_state * width + gap, minlength=n_states * width
            ).reshape(n_states, width)
    if n_fragments == 0:
        raise ValueError(f"{path}: no fragments found (the file has no data lines)")
    if n_no_state == n_fragments:
        raise ValueError(
            f"{path}: none of the {n_fragments} fragments has a barcode in barcode_states; "
            f"barcodes in the file look like {_examples(examples_file)}, barcode_states has "
            f"{_examples(known[:_MAX_SHOWN])}. Check the barcode format (e.g. a '-1' suffix or "
            "a sample prefix)"
        )
    if n_no_state:
        warnings.warn(
            f"{path}: {n_no_state} of {n_fragments} fragments ({len(unknown_barcodes)} "
            "distinct barcodes) have a barcode without a state and were not counted (e.g. "
            f"{_examples(heapq.nsmallest(_MAX_SHOWN, unknown_barcodes))})",
            IQModelWarning,
            stacklevel=2,
        )
    peak_counts = np.zeros((len(peaks), n_states))
    regional_counts = None if window is None else np.zeros((len(peaks), n_states))
    for chrom, (rows, _, edge_index) in layout.items():
        below = np.cumsum(hist[chrom], axis=1)  # below[:, k]: insertions < bounds[k]
        peak_counts[rows] = (below[:, edge_index[:, 1]] - below[:, edge_index[:, 0]]).T
        if regional_counts is not None:
            regional_counts[rows] = (below[:, edge_index[:, 3]] - below[:, edge_index[:, 2]]).T
    names = peak_names(peaks)
    columns = pd.Index(list(states), dtype=object)
    stats = {
        "n_fragments": n_fragments,
        "n_fragments_no_state": n_no_state,
        "n_barcodes_no_state": len(unknown_barcodes),
        "n_fragments_off_peaks_chrom": n_off,
    }
    return TrackSignal(
        pd.DataFrame(peak_counts, index=names, columns=columns),
        None
        if regional_counts is None
        else pd.DataFrame(regional_counts, index=names.copy(), columns=columns.copy()),
        window,
        stats,
    )


def _read_fragments(path: Path, chunk_size: int):
    """Chunks of (chrom, start, end, barcode) with categorical chrom and barcode."""
    try:
        with open_text(path, what="fragments file") as handle:
            reader = pd.read_csv(
                handle,
                sep="\t",
                header=None,
                comment="#",
                usecols=[0, 1, 2, 3],
                names=None,
                dtype={0: "category", 1: np.int64, 2: np.int64, 3: "category"},
                chunksize=chunk_size,
            )
            for chunk in reader:
                chunk.columns = ["chrom", "start", "end", "barcode"]
                yield chunk
    except pd.errors.EmptyDataError:
        return
    except UnreadableFileError:
        raise
    except (ValueError, pd.errors.ParserError) as error:
        raise ValueError(
            f"{path}: cannot read this fragments file ({error}); expected tab-separated "
            "chrom, start, end, barcode[, count] lines with integer coordinates"
        ) from error
