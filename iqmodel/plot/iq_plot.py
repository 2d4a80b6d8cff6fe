"""IQ-plot: the architecture of one cis-regulatory element under a fitted model (spec 11.5).

The figure of the IceQream paper, Fig. 6, from top to bottom:

* a header: region, predicted dAP of the sequence and its largest logit-scale terms;
* optional ATAC panels (``tracks=``): an extended window (default 200 kb) with the zoomed
  window shaded and TSS marks, then the zoomed window itself;
* a guide strip whose lines join genomic positions (every 50 bp at 500 bp) to the letters;
* the sequence, one letter per base, coloured by base, letter size following the binding
  energy of the shown motifs (spec 11.5 step 4);
* an optional conservation row (``conservation=``);
* one row per contributing motif: the same letters coloured by the motif's per-base
  contribution to the logit (blue closing, grey none, red opening; one symmetric scale for
  all rows, shown by the colour bar), the motif name on the left and its logo (bits) on the
  right.

As in the reference, a letter's width follows its size as well as its height, so the whole
window fits on one line: bases that no shown motif binds shrink to small marks and binding
sites stand out in large letters; the guide strip maps letters back to genomic positions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import ConnectionPatch, StepPatch
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath
from matplotlib.ticker import FuncFormatter

from iqmodel.motifs import resolve_motifs
from iqmodel.plot.logo import BASE_COLORS, logo

__all__ = ["CONTRIBUTION_CMAP", "iq_plot", "letter_sizes", "parse_region"]

CONTRIBUTION_CMAP = LinearSegmentedColormap.from_list(
    "iq_contribution", ["#1d3fcf", "#8a8a8a", "#d7191c"]
)
"""Diverging colour map of per-base contributions: blue closing, grey 0, red opening."""

TRACK_BIN = 20
"""Bin size (bp) of the ATAC panels, as the reference's ``iterator = 20``."""
TRACK_QUANTILE = 0.995
"""Quantile of a track's nonzero 20-bp bins used as its normaliser (the reference's norm_q)."""
_SIZE_EPS = 0.05  # added to the sqrt letter size before normalising (reference eps)
_TRACK_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d")
_CONSERVATION_COLORS = ("#009688", "#FF9800")  # positive, negative (paper Fig. 6)
_N_COLOR = "#9e9e9e"
_REGION = re.compile(r"^\s*([^\s:]+)\s*:\s*([\d,_]+)\s*-\s*([\d,_]+)\s*$")
_LABEL_LEVELS = 3  # rows of gene names above the extended panel

# layout, inches
_FIG_WIDTH = 22.0
_LEFT = 2.4  # motif labels
_LOGO_GAP = 0.25
_LOGO_WIDTH = 1.5
_RIGHT = 0.25


# ----------------------------------------------------------------------------- inputs


def parse_region(region) -> tuple[str, int, int]:
    """A genomic interval from ``"chrom:start-end"`` or ``(chrom, start, end)``.

    Coordinates are 0-based, half-open (as BED and :meth:`iqmodel.io.genome.Genome.fetch`);
    commas and underscores in numbers are ignored (``"chr1:1,000,000-1,000,500"``).

    Parameters
    ----------
    region : str or tuple
        ``"chrom:start-end"`` or ``(chrom, start, end)`` (start and end integers or
        strings of digits).

    Returns
    -------
    tuple of (str, int, int)
        ``(chrom, start, end)``, bp.

    Raises
    ------
    ValueError
        For another format, a negative start or ``end <= start``.

    Examples
    --------
    >>> from iqmodel.plot.iq_plot import parse_region
    >>> parse_region("chr1:1,000,000-1,000,500")
    ('chr1', 1000000, 1000500)
    >>> parse_region(("chrX", "10", 20))
    ('chrX', 10, 20)
    >>> parse_region("chr1:500-100")
    Traceback (most recent call last):
    ...
    ValueError: region chr1:500-100 is empty or negative; need 0 <= start < end
    """
    if isinstance(region, str):
        match = _REGION.match(region)
        if match is None:
            raise ValueError(
                f"region {region!r} is not 'chrom:start-end' (e.g. 'chr1:1000-1500'); "
                "pass a string of that form or a (chrom, start, end) tuple"
            )
        chrom, start, end = (
            match.group(1),
            *(int(re.sub("[,_]", "", g)) for g in match.groups()[1:]),
        )
    elif isinstance(region, (tuple, list)) and len(region) == 3:
        chrom, start, end = region
        try:
            start, end = int(start), int(end)
        except (TypeError, ValueError):
            raise ValueError(f"region {tuple(region)!r}: start and end must be integers") from None
        chrom = str(chrom)
    else:
        raise ValueError(
            f"region must be 'chrom:start-end' or a (chrom, start, end) tuple, got {region!r}"
        )
    if start < 0 or end <= start:
        raise ValueError(
            f"region {chrom}:{start}-{end} is empty or negative; need 0 <= start < end"
        )
    return chrom, start, end


