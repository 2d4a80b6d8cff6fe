"""One differentiation trajectory from files: inputs -> AP -> dAP -> split -> fitted model.

The stages the ``iqmodel`` command line chains, each usable alone:
:func:`read_signal` (counts table, bigWigs, 10x fragments or an AnnData per state),
:func:`normalize_signal` (AP, spec 9), :func:`filter_near_tss` (spec 7.4),
:func:`split_peaks` (random or by chromosome), :func:`load_trajectory` (all of it, from a
genome) or :func:`load_table_trajectory` (sequences with per-state values in one table),
:func:`fit_trajectory` and :func:`write_run`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
import warnings
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from iqmodel.ap import APNormalizer, compute_dap
from iqmodel.exceptions import IQModelWarning
from iqmodel.io._atomic import atomic_write, atomic_write_text, write_table
from iqmodel.io.genome import Genome, extract_sequences
from iqmodel.io.h5ad import h5ad_peaks, read_h5ad_pseudobulk
from iqmodel.io.intervals import read_peaks, read_tss, resize_intervals, tss_distance
from iqmodel.io.tracks import TrackSignal, bigwig_signal, fragment_counts, read_counts_table
from iqmodel.metrics import pearson_r2, r2_score

__all__ = [
    "EXAMPLES",
    "Trajectory",
    "check_run_folder",
    "filter_near_tss",
    "fit_trajectory",
    "load_table_trajectory",
    "load_trajectory",
    "normalize_signal",
    "parse_tracks",
    "read_ap_table",
    "read_sequence_table",
    "read_signal",
    "split_peaks",
    "write_figures",
    "write_run",
    "write_run_folder",
]

log = logging.getLogger("iqmodel")

EXAMPLES = {"mouse-atac": "mouse_atac_example.tsv.gz"}
"""Bundled tables usable wherever a ``--table`` is accepted, by name."""

_NAME_COLUMNS = ("name", "peak", "peak_name", "peak_id", "row_id", "id")
_COORDINATE_COLUMNS = ("chrom", "start", "end")


class Trajectory(NamedTuple):
    """Everything a trajectory fit needs, one row per kept peak.

    Parameters
    ----------
    peaks : DataFrame, shape (n_peaks, >= 0)
        Peak table, index = peak names.
    sequences : list of str
        Peak sequences.
    dap : Series of float64, shape (n_peaks,)
        dAP of each peak.
    split : Series of str, shape (n_peaks,)
        ``"train"`` or ``"test"``.
    removed : DataFrame
        Peaks left out.
    ap : DataFrame or None
        Per-state values.

    Attributes
    ----------
    peaks : DataFrame, shape (n_peaks, >= 1)
        Index = peak names; ``chrom``, ``start``, ``end`` when known (resized intervals).
    sequences : list of str
        Peak sequences, equal length, upper case.
    dap : Series of float64, shape (n_peaks,)
        dAP = norm01(AP end) - norm01(AP start), in [-1, 1].
    split : Series of str, shape (n_peaks,)
        ``"train"`` or ``"test"``.
    removed : DataFrame
        Peaks left out and why (columns ``name``, ``reason``); empty when none were.
    ap : DataFrame or None
        Access probability per state of the kept peaks.

    Examples
    --------
    >>> data = load_table_trajectory("mouse-atac", "c1", "c5", random_state=0)
    >>> len(data.sequences), data.dap.shape, data.split.value_counts().to_dict()
    (1000, (1000,), {'train': 800, 'test': 200})
    >>> data.ap.columns.tolist(), len(data.removed)
    (['c1', 'c2', 'c3', 'c4', 'c5'], 0)
    """

    peaks: pd.DataFrame
    sequences: list[str]
    dap: pd.Series
    split: pd.Series
    removed: pd.DataFrame
    ap: pd.DataFrame | None


def parse_tracks(items: Sequence[str] | Mapping) -> dict:
    """``["state=path", ...]`` or a mapping -> {state: path}.

    Parameters
    ----------
    items : list of str or mapping of str to path
        ``STATE=PATH`` items (as ``--bigwig`` takes them), or the mapping itself.

    Returns
    -------
    dict of str to str
        State -> path, in the order given (a mapping is copied as is).

    Raises
    ------
    ValueError
        For an item without ``=``, state or path, or a state given twice.

    Examples
    --------
    >>> parse_tracks(["early=early.bw", "late=late.bw"])
    {'early': 'early.bw', 'late': 'late.bw'}
    """
    if isinstance(items, Mapping):
        return dict(items)
    tracks = {}
    for item in items:
        state, sep, path = str(item).partition("=")
        if not sep or not state or not path:
            raise ValueError(f"a bigWig track must be given as STATE=PATH, got {item!r}")
        if state in tracks:
            raise ValueError(f"state {state!r} is given two bigWig tracks; give one per state")
        tracks[state] = path
    return tracks


def read_signal(
    peaks: pd.DataFrame,
    *,
    counts=None,
    bigwigs=None,
    fragments=None,
    barcodes=None,
    h5ad=None,
    groupby: str | None = None,
    h5ad_layer: str | None = None,
    min_cells: int | None = None,
    window: int = 20_000,
    progress: bool = False,
) -> TrackSignal:
    """ATAC signal per peak and state from exactly one kind of input.

    Parameters
    ----------
    peaks : DataFrame
        Peaks (``chrom``, ``start``, ``end``, ``name``), already resized.
    counts : str or Path, optional
        Peaks x states table (:func:`iqmodel.io.tracks.read_counts_table`); no regional
        background, so regional normalisation is skipped.
    bigwigs : list of "STATE=PATH" or mapping state -> path, optional
        One coverage bigWig per state.
    fragments, barcodes : str or Path, optional
        A 10x ``fragments.tsv.gz`` and its barcode -> state table.
    h5ad : str, Path or AnnData, optional
        Single-cell counts (cells x peaks) summed per group of ``obs[groupby]``
        (:func:`iqmodel.io.read_h5ad_pseudobulk`); no regional background, as for counts.
    groupby : str, optional
        The ``obs`` column of the states; needed with ``h5ad``.
    h5ad_layer : str, optional
        The layer of raw counts (default: ``X``).
    min_cells : int, optional
        Least cells per group (default :data:`iqmodel.io.h5ad.MIN_CELLS`); smaller groups
        are dropped with a warning.
    window : int, default 20000
        Regional window for bigWigs and fragments, bp (spec 9.3).
    progress : bool, default False
        Show progress bars while reading tracks.

    Returns
    -------
    TrackSignal
        ``peak`` signal (peaks x states) and ``regional`` window signal (None for counts
        tables and AnnData).

    Raises
    ------
    ValueError
        Unless exactly one kind of input is given, or when ``h5ad`` lacks ``groupby`` or
        ``fragments`` lacks ``barcodes``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> peaks = pd.DataFrame({"chrom": ["chr1", "chr1"], "start": [100, 900],
    ...                       "end": [600, 1400], "name": ["p1", "p2"]}).set_index("name",
    ...                                                                          drop=False)
    >>> counts = pd.DataFrame({"peak": ["p2", "p1"], "early": [5, 3], "late": [0, 9]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "counts.tsv"
    ...     counts.to_csv(path, sep="\\t", index=False)
    ...     signal = read_signal(peaks, counts=path)
    >>> signal.peak.to_dict("list"), signal.regional is None
    ({'early': [3.0, 5.0], 'late': [9.0, 0.0]}, True)
    """
    sources = {"counts": counts, "bigwigs": bigwigs, "fragments": fragments}
    given = [name for name, value in sources.items() if value] + (["h5ad"] if h5ad else [])
    if len(given) != 1:
        raise ValueError(
            "give exactly one ATAC signal: a counts table, bigWig tracks (STATE=PATH), a "
            f"fragments file with barcodes or an AnnData .h5ad with groupby; got {given or 'none'}"
        )
    if counts:
        return TrackSignal(read_counts_table(counts, peaks), None, None)
    if h5ad:
        if not groupby:
            raise ValueError(
                "an AnnData input needs the obs column that holds the states (--groupby)"
            )
        options = {} if min_cells is None else {"min_cells": min_cells}
        counts = read_h5ad_pseudobulk(h5ad, groupby, layer=h5ad_layer, peaks=peaks, **options)
        return TrackSignal(counts, None, None)
    if bigwigs:
        return bigwig_signal(parse_tracks(bigwigs), peaks, window=window, progress=progress)
    if not barcodes:
        raise ValueError("a fragments file needs a barcode -> state table (--barcodes)")
    signal = fragment_counts(fragments, barcodes, peaks, window=window, progress=progress)
    if signal.stats:
        log.info("fragments: %s", ", ".join(f"{k} {v}" for k, v in signal.stats.items()))
    return signal


def normalize_signal(signal: TrackSignal, **params) -> tuple[pd.DataFrame, APNormalizer]:
    """Access probabilities from raw signal (spec 9); logs what the normalisation did.

    Parameters
    ----------
    signal : TrackSignal
        Peak (and regional) signal, e.g. from :func:`read_signal`.
    **params
        :class:`iqmodel.ap.APNormalizer` parameters.

    Returns
    -------
    ap : DataFrame, shape (n_peaks, n_states), values in [0, 1]
        Access probabilities.
    normalizer : APNormalizer
        Fitted; its ``report_`` says how many peaks were constitutive.

    Examples
    --------
    >>> from iqmodel.io.tracks import TrackSignal
    >>> peak = pd.DataFrame({"a": [9.0, 1.0, 0.0, 4.0], "b": [8.0, 2.0, 1.0, 0.0]},
    ...                     index=["p1", "p2", "p3", "p4"])
    >>> ap, normalizer = normalize_signal(TrackSignal(peak, None, None), constitutive=["p1"])
    >>> ap.round(3).to_dict("list"), normalizer.report_["regional_normalization"]
    ({'a': [1.0, 0.111, 0.0, 0.444], 'b': [1.0, 0.25, 0.125, 0.0]}, False)
    """
    normalizer = APNormalizer(**params)
    ap = normalizer.fit_transform(signal.peak, signal.regional)
    log.info("AP: %d peaks x %d states", *ap.shape)
    return ap, normalizer


def filter_near_tss(peaks: pd.DataFrame, tss, min_distance: float) -> pd.Series:
    """Which peaks lie more than ``min_distance`` bp from every TSS (spec 7.4).

    Parameters
    ----------
    peaks : DataFrame
        With ``chrom``, ``start``, ``end``.
    tss : str, Path or DataFrame
        A TSS BED/GTF file or the frame of :func:`iqmodel.io.intervals.read_tss`.
    min_distance : float
        Peaks at or below this distance, and peaks on chromosomes without any TSS, are
        removed (as the reference does).

    Returns
    -------
    Series of bool, index = peak names
        True for peaks to keep.

    Examples
    --------
    Peak ``a`` is 51 bp from the TSS, ``b`` 8651 bp, ``c`` is on a chromosome without TSS:

    >>> peaks = pd.DataFrame({"chrom": ["chr1", "chr1", "chr2"], "start": [100, 9000, 500],
    ...                       "end": [300, 9200, 700], "name": ["a", "b", "c"]},
    ...                      index=["a", "b", "c"])
    >>> tss = pd.DataFrame({"chrom": ["chr1"], "position": [350], "strand": ["+"],
    ...                     "name": ["gene"]})
    >>> filter_near_tss(peaks, tss, 1000).to_dict()
    {'a': False, 'b': True, 'c': False}
    """
    table = tss if isinstance(tss, pd.DataFrame) else read_tss(tss)
    distance = tss_distance(peaks, table)
    return pd.Series(distance > min_distance, index=peaks.index)


def split_peaks(
    names: pd.Index,
    *,
    chroms: pd.Series | None = None,
    test_chroms: Sequence[str] | None = None,
    test_fraction: float = 0.2,
    random_state: int | None = None,
) -> pd.Series:
    """Assign each peak to ``"train"`` or ``"test"``.

    Parameters
    ----------
    names : Index
        Peak names.
    chroms : Series, optional
        Chromosome of each peak (index = names); needed with ``test_chroms``.
    test_chroms : list of str, optional
        Peaks on these chromosomes form the test set (a chromosome split).
    test_fraction : float in [0, 1), default 0.2
        Otherwise a random fraction of the peaks is held out; 0 keeps every peak for training.
    random_state : int, optional
        Seed of the random split.

    Returns
    -------
    Series of str, index = names
        ``"train"`` or ``"test"`` per peak; ``round(test_fraction * n)`` test peaks in a
        random split.

    Raises
    ------
    ValueError
        For ``test_chroms`` without ``chroms`` or with no peaks, a ``test_fraction`` outside
        [0, 1), or fewer than 10 training peaks left.

    Examples
    --------
    >>> names = pd.Index([f"p{i}" for i in range(20)])
    >>> split_peaks(names, test_fraction=0.25, random_state=0).value_counts().to_dict()
    {'train': 15, 'test': 5}
    >>> chroms = pd.Series(["chr1"] * 12 + ["chr2"] * 8, index=names)
    >>> split = split_peaks(names, chroms=chroms, test_chroms=["chr2"])
    >>> split[chroms == "chr2"].unique().tolist(), int((split == "train").sum())
    (['test'], 12)
    """
    split = pd.Series("train", index=names, dtype=object)
    if test_chroms:
        if chroms is None:
            raise ValueError(
                "--test-chroms needs peak coordinates; the input has none (use --test-fraction)"
            )
        unknown = sorted(set(test_chroms) - set(chroms))
        if unknown:
            raise ValueError(
                f"test chromosomes {unknown} have no peaks; peaks are on {sorted(set(chroms))[:10]}"
            )
        split[chroms.isin(test_chroms).to_numpy()] = "test"
    elif test_fraction:
        if not 0 <= test_fraction < 1:
            raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
        rng = np.random.default_rng(random_state)
        n_test = round(test_fraction * len(names))
        split.iloc[rng.choice(len(names), size=n_test, replace=False)] = "test"
    if (split == "train").sum() < 10:
        raise ValueError(
            f"only {(split == 'train').sum()} training peaks are left; use more peaks or a "
            "smaller test set"
        )
    return split


def _removed(names, reason: str) -> pd.DataFrame:
    return pd.DataFrame({"name": list(names), "reason": reason})


def _warn_removed(what: str, stacklevel: int = 3) -> None:
    """Announce peaks left out (``what``: how many and why) and where they are listed.

    ``stacklevel`` 3 points at the caller of the public function that calls this one.
    """
    warnings.warn(
        f"{what}; they are listed in removed_peaks.tsv of the run (Trajectory.removed)",
        IQModelWarning,
        stacklevel=stacklevel,
    )


def load_trajectory(
    peaks_path,
    genome,
    start,
    end,
    *,
    ap: pd.DataFrame | None = None,
    size: int = 500,
    tss=None,
    min_tss_distance: float = 5000,
    test_chroms=None,
    test_fraction: float = 0.2,
    random_state: int | None = None,
    progress: bool = False,
    ap_params: Mapping | None = None,
    **signal,
) -> Trajectory:
    """Peaks + genome + ATAC signal -> the data of one trajectory fit.

    Parameters
    ----------
    peaks_path : str or Path, or None
        BED / narrowPeak / TSV of peaks; resized to ``size`` bp around summit or centre.
        None with an AnnData signal (``h5ad=``): its peaks (``var``, see
        :func:`iqmodel.io.h5ad_peaks`) are used.
    genome : str, Path or Genome
        FASTA of the genome.
    start, end : str or list of str
        Trajectory start and end state(s).
    ap : DataFrame, optional
        A precomputed AP table (peaks x states, e.g. from ``iqmodel normalize``); else
        ``**signal`` (see :func:`read_signal`) is read and normalised.
    size : int, default 500
        Width of every peak after resizing, bp (the sequence length).
    tss : str, Path or DataFrame, optional
        TSS positions; peaks within ``min_tss_distance`` are removed and reported.
    min_tss_distance : float, default 5000
        See :func:`filter_near_tss` (bp).
    test_chroms : list of str, optional
        See :func:`split_peaks`.
    test_fraction : float, default 0.2
        See :func:`split_peaks`.
    random_state : int, optional
        See :func:`split_peaks`.
    progress : bool, default False
        Show progress bars while reading tracks.
    ap_params : mapping, optional
        APNormalizer parameters.
    **signal
        The ATAC signal: ``counts``, ``bigwigs``, ``fragments`` + ``barcodes``, or ``h5ad`` +
        ``groupby`` (see :func:`read_signal`); not with ``ap``.

    Returns
    -------
    Trajectory
        The kept peaks (resized), their sequences, dAP, split, the removed peaks and AP.

    Raises
    ------
    ValueError
        Without peaks, when no peak survives the TSS filter, for AP tables without some
        peaks, or invalid signal (see :func:`read_signal`).

    Warns
    -----
    IQModelWarning
        When peaks are removed near a TSS, or AP rows are left unused.

    Examples
    --------
    A 5 kb genome, 20 peaks of 100 bp resized to 50 bp, and a counts table:

    >>> import tempfile
    >>> from pathlib import Path
    >>> rng = np.random.default_rng(0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     folder = Path(folder)
    ...     genome = "".join(rng.choice(list("ACGT"), 5000))
    ...     _ = (folder / "genome.fa").write_text(f">chr1\\n{genome}\\n")
    ...     bed = "".join(f"chr1\\t{200 * i + 100}\\t{200 * i + 200}\\tp{i}\\n" for i in range(20))
    ...     _ = (folder / "peaks.bed").write_text(bed)
    ...     counts = pd.DataFrame({"peak": [f"p{i}" for i in range(20)],
    ...                            "early": rng.integers(1, 50, 20),
    ...                            "late": rng.integers(1, 50, 20)})
    ...     counts.to_csv(folder / "counts.tsv", sep="\\t", index=False)
    ...     data = load_trajectory(folder / "peaks.bed", folder / "genome.fa", "early", "late",
    ...                            counts=folder / "counts.tsv", size=50, random_state=0,
    ...                            ap_params={"const_quantile": 0.8})
    >>> len(data.sequences), len(data.sequences[0]), data.ap.shape
    (20, 50, (20, 2))
    >>> data.sequences[0] == genome[125:175], data.split.value_counts().to_dict()
    (True, {'train': 16, 'test': 4})
    """
    genome = genome if isinstance(genome, Genome) else Genome(genome)
    if peaks_path is None:
        if not signal.get("h5ad") or ap is not None:
            raise ValueError(
                "no peaks: give a peak file, or an AnnData signal (h5ad=) whose var holds them"
            )
        raw_peaks = h5ad_peaks(signal["h5ad"])
    else:
        raw_peaks = read_peaks(peaks_path)
    peaks = resize_intervals(raw_peaks, size, genome.chrom_sizes)
    peaks = peaks.set_index("name", drop=False)
    log.info("%d peaks resized to %d bp", len(peaks), size)
    sequences = pd.Series(extract_sequences(genome, peaks), index=peaks.index)
    if ap is None:
        signal_data = read_signal(peaks, progress=progress, **signal)
        ap, _ = normalize_signal(signal_data, **(ap_params or {}))
    else:
        ap = _aligned_ap(ap, peaks.index)  # warns (at our caller) about unused AP rows
    removed = []
    if tss is not None:
        keep = filter_near_tss(peaks, tss, min_tss_distance)
        n_near = int((~keep).sum())
        if n_near == len(peaks):
            raise ValueError(
                f"no peaks are left after filtering: all {len(peaks)} peaks lie within "
                f"{min_tss_distance:g} bp of a TSS or on a chromosome without one; check the "
                "TSS file (same genome build and chromosome names as the peaks) and the distance"
            )
        if n_near:
            removed.append(_removed(peaks.index[~keep], f"within {min_tss_distance:g} bp of a TSS"))
            _warn_removed(
                f"TSS filter: {n_near} of {len(peaks)} peaks lie within {min_tss_distance:g} bp "
                "of a TSS or on a chromosome without one and were removed"
            )
        peaks, ap = peaks[keep.to_numpy()], ap[keep.to_numpy()]
    if peaks.empty:
        raise ValueError("no peaks are left after filtering; check the TSS file and distance")
    dap = compute_dap(ap, start, end)
    split = split_peaks(
        peaks.index,
        chroms=peaks["chrom"],
        test_chroms=test_chroms,
        test_fraction=test_fraction,
        random_state=random_state,
    )
    removed = pd.concat(removed) if removed else _removed([], "")
    sequences = sequences.loc[peaks.index].tolist()
    return Trajectory(peaks, sequences, dap, split, removed.reset_index(drop=True), ap)


def _aligned_ap(ap: pd.DataFrame, names: pd.Index) -> pd.DataFrame:
    """The rows of ``ap`` for the peaks ``names``, in their order (called by
    :func:`load_trajectory`; warns at its caller when AP rows are left unused)."""
    missing = names.difference(ap.index)
    if len(missing):
        raise ValueError(
            f"{len(missing)} peaks have no row in the AP table (e.g. {list(missing[:3])}); "
            "make the AP table from the same peak file"
        )
    unused = ap.index.difference(names)
    if len(unused):
        warnings.warn(
            f"{len(unused)} of {len(ap)} rows of the AP table are not among the "
            f"{len(names)} peaks and were not used (e.g. {list(unused[:3])}); was the AP table "
            "made from another peak file?",
            IQModelWarning,
            stacklevel=3,
        )
    return ap.loc[names]


def read_ap_table(path) -> pd.DataFrame:
    """An AP table written by ``iqmodel normalize`` (first column = peak names).

    Parameters
    ----------
    path : str or Path
        Tab-separated table: peak names, then one column per state; ``chrom``, ``start``,
        ``end`` columns are dropped.

    Returns
    -------
    DataFrame of float64, shape (n_peaks, n_states)
        Index = peak names; columns = states.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> table = pd.DataFrame({"chrom": ["chr1", "chr1"], "a": [0.2, 1.0], "b": [0.0, 0.5]},
    ...                      index=pd.Index(["p1", "p2"], name="name"))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     table.to_csv(Path(folder) / "ap.tsv", sep="\\t")
    ...     ap = read_ap_table(Path(folder) / "ap.tsv")
    >>> ap.columns.tolist(), ap.index.tolist(), ap["a"].tolist()
    (['a', 'b'], ['p1', 'p2'], [0.2, 1.0])
    """
    table = pd.read_csv(path, sep="\t", index_col=0)
    coordinates = [c for c in _COORDINATE_COLUMNS if c in table.columns]
    return table.drop(columns=coordinates).astype(np.float64)


def _table_path(table) -> Path | resources.abc.Traversable:
    if str(table) in EXAMPLES:
        return resources.files("iqmodel.data") / EXAMPLES[str(table)]
    path = Path(table)
    if not path.is_file():
        raise FileNotFoundError(
            f"table {str(table)!r} does not exist (bundled examples: {', '.join(EXAMPLES)})"
        )
    return path


def read_sequence_table(table) -> pd.DataFrame:
    """A TSV of sequences (and anything else), indexed by peak name.

    Parameters
    ----------
    table : str or Path
        TSV (gz ok) with a ``sequence`` column and an optional name column (``name``,
        ``peak``, ``peak_id``, ``row_id``...; else the row number); or a bundled example name.

    Returns
    -------
    DataFrame
        Index = peak names (str, unique); the name column itself is dropped.

    Raises
    ------
    FileNotFoundError
        When the file does not exist (and is not a bundled name).
    ValueError
        Without a ``sequence`` column, or with repeated peak names.

    Examples
    --------
    >>> table = read_sequence_table("mouse-atac")
    >>> table.shape, table.columns.tolist()[:2], table.index[:2].tolist()
    ((1000, 6), ['sequence', 'c1'], ['1', '2'])
    """
    with _table_path(table).open("rb") as handle:
        compression = "gzip" if str(table).endswith(".gz") or str(table) in EXAMPLES else None
        frame = pd.read_csv(handle, sep="\t", compression=compression)
    if "sequence" not in frame.columns:
        raise ValueError(
            f"table {str(table)!r} has no 'sequence' column (columns: {list(frame.columns)})"
        )
    name_column = next((c for c in _NAME_COLUMNS if c in frame.columns), None)
    names = frame.pop(name_column).astype(str) if name_column else frame.index.astype(str)
    frame.index = pd.Index(names, name="name")
    if frame.index.duplicated().any():
        duplicated = frame.index[frame.index.duplicated()].unique()[:3].tolist()
        raise ValueError(f"table {str(table)!r} has duplicated peak names, e.g. {duplicated}")
    return frame


def load_table_trajectory(
    table,
    start,
    end,
    *,
    test_chroms=None,
    test_fraction: float = 0.2,
    random_state: int | None = None,
) -> Trajectory:
    """A trajectory from one table of sequences and per-state values.

    Parameters
    ----------
    table : str or Path
        TSV (gz ok) with a ``sequence`` column, one column per state holding normalised
        accessibility (AP or log-scale; dAP rescales each state to [0, 1]), an optional name
        column (``name``/``peak_id``/``row_id``...) and optional ``chrom``/``start``/``end``;
        or a bundled example name (``"mouse-atac"``).
    start, end : str or list of str
        Trajectory start and end state(s) (columns of the table; a list is averaged).
    test_chroms : list of str, optional
        See :func:`split_peaks` (needs a ``chrom`` column).
    test_fraction : float, default 0.2
        See :func:`split_peaks`.
    random_state : int, optional
        See :func:`split_peaks`.

    Returns
    -------
    Trajectory
        ``peaks`` holds the coordinate columns (possibly none), ``ap`` the numeric state
        columns as given, ``removed`` is empty.

    Examples
    --------
    >>> data = load_table_trajectory("mouse-atac", "c1", ["c4", "c5"], test_fraction=0.1,
    ...                              random_state=0)
    >>> len(data.sequences), int((data.split == "test").sum())
    (1000, 100)
    >>> bool(data.dap.between(-1, 1).all())
    True
    """
    frame = read_sequence_table(table)
    coordinates = [c for c in _COORDINATE_COLUMNS if c in frame.columns]
    peaks = frame[coordinates]
    states = frame.drop(columns=[*coordinates, "sequence"]).select_dtypes("number")
    # norm01 makes dAP blind to a constant shift per state, so log-scale values work too
    dap = compute_dap(states - states.min(), start, end)
    split = split_peaks(
        frame.index,
        chroms=frame["chrom"] if "chrom" in frame.columns else None,
        test_chroms=test_chroms,
        test_fraction=test_fraction,
        random_state=random_state,
    )
    sequences = [s.upper() for s in frame["sequence"].astype(str)]
    return Trajectory(peaks, sequences, dap, split, _removed([], ""), states)


def _metrics(dap: np.ndarray, prediction: np.ndarray) -> dict:
    return {
        "n": len(dap),
        "r2": r2_score(dap, prediction),
        "pearson_r2": pearson_r2(dap, prediction),
    }


def fit_trajectory(data: Trajectory, params: Mapping) -> tuple:
    """Fit an IQModel on the training peaks and predict every peak.

    Parameters
    ----------
    data : Trajectory
        The peaks, sequences, dAP and split.
    params : mapping
        IQModel parameters.

    Returns
    -------
    model : IQModel
        Fitted on the training peaks.
    predictions : DataFrame, shape (n_peaks, 4)
        ``name``, ``split``, ``observed`` and ``predicted`` dAP for every peak.
    metrics : dict
        ``train`` and ``test`` (``n``, ``r2`` (coefficient of determination) and
        ``pearson_r2``; ``test`` only with test peaks), ``n_motifs``, ``n_removed``,
        ``fit_seconds``.

    Examples
    --------
    >>> from iqmodel.datasets import make_planted_dataset
    >>> planted = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> names = pd.Index([f"peak{i}" for i in range(300)], name="name")
    >>> data = Trajectory(pd.DataFrame(index=names), planted.sequences,
    ...                   pd.Series(planted.dap, index=names), split_peaks(names, random_state=0),
    ...                   pd.DataFrame(columns=["name", "reason"]), None)
    >>> params = {"motif_db": planted.truth.motifs, "distill": False, "filter": False,
    ...           "verbose": 0, "random_state": 0}
    >>> model, predictions, metrics = fit_trajectory(data, params)
    >>> predictions.columns.tolist(), metrics["train"]["n"], metrics["test"]["n"]
    (['name', 'split', 'observed', 'predicted'], 240, 60)
    >>> metrics["n_motifs"], bool(metrics["test"]["r2"] > 0.9)
    (2, True)
    """
    from iqmodel.model import IQModel

    train = (data.split == "train").to_numpy()
    sequences = np.asarray(data.sequences, dtype=object)
    dap = data.dap.to_numpy()
    began = time.perf_counter()
    model = IQModel(**params).fit(list(sequences[train]), dap[train])
    seconds = time.perf_counter() - began
    predicted = model.predict(data.sequences)
    predictions = pd.DataFrame(
        {
            "name": data.dap.index,
            "split": data.split.to_numpy(),
            "observed": dap,
            "predicted": predicted,
        }
    )
    metrics = {"train": _metrics(dap[train], predicted[train])}
    if (~train).any():
        metrics["test"] = _metrics(dap[~train], predicted[~train])
    metrics.update(
        n_motifs=len(model.motifs_),
        n_removed=len(data.removed),
        fit_seconds=round(seconds, 2),
    )
    return model, predictions, metrics


def check_run_folder(out_dir, *, overwrite: bool = False) -> None:
    """Check that a run can be written to ``out_dir``, before any work is done.

    Parameters
    ----------
    out_dir : str or Path
        The run folder: it may be missing or empty; a non-empty folder only with
        ``overwrite``.
    overwrite : bool, default False
        Allow replacing a non-empty folder (an earlier run).

    Raises
    ------
    NotADirectoryError
        When ``out_dir`` is an existing file (or other non-folder).
    FileExistsError
        When ``out_dir`` is a non-empty folder and ``overwrite`` is False.
    ValueError
        When ``out_dir`` is the current working folder or holds it (a run folder is replaced
        as a whole, which would pull the folder from under the running process).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     check_run_folder(Path(folder) / "new_run")  # missing: fine
    ...     _ = (Path(folder) / "old.txt").write_text("an earlier run")
    ...     check_run_folder(folder, overwrite=True)  # non-empty, but overwrite
    ...     try:
    ...         check_run_folder(folder)
    ...     except FileExistsError:
    ...         print("not empty")
    not empty
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(
            f"{out} exists and is not a folder; a run is written into a folder: choose a new "
            "folder name"
        )
    if _holds_cwd(out):
        raise ValueError(
            f"run folder {out} is the current folder or holds it; a run folder is replaced as "
            "a whole: choose a new folder name"
        )
    if out.is_dir() and not overwrite and any(out.iterdir()):
        raise FileExistsError(
            f"run folder {out} is not empty; choose a new folder, or pass overwrite=True to "
            "replace it"
        )


def _holds_cwd(out: Path) -> bool:
    """Whether the existing folder ``out`` is the working folder or one of its parents."""
    if not out.is_dir():
        return False
    here, target = Path.cwd().resolve(), out.resolve()
    return here == target or target in here.parents


def _sibling(out: Path, kind: str) -> Path:
    return out.with_name(f".{out.name}.{kind}-{uuid.uuid4().hex}")


def write_run(
    out_dir,
    model,
    data: Trajectory,
    predictions: pd.DataFrame,
    metrics: dict,
    config: Mapping,
    *,
    figures: bool = True,
    overwrite: bool = False,
) -> list[Path]:
    """Write a fitted trajectory's outputs to the run folder ``out_dir``, as one whole.

    Files: ``model.json``, ``metrics.json``, ``predictions.tsv``, ``config.toml`` (resolved
    model parameters, run options, iqmodel version, seed), ``data.tsv.gz`` (peaks,
    sequences, dAP, split: what ``iqmodel report`` reads), ``removed_peaks.tsv``, ``ap.tsv``
    (when computed), and with ``figures`` the report (``report.pdf``) and
    ``prediction_scatter.png``.

    Everything is written into a hidden sibling folder (``.NAME.partial-<hex>``) that is
    renamed to ``out_dir`` only when complete, so ``out_dir`` always holds one whole run: a
    failure or Ctrl-C while writing leaves it as it was and removes the partial folder. With
    ``overwrite``, an existing folder is replaced in one step (moved aside, the new run
    renamed in, the old one deleted); no file of the earlier run stays.

    Parameters
    ----------
    out_dir : str or Path
        The run folder (parent folders are created). Missing or empty; a non-empty folder
        only with ``overwrite`` (see :func:`check_run_folder`).
    model : IQModel
        Fitted.
    data : Trajectory
        The data the model was fitted on.
    predictions : DataFrame
        As returned by :func:`fit_trajectory`.
    metrics : dict
        As returned by :func:`fit_trajectory` (written as JSON).
    config : mapping of str to mapping
        TOML tables for ``config.toml`` (see :func:`iqmodel.config.write_toml`).
    figures : bool, default True
        Also write the report and the prediction scatter (:func:`write_figures`; slow).
    overwrite : bool, default False
        Replace an existing non-empty ``out_dir``.

    Returns
    -------
    list of Path
        The files written (inside ``out_dir``).

    Raises
    ------
    NotADirectoryError, FileExistsError
        See :func:`check_run_folder`; raised before anything is written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from iqmodel.datasets import make_planted_dataset
    >>> planted = make_planted_dataset(n_seqs=300, seq_length=100, n_motifs=2, random_state=0)
    >>> names = pd.Index([f"peak{i}" for i in range(300)], name="name")
    >>> data = Trajectory(pd.DataFrame(index=names), planted.sequences,
    ...                   pd.Series(planted.dap, index=names), split_peaks(names, random_state=0),
    ...                   pd.DataFrame(columns=["name", "reason"]), None)
    >>> params = {"motif_db": planted.truth.motifs, "distill": False, "filter": False,
    ...           "verbose": 0, "random_state": 0}
    >>> model, predictions, metrics = fit_trajectory(data, params)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = write_run(Path(folder) / "run", model, data, predictions, metrics,
    ...                       {"run": {"seed": 0}}, figures=False)
    ...     names = sorted(path.name for path in files)
    ...     complete = all(path.is_file() for path in files)
    >>> names, complete  # doctest: +NORMALIZE_WHITESPACE
    (['config.toml', 'data.tsv.gz', 'metrics.json', 'model.json', 'predictions.tsv',
      'removed_peaks.tsv'], True)
    """
    return write_run_folder(
        out_dir,
        lambda folder: _write_run_files(folder, model, data, predictions, metrics, config, figures),
        overwrite=overwrite,
    )


def write_run_folder(out_dir, write_files, *, overwrite: bool = False) -> list[Path]:
    """Write a run folder as one whole, renamed into place only when complete.

    ``write_files(folder)`` fills a hidden sibling folder, which is renamed to ``out_dir``
    only when it returns; when it raises, the partial folder is removed and ``out_dir`` is
    left as it was.

    Parameters
    ----------
    out_dir : str or Path
        The run folder (see :func:`check_run_folder`; parent folders are created).
    write_files : callable
        ``write_files(folder: Path) -> list of Path``: writes the run's files into ``folder``
        and returns them.
    overwrite : bool, default False
        Replace an existing non-empty folder in one step.

    Returns
    -------
    list of Path
        The files written, as paths inside ``out_dir``.

    Raises
    ------
    NotADirectoryError, FileExistsError, ValueError
        See :func:`check_run_folder`.
    OSError
        When the parent folder refuses the partial folder.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> def write_files(folder):
    ...     path = folder / "result.txt"
    ...     _ = path.write_text("done")
    ...     return [path]
    >>> def fail(folder):
    ...     raise RuntimeError("interrupted")
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     files = write_run_folder(Path(parent) / "run", write_files)
    ...     written = [path.relative_to(parent).as_posix() for path in files]
    ...     try:
    ...         write_run_folder(Path(parent) / "other", fail)
    ...     except RuntimeError:
    ...         pass
    ...     left = sorted(path.name for path in Path(parent).iterdir())
    >>> written, left
    (['run/result.txt'], ['run'])
    """
    check_run_folder(out_dir, overwrite=overwrite)
    out = Path(os.path.abspath(out_dir))  # "." and "runs/x/" have a name and a parent
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = _sibling(out, "partial")
    try:
        partial.mkdir()
    except OSError as error:
        raise OSError(
            error.errno,
            f"cannot write the run folder {out_dir}: a run is written next to it in "
            f"{out.parent} and renamed into place, but that folder refused it ({error.strerror})",
        ) from None
    try:
        written = write_files(partial)
        _move_into_place(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return [Path(out_dir) / path.relative_to(partial) for path in written]


def _move_into_place(partial: Path, out: Path) -> None:
    """Rename ``partial`` to ``out``, replacing an existing folder ``out`` as one step."""
    if not out.exists():
        os.rename(partial, out)
        return
    old = _sibling(out, "old")
    os.rename(out, old)
    try:
        os.rename(partial, out)
    except BaseException:
        if not out.exists():
            os.rename(old, out)  # put the earlier run back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_run_files(out: Path, model, data, predictions, metrics, config, figures) -> list:
    from iqmodel.config import write_toml

    written = [model_path := out / "model.json"]
    model.save(model_path)
    written.append(atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2) + "\n"))
    written.append(write_table(predictions, out / "predictions.tsv"))
    written.append(write_toml(config, out / "config.toml"))
    table = data.peaks.reset_index(drop=True).drop(columns=["name"], errors="ignore")
    table.insert(0, "name", data.dap.index)
    table["sequence"] = data.sequences
    table["dap"] = data.dap.to_numpy()
    table["split"] = data.split.to_numpy()
    written.append(write_table(table, out / "data.tsv.gz"))
    written.append(write_table(data.removed, out / "removed_peaks.tsv"))
    if data.ap is not None:
        written.append(write_table(data.ap, out / "ap.tsv", index=True))
    if figures:
        written.extend(write_figures(out, model, data, predictions))
    return written


def write_figures(out_dir, model, data: Trajectory, predictions: pd.DataFrame) -> list[Path]:
    """The model report (PDF) and the held-out prediction scatter (PNG) of a run.

    Parameters
    ----------
    out_dir : str or Path
        An existing folder; ``report.pdf`` and ``prediction_scatter.png`` are written there.
    model : IQModel
        The fitted model.
    data : Trajectory
        The data it was fitted on (training peaks for the report, test peaks scored).
    predictions : DataFrame
        As returned by :func:`fit_trajectory`.

    Returns
    -------
    list of Path
        ``[report.pdf, prediction_scatter.png]`` in ``out_dir``.

    Notes
    -----
    The figures are detached from pyplot, so the backend and the open figures of a notebook
    are left alone; rendering the report takes a few seconds.

    Examples
    --------
    >>> import tempfile
    >>> import matplotlib.pyplot as plt
    >>> from iqmodel.datasets import make_planted_dataset
    >>> planted = make_planted_dataset(n_seqs=200, seq_length=100, n_motifs=1, random_state=0)
    >>> names = pd.Index([f"peak{i}" for i in range(200)], name="name")
    >>> data = Trajectory(pd.DataFrame(index=names), planted.sequences,
    ...                   pd.Series(planted.dap, index=names), split_peaks(names, random_state=0),
    ...                   pd.DataFrame(columns=["name", "reason"]), None)
    >>> params = {"motif_db": planted.truth.motifs, "distill": False, "filter": False,
    ...           "verbose": 0, "random_state": 0}
    >>> model, predictions, metrics = fit_trajectory(data, params)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = write_figures(folder, model, data, predictions)
    ...     written = [(path.name, path.stat().st_size > 1000) for path in paths]
    >>> written, plt.get_fignums()
    ([('report.pdf', True), ('prediction_scatter.png', True)], [])
    """
    from iqmodel import plot

    out = Path(out_dir)
    train = (data.split == "train").to_numpy()
    test = ~train
    sequences = np.asarray(data.sequences, dtype=object)
    dap = data.dap.to_numpy()
    report_path = out / "report.pdf"
    plot.report(  # saved pages are detached figures: no pyplot state, no backend switch
        model,
        list(sequences[train]),
        dap[train],
        test_seqs=list(sequences[test]) if test.any() else None,
        test_dap=dap[test] if test.any() else None,
        path=report_path,
    )
    shown = test if test.any() else train
    figure = plot.new_figure((4.2, 4.2), pyplot=False)
    plot.prediction_scatter(
        predictions["observed"].to_numpy()[shown],
        predictions["predicted"].to_numpy()[shown],
        ax=figure.subplots(),
        title="held-out peaks" if test.any() else "training peaks",
    )
    scatter_path = atomic_write(
        out / "prediction_scatter.png",
        lambda tmp: figure.savefig(tmp, format="png", dpi=150, bbox_inches="tight"),
    )
    return [report_path, scatter_path]
