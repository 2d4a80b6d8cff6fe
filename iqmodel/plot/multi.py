"""Figures of a multi-trajectory model: motif x trajectory heatmap, before/after R^2, logos."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from iqmodel.plot.logo import logo
from iqmodel.plot.report import check_figure_path, new_figure, save_pages

__all__ = ["contribution_heatmap", "homogenization_r2", "multi_report"]

_STAGES = ("before", "after", "full")
_STAGE_COLORS = {"before": "#9e9e9e", "after": "#1f77b4", "full": "#ff7f0e"}
_LOGOS_PER_PAGE = 12


def contribution_heatmap(contributions: pd.DataFrame, *, ax=None, title: str | None = None):
    """Heatmap of each motif's signed contribution per trajectory.

    Parameters
    ----------
    contributions : DataFrame, shape (n_motifs, n_trajectories)
        From :meth:`iqmodel.MultiIQModel.contributions` (logit-scale standard deviation of the
        motif's term, signed by direction; 0 where a trajectory does not use the motif).
    ax : matplotlib Axes, optional
        Axes to draw on; a new pyplot figure is made when omitted.
    title : str, optional
        Axes title; default ``"motif contribution per trajectory"``.

    Returns
    -------
    matplotlib Axes
        Rows: motifs, columns: trajectories; a diverging colour scale symmetric around 0
        (red: opening, blue: closing) with a colour bar, and the value written in every
        nonzero cell.

    Raises
    ------
    ValueError
        When ``contributions`` is not a non-empty DataFrame.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from iqmodel.plot import contribution_heatmap
    >>> contributions = pd.DataFrame(
    ...     {"up": [1.2, 0.0], "down": [-0.8, 0.5]}, index=["GATA1", "FOXA2"]
    ... )
    >>> ax = contribution_heatmap(contributions)
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.get_xticklabels()]
    (['GATA1', 'FOXA2'], ['up', 'down'])
    >>> [t.get_text() for t in ax.texts]  # the zero cell is left blank
    ['1.20', '-0.80', '0.50']
    >>> plt.close("all")
    """
    if not isinstance(contributions, pd.DataFrame) or contributions.empty:
        raise ValueError("contributions must be a non-empty DataFrame (motifs x trajectories)")
    values = contributions.to_numpy(dtype=float)
    if ax is None:
        import matplotlib.pyplot as plt

        size = (1.6 + 0.9 * values.shape[1], 1.2 + 0.32 * values.shape[0])
        _, ax = plt.subplots(figsize=size, layout="constrained")
    limit = float(np.abs(values).max()) or 1.0
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(values.shape[1]), [str(c) for c in contributions.columns], rotation=45)
    ax.set_yticks(range(values.shape[0]), [str(i) for i in contributions.index])
    for (i, j), value in np.ndenumerate(values):
        if value:
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7)
    ax.figure.colorbar(image, ax=ax, label="signed sd of logit term")
    ax.set_title(title or "motif contribution per trajectory")
    return ax


def homogenization_r2(stats: pd.DataFrame, *, ax=None, split: str = "test"):
    """Grouped bars of R^2 per trajectory before homogenization, after and with all motifs.

    Parameters
    ----------
    stats : DataFrame
        :attr:`iqmodel.MultiIQModel.stats_`: columns ``trajectory``, ``type`` (``"before"``,
        ``"after"``, ``"full"``; those present are drawn) and ``r2_test`` / ``r2_train``.
    ax : matplotlib Axes, optional
        Axes to draw on; a new pyplot figure is made when omitted.
    split : {"test", "train"}, default "test"
        Which rows' R^2 to show (``"train"`` when there are no held-out rows).

    Returns
    -------
    matplotlib Axes
        One group of bars per trajectory (in ``stats`` order), one bar per stage.

    Raises
    ------
    ValueError
        For an unknown ``split``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from iqmodel.plot import homogenization_r2
    >>> stats = pd.DataFrame(
    ...     {
    ...         "trajectory": ["up", "up", "down", "down"],
    ...         "type": ["before", "after", "before", "after"],
    ...         "r2_train": [0.50, 0.48, 0.40, 0.42],
    ...     }
    ... )
    >>> ax = homogenization_r2(stats, split="train")
    >>> [round(float(bar.get_height()), 2) for bar in ax.patches]  # before, then after
    [0.5, 0.4, 0.48, 0.42]
    >>> [t.get_text() for t in ax.get_legend().get_texts()], ax.get_ylabel()
    (['before', 'after'], 'R^2 (training peaks)')
    >>> plt.close("all")
    """
    if split not in ("test", "train"):
        raise ValueError(f"split must be 'test' or 'train', got {split!r}")
    column = f"r2_{split}"
    table = stats.pivot(index="trajectory", columns="type", values=column)
    table = table.loc[list(dict.fromkeys(stats["trajectory"]))]
    stages = [s for s in _STAGES if s in table.columns]
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(1.5 + 1.1 * len(table), 3.2), layout="constrained")
    width = 0.8 / len(stages)
    for k, stage in enumerate(stages):
        x = np.arange(len(table)) + (k - (len(stages) - 1) / 2) * width
        ax.bar(x, table[stage], width, label=stage, color=_STAGE_COLORS[stage])
    ax.set_xticks(range(len(table)), table.index, rotation=45)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel(f"R^2 ({'held-out' if split == 'test' else 'training'} peaks)")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("before / after homogenization")
    return ax


def _logo_page(multi, motifs, usage, page: int, pages: int, pyplot: bool):
    fig = new_figure((11, 9), pyplot=pyplot)
    axes = fig.subplots(4, 3, squeeze=False)
    for ax, motif in zip(axes.flat, motifs, strict=False):
        users = ", ".join(usage.get(motif.name, [])) or "no trajectory"
        logo(motif, ax=ax, title=f"{motif.label}\n{users}")
    for ax in axes.flat[len(motifs) :]:
        ax.axis("off")
    fig.suptitle(f"shared motifs ({len(multi.motifs_)}), page {page} of {pages}")
    return fig


def multi_report(multi, seqs, *, features=None, path=None) -> list:
    """The report of a multi-trajectory model: contribution heatmap, R^2 before / after,
    and the logo of every shared motif with the trajectories that use it.

    Parameters
    ----------
    multi : MultiIQModel
        Fitted.
    seqs : list of str
        Sequences the contributions are measured on (e.g. the training peaks).
    features : DataFrame, optional
        The covariates the model was fitted with, if any.
    path : str or Path, optional
        Write the pages to one PDF (or PNG files, one per page), atomically (see
        :func:`iqmodel.plot.report.save_pages`).

    Returns
    -------
    list of matplotlib Figure
        Pyplot figures when ``path`` is None (so notebooks show them), detached figures when
        the pages are saved to ``path``: first the contribution heatmap and the R^2 bars
        (test R^2 when the model has held-out rows, else training R^2), then pages of up to
        12 logos, each titled with the trajectories that use the motif.

    Raises
    ------
    NotFittedError
        When ``multi`` is not fitted.
    ValueError
        For a ``path`` that is not ``.pdf``/``.png`` in an existing folder.

    Examples
    --------
    Two trajectories on the same planted peaks: GATA1 opens ``up`` and closes ``down``,
    FOXA2 only acts in ``down``:

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from iqmodel import IQModel, MultiIQModel
    >>> from iqmodel.datasets import make_planted_trajectories
    >>> from iqmodel.plot import multi_report
    >>> effects = pd.DataFrame({"up": [3.0, 0.0], "down": [-2.5, 2.0]})
    >>> data = make_planted_trajectories(
    ...     effects, motifs=["GATA1", "FOXA2"], n_seqs=200, seq_length=100, random_state=0
    ... )
    >>> settings = dict(
    ...     filter=False, glm_lambda=1e-3, sequence_features=False, distill=False, verbose=0
    ... )
    >>> models = {
    ...     name: IQModel(**settings).fit_with_motifs(
    ...         data.sequences, data.dap[name], data.truth.motifs
    ...     )
    ...     for name in data.dap
    ... }
    >>> multi = MultiIQModel.from_models(models, data.sequences, data.dap)
    >>> figures = multi_report(multi, data.sequences)
    >>> len(figures)  # heatmap and R^2, then one page of logos
    2
    >>> heatmap, bars = figures[0].axes[:2]
    >>> heatmap.get_title(), bars.get_title()
    ('motif contribution per trajectory', 'before / after homogenization')
    >>> [ax.get_title().splitlines()[1] for ax in figures[1].axes if ax.get_title()]
    ['up, down', 'up, down']
    >>> plt.close("all")
    """
    check_is_fitted(multi, "models_")
    path = check_figure_path(path)
    contributions = multi.contributions(seqs, features=features)
    height = max(4.0, 1.2 + 0.3 * len(contributions))
    first = new_figure((12, height), pyplot=path is None)
    left, right = first.subplots(1, 2, width_ratios=[max(2, len(multi.trajectories_)), 3])
    contribution_heatmap(contributions, ax=left)
    has_test = multi.stats_["r2_test"].notna().any()
    homogenization_r2(multi.stats_, ax=right, split="test" if has_test else "train")
    usage = {}
    for trajectory, model in multi.models_.items():
        for motif in model.motifs_:
            usage.setdefault(motif.name, []).append(trajectory)
    pages = max(1, -(-len(multi.motifs_) // _LOGOS_PER_PAGE))
    figures = [first] + [
        _logo_page(
            multi,
            multi.motifs_[k * _LOGOS_PER_PAGE : (k + 1) * _LOGOS_PER_PAGE],
            usage,
            k + 1,
            pages,
            path is None,
        )
        for k in range(pages)
    ]
    if path is not None:
        save_pages(figures, path)
    return figures
