"""Whole-model figures: prediction scatter, response curves (paper Fig. 2F), interaction network
(paper Fig. 3G).

Every function takes ``ax=`` (or ``fig=`` for multi-panel figures) and returns what it drew on.
Nothing here touches pyplot state except creating a figure when none is given.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from sklearn.utils.validation import check_is_fitted

from iqmodel.metrics import pearson_r2, r2_score
from iqmodel.motifs import resolve_motifs

__all__ = ["interaction_network", "prediction_scatter", "response_curves"]

POSITIVE_COLOR = "#C0392B"
"""Colour of positive effects (motifs that open chromatin, positive interactions)."""
NEGATIVE_COLOR = "#2E6DB4"
"""Colour of negative effects."""
NEUTRAL_COLOR = "#9E9E9E"
"""Colour of things without an effect (zero coefficients, motifs without interactions)."""


# ---------------------------------------------------------------------------- shared helpers


def _new_axes(figsize):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _new_figure(figsize):
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize)


def _check_model(model) -> None:
    if not hasattr(model, "motifs_") or not hasattr(model, "coef_"):
        raise TypeError(f"model must be a fitted IQModel, got {type(model).__name__}")
    check_is_fitted(model, "glm_")


def _short_label(motif) -> str:
    """The TF name when known (``alt_name``), else the motif name."""
    return motif.alt_name or motif.name


def _delta_r2(model) -> dict[str, float]:
    """Added R^2 of each kept motif from ``filter_report_`` (empty when the filter did not run)."""
    report = getattr(model, "filter_report_", None)
    if report is None or "added_r2" not in report:
        return {}
    kept = {m.name for m in model.motifs_}
    return {
        str(name): float(value)
        for name, value in zip(report["motif"], report["added_r2"], strict=True)
        if name in kept and np.isfinite(value)
    }


def _max_abs_coef(model) -> dict[str, float]:
    coef = model.coef_
    coef = coef[coef["kind"] == "motif"]
    return coef.groupby("variable")["coefficient"].apply(lambda c: c.abs().max()).to_dict()


def _motif_order(model) -> list:
    """Motifs ordered by added R^2 (descending) when known for all of them, else by max |coef|."""
    delta = _delta_r2(model)
    motifs = list(model.motifs_)
    if motifs and all(m.name in delta for m in motifs):
        key = {m.name: delta[m.name] for m in motifs}
    else:
        key = _max_abs_coef(model)
    return sorted(motifs, key=lambda m: -key.get(m.name, 0.0))


def _select_motifs(model, motifs) -> list:
    """Motifs of the model to draw: all (ordered by :func:`_motif_order`) or the given ones."""
    if motifs is None:
        return _motif_order(model)
    return resolve_motifs(model.motifs_, motifs)


def _effect_color(value: float) -> str:
    if value > 0:
        return POSITIVE_COLOR
    if value < 0:
        return NEGATIVE_COLOR
    return NEUTRAL_COLOR


def _checked_pair(y, y_hat) -> tuple[np.ndarray, np.ndarray]:
    values = []
    for name, array in (("y", y), ("y_hat", y_hat)):
        array = np.asarray(array, dtype=float)
        if array.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one value per peak), got shape {array.shape}")
        bad = np.flatnonzero(~np.isfinite(array))
        if len(bad):
            raise ValueError(
                f"{name} has a non-finite value (NaN or inf) at index {bad[0]}; drop those "
                "peaks first"
            )
        values.append(array)
    y, y_hat = values
    if len(y) != len(y_hat):
        raise ValueError(
            f"y has {len(y)} values but y_hat has {len(y_hat)}; pass one prediction per observation"
        )
    if len(y) < 2:
        raise ValueError(f"need at least 2 points to compute R^2, got {len(y)}")
    if np.ptp(y) == 0:
        raise ValueError("y is constant; R^2 is undefined")
    return y, y_hat


def r2_scores(y, y_hat) -> tuple[float, float]:
    """Coefficient of determination and squared Pearson correlation of predictions.

    Parameters
    ----------
    y, y_hat : array-like of float, shape (n,)
        Observed and predicted values.

    Returns
    -------
    (float, float)
        ``1 - SS_res / SS_tot`` and ``pearson_r(y, y_hat) ** 2`` (0 when ``y_hat`` is constant).

    Raises
    ------
    ValueError
        Different lengths, non-finite values, fewer than 2 points or a constant ``y``.

    Examples
    --------
    A prediction off by a constant has a perfect correlation but a lower R^2:

    >>> from iqmodel.plot.summary import r2_scores
    >>> r2, pearson2 = r2_scores([0.0, 1.0, 2.0, 3.0], [0.5, 1.5, 2.5, 3.5])
    >>> round(r2, 3), round(pearson2, 3)
    (0.8, 1.0)
    """
    y, y_hat = _checked_pair(y, y_hat)
    return r2_score(y, y_hat), pearson_r2(y, y_hat)


def _point_density(x: np.ndarray, y: np.ndarray, bins: int = 80) -> np.ndarray:
    """Smoothed 2-D histogram count at each point (fast on 10^5 points)."""
    from scipy.ndimage import gaussian_filter

    counts, xedges, yedges = np.histogram2d(x, y, bins=bins)
    counts = gaussian_filter(counts, sigma=1.5)
    ix = np.clip(np.searchsorted(xedges, x, side="right") - 1, 0, bins - 1)
    iy = np.clip(np.searchsorted(yedges, y, side="right") - 1, 0, bins - 1)
    return counts[ix, iy]


# ---------------------------------------------------------------------------- public figures


def prediction_scatter(y, y_hat, *, ax=None, title: str | None = None):
    """Observed against predicted dAP, points coloured by local density (paper Fig. 2B, C).

    Parameters
    ----------
    y : array-like of float, shape (n,)
        Observed dAP (x axis).
    y_hat : array-like of float, shape (n,)
        Predicted dAP (y axis), e.g. ``model.predict(seqs)``.
    ax : matplotlib Axes, optional
        Axes to draw on; a new 4 x 4 in figure is made when omitted.
    title : str, optional
        First title line; the second line always reads
        ``R² = <coefficient of determination>, r² = <squared Pearson r>, n = <points>``
        (3 decimals).

    Returns
    -------
    matplotlib Axes
        The axes drawn on: one point per observation and the ``y = x`` diagonal.

    Raises
    ------
    ValueError
        Different lengths, non-finite values, fewer than 2 points or a constant ``y``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from iqmodel.plot import prediction_scatter
    >>> ax = prediction_scatter([0.0, 1.0, 2.0, 3.0], [0.5, 1.5, 2.5, 3.5], title="held out")
    >>> ax.get_title().splitlines()
    ['held out', 'R² = 0.800, r² = 1.000, n = 4']
    >>> ax.get_xlabel(), ax.get_ylabel(), len(ax.collections[0].get_offsets())
    ('observed dAP', 'predicted dAP', 4)
    >>> plt.close("all")
    """
    y, y_hat = _checked_pair(y, y_hat)
    r2, pearson2 = r2_scores(y, y_hat)
    if ax is None:
        ax = _new_axes((4.2, 4.2))
    density = _point_density(y, y_hat)
    order = np.argsort(density, kind="stable")  # densest points drawn last
    size = float(np.clip(3000 / len(y), 1.5, 12))
    ax.scatter(
        y[order],
        y_hat[order],
        c=density[order],
        s=size,
        cmap="viridis",
        linewidths=0,
        rasterized=len(y) > 5000,
    )
    low = min(y.min(), y_hat.min())
    high = max(y.max(), y_hat.max())
    pad = 0.03 * (high - low)
    ax.plot([low - pad, high + pad], [low - pad, high + pad], ls="--", lw=0.8, color="0.3")
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlabel("observed dAP")
    ax.set_ylabel("predicted dAP")
    scores = f"R² = {r2:.3f}, r² = {pearson2:.3f}, n = {len(y)}"
    ax.set_title(scores if title is None else f"{title}\n{scores}", fontsize="medium")
    return ax


def response_curves(model, *, motifs=None, fig=None, ncols: int = 4):
    """Partial response of each motif over normalised energy 0..10 (paper Fig. 2F).

    One panel per motif: ``sum_j coef_j * f_j(E)`` on the logit scale, without intercept and
    interactions (:func:`iqmodel.interpret.response_curve`). Curves rising from energy 0 to 10
    are red, falling ones blue. Panels share the y axis; titles give the motif name, its TF
    name and its added R^2 (``filter_report_``) when the filter ran.

    Parameters
    ----------
    model : fitted IQModel
        The model whose motif response curves are drawn.
    motifs : list of str or Motif, optional
        Motifs to draw, in this order; default all, positive ones first, each group by
        added R^2 (else largest absolute coefficient) descending.
    fig : matplotlib Figure, optional
        Figure to draw on (its size is left alone); a new pyplot figure is made when omitted.
    ncols : int, default 4
        Panels per row.

    Returns
    -------
    matplotlib Figure
        One axes per motif (unused cells of the last row hidden), x: energy 0-10, y: logit.

    Raises
    ------
    TypeError
        When ``model`` is not a fitted IQModel.
    ValueError
        For an invalid ``ncols`` or an unknown motif.

    Examples
    --------
    Planted GATA1 sites open chromatin, FOXA2 sites close it (the default planted effects
    +3 and -2.5): the GATA1 curve rises (red), the FOXA2 one falls (blue):

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.plot import response_curves
    >>> from iqmodel.plot.summary import NEGATIVE_COLOR, POSITIVE_COLOR
    >>> data = make_planted_dataset(
    ...     n_seqs=200, seq_length=100, motifs=["GATA1", "FOXA2"], random_state=0
    ... )
    >>> model = IQModel(filter=False, glm_lambda=1e-3, sequence_features=False, verbose=0)
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> fig = response_curves(model)
    >>> [ax.get_title() for ax in fig.axes]
    ['MA0035.5 (GATA1)', 'MA0047.4 (FOXA2)']
    >>> [ax.lines[0].get_color() for ax in fig.axes] == [POSITIVE_COLOR, NEGATIVE_COLOR]
    True
    >>> line = fig.axes[0].lines[0]
    >>> bool(line.get_ydata()[-1] > line.get_ydata()[0])  # response at energy 10 vs 0
    True
    >>> plt.close(fig)
    """
    from iqmodel.interpret import response_curve

    _check_model(model)
    if not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")
    chosen = _select_motifs(model, motifs)
    curves = {m.name: response_curve(model, m.name) for m in chosen}
    effect = {name: float(c.iloc[-1] - c.iloc[0]) for name, c in curves.items()}
    if motifs is None:  # positives first (Fig. 2F left), keeping the importance order
        chosen = [m for m in chosen if effect[m.name] > 0] + [
            m for m in chosen if effect[m.name] <= 0
        ]
    delta = _delta_r2(model)
    ncols = min(ncols, len(chosen))
    nrows = math.ceil(len(chosen) / ncols)
    if fig is None:
        fig = _new_figure((2.6 * ncols, 2.1 * nrows + 0.3))
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
    for ax, motif in zip(axes.ravel(), chosen, strict=False):
        curve = curves[motif.name]
        ax.plot(curve.index.to_numpy(), curve.to_numpy(), color=_effect_color(effect[motif.name]))
        ax.axhline(0, color="0.8", lw=0.6, zorder=0)
        title = motif.label
        if motif.name in delta:
            title += f"\nΔR² = {delta[motif.name]:.3f}"
        ax.set_title(title, fontsize="small")
        ax.tick_params(labelsize="small")
        ax.set_xlim(0, 10)
    for ax in axes.ravel()[len(chosen) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("energy", fontsize="small")
    for ax in axes[:, 0]:
        ax.set_ylabel("response (logit)", fontsize="small")
    fig.set_layout_engine("constrained")
    return fig


def _interaction_weights(model) -> pd.Series:
    """Sum of the GLM coefficients of each interaction, indexed by interaction name."""
    pairs = model.interactions_.pairs
    coef = model.coef_
    sums = coef.groupby("variable")["coefficient"].sum()
    return pd.Series(
        [float(sums.get(name, 0.0)) for name in pairs["name"]], index=pairs["name"].tolist()
    )


def interaction_network(model, *, ax=None):
    """Network of the model's pairwise interactions (paper Fig. 3G).

    Nodes are the motifs on a circle (labelled by TF name when known), followed by any
    non-motif term (covariate) that takes part in an interaction, drawn as a square. One
    edge per interaction: width proportional to the absolute sum of its GLM coefficients,
    red when the sum is positive, blue when negative, grey dashed when the lasso zeroed it.
    Nodes without any interaction are grey. Each edge is a Line2D whose ``gid`` is
    ``"interaction:<name>"``.

    Parameters
    ----------
    model : fitted IQModel
        The model whose ``interactions_`` are drawn.
    ax : matplotlib Axes, optional
        Axes to draw on; a new 5 x 5 in figure is made when omitted.

    Returns
    -------
    matplotlib Axes
        When the model has no interactions the Axes only carries the message
        "no interactions in this model".

    Raises
    ------
    TypeError
        When ``model`` is not a fitted IQModel.

    Examples
    --------
    Data with a planted GATA1 x FOXA2 interaction; the model finds it, with a positive
    coefficient (a red edge):

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from iqmodel import IQModel
    >>> from iqmodel.datasets import make_planted_dataset
    >>> from iqmodel.plot import interaction_network
    >>> from iqmodel.plot.summary import POSITIVE_COLOR
    >>> data = make_planted_dataset(
    ...     n_seqs=300,
    ...     seq_length=100,
    ...     motifs=["GATA1", "FOXA2"],
    ...     interactions=[("MA0035.5", "MA0047.4", 2.0)],
    ...     random_state=0,
    ... )
    >>> model = IQModel(
    ...     glm_lambda=1e-3, sequence_features=False, interactions=True, verbose=0, random_state=0
    ... )
    >>> model = model.fit_with_motifs(data.sequences, data.dap, data.truth.motifs)
    >>> ax = interaction_network(model)
    >>> [line.get_gid() for line in ax.lines]
    ['interaction:MA0035.5:MA0047.4']
    >>> ax.lines[0].get_color() == POSITIVE_COLOR
    True
    >>> plt.close("all")
    """
    _check_model(model)
    if ax is None:
        ax = _new_axes((5.5, 5.5))
    ax.set_axis_off()
    interactions = model.interactions_
    if interactions is None or len(interactions) == 0:
        ax.text(
            0.5,
            0.5,
            "no interactions in this model\n(fit with interactions=True)",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize="medium",
            color="0.3",
        )
        return ax
    pairs = interactions.pairs
    weights = _interaction_weights(model)
    labels = {m.name: _short_label(m) for m in model.motifs_}
    nodes = list(labels)
    for term in (*pairs["term1"], *pairs["term2"]):
        if term not in labels:
            labels[term] = term
            nodes.append(term)
    motif_names = {m.name for m in model.motifs_}
    angles = np.pi / 2 - 2 * np.pi * np.arange(len(nodes)) / len(nodes)
    position = {n: (np.cos(a), np.sin(a)) for n, a in zip(nodes, angles, strict=True)}
    largest = weights.abs().max()
    for name, term1, term2 in zip(pairs["name"], pairs["term1"], pairs["term2"], strict=True):
        weight = weights[name]
        (x1, y1), (x2, y2) = position[term1], position[term2]
        if weight == 0 or largest == 0:
            style = dict(color=NEUTRAL_COLOR, lw=0.6, ls="--", alpha=0.6)
        else:
            width = 0.6 + 5.4 * abs(weight) / largest
            style = dict(color=_effect_color(weight), lw=width, alpha=0.8, solid_capstyle="round")
        ax.add_line(Line2D([x1, x2], [y1, y2], zorder=1, gid=f"interaction:{name}", **style))
    linked = set(pairs["term1"]) | set(pairs["term2"])
    for node in nodes:
        x, y = position[node]
        active = node in linked
        ax.scatter(
            [x],
            [y],
            s=260,
            marker="o" if node in motif_names else "s",
            zorder=2,
            facecolor="white" if active else "#D9D9D9",
            edgecolor="0.15" if active else NEUTRAL_COLOR,
            linewidths=1.2,
        )
        angle = np.arctan2(y, x)
        ax.text(
            1.2 * x,
            1.2 * y,
            labels[node],
            fontsize="small",
            zorder=3,
            ha="left" if np.cos(angle) > 0.3 else "right" if np.cos(angle) < -0.3 else "center",
            va="bottom" if np.sin(angle) > 0.3 else "top" if np.sin(angle) < -0.3 else "center",
            color="0.1" if active else NEUTRAL_COLOR,
        )
    ax.set_xlim(-1.75, 1.75)
    ax.set_ylim(-1.4, 1.4)
    ax.set_aspect("equal")
    ax.set_title(f"{len(pairs)} interactions (red +, blue −; width ∝ |β|)", fontsize="medium")
    return ax
