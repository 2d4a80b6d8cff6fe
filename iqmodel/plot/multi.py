"""Figures of a multi-trajectory model: motif x trajectory heatmap, before/after R^2, logos."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from iqmodel.plot.logo import logo
from iqmodel.plot.report import check_figure_path, save_pages

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
    title : str, optional

    Returns
    -------
    matplotlib Axes
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
        :attr:`iqmodel.MultiIQModel.stats_`.
    ax : matplotlib Axes, optional
    split : {"test", "train"}, default "test"
        Which rows' R^2 to show (``"train"`` when there are no held-out rows).

    Returns
    -------
    matplotlib Axes
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


def _logo_page(multi, motifs, usage, page: int, pages: int):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 3, figsize=(11, 9), layout="constrained", squeeze=False)
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
        Write the pages to one PDF (or PNG files, one per page), atomically.

    Returns
    -------
    list of matplotlib Figure
    """
    import matplotlib.pyplot as plt

    check_is_fitted(multi, "models_")
    path = check_figure_path(path)
    contributions = multi.contributions(seqs, features=features)
    height = max(4.0, 1.2 + 0.3 * len(contributions))
    first = plt.figure(figsize=(12, height), layout="constrained")
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
        )
        for k in range(pages)
    ]
    if path is not None:
        save_pages(figures, path)
    return figures
