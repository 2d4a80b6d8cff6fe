"""Figures of fitted models (matplotlib): report, IQ-plot, prediction scatter, curves, logos.

Every function takes ``ax=`` or ``fig=`` and returns what it drew on; nothing touches global
pyplot state beyond creating a figure when none is given.
"""

from __future__ import annotations

import importlib

__all__ = [
    "interaction_network",
    "iq_plot",
    "logo",
    "prediction_scatter",
    "report",
    "response_curves",
]

_MODULES = {
    "interaction_network": "summary",
    "iq_plot": "iq_plot",
    "logo": "logo",
    "prediction_scatter": "summary",
    "report": "report",
    "response_curves": "summary",
}


def __getattr__(name: str):
    if name in _MODULES:
        return getattr(importlib.import_module(f"iqmodel.plot.{_MODULES[name]}"), name)
    raise AttributeError(f"module 'iqmodel.plot' has no attribute {name!r}")
