"""iqmodel: physically interpretable models of chromatin accessibility from DNA sequence."""

from __future__ import annotations

import os

# numba's OpenMP threads otherwise spin between parallel calls and starve the NumPy/BLAS work
# running in between (PREGO alternates the two); must be set before the runtime loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from iqmodel.motifs import Motif

__version__ = "0.1.0"

__all__ = ["IQModel", "IQModelWarning", "Motif", "MultiIQModel", "__version__", "load_model"]


def __getattr__(name: str):
    """Import the estimator lazily: ``import iqmodel`` stays light."""
    if name == "IQModelWarning":
        from iqmodel.exceptions import IQModelWarning

        return IQModelWarning
    if name in ("IQModel", "load_model"):
        from iqmodel import model

        return getattr(model, name)
    if name == "MultiIQModel":
        from iqmodel.multi import MultiIQModel

        return MultiIQModel
    raise AttributeError(f"module 'iqmodel' has no attribute {name!r}")
