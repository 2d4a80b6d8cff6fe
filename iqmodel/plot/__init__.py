"""Figures of fitted models (matplotlib): report, IQ-plot, prediction scatter, curves, logos.

Every function takes ``ax=`` or ``fig=`` and returns what it drew on; nothing touches global
pyplot state beyond creating a figure when none is given.

Whole model
    :func:`report` (one row of six panels per motif, paged into PDF or PNG),
    :func:`response_curves`, :func:`interaction_network`, :func:`prediction_scatter`.
One sequence or region
    :func:`iq_plot` (the IQ-plot: per-base motif contributions, ATAC tracks, logos).
Motifs
    :func:`logo`.
Several trajectories (:class:`iqmodel.MultiIQModel`)
    :func:`multi_report`, :func:`contribution_heatmap`, :func:`homogenization_r2`.
Variants
    :func:`iqmodel.plot.variants.variant_iq_plot` and
    :func:`iqmodel.plot.variants.mutagenesis_map`.

Examples
--------
Figures draw onto given axes, so they combine freely:

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> from iqmodel.motifs import Motif
>>> from iqmodel.plot import logo, prediction_scatter
>>> fig, (left, right) = plt.subplots(1, 2)
>>> _ = prediction_scatter([0.1, 0.5, 0.9], [0.2, 0.4, 0.8], ax=left)
>>> _ = logo(Motif("GA", [[0, 0, 1, 0], [1, 0, 0, 0]]), ax=right)
>>> [ax.get_title().splitlines()[0] for ax in fig.axes]
['R² = 0.906, r² = 0.964, n = 3', 'GA']
>>> plt.close(fig)
"""

from __future__ import annotations

from iqmodel.plot.iq_plot import iq_plot
from iqmodel.plot.logo import logo
from iqmodel.plot.multi import contribution_heatmap, homogenization_r2, multi_report
from iqmodel.plot.report import new_figure, report
from iqmodel.plot.summary import interaction_network, prediction_scatter, response_curves

__all__ = [
    "contribution_heatmap",
    "homogenization_r2",
    "interaction_network",
    "iq_plot",
    "logo",
    "multi_report",
    "new_figure",
    "prediction_scatter",
    "report",
    "response_curves",
]
