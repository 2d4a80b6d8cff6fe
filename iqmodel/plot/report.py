"""The model report (spec 11.1): one row of six panels per motif, paged into PDF or PNG.

Columns of a motif row:

1. sequence logo in bits, titled with the motif name (and TF name);
2. partial response of every peak (x: normalised energy, y: logit-scale response of the
   motif, no intercept) with the motif's response curve drawn over it;
3. the GLM coefficients of the four logistic response functions;
4. spatial profile (weight per bin against bin start relative to the sequence centre), with
   the motif's added R^2 from the model's filter when known;
5. frequency of strong sites along the sequence in the top (red) and bottom (blue) 10 % of
   peaks by dAP (:func:`spatial_frequency`, rolling mean over 10 bp);
6. dAP per energy bin (0-3, 3-6, 6-7, 7-8, 8-9, 9-10) with the Kolmogorov-Smirnov D and
   p-value between the 0-3 and 9-10 bins.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from iqmodel._validation import check_target
from iqmodel.io._atomic import atomic_write
from iqmodel.motifs import Motif
from iqmodel.plot.summary import (
    NEGATIVE_COLOR,
    NEUTRAL_COLOR,
    POSITIVE_COLOR,
    _check_model,
    _delta_r2,
    _effect_color,
    _select_motifs,
    r2_scores,
)

__all__ = [
    "ENERGY_BINS",
    "SpatialFrequency",
    "check_figure_path",
    "new_figure",
    "report",
    "save_pages",
    "spatial_frequency",
]

ENERGY_BINS = (0.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0)
"""Edges of the energy bins of the boxplot column: [0, 3], (3, 6], (6, 7], ..., (9, 10]."""

ROWS_PER_PAGE = 12
"""Motif rows on one report page."""

_WIDTH_RATIOS = (0.19, 0.17, 0.11, 0.15, 0.23, 0.15)
_PAGE_WIDTH = 24.0  # inches
_ROW_HEIGHT = 2.0  # inches
_HEADER_HEIGHT = 0.6  # inches
_PNG_DPI = 120
_SHORT_RESPONSE = {
    "low-energy": "low",
    "sigmoid": "sigmoid",
    "high-energy": "high",
    "higher-energy": "higher",
    "linear": "linear",
}
_SMOOTH_BP = 10
_STRONG_SITE = 7.0  # spatial-frequency threshold (spec 11.2)
_PEAK_FRACTION = 0.1  # top and bottom fractions of peaks in the spatial-frequency column


class SpatialFrequency(NamedTuple):
    """Where strong sites of each motif lie, in the most and least accessible peaks.

    Attributes
    ----------
    frequency : DataFrame
        One row per motif and position: ``motif``, ``position`` (0-based start of the window
        in the sequence), ``offset`` (``position - seq_length / 2``, bp from the centre),
        ``top`` and ``bottom`` (fraction of the group's sequences with a strong site starting
        there; NaN where no full window starts).
    hits : DataFrame
        One row per motif: ``motif``, ``n_top`` and ``n_bottom`` (sequences in each group),
        ``top_hits`` and ``bottom_hits`` (strong sites in each group).
    seq_length : int
        Length of the sequences in bp.

    See Also
    --------
    spatial_frequency : Computes it.

    Examples
    --------
    Where the ``AGATAA`` sites of the top half of four sequences lie:

    >>> from iqmodel.motifs import Motif
    >>> from iqmodel.plot.report import spatial_frequency
    >>> a, g, t = [97, 1, 1, 1], [1, 1, 97, 1], [1, 1, 1, 97]
    >>> gata = Motif.from_counts("GATA", [a, g, a, t, a, a])
    >>> seqs = ["CCAGATAACC", "CCCAGATAAC", "CCCCCCCCCC", "CCCCCGCCCC"]
    >>> result = spatial_frequency([gata], seqs, [1.0, 0.9, 0.0, 0.1], top_q=0.5, bottom_q=0.5)
    >>> result.frequency.columns.tolist()
    ['motif', 'position', 'offset', 'top', 'bottom']
    >>> result.frequency["top"].tolist()[:5]  # one site starts at 2, one at 3; NaN at the end
    [0.0, 0.0, 0.5, 0.5, 0.0]
    >>> result.hits[["n_top", "top_hits"]].to_numpy().tolist()
    [[2, 2]]
    """

    frequency: pd.DataFrame
    hits: pd.DataFrame
    seq_length: int


# ---------------------------------------------------------------------------- validation


def _checked_fraction(value, name: str) -> float:
    if not isinstance(value, (int, float, np.floating)) or not 0 < value < 1:
        raise ValueError(f"{name} must be a fraction in (0, 1), got {value!r}")
    return float(value)


def _as_motifs(model_or_motifs) -> list[Motif]:
    if hasattr(model_or_motifs, "motifs_"):
        return list(model_or_motifs.motifs_)
    if isinstance(model_or_motifs, Motif):
        return [model_or_motifs]
    motifs = list(model_or_motifs)
    if not motifs or not all(isinstance(m, Motif) for m in motifs):
        raise ValueError(
            "model_or_motifs must be a fitted IQModel, a Motif or a non-empty list of Motif objects"
        )
    return motifs


def _group_size(fraction: float, n: int) -> int:
    return int(min(n, max(1, round(fraction * n))))


# ---------------------------------------------------------------------------- spatial frequency


def _group_local_energies(codes: np.ndarray, motif: Motif) -> np.ndarray:
    """Local energies (n, length) of a group, NaN where no full window starts.

    The group's sequences are joined into one and scored with a single
    :func:`~iqmodel.energy.local_energies` call; windows that cross from one sequence into the
    next are then discarded, so every kept value is that of the sequence alone.
    """
    from iqmodel.energy import local_energies

    n, length = codes.shape
    energies = local_energies(codes.reshape(-1), motif).reshape(n, length)
    energies[:, max(length - motif.length + 1, 0) :] = np.nan
    return energies


def _legacy_normalise(energies: np.ndarray, min_energy: float = -10.0) -> np.ndarray:
    """Spec 3.10.5 with ``q = 1``: log2 ratio to the maximum, clipped at ``min_energy``,
    shifted to ``[0, -min_energy]``; NaN stays NaN."""
    if np.isnan(energies).all():
        return energies.copy()
    log2 = energies / np.log(2)
    return np.clip(log2 - np.nanmax(log2), min_energy, 0.0) - min_energy


def spatial_frequency(
    model_or_motifs, seqs, dap, *, threshold: float = 7.0, top_q: float = 0.1, bottom_q: float = 0.1
) -> SpatialFrequency:
    """Per-position frequency of strong motif sites in the most vs least accessible peaks.

    Spec 11.2: peaks are ranked by dAP and the top ``top_q`` and bottom ``bottom_q`` fractions
    are kept (at least one peak each). For each motif and group, the local energy of every
    window (:func:`~iqmodel.energy.local_energies`: one window, both strands, no spatial
    weighting) is normalised over the whole group (positions x sequences) with the legacy
    normaliser of spec 3.10.5: ``clip(E / ln 2 - max(E / ln 2), -10, 0) + 10``, so 10 is the
    best window of the group. A window with a value ``>= threshold`` is a strong site (with
    the default 7: within 3 log2 units of the group's best). The frequency at a position is
    the fraction of the group's sequences with a strong site starting there.

    The reference resizes peaks to 1000 bp first; here the sequences are used as given.

    Parameters
    ----------
    model_or_motifs : IQModel, Motif or list of Motif
        The motifs (a model's ``motifs_``); spatial profiles are ignored.
    seqs : list of str or int8 array (n_seqs, length)
        Equal-length sequences.
    dap : array-like of float, shape (n_seqs,)
        Accessibility change used to rank the peaks.
    threshold : float in [0, 10], default 7
        Normalised energy of a strong site.
    top_q, bottom_q : float in (0, 1), default 0.1
        Fractions of peaks in the top and bottom groups (``round(q * n_seqs)``, at least 1).

    Returns
    -------
    SpatialFrequency
        ``frequency`` with ``n_motifs * seq_length`` rows, ``hits`` with one row per motif.

    Raises
    ------
    ValueError
        For fewer than 2 sequences, sequences of unequal length, a ``dap`` of another
        length or with non-finite values, or a ``threshold``/``top_q``/``bottom_q`` out of
        range.

    Examples
    --------
    Twenty random 40-bp sequences; the ten with dAP 1 carry a GATA site at position 10:

    >>> import numpy as np
    >>> from iqmodel.motifs import Motif
    >>> from iqmodel.plot.report import spatial_frequency
    >>> a, g, t = [97, 1, 1, 1], [1, 1, 97, 1], [1, 1, 1, 97]
    >>> gata = Motif.from_counts("GATA", [a, g, a, t, a, a])  # AGATAA
    >>> rng = np.random.default_rng(0)
    >>> seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(20)]
    >>> seqs = [s[:10] + "AGATAA" + s[16:] if i < 10 else s for i, s in enumerate(seqs)]
    >>> dap = np.r_[np.ones(10), np.zeros(10)]
    >>> result = spatial_frequency([gata], seqs, dap, top_q=0.5, bottom_q=0.5)
    >>> result.frequency.shape, result.seq_length
    ((40, 5), 40)
    >>> top = result.frequency.set_index("position")["top"]
    >>> float(top[10]), float(top.drop(10).max())  # every top sequence, only there
    (1.0, 0.0)
    >>> result.hits[["n_top", "top_hits"]].to_numpy().tolist()
    [[10, 10]]
    """
    from iqmodel.seq import encode

    motifs = _as_motifs(model_or_motifs)
    codes = encode(seqs)
    n, length = codes.shape
    if n < 2:
        raise ValueError(f"need at least 2 sequences to form top and bottom groups, got {n}")
    dap = check_target(dap, n)
    if not isinstance(threshold, (int, float, np.number)) or not 0 <= threshold <= 10:
        raise ValueError(f"threshold must be a number in [0, 10], got {threshold!r}")
    top_q = _checked_fraction(top_q, "top_q")
    bottom_q = _checked_fraction(bottom_q, "bottom_q")
    top = np.argsort(-dap, kind="stable")[: _group_size(top_q, n)]
    bottom = np.argsort(dap, kind="stable")[: _group_size(bottom_q, n)]
    position = np.arange(length)
    frames, hit_rows = [], []
    for motif in motifs:
        columns = {"motif": motif.name, "position": position, "offset": position - length / 2}
        counts = {"motif": motif.name}
        for group, rows in (("top", top), ("bottom", bottom)):
            values = _legacy_normalise(_group_local_energies(codes[rows], motif))
            hits = values >= threshold  # NaN compares False
            frequency = hits.mean(axis=0)
            frequency[np.isnan(values).all(axis=0)] = np.nan
            columns[group] = frequency
            counts[f"n_{group}"] = len(rows)
            counts[f"{group}_hits"] = int(hits.sum())
        frames.append(pd.DataFrame(columns))
        hit_rows.append(counts)
    hits = pd.DataFrame(hit_rows, columns=["motif", "n_top", "n_bottom", "top_hits", "bottom_hits"])
    return SpatialFrequency(pd.concat(frames, ignore_index=True), hits, length)


# ---------------------------------------------------------------------------- panels


def _energy_groups(energy: np.ndarray, dap: np.ndarray) -> list[np.ndarray]:
    """dAP of the peaks in each energy bin: [0, 3], (3, 6], ..., (9, 10]."""
    bins = np.searchsorted(np.asarray(ENERGY_BINS[1:-1]), energy, side="left")
    return [dap[bins == k] for k in range(len(ENERGY_BINS) - 1)]


def _bin_label(k: int) -> str:
    low, high = ENERGY_BINS[k], ENERGY_BINS[k + 1]
    return f"{low:g}–{high:g}"


def _panel_response(ax, energy, partial, curve) -> None:
    effect = float(curve.iloc[-1] - curve.iloc[0])
    ax.plot(
        curve.index.to_numpy(),
        curve.to_numpy(),
        color=_effect_color(effect),
        lw=3,
        alpha=0.5,
        gid="response_curve",
    )
    # the peaks lie on the curve: dark dots show where along it they are
    ax.scatter(
        energy,
        partial,
        s=5,
        color="0.1",
        alpha=0.3,
        linewidths=0,
        zorder=3,
        rasterized=len(energy) > 2000,
    )
    ax.axhline(0, color="0.85", lw=0.6, zorder=0)
    ax.set_xlim(-0.3, 10.3)
    ax.set_xlabel("energy")
    ax.set_ylabel("response (logit)")
    ax.set_title("partial response (peaks + curve)")


def _panel_coefficients(ax, coef: pd.DataFrame) -> None:
    order = {name: i for i, name in enumerate(_SHORT_RESPONSE)}
    coef = coef.sort_values("response", key=lambda s: s.map(order), kind="stable")
    values = coef["coefficient"].to_numpy()
    ax.bar(
        np.arange(len(values)),
        values,
        color=[_effect_color(v) for v in values],
        width=0.7,
        gid="coefficients",
    )
    ax.axhline(0, color="0.3", lw=0.6)
    ax.set_xticks(np.arange(len(values)))
    ax.set_xticklabels([_SHORT_RESPONSE.get(r, r) for r in coef["response"]], rotation=30)
    ax.set_title("coefficients")


def _panel_spatial(ax, motif: Motif, seq_length: int, delta: float | None) -> None:
    title = "spatial profile" if delta is None else f"spatial profile, ΔR² = {delta:.3f}"
    ax.set_title(title)
    ax.set_xlim(-seq_length / 2, seq_length / 2)
    ax.set_xlabel("bin start from centre (bp)")
    if motif.spatial is None:
        ax.text(
            0.5,
            0.5,
            "no spatial profile\n(uniform)",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="0.4",
        )
        ax.set_yticks([])
        return
    starts = motif.frame_start(seq_length) + motif.bin_size * np.arange(motif.n_bins)
    ax.plot(
        starts - seq_length / 2,
        motif.spatial,
        color="0.2",
        marker="o",
        ms=2.5,
        lw=1.2,
        gid="spatial_profile",
    )
    ax.set_ylim(0, max(float(np.max(motif.spatial)), 1e-12) * 1.1)
    ax.set_ylabel("weight")


def _panel_frequency(ax, frequency: pd.DataFrame, hits: pd.Series, q: tuple, threshold) -> None:
    offset = frequency["offset"].to_numpy()
    for group, color, fraction in (("top", POSITIVE_COLOR, q[0]), ("bottom", NEGATIVE_COLOR, q[1])):
        smooth = frequency[group].rolling(_SMOOTH_BP, center=True, min_periods=1).mean().to_numpy()
        n_seqs, n_hits = int(hits[f"n_{group}"]), int(hits[f"{group}_hits"])
        label = f"{group} {fraction:.0%} (n={n_seqs}): {n_hits} hits, {n_hits / n_seqs:.2f}/seq"
        ax.plot(offset, smooth, color=color, lw=1.0, label=label, gid=f"frequency_{group}")
    ax.set_xlim(offset[0], offset[-1] + 1)
    ax.set_xlabel("position from centre (bp)")
    ax.set_ylabel("site frequency")
    ax.set_title(f"strong sites (E ≥ {threshold:g}), {_SMOOTH_BP}-bp mean")
    # headroom above the curves for the legend
    peak = max([0.0, *(np.nanmax(np.r_[0.0, line.get_ydata()]) for line in ax.lines)])
    ax.set_ylim(0, 1.5 * peak if peak > 0 else 1.0)
    ax.legend(loc="upper left", fontsize=6.5, frameon=False, handlelength=1.2)


def _panel_boxes(ax, energy: np.ndarray, dap: np.ndarray, ylim: tuple[float, float]) -> None:
    from scipy.stats import ks_2samp

    groups = _energy_groups(energy, dap)
    filled = [k for k, g in enumerate(groups) if len(g)]
    if filled:
        parts = ax.boxplot(
            [groups[k] for k in filled],
            positions=filled,
            widths=0.6,
            showfliers=False,
            patch_artist=True,
            medianprops={"color": "0.1", "lw": 1.2},
        )
        for patch in parts["boxes"]:
            patch.set(facecolor="#E8E8E8", edgecolor="0.3", lw=0.8)
    ax.axhline(0, color="0.8", lw=0.6, zorder=0)
    ax.set_xticks(np.arange(len(groups)))
    ax.set_xticklabels([f"{_bin_label(k)}\n{len(g)}" for k, g in enumerate(groups)])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_ylim(*ylim)
    ax.set_xlabel("energy bin (n peaks)")
    ax.set_ylabel("dAP")
    low, high = groups[0], groups[-1]
    if len(low) >= 3 and len(high) >= 3:
        test = ks_2samp(low, high)
        ax.set_title(
            f"KS 0–3 vs 9–10: D = {test.statistic:.2f}, p = {test.pvalue:.2g}",
            color=POSITIVE_COLOR if test.pvalue <= 0.01 else "black",
        )
    else:
        ax.set_title(f"KS 0–3 vs 9–10: n<3 (n = {len(low)}, {len(high)})", color=NEUTRAL_COLOR)


# ---------------------------------------------------------------------------- pages and files


def _header(model, train: tuple, test: tuple | None, n_motifs: int, page: int, pages: int):
    (r2, pearson2, n) = train
    parts = [f"IQ model report — train: R² = {r2:.3f}, r² = {pearson2:.3f} (n = {n})"]
    if test is not None:
        parts.append(f"test: R² = {test[0]:.3f}, r² = {test[1]:.3f} (n = {test[2]})")
    n_interactions = 0 if model.interactions_ is None else len(model.interactions_)
    parts.append(f"{len(model.motifs_)} motifs, {n_interactions} interactions")
    if pages > 1:
        parts.append(f"page {page}/{pages} ({n_motifs} motif rows)")
    return "  |  ".join(parts)


def _page_paths(path: Path, pages: int) -> list[Path]:
    return [path] + [
        path.with_name(f"{path.stem}_page{k}{path.suffix}") for k in range(2, pages + 1)
    ]


def save_pages(figures: list, path: Path) -> None:
    """Write figures atomically: one multi-page PDF, or for ``.png`` one file per page
    (``name.png``, ``name_page2.png``, ...).

    Parameters
    ----------
    figures : list of matplotlib Figure
        The pages, in order.
    path : Path
        Target file, checked by :func:`check_figure_path`: ``.pdf`` for one multi-page PDF,
        ``.png`` for one PNG per page (120 dpi). Each file is written to a temporary file in
        the same folder, then renamed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from matplotlib.figure import Figure
    >>> from iqmodel.plot.report import check_figure_path, save_pages
    >>> pages = [Figure(figsize=(2, 1)), Figure(figsize=(2, 1))]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_pages(pages, check_figure_path(pathlib.Path(folder, "report.png")))
    ...     print(sorted(p.name for p in pathlib.Path(folder).iterdir()))
    ['report.png', 'report_page2.png']
    """
    if path.suffix.lower() == ".pdf":
        from matplotlib.backends.backend_pdf import PdfPages

        def write(temporary):
            with PdfPages(temporary) as pdf:
                for figure in figures:
                    pdf.savefig(figure)

        atomic_write(path, write)
        return
    for figure, page_path in zip(figures, _page_paths(path, len(figures)), strict=True):
        atomic_write(
            page_path, lambda temporary, f=figure: f.savefig(temporary, format="png", dpi=_PNG_DPI)
        )


def check_figure_path(path) -> Path | None:
    """``path`` as a Path (None stays None); it must end with .pdf or .png in an existing
    folder.

    Parameters
    ----------
    path : str, Path or None
        Where figures are to be written.

    Returns
    -------
    Path or None
        ``path`` as a Path; None when ``path`` is None.

    Raises
    ------
    ValueError
        When the suffix is not ``.pdf`` or ``.png`` (any case), or the folder does not exist.

    Examples
    --------
    >>> from iqmodel.plot.report import check_figure_path
    >>> check_figure_path("report.PDF").name, check_figure_path(None)
    ('report.PDF', None)
    >>> check_figure_path("report.svg")
    Traceback (most recent call last):
    ...
    ValueError: path must end with .pdf or .png, got 'report.svg'
    """
    if path is None:
        return None
    path = Path(path)
    if path.suffix.lower() not in (".pdf", ".png"):
        raise ValueError(f"path must end with .pdf or .png, got {str(path)!r}")
    if not path.parent.is_dir():
        raise ValueError(
            f"the folder of path does not exist: {str(path.parent)!r}; create it first"
        )
    return path


def report(
    model,
    seqs,
    dap,
    *,
    features=None,
    test_seqs=None,
    test_dap=None,
    test_features=None,
    motifs=None,
    path=None,
    fig=None,
    max_motifs: int | None = None,
    rows_per_page: int = ROWS_PER_PAGE,
):
    """Draw the model report (spec 11.1): one row of six panels per motif.

    Rows are ordered by the motifs' added R^2 from the model's filter (``filter_report_``)
    when it ran, else by their largest absolute coefficient. Each page is 24 in wide and
    2 in per motif row; a header line gives R^2 (coefficient of determination) and Pearson
    r^2 of the predictions on ``seqs`` (labelled "train") and on the test data when given.
    See the module docstring for the six columns.

    Parameters
    ----------
    model : fitted IQModel
        The model to report on.
    seqs : list of str or int8 array (n_seqs, length)
        Equal-length peaks, typically the training set; they feed every data panel.
    dap : array-like of float, shape (n_seqs,)
        Observed dAP of ``seqs``.
    features : DataFrame, optional
        Covariates of ``seqs`` when the model was fitted with some.
    test_seqs, test_dap, test_features : optional
        Held-out data; only adds the test R^2 to the header.
    motifs : list of str or Motif, optional
        Motifs to show, in this order; default all.
    path : str or Path, optional
        Where to write the report: ``.pdf`` writes one multi-page PDF; ``.png`` writes page 1
        to ``path`` and page k >= 2 to ``<stem>_page<k>.png`` next to it. Files are written to
        a temporary file in the same folder and renamed.
    fig : matplotlib Figure, optional
        Figure to draw a one-page report on (resized to the report size); the motifs must then
        fit on one page.
    max_motifs : int, optional
        Show at most this many motifs (the first in report order).
    rows_per_page : int, default 12
        Motif rows per page.

    Returns
    -------
    list of matplotlib Figure
        One Figure per page, always a list (of one Figure for a one-page report). Figures
        are pyplot figures when ``path`` is None (so notebooks show them) and detached
        ``matplotlib.figure.Figure`` objects otherwise (nothing accumulates in pyplot).

    Raises
    ------
    TypeError
        When ``model`` is not a fitted IQModel.
    ValueError
        For fewer than 2 sequences, a ``dap`` of another length, ``test_seqs`` without
        ``test_dap`` (or the reverse), an invalid ``max_motifs``/``rows_per_page``, a
        ``path`` that is not ``.pdf``/``.png`` in an existing folder, an unknown motif, or
        more motifs than one page holds with ``fig=``.

    Examples
    --------
    A small model on planted GATA1 and FOXA2 sites, one motif row per page:

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.plot import report
    >>> data = make_planted_dataset(
    ...     n_seqs=200, seq_length=100, motifs=["GATA1", "FOXA2"], random_state=0
    ... )
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> pages = report(model, data.sequences, data.dap, rows_per_page=1)
    >>> len(pages), [len(page.axes) for page in pages]  # six panels per motif row
    (2, [6, 6])
    >>> [page.axes[0].get_title() for page in pages]
    ['MA0035.5 (GATA1)', 'MA0047.4 (FOXA2)']
    >>> pages[0].axes[2].get_title(), pages[0].axes[5].get_ylabel()
    ('coefficients', 'dAP')
    >>> plt.close("all")
    """
    from iqmodel.interpret import decompose
    from iqmodel.seq import encode

    _check_model(model)
    path = check_figure_path(path)
    codes = encode(seqs)
    dap = check_target(dap, len(codes))
    if len(codes) < 2:
        raise ValueError(f"need at least 2 sequences for a report, got {len(codes)}")
    if (test_seqs is None) != (test_dap is None):
        raise ValueError("pass test_seqs and test_dap together (or neither)")
    for name, value in (("max_motifs", max_motifs), ("rows_per_page", rows_per_page)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    chosen = _select_motifs(model, motifs)
    if max_motifs is not None:
        chosen = chosen[:max_motifs]
    pages = -(-len(chosen) // rows_per_page)
    if fig is not None and pages > 1:
        raise ValueError(
            f"fig= holds one page of {rows_per_page} rows but there are {len(chosen)} motifs; "
            "pass max_motifs or rows_per_page, or leave fig=None to get one Figure per page"
        )

    parts = decompose(model, codes, features=features)
    energies = parts.inputs
    train = (*r2_scores(dap, parts.prediction), len(dap))
    test = None
    if test_seqs is not None:
        test_codes = encode(test_seqs)
        test_values = check_target(test_dap, len(test_codes), "test_dap")
        prediction = model.predict(test_codes, features=test_features)
        test = (*r2_scores(test_values, prediction), len(test_values))
    coef = model.coef_
    delta = _delta_r2(model)
    frequency = spatial_frequency(
        chosen,
        codes,
        dap,
        threshold=_STRONG_SITE,
        top_q=_PEAK_FRACTION,
        bottom_q=_PEAK_FRACTION,
    )
    spread = np.quantile(dap, [0.005, 0.995])
    pad = 0.08 * max(spread[1] - spread[0], 1e-9)
    ylim = (float(spread[0] - pad), float(spread[1] + pad))

    import matplotlib as mpl

    figures = []
    with mpl.rc_context({"font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 7.5}):
        for page in range(pages):
            rows = chosen[page * rows_per_page : (page + 1) * rows_per_page]
            size = (_PAGE_WIDTH, _HEADER_HEIGHT + _ROW_HEIGHT * len(rows))
            figure = _page_figure(fig, size, path is None)
            axes = figure.subplots(
                len(rows),
                len(_WIDTH_RATIOS),
                squeeze=False,
                gridspec_kw={"width_ratios": _WIDTH_RATIOS},
            )
            for row, motif in zip(axes, rows, strict=True):
                _draw_row(
                    row,
                    model,
                    motif,
                    codes.shape[1],
                    energies,
                    parts,
                    coef,
                    delta,
                    frequency,
                    dap,
                    ylim,
                )
            figure.suptitle(
                _header(model, train, test, len(rows), page + 1, pages),
                x=0.01,
                ha="left",
                fontsize=11,
                fontweight="bold",
            )
            figures.append(figure)
    if path is not None:
        save_pages(figures, path)
    return figures


def _page_figure(fig, size, use_pyplot: bool):
    if fig is not None:
        fig.set_size_inches(*size)
        fig.set_layout_engine("constrained", h_pad=0.06, w_pad=0.08, hspace=0.04, wspace=0.03)
        return fig
    figure = new_figure(size, pyplot=use_pyplot)
    figure.set_layout_engine("constrained", h_pad=0.06, w_pad=0.08, hspace=0.04, wspace=0.03)
    return figure


def new_figure(size: tuple[float, float], *, pyplot: bool = True):
    """A new figure with the constrained layout: a pyplot figure (shown in notebooks), or a
    detached :class:`~matplotlib.figure.Figure` that pyplot does not track (for figures that
    are only saved, so a script writing many reports does not pile up open figures and no
    backend is switched).

    Parameters
    ----------
    size : (float, float)
        Width and height in inches.
    pyplot : bool, default True
        Make it through pyplot.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure = new_figure((3, 2), pyplot=False)
    >>> figure.get_size_inches().tolist(), figure in map(plt.figure, plt.get_fignums())
    ([3.0, 2.0], False)
    """
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=size, layout="constrained")
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def _draw_row(row, model, motif, seq_length, energies, parts, coef, delta, frequency, dap, ylim):
    from iqmodel.interpret import response_curve
    from iqmodel.plot.logo import logo

    name = motif.name
    logo(motif, ax=row[0], kind="bits", title=motif.label)
    row[0].title.set_fontsize(10)
    row[0].title.set_fontweight("bold")
    energy = energies[name].to_numpy()
    _panel_response(row[1], energy, parts.terms[name].to_numpy(), response_curve(model, name))
    _panel_coefficients(row[2], coef[(coef["variable"] == name) & (coef["kind"] == "motif")])
    _panel_spatial(row[3], motif, seq_length, delta.get(name))
    freq = frequency.frequency[frequency.frequency["motif"] == name].reset_index(drop=True)
    hits = frequency.hits.set_index("motif").loc[name]
    _panel_frequency(row[4], freq, hits, (_PEAK_FRACTION, _PEAK_FRACTION), _STRONG_SITE)
    _panel_boxes(row[5], energy, dap, ylim)