def _check_sequence(seq) -> str:
    if not isinstance(seq, str):
        raise TypeError(f"seq must be a DNA string, got {type(seq).__name__}")
    seq = seq.upper()
    if not seq:
        raise ValueError("seq is empty")
    bad = re.search("[^ACGTN]", seq)
    if bad:
        raise ValueError(
            f"seq has a non-ACGTN character {bad.group()!r} at position {bad.start()}; "
            "replace ambiguity codes with N"
        )
    return seq


def _central(seq: str, width: int) -> str:
    if len(seq) <= width:
        return seq
    start = (len(seq) - width) // 2
    return seq[start : start + width]


def _resolve_sequence(seq, genome, region, width):
    """The shown sequence and its genomic window ``(chrom, start, end)`` (None without one)."""
    if seq is None and region is None:
        raise ValueError(
            "iq_plot needs a sequence: pass seq= (a DNA string), or genome= (a Genome or FASTA "
            "path) together with region= ('chrom:start-end')"
        )
    interval = None if region is None else parse_region(region)
    if seq is not None:
        if genome is not None:
            raise ValueError("pass either seq= or genome=, not both (region= may go with seq=)")
        shown = _central(_check_sequence(seq), width)
    else:
        if genome is None:
            raise ValueError(
                f"region={region!r} alone gives no sequence: pass genome= (a Genome or FASTA "
                "path) to fetch it, or seq= with the sequence itself"
            )
        from iqmodel.io.genome import Genome

        if not isinstance(genome, Genome):
            genome = Genome(genome)
        chrom, start, end = interval
        begin = (start + end) // 2 - width // 2
        shown = _check_sequence(genome.fetch(chrom, begin, begin + width))
    if interval is None:
        return shown, None
    chrom, start, end = interval
    begin = (start + end) // 2 - len(shown) // 2
    return shown, (chrom, begin, begin + len(shown))


def _motif_label(motif) -> str:
    label = motif.label
    return label if len(label) <= 30 else label[:29] + "\u2026"


def _resolve_motifs(model, motifs) -> list[str] | None:
    if motifs is None:
        return None
    return [m.name for m in resolve_motifs(model.motifs_, motifs)]


# ----------------------------------------------------------------------------- letters


def letter_sizes(energy, motif_lengths) -> np.ndarray:
    """Letter size per base from local energies (spec 11.5 step 4).

    Per position the largest ``2 ** energy / 10`` over motifs (0 where no window starts),
    a right-aligned rolling mean over the longest motif (so a base gets the mean of the
    windows covering it; the first positions take the first full mean), the square root plus
    0.05, divided by its maximum.

    Parameters
    ----------
    energy : array-like of float, shape (length, n_motifs)
        Normalised [0, 10] local energies of the windows starting at each position (NaN where
        none starts), e.g. ``local_contributions(model, seq).energy``.
    motif_lengths : sequence of int
        Length of each motif, bp (the rolling window is the longest).

    Returns
    -------
    ndarray of float64, shape (length,), in (0, 1]
        Relative letter size per base (1 for the largest); all ones without motifs.

    Examples
    --------
    One 2-bp motif whose window at position 2 has the top energy: the two bases it covers
    get full-size letters, the others small ones:

    >>> import numpy as np
    >>> from iqmodel.plot.iq_plot import letter_sizes
    >>> energy = np.array([[0.0], [0.0], [10.0], [0.0], [0.0], [np.nan]])
    >>> letter_sizes(energy, [2]).round(3).tolist()
    [0.051, 0.051, 1.0, 1.0, 0.051, 0.038]
    """
    energy = np.asarray(energy, dtype=np.float64)
    length = energy.shape[0]
    if energy.ndim != 2 or energy.shape[1] == 0:
        return np.ones(length)
    with np.errstate(invalid="ignore"):
        power = np.where(np.isnan(energy), 0.0, 2.0**energy / 10.0)
    best = power.max(axis=1)
    window = int(max(motif_lengths))
    if length >= window:
        totals = np.concatenate([[0.0], np.cumsum(best)])
        rolled = np.empty(length)
        rolled[window - 1 :] = (totals[window:] - totals[:-window]) / window
        rolled[: window - 1] = rolled[window - 1]
    else:
        rolled = np.full(length, best.mean())
    size = np.sqrt(np.maximum(rolled, 0.0)) + _SIZE_EPS
    return size / size.max()


