"""iqmodel: physically interpretable models of chromatin accessibility from DNA sequence."""

from __future__ import annotations

from iqmodel.motifs import Motif

__version__ = "0.1.0"

__all__ = ["Motif", "__version__"]
