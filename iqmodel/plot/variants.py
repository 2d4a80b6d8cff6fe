"""Figures of variant effects: the variant IQ-plot and the mutagenesis map.

* :func:`variant_iq_plot`: the reference and alternative sequences around a variant, letters
  coloured by their per-base contribution to the logit (the attribution of the IQ-plot,
  :func:`iqmodel.interpret.local_contributions`), the per-base change of that attribution
  (alt minus ref) over the whole window, and the change of each model term.
* :func:`mutagenesis_map`: the effect of every substitution of a region as a position x base
  heatmap, or as a logo of the reference bases' importance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from iqmodel.plot.iq_plot import CONTRIBUTION_CMAP
from iqmodel.plot.logo import BASE_COLORS

__all__ = ["mutagenesis_map", "variant_iq_plot"]

_KINDS = ("heatmap", "logo")


def _per_base(model, seq: str) -> np.ndarray:
    """Per-base contribution of all motifs to the logit, shape (length,)."""
    from iqmodel.interpret import local_contributions

    return local_contributions(model, seq).per_base.sum(axis=1).to_numpy()


def _first_difference(ref: str, alt: str) -> int:
    different = [i for i, (a, b) in enumerate(zip(ref, alt, strict=True)) if a != b]
    return different[0] if different else len(ref) // 2


def _letters(ax, seq: str, values: np.ndarray, start: int, norm, marked: int, label: str):
    for i in range(start, start + len(values)):
        colour = CONTRIBUTION_CMAP(norm(values[i - start]))
        weight = "bold" if i == marked else "normal"
        ax.text(
            i,
            0.5,
            seq[i],
            ha="center",
            va="center",
            color=colour,
            fontsize=11,
            fontweight=weight,
            family="monospace",
        )
    ax.axvspan(marked - 0.5, marked + 0.5, color="#ffe08a", zorder=0)
    ax.set_xlim(start - 0.5, start + len(values) - 0.5)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_ylabel(label, rotation=0, ha="right", va="center")


def variant_iq_plot(
    model,
    ref_seq: str,
    alt_seq: str,
    *,
    position=None,
    flank: int = 20,
    top: int = 8,
    fig=None,
    title: str | None = None,
) -> Figure:
    """IQ-plot of a variant: ref row, alt row, per-base change of attribution, term changes.

    Parameters
    ----------
    model : IQModel
        A fitted model.
    ref_seq, alt_seq : str
        The two windows (training length, e.g. from :func:`iqmodel.variants.score_variants`:
        ``window_start``/``offset``), aligned left of the variant.
    position : int, optional
        0-based offset of the variant in the windows; default the first differing base.
    flank : int, default 20
        Bases shown on each side of the variant in the letter rows.
    top : int, default 8
        Terms shown in the term panel (largest absolute change first).
    fig : Figure, optional
        An empty Figure to draw into; default a new detached 12 x 6.5 in Figure.
    title : str, optional
        First line of the figure title; the second gives ``delta`` (dAP), ``delta_logit``
        and the term that changes most.

    Returns
    -------
    Figure
        Axes labelled ``"variant-ref"``, ``"variant-alt"``, ``"variant-change"`` (per-base
        attribution change, logit units per base) and ``"variant-terms"`` (change of each
        term's logit contribution; they sum to ``delta_logit``).

    Raises
    ------
    ValueError
        When the two windows differ in length or are not of the model's training length.

    See Also
    --------
    iqmodel.variants.variant_effects : The numbers behind the figure.

    Examples
    --------
    The substitution that lowers the prediction of the most accessible planted sequence
    most (found by saturation mutagenesis) breaks a GATA1 site:

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.plot.variants import variant_iq_plot
    >>> from iqmodel.variants import saturation_mutagenesis
    >>> data = make_planted_dataset(
    ...     n_seqs=200, seq_length=100, motifs=["GATA1", "FOXA2"], random_state=0
    ... )
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> ref = data.sequences[int(np.argmax(data.dap))]
    >>> worst = saturation_mutagenesis(model, ref).table.nsmallest(1, "delta").iloc[0]
    >>> position = int(worst["position"])
    >>> alt = ref[:position] + worst["alt_base"] + ref[position + 1 :]
    >>> fig = variant_iq_plot(model, ref, alt)
    >>> [ax.get_label() for ax in fig.axes]
    ['variant-ref', 'variant-alt', 'variant-change', 'variant-terms']
    >>> terms = fig.axes[3]
    >>> [label.get_text() for label in terms.get_yticklabels()][-1]  # largest change on top
    'MA0035.5'
    >>> logit = model.decision_function([ref, alt])
    >>> bool(np.isclose(sum(bar.get_width() for bar in terms.patches), logit[1] - logit[0]))
    True
    """
    from iqmodel.variants import TERM_PREFIX, variant_effects

    ref_seq, alt_seq = ref_seq.upper(), alt_seq.upper()
    if len(ref_seq) != len(alt_seq):
        raise ValueError(
            f"ref_seq has {len(ref_seq)} bp and alt_seq {len(alt_seq)} bp; pass windows of "
            "one length (score_variants builds them)"
        )
    effect = variant_effects(model, [ref_seq], [alt_seq]).iloc[0]
    marked = _first_difference(ref_seq, alt_seq) if position is None else int(position)
    ref_values, alt_values = _per_base(model, ref_seq), _per_base(model, alt_seq)
    start = max(0, marked - flank)
    stop = min(len(ref_seq), marked + flank + 1)
    limit = float(np.max(np.abs(np.r_[ref_values, alt_values]), initial=0.0)) or 1.0
    norm = Normalize(-limit, limit)
    fig = Figure(figsize=(12, 6.5)) if fig is None else fig
    grid = fig.add_gridspec(4, 2, width_ratios=[3, 1], height_ratios=[0.6, 0.6, 1.6, 0.2])
    ax_ref = fig.add_subplot(grid[0, 0], label="variant-ref")
    _letters(ax_ref, ref_seq, ref_values[start:stop], start, norm, marked, "ref")
    ax_ref.set_xticks([])
    ax_alt = fig.add_subplot(grid[1, 0], label="variant-alt", sharex=ax_ref)
    _letters(ax_alt, alt_seq, alt_values[start:stop], start, norm, marked, "alt")
    ax_change = fig.add_subplot(grid[2, 0], label="variant-change")
    change = alt_values - ref_values
    ax_change.bar(
        np.arange(len(change)),
        change,
        width=1.0,
        color=CONTRIBUTION_CMAP(norm(np.clip(change, -limit, limit))),
    )
    ax_change.axvspan(start - 0.5, stop - 0.5, color="#ffe08a", alpha=0.4, zorder=0)
    ax_change.axhline(0, color="#888888", lw=0.6)
    ax_change.set_xlabel("position in window (bp)")
    ax_change.set_ylabel("alt - ref attribution\n(logit per base)")
    terms = effect[[c for c in effect.index if c.startswith(TERM_PREFIX)]].astype(float)
    terms = terms.reindex(terms.abs().sort_values(ascending=False).index)[:top][::-1]
    ax_terms = fig.add_subplot(grid[:3, 1], label="variant-terms")
    ax_terms.barh(
        [t.removeprefix(TERM_PREFIX) for t in terms.index],
        terms.to_numpy(),
        color=["#d7191c" if v > 0 else "#1d3fcf" for v in terms.to_numpy()],
    )
    ax_terms.axvline(0, color="#888888", lw=0.6)
    ax_terms.set_xlabel("change of logit term")
    ax_terms.tick_params(axis="y", labelsize=8)
    heading = (
        f"delta dAP {effect['delta']:+.4f}   delta logit {effect['delta_logit']:+.3f}   "
        f"(alt minus ref; largest term: {effect['top_term'] or 'none'})"
    )
    fig.suptitle(heading if title is None else f"{title}\n{heading}", fontsize=11)
    return fig


def mutagenesis_map(ism, *, value: str = "delta", trajectory=None, kind: str = "heatmap", ax=None):
    """Draw saturation mutagenesis of a region.

    Parameters
    ----------
    ism : Mutagenesis
        From :func:`iqmodel.variants.saturation_mutagenesis`.
    value : str, default "delta"
        Column shown (``"delta"`` dAP, ``"delta_logit"``, a ``dlogit_<term>``).
    trajectory : optional
        Trajectory of a multi-trajectory model.
    kind : {"heatmap", "logo"}, default "heatmap"
        ``"heatmap"``: bases (rows A, C, G, T) x positions, colour = effect (0 at the
        reference base). ``"logo"``: each reference base with height ``-mean`` of its
        substitutions' effects (tall positive letters: bases whose loss lowers the value).
    ax : matplotlib Axes, optional
        Axes to draw on; default the axes of a new detached Figure.

    Returns
    -------
    matplotlib Axes
        The axes drawn on; x is the position in the sequence (bp).

    Raises
    ------
    ValueError
        For an unknown ``kind`` or ``value``, or a missing ``trajectory`` of a
        multi-trajectory model.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.plot.variants import mutagenesis_map
    >>> from iqmodel.variants import saturation_mutagenesis
    >>> data = make_planted_dataset(
    ...     n_seqs=200, seq_length=100, motifs=["GATA1", "FOXA2"], random_state=0
    ... )
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> ism = saturation_mutagenesis(model, data.sequences[0], start=40, end=60)
    >>> ax = mutagenesis_map(ism)
    >>> ax.images[0].get_array().shape  # bases x positions
    (4, 20)
    >>> [label.get_text() for label in ax.get_yticklabels()], ax.get_xlabel()
    (['A', 'C', 'G', 'T'], 'position (bp)')
    >>> mutagenesis_map(ism, kind="logo", value="delta_logit").get_ylabel()
    '-mean delta_logit'
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    matrix = ism.matrix(value, trajectory=trajectory)
    if ax is None:
        ax = Figure(figsize=(max(6.0, 0.12 * len(matrix)), 2.4)).add_subplot()
    positions = matrix.index.to_numpy()
    if kind == "heatmap":
        limit = float(np.abs(matrix.to_numpy()).max()) or 1.0
        image = ax.imshow(
            matrix.to_numpy().T,
            aspect="auto",
            cmap=CONTRIBUTION_CMAP,
            vmin=-limit,
            vmax=limit,
            interpolation="nearest",
            extent=(positions[0] - 0.5, positions[-1] + 0.5, 3.5, -0.5),
        )
        ax.set_yticks(range(4), list("ACGT"))
        ax.figure.colorbar(image, ax=ax, label=value, fraction=0.03)
    else:
        import logomaker

        ref = [ism.sequence[p] for p in positions]
        n_alt = np.array([3 if base in "ACGT" else 4 for base in ref])
        importance = -matrix.to_numpy().sum(axis=1) / n_alt
        heights = pd.DataFrame(0.0, index=positions, columns=list("ACGT"))
        for row, (base, height) in enumerate(zip(ref, importance, strict=True)):
            if base in "ACGT":
                heights.iloc[row, "ACGT".index(base)] = height
        logomaker.Logo(heights, ax=ax, color_scheme=BASE_COLORS, show_spines=False)
        ax.axhline(0, color="#888888", lw=0.6)
        ax.set_ylabel(f"-mean {value}")
    ax.set_xlabel("position (bp)")
    return ax