@cache
def _unit_glyph(letter: str) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and codes of a bold glyph scaled to the unit box [0, 1] x [0, 1]."""
    path = TextPath(
        (0, 0), letter, size=1, prop=FontProperties(family="DejaVu Sans", weight="bold")
    )
    box = path.get_extents()
    vertices = (path.vertices - [box.x0, box.y0]) / [box.width, box.height]
    return vertices, path.codes


def _letter_paths(
    sequence: str, left: np.ndarray, size: np.ndarray, y_scale: float
) -> list[MplPath]:
    """One glyph per base: width 0.9 of its slot, height ``y_scale * size``, baseline 0.05."""
    paths = []
    widths = 0.9 * size
    heights = y_scale * size
    x0 = left + 0.05 * size
    for i, letter in enumerate(sequence):
        vertices, codes = _unit_glyph(letter)
        paths.append(MplPath(vertices * [widths[i], heights[i]] + [x0[i], 0.05], codes))
    return paths


# ----------------------------------------------------------------------------- tracks


def _open_bigwig(path, what: str):
    import pyBigWig

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} bigWig {path}: no such file")
    handle = pyBigWig.open(str(path))
    if handle is None or not handle.isBigWig():
        raise ValueError(f"{what} file {path} is not a bigWig")
    return handle


def _read_bins(path, what: str, chrom: str, start: int, n_bins: int) -> np.ndarray:
    """Mean signal of ``n_bins`` 20-bp bins from ``start`` over covered bases (none: 0).

    The same numbers as pyBigWig's ``stats(..., type="mean", exact=True)``, computed from the
    raw intervals in NumPy (ten times faster over 200 kb).
    """
    handle = _open_bigwig(path, what)
    end = start + n_bins * TRACK_BIN
    try:
        chroms = handle.chroms()
        if chrom not in chroms:
            shown = ", ".join(list(chroms)[:8])
            raise ValueError(f"{what} bigWig {path} has no chromosome {chrom!r} (it has {shown})")
        intervals = handle.intervals(chrom, start, end) or ()
    finally:
        handle.close()
    total = np.zeros(n_bins)
    covered = np.zeros(n_bins)
    if intervals:
        table = np.asarray(intervals, dtype=np.float64)
        first = np.maximum(table[:, 0].astype(np.int64), start) - start
        last = np.minimum(table[:, 1].astype(np.int64), end) - start
        lengths = np.maximum(last - first, 0)
        bases = np.repeat(first, lengths) + (
            np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        )
        values = np.repeat(table[:, 2], lengths)
        keep = ~np.isnan(values)
        bins = bases[keep] // TRACK_BIN
        total = np.bincount(bins, weights=values[keep], minlength=n_bins)[:n_bins]
        covered = np.bincount(bins, minlength=n_bins)[:n_bins].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(covered > 0, total / covered, 0.0)


def _chrom_length(path, what: str, chrom: str) -> int:
    handle = _open_bigwig(path, what)
    try:
        length = handle.chroms(chrom)
    finally:
        handle.close()
    if length is None:
        raise ValueError(f"{what} bigWig {path} has no chromosome {chrom!r}")
    return int(length)


def _track_quantile(values: np.ndarray) -> float:
    nonzero = values[values > 0]
    if nonzero.size == 0:
        return 1.0
    q = float(np.quantile(nonzero, TRACK_QUANTILE))
    return q if q > 0 else 1.0


def _load_tss(tss) -> pd.DataFrame:
    if isinstance(tss, pd.DataFrame):
        missing = {"chrom", "position", "name"} - set(tss.columns)
        if missing:
            raise ValueError(
                f"tss table lacks columns {sorted(missing)}; use iqmodel.io.intervals.read_tss"
            )
        return tss
    from iqmodel.io.intervals import read_tss

    return read_tss(tss)


# ----------------------------------------------------------------------------- drawing


class _Layout:
    """Stacks axes from the top of a figure, in inches."""

    def __init__(self, fig: Figure, width: float, height: float):
        self.fig = fig
        self.width = width
        self.height = height
        self.top = height - 0.2
        self.main = (_LEFT, width - _LEFT - _LOGO_GAP - _LOGO_WIDTH - _RIGHT)
        self.logo_x = width - _RIGHT - _LOGO_WIDTH

    def take(self, height: float, gap: float = 0.0) -> tuple[float, float]:
        self.top -= gap
        bottom = self.top - height
        self.top = bottom
        return bottom, height

    def axes(self, bottom: float, height: float, *, x=None, w=None, label: str):
        x = self.main[0] if x is None else x
        w = self.main[1] if w is None else w
        rect = (x / self.width, bottom / self.height, w / self.width, height / self.height)
        return self.fig.add_axes(rect, label=label)


def _strip_axes(ax) -> None:
    ax.set_axis_off()


def _draw_letters(ax, sequence, left, size, total, y_scale, *, colors=None, values=None, norm=None):
    collection = PathCollection(_letter_paths(sequence, left, size, y_scale), linewidths=0)
    if values is not None:
        collection.set_cmap(CONTRIBUTION_CMAP)
        collection.set_norm(norm)
        collection.set_array(np.asarray(values, dtype=np.float64))
    else:
        collection.set_facecolors(colors)
    collection.set_gid("iq-letters")
    ax.add_collection(collection, autolim=False)
    ax.set_xlim(0, total)
    ax.set_ylim(0, 1)
    _strip_axes(ax)
    return collection


def _tick_step(length: int) -> int:
    for step in (10, 25, 50, 100, 250, 500, 1000):
        if length / step <= 12:
            return step
    return 10 ** int(np.ceil(np.log10(length / 10)))


def _guide_positions(length: int) -> np.ndarray:
    step = _tick_step(length)
    return np.arange(0, length + 1, step)


def _format_bp(value: float) -> str:
    return f"{round(value):,}"


def _draw_guides(ax, length, edges, total, window) -> None:
    """Lines from genomic offsets (top) to letter edges (bottom), labelled at the top."""
    positions = _guide_positions(length)
    for p in positions:
        top = p / length
        bottom = edges[p] / total
        ax.plot([top, top, bottom], [0.62, 0.55, 0.0], color="#9e9e9e", lw=0.7, ls="--")
        label = f"+{p}" if window is None else _format_bp(window[1] + p)
        ha = "left" if p == 0 else "right" if p == length else "center"
        ax.text(top, 0.98, label, ha=ha, va="top", fontsize=8, color="#444444")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    _strip_axes(ax)


def _stairs(ax, values, edges, color, label):
    """Filled step curve; added without autoscaling (limits are set by the caller), which
    keeps 10,000-bin panels fast."""
    for patch in (
        StepPatch(values, edges, fill=True, color=color, alpha=0.25, label=f"_{label} fill"),
        StepPatch(values, edges, fill=False, color=color, lw=1.2, label=label),
    ):
        ax.add_artist(patch)


def _tss_labels(ax, tss, chrom, start, end, axes_width_in) -> int:
    """Dashed TSS lines and gene names in up to three non-overlapping rows; returns count."""
    rows = tss[(tss["chrom"].astype(str) == chrom) & tss["position"].between(start, end - 1)]
    rows = rows.sort_values("position", kind="stable")
    per_inch = (end - start) / axes_width_in
    char_width = 7.5 * 0.62 / 72 * per_inch  # data units per character at 7.5 pt
    level_end = [-np.inf] * _LABEL_LEVELS
    labelled = set()
    for _, row in rows.iterrows():
        position = int(row["position"])
        ax.plot([position, position], [0, 1.04], color="black", ls="--", lw=0.8, zorder=3)
        name = str(row["name"])
        if name in labelled:
            continue
        strand = str(row.get("strand", "."))
        text = f"{name}\u2192" if strand == "+" else f"\u2190{name}" if strand == "-" else name
        half = 0.5 * len(text) * char_width
        x = min(max(position, start + half), end - half)
        free = [k for k in range(_LABEL_LEVELS) if level_end[k] < x - half]
        if not free:
            continue  # no room without overlapping: the dashed line stays, the name goes
        level = free[0]
        level_end[level] = x + half + char_width
        labelled.add(name)
        ax.text(x, 1.1 + 0.16 * level, text, ha="center", va="bottom", fontsize=7.5)
    return len(rows)


# ----------------------------------------------------------------------------- main


def iq_plot(
    model,
    seq=None,
    *,
    genome=None,
    region=None,
    tracks=None,
    tss=None,
    conservation=None,
    width: int = 500,
    ext_width: int = 200_000,
    energy_threshold: float = 8.0,
    response_threshold: float | None = None,
    motifs=None,
    track_quantiles=None,
    fig=None,
    title: str | None = None,
) -> Figure:
    """Draw the IQ-plot of one sequence or genomic region (paper Fig. 6, spec 11.5).

    Parameters
    ----------
    model : IQModel
        A fitted model.
    seq : str, optional
        The DNA sequence; its central ``width`` bp are shown (all of it when shorter). With
        ``region=`` too, the region only places the tracks and labels, the letters come
        from ``seq``.
    genome : Genome or path, optional
        Genome (:class:`iqmodel.io.genome.Genome` or a FASTA path) to fetch ``region`` from.
    region : str or (chrom, start, end), optional
        ``"chr1:1000-1500"`` (0-based, half-open); the shown window is ``width`` bp around
        its centre.
    tracks : mapping of str to path, optional
        ATAC bigWig per state (typically the trajectory's start and end states); needs
        ``region``. Drawn as a zoomed panel over the shown window and an extended panel
        over ``ext_width`` bp, in 20-bp bins, each track divided by its normaliser and
        capped at 1.
    tss : path or DataFrame, optional
        Transcription start sites (a BED/GTF path or a table from
        :func:`iqmodel.io.intervals.read_tss`) marked in the extended panel.
    conservation : path, optional
        Per-base conservation bigWig (e.g. phyloP) drawn under the sequence; needs ``region``.
    width : int, default 500
        Shown window, bp.
    ext_width : int, default 200_000
        Extended ATAC window, bp.
    energy_threshold : float, default 8.0
        A motif gets a row when its largest local energy (normalised, [0, 10]) reaches this.
    response_threshold : float, optional
        ... and, when given, its largest absolute local response (logit) reaches this.
    motifs : list of str, optional
        Motif names (or unique alt names) to show instead, in this order; the thresholds do
        not apply to them.
    track_quantiles : mapping of str to float, optional
        Normaliser per track (e.g. the genome-wide 0.995 quantile of its 20-bp bins, as the
        reference's ``compute_tracks_q``). Default: the 0.995 quantile of the track's nonzero
        20-bp bins over the extended window, a local stand-in for the genome-wide value.
    fig : Figure, optional
        Figure to draw into (resized to the layout); pass an empty one.
    title : str, optional
        Text put before the region in the header.

    Returns
    -------
    matplotlib Figure
        A detached Figure (not registered with pyplot), 22 in wide. Axes are labelled
        (``Axes.get_label()``): ``"iq-atac-ext"``, ``"iq-atac-zoom"``, ``"iq-guides"``,
        ``"iq-sequence"``, ``"iq-conservation"``, ``"iq-motif:<name>"``,
        ``"iq-logo:<name>"``, ``"iq-no-motifs"``, ``"iq-colorbar"``. Letters are one
        ``PathCollection`` per row with gid ``"iq-letters"``.

    Raises
    ------
    ValueError
        Without a sequence (neither ``seq`` nor ``genome`` with ``region``), with both
        ``seq`` and ``genome``, for ``tracks``/``tss``/``conservation`` without ``region``,
        an invalid ``width``/``ext_width``, a sequence with other letters than ACGTN, an
        unknown motif, or a window outside the tracks' chromosome.
    TypeError
        When ``tracks`` is not a mapping.
    FileNotFoundError
        When a bigWig file does not exist.

    Examples
    --------
    A small model fitted on planted GATA1 and FOXA2 sites, and the IQ-plot of its most
    accessible sequence: GATA1 (energy >= 8) gets a row, FOXA2 does not:

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.plot import iq_plot
    >>> data = make_planted_dataset(
    ...     n_seqs=200, seq_length=100, motifs=["GATA1", "FOXA2"], random_state=0
    ... )
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> fig = iq_plot(model, data.sequences[int(np.argmax(data.dap))])
    >>> sorted(ax.get_label() for ax in fig.axes)
    ['iq-colorbar', 'iq-guides', 'iq-logo:MA0035.5', 'iq-motif:MA0035.5', 'iq-sequence']
    >>> (sequence,) = [ax for ax in fig.axes if ax.get_label() == "iq-sequence"]
    >>> len(sequence.collections[0].get_paths())  # one glyph per base
    100
    >>> fig.texts[1].get_text().startswith("predicted dAP")
    True

    ``motifs=`` chooses the rows, whatever their energy:

    >>> fig = iq_plot(model, data.sequences[0], motifs=["FOXA2"], title="peak 0")
    >>> [ax.get_label() for ax in fig.axes if ax.get_label().startswith("iq-motif")]
    ['iq-motif:MA0047.4']
    """
    from iqmodel.interpret import decompose, local_contributions

    if not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    if not isinstance(ext_width, (int, np.integer)) or ext_width < width:
        raise ValueError(f"ext_width must be an integer >= width ({width}), got {ext_width!r}")
    sequence, window = _resolve_sequence(seq, genome, region, int(width))
    for name, value in (("tracks", tracks), ("tss", tss), ("conservation", conservation)):
        if value is not None and window is None:
            raise ValueError(f"{name}= needs region= to know where the sequence lies")
    if tracks is not None and not isinstance(tracks, Mapping):
        raise TypeError("tracks must be a mapping of state name -> bigWig path")
    if tracks is not None and not tracks:
        tracks = None
    chosen = _resolve_motifs(model, motifs)

    local = local_contributions(model, sequence)
    by_name = {m.name: m for m in model.motifs_}
    max_energy = local.energy.max(axis=0, skipna=True).fillna(0.0)
    response = local.response.fillna(0.0)
    extreme = pd.Series(
        response.to_numpy()[
            np.abs(response.to_numpy()).argmax(axis=0), np.arange(response.shape[1])
        ]
        if len(response)
        else np.zeros(response.shape[1]),
        index=response.columns,
    )
    if chosen is None:
        passing = max_energy >= energy_threshold
        if response_threshold is not None:
            passing &= local.response.abs().max(axis=0, skipna=True).fillna(0.0) >= (
                response_threshold
            )
        rows = list(max_energy.index[passing])
        # opening motifs first (largest response on top), closing ones last
        rows.sort(key=lambda name: -extreme[name])
    else:
        rows = chosen
    size_motifs = rows if rows else [m.name for m in model.motifs_]
    size = letter_sizes(
        local.energy[size_motifs].to_numpy(), [by_name[n].length for n in size_motifs]
    )
    length = len(sequence)
    edges = np.concatenate([[0.0], np.cumsum(size)])
    left, total = edges[:-1], edges[-1]

    # ---- layout (inches)
    main_width = _FIG_WIDTH - _LEFT - _LOGO_GAP - _LOGO_WIDTH - _RIGHT
    unit = main_width / total  # inches per size unit
    row_height = float(np.clip(unit / 0.7, 0.38, 0.6))
    # letter height per unit size (row = 1): 0.9, or less when letters are so narrow that
    # they would be much taller than wide (glyph aspect ~0.55 at most)
    y_scale = float(min(0.9, 0.9 * unit / 0.55 / row_height))
    n_rows = max(len(rows), 1)
    heights = 0.25 + 0.85  # margin + header
    if tracks is not None:
        heights += 1.6 + 0.5 + 1.0 + 0.1
    heights += 0.55 + row_height
    if conservation is not None:
        heights += 0.08 + 0.5
    heights += 0.2 + n_rows * (row_height + 0.05) + (0.95 if rows else 0.2)
    if fig is None:
        fig = Figure(figsize=(_FIG_WIDTH, heights))
    else:
        fig.set_size_inches(_FIG_WIDTH, heights)
    layout = _Layout(fig, _FIG_WIDTH, heights)

    # ---- header
    header_bottom, _ = layout.take(0.85, gap=0.05)
    _header(fig, layout, model, sequence, window, title, decompose, header_bottom)

    # ---- ATAC panels
    if tracks is not None:
        chrom, start, end = window
        _atac_panels(layout, tracks, tss, track_quantiles, chrom, start, end, ext_width)

    # ---- guides, sequence
    ax = layout.axes(*layout.take(0.55), label="iq-guides")
    _draw_guides(ax, length, edges, total, window)
    ax = layout.axes(*layout.take(row_height), label="iq-sequence")
    colors = [BASE_COLORS.get(c, _N_COLOR) for c in sequence]
    _draw_letters(ax, sequence, left, size, total, y_scale, colors=colors)
    ax.text(-0.008, 0.5, "sequence", transform=ax.transAxes, ha="right", va="center", fontsize=10)

    if conservation is not None:
        chrom, start, end = window
        ax = layout.axes(*layout.take(0.5, gap=0.08), label="iq-conservation")
        _conservation_row(ax, conservation, chrom, start, end, edges, total)

    # ---- motif rows
    layout.take(0, gap=0.2)
    if not rows:
        ax = layout.axes(*layout.take(row_height), label="iq-no-motifs")
        best = max_energy.idxmax() if len(max_energy) else None
        detail = (
            f" (highest: {_motif_label(by_name[best])}, {max_energy[best]:.1f})"
            if best is not None
            else ""
        )
        rule = f"local energy >= {energy_threshold:g}"
        if response_threshold is not None:
            rule += f" and |response| >= {response_threshold:g}"
        ax.text(
            0.0,
            0.5,
            f"No motif reaches {rule}{detail}; lower energy_threshold= or pass motifs=.",
            transform=ax.transAxes,
            ha="left",
            va="center",
            fontsize=11,
            color="#555555",
        )
        _strip_axes(ax)
        return fig

    per_base = local.per_base[rows].to_numpy()
    limit = float(np.nanmax(np.abs(per_base))) if per_base.size else 0.0
    norm = Normalize(-limit, limit) if limit > 0 else Normalize(-1.0, 1.0)
    collection = None
    for name in rows:
        bottom, height = layout.take(row_height, gap=0.05)
        ax = layout.axes(bottom, height, label=f"iq-motif:{name}")
        collection = _draw_letters(
            ax,
            sequence,
            left,
            size,
            total,
            y_scale,
            values=local.per_base[name].to_numpy(),
            norm=norm,
        )
        ax.axhline(0.03, color="#e0e0e0", lw=0.6, zorder=0)
        ax.text(
            -0.008,
            0.5,
            _motif_label(by_name[name]),
            transform=ax.transAxes,
            ha="right",
            va="center",
            fontsize=10,
        )
        logo_ax = layout.axes(
            bottom, height, x=layout.logo_x, w=_LOGO_WIDTH, label=f"iq-logo:{name}"
        )
        logo(by_name[name], ax=logo_ax, kind="bits", title="")
        logo_ax.set_ylabel("")
        logo_ax.set_yticks([])
    bottom, _ = layout.take(0.14, gap=0.3)
    cax = layout.axes(bottom, 0.14, w=min(4.0, layout.main[1]), label="iq-colorbar")
    bar = fig.colorbar(collection, cax=cax, orientation="horizontal")
    bar.set_label("per-base contribution to the logit   (blue: closing, red: opening)", fontsize=9)
    bar.ax.tick_params(labelsize=8)
    return fig


def _header(fig, layout, model, sequence, window, title, decompose, bottom) -> None:
    place = f"{len(sequence)} bp sequence"
    if window is not None:
        chrom, start, end = window
        place = f"{chrom}:{_format_bp(start)}-{_format_bp(end)} ({len(sequence)} bp)"
    first = place if not title else f"{title}   {place}"
    second = ""
    try:
        parts = decompose(model, [sequence])
    except (ValueError, TypeError) as error:  # e.g. a model fitted with covariates
        second = f"predicted dAP: n/a ({error})"
    else:
        terms = parts.terms.iloc[0]
        top = terms.reindex(terms.abs().sort_values(ascending=False).index)[:5]
        labels = {m.name: _motif_label(m) for m in model.motifs_}
        shown = ", ".join(f"{labels.get(name, name)} {value:+.2f}" for name, value in top.items())
        second = (
            f"predicted dAP {parts.prediction[0]:+.3f}   logit {parts.logit[0]:+.2f} = "
            f"intercept {parts.intercept:+.2f} + terms (largest: {shown})"
        )
    x = layout.main[0] / layout.width
    fig.text(x, (bottom + 0.5) / layout.height, first, fontsize=13, weight="bold", va="bottom")
    fig.text(x, (bottom + 0.12) / layout.height, second, fontsize=10, va="bottom")


def _atac_panels(layout, tracks, tss, track_quantiles, chrom, start, end, ext_width) -> None:
    states = list(tracks)
    lengths = [_chrom_length(tracks[s], f"track {s!r}", chrom) for s in states]
    chrom_length = min(lengths)
    if end > chrom_length or start < 0:
        raise ValueError(
            f"window {chrom}:{start}-{end} runs outside the tracks' chromosome "
            f"({chrom} has {chrom_length:,} bp)"
        )
    centre = (start + end) // 2
    ext_start = max(0, (centre - ext_width // 2) // TRACK_BIN * TRACK_BIN)
    n_bins = max(1, (min(chrom_length, ext_start + ext_width) - ext_start) // TRACK_BIN)
    ext_end = ext_start + n_bins * TRACK_BIN
    ext_edges = ext_start + TRACK_BIN * np.arange(n_bins + 1)
    first = max(0, (start - ext_start) // TRACK_BIN)
    last = min(n_bins, -(-(end - ext_start) // TRACK_BIN))

    normalised = {}
    for state in states:
        values = _read_bins(tracks[state], f"track {state!r}", chrom, ext_start, n_bins)
        if track_quantiles is not None and state in track_quantiles:
            q = float(track_quantiles[state])
            if not q > 0:
                raise ValueError(f"track_quantiles[{state!r}] must be positive, got {q!r}")
        else:
            q = _track_quantile(values)
        normalised[state] = np.minimum(1.0, values / q)

    ext = layout.axes(*layout.take(1.6), label="iq-atac-ext")
    ext.axvspan(start, end, color="#bdbdbd", alpha=0.6, lw=0, label="_zoom window")
    for k, state in enumerate(states):
        _stairs(ext, normalised[state], ext_edges, _TRACK_COLORS[k % len(_TRACK_COLORS)], state)
    if tss is not None:
        _tss_labels(ext, _load_tss(tss), chrom, ext_start, ext_end, layout.main[1])
    ext.set_xlim(ext_start, ext_end)
    ext.set_ylim(0, 1.1 + 0.16 * _LABEL_LEVELS + 0.05)
    ext.set_yticks([0, 0.5, 1])
    ext.set_ylabel("ATAC\n(normalised)", fontsize=9)
    ext.spines[["top", "right"]].set_visible(False)
    ext.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:,.3f} Mb"))
    ext.tick_params(labelsize=8)
    ext.set_xlabel(f"{chrom}, {(ext_end - ext_start) / 1000:g} kb", fontsize=8, labelpad=1)

    zoom = layout.axes(*layout.take(1.0, gap=0.5), label="iq-atac-zoom")
    for k, state in enumerate(states):
        _stairs(
            zoom,
            normalised[state][first:last],
            ext_edges[first : last + 1],
            _TRACK_COLORS[k % len(_TRACK_COLORS)],
            state,
        )
    zoom.set_xlim(start, end)
    zoom.set_ylim(0, 1.05)
    zoom.set_yticks([0, 0.5, 1])
    zoom.set_xticks(start + _guide_positions(end - start))
    zoom.set_xticklabels([])
    zoom.set_ylabel("ATAC\n(zoom)", fontsize=9)
    zoom.spines[["top", "right"]].set_visible(False)
    zoom.tick_params(labelsize=8)
    handles = [
        Line2D([], [], color=_TRACK_COLORS[k % len(_TRACK_COLORS)], lw=2)
        for k in range(len(states))
    ]
    zoom.legend(
        handles,
        states,
        loc="center left",
        bbox_to_anchor=(1.0 + _LOGO_GAP / layout.main[1], 0.5),
        frameon=False,
        fontsize=9,
        title="ATAC",
        title_fontsize=9,
    )
    for x_ext, x_zoom in ((start, 0.0), (end, 1.0)):
        ext.add_artist(
            ConnectionPatch(
                xyA=(x_ext, 0),
                coordsA=ext.transData,
                xyB=(x_zoom, 1.0),
                coordsB=zoom.transAxes,
                color="#9e9e9e",
                ls=":",
                lw=0.8,
            )
        )
    layout.take(0, gap=0.1)


def _conservation_row(ax, path, chrom, start, end, edges, total) -> None:
    handle = _open_bigwig(path, "conservation")
    try:
        length = handle.chroms(chrom)
        if length is None:
            raise ValueError(f"conservation bigWig {path} has no chromosome {chrom!r}")
        values = np.asarray(handle.values(chrom, start, min(end, length)), dtype=np.float64)
    finally:
        handle.close()
    values = np.concatenate([values, np.zeros(end - start - len(values))])
    values = np.nan_to_num(values, nan=0.0)
    positive, negative = _CONSERVATION_COLORS
    for part, color, label in (
        (np.maximum(values, 0), positive, "conserved"),
        (np.minimum(values, 0), negative, "anti-conserved"),
    ):
        ax.add_artist(StepPatch(part, edges, fill=True, color=color, label=label))
    ax.axhline(0, color="#616161", lw=0.5)
    ax.set_xlim(0, total)
    top = float(np.abs(values).max()) or 1.0
    ax.set_ylim(-top if values.min() < 0 else 0, top)
    ax.set_xticks([])
    ax.yaxis.tick_right()
    ax.spines[["top", "left", "bottom"]].set_visible(False)
    ax.tick_params(labelsize=7)
    ax.text(
        -0.008, 0.5, "conservation", transform=ax.transAxes, ha="right", va="center", fontsize=10
    )
