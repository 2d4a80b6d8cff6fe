"""AnnData (``.h5ad``) input: single-cell ATAC counts summed per cell group (pseudobulk).

Single-cell ATAC data (SnapATAC2, ArchR exports, Signac conversions, muon) is kept as an
AnnData of cells x peaks. :func:`read_h5ad_pseudobulk` sums the raw counts of the cells of each
group of an ``obs`` column (a cluster, a cell type, a time point) into the peaks x states
table :func:`iqmodel.io.read_counts_table` returns, so it plugs into the same AP
normalisation; :func:`h5ad_peaks` gives the peak intervals stored in the AnnData.

The ``anndata`` package is an optional dependency: ``pip install iqmodel[anndata]``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from iqmodel._validation import format_names
from iqmodel.exceptions import IQModelWarning, import_optional
from iqmodel.io._atomic import existing_file
from iqmodel.io.intervals import check_peaks, default_names, peak_names

__all__ = [
    "MIN_CELLS",
    "h5ad_peaks",
    "parse_peak_names",
    "read_h5ad_pseudobulk",
]

MIN_CELLS = 10
"""Default least number of cells of a group for its pseudobulk to be kept."""

_CHUNK_CELLS = 20_000  # cells read at a time from a matrix kept on disk
_MAX_SHOWN = 5
# chrom, a separator, start, a separator, end: chr1:100-600, chr1-100-600, chr1_100_600;
# the chromosome is greedy, so chrUn_KI270302v1_100_600 keeps its underscore
_PEAK_NAME = re.compile(r"^(?P<chrom>.+)[:_-](?P<start>\d+)[-_](?P<end>\d+)$")
_VAR_COLUMNS = {
    "chrom": ("chrom", "chr", "chromosome", "seqnames", "seqname"),
    "start": ("start", "chromstart", "chrom_start"),
    "end": ("end", "chromend", "chrom_end"),
}


def _anndata():
    return import_optional("anndata", "anndata", "reading AnnData .h5ad files")


def _open(source):
    """``(adata, label, close)``: an AnnData read with its matrix left on disk."""
    anndata = _anndata()
    if isinstance(source, anndata.AnnData):
        return source, "the AnnData", False
    path = existing_file(source, argument="path", what="AnnData .h5ad file")
    try:
        with warnings.catch_warnings():
            # anndata 0.12 under pandas 3 warns about a pandas option on every read
            warnings.filterwarnings("ignore", message=".*future.infer_string")
            adata = anndata.read_h5ad(path, backed="r")
    except Exception as error:  # h5py/anndata raise OSError, KeyError, TypeError...
        raise ValueError(
            f"{path}: cannot read this file as AnnData .h5ad ({type(error).__name__}: "
            f"{error}); give an .h5ad file written by anndata (scanpy, SnapATAC2, muon: "
            "adata.write_h5ad), e.g. convert a .zarr store or an ArchR/Signac object first"
        ) from error
    return adata, str(path), True


def _close(adata, close: bool) -> None:
    if close and getattr(adata, "file", None) is not None:
        adata.file.close()


def parse_peak_names(names) -> pd.DataFrame:
    """Peak coordinates from names such as ``chr1:100-600``, ``chr1-100-600`` or ``chr1_100_600``.

    Coordinates are taken as written, as 0-based half-open BED intervals (as 10x Cell Ranger
    ATAC and SnapATAC2 write them); Signac and ArchR write 1-based starts, which shifts a peak
    by 1 bp (immaterial once peaks are resized around their centre).

    Parameters
    ----------
    names : sequence of str, shape (n_peaks,)
        Peak names, e.g. an AnnData's ``var_names``.

    Returns
    -------
    DataFrame, shape (n_peaks, 4)
        Columns ``chrom`` (str), ``start``, ``end`` (int64, bp) and ``name`` (the names as
        given), in the order of ``names``.

    Raises
    ------
    ValueError
        When a name does not have the form ``CHROM:START-END`` (``-`` or ``_`` separators
        also work), naming the first few such names.

    Examples
    --------
    >>> from iqmodel.io import parse_peak_names
    >>> peaks = parse_peak_names(["chr1:100-600", "chrX-5-90", "chrUn_KI270302v1_10_60"])
    >>> peaks[["chrom", "start", "end"]].to_numpy().tolist()
    [['chr1', 100, 600], ['chrX', 5, 90], ['chrUn_KI270302v1', 10, 60]]
    >>> peaks["name"].tolist()[0]
    'chr1:100-600'
    >>> parse_peak_names(["peak_1"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 1 of 1 peak name(s) are not coordinates like chr1:100-600, ...
    """
    names = pd.Index(names).astype(str)
    parts = names.str.extract(_PEAK_NAME)
    bad = np.flatnonzero(parts["chrom"].isna().to_numpy())
    if len(bad):
        raise ValueError(
            f"{len(bad)} of {len(names)} peak name(s) are not coordinates like chr1:100-600, "
            f"chr1-100-600 or chr1_100_600 ({format_names(names[bad])}); store the coordinates "
            "in var columns chrom, start, end (e.g. adata.var[['chrom', 'start', 'end']] = "
            "...), or give a peak file (--peaks) whose names are the var_names"
        )
    return pd.DataFrame(
        {
            "chrom": parts["chrom"].astype(object).to_numpy(),
            "start": parts["start"].astype(np.int64).to_numpy(),
            "end": parts["end"].astype(np.int64).to_numpy(),
            "name": names.to_numpy(dtype=object),
        }
    )


def _var_column(var: pd.DataFrame, key: str):
    lower = {str(column).strip().lower(): column for column in var.columns}
    return next((lower[a] for a in _VAR_COLUMNS[key] if a in lower), None)


def _var_peaks(adata, label: str) -> pd.DataFrame:
    """Peak frame of the AnnData's var: coordinate columns, else parsed var_names."""
    var = adata.var
    names = pd.Index(adata.var_names).astype(str)
    if not names.is_unique:
        repeated = names[names.duplicated()].unique()
        raise ValueError(
            f"{label}: var_names (the peak names) repeat ({format_names(repeated)}); make them "
            "unique, e.g. adata.var_names_make_unique(), or drop the repeated peaks"
        )
    columns = {key: _var_column(var, key) for key in _VAR_COLUMNS}
    if all(column is not None for column in columns.values()):
        frame = pd.DataFrame(
            {key: var[column].to_numpy() for key, column in columns.items()}
        ).assign(name=names.to_numpy(dtype=object))
        where = f"{label}: var columns {', '.join(map(repr, columns.values()))}"
    else:
        try:
            frame = parse_peak_names(names)
        except ValueError as error:
            raise ValueError(f"{label}: {error}") from None
        where = f"{label}: var_names"
    try:
        return check_peaks(frame, what=where)
    except ValueError as error:
        raise ValueError(f"{error}; fix the peak coordinates of the AnnData") from None


def h5ad_peaks(path) -> pd.DataFrame:
    """The peaks of an AnnData (cells x peaks): its ``var`` as a peak frame.

    Coordinates come from ``var`` columns ``chrom`` (or ``chr``, ``seqnames``), ``start`` and
    ``end`` when all three exist, else from ``var_names`` of the form ``chr1:100-600``,
    ``chr1-100-600`` or ``chr1_100_600`` (see :func:`parse_peak_names`). The peak names are
    the ``var_names``.

    Parameters
    ----------
    path : str, Path or AnnData
        An ``.h5ad`` file (only ``obs``/``var`` are read, the matrix stays on disk) or an
        AnnData object.

    Returns
    -------
    DataFrame, shape (n_peaks, 4)
        Canonical peak frame (see :func:`iqmodel.io.check_peaks`): ``chrom``, ``start``,
        ``end`` (0-based half-open, bp), ``name`` (the var_names), in var order.

    Raises
    ------
    MissingDependencyError
        When the ``anndata`` package is not installed (an ImportError).
    FileNotFoundError
        When the file does not exist.
    ValueError
        When the file is not an ``.h5ad``, var_names repeat, or the coordinates are neither
        in var columns nor parsable from var_names.

    Examples
    --------
    Coordinates in ``var`` columns (``seqnames`` is an alias of ``chrom``), read from a
    file; the counts matrix is not loaded:

    >>> import pathlib, tempfile
    >>> import anndata, numpy as np, pandas as pd
    >>> from iqmodel.io import h5ad_peaks
    >>> adata = anndata.AnnData(
    ...     np.zeros((3, 2), dtype=np.float32),
    ...     obs=pd.DataFrame(index=["c1", "c2", "c3"]),
    ...     var=pd.DataFrame(
    ...         {"seqnames": ["chr1", "chr2"], "start": [100, 5], "end": [600, 90]},
    ...         index=["peak_a", "peak_b"],
    ...     ),
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "cells.h5ad")
    ...     adata.write_h5ad(path)
    ...     peaks = h5ad_peaks(path)
    >>> peaks[["chrom", "start", "end", "name"]].to_numpy().tolist()
    [['chr1', 100, 600, 'peak_a'], ['chr2', 5, 90, 'peak_b']]
    """
    adata, label, close = _open(path)
    try:
        return _var_peaks(adata, label)
    finally:
        _close(adata, close)


def _groups(adata, groupby: str, label: str, min_cells: int):
    """Group code of each cell (-1: left out) and the kept group names."""
    if groupby not in adata.obs.columns:
        columns = list(adata.obs.columns)
        raise ValueError(
            f"{label}: obs has no column {groupby!r} to group cells by; its columns are "
            f"[{format_names(columns) if columns else 'none'}]; pass one of them as groupby "
            "(--groupby), e.g. the cluster or cell-type column"
        )
    column = adata.obs[groupby]
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = column.cat.remove_unused_categories()
        order = [str(c) for c in labels.cat.categories]
        values = labels.astype(object).where(labels.notna(), None)
    else:
        values = column.astype(object).where(column.notna(), None)
        distinct = set(column.dropna())
        try:  # numeric labels in numeric order (2 before 10), others as text
            order = [str(v) for v in sorted(distinct)]
        except TypeError:
            order = sorted(str(v) for v in distinct)
    text = pd.Series([None if v is None else str(v) for v in values], dtype=object)
    sizes = text.value_counts()
    small = [g for g in order if sizes.get(g, 0) < min_cells]
    kept = [g for g in order if g not in small]
    if not kept:
        raise ValueError(
            f"{label}: every group of obs[{groupby!r}] has fewer than min_cells={min_cells} "
            f"cells ({', '.join(f'{g!r}: {sizes.get(g, 0)}' for g in order[:_MAX_SHOWN])}); "
            "lower min_cells (--min-cells) or group the cells by a coarser column"
        )
    if small:
        warnings.warn(
            f"{label}: {len(small)} group(s) of obs[{groupby!r}] have fewer than "
            f"min_cells={min_cells} cells and were dropped "
            f"({', '.join(f'{g!r}: {sizes.get(g, 0)} cells' for g in small[:_MAX_SHOWN])}"
            f"{', ...' if len(small) > _MAX_SHOWN else ''}); lower min_cells (--min-cells) to "
            "keep them",
            IQModelWarning,
            stacklevel=3,
        )
    n_missing = int(text.isna().sum())
    if n_missing:
        warnings.warn(
            f"{label}: {n_missing} cell(s) have no value in obs[{groupby!r}] and were left out",
            IQModelWarning,
            stacklevel=3,
        )
    codes = pd.Index(kept).get_indexer(text)
    return codes, kept


def _matrix(adata, layer, label: str):
    if layer is None:
        if adata.X is None:
            raise ValueError(
                f"{label}: the AnnData has no X matrix; pass the layer of raw counts "
                f"(layer=, --h5ad-layer), one of [{format_names(list(adata.layers))}]"
            )
        return adata.X, "X"
    if layer not in adata.layers:
        layers = list(adata.layers)
        hint = (
            f"one of [{format_names(layers)}]"
            if layers
            else "it has no layers: omit the layer to use X"
        )
        raise ValueError(
            f"{label}: the AnnData has no layer {layer!r}; pass an existing layer ({hint})"
        )
    return adata.layers[layer], f"layer {layer!r}"


def _check_counts(block, first_cell: int, adata, where: str, label: str, layer) -> None:
    """Raise when a block of the matrix holds negative, non-integer or non-finite values."""
    values = block.data if sp.issparse(block) else np.asarray(block)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if not bad.any():
        return
    if sp.issparse(block):
        coo = block.tocoo()
        k = int(np.flatnonzero(bad)[0])
        row, col, value = int(coo.row[k]), int(coo.col[k]), coo.data[k]
    else:
        row, col = (int(i) for i in np.argwhere(bad)[0])
        value = values[row, col]
    cell = adata.obs_names[first_cell + row]
    peak = adata.var_names[col]
    kind = "negative" if value < 0 else "non-integer" if np.isfinite(value) else "non-finite"
    layers = list(adata.layers)
    if layer is None:
        fix = (
            f"pass the layer of raw counts (layer=, --h5ad-layer), one of [{format_names(layers)}]"
            if layers
            else "store the raw counts (e.g. adata.layers['counts'] before normalising) and "
            "pass that layer (layer=, --h5ad-layer)"
        )
    else:
        fix = "pass a layer of raw counts (layer=, --h5ad-layer)"
    raise ValueError(
        f"{label}: {where} holds {kind} values (e.g. {float(value):g} for cell {cell!r}, peak "
        f"{peak!r}), so it is not a matrix of raw counts: it looks normalised or "
        f"log-transformed; pseudobulk sums need raw insertion or fragment counts: {fix}"
    )


def _blocks(matrix, n_cells: int):
    """``(first_cell, block)`` pieces of a cells x peaks matrix, in memory or on disk."""
    in_memory = isinstance(matrix, np.ndarray) or sp.issparse(matrix)
    if in_memory:
        yield 0, matrix
        return
    if getattr(matrix, "format", None) == "csc":  # row slices of CSC on disk read it all
        yield 0, matrix.to_memory()
        return
    for first in range(0, n_cells, _CHUNK_CELLS):
        yield first, matrix[first : first + _CHUNK_CELLS]


def _selection(adata, label: str, peaks: pd.DataFrame | None):
    """Column index of each wanted peak in var, and the peak names of the result."""
    if peaks is None:
        return np.arange(adata.n_vars), peak_names(_var_peaks(adata, label))
    peaks = check_peaks(peaks)
    names = peak_names(peaks)
    var_names = pd.Index(adata.var_names).astype(str)
    columns = var_names.get_indexer(names)
    if (columns < 0).any():
        var = _var_peaks(adata, label)
        var_keys = pd.Index(default_names(var["chrom"], var["start"], var["end"]))
        start = peaks["orig_start"] if "orig_start" in peaks.columns else peaks["start"]
        end = peaks["orig_end"] if "orig_end" in peaks.columns else peaks["end"]
        by_coords = var_keys.get_indexer(default_names(peaks["chrom"], start, end))
        if (by_coords >= 0).all():
            columns = by_coords
        else:
            missing = names[(columns < 0) & (by_coords < 0)]
            raise ValueError(
                f"{label}: {len(missing)} of {len(names)} peak(s) are not in the AnnData, by "
                f"name (var_names) or by coordinates ({format_names(missing)}); the AnnData "
                f"has peaks like {format_names(var_names[:3])}. Use a peak file of the same "
                "peak set, or none (--peaks omitted): the AnnData's own peaks are then used"
            )
    unused = adata.n_vars - len(np.unique(columns))
    if unused:
        warnings.warn(
            f"{label}: {unused} of {adata.n_vars} AnnData peaks are not among the "
            f"{len(names)} peaks given and were not used",
            IQModelWarning,
            stacklevel=3,
        )
    return columns, names


def read_h5ad_pseudobulk(
    path,
    groupby: str,
    *,
    layer: str | None = None,
    min_cells: int = MIN_CELLS,
    peaks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sum the raw counts of an AnnData (cells x peaks) per cell group: peaks x states counts.

    The result has the form of :func:`iqmodel.io.read_counts_table` (and goes wherever a
    counts table goes, e.g. :class:`iqmodel.ap.APNormalizer`): one row per peak, one column
    per group of ``obs[groupby]``. Sparse matrices stay sparse; a matrix kept on disk is read
    in blocks of cells, so memory holds one block and the (groups x peaks) sums.

    Parameters
    ----------
    path : str, Path or AnnData
        An ``.h5ad`` file of cells x peaks raw counts, or an AnnData object.
    groupby : str
        The ``obs`` column whose values are the states (cluster, cell type, time point).
        Columns are in category order for a categorical column, else sorted; cells without
        a value are left out (with a warning).
    layer : str, optional
        The layer holding the raw counts (e.g. ``"counts"``); default: ``X``.
    min_cells : int, default 10
        Groups with fewer cells are dropped, with an
        :class:`~iqmodel.exceptions.IQModelWarning` naming them and their cell counts (a
        pseudobulk of a few cells is mostly noise); an error when no group is left.
    peaks : DataFrame, optional
        Peak frame (see :func:`iqmodel.io.check_peaks`): the rows returned, in its order.
        Peaks are matched to ``var_names`` by name, else by coordinates (``orig_start``/
        ``orig_end`` of resized peaks, else ``start``/``end``) against the AnnData's peak
        coordinates (see :func:`h5ad_peaks`). AnnData peaks not among them are left out
        (with a warning). Default: every AnnData peak, named by its ``var_names``.

    Returns
    -------
    DataFrame of float64, shape (n_peaks, n_groups)
        Summed counts; index: peak names; columns: group names (str).

    Raises
    ------
    MissingDependencyError
        When the ``anndata`` package is not installed (an ImportError; ``pip install
        iqmodel[anndata]``).
    FileNotFoundError
        When the file does not exist.
    ValueError
        When ``groupby`` is not an ``obs`` column, every group has fewer than ``min_cells``
        cells, ``layer`` does not exist, the matrix holds negative, non-integer or
        non-finite values (normalised data: pass the raw-counts ``layer``), peak
        coordinates cannot be found, or ``peaks`` are not in the AnnData.

    Examples
    --------
    >>> import anndata, numpy as np, pandas as pd
    >>> adata = anndata.AnnData(
    ...     np.array([[1, 0], [2, 3], [0, 5]], dtype=np.float32),
    ...     obs=pd.DataFrame({"cluster": ["a", "a", "b"]}, index=["c1", "c2", "c3"]),
    ...     var=pd.DataFrame(index=["chr1:100-600", "chr1:900-1400"]),
    ... )
    >>> counts = read_h5ad_pseudobulk(adata, "cluster", min_cells=1)
    >>> counts.shape, counts.index.tolist(), counts.columns.tolist()
    ((2, 2), ['chr1:100-600', 'chr1:900-1400'], ['a', 'b'])
    >>> counts.to_numpy().tolist()  # cells c1 + c2 in "a", c3 in "b"
    [[3.0, 0.0], [3.0, 5.0]]

    A group with fewer than ``min_cells`` cells is dropped, with a warning:

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     counts = read_h5ad_pseudobulk(adata, "cluster", min_cells=2)
    >>> counts.columns.tolist(), type(caught[0].message).__name__
    (['a'], 'IQModelWarning')
    """
    if isinstance(min_cells, bool) or not isinstance(min_cells, (int, np.integer)):
        raise TypeError(f"min_cells must be an integer, got {min_cells!r}")
    if min_cells < 1:
        raise ValueError(f"min_cells must be at least 1, got {min_cells}")
    if not isinstance(groupby, str) or not groupby:
        raise TypeError(f"groupby must be the name of an obs column, got {groupby!r}")
    adata, label, close = _open(path)
    try:
        matrix, where = _matrix(adata, layer, label)
        codes, groups = _groups(adata, groupby, label, int(min_cells))
        columns, names = _selection(adata, label, peaks)
        sums = np.zeros((len(groups), adata.n_vars))
        for first, block in _blocks(matrix, adata.n_obs):
            _check_counts(block, first, adata, where, label, layer)
            block_codes = codes[first : first + block.shape[0]]
            cells = np.flatnonzero(block_codes >= 0)
            indicator = sp.csr_matrix(
                (np.ones(len(cells)), (block_codes[cells], cells)),
                shape=(len(groups), block.shape[0]),
            )
            product = indicator @ (block if sp.issparse(block) else np.asarray(block, float))
            sums += product.toarray() if sp.issparse(product) else product
    finally:
        _close(adata, close)
    return pd.DataFrame(sums[:, columns].T, index=names, columns=pd.Index(groups))
