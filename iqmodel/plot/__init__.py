"""Figures of fitted models (matplotlib): report, IQ-plot, prediction scatter, curves, logos.

Every function takes ``ax=`` or ``fig=`` and returns what it drew on; nothing touches global
pyplot state beyond creating a figure when none is given.
"""

from __future__ import annotations

from iqmodel.plot.iq_plot import iq_plot
from iqmodel.plot.logo import logo
from iqmodel.plot.multi import contribution_heatmap, homogenization_r2, multi_report
from iqmodel.plot.report import report
from iqmodel.plot.summary import interaction_network, prediction_scatter, response_curves

__all__ = [
    "contribution_heatmap",
    "homogenization_r2",
    "interaction_network",
    "iq_plot",
    "logo",
    "multi_report",
    "prediction_scatter",
    "report",
    "response_curves",
]
